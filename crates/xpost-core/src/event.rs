//! The event log: every step the engine takes, for status, `log` and doctor.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{LinkId, SourceId};
use crate::record::FailureClass;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A side of the link was connected.
    Linked,
    /// The link was disconnected.
    Unlinked,
    /// A new source post was seen.
    Discovered,
    /// Policy decided to post it.
    Decided,
    /// Policy decided to post it later.
    Scheduled,
    /// Policy held it for review.
    HeldForReview,
    /// A person approved it.
    Approved,
    /// A person rejected it.
    Rejected,
    /// Policy skipped it.
    Skipped,
    /// Its media were uploaded to the target.
    MediaUploaded,
    /// One part was published.
    PartPosted,
    /// A part already on the target was found and recorded instead of sending it again.
    Reconciled,
    /// Every part is on the target.
    Posted,
    /// An attempt failed and will be retried.
    Retrying,
    /// The post failed for good.
    Failed,
    /// Credentials stopped working; the link waits for a re-link.
    NeedsReauth,
    /// An access token was refreshed.
    TokenRefreshed,
    /// Cross-posted content was deleted from the target.
    Deleted,
    /// The user paused the link.
    Paused,
    /// The user resumed a paused link.
    Resumed,
    /// A story expired, or may have expired, before it could be cross-posted;
    /// the message says which and why.
    StoryMissed,
    /// A pass found a backlog; the message says what the link's choice did with it.
    Backlog,
    /// The source post's caption changed after it was seen.
    SourceEdited,
    /// The source post is gone (or missing from the listing, waiting for its grace period).
    SourceDeleted,
    /// A reply with the corrected text was posted under the target's post.
    Corrected,
    /// A profile field (name, description, website or picture) was copied to the target.
    ProfileSynced,
    /// The profile sync failed; it tries again at its next check.
    ProfileSyncFailed,
    /// Engagement counters of cross-posted posts were sampled.
    MetricsSampled,
    /// The cap on paid X reads stopped (part of) a sampling.
    ReadCapReached,
}

/// One entry of the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The store's sequence number (0 before it is appended).
    #[serde(default)]
    pub seq: u64,
    /// When it happened.
    pub at: Timestamp,
    /// The link it concerns.
    pub link: LinkId,
    /// The source post it concerns, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<SourceId>,
    /// What happened.
    pub kind: EventKind,
    /// The details in a line.
    pub message: String,
    /// For failures, their class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FailureClass>,
    /// What the user can do, when there is something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Event {
    /// An event with no post, class or hint.
    pub fn new(at: Timestamp, link: LinkId, kind: EventKind, message: impl Into<String>) -> Self {
        Self {
            seq: 0,
            at,
            link,
            source_id: None,
            kind,
            message: message.into(),
            class: None,
            hint: None,
        }
    }

    /// The same event about `source_id`.
    #[must_use]
    pub fn for_post(mut self, source_id: SourceId) -> Self {
        self.source_id = Some(source_id);
        self
    }

    /// The same event with a failure class and an optional hint.
    #[must_use]
    pub fn failure(mut self, class: FailureClass, hint: Option<String>) -> Self {
        self.class = Some(class);
        self.hint = hint;
        self
    }
}
