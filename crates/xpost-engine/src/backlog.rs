//! A backlog's fate: what the link's `[backlog]` choice does with the posts one
//! pass found after an outage, a pause, a re-link or a backfill, decided before
//! they are recorded so that a crash cannot post what the choice skips.
//!
//! Posts arrive oldest first, in Instagram's order. Stories are left out of it:
//! they expire, and waiting would lose them.

use jiff::{SignedDuration, Timestamp};
use xpost_core::{
    Event, EventKind, LinkId, Platform, PostRecord, PostState, ProductType, SkipReason,
};
use xpost_policy::backlog::{BacklogMode, BacklogSettings};

use crate::throttle::Pacing;

/// The settings key behind a backlog decision, as skips name it.
pub(crate) const RULE: &str = "backlog.mode";

/// The least time between two posts that X's pacing allows on average.
pub(crate) fn x_floor() -> SignedDuration {
    Pacing::for_platform(Platform::X)
        .max_publishes
        .and_then(|w| SignedDuration::try_from(w.per / w.calls.get()).ok())
        .unwrap_or(SignedDuration::ZERO)
}

/// Applies `settings` to `fresh` (oldest first), a backlog found at `now`;
/// answers the events that tell what became of each post and of the whole.
pub(crate) fn apply(
    link: &LinkId,
    settings: &BacklogSettings,
    fresh: &mut [PostRecord],
    why: &str,
    now: Timestamp,
) -> Vec<Event> {
    let mut events = Vec::new();
    let feed: Vec<usize> = fresh
        .iter()
        .enumerate()
        .filter(|(_, r)| r.post.product_type != ProductType::Story)
        .map(|(i, _)| i)
        .collect();
    if feed.is_empty() {
        return events;
    }
    let count = feed.len();
    let skip = |record: &mut PostRecord, reason: String, events: &mut Vec<Event>| {
        record.state = PostState::Skipped;
        record.due_at = None;
        record.skip = Some(SkipReason {
            rule: RULE.into(),
            reason: reason.clone(),
        });
        events.push(
            Event::new(
                now,
                link.clone(),
                EventKind::Skipped,
                format!("{reason} ({RULE})"),
            )
            .for_post(record.source_id.clone()),
        );
    };
    let summary = match settings.mode {
        BacklogMode::Skip => {
            for &i in &feed {
                skip(&mut fresh[i], "backlog skipped".into(), &mut events);
            }
            format!("{count} post(s) found {why}: all skipped (backlog.mode = \"skip\")")
        }
        BacklogMode::Newest => {
            let keep = usize::try_from(settings.newest).unwrap_or(usize::MAX);
            let dropped = count.saturating_sub(keep);
            for &i in &feed[..dropped] {
                let reason = format!(
                    "backlog skipped: only the newest {} of {count} are posted",
                    settings.newest
                );
                skip(&mut fresh[i], reason, &mut events);
            }
            format!(
                "{count} post(s) found {why}: the newest {} posted, {dropped} skipped (backlog.mode = \"newest\")",
                count - dropped
            )
        }
        BacklogMode::Spread => {
            let step = spacing(settings.spread, count);
            for (n, &i) in feed.iter().enumerate() {
                let offset = step
                    .checked_mul(i32::try_from(n).unwrap_or(i32::MAX))
                    .unwrap_or(SignedDuration::MAX);
                let at = now.checked_add(offset).unwrap_or(Timestamp::MAX);
                let record = &mut fresh[i];
                record.state = PostState::Scheduled;
                record.due_at = Some(at);
                events.push(
                    Event::new(
                        now,
                        link.clone(),
                        EventKind::Scheduled,
                        format!("to go at {at}: backlog spread ({RULE})"),
                    )
                    .for_post(record.source_id.clone()),
                );
            }
            format!(
                "{count} post(s) found {why}: spread one every {step:#} (backlog.mode = \"spread\", over {:#})",
                settings.spread
            )
        }
        _ => format!("{count} post(s) found {why}: all posted, oldest first, within X's pacing"),
    };
    events.push(Event::new(now, link.clone(), EventKind::Backlog, summary));
    events
}

/// Even spacing of `count` posts over `period`, never closer than X's pacing.
pub(crate) fn spacing(period: SignedDuration, count: usize) -> SignedDuration {
    let count = i32::try_from(count.max(1)).unwrap_or(i32::MAX);
    (period / count).max(x_floor())
}

#[cfg(test)]
mod tests {
    use super::*;
    use xpost_core::testing::sample_post;

    fn fresh(n: usize) -> Vec<PostRecord> {
        let link = LinkId::new("default").unwrap_or_else(|e| panic!("{e}"));
        (0..n)
            .map(|i| {
                PostRecord::discovered(
                    link.clone(),
                    sample_post(&(100 + i).to_string(), i as i64),
                    Timestamp::UNIX_EPOCH,
                )
            })
            .collect()
    }

    #[test]
    fn spacing_never_beats_x_pacing() {
        assert_eq!(
            spacing(SignedDuration::from_hours(6), 60),
            SignedDuration::from_mins(6)
        );
        assert_eq!(spacing(SignedDuration::from_secs(60), 100), x_floor());
        assert!(x_floor() >= SignedDuration::from_secs(9));
    }

    #[test]
    fn newest_keeps_the_newest_and_says_why_for_the_rest() {
        let mut posts = fresh(8);
        let settings = BacklogSettings {
            mode: BacklogMode::Newest,
            newest: 3,
            ..BacklogSettings::default()
        };
        let link = posts[0].link.clone();
        let events = apply(
            &link,
            &settings,
            &mut posts,
            "after a gap",
            Timestamp::UNIX_EPOCH,
        );
        let skipped: Vec<bool> = posts
            .iter()
            .map(|r| r.state == PostState::Skipped)
            .collect();
        assert_eq!(skipped, [true, true, true, true, true, false, false, false]);
        assert_eq!(events.len(), 6);
        assert_eq!(events[5].kind, EventKind::Backlog);
    }
}
