//! The per-link tasks that run on their own schedule, after a link's pass:
//! profile sync and analytics. Each runs at most every N minutes per link (the
//! time of its last run is in the store, so restarts and other workers agree),
//! under the link's lease, and a failure is recorded and notified without ever
//! holding up the posts.

use jiff::{SignedDuration, Timestamp};
use xpost_core::{Event, Link, Notice, RemoteError, Side, StoreError};

use crate::engine::{Engine, LeaseGuard, signed};
use crate::error::EngineError;
use crate::{analytics, profile};

/// Whether a task last run at `last` is due again at `now`, every `minutes`.
fn due(last: Option<Timestamp>, minutes: u32, now: Timestamp) -> bool {
    last.is_none_or(|last| {
        let every = SignedDuration::from_mins(i64::from(minutes));
        last.checked_add(every).is_ok_and(|next| next <= now)
    })
}

impl Engine {
    /// Runs `link`'s profile sync and analytics if they are due.
    ///
    /// # Errors
    /// [`EngineError::Store`] when the store fails; a lost lease ends the tasks
    /// quietly (another worker has the link).
    pub(crate) async fn periodic(&self, link: &Link) -> Result<(), EngineError> {
        let inner = self.inner();
        let settings = inner.policy.link(&link.id);
        let now = inner.clock.now();
        let profile_due = settings.profile_sync.enabled()
            && due(
                inner.store.last_run(&link.id, profile::TASK).await?,
                settings.profile_sync.every_minutes,
                now,
            );
        let analytics_due = settings.analytics.enabled
            && due(
                inner.store.last_run(&link.id, analytics::TASK).await?,
                settings.analytics.every_minutes,
                now,
            );
        if !profile_due && !analytics_due {
            return Ok(());
        }
        if self.blocked_until(&link.id, Side::Source, now).is_some()
            || self.blocked_until(&link.id, Side::Target, now).is_some()
        {
            return Ok(());
        }
        let ttl = signed(inner.limits.lease_ttl);
        let Some(lease) = inner
            .store
            .try_lease(&link.id, &inner.holder, now, ttl)
            .await?
        else {
            return Ok(());
        };
        if !crate::forget::held_link_is_active(&*inner.store, &lease).await? {
            return Ok(());
        }
        let mut guard = LeaseGuard {
            store: &*inner.store,
            clock: &*inner.clock,
            ttl,
            lease,
        };
        let result = self
            .run_due(link, &mut guard, profile_due, analytics_due)
            .await;
        let release = inner.store.release_lease(&guard.lease).await;
        match result {
            Err(EngineError::Store(StoreError::LeaseLost { .. })) => Ok(()),
            other => {
                release?;
                other
            }
        }
    }

    async fn run_due(
        &self,
        link: &Link,
        guard: &mut LeaseGuard<'_>,
        profile_due: bool,
        analytics_due: bool,
    ) -> Result<(), EngineError> {
        let inner = self.inner();
        let settings = inner.policy.link(&link.id);
        let now = inner.clock.now();
        // Recorded first: a check that fails waits for its next turn instead of
        // being tried again on every poll.
        for (task, is_due) in [
            (profile::TASK, profile_due),
            (analytics::TASK, analytics_due),
        ] {
            if is_due {
                let lease = guard.current().await?;
                inner.store.set_last_run(lease, task, now, now).await?;
            }
        }
        let (source, target) = match (
            inner.connector.source(link).await,
            inner.connector.target(link).await,
        ) {
            (Ok(source), Ok(target)) => (source, target),
            (Err(error), _) | (_, Err(error)) => {
                // The pass reports unusable credentials; here it is only why nothing ran.
                tracing::warn!(link = %link.id, %error, "periodic tasks skipped");
                return Ok(());
            }
        };
        if profile_due {
            let lease = guard.current().await?.clone();
            let outcome = profile::sync(
                &*inner.store,
                &lease,
                link,
                settings,
                &*source,
                &*target,
                now,
            )
            .await;
            match outcome {
                Ok(applied) => {
                    self.record(applied.events).await?;
                    if let Some(error) = applied.stopped {
                        self.task_failed(profile::failure_event(link, &error, now), &error)
                            .await?;
                    }
                }
                Err(profile::Trouble::Store(e)) => return Err(e.into()),
                Err(profile::Trouble::Remote(error)) => {
                    self.task_failed(profile::failure_event(link, &error, now), &error)
                        .await?;
                }
            }
        }
        if analytics_due {
            let lease = guard.current().await?.clone();
            let outcome = analytics::sample(
                &*inner.store,
                &lease,
                link,
                &settings.analytics,
                &*source,
                &*target,
                now,
            )
            .await;
            match outcome {
                Ok(events) => self.record(events).await?,
                Err(analytics::Trouble::Store(e)) => return Err(e.into()),
                Err(analytics::Trouble::Remote(error)) => {
                    let event = Event::new(
                        now,
                        link.id.clone(),
                        xpost_core::EventKind::Retrying,
                        format!("engagement sampling failed: {error}"),
                    )
                    .failure(error.class(), None);
                    self.record(vec![event]).await?;
                }
            }
        }
        Ok(())
    }

    async fn record(&self, events: Vec<Event>) -> Result<(), EngineError> {
        if !events.is_empty() {
            self.inner().store.append_events(&events).await?;
        }
        Ok(())
    }

    /// Records a failed task and tells the user, as a failed post would.
    async fn task_failed(&self, event: Event, error: &RemoteError) -> Result<(), EngineError> {
        let notice = Notice {
            at: event.at,
            link: event.link.clone(),
            source_id: None,
            class: error.class(),
            message: format!("link {}: {}", event.link, event.message),
            hint: event.hint.clone(),
        };
        self.record(vec![event]).await?;
        self.notify(notice).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tasks_are_due_once_their_interval_passed() {
        let t = |s: i64| Timestamp::from_second(1_700_000_000 + s).unwrap();
        assert!(due(None, 60, t(0)));
        assert!(!due(Some(t(0)), 60, t(3599)));
        assert!(due(Some(t(0)), 60, t(3600)));
    }
}
