//! What the engine records to keep a cross-posted post in step with its
//! source after it went out: a deleted original retracts its posts on the
//! target, an edited caption replaces them or is answered with a correction.
//!
//! Each action is a [`SyncWork`] on the post's record, written before its
//! first side effect. Every deletion records its intent before the request
//! and its end after (deleting a post already gone is success, so a lost
//! answer is simply asked again), and a correction reply is a planned part
//! like any other, whose intent lets reconciliation find it on the target
//! before it is ever sent twice. A record with unfinished work is not
//! settled, so the store hands it back as due until the work is done.
//!
//! ```text
//! posted ─► (deleted on the source) ─► retract each part ─► skipped (sync.deletions)
//!    │
//!    ├─► (edited, delete_and_repost) ─► retract each part ─► discovered ─► … ─► posted
//!    └─► (edited, reply_with_correction) ─► reply part k ─► posted
//! ```

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::TargetId;
use crate::record::{PartProgress, PlannedPart};

/// Which change on the source the work answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SyncAction {
    /// The source post was deleted: its posts on the target are deleted.
    Retract,
    /// The caption was edited: the target's posts are deleted and the new
    /// version is posted.
    Repost,
    /// The caption was edited: the target's post is answered with the new text.
    Correct,
}

impl SyncAction {
    /// The action as output spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncAction::Retract => "retract",
            SyncAction::Repost => "repost",
            SyncAction::Correct => "correct",
        }
    }
}

/// One post on the target to delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retraction {
    /// The target's id of the post.
    pub id: TargetId,
    /// When the delete request was first about to go out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent_at: Option<Timestamp>,
    /// When the target confirmed it gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
}

impl Retraction {
    /// A post still to delete.
    pub fn new(id: TargetId) -> Self {
        Self {
            id,
            intent_at: None,
            deleted_at: None,
        }
    }
}

/// One sync action on a post and how far it has got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncWork {
    /// What it does.
    pub action: SyncAction,
    /// When the change on the source was found.
    pub detected_at: Timestamp,
    /// The target's posts to delete, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retract: Vec<Retraction>,
    /// For a correction: the reply's parts (text only), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correction: Vec<PlannedPart>,
    /// For a correction: each part's progress, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correction_parts: Vec<PartProgress>,
    /// When it was finished; `None` while it is under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<Timestamp>,
}

impl SyncWork {
    /// New work found at `now`, deleting `retract` first.
    pub fn new(action: SyncAction, retract: Vec<TargetId>, now: Timestamp) -> Self {
        Self {
            action,
            detected_at: now,
            retract: retract.into_iter().map(Retraction::new).collect(),
            correction: Vec::new(),
            correction_parts: Vec::new(),
            done_at: None,
        }
    }

    /// Whether it is finished.
    pub fn is_done(&self) -> bool {
        self.done_at.is_some()
    }

    /// The first post still to delete.
    pub fn next_retraction(&self) -> Option<usize> {
        self.retract.iter().position(|r| r.deleted_at.is_none())
    }

    /// The first correction part not on the target yet.
    pub fn next_correction(&self) -> Option<usize> {
        (0..self.correction.len()).find(|&i| {
            self.correction_parts
                .get(i)
                .is_none_or(|p| p.target_id.is_none())
        })
    }

    /// The target ids of the correction parts posted so far, in order.
    pub fn correction_ids(&self) -> Vec<TargetId> {
        self.correction_parts
            .iter()
            .filter_map(|p| p.target_id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn work_moves_through_its_retractions_then_its_correction() {
        let id = |s: &str| TargetId::new(s).unwrap();
        let mut work = SyncWork::new(
            SyncAction::Correct,
            vec![id("1"), id("2")],
            Timestamp::UNIX_EPOCH,
        );
        assert_eq!(work.next_retraction(), Some(0));
        work.retract[0].deleted_at = Some(Timestamp::UNIX_EPOCH);
        assert_eq!(work.next_retraction(), Some(1));
        work.correction = vec![PlannedPart {
            text: "fixed".into(),
            media: Vec::new(),
        }];
        assert_eq!(work.next_correction(), Some(0));
        work.correction_parts = vec![PartProgress {
            target_id: Some(id("9")),
            ..PartProgress::default()
        }];
        assert_eq!(work.next_correction(), None);
        assert_eq!(work.correction_ids(), vec![id("9")]);
        assert!(!work.is_done());
        let json = serde_json::to_string(&work).unwrap();
        assert_eq!(serde_json::from_str::<SyncWork>(&json).unwrap(), work);
    }
}
