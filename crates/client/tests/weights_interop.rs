//! The weight helpers against the reference SDK itself: a Python venv with `bittensor` 10.2.0
//! (made by `scripts/python-bittensor-env.sh`) runs `weight_utils` on the same random inputs, and
//! every output must match bit for bit.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use agora_client::weights::{convert_weights_and_uids_for_emit, normalize_max_weight, process_weights};
use serde_json::{Value, json};

/// xorshift64*: deterministic inputs without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// A score vector in one of the shapes validators produce.
    fn scores(&mut self, len: usize) -> Vec<f32> {
        let shape = self.below(5);
        (0..len)
            .map(|_| match shape {
                0 => self.unit() as f32,
                1 if self.below(3) == 0 => 0.0,
                1 => self.unit() as f32 * 1000.0,
                2 => (self.unit().powi(8)) as f32, // a few large, many tiny
                3 if self.below(10) == 0 => [f32::NAN, -1.0, -0.0][self.below(3) as usize],
                3 => self.unit() as f32,
                _ => self.below(5) as f32, // ties
            })
            .collect()
    }
    fn limit(&mut self) -> f64 {
        let raw = match self.below(4) {
            0 => 65535,
            1 => self.below(65536),
            _ => 655 + self.below(30000),
        };
        raw as f64 / 65535.0
    }
}

fn python() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash")
        .arg(root.join("scripts/python-bittensor-env.sh"))
        .output()
        .expect("bash runs scripts/python-bittensor-env.sh");
    assert!(out.status.success(), "cannot set up the Python SDK: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn reference(cases: &[Value]) -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/weights_reference.py");
    let answer = std::env::temp_dir().join(format!("agora-weights-{}.json", std::process::id()));
    let mut child = Command::new(python())
        .arg(script)
        .arg(&answer)
        .env("READ_ONLY", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(Value::Array(cases.to_vec()).to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "reference failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read(&answer).unwrap();
    std::fs::remove_file(&answer).unwrap();
    serde_json::from_slice(&text).unwrap()
}

fn bits32(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// Our f64 results in the dtype the reference returned.
fn same_floats(ours: &[f64], theirs: &Value) -> bool {
    let bits = theirs["bits"].as_array().unwrap();
    if ours.len() != bits.len() {
        return false;
    }
    match theirs["dtype"].as_str().unwrap() {
        "float32" => ours.iter().zip(bits).all(|(o, b)| (*o as f32).to_bits() as u64 == b.as_u64().unwrap()),
        _ => ours.iter().zip(bits).all(|(o, b)| o.to_bits() == b.as_u64().unwrap()),
    }
}

/// Compares one of our results with the reference's answer.
type Check = Box<dyn Fn(&Value) -> Result<(), String>>;

#[test]
fn weight_helpers_match_the_reference_bit_for_bit() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut cases = Vec::new();
    let mut ours: Vec<Check> = Vec::new();

    for _ in 0..300 {
        let len = 1 + rng.below(300) as usize;
        let x: Vec<f32> = rng.scores(len).into_iter().map(|v| if v.is_nan() || v < 0.0 { 0.0 } else { v }).collect();
        let limit = rng.limit();
        cases.push(json!({"kind": "normalize", "x": bits32(&x), "limit": limit}));
        ours.push(Box::new(move |theirs| {
            let mine: Vec<f64> = normalize_max_weight(&x, limit).into_iter().map(f64::from).collect();
            if same_floats(&mine, &theirs["weights"]) { Ok(()) } else { Err(format!("normalize {x:?} {limit}")) }
        }));
    }
    for _ in 0..300 {
        let len = rng.below(260) as usize;
        let n = len + rng.below(20) as usize;
        let weights = rng.scores(len);
        let uids: Vec<u16> = (0..len as u16).collect();
        let min_allowed = [0u16, 1, 8, 64, 1024][rng.below(5) as usize];
        let limit = rng.limit();
        let quantile = [0u16, 0, 6553, 32768, 65535][rng.below(5) as usize];
        cases.push(json!({"kind": "process", "uids": uids, "weights": bits32(&weights), "n": n,
            "min_allowed": min_allowed, "limit": limit, "quantile": quantile}));
        ours.push(Box::new(move |theirs| {
            let context = format!("process len {len} n {n} min {min_allowed} limit {limit} q {quantile}");
            match process_weights(&uids, &weights, n, min_allowed, limit, quantile) {
                Ok((u, w)) => {
                    let their_uids: Vec<u16> = theirs["uids"]
                        .as_array()
                        .ok_or(format!("{context}: {theirs}"))?
                        .iter()
                        .map(|v| v.as_u64().unwrap() as u16)
                        .collect();
                    if u != their_uids || !same_floats(&w, &theirs["weights"]) {
                        return Err(format!("{context}: uids {u:?} vs {their_uids:?}"));
                    }
                    Ok(())
                }
                Err(_) if theirs.get("error").is_some() => Ok(()),
                Err(e) => Err(format!("{context}: we refused ({e}), the reference did not")),
            }
        }));
    }
    for _ in 0..300 {
        let len = 1 + rng.below(100) as usize;
        let mut weights: Vec<f64> = rng.scores(len).into_iter().map(f64::from).collect();
        if rng.below(4) == 0 {
            weights = weights.iter().map(|w| w * rng.unit()).collect();
        }
        let uids: Vec<i64> = (0..len as i64).collect();
        cases.push(
            json!({"kind": "emit", "uids": uids, "weights": weights.iter().map(|w| w.to_bits()).collect::<Vec<_>>()}),
        );
        ours.push(Box::new(move |theirs| match convert_weights_and_uids_for_emit(&uids, &weights) {
            Ok((u, v)) => {
                let expect = json!({"uids": u, "values": v});
                if *theirs == expect { Ok(()) } else { Err(format!("emit {weights:?}: {expect} vs {theirs}")) }
            }
            Err(_) if theirs.get("error").is_some() => Ok(()),
            Err(e) => Err(format!("emit {weights:?}: we refused ({e}), the reference gave {theirs}")),
        }));
    }

    let results = reference(&cases);
    assert_eq!(results.len(), cases.len());
    let failures: Vec<String> = ours.iter().zip(&results).filter_map(|(check, theirs)| check(theirs).err()).collect();
    assert!(failures.is_empty(), "{} of {} cases differ; first: {}", failures.len(), cases.len(), failures[0]);
}
