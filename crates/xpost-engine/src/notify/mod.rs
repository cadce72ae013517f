//! Notifiers: how the user hears about trouble.
//!
//! The engine reports a condition (a lost authorization, a link that keeps
//! failing, a post the target refuses) as a [`xpost_core::Notice`] through
//! core's [`xpost_core::Notifier`] seam. This module holds the notifiers
//! xpost ships and the wrapper that keeps them quiet:
//!
//! - [`LogNotifier`] writes each notice as a `tracing` event, for a process
//!   whose logs someone reads;
//! - [`WebhookNotifier`] POSTs each notice as JSON to a URL the user owns,
//!   signed so that the receiver can tell it came from this xpost (see
//!   [the signing scheme](webhook#signing));
//! - [`Deduplicating`] wraps either and delivers a condition once, not once
//!   per retry of the step that keeps hitting it, until the engine says the
//!   condition cleared.
//!
//! Both notifiers mask what looks like a credential in a notice's message
//! and hint (an `access_token=…` query, a `Bearer` token) before it leaves
//! the process: those texts often quote a platform's error, and an error
//! may quote a request.
//!
//! Notifiers retry on their own within a bound and then give up with
//! [`xpost_core::NotifyError`]: a notice is worth a few seconds, never a
//! stalled engine.

mod dedup;
mod log;
mod redact;
pub mod signature;
pub mod webhook;

pub use dedup::Deduplicating;
pub use log::{LogNotifier, NOTICE_TARGET};
pub use signature::WebhookSigner;
pub use webhook::{BuildError, WebhookBuilder, WebhookNotifier};
