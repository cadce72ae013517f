//! Pausing a link: the user's hold on it, through the store alone (no platform
//! is called), so any front-end can pause and resume.
//!
//! A pause is not a link state: the link stays `active` (or whatever it is) and
//! carries the time it was paused, so that status still tells whether it is
//! connected, and resuming needs no re-link. What a resumed link finds is a
//! backlog when the pause was long (`[backlog]`); stories that expired during
//! a pause longer than a day are reported as missed.

use jiff::Timestamp;
use xpost_core::{Event, EventKind, LinkId, Store};

use crate::error::EngineError;

/// Pauses `id` from `now`: its passes do nothing until it is resumed. Pausing a
/// paused link changes nothing.
///
/// # Errors
/// [`EngineError::UnknownLink`] or [`EngineError::Store`].
pub async fn pause(store: &dyn Store, id: &LinkId, now: Timestamp) -> Result<(), EngineError> {
    let mut link = store
        .link(id)
        .await?
        .ok_or_else(|| EngineError::UnknownLink(id.clone()))?;
    if link.is_paused() {
        return Ok(());
    }
    link.paused_since = Some(now);
    store.put_link(&link).await?;
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
    let mut link = store
        .link(id)
        .await?
        .ok_or_else(|| EngineError::UnknownLink(id.clone()))?;
    let Some(since) = link.paused_since.take() else {
        return Ok(());
    };
    store.put_link(&link).await?;
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
