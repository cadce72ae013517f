//! Deleting what xpost stores about a link: [`ForgetReport`], what
//! [`Store::forget_link`](crate::Store::forget_link) deleted, and
//! [`DeletionRequest`], a platform's request to delete what xpost stores about
//! one of its users (Meta's data-deletion callback), kept so its status can be
//! looked up by the confirmation code the platform was given.
//!
//! A deletion request keeps nothing about the user it concerns (no account
//! id, no username, no link name): only its code, where it stands, its times
//! and how many stored rows of each kind were deleted.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How many stored rows of each kind forgetting a link deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ForgetReport {
    /// Links (1, or 0 when the link was not stored).
    #[serde(default)]
    pub links: u64,
    /// Credentials (one per side; OAuth 1.0a tokens counted apart).
    #[serde(default)]
    pub credentials: u64,
    /// OAuth 1.0a tokens.
    #[serde(default)]
    pub oauth1_tokens: u64,
    /// Source cursors.
    #[serde(default)]
    pub cursors: u64,
    /// Post records (captions, permalinks, media references, X post ids).
    #[serde(default)]
    pub posts: u64,
    /// Events of the link's log.
    #[serde(default)]
    pub events: u64,
    /// Engagement metric samples.
    #[serde(default)]
    pub metric_samples: u64,
    /// Profile snapshots.
    #[serde(default)]
    pub profile_snapshots: u64,
    /// Times of the link's periodic tasks.
    #[serde(default)]
    pub task_runs: u64,
    /// Paid-read counters.
    #[serde(default)]
    pub read_counters: u64,
    /// Leases.
    #[serde(default)]
    pub leases: u64,
}

impl ForgetReport {
    /// Every row deleted, of any kind.
    pub fn total(&self) -> u64 {
        self.links
            + self.credentials
            + self.oauth1_tokens
            + self.cursors
            + self.posts
            + self.events
            + self.metric_samples
            + self.profile_snapshots
            + self.task_runs
            + self.read_counters
            + self.leases
    }

    /// The two reports added up (several links of one request).
    #[must_use]
    pub fn plus(self, other: ForgetReport) -> ForgetReport {
        ForgetReport {
            links: self.links + other.links,
            credentials: self.credentials + other.credentials,
            oauth1_tokens: self.oauth1_tokens + other.oauth1_tokens,
            cursors: self.cursors + other.cursors,
            posts: self.posts + other.posts,
            events: self.events + other.events,
            metric_samples: self.metric_samples + other.metric_samples,
            profile_snapshots: self.profile_snapshots + other.profile_snapshots,
            task_runs: self.task_runs + other.task_runs,
            read_counters: self.read_counters + other.read_counters,
            leases: self.leases + other.leases,
        }
    }

    /// Each kind with its count, in a fixed order, for display: the count and
    /// the kind's name, singular or plural as the count asks (`1 link`,
    /// `2 post records`).
    pub fn counts(&self) -> [(u64, &'static str); 11] {
        let named =
            |n: u64, one: &'static str, many: &'static str| (n, if n == 1 { one } else { many });
        [
            named(self.links, "link", "links"),
            named(self.credentials, "credential", "credentials"),
            named(self.oauth1_tokens, "OAuth 1.0a token", "OAuth 1.0a tokens"),
            named(self.cursors, "cursor", "cursors"),
            named(self.posts, "post record", "post records"),
            named(self.events, "event", "events"),
            named(self.metric_samples, "metric sample", "metric samples"),
            named(
                self.profile_snapshots,
                "profile snapshot",
                "profile snapshots",
            ),
            named(self.task_runs, "task time", "task times"),
            named(
                self.read_counters,
                "paid-read counter",
                "paid-read counters",
            ),
            named(self.leases, "lease", "leases"),
        ]
    }
}

impl std::fmt::Display for ForgetReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .counts()
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if parts.is_empty() {
            f.write_str("nothing stored")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Where a deletion request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeletionState {
    /// Received; the deletion is under way.
    Pending,
    /// Everything stored about the user was deleted.
    Completed,
    /// Some of it could not be deleted; `detail` says what and why.
    Failed,
}

impl DeletionState {
    /// The state's name as stored and shown (`pending`, `completed`, `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeletionState::Pending => "pending",
            DeletionState::Completed => "completed",
            DeletionState::Failed => "failed",
        }
    }
}

/// One data-deletion request and its outcome, without anything that names
/// the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionRequest {
    /// The confirmation code given to the platform (unique, unguessable).
    pub code: String,
    /// How many links the user's account was part of.
    #[serde(default)]
    pub link_count: u64,
    /// Where it stands.
    pub state: DeletionState,
    /// What was deleted, or what could not be, in a line (counts only).
    pub detail: String,
    /// What was deleted, summed over the links.
    #[serde(default)]
    pub deleted: ForgetReport,
    /// When the request arrived.
    pub requested_at: Timestamp,
    /// When its state last changed.
    pub updated_at: Timestamp,
}
