//! The front door for images, in process against real OCR axons on loopback: a chat request
//! whose user message holds an image (a data: URL) goes to the OCR subnet's miners (Debian's
//! tesseract, the adversary `random`), with and without streaming; best-of-k picks the reading
//! the others agree with; `/v1/models` and `/api/subnets` list both subnets; a gateway without
//! an OCR subnet refuses images with `model_not_found`.
//!
//! Needs `tesseract-ocr` (`scripts/tesseract-env.sh` installs it as root; this test runs it).

use std::sync::Arc;
use std::time::Duration;

use agora_gateway::pool::Candidate;
use agora_gateway::{Gateway, GatewayConfig, MinerPool, OcrRoute, router_with};
use agora_neuron::{Dendrite, RunningAxon};
use agora_ocr::backends::{RandomWords, Tesseract};
use agora_ocr::document::Document;
use agora_ocr::scoring::cer;
use agora_primitives::{NetUid, Pair};
use base64::Engine;
use serde_json::{Value, json};

fn ensure_tesseract() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/tesseract-env.sh");
    let out = std::process::Command::new("bash").arg(script).output().expect("bash runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

struct Setup {
    url: String,
    _axons: Vec<RunningAxon>,
}

async fn setup(with_ocr: bool) -> Setup {
    let me = Pair::from_seed(&[60; 32]);
    let text_pool = Arc::new(MinerPool::new(me.public(), Duration::from_secs(60), 1));
    let config = GatewayConfig {
        netuid: NetUid(1),
        timeout: Duration::from_secs(30),
        retries: 2,
        hedge: false,
        default_best_of: 1,
    };
    let mut gw = Gateway::new(text_pool, Dendrite::new(me.clone()), None, None, None, config);
    let mut axons = Vec::new();
    if with_ocr {
        let pool = Arc::new(MinerPool::new(me.public(), Duration::from_secs(60), 2));
        let mut candidates = Vec::new();
        for (uid, seed) in [(3u16, 1u8), (5, 2)] {
            let reader = Tesseract::locate(1, Duration::from_secs(30)).unwrap();
            let (axon, target) =
                agora_ocr::miner::serve_loopback(Pair::from_seed(&[seed; 32]), Arc::new(reader)).await.unwrap();
            axons.push(axon);
            candidates.push(Candidate { uid, target, incentive: 0.4 });
        }
        let (axon, target) =
            agora_ocr::miner::serve_loopback(Pair::from_seed(&[3; 32]), Arc::new(RandomWords::new(9))).await.unwrap();
        axons.push(axon);
        // The random reader has the most incentive, so plain routing would often pick it: best-of
        // must not.
        candidates.push(Candidate { uid: 8, target, incentive: 0.2 });
        pool.set_candidates(candidates);
        gw = gw.with_ocr(OcrRoute { netuid: NetUid(2), pool });
    }
    let limits = agora_gateway::BodyLimits { max_bytes: agora_gateway::OCR_BODY_BYTES, ..Default::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router_with(gw, limits)).await.unwrap() });
    Setup { url, _axons: axons }
}

fn image_request(png: &[u8], model: &str, stream: bool, best_of: u8) -> Value {
    let url = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png));
    json!({"model": model, "stream": stream, "agora": {"best_of": best_of}, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "What does this say?"},
        {"type": "image_url", "image_url": {"url": url}},
    ]}]})
}

async fn post(url: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}/v1/chat/completions"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn get(url: &str) -> Value {
    serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_are_read_by_the_ocr_subnet_streamed_or_not() {
    ensure_tesseract();
    let s = setup(true).await;
    let doc = Document::generate(21);
    let png = doc.png();
    let truth = doc.text();

    // Best-of-3: the two tesseract readings agree, the random one does not.
    let r = post(&s.url, &image_request(&png, "agora/text", false, 3)).await;
    assert_eq!(r.status(), 200);
    let uid = r.headers()["x-agora-uid"].to_str().unwrap().to_string();
    assert!(uid == "3" || uid == "5", "served by uid {uid}");
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(v["model"], "agora/ocr");
    assert_eq!(v["usage"], Value::Null);
    let text = v["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(cer(text, &truth) < 0.1, "read {text:?}, wrote {truth:?}");

    // Streamed, naming the model: chunks that add up to the reading, then [DONE].
    let r = post(&s.url, &image_request(&png, "agora/ocr", true, 3)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let body = r.text().await.unwrap();
    assert!(body.trim_end().ends_with("data: [DONE]"));
    let streamed: String = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|l| *l != "[DONE]")
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .inspect(|c| assert_eq!(c["model"], "agora/ocr"))
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str().map(str::to_string))
        .collect();
    assert!(cer(&streamed, &truth) < 0.1, "streamed {streamed:?}");

    // Both models are listed, and the subnets with their kinds.
    let models = get(&format!("{}/v1/models", s.url)).await;
    let ids: Vec<&str> = models["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["agora/text", "agora/ocr"]);
    let subnets = get(&format!("{}/api/subnets", s.url)).await;
    let ocr = &subnets["subnets"][1];
    assert_eq!(
        (&ocr["netuid"], &ocr["kind"], &ocr["model"], &ocr["miners"]),
        (&json!(2), &json!("ocr"), &json!("agora/ocr"), &json!(3))
    );
    // Each miner the gateway routes to, with the incentive it routes by.
    let routing = ocr["routing"].as_array().unwrap();
    assert_eq!(routing.len(), 3, "{ocr}");
    assert!(routing.iter().all(|m| m["uid"].is_u64() && m["hotkey"].is_string() && m["incentive"].is_f64()), "{ocr}");

    // agora/ocr without an image says what it needs.
    let r = post(&s.url, &json!({"model": "agora/ocr", "messages": [{"role": "user", "content": "hi"}]})).await;
    assert_eq!(r.status(), 400);
    let e: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert!(e["error"]["message"].as_str().unwrap().contains("image_url"), "{e}");
}

#[test]
fn best_of_picks_the_reading_the_others_support_and_never_a_stub() {
    use agora_gateway::server::most_agreed;
    let full = "Invoice No. INV-48213 Total due: 1234.50 EUR";
    let typo = "Invoice No. INV-48218 Total due: 1234.50 EUR";
    assert_ne!(most_agreed(&["velvet orbit harbor", full, typo]), 0);
    assert_eq!(most_agreed(&[".", full]), 1);
    assert_eq!(most_agreed(&[full, "Invoice No."]), 0);
    assert_eq!(most_agreed::<&str>(&[]), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_without_an_ocr_subnet_refuses_images() {
    let s = setup(false).await;
    let png = Document::generate(3).png();
    let r = post(&s.url, &image_request(&png, "agora/ocr", false, 1)).await;
    assert_eq!(r.status(), 404);
    let e: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(e["error"]["code"], "model_not_found");
    let models = get(&format!("{}/v1/models", s.url)).await;
    assert_eq!(models["data"].as_array().unwrap().len(), 1);
}
