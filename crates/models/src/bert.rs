//! A BERT encoder (the architecture of all-MiniLM-L6-v2) on `candle-nn`: embeddings, post-norm
//! self-attention layers with exact (erf) GELU, no pooler. Weight names follow the Hugging Face
//! checkpoint (`embeddings.*`, `encoder.layer.N.*`, optionally under `bert.`).

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};
use serde::Deserialize;

use crate::error::Result;

/// The fields of `config.json` the encoder needs.
#[derive(Clone, Debug, Deserialize)]
pub struct BertConfig {
    /// Vocabulary size.
    pub vocab_size: usize,
    /// Width.
    pub hidden_size: usize,
    /// Layers.
    pub num_hidden_layers: usize,
    /// Heads.
    pub num_attention_heads: usize,
    /// MLP width.
    pub intermediate_size: usize,
    /// Longest input.
    pub max_position_embeddings: usize,
    /// Segment types.
    #[serde(default = "two")]
    pub type_vocab_size: usize,
    /// Layer norm epsilon.
    #[serde(default = "eps")]
    pub layer_norm_eps: f64,
}

fn two() -> usize {
    2
}
fn eps() -> f64 {
    1e-12
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attn_out: Linear,
    attn_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    out_norm: LayerNorm,
}

/// The encoder.
pub struct Bert {
    words: Embedding,
    positions: Embedding,
    types: Embedding,
    norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
}

impl Bert {
    /// Builds the encoder from weights in `vb`.
    pub fn load(vb: VarBuilder, c: &BertConfig) -> Result<Bert> {
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") { vb.pp("bert") } else { vb };
        let h = c.hidden_size;
        let e = vb.pp("embeddings");
        let mut layers = Vec::with_capacity(c.num_hidden_layers);
        for i in 0..c.num_hidden_layers {
            let l = vb.pp(format!("encoder.layer.{i}"));
            layers.push(Layer {
                query: candle_nn::linear(h, h, l.pp("attention.self.query"))?,
                key: candle_nn::linear(h, h, l.pp("attention.self.key"))?,
                value: candle_nn::linear(h, h, l.pp("attention.self.value"))?,
                attn_out: candle_nn::linear(h, h, l.pp("attention.output.dense"))?,
                attn_norm: candle_nn::layer_norm(h, c.layer_norm_eps, l.pp("attention.output.LayerNorm"))?,
                intermediate: candle_nn::linear(h, c.intermediate_size, l.pp("intermediate.dense"))?,
                output: candle_nn::linear(c.intermediate_size, h, l.pp("output.dense"))?,
                out_norm: candle_nn::layer_norm(h, c.layer_norm_eps, l.pp("output.LayerNorm"))?,
            });
        }
        Ok(Bert {
            words: candle_nn::embedding(c.vocab_size, h, e.pp("word_embeddings"))?,
            positions: candle_nn::embedding(c.max_position_embeddings, h, e.pp("position_embeddings"))?,
            types: candle_nn::embedding(c.type_vocab_size, h, e.pp("token_type_embeddings"))?,
            norm: candle_nn::layer_norm(h, c.layer_norm_eps, e.pp("LayerNorm"))?,
            layers,
            heads: c.num_attention_heads,
        })
    }

    /// Hidden states `[batch, seq, hidden]` for `ids` (`[batch, seq]`, u32) with `mask`
    /// (`[batch, seq]`, 1 for tokens, 0 for padding).
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, t) = ids.dims2()?;
        let positions = Tensor::arange(0u32, t as u32, &Device::Cpu)?.unsqueeze(0)?.broadcast_as((b, t))?;
        let types = ids.zeros_like()?;
        let x = ((self.words.forward(ids)? + self.positions.forward(&positions)?)? + self.types.forward(&types)?)?;
        let mut x = self.norm.forward(&x)?;
        // Padding gets a large negative score so softmax ignores it.
        let bias = ((mask.to_dtype(DType::F32)? - 1.0)? * 1e4)?.reshape((b, 1, 1, t))?;
        let hd = x.dim(2)? / self.heads;
        for l in &self.layers {
            let split =
                |y: Tensor| -> Result<Tensor> { Ok(y.reshape((b, t, self.heads, hd))?.transpose(1, 2)?.contiguous()?) };
            let q = split(l.query.forward(&x)?)?;
            let k = split(l.key.forward(&x)?)?;
            let v = split(l.value.forward(&x)?)?;
            let scores = (q.matmul(&k.t()?)? / (hd as f64).sqrt())?.broadcast_add(&bias)?;
            let probs = candle_nn::ops::softmax_last_dim(&scores)?;
            let y = probs.matmul(&v)?.transpose(1, 2)?.reshape((b, t, self.heads * hd))?;
            let x1 = l.attn_norm.forward(&(l.attn_out.forward(&y)? + &x)?)?;
            let m = l.intermediate.forward(&x1)?.gelu_erf()?;
            x = l.out_norm.forward(&(l.output.forward(&m)? + &x1)?)?;
        }
        Ok(x)
    }
}
