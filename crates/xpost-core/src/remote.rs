//! The two platform seams: a [`Source`] that posts are read from and a [`Target`]
//! they are published to, with the one error type both answer in.
//!
//! The engine's state machine sees only these traits. Adapters in the engine
//! implement them over the Instagram and X clients, and are the only place where
//! a client's ids, errors and times become this crate's; the reverse direction
//! is one more pair of adapters.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use jiff::Timestamp;

use crate::ids::{SourceId, TargetId, TargetMediaId};
use crate::metrics::Metrics;
use crate::post::{MediaItem, MediaKind, SourcePost};
use crate::record::FailureClass;
use crate::reply::ReplySettings;
use crate::retry::RetryKind;

/// Why a call to a platform failed, sorted by what the engine does next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// The platform's rate limit or usage budget is spent.
    #[error("rate limited{}: {message}", until.map(|t| format!(" until {t}")).unwrap_or_default())]
    RateLimited {
        /// When calls may resume, if the platform said.
        until: Option<Timestamp>,
        /// The platform's words.
        message: String,
    },
    /// A network failure, a timeout or a server error.
    #[error("platform unavailable: {message}")]
    Unavailable {
        /// What failed.
        message: String,
    },
    /// The credentials no longer work (revoked, changed password, dead refresh token).
    #[error("authorization lost: {message}")]
    Reauth {
        /// The platform's words.
        message: String,
    },
    /// The granted permissions lack one the call needs.
    #[error("missing permission {scope}: {message}")]
    MissingScope {
        /// The permission's name on its platform.
        scope: String,
        /// The platform's words.
        message: String,
    },
    /// The platform refused the request as it is; sending it again fails the same way.
    #[error("refused: {message}")]
    Rejected {
        /// The platform's words.
        message: String,
    },
    /// The target refused the text as a duplicate of a recent post.
    #[error("duplicate content: {message}")]
    Duplicate {
        /// The platform's words.
        message: String,
    },
    /// The object does not exist (deleted, or never existed).
    #[error("not found: {message}")]
    NotFound {
        /// The platform's words.
        message: String,
    },
    /// A paging cursor is no longer accepted; listing must restart from a time bound.
    #[error("paging cursor expired: {message}")]
    CursorExpired {
        /// The platform's words.
        message: String,
    },
    /// A media item cannot be fetched, or cannot go to the target.
    #[error("media unusable: {message}")]
    Media {
        /// What is wrong with it.
        message: String,
    },
    /// A spending cap or monthly quota is used up until the period resets.
    #[error("quota exhausted{}: {message}", until.map(|t| format!(" until {t}")).unwrap_or_default())]
    QuotaExhausted {
        /// When the period resets, if known.
        until: Option<Timestamp>,
        /// The platform's words.
        message: String,
    },
}

impl RemoteError {
    /// What to do next, as seen at `now`: a server-given instant beats any default.
    pub fn retry_kind(&self, now: Timestamp) -> RetryKind {
        let wait_until = |until: &Option<Timestamp>, default: Duration| match until {
            Some(at) => RetryKind::After(
                Duration::try_from(now.duration_until(*at)).unwrap_or(Duration::ZERO),
            ),
            None => RetryKind::After(default),
        };
        match self {
            RemoteError::RateLimited { until, .. } => wait_until(until, Duration::from_secs(60)),
            RemoteError::QuotaExhausted { until, .. } => {
                wait_until(until, Duration::from_secs(3_600))
            }
            RemoteError::Unavailable { .. } | RemoteError::CursorExpired { .. } => {
                RetryKind::Backoff
            }
            RemoteError::Reauth { .. } => RetryKind::Reauth,
            RemoteError::MissingScope { .. }
            | RemoteError::Rejected { .. }
            | RemoteError::Duplicate { .. }
            | RemoteError::NotFound { .. }
            | RemoteError::Media { .. } => RetryKind::Never,
        }
    }

    /// The failure class this error is recorded under.
    pub fn class(&self) -> FailureClass {
        match self {
            RemoteError::RateLimited { .. } | RemoteError::QuotaExhausted { .. } => {
                FailureClass::RateLimited
            }
            RemoteError::Unavailable { .. } | RemoteError::CursorExpired { .. } => {
                FailureClass::Transient
            }
            RemoteError::Reauth { .. } => FailureClass::Reauth,
            RemoteError::MissingScope { .. } => FailureClass::MissingPermission,
            RemoteError::Rejected { .. }
            | RemoteError::Duplicate { .. }
            | RemoteError::NotFound { .. } => FailureClass::Rejected,
            RemoteError::Media { .. } => FailureClass::Media,
        }
    }
}

/// Bytes of one media item, streamed so that a video is never held whole.
pub struct MediaBody {
    /// Image or video.
    pub kind: MediaKind,
    /// Its MIME type, e.g. `image/jpeg`.
    pub content_type: String,
    /// Its length in bytes, when the source declares it.
    pub length: Option<u64>,
    /// The bytes.
    pub bytes: BoxStream<'static, Result<Bytes, RemoteError>>,
}

impl fmt::Debug for MediaBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaBody")
            .field("kind", &self.kind)
            .field("content_type", &self.content_type)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

/// A media item ready for upload: its bytes, their exact length, and alt text.
#[derive(Debug)]
pub struct MediaUpload {
    /// The bytes (already adapted to the target's limits).
    pub body: MediaBody,
    /// The exact length of `body` in bytes.
    pub length: u64,
    /// Alt text, when the source had it.
    pub alt_text: Option<String>,
}

/// One post to publish on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingPost {
    /// Its text.
    pub text: String,
    /// Uploaded media to attach, in order.
    pub media: Vec<TargetMediaId>,
    /// The post it answers (the previous part of a thread).
    pub reply_to: Option<TargetId>,
    /// Who may reply.
    pub reply_settings: ReplySettings,
}

/// A post as the target reports it (after its own rewriting, such as X's t.co links).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedPost {
    /// Its id.
    pub id: TargetId,
    /// Its text as the target returns it.
    pub text: String,
    /// How many media it carries.
    pub media_count: usize,
    /// The post it answers, if any.
    pub reply_to: Option<TargetId>,
    /// When it was created, if reported.
    pub created_at: Option<Timestamp>,
}

/// A profile, on either side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The handle, without `@`.
    pub username: String,
    /// The display name.
    pub name: Option<String>,
    /// The biography or description.
    pub bio: Option<String>,
    /// The website.
    pub website: Option<String>,
    /// Where the picture can be fetched (may expire).
    pub picture_url: Option<String>,
}

/// Profile fields to change on the target; `None` leaves a field as it is, and
/// an empty string clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    /// The display name.
    pub name: Option<String>,
    /// The description (bio).
    pub description: Option<String>,
    /// The website.
    pub url: Option<String>,
}

impl ProfileChange {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none() && self.url.is_none()
    }
}

/// How a profile change reached the target, for the event log (e.g. `v2`, or
/// `v1.1` when only the older endpoints took it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileApplied {
    /// The route, in the target's own words.
    pub via: String,
}

fn unsupported(what: &str) -> RemoteError {
    RemoteError::Rejected {
        message: format!("this platform adapter cannot {what}"),
    }
}

/// Where new posts are read from.
#[async_trait]
pub trait Source: Send + Sync {
    /// Posts published after `newest_seen` (a post id from an earlier listing), newest
    /// first, at most `limit`; with no `newest_seen`, the newest `limit` posts.
    ///
    /// # Errors
    /// [`RemoteError`], e.g. [`RemoteError::CursorExpired`] or [`RemoteError::Reauth`].
    async fn new_posts(
        &self,
        newest_seen: Option<&SourceId>,
        since: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<SourcePost>, RemoteError>;

    /// One post as it is now; `Ok(None)` when it no longer exists. Used to refresh
    /// expired media URLs and to tell a deletion from a paging race.
    ///
    /// # Errors
    /// [`RemoteError`]; a transient error is never reported as `Ok(None)`.
    async fn post(&self, id: &SourceId) -> Result<Option<SourcePost>, RemoteError>;

    /// The bytes of one media item of `post`.
    ///
    /// # Errors
    /// [`RemoteError::Media`] when the item cannot be fetched (no URL, refused
    /// host, too large), or a transient error.
    async fn media(&self, post: &SourcePost, item: &MediaItem) -> Result<MediaBody, RemoteError>;

    /// The account's profile.
    ///
    /// # Errors
    /// [`RemoteError`].
    async fn profile(&self) -> Result<Profile, RemoteError>;

    /// The stories live now (under 24 hours old), newest first; a source without
    /// stories answers none. A story cannot be listed once it expires, so a link
    /// that shares stories lists them well within that window.
    ///
    /// # Errors
    /// [`RemoteError`].
    async fn stories(&self) -> Result<Vec<SourcePost>, RemoteError> {
        Ok(Vec::new())
    }
    /// The bytes of the profile picture at `url` (from [`Source::profile`]).
    ///
    /// # Errors
    /// [`RemoteError::Media`] when it cannot be fetched; [`RemoteError::Rejected`]
    /// from sources that have no pictures (the default).
    async fn picture(&self, url: &str) -> Result<MediaBody, RemoteError> {
        let _ = url;
        Err(unsupported("fetch a profile picture"))
    }

    /// Engagement counters of the account's posts `ids`, for those that still
    /// exist.
    ///
    /// # Errors
    /// [`RemoteError`]; [`RemoteError::Rejected`] from sources without
    /// counters (the default).
    async fn metrics(&self, ids: &[SourceId]) -> Result<Vec<(SourceId, Metrics)>, RemoteError> {
        let _ = ids;
        Err(unsupported("read engagement counters"))
    }
}

/// Where posts are published.
#[async_trait]
pub trait Target: Send + Sync {
    /// Uploads one media item and waits until the target can attach it.
    ///
    /// # Errors
    /// [`RemoteError`], e.g. [`RemoteError::Media`] when the target refuses it.
    async fn upload(&self, media: MediaUpload) -> Result<TargetMediaId, RemoteError>;

    /// Publishes one post.
    ///
    /// # Errors
    /// [`RemoteError`]; [`RemoteError::Duplicate`] when the target says it has the
    /// same text already (which the engine checks by reconciliation).
    async fn publish(&self, post: &OutgoingPost) -> Result<PublishedPost, RemoteError>;

    /// Deletes one of the account's posts; deleting one already gone succeeds.
    ///
    /// # Errors
    /// [`RemoteError`].
    async fn delete(&self, id: &TargetId) -> Result<(), RemoteError>;

    /// The account's own posts created at or after `since`, newest first.
    ///
    /// # Errors
    /// [`RemoteError`].
    async fn own_recent(&self, since: Timestamp) -> Result<Vec<PublishedPost>, RemoteError>;

    /// Whether `published` (as the target returned it) is `intended` (as it was
    /// sent): the target knows how it rewrites text, links and media.
    fn matches(&self, published: &PublishedPost, intended: &OutgoingPost) -> bool;

    /// The account's profile.
    ///
    /// # Errors
    /// [`RemoteError`].
    async fn profile(&self) -> Result<Profile, RemoteError>;

    /// Changes the account's name, description or website.
    ///
    /// # Errors
    /// [`RemoteError`]; [`RemoteError::Rejected`] from targets that cannot (the
    /// default).
    async fn update_profile(&self, change: &ProfileChange) -> Result<ProfileApplied, RemoteError> {
        let _ = change;
        Err(unsupported("change the profile"))
    }

    /// Makes `image` (of MIME type `content_type`) the account's picture.
    ///
    /// # Errors
    /// [`RemoteError`]; [`RemoteError::Rejected`] from targets that cannot (the
    /// default).
    async fn update_avatar(
        &self,
        image: Bytes,
        content_type: &str,
    ) -> Result<ProfileApplied, RemoteError> {
        let _ = (image, content_type);
        Err(unsupported("change the profile picture"))
    }

    /// Public counters of the account's posts `ids` (batched as the target
    /// allows), for those that still exist.
    ///
    /// # Errors
    /// [`RemoteError`]; [`RemoteError::Rejected`] from targets without
    /// counters (the default).
    async fn metrics(&self, ids: &[TargetId]) -> Result<Vec<(TargetId, Metrics)>, RemoteError> {
        let _ = ids;
        Err(unsupported("read engagement counters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_given_reset_beats_the_default_wait() {
        let now = Timestamp::from_second(1_000).unwrap();
        let limited = RemoteError::RateLimited {
            until: Some(Timestamp::from_second(1_090).unwrap()),
            message: "slow down".into(),
        };
        assert_eq!(
            limited.retry_kind(now),
            RetryKind::After(Duration::from_secs(90))
        );
        let unknown = RemoteError::RateLimited {
            until: None,
            message: String::new(),
        };
        assert_eq!(
            unknown.retry_kind(now),
            RetryKind::After(Duration::from_secs(60))
        );
        let past = RemoteError::RateLimited {
            until: Some(Timestamp::from_second(10).unwrap()),
            message: String::new(),
        };
        assert_eq!(past.retry_kind(now), RetryKind::After(Duration::ZERO));
    }

    #[test]
    fn only_transient_errors_are_retried_and_reauth_is_its_own_kind() {
        let now = Timestamp::UNIX_EPOCH;
        let reauth = RemoteError::Reauth {
            message: "password changed".into(),
        };
        assert_eq!(reauth.retry_kind(now), RetryKind::Reauth);
        assert_eq!(reauth.class(), FailureClass::Reauth);
        let dup = RemoteError::Duplicate {
            message: String::new(),
        };
        assert_eq!(dup.retry_kind(now), RetryKind::Never);
        let down = RemoteError::Unavailable {
            message: "502".into(),
        };
        assert!(down.retry_kind(now).is_retryable());
    }
}
