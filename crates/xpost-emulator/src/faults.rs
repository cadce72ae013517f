//! Injected faults: `POST /admin/faults` fills this list, every platform request consults it.

use serde::Deserialize;

use crate::state::Platform;

/// One injected fault, as `POST /admin/faults` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Fault {
    /// The platform whose requests it hits.
    pub platform: Platform,
    /// Matched against the real path (Instagram version segment removed); empty matches all.
    #[serde(default)]
    pub path_prefix: String,
    /// `0` drops the connection, `200` only delays, `429` throttles, anything else answers it.
    #[serde(default)]
    pub status: u16,
    /// How many requests it hits (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Delay before the outcome, milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// For 429: seconds until the platform lets calls through again (default 2).
    #[serde(default = "two")]
    pub retry_after_s: u64,
}

fn one() -> u32 {
    1
}

fn two() -> u64 {
    2
}

/// Faults in the order they were added.
#[derive(Debug, Default)]
pub struct Faults {
    list: Vec<Fault>,
}

impl Faults {
    /// Adds a fault after the existing ones.
    pub fn add(&mut self, fault: Fault) {
        if fault.count > 0 {
            self.list.push(fault);
        }
    }

    /// Clears every fault.
    pub fn reset(&mut self) {
        self.list.clear();
    }

    /// Faults still armed.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The first fault matching a request, with one of its `count` spent.
    pub fn take(&mut self, platform: Platform, real_path: &str) -> Option<Fault> {
        if self.list.is_empty() {
            return None;
        }
        let pos = self
            .list
            .iter()
            .position(|f| f.platform == platform && real_path.starts_with(&f.path_prefix))?;
        let hit = self.list[pos].clone();
        self.list[pos].count -= 1;
        if self.list[pos].count == 0 {
            self.list.remove(pos);
        }
        Some(hit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(prefix: &str, status: u16, count: u32) -> Fault {
        Fault {
            platform: Platform::X,
            path_prefix: prefix.to_owned(),
            status,
            count,
            latency_ms: 0,
            retry_after_s: 2,
        }
    }

    #[test]
    fn first_added_match_spends_its_count() {
        let mut f = Faults::default();
        f.add(fault("/2/tweets", 503, 1));
        f.add(fault("/2", 500, 2));
        assert_eq!(
            f.take(Platform::X, "/2/tweets").map(|f| f.status),
            Some(503)
        );
        assert_eq!(
            f.take(Platform::X, "/2/tweets").map(|f| f.status),
            Some(500)
        );
        assert_eq!(f.take(Platform::Instagram, "/2/tweets"), None);
        assert_eq!(
            f.take(Platform::X, "/2/users/me").map(|f| f.status),
            Some(500)
        );
        assert!(f.take(Platform::X, "/2/tweets").is_none());
        assert_eq!(f.len(), 0);
    }
}
