//! The source of time: tests swap it for a fake that records sleeps instead of waiting.

use async_trait::async_trait;
use std::fmt;
use std::time::{Duration, SystemTime};

/// Wall-clock time and waiting, as a seam for tests.
#[async_trait]
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
    /// Waits for `duration`.
    async fn sleep(&self, duration: Duration);
}

/// The real clock: `SystemTime::now` and `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}
