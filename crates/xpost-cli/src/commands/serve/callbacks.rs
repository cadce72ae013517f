//! Meta's deauthorize and data-deletion callbacks for the Instagram app.
//!
//! Both arrive as a form-encoded `POST` with a `signed_request`, verified
//! with the Instagram app secret through `ig-client` before anything else is
//! read; a forged or malformed one is answered `400` and changes nothing.
//! They concern every link whose Instagram account is the user named.
//!
//! - **Deauthorize**: the link becomes `disconnected` at once (a running
//!   scheduler sees it before its next post) and its Instagram token is
//!   deleted. Sending it again changes nothing more.
//! - **Data deletion**: the links are disconnected at once; then, in the
//!   background, each is forgotten ([`xpost_engine::Engine::forget`]): tokens
//!   revoked where the platform allows, and everything stored about it
//!   deleted (the link, credentials, cursor, post records, events, metric
//!   samples, profile snapshot, task times, paid-read counters). The posts it
//!   made on X stay: they are the user's own X content, deleted only on the
//!   user's explicit request (`xpost unlink --purge`). The answer is
//!   `{url, confirmation_code}`, and `/data-deletion/{code}` shows the
//!   request's status, which keeps no user id, username, link name or
//!   caption: only the code, the state, the times and how many rows of each
//!   kind went. The code is derived from the request's signature, so the same
//!   request sent again finds its first answer and starts nothing new.

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};
use xpost_core::{
    DeletionRequest, DeletionState, Event, EventKind, ForgetReport, LinkId, LinkState, Side, Store,
};
use xpost_engine::EngineError;

use super::AppState;
use super::auth::hex;

/// Why a callback was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackRefusal {
    /// No Instagram app secret is configured, so nothing can be verified.
    NotConfigured,
    /// The `signed_request` is missing, malformed or not signed with the app secret.
    BadSignature(String),
    /// The verified payload names no user.
    NoUser,
    /// The store failed; the platform should retry.
    Store(String),
}

impl CallbackRefusal {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            CallbackRefusal::NotConfigured => 503,
            CallbackRefusal::BadSignature(_) | CallbackRefusal::NoUser => 400,
            CallbackRefusal::Store(_) => 500,
        }
    }

    /// The refusal in a line (no secret, no payload).
    pub fn message(&self) -> String {
        match self {
            CallbackRefusal::NotConfigured => format!(
                "no Instagram app secret is configured ({}), so callbacks cannot be verified",
                crate::context::env::INSTAGRAM_APP_SECRET
            ),
            CallbackRefusal::BadSignature(why) => format!("signed_request refused: {why}"),
            CallbackRefusal::NoUser => "signed_request names no user_id".into(),
            CallbackRefusal::Store(why) => format!("the store failed: {why}"),
        }
    }
}

/// What the data-deletion callback answers, as Meta requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletionAnswer {
    /// Where the user can see the deletion's status.
    pub url: String,
    /// The code that identifies the request.
    pub confirmation_code: String,
}

/// The verified user id of a `signed_request` form value.
fn verify(state: &AppState, signed: Option<&str>) -> Result<String, CallbackRefusal> {
    let app = state
        .adapters
        .instagram_app
        .as_ref()
        .ok_or(CallbackRefusal::NotConfigured)?;
    let signed = signed
        .filter(|s| !s.is_empty())
        .ok_or_else(|| CallbackRefusal::BadSignature("no signed_request field".into()))?;
    let request = ig_client::signed_request::verify(signed, app)
        .map_err(|e| CallbackRefusal::BadSignature(e.to_string()))?;
    request
        .user_id
        .filter(|u| !u.is_empty())
        .ok_or(CallbackRefusal::NoUser)
}

fn store_failed(e: impl std::fmt::Display) -> CallbackRefusal {
    CallbackRefusal::Store(e.to_string())
}

/// The links whose Instagram account is `user_id`.
async fn links_of(store: &dyn Store, user_id: &str) -> Result<Vec<LinkId>, CallbackRefusal> {
    Ok(store
        .links()
        .await
        .map_err(store_failed)?
        .into_iter()
        .filter(|l| {
            l.source
                .as_ref()
                .is_some_and(|a| a.user_id.as_str() == user_id)
        })
        .map(|l| l.id)
        .collect())
}

/// Stops `link` at once and deletes its Instagram token; answers whether
/// anything changed.
async fn cut_off(state: &AppState, link: &LinkId, why: &str) -> Result<bool, CallbackRefusal> {
    let store = &*state.store;
    let Some(current) = store.link(link).await.map_err(store_failed)? else {
        return Ok(false);
    };
    let had_token = store
        .credentials(link, Side::Source)
        .await
        .map_err(store_failed)?
        .is_some();
    if current.state == LinkState::Disconnected && !had_token {
        return Ok(false);
    }
    store
        .set_link_state(link, LinkState::Disconnected, None)
        .await
        .map_err(store_failed)?;
    store
        .delete_credentials(link, Side::Source)
        .await
        .map_err(store_failed)?;
    store
        .append_events(&[Event::new(
            state.adapters.clock.now(),
            link.clone(),
            EventKind::Unlinked,
            why,
        )])
        .await
        .map_err(store_failed)?;
    Ok(true)
}

/// Handles a deauthorize callback; answers how many links it disconnected.
///
/// # Errors
/// [`CallbackRefusal`]; nothing is changed when the signature is refused.
pub async fn deauthorize(state: &AppState, signed: Option<&str>) -> Result<usize, CallbackRefusal> {
    let user_id = verify(state, signed)?;
    let mut changed = 0;
    for link in links_of(&*state.store, &user_id).await? {
        if cut_off(
            state,
            &link,
            "Instagram user removed the app (Meta's deauthorize callback): link disconnected, Instagram token deleted",
        )
        .await?
        {
            changed += 1;
        }
    }
    Ok(changed)
}

/// The confirmation code for a verified `signed_request`: a digest of its
/// signature, unguessable without the app secret and the same for the same
/// request.
fn confirmation_code(signed: &str) -> String {
    let signature = signed.trim().split('.').next().unwrap_or("");
    let digest = Sha256::digest(format!("xpost data deletion {signature}").as_bytes());
    hex(&digest[..16])
}

/// Handles a data-deletion callback: records the request, disconnects the
/// user's links at once and deletes the rest in the background.
///
/// # Errors
/// [`CallbackRefusal`]; nothing is changed when the signature is refused.
pub async fn data_deletion(
    state: &Arc<AppState>,
    signed: Option<&str>,
) -> Result<DeletionAnswer, CallbackRefusal> {
    let user_id = verify(state, signed)?;
    let code = confirmation_code(signed.unwrap_or(""));
    let answer = DeletionAnswer {
        url: state.options.url(&format!("/data-deletion/{code}")),
        confirmation_code: code.clone(),
    };
    let store = &*state.store;
    if store
        .deletion_request(&code)
        .await
        .map_err(store_failed)?
        .is_some()
    {
        return Ok(answer);
    }
    let links = links_of(store, &user_id).await?;
    let now = state.adapters.clock.now();
    let count = u64::try_from(links.len()).unwrap_or(u64::MAX);
    let mut request = DeletionRequest {
        code,
        link_count: count,
        state: DeletionState::Pending,
        detail: format!(
            "received; {count} link{} disconnected, deleting everything stored about {}",
            plural(count),
            if count == 1 { "it" } else { "them" }
        ),
        deleted: ForgetReport::default(),
        requested_at: now,
        updated_at: now,
    };
    if links.is_empty() {
        request.state = DeletionState::Completed;
        request.detail = "nothing was stored about this user".into();
    }
    store
        .put_deletion_request(&request)
        .await
        .map_err(store_failed)?;
    for link in &links {
        cut_off(
            state,
            link,
            "Instagram user asked for their data to be deleted (Meta's data-deletion callback): link disconnected",
        )
        .await?;
    }
    if !links.is_empty() {
        let state = Arc::clone(state);
        tokio::spawn(async move { delete_data(&state, request, links).await });
    }
    Ok(answer)
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Forgets every link of `request` and records how it ended, in counts only.
async fn delete_data(state: &AppState, mut request: DeletionRequest, links: Vec<LinkId>) {
    let mut deleted = ForgetReport::default();
    let mut failed = 0u64;
    for link in &links {
        match state.engine.forget(link).await {
            Ok(report) => deleted = deleted.plus(report),
            // Forgotten meanwhile (by hand, or by another request).
            Err(EngineError::UnknownLink(_)) => {}
            Err(e) => {
                // The log says which link and why; the request keeps counts only.
                tracing::warn!(code = %request.code, link = %link, error = %e, "data deletion incomplete");
                failed += 1;
            }
        }
    }
    request.updated_at = state.adapters.clock.now();
    request.deleted = deleted;
    let kept = "posts already on X were left in place";
    if failed == 0 {
        request.state = DeletionState::Completed;
        request.detail = format!("deleted: {deleted}; {kept}");
    } else {
        request.state = DeletionState::Failed;
        request.detail = format!(
            "{failed} of {} link{} could not be deleted yet (they are disconnected; the operator finishes with xpost unlink --forget); deleted so far: {deleted}; {kept}",
            request.link_count,
            plural(request.link_count)
        );
    }
    if let Err(e) = state.store.put_deletion_request(&request).await {
        tracing::warn!(code = %request.code, error = %e, "data-deletion status not recorded");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_per_request_and_differ_between_requests() {
        let a = confirmation_code("sigA.payload");
        assert_eq!(a, confirmation_code("sigA.payload"));
        assert_ne!(a, confirmation_code("sigB.payload"));
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
