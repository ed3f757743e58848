//! The document-OCR subnet: validators render synthetic documents whose text and line boxes they
//! know, miners read them, and the chain pays the most faithful and fastest readers.
//!
//! - [`synapse`]: `ImageToText` (a PNG or JPEG in; text and line boxes out).
//! - [`document`]: invoices, receipts, letters and tables drawn from a seed with the shipped
//!   fonts ([`raster`]), degraded by rotation, blur, noise and contrast; [`words`] is what they
//!   say.
//! - [`scoring`]: 1 − character error rate, weighted by box overlap, discounted by latency; 0 for
//!   empty, malformed or oversized answers.
//! - [`backends`]: `tesseract`, `openai:<URL>` (a vision model), and the adversaries `blank`,
//!   `random` and `copycat`.
//! - [`miner`], [`validator`], [`lifecycle`]: the neurons, on the subnet kit (`agora-subnet`).
//!
//! # Guarantees
//!
//! - A task is a pure function of its seed: the same binary on the same platform re-renders it
//!   exactly (elsewhere a rotated page may differ in a few pixels and its boxes by one; its text
//!   does not).
//! - A score depends only on the answer, the document and the latency, never on what a miner
//!   says about itself.
//!
//! # Status
//!
//! English text, one page per task, line boxes. Organic (user) images are not yet mixed into
//! validators' tasks.
//!
//! # Example
//!
//! ```
//! use agora_ocr::document::Document;
//! use agora_ocr::scoring::{Observed, Truth, judge};
//!
//! let doc = Document::generate(7);
//! let truth = Truth { lines: doc.lines.clone(), width: doc.width, height: doc.height };
//! let perfect = Observed { status: 200, latency: 0.5, text: Some(doc.text()), lines: Some(doc.lines.clone()) };
//! assert!(judge(&perfect, &truth, 20.0).0 > 0.99);
//! assert!(doc.png().starts_with(b"\x89PNG"));
//! ```

pub mod backends;
pub mod document;
pub mod lifecycle;
pub mod miner;
pub mod raster;
pub mod scoring;
pub mod synapse;
pub mod validator;
pub mod words;

pub use agora_neuron::Callers;
pub use agora_subnet::ServeOptions;
pub use lifecycle::{Backend, MinerError, MinerOptions, RunningMiner, ValidatorOptions, start_miner, start_validator};
pub use synapse::{ImageToText, TextBox};
pub use validator::{OcrRounds, OcrTask, Validator, ValidatorError};

/// The subnet's model name on the gateway's `/v1/models` list and in logs.
pub const MECHANISM: &str = "agora/ocr";
