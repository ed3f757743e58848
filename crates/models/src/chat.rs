//! The SmolLM2 tokenizer, rebuilt from GGUF metadata (the file ships no `tokenizer.json`), and
//! the model's ChatML template.

use std::path::Path;

use candle_core::quantized::gguf_file;
use tokenizers::decoders::byte_level::ByteLevel;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::{AddedToken, Tokenizer};

use crate::error::{ModelError, Result};
use crate::generator::ChatMessage;

/// The system prompt SmolLM2's template inserts when the conversation has none.
pub const DEFAULT_SYSTEM: &str = "You are a helpful AI assistant named SmolLM, trained by Hugging Face";

/// Tokenizer plus the ids generation stops at.
pub struct ChatTokenizer {
    tokenizer: Tokenizer,
    /// Ids that end an answer (`<|im_end|>`, `<|endoftext|>`).
    pub stop_ids: Vec<u32>,
}

fn meta<'a>(c: &'a gguf_file::Content, key: &str) -> Result<&'a gguf_file::Value> {
    c.metadata.get(key).ok_or_else(|| ModelError::Tokenizer(format!("GGUF metadata lacks {key}")))
}

fn strings(v: &gguf_file::Value) -> Result<Vec<String>> {
    v.to_vec()?.iter().map(|s| Ok(s.to_string()?.clone())).collect()
}

impl ChatTokenizer {
    /// Byte-level BPE from `tokenizer.ggml.{tokens,merges}`, pre-tokenised as SmolLM2's own
    /// `tokenizer.json` does (single digits, then byte level without a prefix space), with the
    /// control tokens (type 3) registered as special.
    pub fn from_gguf(c: &gguf_file::Content) -> Result<ChatTokenizer> {
        let kind = meta(c, "tokenizer.ggml.model")?.to_string()?;
        if kind != "gpt2" {
            return Err(ModelError::Tokenizer(format!("tokenizer model {kind:?} is not byte-level BPE (gpt2)")));
        }
        let tokens = strings(meta(c, "tokenizer.ggml.tokens")?)?;
        let merges = strings(meta(c, "tokenizer.ggml.merges")?)?
            .into_iter()
            .map(|m| {
                m.split_once(' ')
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .ok_or_else(|| ModelError::Tokenizer(format!("bad merge {m:?}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let vocab: tokenizers::models::bpe::Vocab =
            tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        let bpe =
            BPE::builder().vocab_and_merges(vocab, merges).build().map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        let mut tokenizer = Tokenizer::new(bpe);
        tokenizer.with_pre_tokenizer(Some(Sequence::new(vec![
            Digits::new(true).into(),
            ByteLevel::new(false, true, true).into(),
        ])));
        tokenizer.with_decoder(Some(ByteLevel::default()));
        let types = meta(c, "tokenizer.ggml.token_type")?.to_vec()?;
        let mut special = Vec::new();
        for (i, t) in types.iter().enumerate() {
            if t.to_i32().ok() == Some(3) {
                special.push(AddedToken::from(tokens[i].clone(), true));
            }
        }
        tokenizer.add_special_tokens(special).map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        let mut stop_ids = Vec::new();
        if let Ok(eos) = meta(c, "tokenizer.ggml.eos_token_id") {
            stop_ids.push(eos.to_u32()?);
        }
        for name in ["<|im_end|>", "<|endoftext|>"] {
            if let Some(id) = tokenizer.token_to_id(name)
                && !stop_ids.contains(&id)
            {
                stop_ids.push(id);
            }
        }
        Ok(ChatTokenizer { tokenizer, stop_ids })
    }

    /// The tokenizer of a GGUF file, reading only its metadata (not the weights): what a process
    /// that counts tokens but runs no model loads.
    pub fn load(path: &Path) -> Result<ChatTokenizer> {
        let mut file = std::fs::File::open(path).map_err(|e| ModelError::io(path, e))?;
        let content = gguf_file::Content::read(&mut file)
            .map_err(|e| ModelError::BadRequest(format!("{} is not a GGUF file: {e}", path.display())))?;
        ChatTokenizer::from_gguf(&content)
    }

    /// Number of tokens in `text` (special tokens written in it count as one each).
    pub fn count(&self, text: &str) -> Result<usize> {
        let e = self.tokenizer.encode(text, false).map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        Ok(e.len())
    }

    /// Number of tokens of the prompt the model sees for `messages`: the chat template rendered
    /// ([`render_chat`]), default system prompt and assistant header included.
    pub fn count_prompt(&self, messages: &[ChatMessage]) -> Result<usize> {
        self.count(&render_chat(messages))
    }

    /// Token ids of `text`; special tokens written in the text are recognised.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let e = self.tokenizer.encode(text, false).map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        Ok(e.get_ids().to_vec())
    }

    /// Text of `ids`, special tokens dropped.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.tokenizer.decode(ids, true).map_err(|e| ModelError::Tokenizer(e.to_string()))
    }

    /// Size of the vocabulary, specials included.
    pub fn vocab_size(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }
}

/// The prompt SmolLM2's chat template renders for `messages`, ending with the assistant's turn.
pub fn render_chat(messages: &[ChatMessage]) -> String {
    let mut out = String::new();
    if messages.first().is_none_or(|m| m.role != "system") {
        out.push_str("<|im_start|>system\n");
        out.push_str(DEFAULT_SYSTEM);
        out.push_str("<|im_end|>\n");
    }
    for m in messages {
        out.push_str("<|im_start|>");
        out.push_str(&m.role);
        out.push('\n');
        out.push_str(&m.content);
        out.push_str("<|im_end|>\n");
    }
    out.push_str("<|im_start|>assistant\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_adds_the_default_system_prompt_once() {
        let one = render_chat(&[ChatMessage::new("user", "Hi")]);
        assert_eq!(
            one,
            format!(
                "<|im_start|>system\n{DEFAULT_SYSTEM}<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
            )
        );
        let own = render_chat(&[ChatMessage::new("system", "Be brief."), ChatMessage::new("user", "Hi")]);
        assert!(own.starts_with("<|im_start|>system\nBe brief.<|im_end|>\n"));
        assert!(!own.contains(DEFAULT_SYSTEM));
    }

    #[test]
    fn the_tokenizer_loads_from_metadata_alone_and_counts_the_rendered_prompt() {
        let dir = std::env::temp_dir().join(format!("agora-chat-tokenizer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tiny.gguf");
        crate::test_utils::tiny_tokenizer(&path).unwrap();
        let t = ChatTokenizer::load(&path).unwrap();
        // "hello" → he·ll·o, " world" → Ġw·o·r·l·d.
        assert_eq!(t.count("hello world").unwrap(), 8);
        assert_eq!(t.decode(&t.encode("hello world").unwrap()).unwrap(), "hello world");
        // Control tokens written in the text are one token each.
        assert_eq!(t.count("<|im_start|>he<|im_end|>").unwrap(), 3);
        let messages = [ChatMessage::new("user", "hello world")];
        let rendered = render_chat(&messages);
        assert_eq!(t.count_prompt(&messages).unwrap(), t.count(&rendered).unwrap());
        // Fewer tokens than bytes (control tokens and merges), more than its 5 control tokens.
        let n = t.count_prompt(&messages).unwrap();
        assert!(n < rendered.len() && n > 5, "{n}");
        assert!(matches!(ChatTokenizer::load(&dir.join("absent.gguf")), Err(ModelError::Missing { .. })));
        std::fs::write(&path, b"not a gguf").unwrap();
        assert!(ChatTokenizer::load(&path).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
