//! The per-post, per-part state machine. Every step is written to the store
//! before its side effect: a part's intent before it is published, its target
//! id right after. A part with an intent and no id is the one case where a
//! crash leaves doubt, and [`PostWork::reconcile`] settles it by looking at what
//! the target actually holds before anything is sent again.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use xpost_core::ProductType;
use xpost_core::Shortener;
use xpost_core::{
    Event, EventKind, Failure, FailureClass, Link, LinkId, Notice, OutgoingPost, PartProgress,
    Plan, PlannedPart, PostQuery, PostRecord, PostState, RemoteError, RetryKind, Side, SkipReason,
    Source, Target, TargetId,
};
use xpost_policy::backlog::STORY_LIFE;
use xpost_policy::render::link_for;
use xpost_policy::settings::ShortenerKind;
use xpost_policy::{Context, Verdict, decide};

use crate::engine::{Inner, LeaseGuard, notify};
use crate::error::EngineError;
use crate::upload::upload_item;

/// When `post` expires on Instagram, if it is a story.
fn story_expiry(post: &xpost_core::SourcePost) -> Option<Timestamp> {
    if post.product_type != ProductType::Story {
        return None;
    }
    post.timestamp.checked_add(STORY_LIFE).ok()
}
mod sync;

/// What the pass does after a post.
#[derive(Debug)]
pub(crate) enum Flow {
    /// Go on with the next post.
    Continue,
    /// The platform's budget is spent until this instant: stop the pass.
    StopRateLimited(Option<Timestamp>),
    /// A side's credentials stopped working: stop the pass, the link needs a re-link.
    StopReauth(Side, RemoteError),
}

/// Advances posts of one link within one pass.
pub(crate) struct PostWork {
    inner: Arc<Inner>,
    link: Link,
    source: Arc<dyn Source>,
    target: Arc<dyn Target>,
    context: Option<Context>,
    /// The link's shortener, built once per pass; `Some(None)` when it has none.
    shortener: Option<Option<Arc<dyn Shortener>>>,
    /// Events that go to the store with the next write of the post's record, in
    /// the same transaction.
    pending: Vec<Event>,
}

/// What one attempt at a post ended with, before it is recorded.
enum Step {
    /// Keep going in the same post.
    Next(PostRecord),
    /// The post waits (final, scheduled, held, or retrying later).
    Stop(PostRecord, Flow),
}

impl PostWork {
    pub(crate) fn new(
        inner: Arc<Inner>,
        link: Link,
        source: Arc<dyn Source>,
        target: Arc<dyn Target>,
    ) -> Self {
        Self {
            inner,
            link,
            source,
            target,
            context: None,
            shortener: None,
            pending: Vec::new(),
        }
    }

    fn link_id(&self) -> &LinkId {
        &self.link.id
    }

    /// Advances one post as far as it can go now; answers its new record.
    pub(crate) async fn advance(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
    ) -> Result<(PostRecord, Flow), EngineError> {
        // Bounded: each round moves the post to a later state or stops.
        for _ in 0..64 {
            let syncing = record.sync.as_ref().is_some_and(|w| !w.is_done());
            let step = match record.state {
                _ if syncing => self.sync_step(guard, record).await?,
                PostState::Discovered | PostState::Scheduled | PostState::NeedsReview => {
                    self.decide(guard, record).await?
                }
                PostState::NeedsReauth if record.plan.is_none() => {
                    self.decide(guard, record).await?
                }
                PostState::Ready | PostState::Sending | PostState::NeedsReauth => {
                    self.send(guard, record).await?
                }
                PostState::Posted | PostState::Skipped | PostState::Failed => {
                    Step::Stop(record, Flow::Continue)
                }
                // A state added later is left alone by this engine.
                _ => Step::Stop(record, Flow::Continue),
            };
            match step {
                Step::Next(next) => record = next,
                Step::Stop(last, flow) => {
                    self.flush().await?;
                    return Ok((last, flow));
                }
            }
        }
        self.flush().await?;
        Ok((record, Flow::Continue))
    }

    /// Writes the record, with the events noted since the last write.
    async fn write(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        record: &PostRecord,
    ) -> Result<PostRecord, EngineError> {
        let lease = guard.current().await?.clone();
        let events = std::mem::take(&mut self.pending);
        Ok(self
            .inner
            .store
            .update_post_logged(&lease, record, &events, self.inner.clock.now())
            .await?)
    }

    /// Notes an event about `record`; it is stored with the record's next write.
    fn note(&mut self, record: &PostRecord, kind: EventKind, message: impl Into<String>) {
        self.note_event(
            Event::new(
                self.inner.clock.now(),
                self.link_id().clone(),
                kind,
                message,
            )
            .for_post(record.source_id.clone()),
        );
    }

    fn note_event(&mut self, event: Event) {
        self.pending.push(event);
    }

    /// Stores events noted but not written with a record.
    async fn flush(&mut self) -> Result<(), EngineError> {
        if !self.pending.is_empty() {
            let events = std::mem::take(&mut self.pending);
            self.inner.store.append_events(&events).await?;
        }
        Ok(())
    }

    /// The policy context of this link, computed once per pass.
    async fn context(&mut self) -> Result<Context, EngineError> {
        if let Some(ctx) = &self.context {
            return Ok(ctx.clone());
        }
        let now = self.inner.clock.now();
        let month_start = now
            .to_zoned(jiff::tz::TimeZone::UTC)
            .first_of_month()
            .and_then(|d| d.start_of_day())
            .map(|z| z.timestamp())
            .unwrap_or(now);
        let posted = self
            .inner
            .store
            .posts(&PostQuery {
                link: Some(self.link.id.clone()),
                states: vec![PostState::Posted, PostState::Sending],
                limit: 0,
            })
            .await?;
        let window = now
            .checked_sub(SignedDuration::from_hours(24 * 31))
            .unwrap_or(now);
        let mut recent_posts = Vec::new();
        let mut spent = 0.0;
        for record in &posted {
            let Some(sent_at) = record.parts.iter().filter_map(|p| p.intent_at).max() else {
                continue;
            };
            if sent_at >= window {
                recent_posts.push(sent_at);
            }
            if sent_at >= month_start {
                spent += record.plan.as_ref().map_or(0.0, |p| p.estimated_cost_usd);
            }
        }
        let ctx = Context {
            linked_at: self.link.active_since,
            recent_posts,
            spent_this_month_usd: spent,
            ..Context::default()
        };
        self.context = Some(ctx.clone());
        Ok(ctx)
    }

    async fn decide(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
    ) -> Result<Step, EngineError> {
        // Before the review hold: a held story that expired is reported, not left
        // waiting for a reviewer who can no longer help.
        if let Some(expired) = self.expired_story(&record) {
            return self.story_expired(guard, record, expired).await;
        }
        if record.state == PostState::NeedsReview && !record.approved {
            return Ok(Step::Stop(record, Flow::Continue));
        }
        let mut ctx = self.context().await?;
        ctx.first_seen = Some(record.discovered_at);
        ctx.backfill = record.backfill;
        ctx.approved = record.approved;
        ctx.link = self.short_link(&record).await;
        let now = self.inner.clock.now();
        let settings = self.inner.policy.link(self.link_id());
        let decision = decide(&record.post, settings, &ctx, now);
        let before = record.state;
        let plan = decision.rendered.as_ref().map(|rendered| Plan {
            parts: rendered
                .posts
                .iter()
                .map(|p| PlannedPart {
                    text: p.text.clone(),
                    media: p.media.clone(),
                })
                .collect(),
            reply_settings: decision.audience.reply_settings,
            estimated_cost_usd: rendered.estimated_cost_usd,
        });
        match decision.verdict {
            Verdict::Skip => {
                record.state = PostState::Skipped;
                record.due_at = None;
                record.skip = Some(SkipReason {
                    rule: decision.rule.key().to_owned(),
                    reason: decision.reason.clone(),
                });
                self.note(
                    &record,
                    EventKind::Skipped,
                    format!("{} ({})", decision.reason, decision.rule.key()),
                );
                let record = self.write(guard, &record).await?;
                Ok(Step::Stop(record, Flow::Continue))
            }
            Verdict::PostAt(at) => {
                let changed = before != PostState::Scheduled || record.due_at != Some(at);
                record.state = PostState::Scheduled;
                record.due_at = Some(at);
                let record = if changed {
                    self.note(
                        &record,
                        EventKind::Scheduled,
                        format!("to go at {at}: {}", decision.reason),
                    );
                    self.write(guard, &record).await?
                } else {
                    record
                };
                Ok(Step::Stop(record, Flow::Continue))
            }
            Verdict::NeedsReview => {
                record.state = PostState::NeedsReview;
                // Not due until someone approves it; a story is looked at again
                // when it expires, to report it if nobody decided in time.
                record.due_at = Some(story_expiry(&record.post).unwrap_or(Timestamp::MAX));
                record.plan = plan;
                self.note(&record, EventKind::HeldForReview, decision.reason.clone());
                let record = self.write(guard, &record).await?;
                notify(
                    &*self.inner.notifier,
                    Notice {
                        at: now,
                        link: self.link_id().clone(),
                        source_id: Some(record.source_id.clone()),
                        class: FailureClass::Config,
                        message: format!(
                            "post {} is held for review: {}",
                            record.source_id, decision.reason
                        ),
                        hint: Some(format!(
                            "xpost review approve {} or xpost review reject {}",
                            record.source_id, record.source_id
                        )),
                    },
                )
                .await;
                Ok(Step::Stop(record, Flow::Continue))
            }
            Verdict::PostNow => {
                let Some(plan) = plan else {
                    return self
                        .fail(
                            guard,
                            record,
                            FailureClass::Config,
                            "policy decided to post but rendered nothing".into(),
                            None,
                        )
                        .await;
                };
                record.parts = vec![PartProgress::default(); plan.parts.len()];
                record.plan = Some(plan);
                record.state = PostState::Ready;
                record.due_at = None;
                // Written with the first part's intent: nothing is sent before then,
                // so a crash in between only means deciding again.
                self.note(&record, EventKind::Decided, decision.reason.clone());
                Ok(Step::Next(record))
            }
            // A verdict added later: leave the post for a newer engine.
            _ => Ok(Step::Stop(record, Flow::Continue)),
        }
    }

    /// When `record` is a story that expired before anything of it went out.
    fn expired_story(&self, record: &PostRecord) -> Option<Timestamp> {
        let expired = story_expiry(&record.post)?;
        (self.inner.clock.now() >= expired).then_some(expired)
    }

    /// Records a known story that expired before it was posted: skipped with
    /// the reason, logged as a missed story, and notified.
    async fn story_expired(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
        expired: Timestamp,
    ) -> Result<Step, EngineError> {
        let reason = format!(
            "the story expired at {expired} before it could be posted (it was seen at {})",
            record.discovered_at
        );
        record.state = PostState::Skipped;
        record.due_at = None;
        record.skip = Some(SkipReason {
            rule: "content.stories".into(),
            reason: reason.clone(),
        });
        self.note(&record, EventKind::StoryMissed, reason.clone());
        let record = self.write(guard, &record).await?;
        notify(
            &*self.inner.notifier,
            Notice {
                at: self.inner.clock.now(),
                link: self.link_id().clone(),
                source_id: Some(record.source_id.clone()),
                class: FailureClass::Transient,
                message: format!("story {} of link {}: {reason}", record.source_id, self.link.id),
                hint: Some(
                    "stories go out soon after they are seen unless a rule holds them; check the link's schedule and review queue"
                        .into(),
                ),
            },
        )
        .await;
        Ok(Step::Stop(record, Flow::Continue))
    }

    /// The post's link through the link's shortener, when it has one. A shortener
    /// that fails leaves the long link: it works, and the event says why.
    async fn short_link(&mut self, record: &PostRecord) -> Option<String> {
        let settings = self.inner.policy.link(self.link_id());
        if self.shortener.is_none() {
            let built = match &self.inner.shortener {
                Some(shortener) => Some(Arc::clone(shortener)),
                None if settings.text.shortener == ShortenerKind::None => None,
                None => match xpost_shortener::from_settings(&settings.text, |name| {
                    std::env::var(name).ok()
                }) {
                    Ok(shortener) => Some(shortener),
                    Err(e) => {
                        tracing::warn!(link = %self.link.id, error = %e, "shortener not usable; posting long links");
                        None
                    }
                },
            };
            self.shortener = Some(built);
        }
        let shortener = self.shortener.clone().flatten()?;
        let long = link_for(&record.post, settings)?;
        let url = url::Url::parse(&long).ok()?;
        match shortener.shorten(&url).await {
            Ok(short) => Some(short.to_string()),
            Err(e) => {
                self.note(
                    record,
                    EventKind::Decided,
                    format!("the shortener failed ({e}); the long link is used"),
                );
                None
            }
        }
    }

    fn outgoing(&self, record: &PostRecord, part: usize) -> Option<OutgoingPost> {
        let plan = record.plan.as_ref()?;
        let planned = plan.parts.get(part)?;
        let reply_to = if part == 0 {
            None
        } else {
            record.parts.get(part - 1)?.target_id.clone()
        };
        Some(OutgoingPost {
            text: planned.text.clone(),
            media: record
                .parts
                .get(part)
                .map(|p| p.media.clone())
                .unwrap_or_default(),
            reply_to,
            reply_settings: plan.reply_settings,
        })
    }

    /// Looks for `part` of `record` among the target's own recent posts.
    async fn reconcile(
        &self,
        record: &PostRecord,
        part: usize,
    ) -> Result<Option<TargetId>, RemoteError> {
        let Some(intended) = self.outgoing(record, part) else {
            return Ok(None);
        };
        let Some(intent_at) = record.parts.get(part).and_then(|p| p.intent_at) else {
            return Ok(None);
        };
        self.find_sent(&intended, intent_at).await
    }

    /// Looks for `intended`, whose intent was recorded at `intent_at`, among
    /// the target's own recent posts.
    async fn find_sent(
        &self,
        intended: &OutgoingPost,
        intent_at: Timestamp,
    ) -> Result<Option<TargetId>, RemoteError> {
        let margin = SignedDuration::try_from(self.inner.limits.reconcile_margin)
            .unwrap_or(SignedDuration::ZERO);
        let since = intent_at.checked_sub(margin).unwrap_or(intent_at);
        let recent = self.target.own_recent(since).await?;
        Ok(recent
            .iter()
            .find(|p| self.target.matches(p, intended))
            .map(|p| p.id.clone()))
    }

    async fn send(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
    ) -> Result<Step, EngineError> {
        let Some(part) = record.next_part() else {
            let record = self.finish_posted(guard, record).await?;
            return Ok(Step::Stop(record, Flow::Continue));
        };
        if record.parts.len() <= part {
            record.parts.resize(part + 1, PartProgress::default());
        }

        // 1. An earlier attempt may have reached the target: look before sending again.
        if record.parts[part].intent_at.is_some() {
            match self.reconcile(&record, part).await {
                Ok(Some(id)) => {
                    record.parts[part].target_id = Some(id.clone());
                    self.note(
                        &record,
                        EventKind::Reconciled,
                        format!("part {} was already on the target as {id}", part + 1),
                    );
                    let record = self.write(guard, &record).await?;
                    return Ok(Step::Next(record));
                }
                Ok(None) => {}
                Err(e) => return self.failure(guard, record, Side::Target, e).await,
            }
        }

        // 2. Media, uploaded once and reused while fresh.
        let wanted = record
            .plan
            .as_ref()
            .and_then(|p| p.parts.get(part))
            .map(|p| p.media.clone())
            .unwrap_or_default();
        let now = self.inner.clock.now();
        let reuse =
            SignedDuration::try_from(self.inner.limits.media_reuse).unwrap_or(SignedDuration::ZERO);
        let fresh = record.parts[part]
            .media_ready_at
            .is_some_and(|at| now.duration_since(at) < reuse);
        if !wanted.is_empty() && (record.parts[part].media.len() != wanted.len() || !fresh) {
            let items = record.post.items();
            let mut ids = Vec::with_capacity(wanted.len());
            for index in &wanted {
                let Some(item) = items.get(*index) else {
                    return self
                        .fail(
                            guard,
                            record,
                            FailureClass::Media,
                            format!("media item {index} is missing from the post"),
                            None,
                        )
                        .await;
                };
                // X may take longer to process a video than a lease lasts.
                let upload = upload_item(&*self.source, &*self.target, &record.post, item);
                match guard.hold_during(upload).await? {
                    Ok(id) => ids.push(id),
                    Err((side, e)) => return self.failure(guard, record, side, e).await,
                }
            }
            record.parts[part].media = ids;
            record.parts[part].media_ready_at = Some(self.inner.clock.now());
            record.state = PostState::Sending;
            // Recorded with the intent below: uploads that a crash leaves
            // unrecorded are only uploaded again.
            self.note(
                &record,
                EventKind::MediaUploaded,
                format!("{} media uploaded for part {}", wanted.len(), part + 1),
            );
        }

        // 3. The intent, recorded before the post goes out.
        let Some(outgoing) = self.outgoing(&record, part) else {
            return self
                .fail(
                    guard,
                    record,
                    FailureClass::Config,
                    "the plan lost a part".into(),
                    None,
                )
                .await;
        };
        record.parts[part].intent_at = Some(self.inner.clock.now());
        record.state = PostState::Sending;
        let mut record = self.write(guard, &record).await?;

        // 4. The side effect, then its result.
        match self.target.publish(&outgoing).await {
            Ok(published) => {
                record.parts[part].target_id = Some(published.id.clone());
                record.error = None;
                self.note(
                    &record,
                    EventKind::PartPosted,
                    format!("part {} posted as {}", part + 1, published.id),
                );
                if record.next_part().is_none() {
                    // The last part: the post is done in the same write.
                    let record = self.finish_posted(guard, record).await?;
                    return Ok(Step::Stop(record, Flow::Continue));
                }
                let record = self.write(guard, &record).await?;
                Ok(Step::Next(record))
            }
            Err(RemoteError::Duplicate { message }) => {
                // X's duplicate answer is "already posted" only when the post is found.
                match self.reconcile(&record, part).await {
                    Ok(Some(id)) => {
                        record.parts[part].target_id = Some(id.clone());
                        self.note(&record, EventKind::Reconciled, format!("part {} was already on the target as {id}", part + 1));
                        let record = self.write(guard, &record).await?;
                        Ok(Step::Next(record))
                    }
                    Ok(None) => {
                        self.fail(
                            guard,
                            record,
                            FailureClass::Rejected,
                            format!("the target refused the text as a duplicate of an earlier post: {message}"),
                            Some("change the caption, or delete the earlier post on X".into()),
                        )
                        .await
                    }
                    Err(e) => self.failure(guard, record, Side::Target, e).await,
                }
            }
            Err(e) => self.failure(guard, record, Side::Target, e).await,
        }
    }

    /// Marks a post whose every part is on the target as posted.
    async fn finish_posted(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
    ) -> Result<PostRecord, EngineError> {
        record.state = PostState::Posted;
        record.due_at = None;
        record.error = None;
        let ids: Vec<String> = record
            .target_ids()
            .iter()
            .map(ToString::to_string)
            .collect();
        self.note(
            &record,
            EventKind::Posted,
            format!("on the target as {}", ids.join(", ")),
        );
        self.write(guard, &record).await
    }

    /// Records a failed attempt and decides what comes next.
    async fn failure(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
        side: Side,
        error: RemoteError,
    ) -> Result<Step, EngineError> {
        let now = self.inner.clock.now();
        let class = error.class();
        match error.retry_kind(now) {
            RetryKind::Reauth => {
                record.state = PostState::NeedsReauth;
                record.error = Some(Failure {
                    class,
                    message: error.to_string(),
                    hint: Some("link the account again; the post goes out afterwards".into()),
                    at: now,
                });
                let record = self.write(guard, &record).await?;
                Ok(Step::Stop(record, Flow::StopReauth(side, error)))
            }
            RetryKind::Never => {
                let hint = match &error {
                    RemoteError::MissingScope { scope, .. } => {
                        Some(format!("link the account again and grant {scope}"))
                    }
                    RemoteError::Media { .. } => {
                        Some("this media cannot go to X; the post is not retried".into())
                    }
                    _ => None,
                };
                self.fail(guard, record, class, error.to_string(), hint)
                    .await
            }
            RetryKind::Backoff | RetryKind::After(_) => {
                let Some(flow) = self.schedule_retry(&mut record, &error, "attempt") else {
                    let message = format!("gave up after {} attempts: {error}", record.attempts);
                    return self.fail(guard, record, class, message, None).await;
                };
                let record = self.write(guard, &record).await?;
                Ok(Step::Stop(record, flow))
            }
            // A retry kind added later: retry in the next pass.
            _ => Ok(Step::Stop(record, Flow::Continue)),
        }
    }

    /// Counts a failed attempt of a retryable `error` and sets when the next
    /// one is due, noting it in the log as `what` (the write is the caller's);
    /// `None` when the attempt bound is spent.
    fn schedule_retry(
        &mut self,
        record: &mut PostRecord,
        error: &RemoteError,
        what: &str,
    ) -> Option<Flow> {
        let now = self.inner.clock.now();
        let class = error.class();
        record.attempts += 1;
        if record.attempts >= self.inner.limits.max_attempts {
            return None;
        }
        let wait = match error.retry_kind(now) {
            RetryKind::After(d) => d,
            _ => self
                .inner
                .limits
                .backoff(record.attempts, rand::random::<f64>()),
        };
        let until = now
            .checked_add(SignedDuration::try_from(wait).unwrap_or(SignedDuration::ZERO))
            .unwrap_or(now);
        record.due_at = Some(until);
        record.error = Some(Failure {
            class,
            message: error.to_string(),
            hint: None,
            at: now,
        });
        let event = Event::new(
            now,
            self.link_id().clone(),
            EventKind::Retrying,
            format!(
                "{what} {} failed, next at {until}: {error}",
                record.attempts
            ),
        )
        .for_post(record.source_id.clone())
        .failure(class, None);
        self.note_event(event);
        Some(if class == FailureClass::RateLimited {
            Flow::StopRateLimited(Some(until))
        } else {
            Flow::Continue
        })
    }

    /// Fails a post for good, with its cause, and tells the user once.
    async fn fail(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
        class: FailureClass,
        message: String,
        hint: Option<String>,
    ) -> Result<Step, EngineError> {
        record.state = PostState::Failed;
        let notice = format!("post {} was not cross-posted: {message}", record.source_id);
        self.give_up_with(guard, record, class, message, hint, notice)
            .await
    }

    /// Records a failure nothing more will be tried for (the record's state is
    /// the caller's), logs it, and tells the user once with `notice`.
    async fn give_up_with(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
        class: FailureClass,
        message: String,
        hint: Option<String>,
        notice: String,
    ) -> Result<Step, EngineError> {
        let now = self.inner.clock.now();
        record.due_at = None;
        record.error = Some(Failure {
            class,
            message: message.clone(),
            hint: hint.clone(),
            at: now,
        });
        let event = Event::new(now, self.link_id().clone(), EventKind::Failed, message)
            .for_post(record.source_id.clone())
            .failure(class, hint.clone());
        self.note_event(event);
        let record = self.write(guard, &record).await?;
        notify(
            &*self.inner.notifier,
            Notice {
                at: now,
                link: self.link_id().clone(),
                source_id: Some(record.source_id.clone()),
                class,
                message: notice,
                hint,
            },
        )
        .await;
        Ok(Step::Stop(record, Flow::Continue))
    }
}
