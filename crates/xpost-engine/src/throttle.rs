//! Pacing as a wrapper: a [`Throttled`] source or target owns its account's
//! [`Budget`], so no call site has to remember the platform's limits.
//!
//! # Why a wrapper
//!
//! Rate limits belong to an account, not to a call site. Scattering "wait
//! before posting" checks through the state machine would let one forgotten
//! path hammer a throttled platform, and Instagram counts calls made while it
//! throttles an account against that account: retrying into a block makes the
//! block longer. So every call to a platform goes through [`Throttled`], which
//! asks the account's [`Budget`] first and tells it what the platform
//! answered.
//!
//! # What the budget enforces
//!
//! - **The platform's own block.** When a call fails with
//!   [`RemoteError::RateLimited`] or [`RemoteError::QuotaExhausted`], every
//!   later call before the block ends fails at once with that same error
//!   (its `until` filled in) and the platform is not called. Without a
//!   server-given end, the block lasts as long as
//!   [`RemoteError::retry_kind`] says to wait.
//! - **A cap of calls per window** ([`Pacing::max_calls`]) and **of posts per
//!   window** ([`Pacing::max_publishes`]), counted over a sliding window, so
//!   that xpost stays under a limit instead of discovering it.
//! - **A minimum spacing between posts** ([`Pacing::min_publish_spacing`]).
//!
//! A call the budget holds back fails fast with [`RemoteError::RateLimited`]
//! whose `until` is the instant it would be let through; the budget never
//! sleeps. The scheduler reads [`Budget::blocked_until`] and
//! [`Budget::next_publish_at`] to compute when a link is next due, instead of
//! polling a blocked platform.
//!
//! Time comes from a [`xpost_core::Clock`], so tests move it by hand.
//!
//! A [`Budget`] is a cheap handle: clones share one account's state, so links
//! that post to the same account share its limits.
//!
//! [`RemoteError::RateLimited`]: xpost_core::RemoteError::RateLimited
//! [`RemoteError::QuotaExhausted`]: xpost_core::RemoteError::QuotaExhausted
//! [`RemoteError::retry_kind`]: xpost_core::RemoteError::retry_kind

mod budget;
mod pacing;
mod wrap;

pub use budget::Budget;
pub use pacing::{Pacing, Window};
pub use wrap::Throttled;
