//! Counting open connections overall and per source address.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Why a connection was not admitted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The cap on open connections is reached.
    #[error("too many connections: {limit} are open, the most this server allows; try again shortly")]
    Total {
        /// The cap.
        limit: usize,
    },
    /// The cap per source address is reached.
    #[error("too many connections from {ip}: {limit} are open, the most one address may hold")]
    PerIp {
        /// The source address.
        ip: IpAddr,
        /// The cap.
        limit: usize,
    },
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_ip: BTreeMap<IpAddr, usize>,
}

/// Connection counters with a cap overall and per address; cheap to clone (shared).
#[derive(Clone)]
pub struct Admission {
    counts: Arc<Mutex<Counts>>,
    max: usize,
    max_per_ip: usize,
}

/// One admitted connection; dropping it frees the place.
pub struct Slot {
    counts: Arc<Mutex<Counts>>,
    ip: IpAddr,
}

impl Admission {
    /// At most `max` at once, at most `max_per_ip` from one address.
    pub fn new(max: usize, max_per_ip: usize) -> Admission {
        Admission { counts: Arc::default(), max: max.max(1), max_per_ip: max_per_ip.max(1) }
    }

    /// Takes a place for a connection from `ip`.
    pub fn admit(&self, ip: IpAddr) -> Result<Slot, Refusal> {
        let mut counts = self.counts.lock().expect("admission lock");
        if counts.total >= self.max {
            return Err(Refusal::Total { limit: self.max });
        }
        let from_ip = counts.per_ip.entry(ip).or_insert(0);
        if *from_ip >= self.max_per_ip {
            return Err(Refusal::PerIp { ip, limit: self.max_per_ip });
        }
        *from_ip += 1;
        counts.total += 1;
        Ok(Slot { counts: self.counts.clone(), ip })
    }

    /// Open connections overall.
    pub fn open(&self) -> usize {
        self.counts.lock().expect("admission lock").total
    }

    /// Open connections from `ip`.
    pub fn open_from(&self, ip: IpAddr) -> usize {
        self.counts.lock().expect("admission lock").per_ip.get(&ip).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().expect("admission lock");
        counts.total -= 1;
        if let Some(n) = counts.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_overall_and_per_address_and_free_on_drop() {
        let a = Admission::new(3, 2);
        let one: IpAddr = "127.0.0.1".parse().unwrap();
        let two: IpAddr = "127.0.0.2".parse().unwrap();
        let x = a.admit(one).unwrap();
        let _y = a.admit(one).unwrap();
        assert_eq!(a.admit(one).err(), Some(Refusal::PerIp { ip: one, limit: 2 }));
        let _z = a.admit(two).unwrap();
        assert_eq!(a.admit(two).err(), Some(Refusal::Total { limit: 3 }));
        drop(x);
        assert_eq!(a.open_from(one), 1);
        assert!(a.admit(two).is_ok());
        assert_eq!(a.open(), 2, "the temporary slot was dropped at once");
    }
}
