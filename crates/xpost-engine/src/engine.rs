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
use xpost_policy::backlog::STORY_LIFE;

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
    /// Per link, when this engine last passed over it and, while it runs,
    /// when it will next.
    pub(crate) polls: std::sync::Mutex<std::collections::HashMap<LinkId, PollTimes>>,
}

/// When this engine last polled a link and, while [`Engine::run`] runs, when it
/// will next. Kept in memory: another process's passes are not seen here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PollTimes {
    /// When the last pass over the link ended.
    pub last: Option<Timestamp>,
    /// When the running scheduler will pass over it next; `None` when no
    /// scheduler runs in this process or the link is not active.
    pub next: Option<Timestamp>,
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
    /// The user paused the link; nothing was done.
    Paused,
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
    /// Posts whose deletion or edit sync finished in this pass (deleted on X,
    /// reposted, or answered with a correction).
    pub synced: usize,
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
            synced: 0,
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
    /// Whether even the widest listing was full: older new posts were left out.
    truncated: bool,
    /// The cursor as it was before this poll.
    cursor: SourceCursor,
    /// Whether the stories were to be listed too.
    stories: bool,
    /// Why Instagram refused to list them, when it did.
    stories_refused: Option<RemoteError>,
    /// Whether a backfill was asked for.
    backfill: bool,
    /// When this poll succeeded.
    at: Timestamp,
}

/// The most new posts one pass lists; a backlog beyond it loses its oldest posts,
/// and the pass says so.
const MAX_LISTING: usize = 1000;

/// How stale the recorded time of the last successful poll may grow before a
/// pass that finds nothing still writes it.
const POLL_STAMP_EVERY: SignedDuration = SignedDuration::from_mins(10);

impl Listing {
    fn moves_cursor(&self) -> bool {
        self.newest.is_some() || self.stamps_poll()
    }

    /// Whether the time of this poll is to be recorded.
    fn stamps_poll(&self) -> bool {
        // A poll that could not see the stories does not count as one: the
        // stories published meanwhile are not known to be seen.
        self.stories_refused.is_none()
            && self
                .cursor
                .polled_at
                .is_none_or(|last| last.duration_until(self.at) > POLL_STAMP_EVERY)
    }

    /// How long since the last successful poll, when one is recorded.
    fn gap(&self) -> Option<SignedDuration> {
        self.cursor
            .polled_at
            .map(|last| last.duration_until(self.at))
    }
}

/// A lease that renews itself when half spent.
pub(crate) struct LeaseGuard<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) ttl: SignedDuration,
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

pub(crate) fn signed(d: Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)
}

impl Engine {
    /// Starts building an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
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

    /// When this engine last polled `link`, and when it will next.
    pub fn poll_times(&self, link: &LinkId) -> PollTimes {
        self.polls().get(link).copied().unwrap_or_default()
    }

    pub(crate) fn polls(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<LinkId, PollTimes>> {
        self.inner
            .polls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records when the scheduler will pass over `link` next (`None`: not until
    /// the link list is read again).
    pub(crate) fn set_next_poll(&self, link: &LinkId, next: Option<Timestamp>) {
        self.polls().entry(link.clone()).or_default().next = next;
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
        if let Ok(report) = &report
            && report.outcome != PassOutcome::Inactive
        {
            self.polls().entry(id.clone()).or_default().last = Some(self.inner.clock.now());
        }
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
        let report = self.poll_and_post(id, options).await?;
        if report.outcome == PassOutcome::Completed {
            if let Some(link) = self.inner.store.link(id).await? {
                if link.state == LinkState::Active {
                    self.periodic(&link).await?;
                }
            }
        }
        Ok(report)
    }

    async fn poll_and_post(
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
        if link.is_paused() {
            report.outcome = PassOutcome::Paused;
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
        let changes = match crate::watch::find(inner, &link, &*source).await {
            Ok(changes) => changes,
            Err(EngineError::Remote(e)) => {
                return self.link_failure(&link, Side::Source, e, report).await;
            }
            Err(other) => return Err(other),
        };
        if found.fresh.is_empty()
            && !found.moves_cursor()
            && changes.is_empty()
            && inner.store.due_posts(id, now, 1).await?.is_empty()
        {
            report.next_due = self.next_due(&link).await?;
            return Ok(report);
        }
        let ttl = signed(inner.limits.lease_ttl);
        let Some(lease) = inner.store.try_lease(id, &inner.holder, now, ttl).await? else {
            report.outcome = PassOutcome::Busy;
            return Ok(report);
        };
        // An unlink or forget may have come between reading the link and
        // taking its lease.
        if !crate::forget::held_link_is_active(&*inner.store, &lease).await? {
            report.outcome = PassOutcome::Inactive;
            return Ok(report);
        }
        let mut guard = LeaseGuard {
            store: &*inner.store,
            clock: &*inner.clock,
            ttl,
            lease,
        };
        let result = self
            .pass(&link, source, found, changes, &mut guard, report)
            .await;
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
        changes: Vec<crate::watch::Change>,
        guard: &mut LeaseGuard<'_>,
        mut report: PassReport,
    ) -> Result<PassReport, EngineError> {
        let inner = &*self.inner;
        report.discovered = self.record_new(link, found, guard).await?;
        crate::watch::record(inner, link, guard, changes).await?;
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
            if current.as_ref().is_some_and(Link::is_paused) {
                report.outcome = PassOutcome::Paused;
                break;
            }
            let before = record.state;
            let syncing = record.sync.as_ref().is_some_and(|w| !w.is_done());
            let span = tracing::info_span!("post", link = %link.id, post = %record.source_id);
            let (after, flow) = work.advance(guard, record).instrument(span).await?;
            if syncing && after.sync.as_ref().is_some_and(|w| w.is_done()) {
                report.synced += 1;
            }
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
            report.next_due = self.next_due(link).await?;
        }
        Ok(report)
    }

    /// Source posts not known yet, oldest first in Instagram's order, as new
    /// records (stories too when the link shares them). Reads only.
    async fn list_new(
        &self,
        link: &Link,
        source: &dyn Source,
        options: SyncOptions,
    ) -> Result<Listing, EngineError> {
        let inner = &*self.inner;
        let settings = inner.policy.link(&link.id);
        let cursor = inner.store.cursor(&link.id).await?.unwrap_or_default();
        // Newest first, as Instagram lists them.
        // A listing that fills its limit may have left older new posts behind
        // (after an outage or a pause): it is made again, wider, so that the
        // cursor never moves past posts nobody looked at.
        let mut limit = inner.limits.poll_batch.max(1);
        let (mut listed, truncated) = loop {
            let listed = match &cursor.newest_id {
                Some(newest) => source.new_posts(Some(newest), None, limit).await?,
                None => source.new_posts(None, link.active_since, limit).await?,
            };
            if listed.len() < limit {
                break (listed, false);
            }
            if limit >= MAX_LISTING {
                break (listed, true);
            }
            limit = limit.saturating_mul(4).min(MAX_LISTING);
        };
        // The cursor follows what was listed, known or not, so that a crash between
        // recording posts and moving the cursor does not leave it behind for good.
        let newest = oldest_first(listed.clone())
            .last()
            .map(|p| (p.timestamp, SourceId::from(&p.id)))
            .filter(|(at, _)| cursor.newest_at.is_none_or(|seen| *at > seen));
        if let Some(n) = options.backfill {
            // Up to N of the newest posts from before the link, besides the new ones.
            let before_link = |p: &xpost_core::SourcePost| {
                link.active_since.is_none_or(|since| p.timestamp < since)
            };
            let older: Vec<_> = source
                .new_posts(None, None, n.max(1) + inner.limits.poll_batch)
                .await?
                .into_iter()
                .filter(|p| before_link(p) && !listed.iter().any(|f| f.id == p.id))
                .take(n)
                .collect();
            listed.extend(older);
        }
        let stories = settings.content.stories;
        let mut stories_refused = None;
        if stories {
            match source.stories().await {
                // Stories from before the link are not the link's to share.
                Ok(live) => listed.extend(
                    live.into_iter()
                        .filter(|p| link.active_since.is_none_or(|since| p.timestamp >= since)),
                ),
                // The account cannot list stories (a permission, a refusal): the
                // feed goes on, and the refusal is logged in the pass.
                Err(e @ (RemoteError::MissingScope { .. } | RemoteError::Rejected { .. })) => {
                    tracing::warn!(link = %link.id, error = %e, "stories not listed; the feed goes on");
                    stories_refused = Some(e);
                }
                Err(e) => return Err(e.into()),
            }
        }
        let now = inner.clock.now();
        let mut fresh = Vec::new();
        for post in oldest_first(listed) {
            let id = SourceId::from(&post.id);
            if inner.store.post(&link.id, &id).await?.is_some()
                || fresh.iter().any(|r: &PostRecord| r.source_id == id)
            {
                continue;
            }
            let mut record = PostRecord::discovered(link.id.clone(), post, now);
            record.listing_order = PostRecord::listing_order_at(now, fresh.len());
            record.backfill = options.backfill.is_some()
                && link
                    .active_since
                    .is_none_or(|since| record.post.timestamp < since);
            fresh.push(record);
        }
        Ok(Listing {
            fresh,
            newest,
            truncated,
            cursor,
            stories,
            stories_refused,
            backfill: options.backfill.is_some(),
            at: now,
        })
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
        let settings = inner.policy.link(&link.id);
        let mut inserted = 0;
        let mut listing = listing;
        if let Some(refused) = &listing.stories_refused {
            let event = Event::new(
                now,
                link.id.clone(),
                EventKind::Retrying,
                format!("Instagram refused to list the stories: {refused}"),
            )
            .failure(
                refused.class(),
                Some("check the Instagram account's permissions (xpost doctor), or set content.stories = false".into()),
            );
            inner.store.append_events(&[event]).await?;
        } else if listing.stories {
            self.missed_stories(link, &listing).await?;
        }
        if listing.truncated {
            let event = Event::new(
                now,
                link.id.clone(),
                EventKind::Backlog,
                format!("more than {MAX_LISTING} new posts: the older ones were not listed and are not cross-posted"),
            )
            .failure(FailureClass::Config, Some("use xpost sync --once --backfill N for posts a backlog left out".into()));
            inner.store.append_events(&[event]).await?;
        }
        if !listing.fresh.is_empty() {
            let mut events: Vec<Event> = listing
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
            let feed = listing
                .fresh
                .iter()
                .filter(|r| r.post.product_type != xpost_core::ProductType::Story)
                .count();
            let gap = listing.gap();
            if settings.backlog.is_backlog(feed, gap, listing.backfill) {
                let why = if listing.backfill {
                    "by a backfill".to_owned()
                } else if gap.is_some_and(|g| g > settings.backlog.after_gap) {
                    format!(
                        "{:#} after the last successful poll",
                        gap.unwrap_or_default()
                            .round(jiff::Unit::Second)
                            .unwrap_or_default()
                    )
                } else {
                    "in one poll".to_owned()
                };
                events.extend(crate::backlog::apply(
                    &link.id,
                    &settings.backlog,
                    &mut listing.fresh,
                    &why,
                    now,
                ));
            }
            let lease = guard.current().await?.clone();
            inserted = inner
                .store
                .insert_posts(&lease, &listing.fresh, now)
                .await?;
            inner.store.append_events(&events).await?;
        }
        if listing.moves_cursor() {
            let lease = guard.current().await?.clone();
            let (newest_id, newest_at) = match listing.newest {
                Some((at, id)) => (Some(id), Some(at)),
                None => (listing.cursor.newest_id.clone(), listing.cursor.newest_at),
            };
            let next = SourceCursor {
                newest_id,
                newest_at,
                polled_at: Some(listing.at),
            };
            inner.store.set_cursor(&lease, &next, now).await?;
        }
        Ok(inserted)
    }

    /// Records, and notifies, the stories that expired unseen because no poll
    /// succeeded for more than a story's life before this one: those published
    /// between the last successful poll and 24 hours ago. Nothing is claimed
    /// when no earlier poll is recorded.
    async fn missed_stories(&self, link: &Link, listing: &Listing) -> Result<(), EngineError> {
        let Some(last) = listing.cursor.polled_at else {
            return Ok(());
        };
        let Ok(horizon) = listing.at.checked_sub(STORY_LIFE) else {
            return Ok(());
        };
        if last >= horizon {
            return Ok(());
        }
        let (class, cause) = self.gap_cause(&link.id, last).await?;
        let gap = last
            .duration_until(listing.at)
            .round(jiff::Unit::Minute)
            .unwrap_or_default();
        let message = format!(
            "stories published between {last} and {horizon} may have expired unseen: no poll succeeded for {gap:#} ({cause}), longer than a story lives"
        );
        let hint = "keep the link polled at least once a day while it shares stories (stories.poll_within)";
        let event = Event::new(
            listing.at,
            link.id.clone(),
            EventKind::StoryMissed,
            message.clone(),
        )
        .failure(class, Some(hint.into()));
        self.inner.store.append_events(&[event]).await?;
        self.notify(Notice {
            at: listing.at,
            link: link.id.clone(),
            source_id: None,
            class,
            message: format!("link {}: {message}", link.id),
            hint: Some(hint.into()),
        })
        .await;
        Ok(())
    }

    /// Why no poll succeeded since `since`, from the link's log: a pause, a
    /// re-link awaited, a platform that could not be reached, or no pass at all.
    async fn gap_cause(
        &self,
        link: &LinkId,
        since: Timestamp,
    ) -> Result<(FailureClass, &'static str), EngineError> {
        let events = self
            .inner
            .store
            .events(&xpost_core::EventQuery {
                link: Some(link.clone()),
                kinds: vec![
                    EventKind::Paused,
                    EventKind::NeedsReauth,
                    EventKind::Retrying,
                ],
                limit: 20,
                ..xpost_core::EventQuery::default()
            })
            .await?;
        let during: Vec<EventKind> = events
            .iter()
            .filter(|e| e.at >= since && (e.kind != EventKind::Retrying || e.source_id.is_none()))
            .map(|e| e.kind)
            .collect();
        Ok(if during.contains(&EventKind::Paused) {
            (FailureClass::Config, "the link was paused")
        } else if during.contains(&EventKind::NeedsReauth) {
            (FailureClass::Reauth, "the link waited for a re-link")
        } else if during.contains(&EventKind::Retrying) {
            (FailureClass::Transient, "Instagram could not be reached")
        } else {
            (FailureClass::Transient, "no pass ran")
        })
    }

    /// The earliest due time of the link's waiting posts, and no later than
    /// the next look at its stories when it shares them.
    async fn next_due(&self, link: &Link) -> Result<Option<Timestamp>, EngineError> {
        let posts = self
            .inner
            .store
            .posts(&xpost_core::PostQuery {
                link: Some(link.id.clone()),
                states: vec![PostState::Scheduled, PostState::Ready, PostState::Sending],
                limit: 0,
            })
            .await?;
        let waiting = posts.iter().filter_map(|p| p.due_at).min();
        let settings = self.inner.policy.link(&link.id);
        if !settings.content.stories {
            return Ok(waiting);
        }
        let stories = self
            .inner
            .clock
            .now()
            .checked_add(settings.stories.poll_within)
            .ok();
        Ok(match (waiting, stories) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
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
                // Unlinked (or deauthorized by the platform) while this pass
                // ran: the refusal is that, and the link stays disconnected.
                let current = inner.store.link(&link.id).await?;
                if current.is_none_or(|l| l.state == LinkState::Disconnected) {
                    report.outcome = PassOutcome::Inactive;
                    return Ok(report);
                }
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

    pub(crate) fn blocked_until(
        &self,
        link: &LinkId,
        side: Side,
        now: Timestamp,
    ) -> Option<Timestamp> {
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

    /// Pauses a link: see [`crate::pause::pause`].
    ///
    /// # Errors
    /// [`EngineError::UnknownLink`] or [`EngineError::Store`].
    pub async fn pause(&self, id: &LinkId) -> Result<(), EngineError> {
        crate::pause::pause(&*self.inner.store, id, self.inner.clock.now()).await
    }

    /// Resumes a paused link: see [`crate::pause::resume`].
    ///
    /// # Errors
    /// [`EngineError::UnknownLink`] or [`EngineError::Store`].
    pub async fn resume(&self, id: &LinkId) -> Result<(), EngineError> {
        crate::pause::resume(&*self.inner.store, id, self.inner.clock.now()).await
    }

    /// The posts held for review (of one link, or of all), oldest first, each
    /// with the text of every tweet it would make.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub async fn review_queue(
        &self,
        link: Option<&LinkId>,
    ) -> Result<Vec<crate::review::Held>, EngineError> {
        crate::review::queue(&*self.inner.store, link).await
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
        // OAuth 1.0a tokens cannot be revoked by the app (the user does it in X's
        // settings); deleting ours makes them unusable from here.
        inner.store.delete_oauth1_token(id).await?;
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

/// `listed` (newest first, as Instagram lists) oldest first: by publication
/// time, and for posts of the same second in the reverse of the listing, which
/// is Instagram's own order whatever the ids say.
fn oldest_first(mut listed: Vec<xpost_core::SourcePost>) -> Vec<xpost_core::SourcePost> {
    listed.reverse();
    listed.sort_by_key(|p| p.timestamp);
    listed
}

/// Delivers a notice; a notifier that fails is logged, never fatal to a pass.
pub(crate) async fn notify(notifier: &dyn Notifier, notice: Notice) {
    if let Err(e) = notifier.notify(&notice).await {
        tracing::warn!(link = %notice.link, error = %e, "notice not delivered");
    }
}
