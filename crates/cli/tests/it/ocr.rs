//! `agora localnet run --subnets text,ocr`, as a user starts it: 4 validator nodes, the text
//! subnet (a `local` SmolLM2 miner and an `echo` adversary) and the document-OCR subnet (Debian's
//! tesseract and the adversaries `blank` and `random`), two validators validating both, one
//! gateway serving both. Three tempos after both subnets' weights land, the tesseract miner holds
//! the largest incentive of the OCR subnet with `blank` and `random` below 10 % of it, and the
//! text subnet's ranking still holds; then the official `openai` Python client sends an image of a
//! document the test rendered and gets its text back (below 10 % character error rate), with and
//! without streaming, and the chat page shows the same. Ports 22600–22700 (nodes 22600–22632,
//! gateway 22695, miners 22696–22700), Substrate endpoint 22590.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{repo_file, temp_dir};

/// `GET url` (plain HTTP on loopback) as JSON; `Null` when it cannot be read.
fn http_get_json(url: &str) -> Value {
    use std::io::{Read, Write};
    let Some((host, path)) = url.strip_prefix("http://").and_then(|u| u.split_once('/')) else { return Value::Null };
    let Ok(mut stream) = std::net::TcpStream::connect(host) else { return Value::Null };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if write!(stream, "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").is_err() {
        return Value::Null;
    }
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    text.split_once("\r\n\r\n").and_then(|(_, body)| serde_json::from_str(body).ok()).unwrap_or(Value::Null)
}

fn show(rpc: &str, netuid: u64) -> Value {
    let out = crate::agora(&["subnets", "show", "--netuid", &netuid.to_string(), "--full", "--json", "--network", rpc]);
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// Each neuron's value of `column`, by hotkey.
fn by_hotkey(m: &Value, column: &str) -> std::collections::BTreeMap<String, Value> {
    m["neurons"]
        .as_array()
        .map(|ns| ns.iter().map(|n| (n["hotkey"].as_str().unwrap_or("").to_string(), n[column].clone())).collect())
        .unwrap_or_default()
}

#[test]
fn a_localnet_with_text_and_ocr_pays_readers_and_answers_images() {
    let _heavy = crate::heavy();
    let tesseract = Command::new("bash").arg(repo_file("scripts/tesseract-env.sh")).output().unwrap();
    assert!(tesseract.status.success(), "{}", String::from_utf8_lossy(&tesseract.stderr));
    let python = crate::venv("python-openai-env.sh");

    let dir = temp_dir("localnet-ocr");
    let models = std::env::var("AGORA_MODELS_DIR").unwrap_or_else(|_| repo_file("assets/models"));
    let mut net = crate::Localnet::start(&[
        "--data-dir",
        dir.to_str().unwrap(),
        "--base-port",
        "22600",
        "--block-time",
        "250",
        "--tempo",
        "10",
        "--subnets",
        "text,ocr",
        "--miners",
        "local,echo",
        "--ocr-miners",
        "tesseract,blank,random",
        "--gateway-port",
        "22695",
        "--substrate-port",
        "22590",
        "--models-dir",
        &models,
        "--json",
    ]);
    let doc = net.doc.clone();
    let result = std::panic::catch_unwind(|| check(&doc, &dir, &python));
    net.stop();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn check(doc: &Value, dir: &std::path::Path, python: &str) {
    let subnets = doc["subnets"].as_array().unwrap();
    assert_eq!(subnets.len(), 2, "{doc}");
    assert_eq!((subnets[0]["kind"].as_str(), subnets[0]["model"].as_str()), (Some("text"), Some("agora/text")));
    assert_eq!((subnets[1]["kind"].as_str(), subnets[1]["model"].as_str()), (Some("ocr"), Some("agora/ocr")));
    let (text_netuid, ocr_netuid) = (subnets[0]["netuid"].as_u64().unwrap(), subnets[1]["netuid"].as_u64().unwrap());
    let processes = doc["processes"].as_array().unwrap();
    let role_on = |role: &str, netuid: u64| {
        processes.iter().filter(|p| p["role"] == role && p["netuid"].as_u64() == Some(netuid)).count()
    };
    assert_eq!((role_on("miner", text_netuid), role_on("miner", ocr_netuid)), (2, 3), "{doc}");
    assert_eq!((role_on("validator", text_netuid), role_on("validator", ocr_netuid)), (2, 2), "{doc}");
    // Both subnets' weights land, then three tempos pass.
    let rpc = doc["rpc_url"].as_str().unwrap();
    let wait = |what: &str, limit: Duration, mut ready: Box<dyn FnMut() -> bool + '_>| {
        let start = Instant::now();
        while !ready() {
            assert!(start.elapsed() < limit, "{what} within {limit:?} (logs in {})", dir.join("logs").display());
            std::thread::sleep(Duration::from_secs(1));
        }
    };
    let mut block = 0;
    let weighted = |netuid: u64| {
        let m = show(rpc, netuid);
        let hotkeys: Vec<String> = by_hotkey(&m, "hotkey").into_keys().collect();
        let uid_of = |hotkey: &str| {
            m["neurons"].as_array().and_then(|ns| ns.iter().position(|n| n["hotkey"].as_str() == Some(hotkey)))
        };
        let mut validators =
            processes.iter().filter(|p| p["role"] == "validator" && p["netuid"].as_u64() == Some(netuid));
        !hotkeys.is_empty()
            && validators.all(|v| {
                let uid = uid_of(v["hotkey_ss58"].as_str().unwrap_or(""));
                uid.and_then(|u| m["weights"][u].as_array()).is_some_and(|w| !w.is_empty())
            })
    };
    wait(
        "weights on both subnets",
        Duration::from_secs(300),
        Box::new(|| {
            let done = weighted(text_netuid) && weighted(ocr_netuid);
            block = show(rpc, ocr_netuid)["block"].as_u64().unwrap_or(0);
            done
        }),
    );
    wait(
        "three tempos",
        Duration::from_secs(120),
        Box::new(|| show(rpc, ocr_netuid)["block"].as_u64().unwrap_or(0) >= block + 3 * 11),
    );

    let incentive = |netuid: u64, backend: &str| -> f64 {
        let m = show(rpc, netuid);
        let hotkey = processes
            .iter()
            .find(|p| p["backend"] == backend && p["netuid"].as_u64() == Some(netuid))
            .and_then(|p| p["hotkey_ss58"].as_str())
            .unwrap();
        by_hotkey(&m, "incentive")[hotkey].as_f64().unwrap()
    };
    let (tesseract, blank, random) =
        (incentive(ocr_netuid, "tesseract"), incentive(ocr_netuid, "blank"), incentive(ocr_netuid, "random"));
    eprintln!("OCR incentive: tesseract {tesseract}, blank {blank}, random {random}");
    assert!(tesseract > 0.0 && tesseract >= blank && tesseract >= random);
    assert!(
        blank < 0.1 * tesseract && random < 0.1 * tesseract,
        "blank {blank}, random {random}, tesseract {tesseract}"
    );
    let (local, echo) = (incentive(text_netuid, "local"), incentive(text_netuid, "echo"));
    eprintln!("text incentive: local {local}, echo {echo}");
    assert!(local > 0.0 && echo < 0.1 * local, "local {local}, echo {echo}");

    // The gateway routes by incentive (uniformly before any is paid, when `random` or `blank`
    // would answer two requests in three); once its routing table (refreshed from the metagraph
    // every 12 s, shown by /api/subnets) holds the incentive above, the official client reads a
    // document the test rendered.
    let gateway = doc["gateway_url"].as_str().unwrap().to_string();
    let hotkey_of = |backend: &str| {
        processes
            .iter()
            .find(|p| p["backend"] == backend && p["netuid"].as_u64() == Some(ocr_netuid))
            .and_then(|p| p["hotkey_ss58"].as_str())
            .unwrap()
            .to_string()
    };
    let (tesseract_key, blank_key, random_key) = (hotkey_of("tesseract"), hotkey_of("blank"), hotkey_of("random"));
    wait(
        "the gateway to route by the OCR incentive",
        Duration::from_secs(60),
        Box::new(|| {
            let subnets = http_get_json(&format!("{gateway}/api/subnets"));
            let Some(routing) = subnets["subnets"]
                .as_array()
                .and_then(|l| l.iter().find(|s| s["netuid"].as_u64() == Some(ocr_netuid)))
                .and_then(|s| s["routing"].as_array())
            else {
                return false;
            };
            let of = |key: &str| {
                routing.iter().find(|m| m["hotkey"] == key).and_then(|m| m["incentive"].as_f64()).unwrap_or(0.0)
            };
            let best = of(&tesseract_key);
            best > 0.0 && of(&blank_key) < 0.1 * best && of(&random_key) < 0.1 * best
        }),
    );
    let rendered = agora_ocr::document::Document::generate(77);
    let png = dir.join("document.png");
    std::fs::write(&png, rendered.png()).unwrap();
    let out = Command::new(python)
        .arg(repo_file("crates/cli/tests/it/py/openai_vision.py"))
        .arg(doc["openai_base_url"].as_str().unwrap())
        .arg(doc["gateway_api_key"].as_str().unwrap())
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!("vision: {answer}");
    assert_eq!(answer["model"], "agora/ocr");
    assert_eq!(answer["models"], serde_json::json!(["agora/text", "agora/ocr"]));
    let truth = rendered.text();
    for key in ["text", "stream_text"] {
        let read = answer[key].as_str().unwrap();
        let rate = agora_ocr::scoring::cer(read, &truth);
        assert!(rate < 0.1, "{key}: error rate {rate} reading {read:?} of {truth:?}");
    }
    assert!(answer["stream_chunks"].as_u64().unwrap() >= 1);

    // The browser attaches the image in the chat page and sees the reading; the explorer names
    // each subnet's kind.
    let ui = Command::new("bash").arg(repo_file("scripts/ui-env.sh")).output().unwrap();
    assert!(ui.status.success(), "{}", String::from_utf8_lossy(&ui.stderr));
    let node_modules = String::from_utf8(ui.stdout).unwrap().trim().to_string();
    let screens = dir.join("screenshots");
    std::fs::create_dir_all(&screens).unwrap();
    let browser = Command::new("node")
        .arg(repo_file("scripts/ui-check.mjs"))
        .arg(doc["gateway_url"].as_str().unwrap())
        .arg(doc["gateway_api_key"].as_str().unwrap())
        .arg(&screens)
        .arg(&png)
        .env("NODE_PATH", &node_modules)
        .output()
        .unwrap();
    assert!(browser.status.success(), "{}", String::from_utf8_lossy(&browser.stderr));
    let seen: Value = serde_json::from_slice(&browser.stdout).unwrap();
    eprintln!("browser: {seen}");
    assert_eq!(seen["ocr_done"], "1", "{seen}");
    let read = seen["ocr_text"].as_str().unwrap();
    assert!(agora_ocr::scoring::cer(read, &truth) < 0.1, "the chat page showed {read:?}");
    let kinds: Vec<&str> = seen["subnet_kinds"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(kinds.contains(&"text (agora/text)") && kinds.contains(&"ocr (agora/ocr)"), "{seen}");
}
