//! `run`: every link polled on its own schedule, from a timer heap.
//!
//! Each link has one entry in a min-heap keyed by the instant it is next due, so a
//! tick costs in proportion to the links that are due, not to all links. A pass
//! answers when the link next has something to do (a scheduled post, a retry, a
//! rate-limit reset); otherwise the link comes back after the poll interval, with
//! jitter so that many links do not poll in lockstep. One slow or throttled link
//! never delays the others: passes run concurrently up to a bound, and a link is
//! never in two passes at once.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::future::Future;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tokio::task::JoinSet;
use xpost_core::LinkId;

use crate::engine::{Engine, PassOutcome, PassReport, SyncOptions};
use crate::error::EngineError;

/// What a run did, once it stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// Passes made.
    pub passes: u64,
    /// Posts that reached the target.
    pub posted: u64,
    /// Posts that failed for good.
    pub failed: u64,
    /// Passes that ended in an error of the store (each was retried later).
    pub errors: u64,
}

/// Links waiting for their next pass, earliest first.
#[derive(Default)]
pub(crate) struct Schedule {
    heap: BinaryHeap<Reverse<(Timestamp, LinkId)>>,
    known: HashSet<LinkId>,
}

impl Schedule {
    /// Adds a link that is not scheduled or in flight yet.
    pub(crate) fn add(&mut self, link: LinkId, at: Timestamp) {
        if self.known.insert(link.clone()) {
            self.heap.push(Reverse((at, link)));
        }
    }

    /// Puts a link that came back from a pass in again.
    pub(crate) fn requeue(&mut self, link: LinkId, at: Timestamp) {
        self.heap.push(Reverse((at, link)));
    }

    /// Forgets a link (it is gone from the store).
    pub(crate) fn forget(&mut self, link: &LinkId) {
        self.known.remove(link);
    }

    /// The next link if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Timestamp) -> Option<LinkId> {
        match self.heap.peek() {
            Some(Reverse((at, _))) if *at <= now => self.heap.pop().map(|Reverse((_, l))| l),
            _ => None,
        }
    }

    /// When the earliest link is due.
    pub(crate) fn next_at(&self) -> Option<Timestamp> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Links scheduled (not in flight).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}

fn add(at: Timestamp, d: Duration) -> Timestamp {
    at.checked_add(SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX))
        .unwrap_or(Timestamp::MAX)
}

impl Engine {
    /// Polls every link on its schedule until `shutdown` completes, then lets the
    /// passes in flight finish (each stops at its next step boundary) and returns.
    /// Links added or unlinked while it runs are picked up within one poll interval.
    ///
    /// # Errors
    /// [`EngineError::Store`] when the links cannot be listed at start.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<RunSummary, EngineError> {
        let limits = self.limits().clone();
        let clock = self.clock();
        let mut schedule = Schedule::default();
        let mut summary = RunSummary::default();
        let mut in_flight: JoinSet<(LinkId, Result<PassReport, EngineError>)> = JoinSet::new();
        let refresh_every = limits.poll_interval.max(Duration::from_secs(1));
        let mut next_refresh = clock.now();
        tokio::pin!(shutdown);
        loop {
            let now = clock.now();
            if now >= next_refresh {
                for link in self.store().links().await? {
                    if link.state == xpost_core::LinkState::Active
                        && self.poll_times(&link.id).next.is_none()
                    {
                        self.set_next_poll(&link.id, Some(now));
                    }
                    schedule.add(link.id, now);
                }
                next_refresh = add(now, refresh_every);
            }
            while in_flight.len() < limits.concurrency.max(1) {
                let Some(link) = schedule.pop_due(now) else {
                    break;
                };
                let engine = self.clone();
                in_flight.spawn(async move {
                    let report = engine.sync_link(&link, SyncOptions::default()).await;
                    (link, report)
                });
            }
            let wake = schedule
                .next_at()
                .map_or(next_refresh, |at| at.min(next_refresh));
            let sleep_for = Duration::try_from(now.duration_until(wake)).unwrap_or(Duration::ZERO);
            tokio::select! {
                () = &mut shutdown => break,
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    if let Ok((link, result)) = done {
                        let at = self.next_pass_at(&link, result, &mut summary, &mut schedule);
                        self.set_next_poll(&link, at);
                        if let Some(at) = at {
                            schedule.requeue(link, at);
                        }
                    }
                }
                () = tokio::time::sleep(sleep_for.max(Duration::from_millis(5))) => {}
            }
        }
        // Graceful: the passes in flight finish their current step and stop.
        while let Some(done) = in_flight.join_next().await {
            if let Ok((link, result)) = done {
                self.next_pass_at(&link, result, &mut summary, &mut schedule);
            }
        }
        // Nothing is scheduled any more.
        for times in self.polls().values_mut() {
            times.next = None;
        }
        Ok(summary)
    }

    /// When `link` should be passed over next, given how its pass ended; `None`
    /// forgets it until the next refresh of the link list.
    fn next_pass_at(
        &self,
        link: &LinkId,
        result: Result<PassReport, EngineError>,
        summary: &mut RunSummary,
        schedule: &mut Schedule,
    ) -> Option<Timestamp> {
        let limits = self.limits();
        let now = self.clock().now();
        let jitter = 0.9 + 0.2 * rand::random::<f64>();
        let regular = add(now, limits.poll_interval.mul_f64(jitter));
        summary.passes += 1;
        match result {
            Ok(report) => {
                summary.posted += report.posted as u64;
                summary.failed += report.failed as u64;
                match report.outcome {
                    PassOutcome::Inactive => {
                        schedule.forget(link);
                        None
                    }
                    PassOutcome::Busy | PassOutcome::LeaseLost => {
                        Some(add(now, limits.lease_ttl / 2))
                    }
                    _ => Some(
                        report
                            .next_due
                            .map_or(regular, |due| due.max(now).min(regular)),
                    ),
                }
            }
            Err(EngineError::UnknownLink(_)) => {
                schedule.forget(link);
                None
            }
            Err(e) => {
                summary.errors += 1;
                tracing::warn!(link = %link, error = %e, "pass failed; retried later");
                Some(add(now, limits.backoff_base))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn link(name: &str) -> LinkId {
        LinkId::new(name).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn only_due_links_come_out_earliest_first() {
        let mut s = Schedule::default();
        s.add(link("b"), at(20));
        s.add(link("a"), at(10));
        s.add(link("c"), at(30));
        s.add(link("a"), at(0));
        assert_eq!(s.len(), 3, "a link is scheduled once");
        assert_eq!(s.pop_due(at(5)), None);
        assert_eq!(s.pop_due(at(25)), Some(link("a")));
        assert_eq!(s.pop_due(at(25)), Some(link("b")));
        assert_eq!(s.pop_due(at(25)), None);
        assert_eq!(s.next_at(), Some(at(30)));
    }
}
