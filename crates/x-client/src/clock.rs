//! The source of time: tests swap it for a fake that records sleeps instead of waiting.

use async_trait::async_trait;
use jiff::Timestamp;
use std::fmt;
use std::time::Duration;

/// Wall-clock time and waiting, as a seam for tests.
#[async_trait]
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> Timestamp;
    /// Waits for `duration`.
    async fn sleep(&self, duration: Duration);
}

/// The real clock: `Timestamp::now` and `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// How long from `now` until `at`; zero when `at` has passed.
pub(crate) fn until(now: Timestamp, at: Timestamp) -> Duration {
    Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO)
}

/// `now` plus `delay`, or `None` past the end of representable time.
pub(crate) fn after(now: Timestamp, delay: Duration) -> Option<Timestamp> {
    now.checked_add(delay).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_never_goes_negative() {
        let t = Timestamp::UNIX_EPOCH;
        let later = after(t, Duration::from_secs(5));
        assert_eq!(later.map(|l| until(t, l)), Some(Duration::from_secs(5)));
        assert_eq!(later.map(|l| until(l, t)), Some(Duration::ZERO));
    }
}
