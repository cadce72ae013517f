//! Analytics: engagement of cross-posted posts, sampled into the store's time
//! series on the link's `[analytics]` schedule.
//!
//! Instagram's counters cost only the account's hourly call budget; X's cost
//! money on pay-per-use, billed per post read. So X reads are metered: the
//! store counts them per UTC day and month *before* the read goes out (a crash
//! never forgets a read that may have been billed), and a sampling reads only
//! as many posts as both caps still allow, newest posts first.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp, tz::TimeZone};
use xpost_core::{
    Event, EventKind, Lease, Link, MetricSample, Platform, PostQuery, PostRecord, PostState,
    RemoteError, Source, SourceId, Store, StoreError, Target, TargetId,
};
use xpost_policy::analytics::AnalyticsSettings;

/// The task name under which the last sampling is recorded.
pub(crate) const TASK: &str = "analytics";

/// Why a sampling stopped.
#[derive(Debug)]
pub(crate) enum Trouble {
    /// A platform failed or refused (samples taken before it are kept).
    Remote(RemoteError),
    /// The store failed (a lost lease included).
    Store(StoreError),
}

impl From<StoreError> for Trouble {
    fn from(e: StoreError) -> Self {
        Trouble::Store(e)
    }
}

/// The metering periods of `now`: its UTC day and its UTC month.
pub(crate) fn x_periods(now: Timestamp) -> (String, String) {
    let day = now.to_zoned(TimeZone::UTC).date();
    (
        format!("x:day:{day}"),
        format!("x:month:{:04}-{:02}", day.year(), day.month()),
    )
}

/// When the post went out on the target (its first part's send), or when it
/// was discovered for records that predate that field.
fn posted_at(record: &PostRecord) -> Timestamp {
    record
        .parts
        .first()
        .and_then(|p| p.intent_at)
        .unwrap_or(record.discovered_at)
}

/// One sampling of `link`: Instagram counters of every recent cross-posted post,
/// X counters of as many as the read caps allow. Answers the events to record.
pub(crate) async fn sample(
    store: &dyn Store,
    lease: &Lease,
    link: &Link,
    settings: &AnalyticsSettings,
    source: &dyn Source,
    target: &dyn Target,
    now: Timestamp,
) -> Result<Vec<Event>, Trouble> {
    let oldest = now
        .checked_sub(SignedDuration::from_hours(
            i64::from(settings.max_age_days) * 24,
        ))
        .unwrap_or(Timestamp::MIN);
    let mut posts: Vec<PostRecord> = store
        .posts(&PostQuery {
            link: Some(link.id.clone()),
            states: vec![PostState::Posted],
            limit: 0,
        })
        .await?
        .into_iter()
        .filter(|r| posted_at(r) >= oldest)
        .collect();
    // Newest first: when the cap allows only some, the fresh posts matter most.
    posts.sort_by_key(|r| std::cmp::Reverse(posted_at(r)));
    let mut events = Vec::new();
    if posts.is_empty() {
        return Ok(events);
    }
    let mut samples = Vec::new();
    let sample = |source_id: SourceId, platform, metrics| MetricSample {
        link: link.id.clone(),
        source_id,
        platform,
        at: now,
        metrics,
    };

    if settings.instagram {
        let ids: Vec<SourceId> = posts.iter().map(|r| r.source_id.clone()).collect();
        let found = source.metrics(&ids).await.map_err(Trouble::Remote)?;
        samples.extend(
            found
                .into_iter()
                .map(|(id, m)| sample(id, Platform::Instagram, m)),
        );
    }
    let ig_count = samples.len();

    let mut x_count = 0;
    if settings.x {
        let targets: Vec<(TargetId, SourceId)> = posts
            .iter()
            .filter_map(|r| {
                let id = r.parts.first()?.target_id.clone()?;
                Some((id, r.source_id.clone()))
            })
            .collect();
        let (day, month) = x_periods(now);
        let spent_day = store.reads_spent(&link.id, &day).await?;
        let spent_month = store.reads_spent(&link.id, &month).await?;
        let left = settings
            .x_reads_per_day
            .saturating_sub(spent_day)
            .min(settings.x_reads_per_month.saturating_sub(spent_month));
        let take = usize::try_from(left)
            .unwrap_or(usize::MAX)
            .min(targets.len());
        if take < targets.len() {
            events.push(Event::new(
                now,
                link.id.clone(),
                EventKind::ReadCapReached,
                format!(
                    "X read cap reached: {take} of {} posts read ({spent_day}/{} today, {spent_month}/{} this month before this sampling)",
                    targets.len(),
                    settings.x_reads_per_day,
                    settings.x_reads_per_month
                ),
            ));
        }
        if take > 0 {
            let chosen = &targets[..take];
            // Counted before the read: a read that may have been billed is never forgotten.
            store
                .spend_reads(lease, &[day, month], take as u64, now)
                .await?;
            let by_target: HashMap<&TargetId, &SourceId> =
                chosen.iter().map(|(t, s)| (t, s)).collect();
            let ids: Vec<TargetId> = chosen.iter().map(|(t, _)| t.clone()).collect();
            match target.metrics(&ids).await {
                Ok(found) => {
                    for (id, m) in found {
                        if let Some(source_id) = by_target.get(&id) {
                            samples.push(sample((*source_id).clone(), Platform::X, m));
                            x_count += 1;
                        }
                    }
                }
                Err(error) => {
                    store.append_metrics(lease, &samples, now).await?;
                    return Err(Trouble::Remote(error));
                }
            }
        }
    }
    store.append_metrics(lease, &samples, now).await?;
    events.push(Event::new(
        now,
        link.id.clone(),
        EventKind::MetricsSampled,
        format!("engagement sampled: {ig_count} Instagram, {x_count} X"),
    ));
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_utc_day_and_month() {
        let at: Timestamp = "2026-11-30T23:59:59Z".parse().unwrap();
        assert_eq!(
            x_periods(at),
            ("x:day:2026-11-30".to_owned(), "x:month:2026-11".to_owned())
        );
        let next: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        assert_eq!(x_periods(next).1, "x:month:2026-12");
    }
}
