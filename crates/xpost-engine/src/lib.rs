//! The xpost engine: every eligible source post on the target exactly once.
//!
//! The engine drives core's seams: a [`xpost_core::Source`] it polls, a
//! [`xpost_core::Target`] it publishes to, a [`xpost_core::Store`] it records
//! every step in before the step's side effect, and a [`xpost_core::Notifier`]
//! it tells the user through. It names no HTTP or SQL type: the Instagram and X
//! clients meet core's types only in [`adapters`].
//!
//! **Exactly once** rests on three things. Each post's state, and each part's
//! progress, is written before the side effect it leads to. A part whose intent
//! is recorded but whose target id is not is never sent blindly again: the
//! engine first looks for it among the target account's own recent posts
//! (X has no idempotency key). And every write is fenced by the link's lease, so
//! a worker that paused and lost its lease cannot record a stale result over
//! the new owner's.
//!
//! **Keeping in step** after a post went out follows the same rules. When a
//! link's `[sync]` settings ask for it, each poll compares the listing of the
//! recent window with the records of that time (one request per page, none per
//! post); a deleted or edited original becomes sync work on its record, whose
//! deletions, reposts and correction replies are each recorded before they are
//! made and reconciled after a crash like any part.
//!
//! ```
//! use std::sync::Arc;
//! use xpost_core::MemoryStore;
//! use xpost_engine::{Engine, EngineError};
//!
//! # fn demo(connector: Arc<dyn xpost_engine::Connector>) -> Result<(), EngineError> {
//! let engine = Engine::builder()
//!     .store(Arc::new(MemoryStore::new()))
//!     .connector(connector)
//!     .build()?;
//! # let _ = engine;
//! # Ok(())
//! # }
//! ```

pub mod adapters;
mod advance;
mod analytics;
mod backlog;
mod builder;
mod connector;
mod engine;
mod error;
mod forget;
mod limits;
pub mod media;
pub mod notify;
pub mod pause;
mod periodic;
mod profile;
mod quiet;
pub mod review;
mod scheduler;
pub mod throttle;
pub mod tokens;
mod upload;
mod watch;

pub use builder::EngineBuilder;
pub use connector::Connector;
pub use engine::{Engine, PassOutcome, PassReport, PollTimes, SyncOptions};
pub use error::EngineError;
pub use limits::Limits;
pub use scheduler::RunSummary;
