//! CLI integration tests: the built `agora` binary, each test in its own temp dir.

mod chain;
mod dynamic;
mod localnet;
mod neuron;
mod node;
mod ocr;
mod python_subnet;
mod sim;
mod substrate;
mod text;
mod wallet;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Held by the tests that load the machine (multi-process networks, model inference), so they
/// run one at a time: on 2 cores, a 4-node network next to three model processes misses its
/// timing assumptions (which proposer earns fees, how fast a round finishes).
pub fn heavy() -> std::sync::MutexGuard<'static, ()> {
    static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}

/// `agora localnet run ARGS` in its own process group (so a Ctrl-C can reach all of it, as in a
/// terminal), stdout and stderr piped.
pub fn localnet(args: &[&str]) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    Command::new(env!("CARGO_BIN_EXE_agora"))
        .args(["localnet", "run"])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("the agora binary runs")
}

/// A running `agora localnet run` (see [`localnet`]) and the description it printed once ready.
pub struct Localnet {
    child: std::process::Child,
    stopped: bool,
    /// The first line of its `--json` output: the network's description.
    pub doc: serde_json::Value,
}

impl Localnet {
    /// Starts `agora localnet run ARGS` (ARGS include `--json`) and reads its description; when
    /// it does not get ready, stops it and panics with its stderr.
    pub fn start(args: &[&str]) -> Localnet {
        use std::io::{BufRead, BufReader, Read};
        let mut child = localnet(args);
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let first = stdout.lines().next().map(|l| l.unwrap_or_default()).unwrap_or_default();
        let mut net = Localnet { child, stopped: false, doc: serde_json::Value::Null };
        match serde_json::from_str(&first) {
            Ok(doc) => net.doc = doc,
            Err(_) => {
                net.stop();
                let mut err = String::new();
                net.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
                panic!("localnet did not get ready: {first}\n{err}");
            }
        }
        net
    }

    /// Ctrl-C to the whole process group, as in a terminal, then waits for it to exit (once).
    pub fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-s", "INT", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// A test that fails before stopping its network still frees the ports.
impl Drop for Localnet {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs the built binary with `args`.
pub fn agora(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agora")).args(args).output().expect("the agora binary runs")
}

/// A fresh directory under the target dir, removed at the start of each use.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The Python of the virtual environment `scripts/SCRIPT` makes (once) for the interoperability
/// tests.
pub fn venv(script: &str) -> String {
    let out = Command::new("bash").arg(repo_file(&format!("scripts/{script}"))).output().expect("bash runs");
    assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The absolute path of a file in the repository.
pub fn repo_file(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path).display().to_string()
}
