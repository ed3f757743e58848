//! Drawing text on a grey page with the shipped fonts (DejaVu, under the Bitstream Vera licence,
//! in `fonts/`), degrading the page (rotation, blur, noise, contrast), and PNG encoding.
//!
//! Everything is integer or single-threaded f32 arithmetic in a fixed order, so the same seed
//! gives the same pixels from the same binary on the same platform (rotation calls the platform's
//! `sin`/`cos`, which may differ in the last bit elsewhere); the fonts are compiled in, so no
//! system font can change a task.

use std::sync::LazyLock;

use fontdue::{Font, FontSettings};

/// The faces documents are set in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    /// DejaVu Sans.
    Sans,
    /// DejaVu Sans Bold (headings).
    SansBold,
    /// DejaVu Serif.
    Serif,
    /// DejaVu Sans Mono.
    Mono,
}

static FONTS: LazyLock<[Font; 4]> = LazyLock::new(|| {
    let load = |bytes: &'static [u8]| Font::from_bytes(bytes, FontSettings::default()).expect("a shipped font parses");
    [
        load(include_bytes!("../fonts/DejaVuSans.ttf")),
        load(include_bytes!("../fonts/DejaVuSans-Bold.ttf")),
        load(include_bytes!("../fonts/DejaVuSerif.ttf")),
        load(include_bytes!("../fonts/DejaVuSansMono.ttf")),
    ]
});

fn font(face: Face) -> &'static Font {
    &FONTS[face as usize]
}

/// A pixel box (left, top, right, bottom), right and bottom exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    /// Left.
    pub left: i32,
    /// Top.
    pub top: i32,
    /// Right (exclusive).
    pub right: i32,
    /// Bottom (exclusive).
    pub bottom: i32,
}

impl Rect {
    /// The smallest box holding both.
    pub fn union(self, o: Rect) -> Rect {
        Rect {
            left: self.left.min(o.left),
            top: self.top.min(o.top),
            right: self.right.max(o.right),
            bottom: self.bottom.max(o.bottom),
        }
    }
}

/// Ink coverage on a page: 0 is paper, 255 is full ink.
pub struct Canvas {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major coverage.
    pub ink: Vec<u8>,
}

impl Canvas {
    /// A blank page.
    pub fn new(width: u32, height: u32) -> Canvas {
        Canvas { width, height, ink: vec![0; (width * height) as usize] }
    }

    /// Width in pixels of `text` at `px` in `face` (kerning included).
    pub fn measure(face: Face, px: f32, text: &str) -> f32 {
        let f = font(face);
        let mut x = 0.0;
        let mut prev = None;
        for c in text.chars() {
            if let Some(p) = prev {
                x += f.horizontal_kern(p, c, px).unwrap_or(0.0);
            }
            x += f.metrics(c, px).advance_width;
            prev = Some(c);
        }
        x
    }

    /// Ascent and descent (positive, pixels) of `face` at `px`.
    pub fn line_metrics(face: Face, px: f32) -> (f32, f32) {
        let m = font(face).horizontal_line_metrics(px).expect("the shipped fonts have horizontal metrics");
        (m.ascent, -m.descent)
    }

    /// Draws `text` with its baseline at `baseline`, starting at `x`. Returns the box of the ink
    /// drawn (None for blank text).
    pub fn draw(&mut self, face: Face, px: f32, x: f32, baseline: f32, text: &str) -> Option<Rect> {
        let f = font(face);
        let mut pen = x;
        let mut prev = None;
        let mut inked: Option<Rect> = None;
        for c in text.chars() {
            if let Some(p) = prev {
                pen += f.horizontal_kern(p, c, px).unwrap_or(0.0);
            }
            let (m, bitmap) = f.rasterize(c, px);
            let left = (pen + m.xmin as f32).round() as i32;
            let top = (baseline - m.height as f32 - m.ymin as f32).round() as i32;
            let mut glyph: Option<Rect> = None;
            for gy in 0..m.height {
                for gx in 0..m.width {
                    let cover = bitmap[gy * m.width + gx];
                    if cover == 0 {
                        continue;
                    }
                    let (px_x, px_y) = (left + gx as i32, top + gy as i32);
                    if px_x < 0 || px_y < 0 || px_x >= self.width as i32 || px_y >= self.height as i32 {
                        continue;
                    }
                    let i = (px_y as u32 * self.width + px_x as u32) as usize;
                    self.ink[i] = self.ink[i].max(cover);
                    // Faint antialiasing does not count as ink (it is not what a reader sees).
                    if cover >= 64 {
                        let r = Rect { left: px_x, top: px_y, right: px_x + 1, bottom: px_y + 1 };
                        glyph = Some(glyph.map_or(r, |g| g.union(r)));
                    }
                }
            }
            if let Some(g) = glyph {
                inked = Some(inked.map_or(g, |i| i.union(g)));
            }
            pen += m.advance_width;
            prev = Some(c);
        }
        inked
    }
}

/// How a page is degraded after drawing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Degrade {
    /// Grey of the paper (255 white).
    pub paper: u8,
    /// Grey of full ink (0 black); contrast is `paper - ink`.
    pub ink: u8,
    /// Rotation in tenths of a degree (clockwise positive).
    pub rotation_decidegrees: i32,
    /// Box-blur radius in pixels (0: none).
    pub blur: u32,
    /// Noise amplitude in grey levels (uniform in ±amplitude).
    pub noise: u8,
}

/// The page's grey pixels (row-major) after degradation; `seed` draws the noise.
pub fn render(canvas: &Canvas, d: &Degrade, seed: u64) -> Vec<u8> {
    let (w, h) = (canvas.width as usize, canvas.height as usize);
    let contrast = i32::from(d.paper) - i32::from(d.ink);
    let mut grey: Vec<u8> = canvas
        .ink
        .iter()
        .map(|&c| (i32::from(d.paper) - (contrast * i32::from(c) + 127) / 255).clamp(0, 255) as u8)
        .collect();
    if d.rotation_decidegrees != 0 {
        grey = rotate(&grey, w, h, d.rotation_decidegrees, d.paper);
    }
    if d.blur > 0 {
        grey = box_blur(&grey, w, h, d.blur as usize);
    }
    if d.noise > 0 {
        let mut rng = agora_primitives::SplitMix64::new(seed ^ 0x006e_6f69_7365);
        let span = 2 * u64::from(d.noise) + 1;
        for p in &mut grey {
            let n = rng.below(span) as i32 - i32::from(d.noise);
            *p = (i32::from(*p) + n).clamp(0, 255) as u8;
        }
    }
    grey
}

/// Where the point (x, y) goes when the page is rotated about its centre.
pub fn rotate_point(x: f32, y: f32, w: u32, h: u32, decidegrees: i32) -> (f32, f32) {
    let (s, c) = (decidegrees as f32 / 10.0).to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (dx, dy) = (x - cx, y - cy);
    (cx + dx * c - dy * s, cy + dx * s + dy * c)
}

/// The box a rectangle covers after rotation (the box around its rotated corners), clipped to
/// the page.
pub fn rotate_rect(r: Rect, w: u32, h: u32, decidegrees: i32) -> Rect {
    if decidegrees == 0 {
        return r;
    }
    let corners = [(r.left, r.top), (r.right, r.top), (r.left, r.bottom), (r.right, r.bottom)];
    let moved: Vec<(f32, f32)> =
        corners.iter().map(|&(x, y)| rotate_point(x as f32, y as f32, w, h, decidegrees)).collect();
    let min_x = moved.iter().map(|p| p.0).fold(f32::INFINITY, f32::min);
    let max_x = moved.iter().map(|p| p.0).fold(f32::NEG_INFINITY, f32::max);
    let min_y = moved.iter().map(|p| p.1).fold(f32::INFINITY, f32::min);
    let max_y = moved.iter().map(|p| p.1).fold(f32::NEG_INFINITY, f32::max);
    Rect {
        left: (min_x.floor() as i32).clamp(0, w as i32),
        top: (min_y.floor() as i32).clamp(0, h as i32),
        right: (max_x.ceil() as i32).clamp(0, w as i32),
        bottom: (max_y.ceil() as i32).clamp(0, h as i32),
    }
}

/// Rotates about the centre by inverse mapping with bilinear sampling; uncovered corners are
/// paper.
fn rotate(src: &[u8], w: usize, h: usize, decidegrees: i32, paper: u8) -> Vec<u8> {
    let mut out = vec![paper; w * h];
    for y in 0..h {
        for x in 0..w {
            // The source of (x, y) is (x, y) rotated back.
            let (sx, sy) = rotate_point(x as f32 + 0.5, y as f32 + 0.5, w as u32, h as u32, -decidegrees);
            let (sx, sy) = (sx - 0.5, sy - 0.5);
            if sx < 0.0 || sy < 0.0 || sx > (w - 1) as f32 || sy > (h - 1) as f32 {
                continue;
            }
            let (x0, y0) = (sx.floor() as usize, sy.floor() as usize);
            let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
            let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
            let at = |xx: usize, yy: usize| f32::from(src[yy * w + xx]);
            let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
            let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
            out[y * w + x] = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// Mean over a (2r+1)² window, clipped at the edges.
fn box_blur(src: &[u8], w: usize, h: usize, r: usize) -> Vec<u8> {
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            let (y0, y1) = (y.saturating_sub(r), (y + r).min(h - 1));
            let (x0, x1) = (x.saturating_sub(r), (x + r).min(w - 1));
            let mut sum = 0u32;
            for yy in y0..=y1 {
                for xx in x0..=x1 {
                    sum += u32::from(src[yy * w + xx]);
                }
            }
            let n = ((y1 - y0 + 1) * (x1 - x0 + 1)) as u32;
            out[y * w + x] = ((sum + n / 2) / n) as u8;
        }
    }
    out
}

/// An 8-bit greyscale PNG of `pixels`.
pub fn encode_png(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().expect("writing to memory");
    writer.write_image_data(pixels).expect("the pixels match the header");
    writer.finish().expect("writing to memory");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_text_has_ink_where_its_box_says() {
        let mut c = Canvas::new(200, 40);
        let r = c.draw(Face::Sans, 20.0, 10.0, 28.0, "Hello").unwrap();
        assert!(r.left >= 10 && r.left <= 13 && r.bottom <= 29 && r.top >= 8, "{r:?}");
        let width = Canvas::measure(Face::Sans, 20.0, "Hello");
        assert!((r.right - r.left) as f32 <= width + 1.0);
        let inside: u32 = (r.top..r.bottom)
            .flat_map(|y| (r.left..r.right).map(move |x| (x, y)))
            .map(|(x, y)| u32::from(c.ink[(y as u32 * 200 + x as u32) as usize] >= 64))
            .sum();
        let total: u32 = c.ink.iter().map(|&v| u32::from(v >= 64)).sum();
        assert!(total > 50 && inside == total, "{inside}/{total}");
        assert_eq!(c.draw(Face::Sans, 20.0, 10.0, 28.0, "   "), None);
    }

    #[test]
    fn degradation_is_deterministic_and_keeps_contrast() {
        let mut c = Canvas::new(120, 40);
        c.draw(Face::Serif, 18.0, 4.0, 26.0, "Total 12.50");
        let d = Degrade { paper: 240, ink: 30, rotation_decidegrees: 10, blur: 1, noise: 12 };
        let a = render(&c, &d, 7);
        assert_eq!(a, render(&c, &d, 7));
        assert_ne!(a, render(&c, &d, 8));
        assert!(*a.iter().min().unwrap() < 120 && *a.iter().max().unwrap() > 230);
        let png = encode_png(120, 40, &a);
        assert!(png.starts_with(b"\x89PNG"));
        // Rotating a box by 1 degree moves it a little and keeps its size roughly.
        let r = rotate_rect(Rect { left: 10, top: 10, right: 110, bottom: 30 }, 120, 40, 10);
        assert!(r.right - r.left >= 100 && r.bottom - r.top >= 20 && r.bottom - r.top <= 23, "{r:?}");
    }
}
