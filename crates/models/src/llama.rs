//! A llama-architecture decoder over quantized GGUF weights (SmolLM2 is one): RMS norm, rotary
//! position embeddings (interleaved, as GGUF stores q/k), grouped-query attention with a KV cache,
//! SiLU-gated MLP, and the output projection tied to the token embedding when `output.weight` is
//! absent. Written on `candle-core`/`candle-nn` only, to keep `candle-transformers` (a hundred
//! models, minutes of build) out of the workspace.

use std::io::{Read, Seek};

use candle_core::quantized::{QMatMul, QTensor, gguf_file};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Embedding, RmsNorm};

use crate::error::{ModelError, Result};

/// Shape of the network, read from the GGUF metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct LlamaConfig {
    /// Layers.
    pub blocks: usize,
    /// Width of the residual stream.
    pub embedding: usize,
    /// Query heads.
    pub heads: usize,
    /// Key/value heads (grouped-query attention).
    pub kv_heads: usize,
    /// RMS norm epsilon.
    pub rms_eps: f64,
    /// Rotary base frequency.
    pub rope_base: f32,
    /// Longest sequence the model was trained for.
    pub context: usize,
}

impl LlamaConfig {
    /// Reads the `llama.*` keys.
    pub fn from_gguf(content: &gguf_file::Content) -> Result<LlamaConfig> {
        let get = |key: &str| {
            content
                .metadata
                .get(key)
                .ok_or_else(|| ModelError::Candle(candle_core::Error::msg(format!("GGUF metadata lacks {key}"))))
        };
        let arch = get("general.architecture")?.to_string()?;
        if arch != "llama" {
            return Err(ModelError::BadRequest(format!("architecture {arch:?} is not llama")));
        }
        Ok(LlamaConfig {
            blocks: get("llama.block_count")?.to_u32()? as usize,
            embedding: get("llama.embedding_length")?.to_u32()? as usize,
            heads: get("llama.attention.head_count")?.to_u32()? as usize,
            kv_heads: get("llama.attention.head_count_kv")?.to_u32()? as usize,
            rms_eps: get("llama.attention.layer_norm_rms_epsilon")?.to_f32()? as f64,
            rope_base: get("llama.rope.freq_base").and_then(|v| Ok(v.to_f32()?)).unwrap_or(10_000.0),
            context: get("llama.context_length")?.to_u32()? as usize,
        })
    }

    fn head_dim(&self) -> usize {
        self.embedding / self.heads
    }
}

struct Block {
    attn_norm: RmsNorm,
    q: QMatMul,
    k: QMatMul,
    v: QMatMul,
    o: QMatMul,
    ffn_norm: RmsNorm,
    gate: QMatMul,
    up: QMatMul,
    down: QMatMul,
    cache: Option<(Tensor, Tensor)>,
}

/// The network with its KV cache (one sequence at a time).
pub struct Llama {
    config: LlamaConfig,
    embed: Embedding,
    blocks: Vec<Block>,
    norm: RmsNorm,
    output: QMatMul,
    cos: Tensor,
    sin: Tensor,
    position: usize,
}

fn norm<R: Read + Seek>(c: &gguf_file::Content, r: &mut R, name: &str, eps: f64) -> Result<RmsNorm> {
    let w = c.tensor(r, name, &Device::Cpu)?.dequantize(&Device::Cpu)?;
    Ok(RmsNorm::new(w, eps))
}

fn matmul<R: Read + Seek>(c: &gguf_file::Content, r: &mut R, name: &str) -> Result<QMatMul> {
    Ok(QMatMul::from_qtensor(c.tensor(r, name, &Device::Cpu)?)?)
}

impl Llama {
    /// Loads the weights of a GGUF file already parsed into `content`.
    pub fn load<R: Read + Seek>(content: &gguf_file::Content, reader: &mut R) -> Result<Llama> {
        let config = LlamaConfig::from_gguf(content)?;
        if config.heads == 0 || config.kv_heads == 0 || config.heads % config.kv_heads != 0 {
            return Err(ModelError::BadRequest(format!("bad head counts {} / {}", config.heads, config.kv_heads)));
        }
        let embedding: QTensor = content.tensor(reader, "token_embd.weight", &Device::Cpu)?;
        let embed = Embedding::new(embedding.dequantize(&Device::Cpu)?, config.embedding);
        let output = if content.tensor_infos.contains_key("output.weight") {
            matmul(content, reader, "output.weight")?
        } else {
            QMatMul::from_qtensor(embedding)?
        };
        let mut blocks = Vec::with_capacity(config.blocks);
        for i in 0..config.blocks {
            let p = format!("blk.{i}");
            blocks.push(Block {
                attn_norm: norm(content, reader, &format!("{p}.attn_norm.weight"), config.rms_eps)?,
                q: matmul(content, reader, &format!("{p}.attn_q.weight"))?,
                k: matmul(content, reader, &format!("{p}.attn_k.weight"))?,
                v: matmul(content, reader, &format!("{p}.attn_v.weight"))?,
                o: matmul(content, reader, &format!("{p}.attn_output.weight"))?,
                ffn_norm: norm(content, reader, &format!("{p}.ffn_norm.weight"), config.rms_eps)?,
                gate: matmul(content, reader, &format!("{p}.ffn_gate.weight"))?,
                up: matmul(content, reader, &format!("{p}.ffn_up.weight"))?,
                down: matmul(content, reader, &format!("{p}.ffn_down.weight"))?,
                cache: None,
            });
        }
        let norm = norm(content, reader, "output_norm.weight", config.rms_eps)?;
        let half = config.head_dim() / 2;
        let inv: Vec<f32> =
            (0..half).map(|i| 1.0 / config.rope_base.powf(2.0 * i as f32 / (2 * half) as f32)).collect();
        let inv = Tensor::from_vec(inv, (1, half), &Device::Cpu)?;
        let t = Tensor::arange(0u32, config.context as u32, &Device::Cpu)?
            .to_dtype(DType::F32)?
            .reshape((config.context, 1))?;
        let freqs = t.matmul(&inv)?;
        Ok(Llama { cos: freqs.cos()?, sin: freqs.sin()?, config, embed, blocks, norm, output, position: 0 })
    }

    /// The shape read from the file.
    pub fn config(&self) -> &LlamaConfig {
        &self.config
    }

    /// Tokens already in the cache.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Forgets the cached sequence.
    pub fn clear(&mut self) {
        self.position = 0;
        for b in &mut self.blocks {
            b.cache = None;
        }
    }

    /// Feeds `tokens` after the cached ones; returns the logits of every new position
    /// (`all_positions`) or of the last one only, as a `[positions, vocab]` tensor.
    pub fn forward(&mut self, tokens: &[u32], all_positions: bool) -> Result<Tensor> {
        let t = tokens.len();
        if t == 0 {
            return Err(ModelError::BadRequest("no tokens to feed".into()));
        }
        if self.position + t > self.config.context {
            return Err(ModelError::BadRequest(format!(
                "{} tokens exceed the model's context of {}",
                self.position + t,
                self.config.context
            )));
        }
        let (heads, kv_heads, hd) = (self.config.heads, self.config.kv_heads, self.config.head_dim());
        let ids = Tensor::new(tokens, &Device::Cpu)?.unsqueeze(0)?;
        let mut x = self.embed.forward(&ids)?;
        let cos = self.cos.narrow(0, self.position, t)?;
        let sin = self.sin.narrow(0, self.position, t)?;
        let mask = if t > 1 { Some(causal_mask(t, self.position)?) } else { None };
        for b in &mut self.blocks {
            let h = b.attn_norm.forward(&x)?;
            let q = b.q.forward(&h)?.reshape((1, t, heads, hd))?.transpose(1, 2)?.contiguous()?;
            let k = b.k.forward(&h)?.reshape((1, t, kv_heads, hd))?.transpose(1, 2)?.contiguous()?;
            let v = b.v.forward(&h)?.reshape((1, t, kv_heads, hd))?.transpose(1, 2)?.contiguous()?;
            let q = candle_nn::rotary_emb::rope_i(&q, &cos, &sin)?;
            let k = candle_nn::rotary_emb::rope_i(&k, &cos, &sin)?;
            let (k, v) = match &b.cache {
                Some((ck, cv)) => (Tensor::cat(&[ck, &k], 2)?, Tensor::cat(&[cv, &v], 2)?),
                None => (k, v),
            };
            b.cache = Some((k.clone(), v.clone()));
            let k = repeat_kv(k, heads / kv_heads)?;
            let v = repeat_kv(v, heads / kv_heads)?;
            let scores = (q.matmul(&k.t()?)? / (hd as f64).sqrt())?;
            let scores = match &mask {
                Some(m) => scores.broadcast_add(m)?,
                None => scores,
            };
            let probs = candle_nn::ops::softmax_last_dim(&scores)?;
            let y = probs.matmul(&v.contiguous()?)?.transpose(1, 2)?.reshape((1, t, heads * hd))?;
            x = (x + b.o.forward(&y)?)?;
            let h = b.ffn_norm.forward(&x)?;
            let gated = (candle_nn::ops::silu(&b.gate.forward(&h)?)? * b.up.forward(&h)?)?;
            x = (x + b.down.forward(&gated)?)?;
        }
        self.position += t;
        let x = if all_positions { x } else { x.narrow(1, t - 1, 1)? };
        let x = self.norm.forward(&x)?;
        Ok(self.output.forward(&x)?.squeeze(0)?)
    }
}

/// `-inf` above the diagonal, shifted by the `offset` cached positions every query may see.
fn causal_mask(t: usize, offset: usize) -> Result<Tensor> {
    let width = t + offset;
    let mask: Vec<f32> =
        (0..t).flat_map(|i| (0..width).map(move |j| if j > i + offset { f32::NEG_INFINITY } else { 0.0 })).collect();
    Ok(Tensor::from_vec(mask, (t, width), &Device::Cpu)?)
}

fn repeat_kv(x: Tensor, n: usize) -> Result<Tensor> {
    if n == 1 {
        return Ok(x);
    }
    let (b, h, t, d) = x.dims4()?;
    Ok(x.unsqueeze(2)?.expand((b, h, n, t, d))?.reshape((b, h * n, t, d))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mask_hides_only_the_future() {
        let m = causal_mask(2, 1).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(m[0], vec![0.0, 0.0, f32::NEG_INFINITY]);
        assert_eq!(m[1], vec![0.0, 0.0, 0.0]);
    }
}
