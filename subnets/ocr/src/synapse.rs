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
    /// Its size cannot be read from its header.
    #[error("the image's header does not say its size")]
    NoSize,
    /// Too many pixels (a small file can declare a huge image).
    #[error("the image is {0}x{1} pixels; at most {MAX_SIDE} a side and {MAX_PIXELS} pixels are accepted")]
    TooManyPixels(u32, u32),
}

/// Longest side accepted, pixels.
pub const MAX_SIDE: u32 = 8192;
/// Most pixels accepted (a page scanned at 300 dpi is about 9 million).
pub const MAX_PIXELS: u64 = 24_000_000;

/// Width and height from a PNG's IHDR or a JPEG's start-of-frame header.
pub fn dimensions(bytes: &[u8], kind: ImageKind) -> Option<(u32, u32)> {
    let be16 = |i: usize| -> Option<u32> { Some(u32::from(u16::from_be_bytes(bytes.get(i..i + 2)?.try_into().ok()?))) };
    match kind {
        ImageKind::Png => {
            if bytes.get(12..16)? != b"IHDR" {
                return None;
            }
            let be32 = |i: usize| -> Option<u32> { Some(u32::from_be_bytes(bytes.get(i..i + 4)?.try_into().ok()?)) };
            Some((be32(16)?, be32(20)?))
        }
        ImageKind::Jpeg => {
            let mut i = 2;
            loop {
                if *bytes.get(i)? != 0xFF {
                    return None;
                }
                let marker = *bytes.get(i + 1)?;
                match marker {
                    // Fill byte.
                    0xFF => i += 1,
                    // Markers without a length.
                    0x01 | 0xD0..=0xD7 => i += 2,
                    // Start of frame (not DHT, JPG or DAC): height, then width.
                    0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => return Some((be16(i + 7)?, be16(i + 5)?)),
                    // Start of scan or end of image before a frame: no size.
                    0xDA | 0xD9 => return None,
                    _ => i += 2 + be16(i + 2)? as usize,
                }
            }
        }
    }
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
    let (w, h) = dimensions(&bytes, kind).ok_or(BadImage::NoSize)?;
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(BadImage::TooManyPixels(w, h));
    }
    Ok((bytes, kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use agora_neuron::synapse::body_hash_of_json;

    #[test]
    fn the_image_is_hashed_and_checked() {
        let png = crate::raster::encode_png(3, 2, &[0; 6]);
        let q = ImageToText::ask(&png);
        let body = serde_json::to_vec(&q).unwrap();
        let h = body_hash_of_json(&body, ImageToText::REQUIRED_HASH_FIELDS).unwrap();
        let inner = agora_neuron::synapse::sha3_hex(q.image.as_bytes());
        assert_eq!(h, agora_neuron::synapse::sha3_hex(inner.as_bytes()));
        assert_eq!(decode_image(&q.image), Ok((png.clone(), ImageKind::Png)));
        assert_eq!(dimensions(&png, ImageKind::Png), Some((3, 2)));
        // A small file declaring a huge image is refused before anyone decodes it.
        let mut huge_png = png.clone();
        huge_png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        assert_eq!(decode_image(&ImageToText::ask(&huge_png).image), Err(BadImage::TooManyPixels(100_000, 2)));
        assert_eq!(decode_image(&ImageToText::ask(b"\x89PNG\r\n\x1a\nrest").image), Err(BadImage::NoSize));
        // A JPEG's size is in its start-of-frame segment, after the others.
        let jpeg =
            [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x20, 0x00, 0x40];
        assert_eq!(dimensions(&jpeg, ImageKind::Jpeg), Some((64, 32)));
        assert_eq!(dimensions(&jpeg[..12], ImageKind::Jpeg), None);
        assert_eq!(decode_image(&ImageToText::ask(b"GIF89a").image), Err(BadImage::NotAnImage));
        assert!(matches!(decode_image("***"), Err(BadImage::Base64(_))));
        let huge = "A".repeat(MAX_IMAGE_BYTES / 3 * 4 + 64);
        assert!(matches!(decode_image(&huge), Err(BadImage::TooLarge(_))));
    }
}
