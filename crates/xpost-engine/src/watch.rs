//! Edit and deletion sync, the finding half: what changed on the source since
//! a post was recorded, found from a listing and nothing more per post.
//!
//! While a link's `[sync]` asks for either, each poll lists the posts of the
//! last `edit_window` (one request per page of the listing, never one per
//! post) and compares them with the records of that time range:
//!
//! - a caption that differs is an edit;
//! - a record the listing does not show, although the listing reached back
//!   past its time, is looked up on its own (a few per poll). Instagram's "does
//!   not exist" is a deletion; the post answering is a paging race; an error
//!   proves nothing, and only a post missing from every listing for the
//!   `deletion_grace` counts as deleted then. A post older than what the
//!   listing reached is never "missing".
//!
//! Finding only reads. What it found is written under the lease by
//! [`record`], as sync work on the record that the state machine then carries
//! out step by step (`advance::sync`).

use std::fmt::Write as _;

use jiff::Timestamp;
use xpost_core::{
    Event, EventKind, Link, PostRecord, PostState, ProductType, RetryKind, Source, SourceId,
    SourcePost, StoreError, SyncAction, SyncWork,
};
use xpost_policy::{Context, EditMode, LinkSettings, Verdict};

use crate::engine::{Inner, LeaseGuard};
use crate::error::EngineError;

/// One change found on the source.
#[derive(Debug)]
pub(crate) enum Change {
    /// Listed again after a listing had missed it: not deleted.
    Seen(SourceId),
    /// Missing from a listing that covered its time; not known to be gone yet.
    Missing(SourceId),
    /// Gone from the source, and why that is certain.
    Deleted(SourceId, String),
    /// Its caption is not the one recorded.
    Edited(SourcePost),
}

/// Whether a record is one that a change can act on now. Posts on their way
/// out (an intent recorded, or waiting for a re-link) and posts with sync work
/// under way are looked at again once that is over. Stories are never: the
/// media listing does not show them, and one that expires is not deleted.
fn actionable(record: &PostRecord) -> bool {
    if record.post.product_type == ProductType::Story {
        return false;
    }
    let sending = record.parts.iter().any(|p| p.intent_at.is_some())
        && !matches!(record.state, PostState::Posted | PostState::Failed);
    record.source_deleted_at.is_none()
        && record.sync.as_ref().is_none_or(SyncWork::is_done)
        && !sending
        && record.state != PostState::NeedsReauth
}

/// Whether an edit changes anything for a record in this state.
fn edit_applies(record: &PostRecord) -> bool {
    matches!(
        record.state,
        PostState::Posted | PostState::Discovered | PostState::Scheduled
    )
}

/// Lists the recent window of `link`'s source and answers what changed.
/// Reads only.
///
/// # Errors
/// [`EngineError::Remote`] when the listing fails (a failed single lookup is
/// not an error: it proves nothing), [`EngineError::Store`].
pub(crate) async fn find(
    inner: &Inner,
    link: &Link,
    source: &dyn Source,
) -> Result<Vec<Change>, EngineError> {
    let settings = &inner.policy.link(&link.id).sync;
    if !settings.watches() {
        return Ok(Vec::new());
    }
    let now = inner.clock.now();
    let since = now.checked_sub(settings.edit_window).unwrap_or(now);
    let limit = inner.limits.sync_listing.max(1);
    let listed = source.new_posts(None, Some(since), limit).await?;
    // A listing cut short by its bound covers only as far back as it reached.
    let covered_from = if listed.len() >= limit {
        listed.iter().map(|p| p.timestamp).min().unwrap_or(now)
    } else {
        since
    };
    let known = inner
        .store
        .posts_published_since(&link.id, covered_from)
        .await?;
    let mut changes = Vec::new();
    let mut lookups = inner.limits.sync_lookups;
    for record in known {
        if !actionable(&record) {
            continue;
        }
        let id = record.source_id.clone();
        if let Some(post) = listed.iter().find(|p| p.id == record.post.id) {
            if record.missing_since.is_some() {
                changes.push(Change::Seen(id));
            }
            if settings.edits != EditMode::Ignore
                && edit_applies(&record)
                && post.caption_text() != record.post.caption_text()
            {
                changes.push(Change::Edited(post.clone()));
            }
            continue;
        }
        if !settings.deletions || lookups == 0 {
            continue;
        }
        lookups -= 1;
        match source.post(&id).await {
            Ok(None) => changes.push(Change::Deleted(
                id,
                "Instagram answers that it does not exist".into(),
            )),
            // Listed a moment later than the page it belonged to: a paging race.
            Ok(Some(_)) => {
                if record.missing_since.is_some() {
                    changes.push(Change::Seen(id));
                }
            }
            Err(error) => {
                tracing::debug!(link = %link.id, post = %id, %error, "lookup of a missing post failed");
                match record.missing_since {
                    Some(missing) if now.duration_since(missing) >= settings.deletion_grace => {
                        changes.push(Change::Deleted(
                            id,
                            format!(
                                "missing from every listing since {missing} (longer than sync.deletion_grace, {:#})",
                                settings.deletion_grace
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => changes.push(Change::Missing(id)),
                }
                // Throttled or unauthorized: no more lookups in this poll.
                if !matches!(error.retry_kind(now), RetryKind::Backoff) {
                    lookups = 0;
                }
            }
        }
    }
    Ok(changes)
}

/// The texts `post` renders to under `settings`, without media; `None` when
/// it does not render.
fn texts(post: &SourcePost, settings: &LinkSettings) -> Option<Vec<String>> {
    let rendered = xpost_policy::render(post, settings).ok()?;
    Some(
        rendered
            .posts
            .into_iter()
            .map(|p| p.text)
            .filter(|t| !t.trim().is_empty())
            .collect(),
    )
}

/// Writes what [`find`] found, under the lease: each change with its event,
/// in one write per post. A post changed meanwhile by someone else is left
/// for the next poll, which finds its change again.
///
/// # Errors
/// [`EngineError::Store`], the lease lost included.
pub(crate) async fn record(
    inner: &Inner,
    link: &Link,
    guard: &mut LeaseGuard<'_>,
    changes: Vec<Change>,
) -> Result<(), EngineError> {
    let settings = inner.policy.link(&link.id);
    for change in changes {
        let id = match &change {
            Change::Seen(id) | Change::Missing(id) | Change::Deleted(id, _) => id.clone(),
            Change::Edited(post) => SourceId::from(&post.id),
        };
        let Some(mut record) = inner.store.post(&link.id, &id).await? else {
            continue;
        };
        // Another worker may have recorded the same change since it was found.
        let known = match &change {
            Change::Seen(_) => record.missing_since.is_none(),
            Change::Missing(_) => record.missing_since.is_some(),
            Change::Deleted(..) => false,
            Change::Edited(post) => post.caption_text() == record.post.caption_text(),
        };
        if known || !actionable(&record) {
            continue;
        }
        let now = inner.clock.now();
        let event = |kind: EventKind, message: String| {
            Event::new(now, link.id.clone(), kind, message).for_post(id.clone())
        };
        let mut events = Vec::new();
        match change {
            Change::Seen(_) => record.missing_since = None,
            Change::Missing(_) => {
                record.missing_since = Some(now);
                events.push(event(
                    EventKind::SourceDeleted,
                    format!(
                        "missing from the listing and not confirmed gone; counted as deleted if still missing after {:#}",
                        settings.sync.deletion_grace
                    ),
                ));
            }
            Change::Deleted(_, why) => {
                deleted(&mut record, now, &why, &mut events, &event);
            }
            Change::Edited(post) => {
                edited(&mut record, post, settings, now, &mut events, &event);
            }
        }
        let lease = guard.current().await?.clone();
        match inner
            .store
            .update_post_logged(&lease, &record, &events, now)
            .await
        {
            Ok(_) => {}
            Err(StoreError::Conflict { .. }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(())
}

/// A deleted source post: its posts on the target are to be deleted, and it
/// is never posted again.
fn deleted(
    record: &mut PostRecord,
    now: Timestamp,
    why: &str,
    events: &mut Vec<Event>,
    event: &dyn Fn(EventKind, String) -> Event,
) {
    record.source_deleted_at = Some(now);
    record.missing_since = None;
    let mut targets = record.target_ids();
    targets.extend(record.corrections.iter().cloned());
    let mut message = format!("deleted on Instagram ({why})");
    if targets.is_empty() && record.state.is_final() {
        message.push_str("; nothing of it is on X");
    } else {
        let _ = write!(message, "; {} post(s) on X to delete", targets.len());
        record.sync = Some(SyncWork::new(SyncAction::Retract, targets, now));
        record.attempts = 0;
        record.due_at = None;
    }
    events.push(event(EventKind::SourceDeleted, message));
}

/// An edited caption: acted on as the link's `sync.edits` says.
fn edited(
    record: &mut PostRecord,
    post: SourcePost,
    settings: &LinkSettings,
    now: Timestamp,
    events: &mut Vec<Event>,
    event: &dyn Fn(EventKind, String) -> Event,
) {
    if record.state != PostState::Posted {
        record.post = post;
        events.push(event(
            EventKind::SourceEdited,
            "caption edited before the post went out; the new caption is used".into(),
        ));
        return;
    }
    let sent: Vec<String> = record
        .plan
        .as_ref()
        .map(|plan| {
            plan.parts
                .iter()
                .map(|p| p.text.clone())
                .filter(|t| !t.trim().is_empty())
                .collect()
        })
        .unwrap_or_default();
    let Some(fresh) = texts(&post, settings) else {
        record.post = post;
        events.push(event(
            EventKind::SourceEdited,
            "caption edited, but the new caption cannot be rendered for X; the post on X stays"
                .into(),
        ));
        return;
    };
    record.post = post;
    if fresh == sent || fresh.is_empty() {
        events.push(event(
            EventKind::SourceEdited,
            "caption edited; the text on X would not change".into(),
        ));
        return;
    }
    let mode = settings.sync.edits;
    let work = match mode {
        EditMode::DeleteAndRepost => {
            let mut targets = record.target_ids();
            targets.extend(record.corrections.iter().cloned());
            SyncWork::new(SyncAction::Repost, targets, now)
        }
        EditMode::ReplyWithCorrection => {
            // A reply goes out at once, without the review or the filters a
            // new post goes through: a caption they would stop gets none.
            // Age rules do not apply to correcting a post already out.
            let ctx = Context {
                first_seen: Some(record.discovered_at),
                backfill: true,
                ..Context::default()
            };
            let decision = xpost_policy::decide(&record.post, settings, &ctx, now);
            if matches!(decision.verdict, Verdict::Skip | Verdict::NeedsReview) {
                events.push(event(
                    EventKind::SourceEdited,
                    format!(
                        "caption edited, but {} holds the new caption ({}); no correction is posted",
                        decision.rule.key(),
                        decision.reason
                    ),
                ));
                return;
            }
            let mut work = SyncWork::new(SyncAction::Correct, Vec::new(), now);
            work.correction = fresh
                .into_iter()
                .map(|text| xpost_core::PlannedPart {
                    text,
                    media: Vec::new(),
                })
                .collect();
            work
        }
        // `find` reports no edits for `ignore`, nor for a mode added later.
        _ => return,
    };
    events.push(event(
        EventKind::SourceEdited,
        format!(
            "caption edited on Instagram; sync.edits = {}",
            mode.as_str()
        ),
    ));
    record.sync = Some(work);
    record.attempts = 0;
    record.due_at = None;
    record.error = None;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use xpost_core::{LinkId, PartProgress, SyncAction, TargetId};

    use super::*;

    fn record(product: &str) -> PostRecord {
        let post: SourcePost = serde_json::from_str(&format!(
            r#"{{"id": "1", "media_type": "image", "product_type": "{product}", "timestamp": "2025-06-01T18:30:00Z"}}"#
        ))
        .unwrap();
        let mut r = PostRecord::discovered(LinkId::new("l").unwrap(), post, Timestamp::UNIX_EPOCH);
        r.state = PostState::Posted;
        r.parts = vec![PartProgress {
            intent_at: Some(Timestamp::UNIX_EPOCH),
            target_id: Some(TargetId::new("9").unwrap()),
            ..PartProgress::default()
        }];
        r
    }

    #[test]
    fn only_settled_feed_posts_are_acted_on() {
        assert!(actionable(&record("feed")));
        assert!(
            !actionable(&record("story")),
            "an expired story is not deleted"
        );
        let mut sending = record("feed");
        sending.state = PostState::Sending;
        assert!(!actionable(&sending), "a post on its way out waits");
        let mut busy = record("feed");
        busy.sync = Some(SyncWork::new(
            SyncAction::Correct,
            Vec::new(),
            Timestamp::UNIX_EPOCH,
        ));
        assert!(!actionable(&busy), "one action at a time");
        let mut gone = record("feed");
        gone.source_deleted_at = Some(Timestamp::UNIX_EPOCH);
        assert!(
            !actionable(&gone),
            "a deleted post is never looked at again"
        );
    }

    #[test]
    fn a_deleted_post_retracts_its_parts_and_corrections() {
        let mut r = record("feed");
        r.corrections = vec![TargetId::new("10").unwrap()];
        let mut events = Vec::new();
        let event = |kind, message: String| {
            Event::new(
                Timestamp::UNIX_EPOCH,
                LinkId::new("l").unwrap(),
                kind,
                message,
            )
        };
        deleted(&mut r, Timestamp::UNIX_EPOCH, "gone", &mut events, &event);
        let work = r.sync.unwrap();
        assert_eq!(work.action, SyncAction::Retract);
        let ids: Vec<&str> = work.retract.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, ["9", "10"]);
        assert_eq!(events[0].kind, EventKind::SourceDeleted);
    }
}
