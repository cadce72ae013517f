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
//!   ([`NoShortener`] by default), and its [`ShortenError`].
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

mod error;
mod ids;
mod post;
mod reply;
mod retry;
mod shorten;

pub use error::CoreError;
pub use ids::{IgMediaId, IgUserId, LinkId, XMediaId, XPostId, XUserId};
pub use post::{MediaItem, MediaKind, MediaType, ProductType, SourcePost};
pub use reply::ReplySettings;
pub use retry::RetryKind;
pub use shorten::{NoShortener, ShortenError, Shortener};
