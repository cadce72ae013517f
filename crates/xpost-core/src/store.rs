//! The [`Store`] trait: everything the engine persists, behind one seam that
//! the memory, SQLite and PostgreSQL stores implement and one conformance
//! suite checks.
//!
//! Two rules make exactly-once possible across processes:
//!
//! - **Leases with fencing.** A worker works a link only while it holds the
//!   link's lease. Every write that matters names the lease, and the store
//!   refuses it ([`StoreError::LeaseLost`]) when the lease has expired or passed
//!   to another worker since, so a paused worker that wakes up late writes
//!   nothing stale.
//! - **Compare-and-swap.** Post records and credentials carry a version; an
//!   update names the version it replaces and fails ([`StoreError::Conflict`])
//!   when another writer got there first.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::credentials::{Credentials, OAuth1Token, Versioned};
use crate::deletion::{DeletionRequest, ForgetReport};
use crate::event::{Event, EventKind};
use crate::ids::{LinkId, SourceId};
use crate::link::{Link, LinkState, Side};
use crate::metrics::{MetricQuery, MetricSample};
use crate::profile_state::ProfileSnapshot;
use crate::record::{PostRecord, PostState};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record changed since it was read; re-read it and decide again.
    #[error("{what} changed since it was read (a concurrent writer)")]
    Conflict {
        /// What was being written.
        what: String,
    },
    /// The lease named by a write has expired or belongs to another worker now.
    #[error("lease on link {link} lost (generation {generation} is no longer current)")]
    LeaseLost {
        /// The link.
        link: LinkId,
        /// The generation the writer held.
        generation: u64,
    },
    /// The thing named does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for.
        what: String,
    },
    /// Sealed secrets cannot be opened with the configured key.
    #[error("stored credentials cannot be decrypted: {reason}")]
    WrongKey {
        /// What failed, without any secret.
        reason: String,
    },
    /// The store's schema is newer than this program knows.
    #[error(
        "the store's schema version {found} is newer than this xpost supports ({supported}); upgrade xpost"
    )]
    SchemaTooNew {
        /// The version found in the store.
        found: i64,
        /// The newest version this program knows.
        supported: i64,
    },
    /// The database or file failed; retrying may help.
    #[error("store unavailable: {message}")]
    Unavailable {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A stored value cannot be read back (corrupted or hand-edited).
    #[error("stored {what} is unreadable: {message}")]
    Corrupt {
        /// Which value.
        what: String,
        /// Why.
        message: String,
    },
}

/// A worker's hold on one link, valid until `expires_at` unless renewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The link held.
    pub link: LinkId,
    /// Who holds it (a process-unique name).
    pub holder: String,
    /// Increases every time the lease changes hands; writes are fenced on it.
    pub generation: u64,
    /// When it lapses unless renewed.
    pub expires_at: Timestamp,
}

/// Where polling a link's source stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCursor {
    /// The newest source post id seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_id: Option<SourceId>,
    /// The publication time of that post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_at: Option<Timestamp>,
    /// When the source was last listed successfully (kept to within a few
    /// minutes): how the engine tells that a pass comes after a gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polled_at: Option<Timestamp>,
}

/// Which posts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostQuery {
    /// Only this link's.
    pub link: Option<LinkId>,
    /// Only posts in one of these states (empty: any).
    pub states: Vec<PostState>,
    /// At most this many (0: no limit).
    pub limit: usize,
}

/// Which events to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only this link's.
    pub link: Option<LinkId>,
    /// Only about this post.
    pub source_id: Option<SourceId>,
    /// Only these kinds (empty: any).
    pub kinds: Vec<EventKind>,
    /// Only failures (events with a class).
    pub failures_only: bool,
    /// At most this many (0: no limit).
    pub limit: usize,
}

/// Everything the engine persists.
#[async_trait]
pub trait Store: Send + Sync {
    /// Creates or replaces a link.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn put_link(&self, link: &Link) -> Result<(), StoreError>;

    /// One link.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn link(&self, id: &LinkId) -> Result<Option<Link>, StoreError>;

    /// Every link, in id order.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn links(&self) -> Result<Vec<Link>, StoreError>;

    /// Changes a link's state (and which side needs a re-link).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown link.
    async fn set_link_state(
        &self,
        id: &LinkId,
        state: LinkState,
        reauth_side: Option<Side>,
    ) -> Result<(), StoreError>;

    /// Pauses a link from `paused_since`, or resumes it with `None`, in one step
    /// that leaves its state and everything else as they are; answers when it
    /// was paused before (`None`: it was running).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown link.
    async fn set_link_paused(
        &self,
        id: &LinkId,
        paused_since: Option<Timestamp>,
    ) -> Result<Option<Timestamp>, StoreError>;

    /// The credentials of one side, with their version.
    ///
    /// # Errors
    /// [`StoreError::WrongKey`] when they cannot be decrypted.
    async fn credentials(
        &self,
        link: &LinkId,
        side: Side,
    ) -> Result<Option<Versioned<Credentials>>, StoreError>;

    /// Stores credentials unconditionally (linking); answers the new version.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn put_credentials(
        &self,
        link: &LinkId,
        side: Side,
        credentials: &Credentials,
    ) -> Result<u64, StoreError>;

    /// Replaces the credentials whose version is `expected` (a refresh-token
    /// rotation); answers the new version, or `None`, storing nothing, when
    /// another writer replaced them first.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn swap_credentials(
        &self,
        link: &LinkId,
        side: Side,
        expected: u64,
        next: &Credentials,
    ) -> Result<Option<u64>, StoreError>;

    /// Deletes one side's credentials (unlink, deauthorize).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn delete_credentials(&self, link: &LinkId, side: Side) -> Result<(), StoreError>;

    /// Where polling stands.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn cursor(&self, link: &LinkId) -> Result<Option<SourceCursor>, StoreError>;

    /// Moves the cursor, fenced by `lease`.
    ///
    /// # Errors
    /// [`StoreError::LeaseLost`].
    async fn set_cursor(
        &self,
        lease: &Lease,
        cursor: &SourceCursor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Records newly discovered posts, fenced by `lease`; a post already known
    /// for the link is left as it is. Answers how many were new.
    ///
    /// # Errors
    /// [`StoreError::LeaseLost`].
    async fn insert_posts(
        &self,
        lease: &Lease,
        posts: &[PostRecord],
        now: Timestamp,
    ) -> Result<usize, StoreError>;

    /// One post record.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn post(
        &self,
        link: &LinkId,
        source_id: &SourceId,
    ) -> Result<Option<PostRecord>, StoreError>;

    /// Writes `record` over the stored one whose version is `record.version`,
    /// fenced by `lease`; answers the record with its new version.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the stored version differs,
    /// [`StoreError::LeaseLost`] when the lease is no longer current,
    /// [`StoreError::NotFound`] for an unknown post.
    async fn update_post(
        &self,
        lease: &Lease,
        record: &PostRecord,
        now: Timestamp,
    ) -> Result<PostRecord, StoreError>;

    /// [`Store::update_post`] and [`Store::append_events`] together: the state
    /// change and the events that tell of it, in one transaction where the store
    /// has them (the default does the two in turn).
    ///
    /// # Errors
    /// As [`Store::update_post`].
    async fn update_post_logged(
        &self,
        lease: &Lease,
        record: &PostRecord,
        events: &[Event],
        now: Timestamp,
    ) -> Result<PostRecord, StoreError> {
        let next = self.update_post(lease, record, now).await?;
        if !events.is_empty() {
            self.append_events(events).await?;
        }
        Ok(next)
    }

    /// Writes `record` without a lease (a person's approval or rejection), still
    /// compare-and-swap on its version.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] or [`StoreError::NotFound`].
    async fn update_post_unleased(&self, record: &PostRecord) -> Result<PostRecord, StoreError>;

    /// Posts of `link` that are not settled ([`PostRecord::is_settled`]: a final
    /// state and no sync work under way) and are due at `now` (no due time, or
    /// one not after `now`), oldest source post first (publication time, then
    /// [`PostRecord::listing_order`]), at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn due_posts(
        &self,
        link: &LinkId,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<PostRecord>, StoreError>;

    /// Posts matching `query`, oldest source post first (publication time, then
    /// [`PostRecord::listing_order`]).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn posts(&self, query: &PostQuery) -> Result<Vec<PostRecord>, StoreError>;

    /// Posts of `link` whose source post was published at or after `since`,
    /// oldest first: what a listing of the recent window is compared with.
    /// The default reads every post of the link; stores override it with an
    /// indexed query.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn posts_published_since(
        &self,
        link: &LinkId,
        since: Timestamp,
    ) -> Result<Vec<PostRecord>, StoreError> {
        let mut posts = self
            .posts(&PostQuery {
                link: Some(link.clone()),
                ..PostQuery::default()
            })
            .await?;
        posts.retain(|r| r.post.timestamp >= since);
        Ok(posts)
    }

    /// Appends events to the log, giving each its sequence number.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn append_events(&self, events: &[Event]) -> Result<(), StoreError>;

    /// Events matching `query`, newest first.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn events(&self, query: &EventQuery) -> Result<Vec<Event>, StoreError>;

    /// Takes the link's lease for `holder` until `now + ttl` when it is free,
    /// expired or already `holder`'s; `None` when another holder's lease is live.
    /// The generation grows whenever the lease changes hands.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn try_lease(
        &self,
        link: &LinkId,
        holder: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Option<Lease>, StoreError>;

    /// Extends a lease that is still current.
    ///
    /// # Errors
    /// [`StoreError::LeaseLost`] when it expired or changed hands.
    async fn renew_lease(
        &self,
        lease: &Lease,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Lease, StoreError>;

    /// Gives a lease up so another worker can take the link at once.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError>;

    /// Creates or replaces the data-deletion request with `request.code`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn put_deletion_request(&self, request: &DeletionRequest) -> Result<(), StoreError>;

    /// The data-deletion request with confirmation code `code`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn deletion_request(&self, code: &str) -> Result<Option<DeletionRequest>, StoreError>;

    /// Deletes everything stored about `link`, in one transaction: the link,
    /// both sides' credentials, the OAuth 1.0a token, the cursor, the post
    /// records, the events, metric samples, profile snapshot, task times,
    /// paid-read counters and the lease. Answers how many rows of each kind
    /// went; an unknown link answers all zeros. Deletion requests are not the
    /// link's and stay. A worker still holding the link's lease finds it lost
    /// at its next fenced write.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`]; then nothing was deleted.
    async fn forget_link(&self, link: &LinkId) -> Result<ForgetReport, StoreError>;

    /// The link's OAuth 1.0a token, if one was linked.
    ///
    /// # Errors
    /// [`StoreError::WrongKey`] when it cannot be decrypted.
    async fn oauth1_token(&self, link: &LinkId) -> Result<Option<OAuth1Token>, StoreError>;

    /// Stores (or replaces) the link's OAuth 1.0a token, sealed like credentials.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn put_oauth1_token(&self, link: &LinkId, token: &OAuth1Token) -> Result<(), StoreError>;

    /// Deletes the link's OAuth 1.0a token (unlink).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn delete_oauth1_token(&self, link: &LinkId) -> Result<(), StoreError>;

    /// What the link's profile sync last applied.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn profile_snapshot(&self, link: &LinkId) -> Result<Option<ProfileSnapshot>, StoreError>;

    /// Records what the profile sync applied, fenced by `lease`.
    ///
    /// # Errors
    /// [`StoreError::LeaseLost`].
    async fn put_profile_snapshot(
        &self,
        lease: &Lease,
        snapshot: &ProfileSnapshot,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// When the link's periodic `task` (e.g. `profile_sync`, `analytics`) last ran.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn last_run(&self, link: &LinkId, task: &str) -> Result<Option<Timestamp>, StoreError>;

    /// Records that `task` ran at `at`, fenced by `lease`.
    ///
    /// # Errors
    /// [`StoreError::LeaseLost`].
    async fn set_last_run(
        &self,
        lease: &Lease,
        task: &str,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Appends metric samples, fenced by `lease`; they are recorded under the
    /// lease's link.
    ///
    /// # Errors
    /// [`StoreError::LeaseLost`].
    async fn append_metrics(
        &self,
        lease: &Lease,
        samples: &[MetricSample],
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Samples matching `query`, oldest first (ties in post id, then platform order).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn metrics(&self, query: &MetricQuery) -> Result<Vec<MetricSample>, StoreError>;

    /// How many metered reads the link spent in `period` (a name such as
    /// `x:day:2026-11-30`); 0 for a period never spent in.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn reads_spent(&self, link: &LinkId, period: &str) -> Result<u64, StoreError>;

    /// Adds `count` to the reads spent in each of `periods`, together, fenced by
    /// `lease`. Recorded before the reads are made, so a crash never forgets a
    /// read that may have been billed.
    ///
    /// # Errors
    /// [`StoreError::LeaseLost`].
    async fn spend_reads(
        &self,
        lease: &Lease,
        periods: &[String],
        count: u64,
        now: Timestamp,
    ) -> Result<(), StoreError>;
}
