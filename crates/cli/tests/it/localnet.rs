//! `agora localnet run` with the subnet, as a user starts it: 4 validator nodes, the models, subnet
//! 1 with a local-model miner, 2 validators, the gateway; then the official `openai` Python client
//! (from the registry, in a virtual environment) asks the gateway with and without streaming and
//! gets model text from a miner, and headless Chromium (Debian's, driven by `playwright-core`)
//! loads the explorer and the chat page, chats, and saves screenshots; and a Python subnet written
//! against bittensor 10.5.0 runs on it unchanged through the Substrate endpoint
//! ([`crate::python_subnet`]). Ports 22450–22498 (nodes 22450–22482, gateway 22495, miner 22496,
//! the Python miners 22497–22498), Substrate endpoint 22390.

use std::process::Command;

use serde_json::Value;

use crate::{repo_file, temp_dir};

#[test]
fn localnet_serves_chat_completions_to_the_openai_client() {
    let _heavy = crate::heavy();
    let python = Command::new("bash").arg(repo_file("scripts/python-openai-env.sh")).output().unwrap();
    assert!(python.status.success(), "{}", String::from_utf8_lossy(&python.stderr));
    let python = String::from_utf8(python.stdout).unwrap().trim().to_string();
    let ui = Command::new("bash").arg(repo_file("scripts/ui-env.sh")).output().unwrap();
    assert!(ui.status.success(), "{}", String::from_utf8_lossy(&ui.stderr));
    let node_modules = String::from_utf8(ui.stdout).unwrap().trim().to_string();

    let dir = temp_dir("localnet-subnet");
    let models = std::env::var("AGORA_MODELS_DIR").unwrap_or_else(|_| repo_file("assets/models"));
    let mut net = crate::Localnet::start(&[
        "--data-dir",
        dir.to_str().unwrap(),
        "--base-port",
        "22450",
        "--block-time",
        "250",
        "--tempo",
        "10",
        "--miners",
        "local",
        "--gateway-port",
        "22495",
        "--substrate-port",
        "22390",
        "--models-dir",
        &models,
        "--json",
    ]);
    let doc = net.doc.clone();
    let saved: Value = serde_json::from_slice(&std::fs::read(dir.join("localnet.json")).unwrap()).unwrap();
    assert_eq!(saved["gateway_url"], doc["gateway_url"]);
    // Every file holding the gateway's API key is readable by its owner only (reliability 9).
    for file in ["localnet.json", "subnet.json", "gateway-keys.toml"] {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(doc["gateway_api_key"].as_str().unwrap()), "{file} holds the key");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file} is mode {mode:o}");
    }
    assert_eq!(saved["substrate_url"], "ws://127.0.0.1:22390", "the Substrate endpoint of node 0");
    assert_eq!(doc["substrate_urls"].as_array().map(Vec::len), Some(4));
    let roles: Vec<&str> = doc["processes"].as_array().unwrap().iter().map(|p| p["role"].as_str().unwrap()).collect();
    assert_eq!(roles.iter().filter(|r| **r == "node").count(), 4);
    assert_eq!(roles.iter().filter(|r| **r == "miner").count(), 1);
    assert_eq!(roles.iter().filter(|r| **r == "validator").count(), 2);
    assert_eq!(roles.iter().filter(|r| **r == "gateway").count(), 1);
    eprintln!("ready after {} s", doc["ready_after_s"]);

    let out = Command::new(&python)
        .arg(repo_file("crates/cli/tests/it/py/openai_client.py"))
        .arg(doc["openai_base_url"].as_str().unwrap())
        .arg(doc["gateway_api_key"].as_str().unwrap())
        .output()
        .unwrap();
    let screens = dir.join("screenshots");
    std::fs::create_dir_all(&screens).unwrap();
    let python_subnet = std::panic::catch_unwind(|| {
        crate::python_subnet::runs_unchanged(
            doc["rpc_url"].as_str().unwrap(),
            "ws://127.0.0.1:22390",
            &dir.join("wallets"),
            &dir,
            [22497, 22498],
        )
    });
    let browser = Command::new("node")
        .arg(repo_file("scripts/ui-check.mjs"))
        .arg(doc["gateway_url"].as_str().unwrap())
        .arg(doc["gateway_api_key"].as_str().unwrap())
        .arg(&screens)
        .env("NODE_PATH", &node_modules)
        .output()
        .unwrap();
    net.stop();
    if let Err(panic) = python_subnet {
        std::panic::resume_unwind(panic);
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(browser.status.success(), "{}", String::from_utf8_lossy(&browser.stderr));
    let seen: Value = serde_json::from_slice(&browser.stdout).unwrap();
    eprintln!("browser: {seen}");
    assert!(seen["explorer_blocks"].as_u64().unwrap() >= 1, "{seen}");
    assert!(seen["metagraph_rows"].as_u64().unwrap() >= 3, "{seen}");
    // The localnet runs dynamic TAO by default: the explorer lists root's pool, the text subnet's
    // and the Python subnet's (once it has registered).
    assert_eq!(saved["economy"], "dynamic", "{saved}");
    assert!(seen["pool_rows"].as_u64().unwrap_or(0) >= 2, "{seen}");
    let price: f64 = seen["subnet_price"].as_str().unwrap_or("0").parse().unwrap_or(0.0);
    assert!(price > 0.0, "{seen}");
    assert_eq!(seen["chat_done"], "1", "{seen}");
    assert!(!seen["chat_text"].as_str().unwrap().trim().is_empty(), "{seen}");
    assert!(seen["chat_uid"].as_str().is_some(), "{seen}");
    assert!(screens.join("explorer.png").exists() && screens.join("chat.png").exists());
    // The gateway sampled organic traffic for the validators (one request in four; the first is kept).
    let organic = std::fs::read_to_string(dir.join("organic.jsonl")).unwrap();
    assert!(organic.lines().next().is_some_and(|l| l.contains("Write one sentence about the ocean.")), "{organic}");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!("{answer}");
    assert_eq!(answer["model"], "agora/text");
    assert_eq!(answer["models"], serde_json::json!(["agora/text"]));
    let text = answer["text"].as_str().unwrap();
    assert!(!text.trim().is_empty());
    assert!(answer["uid"].as_str().is_some());
    assert!(answer["stream_chunks"].as_u64().unwrap() >= 1);
    assert!(!answer["stream_text"].as_str().unwrap().trim().is_empty());
    // Usage, as the official client parsed it: the pinned model's tokenizer's counts of the
    // rendered prompt and of the answer's text, for the plain answer and the streamed one.
    let tokenizer =
        agora_models::chat::ChatTokenizer::load(&agora_models::ModelPaths { dir: models.into() }.llm()).unwrap();
    let prompt = tokenizer
        .count_prompt(&[agora_models::ChatMessage::new("user", "Write one sentence about the ocean.")])
        .unwrap() as u64;
    for (usage, text) in
        [(&answer["usage"], text), (&answer["usage_stream"], answer["usage_stream_text"].as_str().unwrap())]
    {
        let (p, c) = (usage["prompt_tokens"].as_u64().unwrap(), usage["completion_tokens"].as_u64().unwrap());
        assert!(p > 0 && c > 0, "{usage}");
        assert_eq!(p, prompt, "{usage}");
        assert_eq!(c, tokenizer.count(text).unwrap() as u64, "{usage} for {text:?}");
        assert_eq!(usage["total_tokens"].as_u64().unwrap(), p + c, "{usage}");
    }
}
