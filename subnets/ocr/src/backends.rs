//! What reads images for a miner: [`Tesseract`] (Debian's `tesseract-ocr`, run as a program),
//! [`OpenAiVision`] (any OpenAI-compatible vision model: the image as an `image_url` part), and
//! the adversaries validators must rank low: [`Blank`], [`RandomWords`] and [`Copycat`].

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agora_neuron::{AxonTarget, Dendrite};
use agora_primitives::SplitMix64;
use base64::Engine;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

use crate::synapse::{ImageKind, ImageToText, TextBox};

/// What a reader found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    /// The text, lines separated by `\n`.
    pub text: String,
    /// Per line, its text and box (empty when the reader gives none).
    pub lines: Vec<TextBox>,
}

/// Why a reading failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The `tesseract` program is missing or broken.
    #[error(
        "tesseract is not available ({0}); install it with `apt-get install tesseract-ocr tesseract-ocr-eng` or run `bash scripts/tesseract-env.sh`"
    )]
    NoTesseract(String),
    /// The program or the server failed on this image.
    #[error("{0}")]
    Failed(String),
    /// It took too long.
    #[error("no reading within {0:?}")]
    Timeout(Duration),
    /// A setting is wrong (a URL).
    #[error("{0}")]
    BadSetting(String),
}

/// A reading in progress.
pub type ReadFuture<'a> = Pin<Box<dyn Future<Output = Result<Reading, ReadError>> + Send + 'a>>;

/// Reads the text of an image.
pub trait Reader: Send + Sync + 'static {
    /// Reads `image` (a file of `kind`).
    fn read(&self, image: Vec<u8>, kind: ImageKind) -> ReadFuture<'_>;

    /// What reads (for the synapse's `model` field).
    fn model_id(&self) -> String;
}

/// Debian's `tesseract` (English), one process per image, at most `workers` at once, each
/// limited to one thread (`OMP_THREAD_LIMIT=1`).
pub struct Tesseract {
    program: PathBuf,
    version: String,
    slots: Semaphore,
    timeout: Duration,
}

impl Tesseract {
    /// Finds `tesseract` on the `PATH` and checks that it runs and has English data.
    pub fn locate(workers: usize, timeout: Duration) -> Result<Tesseract, ReadError> {
        let program = PathBuf::from("tesseract");
        let out = std::process::Command::new(&program)
            .arg("--list-langs")
            .output()
            .map_err(|e| ReadError::NoTesseract(e.to_string()))?;
        let langs = String::from_utf8_lossy(&out.stdout);
        if !langs.lines().any(|l| l.trim() == "eng") {
            return Err(ReadError::NoTesseract("no English data (tesseract-ocr-eng)".into()));
        }
        let version = std::process::Command::new(&program)
            .arg("--version")
            .output()
            .ok()
            .and_then(|o| {
                // Older releases print the version on stderr.
                let all = [o.stdout, o.stderr].concat();
                String::from_utf8_lossy(&all).lines().next().map(|l| l.trim().to_string())
            })
            .unwrap_or_else(|| "tesseract".into());
        Ok(Tesseract { program, version, slots: Semaphore::new(workers.max(1)), timeout })
    }

    async fn run(&self, image: Vec<u8>) -> Result<Reading, ReadError> {
        let _slot = self.slots.acquire().await.map_err(|_| ReadError::Failed("the reader is stopping".into()))?;
        let mut child = tokio::process::Command::new(&self.program)
            // A uniform block of text, read line by line: table rows stay rows.
            .args(["stdin", "stdout", "--psm", "6", "-l", "eng", "tsv"])
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ReadError::NoTesseract(e.to_string()))?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let writing = async move {
            stdin.write_all(&image).await?;
            stdin.shutdown().await
        };
        let work = async {
            let (written, out) = tokio::join!(writing, child.wait_with_output());
            written.map_err(|e| ReadError::Failed(format!("writing the image to tesseract: {e}")))?;
            out.map_err(|e| ReadError::Failed(format!("tesseract: {e}")))
        };
        let out = tokio::time::timeout(self.timeout, work).await.map_err(|_| ReadError::Timeout(self.timeout))??;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(ReadError::Failed(format!("tesseract failed: {}", err.trim())));
        }
        Ok(parse_tsv(&String::from_utf8_lossy(&out.stdout)))
    }
}

impl Reader for Tesseract {
    fn read(&self, image: Vec<u8>, _kind: ImageKind) -> ReadFuture<'_> {
        Box::pin(self.run(image))
    }

    fn model_id(&self) -> String {
        self.version.clone()
    }
}

/// Lines from tesseract's TSV: its words (level 5) grouped by block, paragraph and line; a
/// line's box is the union of its words' boxes.
pub fn parse_tsv(tsv: &str) -> Reading {
    /// Block, paragraph and line numbers.
    type LineKey = (u32, u32, u32);
    let mut lines: Vec<(LineKey, Vec<String>, [u32; 4])> = Vec::new();
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 || f[0] != "5" {
            continue;
        }
        let word = f[11].trim();
        if word.is_empty() {
            continue;
        }
        let n = |i: usize| f[i].parse::<u32>().unwrap_or(0);
        let key = (n(2), n(3), n(4));
        let (l, t, w, h) = (n(6), n(7), n(8), n(9));
        let bbox = [l, t, l + w, t + h];
        match lines.last_mut() {
            Some((k, words, b)) if *k == key => {
                words.push(word.to_string());
                *b = [b[0].min(bbox[0]), b[1].min(bbox[1]), b[2].max(bbox[2]), b[3].max(bbox[3])];
            }
            _ => lines.push((key, vec![word.to_string()], bbox)),
        }
    }
    let lines: Vec<TextBox> = lines
        .into_iter()
        .map(|(_, words, b)| TextBox {
            text: words.join(" "),
            left: b[0],
            top: b[1],
            width: b[2] - b[0],
            height: b[3] - b[1],
        })
        .collect();
    let text = lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n");
    Reading { text, lines }
}

/// Any OpenAI-compatible vision model: the image goes as an `image_url` part of a user message
/// (a `data:` URL), the assistant's text comes back (no boxes).
pub struct OpenAiVision {
    http: reqwest::Client,
    url: String,
    model: String,
    api_key: Option<String>,
}

/// What the vision model is asked.
pub const VISION_PROMPT: &str =
    "Transcribe all the text in this image exactly, line by line, top to bottom. Reply with the text only.";

impl OpenAiVision {
    /// A client of the server at `base` (`http://host:port` or `…/v1`).
    pub fn new(base: &str, model: &str, api_key: Option<String>, timeout: Duration) -> Result<OpenAiVision, ReadError> {
        let base = base.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ReadError::BadSetting(format!("{base:?} is not an http(s) URL")));
        }
        let url = if base.ends_with("/v1") {
            format!("{base}/chat/completions")
        } else {
            format!("{base}/v1/chat/completions")
        };
        let http =
            reqwest::Client::builder().timeout(timeout).build().map_err(|e| ReadError::BadSetting(e.to_string()))?;
        Ok(OpenAiVision { http, url, model: model.to_string(), api_key })
    }

    async fn ask(&self, image: Vec<u8>, kind: ImageKind) -> Result<Reading, ReadError> {
        let data = base64::engine::general_purpose::STANDARD.encode(&image);
        let body = json!({
            "model": self.model,
            "messages": [{"role": "user", "content": [
                {"type": "text", "text": VISION_PROMPT},
                {"type": "image_url", "image_url": {"url": format!("data:{};base64,{data}", kind.mime())}},
            ]}],
            "temperature": 0,
            "stream": false,
        });
        let mut req = self.http.post(&self.url).header("content-type", "application/json");
        if let Some(key) = &self.api_key {
            req = req.header("authorization", format!("Bearer {key}"));
        }
        let body = serde_json::to_vec(&body).expect("a JSON value serialises");
        let response = req.body(body).send().await.map_err(|e| ReadError::Failed(format!("{}: {e}", self.url)))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| ReadError::Failed(format!("{}: {e}", self.url)))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes);
            return Err(ReadError::Failed(format!("{} answered {status}: {}", self.url, text.trim())));
        }
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ReadError::Failed(format!("{} answered something that is not JSON: {e}", self.url)))?;
        let text = v["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| ReadError::Failed(format!("{} answered no choices[0].message.content", self.url)))?;
        Ok(Reading { text: text.to_string(), lines: Vec::new() })
    }
}

impl Reader for OpenAiVision {
    fn read(&self, image: Vec<u8>, kind: ImageKind) -> ReadFuture<'_> {
        Box::pin(self.ask(image, kind))
    }

    fn model_id(&self) -> String {
        self.model.clone()
    }
}

/// Adversary: reads nothing.
pub struct Blank;

impl Reader for Blank {
    fn read(&self, _image: Vec<u8>, _kind: ImageKind) -> ReadFuture<'_> {
        Box::pin(async { Ok(Reading::default()) })
    }

    fn model_id(&self) -> String {
        "blank".into()
    }
}

/// Adversary: a dozen random words in random boxes, without looking.
pub struct RandomWords(Mutex<SplitMix64>);

impl RandomWords {
    /// Words drawn from `seed`.
    pub fn new(seed: u64) -> RandomWords {
        RandomWords(Mutex::new(SplitMix64::new(seed)))
    }
}

impl Reader for RandomWords {
    fn read(&self, _image: Vec<u8>, _kind: ImageKind) -> ReadFuture<'_> {
        let mut rng = self.0.lock().expect("the generator is never poisoned").clone();
        *self.0.lock().expect("the generator is never poisoned") = SplitMix64::new(rng.next_u64());
        let lines: Vec<TextBox> = (0..rng.below(8) + 4)
            .map(|i| {
                let words: Vec<&str> = (0..rng.below(4) + 2)
                    .map(|_| crate::words::WORDS[rng.below(crate::words::WORDS.len() as u64) as usize])
                    .collect();
                TextBox {
                    text: words.join(" "),
                    left: 36 + rng.below(200) as u32,
                    top: 36 + 30 * i as u32,
                    width: 100 + rng.below(300) as u32,
                    height: 20,
                }
            })
            .collect();
        let text = lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n");
        Box::pin(async move { Ok(Reading { text, lines }) })
    }

    fn model_id(&self) -> String {
        "random".into()
    }
}

/// Adversary: asks another miner and returns its reading as its own.
pub struct Copycat {
    dendrite: Arc<Dendrite>,
    target: AxonTarget,
    timeout: Duration,
}

impl Copycat {
    /// Copies `target`, signing with `dendrite`.
    pub fn new(dendrite: Arc<Dendrite>, target: AxonTarget, timeout: Duration) -> Copycat {
        Copycat { dendrite, target, timeout }
    }
}

impl Reader for Copycat {
    fn read(&self, image: Vec<u8>, _kind: ImageKind) -> ReadFuture<'_> {
        Box::pin(async move {
            let a = self.dendrite.call(&self.target, &ImageToText::ask(&image), self.timeout).await;
            match a.synapse {
                Some(s) if a.status_code == 200 => {
                    Ok(Reading { text: s.text.unwrap_or_default(), lines: s.lines.unwrap_or_default() })
                }
                _ => Err(ReadError::Failed(format!("the copied miner answered {}", a.status_code))),
            }
        })
    }

    fn model_id(&self) -> String {
        "copycat".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tesseract_tsv_becomes_lines_with_boxes() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
            1\t1\t0\t0\t0\t0\t0\t0\t760\t300\t-1\t\n\
            4\t1\t1\t1\t1\t0\t36\t40\t200\t20\t-1\t\n\
            5\t1\t1\t1\t1\t1\t36\t40\t90\t20\t96.5\tInvoice\n\
            5\t1\t1\t1\t1\t2\t140\t42\t96\t18\t95.1\tNo.\n\
            5\t1\t1\t1\t2\t1\t36\t80\t120\t22\t91.0\tTotal\n\
            5\t1\t1\t1\t2\t2\t170\t80\t30\t22\t-1\t \n";
        let r = parse_tsv(tsv);
        assert_eq!(r.text, "Invoice No.\nTotal");
        assert_eq!(r.lines[0], TextBox { text: "Invoice No.".into(), left: 36, top: 40, width: 200, height: 20 });
        assert_eq!(r.lines[1].width, 120);
        assert_eq!(parse_tsv(""), Reading::default());
    }

    #[tokio::test]
    async fn adversaries_answer_without_reading() {
        assert_eq!(Blank.read(vec![], ImageKind::Png).await.unwrap(), Reading::default());
        let r = RandomWords::new(1);
        let (a, b) = (r.read(vec![], ImageKind::Png).await.unwrap(), r.read(vec![], ImageKind::Png).await.unwrap());
        assert!(!a.text.is_empty() && a.text != b.text);
        assert_eq!(a.lines.len(), a.text.lines().count());
        assert!(OpenAiVision::new("ftp://x", "m", None, Duration::from_secs(1)).is_err());
    }
}
