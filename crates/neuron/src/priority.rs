//! Admission by priority: at most `workers` requests run at once; the rest wait in a bounded
//! queue ordered by priority (the caller's stake by default). When the queue is full, the lowest
//! priority is shed — the newcomer if it is the lowest, else the lowest waiter — with 503.

use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// A request waiting for a worker.
struct Waiter {
    priority: f64,
    seq: u64,
    wake: oneshot::Sender<bool>,
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for Waiter {}
impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiter {
    /// Higher priority first; among equals, the earlier arrival.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.priority.total_cmp(&other.priority).then(other.seq.cmp(&self.seq))
    }
}

struct State {
    running: usize,
    queue: BinaryHeap<Waiter>,
    seq: u64,
}

/// The gate.
#[derive(Clone)]
pub struct PriorityGate {
    state: Arc<Mutex<State>>,
    workers: usize,
    max_queue: usize,
}

/// A running slot; dropping it lets the highest waiter in.
pub struct Permit {
    gate: PriorityGate,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.gate.release();
    }
}

/// A waiter's end of the handover; see [`PriorityGate::acquire`].
struct Pending {
    rx: Option<oneshot::Receiver<bool>>,
    gate: PriorityGate,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(mut rx) = self.rx.take() {
            rx.close();
            if let Ok(true) = rx.try_recv() {
                self.gate.release();
            }
        }
    }
}

impl PriorityGate {
    /// `workers` concurrent requests, `max_queue` waiting.
    pub fn new(workers: usize, max_queue: usize) -> PriorityGate {
        PriorityGate {
            state: Arc::new(Mutex::new(State { running: 0, queue: BinaryHeap::new(), seq: 0 })),
            workers: workers.max(1),
            max_queue,
        }
    }

    /// Waits for a slot; `None` when shed.
    pub async fn acquire(&self, priority: f64) -> Option<Permit> {
        let rx = {
            let mut s = self.state.lock().expect("gate lock");
            if s.running < self.workers {
                s.running += 1;
                return Some(Permit { gate: self.clone() });
            }
            if s.queue.len() >= self.max_queue {
                // Waiters that gave up (their request was dropped) do not count.
                s.queue.retain(|w| !w.wake.is_closed());
            }
            if s.queue.len() >= self.max_queue {
                // Shed the lowest: is it the newcomer?
                let lowest = s.queue.iter().min().map(|w| w.priority);
                match lowest {
                    Some(low) if low < priority => {
                        let mut all = std::mem::take(&mut s.queue).into_sorted_vec();
                        let shed = all.remove(0);
                        let _ = shed.wake.send(false);
                        s.queue = all.into();
                    }
                    _ => return None,
                }
            }
            let (tx, rx) = oneshot::channel();
            s.seq += 1;
            let seq = s.seq;
            s.queue.push(Waiter { priority, seq, wake: tx });
            rx
        };
        // If this future is dropped after the slot was handed over but before it ran, the guard
        // gives the slot back.
        let mut pending = Pending { rx: Some(rx), gate: self.clone() };
        let granted = pending.rx.as_mut().expect("just set").await;
        pending.rx = None;
        match granted {
            Ok(true) => Some(Permit { gate: self.clone() }),
            _ => None,
        }
    }

    fn release(&self) {
        let mut s = self.state.lock().expect("gate lock");
        // Hand the slot to the highest waiter still listening.
        while let Some(next) = s.queue.pop() {
            if next.wake.send(true).is_ok() {
                return;
            }
        }
        s.running -= 1;
    }

    /// (running, waiting).
    pub fn load(&self) -> (usize, usize) {
        let s = self.state.lock().expect("gate lock");
        (s.running, s.queue.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_waiter_that_gives_up_does_not_keep_the_slot() {
        let gate = PriorityGate::new(1, 4);
        let running = gate.acquire(0.0).await.unwrap();
        let g = gate.clone();
        let waiter = tokio::spawn(async move { g.acquire(1.0).await.map(|_| ()) });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        waiter.abort();
        let _ = waiter.await;
        drop(running);
        // The slot is free again: the next caller gets it at once.
        let next = tokio::time::timeout(std::time::Duration::from_secs(1), gate.acquire(0.0)).await;
        let permit = next.unwrap().expect("a slot");
        assert_eq!(gate.load(), (1, 0));
        drop(permit);
        assert_eq!(gate.load(), (0, 0));
    }

    #[tokio::test]
    async fn highest_priority_goes_first_and_the_lowest_is_shed() {
        let gate = PriorityGate::new(1, 2);
        let running = gate.acquire(0.0).await.unwrap();
        let g = gate.clone();
        let low = tokio::spawn(async move { g.acquire(1.0).await.is_some() });
        let g = gate.clone();
        let mid = tokio::spawn(async move { g.acquire(5.0).await.map(|p| (p, 5.0)) });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert_eq!(gate.load(), (1, 2));
        // Queue full: a lower newcomer is refused, a higher one sheds the lowest waiter.
        assert!(gate.acquire(0.5).await.is_none());
        let g = gate.clone();
        let high = tokio::spawn(async move { g.acquire(9.0).await.map(|p| (p, 9.0)) });
        assert!(!low.await.unwrap(), "the lowest waiter was shed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        drop(running);
        let (p, first) = high.await.unwrap().unwrap();
        assert_eq!(first, 9.0);
        drop(p);
        let (p, second) = mid.await.unwrap().unwrap();
        assert_eq!(second, 5.0);
        drop(p);
        assert_eq!(gate.load(), (0, 0));
    }
}
