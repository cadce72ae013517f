//! Pure cross-posting decisions for xpost: for every Instagram post and every
//! link, whether it goes to X, when, to whom, in what form — and why.
//!
//! # Design
//!
//! Everything here is a pure function of its inputs: no network, no disk
//! (except [`PolicyConfig::load`], which reads the settings file), no clock.
//! The engine hands in the post, the link's [`LinkSettings`], what it knows of
//! the link's past ([`Context`]) and the current time, and gets back a
//! [`Decision`] — post now, post at T, skip because of rule R, or needs
//! review — with the [`Rule`] behind it named after the settings key that
//! governs it, and a trace of every rule looked at. A post held for review
//! carries its rendered posts for the reviewer; once approved it is decided
//! again with [`Context::approved`] set. [`explain()`] lays a decision out
//! for a person (text or JSON). [`render()`] turns a post into the exact X
//! posts, with X's own rules (280 weighted characters, one cashtag, four
//! images or one video) enforced here instead of being discovered as API
//! errors, and notes of what it changed on the way. Because nothing
//! waits on I/O, every rule and every interaction of rules is tested with
//! plain values, and apps can embed the policy as it is.
//!
//! Timing rules only ever move a post later; they never drop it, except that
//! a post is never held past its `filters.max_age` (a user's backfill aside)
//! and a cap set to `skip` skips. Windows follow the local clock across
//! daylight-saving changes. Refusal rules run in a fixed order in which
//! privacy comes first and an opt-out tag beats every include rule; a post
//! nothing of which X can take is refused rather than posted blank.
//!
//! Settings come from code (every section has public fields and documented
//! defaults) or from a TOML file ([`PolicyConfig`]), whose errors name the
//! file, line and key. Every key is described in `docs/configuration.md`.
//!
//! ```no_run
//! use jiff::Timestamp;
//! use xpost_core::{LinkId, SourcePost};
//! use xpost_policy::{Context, PolicyConfig, Verdict, decide};
//!
//! let config = PolicyConfig::load("xpost.toml".as_ref())?;
//! let settings = config.link(&LinkId::new("default")?);
//! let post: SourcePost = serde_json::from_str(r#"{"id": "1", "media_type": "image",
//!     "product_type": "feed", "caption": "Sunset", "timestamp": "2025-06-01T18:30:00Z"}"#)?;
//! let decision = decide(&post, settings, &Context::default(), Timestamp::now());
//! if let Verdict::Skip = decision.verdict {
//!     println!("skipped by {}: {}", decision.rule, decision.reason);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analytics;
pub mod backlog;
pub mod config;
mod decide;
mod error;
mod explain;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod note;
pub mod profile_sync;
pub mod render;
mod rule;
mod schedule;
pub mod settings;
pub mod sync;
mod trace;
mod window;

pub use config::PolicyConfig;
pub use decide::{Audience, Context, Decision, Verdict, decide};
pub use error::PolicyError;
pub use explain::{Explanation, explain};
pub use render::{RenderNote, Rendered, RenderedPost, render};
pub use rule::Rule;
pub use settings::LinkSettings;
pub use sync::{EditMode, SyncSettings};
pub use trace::{Outcome, TraceStep};
pub use window::Window;
