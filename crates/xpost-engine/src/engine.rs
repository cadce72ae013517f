//! [`Engine`]: passes over links, and the calls a front-end makes.

use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use xpost_core::{
    Clock, Event, EventKind, FailureClass, Lease, Link, LinkId, LinkState, Notice, Notifier,
    PostRecord, PostState, RemoteError, Side, Source, SourceCursor, SourceId, Store, StoreError,
};
use xpost_policy::PolicyConfig;

use crate::advance::{Flow, PostWork};
use crate::builder::EngineBuilder;
use crate::connector::Connector;
use crate::error::EngineError;
use crate::limits::Limits;

pub(crate) struct Inner {
    /// Per link and side, when a platform's budget is back (learned from its
    /// answers). Calls made while throttled only extend the block.
    pub(crate) blocked: std::sync::Mutex<std::collections::HashMap<(LinkId, Side), Timestamp>>,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) connector: Arc<dyn Connector>,
    pub(crate) notifier: Arc<dyn Notifier>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) policy: Arc<PolicyConfig>,
    /// A shortener for every link, in place of the one the settings name.
    pub(crate) shortener: Option<Arc<dyn xpost_core::Shortener>>,
    pub(crate) limits: Limits,
    pub(crate) holder: String,
}

/// The engine. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("holder", &self.inner.holder)
            .field("limits", &self.inner.limits)
            .finish_non_exhaustive()
    }
}

/// How a pass over one link ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PassOutcome {
    /// The pass ran to its end.
    Completed,
    /// Another worker holds the link; nothing was done.
    Busy,
    /// The link is not active (pending, disconnected or waiting for a re-link).
    Inactive,
    /// A side's credentials stopped working during the pass; the link waits for a re-link.
    NeedsReauth,
    /// A platform's rate limit stopped the pass early; it resumes after the reset.
    RateLimited,
    /// A platform could not be reached (network, server errors); nothing was
    /// done, the next pass tries again.
    Unreachable,
    /// The lease was lost during the pass (another worker took over).
    LeaseLost,
}

/// What one pass over one link did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassReport {
    /// The link.
    pub link: LinkId,
    /// How the pass ended.
    pub outcome: PassOutcome,
    /// New source posts recorded.
    pub discovered: usize,
    /// Posts that reached the target in this pass.
    pub posted: usize,
    /// Posts skipped by a rule in this pass.
    pub skipped: usize,
    /// Posts that failed for good in this pass.
    pub failed: usize,
    /// When the link next has something to do, if known (a scheduled post, a
    /// retry, a rate-limit reset).
    pub next_due: Option<Timestamp>,
}

impl PassReport {
    fn new(link: LinkId, outcome: PassOutcome) -> Self {
        Self {
            link,
            outcome,
            discovered: 0,
            posted: 0,
            skipped: 0,
            failed: 0,
            next_due: None,
        }
    }
}

/// Options of one sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Also take the newest N source posts, even those older than the link
    /// (age rules do not apply to them).
    pub backfill: Option<usize>,
}

/// What a poll found: the posts not known yet, and where the cursor moves.
struct Listing {
    fresh: Vec<PostRecord>,
    newest: Option<(Timestamp, SourceId)>,
}

impl Listing {
    fn moves_cursor(&self) -> bool {
        self.newest.is_some()
    }
}

/// A lease that renews itself when half spent.
pub(crate) struct LeaseGuard<'a> {
    store: &'a dyn Store,
    clock: &'a dyn Clock,
    ttl: SignedDuration,
    pub(crate) lease: Lease,
}

impl LeaseGuard<'_> {
    /// Runs `work` while renewing the lease every third of its life, so that a
    /// step longer than the lease (a video X is still processing, a slow
    /// upload) keeps the link instead of losing it at every attempt.
    ///
    /// # Errors
    /// [`StoreError::LeaseLost`] (or another store error) when a renewal fails:
    /// `work` is dropped unfinished and its result must not be recorded.
    pub(crate) async fn hold_during<F: std::future::Future>(
        &mut self,
        work: F,
    ) -> Result<F::Output, StoreError> {
        let every = Duration::try_from(self.ttl / 3)
            .unwrap_or(Duration::ZERO)
            .max(Duration::from_millis(100));
        tokio::pin!(work);
        loop {
            tokio::select! {
                out = &mut work => return Ok(out),
                () = tokio::time::sleep(every) => {
                    let now = self.clock.now();
                    self.lease = self.store.renew_lease(&self.lease, now, self.ttl).await?;
                }
            }
        }
    }

    /// The lease, renewed first if more than half of it is spent.
    pub(crate) async fn current(&mut self) -> Result<&Lease, StoreError> {
        let now = self.clock.now();
        let left = now.duration_until(self.lease.expires_at);
        if left < self.ttl / 2 {
            self.lease = self.store.renew_lease(&self.lease, now, self.ttl).await?;
        }
        Ok(&self.lease)
    }
}

fn signed(d: Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)
}

impl Engine {
    /// Starts building an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The store the engine records in.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The engine's bounds.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The engine's clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.inner.clock.clone()
    }

    /// One pass over every active link, at most [`Limits::concurrency`] at once.
    ///
    /// # Errors
    /// [`EngineError::Store`] when the links cannot be listed. A failure of one
    /// link is in its report, not an error of the call.
    pub async fn sync_once(&self, options: SyncOptions) -> Result<Vec<PassReport>, EngineError> {
        let links = self.inner.store.links().await?;
        let mut reports = Vec::with_capacity(links.len());
        let width = self.inner.limits.concurrency.max(1);
        for chunk in links.chunks(width) {
            let passes = chunk.iter().map(|link| {
                let engine = self.clone();
                let id = link.id.clone();
                async move { engine.sync_link(&id, options).await }
            });
            for result in futures_util::future::join_all(passes).await {
                reports.push(result?);
            }
        }
        Ok(reports)
    }

    /// One pass over one link: poll its source, then advance every due post.
    ///
    /// # Errors
    /// [`EngineError::UnknownLink`], or [`EngineError::Store`] when the store
    /// fails (the pass stops; everything done so far is recorded).
    pub async fn sync_link(
        &self,
        id: &LinkId,
        options: SyncOptions,
    ) -> Result<PassReport, EngineError> {
        let span = tracing::info_span!("pass", link = %id);
        let report = self.sync_link_inner(id, options).instrument(span).await;
        if let Ok(report) = &report {
            tracing::info!(
                link = %id,
                outcome = ?report.outcome,
                discovered = report.discovered,
                posted = report.posted,
                skipped = report.skipped,
                failed = report.failed,
                "pass done"
            );
        }
        report
    }

    async fn sync_link_inner(
        &self,
        id: &LinkId,
        options: SyncOptions,
    ) -> Result<PassReport, EngineError> {
        let inner = &*self.inner;
        let link = inner
            .store
            .link(id)
            .await?
            .ok_or_else(|| EngineError::UnknownLink(id.clone()))?;
        let mut report = PassReport::new(id.clone(), PassOutcome::Completed);
        if link.state != LinkState::Active {
            report.outcome = PassOutcome::Inactive;
            return Ok(report);
        }
        let now = inner.clock.now();
        if let Some(until) = self.blocked_until(id, Side::Source, now) {
            report.outcome = PassOutcome::RateLimited;
            report.next_due = Some(until);
            return Ok(report);
        }
        // Everything up to the lease only reads: a poll that finds nothing new
        // and no post waiting costs one source request and no store write.
        let source = match inner.connector.source(&link).await {
            Ok(source) => source,
            Err(e) => return self.link_failure(&link, Side::Source, e, report).await,
        };
        let found = match self.list_new(&link, &*source, options).await {
            Ok(found) => found,
            Err(EngineError::Remote(e)) => {
                return self.link_failure(&link, Side::Source, e, report).await;
            }
            Err(other) => return Err(other),
        };
        if found.fresh.is_empty()
            && !found.moves_cursor()
            && inner.store.due_posts(id, now, 1).await?.is_empty()
        {
            report.next_due = self.next_due(id).await?;
            return Ok(report);
        }
        let ttl = signed(inner.limits.lease_ttl);
        let Some(lease) = inner.store.try_lease(id, &inner.holder, now, ttl).await? else {
            report.outcome = PassOutcome::Busy;
            return Ok(report);
        };
        let mut guard = LeaseGuard {
            store: &*inner.store,
            clock: &*inner.clock,
            ttl,
            lease,
        };
        let result = self.pass(&link, source, found, &mut guard, report).await;
        let release = inner.store.release_lease(&guard.lease).await;
        match result {
            Err(EngineError::Store(StoreError::LeaseLost { .. })) => {
                Ok(PassReport::new(id.clone(), PassOutcome::LeaseLost))
            }
            other => {
                release?;
                other
            }
        }
    }

    async fn pass(
        &self,
        link: &Link,
        source: Arc<dyn Source>,
        found: Listing,
        guard: &mut LeaseGuard<'_>,
        mut report: PassReport,
    ) -> Result<PassReport, EngineError> {
        let inner = &*self.inner;
        report.discovered = self.record_new(link, found, guard).await?;
        let now = inner.clock.now();
        if let Some(until) = self.blocked_until(&link.id, Side::Target, now) {
            report.outcome = PassOutcome::RateLimited;
            report.next_due = Some(until);
            return Ok(report);
        }
        let target = match inner.connector.target(link).await {
            Ok(target) => target,
            Err(e) => return self.link_failure(link, Side::Target, e, report).await,
        };
        let due = inner
            .store
            .due_posts(&link.id, now, inner.limits.posts_per_pass)
            .await?;
        let mut work = PostWork::new(self.inner.clone(), link.clone(), source, target);
        for record in due {
            // An unlink or a lost consent in another process stops the pass here.
            let current = inner.store.link(&link.id).await?;
            if current.as_ref().map(|l| l.state) != Some(LinkState::Active) {
                report.outcome = PassOutcome::Inactive;
                break;
            }
            let before = record.state;
            let span = tracing::info_span!("post", link = %link.id, post = %record.source_id);
            let (after, flow) = work.advance(guard, record).instrument(span).await?;
            if before != after.state {
                match after.state {
                    PostState::Posted => report.posted += 1,
                    PostState::Skipped => report.skipped += 1,
                    PostState::Failed => report.failed += 1,
                    _ => {}
                }
            }
            match flow {
                Flow::Continue => {}
                Flow::StopRateLimited(until) => {
                    if let Some(until) = until {
                        self.block(&link.id, Side::Target, until);
                    }
                    report.outcome = PassOutcome::RateLimited;
                    report.next_due = until;
                    break;
                }
                Flow::StopReauth(side, error) => {
                    return self.link_failure(link, side, error, report).await;
                }
            }
        }
        if report.next_due.is_none() {
            report.next_due = self.next_due(&link.id).await?;
        }
        Ok(report)
    }

    /// Source posts not known yet, oldest first, as new records. Reads only.
    async fn list_new(
        &self,
        link: &Link,
        source: &dyn Source,
        options: SyncOptions,
    ) -> Result<Listing, EngineError> {
        let inner = &*self.inner;
        let cursor = inner.store.cursor(&link.id).await?.unwrap_or_default();
        let mut found = match &cursor.newest_id {
            Some(newest) => {
                source
                    .new_posts(Some(newest), None, inner.limits.poll_batch)
                    .await?
            }
            None => {
                source
                    .new_posts(None, link.active_since, inner.limits.poll_batch)
                    .await?
            }
        };
        found.sort_by(|a, b| (a.timestamp, a.id.as_str()).cmp(&(b.timestamp, b.id.as_str())));
        // The cursor follows what was listed, known or not, so that a crash between
        // recording posts and moving the cursor does not leave it behind for good.
        let newest = found
            .last()
            .map(|p| (p.timestamp, SourceId::from(&p.id)))
            .filter(|(at, _)| cursor.newest_at.is_none_or(|seen| *at > seen));
        if let Some(n) = options.backfill {
            // Up to N of the newest posts from before the link, besides the new ones.
            let before_link = |p: &xpost_core::SourcePost| {
                link.active_since.is_none_or(|since| p.timestamp < since)
            };
            let mut older: Vec<_> = source
                .new_posts(None, None, n.max(1) + inner.limits.poll_batch)
                .await?
                .into_iter()
                .filter(|p| before_link(p) && !found.iter().any(|f| f.id == p.id))
                .collect();
            older.sort_by(|a, b| (b.timestamp, b.id.as_str()).cmp(&(a.timestamp, a.id.as_str())));
            older.truncate(n);
            found.extend(older);
            found.sort_by(|a, b| (a.timestamp, a.id.as_str()).cmp(&(b.timestamp, b.id.as_str())));
        }
        let now = inner.clock.now();
        let mut fresh = Vec::new();
        for post in found {
            let id = SourceId::from(&post.id);
            if inner.store.post(&link.id, &id).await?.is_some() {
                continue;
            }
            let mut record = PostRecord::discovered(link.id.clone(), post, now);
            record.backfill = options.backfill.is_some()
                && link
                    .active_since
                    .is_none_or(|since| record.post.timestamp < since);
            fresh.push(record);
        }
        Ok(Listing { fresh, newest })
    }

    /// Records new posts and moves the cursor past them, under the lease.
    async fn record_new(
        &self,
        link: &Link,
        listing: Listing,
        guard: &mut LeaseGuard<'_>,
    ) -> Result<usize, EngineError> {
        let inner = &*self.inner;
        let now = inner.clock.now();
        let mut inserted = 0;
        if !listing.fresh.is_empty() {
            let lease = guard.current().await?.clone();
            inserted = inner
                .store
                .insert_posts(&lease, &listing.fresh, now)
                .await?;
            let events: Vec<Event> = listing
                .fresh
                .iter()
                .map(|r| {
                    Event::new(
                        now,
                        link.id.clone(),
                        EventKind::Discovered,
                        "new source post",
                    )
                    .for_post(r.source_id.clone())
                })
                .collect();
            inner.store.append_events(&events).await?;
        }
        if let Some((newest_at, newest_id)) = listing.newest {
            let lease = guard.current().await?.clone();
            let next = SourceCursor {
                newest_id: Some(newest_id),
                newest_at: Some(newest_at),
            };
            inner.store.set_cursor(&lease, &next, now).await?;
        }
        Ok(inserted)
    }

    /// The earliest due time of the link's waiting posts.
    async fn next_due(&self, link: &LinkId) -> Result<Option<Timestamp>, EngineError> {
        let posts = self
            .inner
            .store
            .posts(&xpost_core::PostQuery {
                link: Some(link.clone()),
                states: vec![PostState::Scheduled, PostState::Ready, PostState::Sending],
                limit: 0,
            })
            .await?;
        Ok(posts.iter().filter_map(|p| p.due_at).min())
    }

    /// Records a failure that concerns the whole link, not one post.
    async fn link_failure(
        &self,
        link: &Link,
        side: Side,
        error: RemoteError,
        mut report: PassReport,
    ) -> Result<PassReport, EngineError> {
        let inner = &*self.inner;
        let now = inner.clock.now();
        match error {
            RemoteError::Reauth { ref message } => {
                inner
                    .store
                    .set_link_state(&link.id, LinkState::NeedsReauth, Some(side))
                    .await?;
                let platform = link
                    .account(side)
                    .map_or("the platform".to_owned(), |a| a.platform.to_string());
                let hint = format!(
                    "link the {side} account again: xpost link {platform} --link {}",
                    link.id
                );
                let event = Event::new(
                    now,
                    link.id.clone(),
                    EventKind::NeedsReauth,
                    format!("{side} credentials stopped working: {message}"),
                )
                .failure(FailureClass::Reauth, Some(hint.clone()));
                inner.store.append_events(&[event]).await?;
                self.notify(Notice {
                    at: now,
                    link: link.id.clone(),
                    source_id: None,
                    class: FailureClass::Reauth,
                    message: format!(
                        "{side} credentials of link {} stopped working: {message}",
                        link.id
                    ),
                    hint: Some(hint),
                })
                .await;
                report.outcome = PassOutcome::NeedsReauth;
            }
            RemoteError::RateLimited { until, .. } | RemoteError::QuotaExhausted { until, .. } => {
                if let Some(until) = until {
                    self.block(&link.id, side, until);
                }
                report.outcome = PassOutcome::RateLimited;
                report.next_due = until;
            }
            other => {
                // Transient trouble reaching a platform: the next pass tries again.
                tracing::warn!(link = %link.id, %side, error = %other, "pass stopped");
                let event = Event::new(
                    now,
                    link.id.clone(),
                    EventKind::Retrying,
                    format!("{side} unreachable: {other}"),
                )
                .failure(other.class(), None);
                inner.store.append_events(&[event]).await?;
                report.outcome = PassOutcome::Unreachable;
            }
        }
        Ok(report)
    }

    fn block(&self, link: &LinkId, side: Side, until: Timestamp) {
        let mut blocked = self
            .inner
            .blocked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = blocked.entry((link.clone(), side)).or_insert(until);
        *entry = (*entry).max(until);
    }

    fn blocked_until(&self, link: &LinkId, side: Side, now: Timestamp) -> Option<Timestamp> {
        let mut blocked = self
            .inner
            .blocked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match blocked.get(&(link.clone(), side)) {
            Some(until) if *until > now => Some(*until),
            Some(_) => {
                blocked.remove(&(link.clone(), side));
                None
            }
            None => None,
        }
    }

    pub(crate) async fn notify(&self, notice: Notice) {
        notify(&*self.inner.notifier, notice).await;
    }

    /// Approves a post held for review: it is decided again, as approved, in
    /// the link's next pass.
    ///
    /// # Errors
    /// [`EngineError::NotInReview`] when the post is not held for review.
    pub async fn approve(&self, link: &LinkId, source_id: &SourceId) -> Result<(), EngineError> {
        crate::review::approve(&*self.inner.store, link, source_id, self.inner.clock.now()).await
    }

    /// Rejects a post held for review: it is never posted.
    ///
    /// # Errors
    /// [`EngineError::NotInReview`] when the post is not held for review.
    pub async fn reject(&self, link: &LinkId, source_id: &SourceId) -> Result<(), EngineError> {
        crate::review::reject(&*self.inner.store, link, source_id, self.inner.clock.now()).await
    }

    /// Disconnects a link: it stops at once (a pass in another process stops at
    /// its next step), what can be revoked is revoked, the credentials are
    /// deleted, and the history stays.
    ///
    /// # Errors
    /// [`EngineError::UnknownLink`] or [`EngineError::Store`].
    pub async fn unlink(&self, id: &LinkId) -> Result<(), EngineError> {
        let inner = &*self.inner;
        let link = inner
            .store
            .link(id)
            .await?
            .ok_or_else(|| EngineError::UnknownLink(id.clone()))?;
        inner
            .store
            .set_link_state(id, LinkState::Disconnected, None)
            .await?;
        let now = inner.clock.now();
        let mut events = Vec::new();
        for side in [Side::Source, Side::Target] {
            if link.account(side).is_none() {
                continue;
            }
            if let Err(e) = inner.connector.revoke(&link, side).await {
                events.push(
                    Event::new(now, id.clone(), EventKind::Unlinked, format!("{side} tokens could not be revoked ({e}); they are deleted here and expire on their own"))
                        .failure(e.class(), None),
                );
            }
            inner.store.delete_credentials(id, side).await?;
        }
        events.push(Event::new(
            now,
            id.clone(),
            EventKind::Unlinked,
            "unlinked: credentials deleted, history kept",
        ));
        inner.store.append_events(&events).await?;
        Ok(())
    }
}

/// Delivers a notice; a notifier that fails is logged, never fatal to a pass.
pub(crate) async fn notify(notifier: &dyn Notifier, notice: Notice) {
    if let Err(e) = notifier.notify(&notice).await {
        tracing::warn!(link = %notice.link, error = %e, "notice not delivered");
    }
}
