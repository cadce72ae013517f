//! Pausing a link: the user's hold on it, through the store alone (no platform
//! is called), so any front-end can pause and resume.
//!
//! A pause is not a link state: the link stays `active` (or whatever it is) and
//! carries the time it was paused, so that status still tells whether it is
//! connected, and resuming needs no re-link. What a resumed link finds is a
//! backlog when the pause was long (`[backlog]`); stories that expired during
//! a pause longer than a day are reported as missed.

use jiff::Timestamp;
use xpost_core::{Event, EventKind, LinkId, Store, StoreError};

use crate::error::EngineError;

/// Pauses `id` from `now`: its passes do nothing until it is resumed. Pausing a
/// paused link changes nothing.
///
/// # Errors
/// [`EngineError::UnknownLink`] or [`EngineError::Store`].
pub async fn pause(store: &dyn Store, id: &LinkId, now: Timestamp) -> Result<(), EngineError> {
    let link = store
        .link(id)
        .await?
        .ok_or_else(|| EngineError::UnknownLink(id.clone()))?;
    // Already paused: the first pause's time stands.
    if link.is_paused() || paused(store, id, Some(now)).await?.is_some() {
        return Ok(());
    }
    let event = Event::new(now, id.clone(), EventKind::Paused, "paused by the user");
    store.append_events(&[event]).await?;
    Ok(())
}

/// Resumes `id` at `now`: its next pass polls again. Resuming a link that is
/// not paused changes nothing.
///
/// # Errors
/// [`EngineError::UnknownLink`] or [`EngineError::Store`].
pub async fn resume(store: &dyn Store, id: &LinkId, now: Timestamp) -> Result<(), EngineError> {
    let Some(since) = paused(store, id, None).await? else {
        return Ok(());
    };
    let paused_for = since
        .duration_until(now)
        .round(jiff::Unit::Second)
        .unwrap_or_default();
    let event = Event::new(
        now,
        id.clone(),
        EventKind::Resumed,
        format!("resumed by the user after {paused_for:#}"),
    );
    store.append_events(&[event]).await?;
    Ok(())
}

/// Sets the pause in one store step (a concurrent change of the link's state
/// is kept); answers when it was paused before.
async fn paused(
    store: &dyn Store,
    id: &LinkId,
    since: Option<Timestamp>,
) -> Result<Option<Timestamp>, EngineError> {
    match store.set_link_paused(id, since).await {
        Err(StoreError::NotFound { .. }) => Err(EngineError::UnknownLink(id.clone())),
        other => Ok(other?),
    }
}
