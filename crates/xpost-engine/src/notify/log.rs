//! [`LogNotifier`]: notices as `tracing` events.

use async_trait::async_trait;
use xpost_core::{Notice, Notifier, NotifyError};

use super::redact::redact;

/// The `tracing` target notices are emitted under, so that a subscriber can
/// route them apart from the engine's other logs.
pub const NOTICE_TARGET: &str = "xpost::notice";

/// Delivers each notice as a `WARN` event under [`NOTICE_TARGET`], with the
/// fields `link`, `post` (when a post is concerned), `class`, `hint` (when
/// there is one) and `at`, and the notice's message as the event's message.
///
/// The message and hint are logged with anything that looks like a
/// credential masked. Delivery cannot fail.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogNotifier;

impl LogNotifier {
    /// A notifier that logs.
    pub fn new() -> Self {
        Self
    }
}

#[async_trait]
impl Notifier for LogNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifyError> {
        tracing::warn!(
            target: NOTICE_TARGET,
            link = %notice.link,
            post = notice.source_id.as_ref().map(AsRef::<str>::as_ref),
            class = notice.class.as_str(),
            hint = notice.hint.as_deref().map(redact).as_deref(),
            at = %notice.at,
            "{}",
            redact(&notice.message)
        );
        Ok(())
    }
}
