//! The domain types every xpost crate shares, and nothing else.
//!
//! `xpost-core` is sans-I/O: it never touches the network, the disk or the
//! clock. It holds what the other crates exchange, so that the Instagram and X
//! clients, the policy and the engine can be put together without any of them
//! passing raw strings across a crate boundary:
//!
//! - typed ids ([`LinkId`], [`IgMediaId`], [`IgUserId`], [`XUserId`],
//!   [`XPostId`], [`XMediaId`]) that are validated once, when they are made;
//! - [`SourcePost`], one Instagram post as the policy sees it, with its
//!   [`MediaItem`]s (a carousel's children in order), in xpost's own JSON
//!   shape (Instagram's wire format is converted by the engine);
//! - [`ReplySettings`], who may answer a post on X;
//! - [`RetryKind`], the one vocabulary in which every failure says what the
//!   caller should do next;
//! - [`Shortener`], the seam through which the engine shortens a permalink
//!   ([`NoShortener`] by default), and its [`ShortenError`];
//! - the engine's seams: [`Source`] and [`Target`] (the two platforms, answering
//!   in one [`RemoteError`]), [`Store`] (links, sealed credentials, the per-post
//!   state machine's [`PostRecord`]s, the event log, leases with fencing),
//!   [`Notifier`] and [`Clock`]; [`MemoryStore`], the reference store; and,
//!   behind the `testing` feature, the conformance suite every store runs.
//!
//! The traits are here, below every implementation, for the same reason the
//! domain types are: the engine depends on the seams, stores and adapters
//! implement them, and neither side knows the other.
//!
//! Times are [`jiff::Timestamp`]s, handed in by whoever owns the clock.
//!
//! ```
//! use xpost_core::{IgMediaId, MediaType, ProductType, SourcePost};
//!
//! let post: SourcePost = serde_json::from_str(r#"{
//!     "id": "17895695668004550",
//!     "media_type": "image",
//!     "product_type": "feed",
//!     "caption": "Sunset #beach",
//!     "permalink": "https://www.instagram.com/p/B38Xyp6nqsS/",
//!     "timestamp": "2025-06-01T18:30:00Z"
//! }"#)?;
//! assert_eq!(post.id, "17895695668004550".parse::<IgMediaId>()?);
//! assert_eq!(post.media_type, MediaType::Image);
//! assert_eq!(post.product_type, ProductType::Feed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod clock;
mod credentials;
mod deletion;
mod error;
mod event;
mod ids;
mod link;
mod memory;
mod metrics;
mod notify;
mod post;
mod profile_state;
mod record;
mod remote;
mod reply;
mod retry;
pub mod rows;
mod seal;
mod shorten;
mod store;
mod sync;
#[cfg(feature = "testing")]
pub mod testing;

pub use clock::{Clock, ManualClock, SystemClock};
pub use credentials::{Credentials, OAuth1Token, Secret, Versioned};
pub use deletion::{DeletionRequest, DeletionState, ForgetReport};
pub use error::CoreError;
pub use event::{Event, EventKind};
pub use ids::{
    AccountId, IgMediaId, IgUserId, LinkId, SourceId, TargetId, TargetMediaId, XMediaId, XPostId,
    XUserId,
};
pub use link::{Account, Link, LinkState, Platform, Side};
pub use memory::MemoryStore;
pub use metrics::{MetricQuery, MetricSample, Metrics};
pub use notify::{Notice, Notifier, NotifyError};
pub use post::{MediaItem, MediaKind, MediaType, ProductType, SourcePost};
pub use profile_state::ProfileSnapshot;
pub use record::{
    Failure, FailureClass, PartProgress, Plan, PlannedPart, PostRecord, PostState, SkipReason,
};
pub use remote::{
    MediaBody, MediaUpload, OutgoingPost, Profile, ProfileApplied, ProfileChange, PublishedPost,
    RemoteError, Source, Target,
};
pub use reply::ReplySettings;
pub use retry::RetryKind;
pub use seal::{SealError, SealingKey};
pub use shorten::{NoShortener, ShortenError, Shortener};
pub use store::{EventQuery, Lease, PostQuery, SourceCursor, Store, StoreError};
pub use sync::{Retraction, SyncAction, SyncWork};
