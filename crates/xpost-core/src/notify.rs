//! Telling the user: the [`Notifier`] seam, called once per condition.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{LinkId, SourceId};
use crate::record::FailureClass;

/// A condition the user should hear about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// When it arose.
    pub at: Timestamp,
    /// The link concerned.
    pub link: LinkId,
    /// The post concerned, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<SourceId>,
    /// What kind of trouble.
    pub class: FailureClass,
    /// What happened, in a line.
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Why a notice could not be delivered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// Delivery failed; the text says why. Notifiers retry on their own; this is
    /// what is left after their bound.
    #[error("notification not delivered: {0}")]
    Undelivered(String),
}

/// Delivers notices: to a log, a webhook, an app's own channel.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Delivers one notice.
    ///
    /// # Errors
    /// [`NotifyError`] when delivery failed after the notifier's own retries.
    async fn notify(&self, notice: &Notice) -> Result<(), NotifyError>;
}
