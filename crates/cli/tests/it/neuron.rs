//! The neuron protocol against the reference SDK (bittensor 10.2.0 in a virtual environment made by
//! `scripts/python-bittensor-env.sh`): a Python dendrite queries `agora miner dummy`, `agora
//! dendrite dummy` queries a Python axon, and the Python side's forged requests are refused.
//! Streaming synapses cross too, both ways. Loopback only, ports 22410–22419.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{repo_file, temp_dir};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn python() -> String {
    crate::venv("python-bittensor-env.sh")
}

fn py(python: &str, args: &[&str]) -> Value {
    let out = Command::new(python)
        .arg(repo_file("crates/cli/tests/it/py/neuron_interop.py"))
        .args(args)
        .env("READ_ONLY", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "python {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

fn wait_for_port(port: u16, limit: Duration) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < limit, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts a Python axon (`serve` or `serve_stream`) on `port`; returns it and its hotkey.
fn python_axon(python: &str, mode: &str, root: &std::path::Path, port: u16) -> (Killed, String) {
    let mut server = Command::new(python)
        .arg(repo_file("crates/cli/tests/it/py/neuron_interop.py"))
        .args([mode, root.join("py").to_str().unwrap(), &port.to_string()])
        .env("READ_ONLY", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let server = Killed(server);
    let hotkey = serde_json::from_str::<Value>(&line).unwrap()["hotkey"].as_str().unwrap().to_string();
    wait_for_port(port, Duration::from_secs(30));
    (server, hotkey)
}

/// `agora dendrite dummy --input 7` from the "validator" wallet.
fn query_dummy(root: &std::path::Path, axon: &str, hotkey: &str) -> (i32, Value, String) {
    agora(
        root,
        &["dendrite", "dummy", "--wallet.name", "validator", "--axon", axon, "--axon-hotkey", hotkey, "--input", "7"],
    )
}

fn agora(root: &std::path::Path, args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_agora"))
        .args(args)
        .arg("--json")
        .env("BT_WALLET_PATH", root)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).to_string())
}

#[test]
fn python_and_agora_neurons_query_each_other() {
    let python = python();
    let root = temp_dir("neuron-interop");
    for name in ["miner", "validator"] {
        let (code, _, err) = agora(&root, &["wallet", "create", "--wallet.name", name, "--no-password"]);
        assert_eq!(code, 0, "{err}");
    }
    let (_, listed, _) = agora(&root, &["wallet", "list"]);
    let miner_hotkey = listed["wallets"].as_array().unwrap().iter().find(|w| w["name"] == "miner").unwrap()["hotkeys"]
        [0]["ss58"]
        .as_str()
        .unwrap()
        .to_string();

    // A Python dendrite → `agora miner dummy`.
    let _miner = Killed(
        Command::new(env!("CARGO_BIN_EXE_agora"))
            .args(["miner", "dummy", "--wallet.name", "miner", "--ip", "127.0.0.1", "--port", "22410", "--no-chain"])
            .env("BT_WALLET_PATH", &root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(22410, Duration::from_secs(20));
    let answer = py(&python, &["query", "22410", &miner_hotkey, "21"]);
    assert_eq!(answer["status_code"], 200, "{answer}");
    assert_eq!(answer["dummy_output"], 42);

    // Forged requests built with the SDK's own signing code.
    let attacks = py(&python, &["attacks", "22410", &miner_hotkey]);
    assert_eq!(attacks["valid"], 200, "{attacks}");
    assert_eq!(attacks["replay"], 401, "{attacks}");
    assert_eq!(attacks["bad_signature"], 401, "{attacks}");
    assert_eq!(attacks["missing_signature"], 401, "{attacks}");

    // `agora dendrite dummy` → a Python axon.
    let (_server, py_hotkey) = python_axon(&python, "serve", &root, 22411);
    let (code, doc, err) = query_dummy(&root, "127.0.0.1:22411", &py_hotkey);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["status_code"], 200);
    assert_eq!(doc["dummy_output"], 14);
    assert!(doc["process_time"].as_f64().unwrap() > 0.0);

    // A non-200 answer prints its status and message, and exits 1.
    let (code, doc, _) = query_dummy(&root, "127.0.0.1:22410", &py_hotkey);
    assert_eq!((code, doc["status_code"].as_u64()), (1, Some(401)));
    assert!(doc["status_message"].as_str().unwrap().contains("not to this axon"));
}

/// The Python side's `Story` streaming synapse (prompt hashed, completion streamed word by word).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Story {
    prompt: String,
    completion: String,
}

impl agora_neuron::Synapse for Story {
    const NAME: &'static str = "Story";
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["prompt"];
    const REQUIRED_FIELDS: &'static [(&'static str, &'static str)] = &[("prompt", "\"\"")];
}

#[test]
fn streaming_synapses_cross_both_ways() {
    use agora_neuron::{Axon, AxonConfig, AxonTarget, ChunkStream, Dendrite};
    use agora_primitives::Pair;
    use futures::StreamExt;

    let python = python();
    let root = temp_dir("neuron-stream");
    let runtime = tokio::runtime::Runtime::new().unwrap();

    // A Python dendrite streams from an Agora axon.
    let pair = Pair::from_seed(&[77; 32]);
    let hotkey = pair.public();
    let running = runtime.block_on(async move {
        let mut axon = Axon::new(pair, AxonConfig::default());
        axon.attach_stream(|q: Story, _| async move {
            let words: Vec<axum::body::Bytes> =
                q.prompt.split(' ').map(|w| axum::body::Bytes::from(format!("{w}\n"))).collect();
            Ok(Box::pin(futures::stream::iter(words)) as ChunkStream)
        });
        axon.serve("127.0.0.1:0".parse().unwrap()).await.unwrap()
    });
    let port = running.local_addr.port().to_string();
    let got = py(&python, &["stream", &port, &hotkey.to_ss58(), "the quick brown fox"]);
    assert_eq!(got["status_code"], 200, "{got}");
    let chunks: String = got["chunks"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(chunks, "the\nquick\nbrown\nfox\n");

    // The Agora dendrite streams from a Python axon.
    let (_server, py_hotkey) = python_axon(&python, "serve_stream", &root, 22412);
    let py_hotkey: agora_primitives::AccountId = py_hotkey.parse().unwrap();
    let target = AxonTarget { addr: "127.0.0.1:22412".parse().unwrap(), hotkey: py_hotkey };
    let text = runtime.block_on(async move {
        let dendrite = Dendrite::new(Pair::from_seed(&[78; 32]));
        let q = Story { prompt: "over the lazy dog".into(), completion: String::new() };
        let mut answer = dendrite.call_stream(&target, &q, Duration::from_secs(10)).await;
        assert_eq!(answer.status_code, 200, "{}", answer.status_message);
        let mut text = String::new();
        let mut pieces = 0;
        while let Some(chunk) = answer.chunks.next().await {
            text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
            pieces += 1;
        }
        assert!(pieces >= 1);
        text
    });
    assert_eq!(text, "over\nthe\nlazy\ndog\n");
    runtime.block_on(running.stop()).unwrap();
}
