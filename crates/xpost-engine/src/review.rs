//! The review queue: posts policy held for a person, approved or rejected
//! through the store alone (no platform is called), so any front-end can do it.

use jiff::Timestamp;
use xpost_core::{
    Event, EventKind, EventQuery, LinkId, PostQuery, PostRecord, PostState, SkipReason, SourceId,
    Store,
};

use crate::error::EngineError;

/// One post held for review, with the tweets it would make.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Held {
    /// The post's record (its source post, why it is held, when it was seen).
    pub record: PostRecord,
    /// Why policy held it, as the log says it.
    pub reason: Option<String>,
    /// The text of each tweet, in order, exactly as it would be posted.
    pub tweets: Vec<String>,
}

/// The posts waiting for review, oldest first, each with the text of the
/// tweets it would make and why it is held.
///
/// # Errors
/// [`EngineError::Store`].
pub async fn queue(store: &dyn Store, link: Option<&LinkId>) -> Result<Vec<Held>, EngineError> {
    let mut out = Vec::new();
    for record in pending(store, link).await? {
        let reason = store
            .events(&EventQuery {
                link: Some(record.link.clone()),
                source_id: Some(record.source_id.clone()),
                kinds: vec![EventKind::HeldForReview],
                limit: 1,
                ..EventQuery::default()
            })
            .await?
            .into_iter()
            .next()
            .map(|e| e.message);
        let tweets = record
            .plan
            .as_ref()
            .map(|plan| plan.parts.iter().map(|p| p.text.clone()).collect())
            .unwrap_or_default();
        out.push(Held {
            record,
            reason,
            tweets,
        });
    }
    Ok(out)
}

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
/// Approving a post already approved changes nothing: it is still posted once.
///
/// # Errors
/// [`EngineError::NotInReview`] when the post is not waiting for review and
/// was never approved (a rejected post stays rejected).
pub async fn approve(
    store: &dyn Store,
    link: &LinkId,
    source_id: &SourceId,
    now: Timestamp,
) -> Result<(), EngineError> {
    if let Some(record) = store.post(link, source_id).await? {
        if record.approved {
            return Ok(());
        }
    }
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
