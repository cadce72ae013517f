//! The engine's bounds, with documented defaults.

use std::time::Duration;

/// How hard the engine works and how long it waits.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Limits {
    /// How long a link's lease lasts unless renewed (default 20 s; renewed before
    /// each step once half spent, and every third of it while media uploads). A
    /// worker that dies holds its links this long at most.
    pub lease_ttl: Duration,
    /// Most new posts read from a source in one poll (default 50).
    pub poll_batch: usize,
    /// Most posts advanced per link in one pass (default 100).
    pub posts_per_pass: usize,
    /// Failed attempts after which a post fails for good (default 8).
    pub max_attempts: u32,
    /// First back-off after a transient failure (default 5 s); doubles per attempt.
    pub backoff_base: Duration,
    /// Longest back-off (default 30 min).
    pub backoff_max: Duration,
    /// How far before an intent reconciliation looks on the target (default 10 min),
    /// for clocks that disagree.
    pub reconcile_margin: Duration,
    /// Uploaded media older than this are uploaded again (default 12 h; X keeps
    /// them about a day).
    pub media_reuse: Duration,
    /// How often `run` polls each link at most (default 60 s).
    pub poll_interval: Duration,
    /// Links worked at once by `run` and `sync_once` (default 4).
    pub concurrency: usize,
    /// Most posts of the recent window listed per poll for edit and deletion
    /// sync (default 200); a window holding more is only compared as far as
    /// the listing reached.
    pub sync_listing: usize,
    /// Most single-post lookups per poll for posts missing from that listing
    /// (default 10); the others are looked up in later polls.
    pub sync_lookups: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            lease_ttl: Duration::from_secs(20),
            poll_batch: 50,
            posts_per_pass: 100,
            max_attempts: 8,
            backoff_base: Duration::from_secs(5),
            backoff_max: Duration::from_secs(30 * 60),
            reconcile_margin: Duration::from_secs(600),
            media_reuse: Duration::from_secs(12 * 3600),
            poll_interval: Duration::from_secs(60),
            concurrency: 4,
            sync_listing: 200,
            sync_lookups: 10,
        }
    }
}

impl Limits {
    /// The back-off before attempt `attempt + 1`, with up to 20 % jitter from `jitter`
    /// (a number in `0.0..1.0`).
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = self.backoff_base.saturating_mul(
            1u32.checked_shl(attempt.saturating_sub(1).min(20))
                .unwrap_or(u32::MAX),
        );
        let capped = exp.min(self.backoff_max);
        capped.mul_f64(1.0 + 0.2 * jitter.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let limits = Limits::default();
        assert_eq!(limits.backoff(1, 0.0), Duration::from_secs(5));
        assert_eq!(limits.backoff(2, 0.0), Duration::from_secs(10));
        assert_eq!(limits.backoff(30, 0.0), Duration::from_secs(1800));
        assert!(limits.backoff(2, 1.0) <= Duration::from_secs(12));
    }
}
