//! A platform's request to delete what xpost stores about one of its users
//! (Meta's data-deletion callback), kept so its status can be looked up by
//! the confirmation code the platform was given.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::LinkId;

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

/// One data-deletion request and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionRequest {
    /// The confirmation code given to the platform (unique, unguessable).
    pub code: String,
    /// The platform's id of the user whose data is deleted.
    pub user_id: String,
    /// The links that user's account was part of.
    pub links: Vec<LinkId>,
    /// Where it stands.
    pub state: DeletionState,
    /// What was deleted, or what could not be, in a line.
    pub detail: String,
    /// When the request arrived.
    pub requested_at: Timestamp,
    /// When its state last changed.
    pub updated_at: Timestamp,
}
