//! Token choice: greedy, or seeded temperature / nucleus sampling with our own generator, so a
//! validator can reproduce a miner's draw from the same seed.

pub use agora_primitives::SplitMix64;

/// The index of the largest logit (the lowest index among equals); `None` for an empty slice.
pub fn argmax(logits: &[f32]) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, &v) in logits.iter().enumerate() {
        if v.is_nan() {
            continue;
        }
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

/// Chooses the next token.
#[derive(Clone, Debug)]
pub struct Sampler {
    temperature: f64,
    top_p: f64,
    rng: SplitMix64,
}

impl Sampler {
    /// Greedy when `temperature` is 0, otherwise sampling from the tempered, nucleus-cut softmax.
    pub fn new(temperature: f64, top_p: f64, seed: u64) -> Sampler {
        Sampler { temperature, top_p, rng: SplitMix64::new(seed) }
    }

    /// The next token id from `logits`.
    pub fn sample(&mut self, logits: &[f32]) -> usize {
        let greedy = argmax(logits).unwrap_or(0);
        if self.temperature <= 0.0 || logits.is_empty() || !logits[greedy].is_finite() {
            return greedy;
        }
        let max = logits[greedy] as f64;
        let mut probs: Vec<(usize, f64)> = logits
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| (i, ((v as f64 - max) / self.temperature).exp()))
            .collect();
        // Highest first; ties by index so the order is the same on every machine.
        probs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let total: f64 = probs.iter().map(|p| p.1).sum();
        let mut kept = 0;
        let mut mass = 0.0;
        for p in &probs {
            kept += 1;
            mass += p.1 / total;
            if mass >= self.top_p {
                break;
            }
        }
        if probs.is_empty() {
            return greedy;
        }
        let probs = &probs[..kept.clamp(1, probs.len())];
        let kept_total: f64 = probs.iter().map(|p| p.1).sum();
        let mut x = self.rng.next_f64() * kept_total;
        for p in probs {
            if x < p.1 {
                return p.0;
            }
            x -= p.1;
        }
        probs[probs.len() - 1].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_takes_the_first_largest() {
        assert_eq!(argmax(&[0.1, 3.0, f32::NAN, 3.0]), Some(1));
        assert_eq!(Sampler::new(0.0, 1.0, 9).sample(&[1.0, 2.0, 0.5]), 1);
        // Degenerate logits never panic.
        assert_eq!(Sampler::new(0.7, 0.9, 1).sample(&[]), 0);
        assert_eq!(Sampler::new(0.7, 0.9, 1).sample(&[f32::NAN, f32::NAN]), 0);
        assert_eq!(Sampler::new(0.7, 0.9, 1).sample(&[f32::INFINITY, 1.0]), 0);
    }

    #[test]
    fn sampling_is_reproducible_from_the_seed_and_respects_top_p() {
        let logits: Vec<f32> = (0..50).map(|i| (i % 7) as f32 * 0.3).collect();
        let draw = |seed| {
            let mut s = Sampler::new(0.8, 0.9, seed);
            (0..20).map(|_| s.sample(&logits)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        // A tiny top_p keeps only the most likely token (ties broken by index).
        let mut s = Sampler::new(1.0, 1e-9, 3);
        assert!((0..20).all(|_| s.sample(&logits) == 6));
    }
}
