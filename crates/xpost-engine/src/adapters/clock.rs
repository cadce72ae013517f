//! One time source for the engine and both clients: the engine's
//! [`xpost_core::Clock`], seen through each client's own clock trait, so that
//! token ages and expiries are judged by the same "now" as everything else.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;

/// The engine's clock, lent to the Instagram and X clients.
#[derive(Debug, Clone)]
pub struct SharedClock(pub Arc<dyn xpost_core::Clock>);

impl SharedClock {
    /// The current instant.
    pub fn now(&self) -> Timestamp {
        self.0.now()
    }
}

impl ig_client::Clock for SharedClock {
    fn now(&self) -> Timestamp {
        self.0.now()
    }
}

#[async_trait]
impl x_client::Clock for SharedClock {
    fn now(&self) -> Timestamp {
        self.0.now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}
