//! What the engine persists about one source post: its state in the per-post,
//! per-part state machine, written before every side effect.
//!
//! ```text
//! discovered ─► scheduled (at T) ─┐
//!      │    └─► needs_review ─────┤ (approved)
//!      │    └─► skipped (rule)    ▼
//!      └──────────────────────► ready ─► sending part k ─► posted
//!                                 │            │
//!                                 └────────────┴─► failed (cause, attempts) | needs_reauth
//! ```
//!
//! A part's `intent_at` is written before it is sent and its target id after;
//! a part with an intent but no id is exactly the case that reconciliation
//! resolves by looking at the target account's own recent posts.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{LinkId, SourceId, TargetId, TargetMediaId};
use crate::post::SourcePost;
use crate::reply::ReplySettings;
use crate::sync::SyncWork;

/// Positions one listing can tell apart in [`PostRecord::listing_order`].
const LISTING_SLOTS: usize = 1 << 20;

/// Where one post stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PostState {
    /// Seen on the source, not decided yet.
    Discovered,
    /// To be decided again at `due_at` (a delay, a window, quiet hours, a budget).
    Scheduled,
    /// Held until a person approves or rejects it.
    NeedsReview,
    /// Not cross-posted; `skip` says which rule decided so.
    Skipped,
    /// To be posted; the plan is fixed.
    Ready,
    /// Some parts may be out; each part's progress says which.
    Sending,
    /// Every part is on the target.
    Posted,
    /// Given up after a failure that retrying cannot fix, or after the attempt bound.
    Failed,
    /// Waiting for the user to link a side again.
    NeedsReauth,
}

impl PostState {
    /// The state as `status` reports it: `pending`, `posted`, `skipped`, `failed`
    /// or `needs_reauth`.
    pub fn status(self) -> &'static str {
        match self {
            PostState::Discovered
            | PostState::Scheduled
            | PostState::NeedsReview
            | PostState::Ready
            | PostState::Sending => "pending",
            PostState::Posted => "posted",
            PostState::Skipped => "skipped",
            PostState::Failed => "failed",
            PostState::NeedsReauth => "needs_reauth",
        }
    }

    /// Whether nothing more will happen to the post without a person acting.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            PostState::Posted | PostState::Skipped | PostState::Failed
        )
    }
}

/// How a failure is classed, for status, hints and notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureClass {
    /// A network error, a timeout or a server error: retried with back-off.
    Transient,
    /// The platform's rate limit or budget: retried after its reset.
    RateLimited,
    /// The platform refused the content or the request; retrying fails the same way.
    Rejected,
    /// The credentials stopped working: the user must link again.
    Reauth,
    /// A permission (scope) the feature needs was not granted.
    MissingPermission,
    /// The media cannot be fetched or cannot go to the target.
    Media,
    /// The link's settings cannot be applied.
    Config,
}

impl FailureClass {
    /// The class as output spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::Transient => "transient",
            FailureClass::RateLimited => "rate_limited",
            FailureClass::Rejected => "rejected",
            FailureClass::Reauth => "reauth",
            FailureClass::MissingPermission => "missing_permission",
            FailureClass::Media => "media",
            FailureClass::Config => "config",
        }
    }
}

/// Why an attempt failed, as recorded and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What kind of failure.
    pub class: FailureClass,
    /// The cause, in a line.
    pub message: String,
    /// What the user can do about it, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// When it happened.
    pub at: Timestamp,
}

/// Why a post was not cross-posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkipReason {
    /// The settings key of the rule that decided, e.g. `filters.opt_out_tag`.
    pub rule: String,
    /// The reason in words.
    pub reason: String,
}

/// One post (part of a thread) as it will be sent: fixed when the post is
/// decided, so that a retry or a reconciliation compares the very same text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedPart {
    /// The text to post.
    pub text: String,
    /// Indices into the source post's media items attached to this part.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<usize>,
}

/// What the engine will send for a post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The parts, in order; parts after the first reply to the one before.
    pub parts: Vec<PlannedPart>,
    /// Who may reply on the target.
    pub reply_settings: ReplySettings,
    /// What posting it is expected to cost, in US dollars (for the monthly cap).
    #[serde(default)]
    pub estimated_cost_usd: f64,
}

/// How far one planned part has got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartProgress {
    /// Media uploaded for this part, in order, and when (uploads expire).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<TargetMediaId>,
    /// When the uploads finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_ready_at: Option<Timestamp>,
    /// When sending began: set before the request goes out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent_at: Option<Timestamp>,
    /// The target's id for it, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<TargetId>,
}

/// Everything the engine keeps about one source post of one link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostRecord {
    /// The link it belongs to.
    pub link: LinkId,
    /// The source post's id; unique per link, so discovering it again is harmless.
    pub source_id: SourceId,
    /// The post as last seen on the source.
    pub post: SourcePost,
    /// When xpost first saw it.
    pub discovered_at: Timestamp,
    /// Where it stands.
    pub state: PostState,
    /// When the engine should look at it next (scheduled time or retry time);
    /// `None`: as soon as possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    /// Why it was skipped, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<SkipReason>,
    /// What will be sent, once decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// Progress of each planned part, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartProgress>,
    /// Failed attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// The last failure, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    /// Asked for by a backfill (older than the link): age rules do not apply.
    #[serde(default)]
    pub backfill: bool,
    /// A person approved it after review.
    #[serde(default)]
    pub approved: bool,
    /// Where it came in Instagram's own order among posts published in the same
    /// second (which Instagram lists in publication order, whatever their ids):
    /// the second of the pass that found it, then its place in that listing,
    /// oldest first. Stores order posts by publication time, then by this.
    #[serde(default)]
    pub listing_order: i64,
    /// The latest action that keeps the target in step with an edited or
    /// deleted source post; unfinished work keeps the record due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncWork>,
    /// When the source post was found deleted: the post is never posted again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_deleted_at: Option<Timestamp>,
    /// Since when a listing that covered the post's time has not shown it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_since: Option<Timestamp>,
    /// Posts on the target that sync deleted (older versions, retracted parts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<TargetId>,
    /// Correction replies posted on the target, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<TargetId>,
    /// The store's version of this record, for compare-and-swap updates.
    #[serde(default)]
    pub version: u64,
}

impl PostRecord {
    /// A newly discovered post.
    pub fn discovered(link: LinkId, post: SourcePost, now: Timestamp) -> Self {
        Self {
            link,
            source_id: SourceId::from(&post.id),
            post,
            discovered_at: now,
            state: PostState::Discovered,
            due_at: None,
            skip: None,
            plan: None,
            parts: Vec::new(),
            attempts: 0,
            error: None,
            backfill: false,
            approved: false,
            listing_order: 0,
            sync: None,
            source_deleted_at: None,
            missing_since: None,
            retired: Vec::new(),
            corrections: Vec::new(),
            version: 0,
        }
    }

    /// The order key of the post found at `position` (0: the oldest) of a listing
    /// made at `now`: later passes sort after earlier ones, and within one pass
    /// the listing decides.
    pub fn listing_order_at(now: Timestamp, position: usize) -> i64 {
        let position = i64::try_from(position.min(LISTING_SLOTS - 1)).unwrap_or(0);
        now.as_second().saturating_mul(LISTING_SLOTS as i64) + position
    }

    /// The target ids of the parts posted so far, in order.
    pub fn target_ids(&self) -> Vec<TargetId> {
        self.parts
            .iter()
            .filter_map(|part| part.target_id.clone())
            .collect()
    }

    /// Whether nothing more will happen to the post: its state is final and
    /// no sync work is under way. Stores keep unsettled posts due.
    pub fn is_settled(&self) -> bool {
        self.state.is_final() && self.sync.as_ref().is_none_or(SyncWork::is_done)
    }

    /// The post on the target that a reply to the whole post answers: the
    /// last correction, else the last part.
    pub fn last_target_id(&self) -> Option<TargetId> {
        self.corrections
            .last()
            .cloned()
            .or_else(|| self.target_ids().last().cloned())
    }

    /// The first part that is not on the target yet.
    pub fn next_part(&self) -> Option<usize> {
        let planned = self.plan.as_ref().map_or(0, |plan| plan.parts.len());
        (0..planned).find(|&i| self.parts.get(i).is_none_or(|p| p.target_id.is_none()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_folds_the_inner_states_into_the_five_public_ones() {
        assert_eq!(PostState::Sending.status(), "pending");
        assert_eq!(PostState::NeedsReview.status(), "pending");
        assert_eq!(PostState::NeedsReauth.status(), "needs_reauth");
        assert!(PostState::Skipped.is_final() && !PostState::Scheduled.is_final());
    }

    #[test]
    fn unfinished_sync_work_keeps_a_posted_record_unsettled() {
        let post: SourcePost = serde_json::from_str(
            r#"{"id": "1", "media_type": "image", "product_type": "feed", "timestamp": "2025-06-01T18:30:00Z"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let link = LinkId::new("l").unwrap_or_else(|e| panic!("{e}"));
        let mut record = PostRecord::discovered(link, post, Timestamp::UNIX_EPOCH);
        record.state = PostState::Posted;
        assert!(record.is_settled());
        record.sync = Some(SyncWork::new(
            crate::SyncAction::Retract,
            Vec::new(),
            Timestamp::UNIX_EPOCH,
        ));
        assert!(!record.is_settled());
        let json = serde_json::to_string(&record).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            serde_json::from_str::<PostRecord>(&json).unwrap_or_else(|e| panic!("{e}")),
            record
        );
    }
}
