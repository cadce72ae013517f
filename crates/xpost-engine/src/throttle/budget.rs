//! One account's budget: what the platform blocked, and what xpost has spent
//! of its own limits.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use xpost_core::{Clock, RemoteError, RetryKind};

use super::pacing::{Pacing, Window};

/// Why a post held back by [`Pacing::min_publish_spacing`] waits.
const SPACING: &str = "the least spacing between posts has not passed";

/// What kind of call asks to be let through: posts have limits of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// Any call that is not a post.
    Other,
    /// `Target::publish`.
    Publish,
}

/// One account's limits and what has been spent of them; clones share it.
#[derive(Debug, Clone)]
pub struct Budget {
    pacing: Pacing,
    clock: Arc<dyn Clock>,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// The platform's last block, with the error it answered (its `until`
    /// filled in) so that held-back calls fail the same way.
    block: Option<(Timestamp, RemoteError)>,
    /// Starts of the calls let through, oldest first, within `max_calls`.
    calls: VecDeque<Timestamp>,
    /// Starts of the posts let through, oldest first, within `max_publishes`.
    publishes: VecDeque<Timestamp>,
    /// Start of the last post let through.
    last_publish: Option<Timestamp>,
}

impl Budget {
    /// A fresh budget that keeps to `pacing`, reading time from `clock`.
    pub fn new(pacing: Pacing, clock: Arc<dyn Clock>) -> Self {
        Self {
            pacing,
            clock,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// The limits this budget keeps to.
    pub fn pacing(&self) -> &Pacing {
        &self.pacing
    }

    /// When calls will be let through again; `None` when one would be now.
    ///
    /// Covers the platform's block and [`Pacing::max_calls`]; a post may have
    /// to wait longer, see [`Budget::next_publish_at`].
    pub fn blocked_until(&self) -> Option<Timestamp> {
        let now = self.clock.now();
        let mut state = self.lock();
        state.prune(&self.pacing, now);
        state.call_hold(&self.pacing, now).map(|(until, _)| until)
    }

    /// When a post will be let through again; `None` when one would be now.
    ///
    /// Covers everything [`Budget::blocked_until`] does, plus
    /// [`Pacing::max_publishes`] and [`Pacing::min_publish_spacing`].
    pub fn next_publish_at(&self) -> Option<Timestamp> {
        let now = self.clock.now();
        let mut state = self.lock();
        state.prune(&self.pacing, now);
        let call = state.call_hold(&self.pacing, now).map(|(until, _)| until);
        let publish = state
            .publish_hold(&self.pacing, now)
            .map(|(until, _)| until);
        call.max(publish)
    }

    /// Lets one call through and counts it, or says why not.
    ///
    /// Checking and counting happen under one lock, so that concurrent calls
    /// cannot both take the last slot.
    pub(crate) fn admit(&self, call: Call) -> Result<(), RemoteError> {
        let now = self.clock.now();
        let mut state = self.lock();
        state.prune(&self.pacing, now);
        if let Some((_, held)) = state.call_hold(&self.pacing, now) {
            return Err(held);
        }
        if call == Call::Publish {
            if let Some((_, held)) = state.publish_hold(&self.pacing, now) {
                return Err(held);
            }
            state.publishes.push_back(now);
            state.last_publish = Some(now);
        }
        state.calls.push_back(now);
        Ok(())
    }

    /// Learns from a platform's answer: a rate limit or an exhausted quota
    /// blocks every call until it ends.
    pub(crate) fn observe<T>(&self, outcome: &Result<T, RemoteError>) {
        let Err(error) = outcome else { return };
        let now = self.clock.now();
        let until = match error {
            RemoteError::RateLimited { until, .. } | RemoteError::QuotaExhausted { until, .. } => {
                until.unwrap_or_else(|| default_end(error, now))
            }
            _ => return,
        };
        let held = with_until(error, until);
        let mut state = self.lock();
        // Two answers can race; the later end wins, as the platform wants
        // the latest applicable reset waited for.
        if state.block.as_ref().is_none_or(|(end, _)| *end < until) {
            state.block = Some((until, held));
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is consistent after every statement, so a panic elsewhere
        // while holding the lock leaves nothing half-done.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    /// Forgets calls that have left their windows and a block that is over.
    fn prune(&mut self, pacing: &Pacing, now: Timestamp) {
        if self.block.as_ref().is_some_and(|(end, _)| *end <= now) {
            self.block = None;
        }
        forget_before(&mut self.calls, pacing.max_calls, now);
        forget_before(&mut self.publishes, pacing.max_publishes, now);
    }

    /// Why any call must wait, and until when.
    fn call_hold(&self, pacing: &Pacing, now: Timestamp) -> Option<(Timestamp, RemoteError)> {
        if let Some((end, error)) = &self.block {
            return Some((*end, error.clone()));
        }
        let until = window_full(&self.calls, pacing.max_calls)?;
        Some(local_hold(until, now, "the call cap per window is reached"))
    }

    /// Why a post must wait, and until when (after any call is let through).
    fn publish_hold(&self, pacing: &Pacing, now: Timestamp) -> Option<(Timestamp, RemoteError)> {
        let capped = window_full(&self.publishes, pacing.max_publishes);
        let spaced = pacing
            .min_publish_spacing
            .zip(self.last_publish)
            .map(|(spacing, last)| after(last, spacing))
            .filter(|next| *next > now);
        let (until, why) = match (capped, spaced) {
            (Some(cap), Some(space)) if space > cap => (space, SPACING),
            (Some(cap), _) => (cap, "the post cap per window is reached"),
            (None, Some(space)) => (space, SPACING),
            (None, None) => return None,
        };
        Some(local_hold(until, now, why))
    }
}

/// Drops the starts that fell out of `window`.
fn forget_before(starts: &mut VecDeque<Timestamp>, window: Option<Window>, now: Timestamp) {
    let Some(window) = window else {
        starts.clear();
        return;
    };
    while starts
        .front()
        .is_some_and(|start| after(*start, window.per) <= now)
    {
        starts.pop_front();
    }
}

/// When the window frees a slot, if it has none free now.
fn window_full(starts: &VecDeque<Timestamp>, window: Option<Window>) -> Option<Timestamp> {
    let window = window?;
    let full = u32::try_from(starts.len()).unwrap_or(u32::MAX) >= window.calls.get();
    if !full {
        return None;
    }
    // The oldest start leaves the window first; its slot is the next free one.
    starts.front().map(|oldest| after(*oldest, window.per))
}

/// A call xpost holds back itself, answered as the platform would answer it.
fn local_hold(until: Timestamp, now: Timestamp, why: &str) -> (Timestamp, RemoteError) {
    let wait = now.duration_until(until);
    (
        until,
        RemoteError::RateLimited {
            until: Some(until),
            message: format!("held back by xpost's pacing for {wait:#}: {why}"),
        },
    )
}

/// The end of a block whose platform gave none: the wait core prescribes.
fn default_end(error: &RemoteError, now: Timestamp) -> Timestamp {
    match error.retry_kind(now) {
        RetryKind::After(wait) => after(now, wait),
        // Rate limits are always `After`; anything else blocks nothing.
        _ => now,
    }
}

/// `error` with its `until` set to `until`.
fn with_until(error: &RemoteError, until: Timestamp) -> RemoteError {
    match error.clone() {
        RemoteError::RateLimited { message, .. } => RemoteError::RateLimited {
            until: Some(until),
            message,
        },
        RemoteError::QuotaExhausted { message, .. } => RemoteError::QuotaExhausted {
            until: Some(until),
            message,
        },
        other => other,
    }
}

/// `start + span`, saturating at the end of time.
fn after(start: Timestamp, span: Duration) -> Timestamp {
    let span = SignedDuration::try_from(span).unwrap_or(SignedDuration::MAX);
    start.saturating_add(span).unwrap_or(Timestamp::MAX)
}
