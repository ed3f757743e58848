//! A llama-architecture decoder over quantized GGUF weights (SmolLM2 is one): RMS norm, rotary
//! position embeddings (interleaved, as GGUF stores q/k), grouped-query attention with a KV cache,
//! SiLU-gated MLP, and the output projection tied to the token embedding when `output.weight` is
//! absent. Written on `candle-core`/`candle-nn` only, to keep `candle-transformers` (a hundred
//! models, minutes of build) out of the workspace. Q8_0 matrices go through `agora-q8`'s int8
//! kernels (the same bits as candle's AVX2 path, faster, and one pass over the weights for many
//! rows); other quantizations through candle's `QMatMul`.

use std::io::{Read, Seek};

use agora_q8::Q8Matrix;
use candle_core::quantized::{GgmlDType, QMatMul, QTensor, gguf_file};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Embedding, RmsNorm};

use crate::attention::{Heads, KvCache, attend, rope};
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

/// A weight matrix: the int8 kernels for Q8_0, candle's `QMatMul` for any other type.
enum Linear {
    Q8(Q8Matrix),
    Candle(QMatMul),
}

impl Linear {
    /// `AGORA_KERNELS=candle` keeps every matrix on candle's `QMatMul` (for side-by-side runs).
    fn from_qtensor(t: QTensor) -> Result<Linear> {
        let candle_only = std::env::var("AGORA_KERNELS").is_ok_and(|v| v == "candle");
        if t.dtype() == GgmlDType::Q8_0 && !candle_only {
            let (rows, cols) = t.shape().dims2()?;
            if cols.is_multiple_of(agora_q8::BLOCK) {
                return Ok(Linear::Q8(Q8Matrix::from_ggml(rows, cols, &t.data()?)?));
            }
        }
        Ok(Linear::Candle(QMatMul::from_qtensor(t)?))
    }

    /// `rows` rows of `x` (row-major) times `Wᵀ`.
    fn apply(&self, rows: usize, x: &[f32]) -> Result<Vec<f32>> {
        match self {
            Linear::Q8(w) => Ok(w.matmul_f32(rows, x)?),
            Linear::Candle(m) => {
                let x = Tensor::from_slice(x, (rows, x.len() / rows.max(1)), &Device::Cpu)?;
                Ok(m.forward(&x)?.flatten_all()?.to_vec1::<f32>()?)
            }
        }
    }

    /// `x · Wᵀ` over the last dimension of `x`.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let w = match self {
            Linear::Candle(m) => return Ok(m.forward(x)?),
            Linear::Q8(w) => w,
        };
        let mut shape = x.dims().to_vec();
        let cols = shape.last().copied().unwrap_or(0);
        let rows = x.elem_count() / cols.max(1);
        let out = w.matmul_f32(rows, &x.flatten_all()?.to_vec1::<f32>()?)?;
        if let Some(last) = shape.last_mut() {
            *last = w.rows();
        }
        Ok(Tensor::from_vec(out, shape, &Device::Cpu)?)
    }
}

struct Block {
    attn_norm: RmsNorm,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    ffn_norm: RmsNorm,
    gate: Linear,
    up: Linear,
    down: Linear,
    cache: KvCache,
}

/// The network with its KV cache (one sequence at a time).
pub struct Llama {
    config: LlamaConfig,
    embed: Embedding,
    blocks: Vec<Block>,
    norm: RmsNorm,
    output: Linear,
    /// `cos`/`sin` of the rotary angles, `head_dim / 2` per position.
    cos: Vec<f32>,
    sin: Vec<f32>,
    position: usize,
}

fn norm<R: Read + Seek>(c: &gguf_file::Content, r: &mut R, name: &str, eps: f64) -> Result<RmsNorm> {
    let w = c.tensor(r, name, &Device::Cpu)?.dequantize(&Device::Cpu)?;
    Ok(RmsNorm::new(w, eps))
}

fn matmul<R: Read + Seek>(c: &gguf_file::Content, r: &mut R, name: &str) -> Result<Linear> {
    Linear::from_qtensor(c.tensor(r, name, &Device::Cpu)?)
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
            Linear::from_qtensor(embedding)?
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
                cache: KvCache::default(),
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
        let (cos, sin) = (freqs.cos()?.flatten_all()?.to_vec1()?, freqs.sin()?.flatten_all()?.to_vec1()?);
        Ok(Llama { cos, sin, config, embed, blocks, norm, output, position: 0 })
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
        self.rewind(0);
    }

    /// Forgets the cached positions from `position` on (the sequence goes on from there: a
    /// shared prompt checked against many answers, or an answer's prefix shared with another).
    pub fn rewind(&mut self, position: usize) {
        let width = self.config.kv_heads * self.config.head_dim();
        self.position = self.position.min(position);
        for b in &mut self.blocks {
            b.cache.truncate(self.position, width);
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
        let shape = Heads { heads: self.config.heads, kv_heads: self.config.kv_heads, dim: self.config.head_dim() };
        let ids = Tensor::new(tokens, &Device::Cpu)?.unsqueeze(0)?;
        let mut x = self.embed.forward(&ids)?;
        for b in &mut self.blocks {
            let h = b.attn_norm.forward(&x)?.flatten_all()?.to_vec1::<f32>()?;
            let mut q = b.q.apply(t, &h)?;
            let mut k = b.k.apply(t, &h)?;
            let v = b.v.apply(t, &h)?;
            rope(&mut q, shape.heads, shape.dim, self.position, &self.cos, &self.sin);
            rope(&mut k, shape.kv_heads, shape.dim, self.position, &self.cos, &self.sin);
            b.cache.push(&k, &v);
            let y = attend(&q, t, &b.cache, shape);
            let y = Tensor::from_vec(b.o.apply(t, &y)?, x.shape(), &Device::Cpu)?;
            x = (x + y)?;
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
