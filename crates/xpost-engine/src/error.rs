//! The engine's one error type.

use xpost_core::{LinkId, RemoteError, StoreError};
use xpost_policy::PolicyError;

/// Why an engine call could not do its job. Failures of single posts are not
/// errors of the call: they are recorded on the post and in the event log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The store failed; the pass stopped where it was and resumes next time.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A platform could not be reached for the whole link.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The link's settings cannot be used.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// No link has this name.
    #[error("no link named {0}")]
    UnknownLink(LinkId),
    /// The engine was built without something it needs.
    #[error("engine not configured: {0}")]
    Config(String),
    /// A pass kept working the link for longer than a lease lives, so it could
    /// not be forgotten now; it is disconnected already, try again.
    #[error("link {0} is still being worked by a pass; it is disconnected, try again in a minute")]
    LinkBusy(LinkId),
    /// The post named is not held for review.
    #[error("post {source_id} of link {link} is not waiting for review")]
    NotInReview {
        /// The link.
        link: LinkId,
        /// The post.
        source_id: String,
    },
}
