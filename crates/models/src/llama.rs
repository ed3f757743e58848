//! A llama-architecture decoder over quantized GGUF weights (SmolLM2 is one): RMS norm, rotary
//! position embeddings (interleaved, as GGUF stores q/k), grouped-query attention with a KV cache,
//! SiLU-gated MLP, and the output projection tied to the token embedding when `output.weight` is
//! absent. Written on `candle-core`/`candle-nn` only, to keep `candle-transformers` (a hundred
//! models, minutes of build) out of the workspace. Q8_0 matrices go through `agora-q8`'s int8
//! kernels (each block summed exactly, the same bits on every CPU; faster than candle's, and one
//! pass over the weights for many rows); other quantizations through candle's `QMatMul`.

use std::io::{Read, Seek};

use agora_q8::{Q8Matrix, Q8Rows};
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
    /// Whether `t` goes to the int8 kernels: Q8_0 with whole blocks, unless `AGORA_KERNELS=candle`
    /// keeps every matrix on candle's `QMatMul` (for side-by-side runs).
    fn ours(t: &QTensor) -> bool {
        let candle_only = std::env::var("AGORA_KERNELS").is_ok_and(|v| v == "candle");
        t.dtype() == GgmlDType::Q8_0 && !candle_only
    }

    fn from_qtensor(t: QTensor) -> Result<Linear> {
        if Linear::ours(&t) {
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

    /// [`Linear::apply`] for several matrices that read the same input (q, k and v; gate and
    /// up): the input is quantized once for all of them.
    fn apply_all<const N: usize>(linears: [&Linear; N], rows: usize, x: &[f32]) -> Result<[Vec<f32>; N]> {
        let mut quantized: Option<Q8Rows> = None;
        let mut out: [Vec<f32>; N] = std::array::from_fn(|_| Vec::new());
        for (linear, out) in linears.into_iter().zip(&mut out) {
            *out = match linear {
                Linear::Q8(w) => {
                    let q = match quantized.take() {
                        Some(q) if q.kind() == w.activations() && q.cols() == w.cols() => q,
                        _ => Q8Rows::quantize_as(w.activations(), rows, w.cols(), x)?,
                    };
                    let mut y = vec![0.0; rows * w.rows()];
                    w.matmul(&q, &mut y)?;
                    quantized = Some(q);
                    y
                }
                Linear::Candle(_) => linear.apply(rows, x)?,
            };
        }
        Ok(out)
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
}

/// One sequence's place in the model: its KV cache per layer and the positions fed. Many can
/// be fed together ([`Llama::forward_many`]): a row's logits do not depend on the others.
#[derive(Clone, Debug, Default)]
pub struct Sequence {
    caches: Vec<KvCache>,
    position: usize,
}

impl Sequence {
    /// Positions fed so far.
    pub fn position(&self) -> usize {
        self.position
    }
}

/// The network, with one built-in sequence (`forward`, `rewind`) and room for more.
pub struct Llama {
    config: LlamaConfig,
    /// The token embedding table; `None` when it is the output matrix (tied, Q8_0), whose rows
    /// are read back as f32 per token instead of keeping a 113 MB f32 copy.
    embed: Option<Embedding>,
    blocks: Vec<Block>,
    norm: RmsNorm,
    output: Linear,
    /// `cos`/`sin` of the rotary angles, `head_dim / 2` per position.
    cos: Vec<f32>,
    sin: Vec<f32>,
    sequence: Sequence,
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
        let tied = !content.tensor_infos.contains_key("output.weight");
        let embed = if tied && Linear::ours(&embedding) {
            None
        } else {
            Some(Embedding::new(embedding.dequantize(&Device::Cpu)?, config.embedding))
        };
        let output = if tied { Linear::from_qtensor(embedding)? } else { matmul(content, reader, "output.weight")? };
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
        Ok(Llama { cos, sin, config, embed, blocks, norm, output, sequence: Sequence::default() })
    }

    /// The shape read from the file.
    pub fn config(&self) -> &LlamaConfig {
        &self.config
    }

    /// Tokens already in the built-in sequence's cache.
    pub fn position(&self) -> usize {
        self.sequence.position
    }

    /// Forgets the built-in sequence.
    pub fn clear(&mut self) {
        self.rewind(0);
    }

    /// Forgets the built-in sequence's positions from `position` on (it goes on from there: a
    /// shared prompt checked against many answers, or an answer's prefix shared with another).
    pub fn rewind(&mut self, position: usize) {
        let width = self.config.kv_heads * self.config.head_dim();
        self.sequence.position = self.sequence.position.min(position);
        for cache in &mut self.sequence.caches {
            cache.truncate(self.sequence.position, width);
        }
    }

    /// Feeds `tokens` after the built-in sequence's cached ones; returns the logits of every new
    /// position (`all_positions`) or of the last one only, as a `[positions, vocab]` tensor.
    pub fn forward(&mut self, tokens: &[u32], all_positions: bool) -> Result<Tensor> {
        let mut sequence = std::mem::take(&mut self.sequence);
        let result = self.forward_sequence(&mut sequence, tokens, all_positions);
        self.sequence = sequence;
        result
    }

    /// [`Llama::forward`] on a sequence of the caller's.
    pub fn forward_sequence(&self, sequence: &mut Sequence, tokens: &[u32], all_positions: bool) -> Result<Tensor> {
        let x = self.layers(&mut [sequence], &[tokens])?;
        let t = tokens.len();
        let x = if all_positions { x } else { x.narrow(1, t - 1, 1)? };
        let x = self.norm.forward(&x)?;
        Ok(self.output.forward(&x)?.squeeze(0)?)
    }

    /// One new token for each sequence, all fed together (each weight is read once for all of
    /// them): the logits after each, in order. The same bits as feeding each alone.
    pub fn forward_many(&self, sequences: &mut [&mut Sequence], tokens: &[u32]) -> Result<Vec<Vec<f32>>> {
        let one: Vec<&[u32]> = tokens.chunks(1).collect();
        let x = self.norm.forward(&self.layers(sequences, &one)?)?;
        Ok(self.output.forward(&x)?.squeeze(0)?.to_vec2::<f32>()?)
    }

    /// The tokens' embeddings, `[1, tokens, embedding]`.
    fn embed(&self, tokens: &[u32]) -> Result<Tensor> {
        if let Some(table) = &self.embed {
            return Ok(table.forward(&Tensor::new(tokens, &Device::Cpu)?.unsqueeze(0)?)?);
        }
        // Without a table the output matrix is the tied Q8_0 one (see `load`).
        let Linear::Q8(w) = &self.output else {
            return Err(ModelError::BadRequest("the model has no token embedding table".into()));
        };
        let mut rows = Vec::with_capacity(tokens.len() * w.cols());
        for &t in tokens {
            let row = w
                .row_f32(t as usize)
                .ok_or_else(|| ModelError::BadRequest(format!("token {t} is not in the vocabulary")))?;
            rows.extend(row);
        }
        Ok(Tensor::from_vec(rows, (1, tokens.len(), w.cols()), &Device::Cpu)?)
    }

    /// The decoder layers over the sequences' new tokens, their rows one after another:
    /// `[1, rows, embedding]`.
    fn layers(&self, sequences: &mut [&mut Sequence], tokens: &[&[u32]]) -> Result<Tensor> {
        if sequences.len() != tokens.len() || tokens.iter().any(|t| t.is_empty()) {
            return Err(ModelError::BadRequest("no tokens to feed".into()));
        }
        for (sequence, t) in sequences.iter().zip(tokens) {
            if sequence.position + t.len() > self.config.context {
                return Err(ModelError::BadRequest(format!(
                    "{} tokens exceed the model's context of {}",
                    sequence.position + t.len(),
                    self.config.context
                )));
            }
        }
        let shape = Heads { heads: self.config.heads, kv_heads: self.config.kv_heads, dim: self.config.head_dim() };
        let (qw, kw) = (shape.heads * shape.dim, shape.kv_heads * shape.dim);
        let rows: usize = tokens.iter().map(|t| t.len()).sum();
        let mut x = self.embed(&tokens.concat())?;
        for sequence in sequences.iter_mut() {
            sequence.caches.resize_with(self.blocks.len(), KvCache::default);
        }
        for (layer, b) in self.blocks.iter().enumerate() {
            let h = b.attn_norm.forward(&x)?.flatten_all()?.to_vec1::<f32>()?;
            let [mut q, mut k, v] = Linear::apply_all([&b.q, &b.k, &b.v], rows, &h)?;
            let mut y = Vec::with_capacity(rows * qw);
            let mut first = 0;
            for (sequence, t) in sequences.iter_mut().zip(tokens) {
                let (t, at) = (t.len(), sequence.position);
                let (q, k) = (&mut q[first * qw..(first + t) * qw], &mut k[first * kw..(first + t) * kw]);
                rope(q, shape.heads, shape.dim, at, &self.cos, &self.sin);
                rope(k, shape.kv_heads, shape.dim, at, &self.cos, &self.sin);
                let cache = &mut sequence.caches[layer];
                cache.push(k, &v[first * kw..(first + t) * kw]);
                y.extend(attend(q, t, cache, shape));
                first += t;
            }
            let y = Tensor::from_vec(b.o.apply(rows, &y)?, x.shape(), &Device::Cpu)?;
            x = (x + y)?;
            let h = b.ffn_norm.forward(&x)?.flatten_all()?.to_vec1::<f32>()?;
            let [gate, up] = Linear::apply_all([&b.gate, &b.up], rows, &h)?;
            let hidden = (1, rows, gate.len() / rows);
            let (gate, up) =
                (Tensor::from_vec(gate, hidden, &Device::Cpu)?, Tensor::from_vec(up, hidden, &Device::Cpu)?);
            let gated = (candle_nn::ops::silu(&gate)? * up)?;
            x = (x + b.down.forward(&gated)?)?;
        }
        for (sequence, t) in sequences.iter_mut().zip(tokens) {
            sequence.position += t.len();
        }
        Ok(x)
    }
}
