//! The review queue: posts policy held for a person, approved or rejected
//! through the store alone (no platform is called), so any front-end can do it.

use jiff::Timestamp;
use xpost_core::{
    Event, EventKind, LinkId, PostQuery, PostRecord, PostState, SkipReason, SourceId, Store,
};

use crate::error::EngineError;

/// The posts waiting for review, oldest first, with the tweets they would make.
///
/// # Errors
/// [`EngineError::Store`].
pub async fn pending(
    store: &dyn Store,
    link: Option<&LinkId>,
) -> Result<Vec<PostRecord>, EngineError> {
    let held = store
        .posts(&PostQuery {
            link: link.cloned(),
            states: vec![PostState::NeedsReview],
            limit: 0,
        })
        .await?;
    Ok(held.into_iter().filter(|r| !r.approved).collect())
}

/// Approves a held post: the link's next pass decides it again as approved.
///
/// # Errors
/// [`EngineError::NotInReview`] when the post is not waiting for review.
pub async fn approve(
    store: &dyn Store,
    link: &LinkId,
    source_id: &SourceId,
    now: Timestamp,
) -> Result<(), EngineError> {
    let mut record = held(store, link, source_id).await?;
    record.approved = true;
    record.due_at = None;
    store.update_post_unleased(&record).await?;
    let event = Event::new(
        now,
        link.clone(),
        EventKind::Approved,
        "approved by a reviewer",
    )
    .for_post(source_id.clone());
    store.append_events(&[event]).await?;
    Ok(())
}

/// Rejects a held post: it is never posted.
///
/// # Errors
/// [`EngineError::NotInReview`] when the post is not waiting for review.
pub async fn reject(
    store: &dyn Store,
    link: &LinkId,
    source_id: &SourceId,
    now: Timestamp,
) -> Result<(), EngineError> {
    let mut record = held(store, link, source_id).await?;
    record.state = PostState::Skipped;
    record.due_at = None;
    record.skip = Some(SkipReason {
        rule: "review".into(),
        reason: "rejected by a reviewer".into(),
    });
    store.update_post_unleased(&record).await?;
    let event = Event::new(
        now,
        link.clone(),
        EventKind::Rejected,
        "rejected by a reviewer",
    )
    .for_post(source_id.clone());
    store.append_events(&[event]).await?;
    Ok(())
}

async fn held(
    store: &dyn Store,
    link: &LinkId,
    source_id: &SourceId,
) -> Result<PostRecord, EngineError> {
    match store.post(link, source_id).await? {
        Some(record) if record.state == PostState::NeedsReview && !record.approved => Ok(record),
        _ => Err(EngineError::NotInReview {
            link: link.clone(),
            source_id: source_id.to_string(),
        }),
    }
}
