//! Sentence embeddings with all-MiniLM-L6-v2, computed as sentence-transformers does: its
//! tokenizer with the shipped fixed 128-token padding replaced by per-batch padding, truncation at
//! 256 tokens, mean pooling over real tokens only, L2 normalisation.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

use crate::bert::{Bert, BertConfig};
use crate::error::{ModelError, Result};

/// Inputs longer than this many tokens are cut (sentence-transformers' `max_seq_length`).
pub const MAX_TOKENS: usize = 256;

/// MiniLM sentence embedder (384 dimensions, unit length).
pub struct Embedder {
    bert: Bert,
    tokenizer: Tokenizer,
}

impl Embedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`.
    pub fn load(dir: &Path) -> Result<Embedder> {
        let read = |name: &str| std::fs::read(dir.join(name)).map_err(|e| ModelError::io(dir.join(name), e));
        let config: BertConfig = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| ModelError::BadRequest(format!("{}: {e}", dir.join("config.json").display())))?;
        let mut tokenizer = Tokenizer::from_bytes(read("tokenizer.json")?)
            .map_err(|e| ModelError::Tokenizer(format!("{}: {e}", dir.join("tokenizer.json").display())))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..TruncationParams::default() }))
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        let weights = dir.join("model.safetensors");
        let tensors: HashMap<String, Tensor> =
            candle_core::safetensors::load(&weights, &Device::Cpu).map_err(|e| match e {
                candle_core::Error::Io(io) => ModelError::io(&weights, io),
                other => ModelError::Candle(other),
            })?;
        let bert = Bert::load(VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu), &config)?;
        Ok(Embedder { bert, tokenizer })
    }

    /// One unit vector per text.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings =
            self.tokenizer.encode_batch(texts.to_vec(), true).map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        let t = encodings[0].get_ids().len();
        let ids: Vec<u32> = encodings.iter().flat_map(|e| e.get_ids().to_vec()).collect();
        let mask: Vec<u32> = encodings.iter().flat_map(|e| e.get_attention_mask().to_vec()).collect();
        let ids = Tensor::from_vec(ids, (texts.len(), t), &Device::Cpu)?;
        let mask = Tensor::from_vec(mask, (texts.len(), t), &Device::Cpu)?;
        let hidden = self.bert.forward(&ids, &mask)?;
        let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&m)?.sum(1)?;
        let counts = m.sum(1)?.clamp(1e-9, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        Ok(mean.broadcast_div(&norms)?.to_vec2::<f32>()?)
    }

    /// Cosine similarity of two texts.
    pub fn similarity(&self, a: &str, b: &str) -> Result<f32> {
        let v = self.embed(&[a, b])?;
        Ok(cosine(&v[0], &v[1]))
    }
}

/// Cosine of two unit vectors (their dot product).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
