//! The load tools' shared parts: one closed loop ([`closed_loop`]: workers that each run their
//! share of jobs one after another), one percentile definition ([`percentile`], nearest rank),
//! and the [`Summary`] every request load test reports.
//!
//! Used by the dendrite benchmarks ([`crate::bench`]), the gateway's load test and the chain's
//! transfer load test, so that all of them count and rank the same way.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

/// The outcome of one job: whether it succeeded, a status (`"200"`, `"refused"`…) and its latency.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Whether it succeeded.
    pub ok: bool,
    /// Its status, counted in the report.
    pub status: String,
    /// Seconds it took.
    pub seconds: f64,
}

/// What a closed loop measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Jobs that succeeded.
    pub ok: usize,
    /// Jobs by status.
    pub status_codes: BTreeMap<String, usize>,
    /// Wall-clock seconds of the whole loop.
    pub seconds: f64,
    /// Latencies of the successful jobs, sorted (seconds).
    pub latencies: Vec<f64>,
}

impl Report {
    /// Successful jobs per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.seconds.max(1e-9)
    }

    /// The `q` quantile of the successful latencies, in ms ([`percentile`]).
    pub fn ms(&self, q: f64) -> f64 {
        percentile(&self.latencies, q) * 1e3
    }

    /// The report of a request load test: `requests` sent by `concurrency` workers.
    pub fn summary(&self, requests: usize, concurrency: usize) -> Summary {
        Summary {
            requests,
            ok: self.ok,
            status_codes: self.status_codes.clone(),
            seconds: self.seconds,
            requests_per_second: self.rate(),
            p50_ms: self.ms(0.5),
            p99_ms: self.ms(0.99),
            concurrency,
        }
    }
}

/// What a request load test reports (`agora dendrite load`, `agora gateway-load`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Requests sent.
    pub requests: usize,
    /// Requests that succeeded.
    pub ok: usize,
    /// Requests by status.
    pub status_codes: BTreeMap<String, usize>,
    /// Wall-clock seconds of the whole test.
    pub seconds: f64,
    /// Successful requests per second.
    pub requests_per_second: f64,
    /// Median latency of the successful requests, in ms.
    pub p50_ms: f64,
    /// 99th-percentile latency of the successful requests, in ms.
    pub p99_ms: f64,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// The nearest-rank `q` quantile of `sorted` (ascending); 0 when it is empty.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// `total` jobs split as evenly as possible over `workers` (at most `total` of them, at least one).
pub fn split(total: usize, workers: usize) -> Vec<usize> {
    let workers = workers.clamp(1, total.max(1));
    (0..workers).map(|w| total / workers + usize::from(w < total % workers)).collect()
}

/// Runs `jobs[w]` jobs on worker `w` (in order, one at a time), all workers at once as tokio
/// tasks; `job(w, k)` is worker `w`'s `k`-th job. The samples of a worker that panicked are lost.
///
/// # Panics
///
/// When called outside a tokio runtime.
pub async fn closed_loop<F, Fut>(jobs: Vec<usize>, job: F) -> Report
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Sample> + Send,
{
    let job = Arc::new(job);
    let started = Instant::now();
    let tasks: Vec<_> = jobs
        .into_iter()
        .enumerate()
        .map(|(w, n)| {
            let job = job.clone();
            tokio::spawn(async move {
                let mut out = Vec::with_capacity(n);
                for k in 0..n {
                    out.push(job(w, k).await);
                }
                out
            })
        })
        .collect();
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await.unwrap_or_default());
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut status_codes = BTreeMap::new();
    for s in &samples {
        *status_codes.entry(s.status.clone()).or_insert(0usize) += 1;
    }
    let mut latencies: Vec<f64> = samples.iter().filter(|s| s.ok).map(|s| s.seconds).collect();
    latencies.sort_by(f64::total_cmp);
    Report { ok: latencies.len(), status_codes, seconds, latencies }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&s, 0.5), 2.0);
        assert_eq!(percentile(&s, 0.99), 4.0);
        assert_eq!(percentile(&s, 0.0), 1.0);
        assert_eq!(percentile(&s, 1.0), 4.0);
        assert_eq!(percentile(&[7.0], 0.5), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn even_splits() {
        assert_eq!(split(10, 4), vec![3, 3, 2, 2]);
        assert_eq!(split(2, 8), vec![1, 1]);
        assert_eq!(split(5, 0), vec![5]);
        assert_eq!(split(0, 3), vec![0]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_job_runs_once_in_order_per_worker() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let report = closed_loop(split(7, 3), move |w, k| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push((w, k));
                let ok = k != 1;
                Sample { ok, status: if ok { "200" } else { "500" }.into(), seconds: (w * 10 + k) as f64 }
            }
        })
        .await;
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 7);
        for w in 0..3 {
            let ks: Vec<usize> = seen.iter().filter(|(sw, _)| *sw == w).map(|(_, k)| *k).collect();
            assert_eq!(ks, (0..split(7, 3)[w]).collect::<Vec<_>>());
        }
        assert_eq!(report.ok, 4);
        assert_eq!(report.status_codes, BTreeMap::from([("200".into(), 4), ("500".into(), 3)]));
        assert_eq!(report.latencies, vec![0.0, 2.0, 10.0, 20.0]);
        let summary = report.summary(7, 3);
        assert_eq!((summary.requests, summary.ok, summary.concurrency), (7, 4, 3));
        assert_eq!(summary.p50_ms, 2_000.0);
        assert_eq!(summary.p99_ms, 20_000.0);
    }
}
