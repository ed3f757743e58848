//! Node metrics, rendered in the Prometheus text format at `/metrics`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Finality latency histogram bounds, in milliseconds.
const LATENCY_BUCKETS_MS: [u64; 12] = [10, 25, 50, 100, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000];

/// Counters and gauges of one node. All updates are lock-free except the histogram.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Committed (finalised and executed) height.
    pub height: AtomicU64,
    /// Transactions finalised since start.
    pub txs_finalized: AtomicU64,
    /// Blocks finalised since start.
    pub blocks_finalized: AtomicU64,
    /// Transactions held in the mempool.
    pub mempool_size: AtomicU64,
    /// Connected peers (as last reported by the network).
    pub peers: AtomicU64,
    /// Transactions refused at admission (RPC or gossip), any reason.
    pub txs_rejected: AtomicU64,
    /// Submitted bytes that did not decode as a transaction.
    pub txs_malformed: AtomicU64,
    /// Proposals this node refused to vote for.
    pub blocks_rejected: AtomicU64,
    /// Blocks this node proposed.
    pub blocks_proposed: AtomicU64,
    /// The highest block height this node has seen proposed by the network (its own head while
    /// it has seen nothing newer): a gap to `height` means it is catching up.
    pub seen_height: AtomicU64,
    latency: Mutex<Histogram>,
}

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS_MS.len()],
    count: u64,
    sum_ms: u64,
}

impl Metrics {
    /// Records a block's finality latency (its timestamp to local commit).
    pub fn observe_finality_latency(&self, ms: u64) {
        let mut h = self.latency.lock().expect("metrics lock");
        for (i, bound) in LATENCY_BUCKETS_MS.iter().enumerate() {
            if ms <= *bound {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum_ms += ms;
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut gauge = |name: &str, help: &str, kind: &str, value: u64| {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"));
        };
        gauge("agora_height", "Committed block height.", "gauge", self.height.load(Ordering::Relaxed));
        gauge(
            "agora_blocks_finalized_total",
            "Blocks finalised since start.",
            "counter",
            self.blocks_finalized.load(Ordering::Relaxed),
        );
        gauge(
            "agora_txs_finalized_total",
            "Transactions finalised since start.",
            "counter",
            self.txs_finalized.load(Ordering::Relaxed),
        );
        gauge("agora_mempool_size", "Transactions in the mempool.", "gauge", self.mempool_size.load(Ordering::Relaxed));
        gauge("agora_peers", "Connected peers.", "gauge", self.peers.load(Ordering::Relaxed));
        gauge(
            "agora_seen_height",
            "Highest block height seen proposed by the network.",
            "gauge",
            self.seen_height.load(Ordering::Relaxed),
        );
        gauge(
            "agora_txs_rejected_total",
            "Transactions refused at admission.",
            "counter",
            self.txs_rejected.load(Ordering::Relaxed),
        );
        gauge(
            "agora_txs_malformed_total",
            "Submissions that did not decode.",
            "counter",
            self.txs_malformed.load(Ordering::Relaxed),
        );
        gauge(
            "agora_blocks_rejected_total",
            "Proposals refused in verification.",
            "counter",
            self.blocks_rejected.load(Ordering::Relaxed),
        );
        gauge(
            "agora_blocks_proposed_total",
            "Blocks proposed by this node.",
            "counter",
            self.blocks_proposed.load(Ordering::Relaxed),
        );
        let h = self.latency.lock().expect("metrics lock");
        out.push_str("# HELP agora_finality_latency_seconds Block timestamp to local commit.\n");
        out.push_str("# TYPE agora_finality_latency_seconds histogram\n");
        for (i, bound) in LATENCY_BUCKETS_MS.iter().enumerate() {
            let le = *bound as f64 / 1000.0;
            out.push_str(&format!("agora_finality_latency_seconds_bucket{{le=\"{le}\"}} {}\n", h.buckets[i]));
        }
        out.push_str(&format!("agora_finality_latency_seconds_bucket{{le=\"+Inf\"}} {}\n", h.count));
        out.push_str(&format!("agora_finality_latency_seconds_sum {}\n", h.sum_ms as f64 / 1000.0));
        out.push_str(&format!("agora_finality_latency_seconds_count {}\n", h.count));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram() {
        let m = Metrics::default();
        m.height.store(7, Ordering::Relaxed);
        m.observe_finality_latency(40);
        m.observe_finality_latency(3000);
        let text = m.render();
        assert!(text.contains("agora_height 7\n"));
        assert!(text.contains("agora_finality_latency_seconds_bucket{le=\"0.05\"} 1\n"));
        assert!(text.contains("agora_finality_latency_seconds_bucket{le=\"4\"} 2\n"));
        assert!(text.contains("agora_finality_latency_seconds_count 2\n"));
    }
}
