//! Stand-ins for tests of crates that use the models without the real files (feature
//! `test-utils`).

use std::path::Path;

use candle_core::quantized::gguf_file::{self, Value};

/// Writes a GGUF file holding only a tokenizer: the 256 byte-level symbols, the merges `h e`,
/// `l l` and `Ġ w`, and the ChatML control tokens. "hello world" is 8 tokens (he·ll·o,
/// Ġw·o·r·l·d); other text is about one token per byte.
pub fn tiny_tokenizer(path: &Path) -> std::io::Result<()> {
    let printable = |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
    let mut extra = 0;
    let mut tokens: Vec<String> = (0..256u32)
        .map(|b| {
            let c = if printable(b) {
                b
            } else {
                extra += 1;
                255 + extra
            };
            char::from_u32(c).expect("a valid char").to_string()
        })
        .collect();
    let mut types = vec![1i32; tokens.len()];
    for t in ["he", "ll", "Ġw"] {
        tokens.push(t.into());
        types.push(1);
    }
    for t in ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] {
        tokens.push(t.into());
        types.push(3);
    }
    let model = Value::String("gpt2".into());
    let eos = Value::U32(tokens.len() as u32 - 1);
    let tokens = Value::Array(tokens.into_iter().map(Value::String).collect());
    let merges = Value::Array(["h e", "l l", "Ġ w"].iter().map(|m| Value::String(m.to_string())).collect());
    let types = Value::Array(types.into_iter().map(Value::I32).collect());
    let mut file = std::fs::File::create(path)?;
    gguf_file::write(
        &mut file,
        &[
            ("tokenizer.ggml.model", &model),
            ("tokenizer.ggml.tokens", &tokens),
            ("tokenizer.ggml.merges", &merges),
            ("tokenizer.ggml.token_type", &types),
            ("tokenizer.ggml.eos_token_id", &eos),
        ],
        &[],
    )
    .map_err(std::io::Error::other)
}
