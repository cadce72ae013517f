//! The default notifier: notices go to the log and nowhere else.

use async_trait::async_trait;
use xpost_core::{Notice, Notifier, NotifyError};

/// Logs each notice at warn level.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct QuietNotifier;

#[async_trait]
impl Notifier for QuietNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifyError> {
        tracing::warn!(
            link = %notice.link,
            class = notice.class.as_str(),
            hint = notice.hint.as_deref().unwrap_or(""),
            "{}",
            notice.message
        );
        Ok(())
    }
}
