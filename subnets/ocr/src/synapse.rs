//! The subnet's wire type: `ImageToText`. The validator sends an image (PNG or JPEG, base64); the
//! miner fills in the text it reads and, per line, where it found it. The image is the hashed
//! field, so a signature covers what the miner is asked.

use agora_neuron::Synapse;
use serde::{Deserialize, Serialize};

/// One line of text and its box, in pixels from the image's top-left corner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextBox {
    /// The line's text.
    pub text: String,
    /// Left edge.
    pub left: u32,
    /// Top edge.
    pub top: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// An image to read and, once read, its text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageToText {
    /// The image: a PNG or JPEG file, base64 (standard alphabet, padded).
    pub image: String,
    /// The text read, lines separated by `\n` (filled by the miner).
    #[serde(default)]
    pub text: Option<String>,
    /// Per line, its text and box (filled by the miner; optional).
    #[serde(default)]
    pub lines: Option<Vec<TextBox>>,
    /// What read it (filled by the miner).
    #[serde(default)]
    pub model: Option<String>,
}

impl ImageToText {
    /// A request for `image` (the file's bytes).
    pub fn ask(image: &[u8]) -> ImageToText {
        use base64::Engine;
        ImageToText {
            image: base64::engine::general_purpose::STANDARD.encode(image),
            text: None,
            lines: None,
            model: None,
        }
    }
}

impl Synapse for ImageToText {
    const NAME: &'static str = "ImageToText";
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["image"];
    const REQUIRED_FIELDS: &'static [(&'static str, &'static str)] = &[("image", "\"\"")];
}

/// The kind of an image file, from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
}

impl ImageKind {
    /// PNG or JPEG by signature, else None.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else {
            None
        }
    }

    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
        }
    }
}

/// Largest image accepted, decoded (6 MiB: its base64 fits an axon's 10 MiB body limit).
pub const MAX_IMAGE_BYTES: usize = 6 * 1024 * 1024;

/// Why an image was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadImage {
    /// Not base64.
    #[error("the image is not base64: {0}")]
    Base64(String),
    /// Too large.
    #[error("the image is {0} bytes; at most {MAX_IMAGE_BYTES} are accepted")]
    TooLarge(usize),
    /// Neither PNG nor JPEG.
    #[error("the image is neither a PNG nor a JPEG file")]
    NotAnImage,
}

/// The image's bytes and kind, checked.
pub fn decode_image(b64: &str) -> Result<(Vec<u8>, ImageKind), BadImage> {
    use base64::Engine;
    // Base64 is 4/3 of the bytes: refuse before decoding anything far too big.
    if b64.len() / 4 * 3 > MAX_IMAGE_BYTES + 3 {
        return Err(BadImage::TooLarge(b64.len() / 4 * 3));
    }
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|e| BadImage::Base64(e.to_string()))?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(BadImage::TooLarge(bytes.len()));
    }
    let kind = ImageKind::sniff(&bytes).ok_or(BadImage::NotAnImage)?;
    Ok((bytes, kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use agora_neuron::synapse::body_hash_of_json;

    #[test]
    fn the_image_is_hashed_and_checked() {
        let png = b"\x89PNG\r\n\x1a\nrest";
        let q = ImageToText::ask(png);
        let body = serde_json::to_vec(&q).unwrap();
        let h = body_hash_of_json(&body, ImageToText::REQUIRED_HASH_FIELDS).unwrap();
        let inner = agora_neuron::synapse::sha3_hex(q.image.as_bytes());
        assert_eq!(h, agora_neuron::synapse::sha3_hex(inner.as_bytes()));
        assert_eq!(decode_image(&q.image), Ok((png.to_vec(), ImageKind::Png)));
        assert_eq!(decode_image(&ImageToText::ask(b"GIF89a").image), Err(BadImage::NotAnImage));
        assert!(matches!(decode_image("***"), Err(BadImage::Base64(_))));
        let huge = "A".repeat(MAX_IMAGE_BYTES / 3 * 4 + 64);
        assert!(matches!(decode_image(&huge), Err(BadImage::TooLarge(_))));
    }
}
