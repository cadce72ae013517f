//! `xpost link x-oauth1`: an OAuth 1.0a token for the link's X account,
//! through X's three-legged flow and the same loopback callback as `xpost link
//! x`. X's v1.1 `account/*` endpoints take only such tokens, and the profile
//! sync falls back to them when X refuses a change on its v2 routes.
//!
//! The token is stored sealed beside the link's other credentials, and only
//! when X says it belongs to the link's X account: a token for another account
//! would change someone else's profile.

use std::sync::Arc;
use std::time::Duration;

use xpost_core::{Event, EventKind, LinkId, OAuth1Token, Secret, Store};

use super::link::{Browser, LinkPlatform, LinkedAccount, browse, x_http};
use crate::callback::{CallbackListener, Outcome, Redirect};
use crate::context::{adapter_config, env};
use crate::error::CliError;
use crate::global::GlobalArgs;

fn fail(what: &str, e: impl std::fmt::Display) -> CliError {
    CliError::Input(format!(
        "X OAuth 1.0a {what} failed: {e}; nothing was linked"
    ))
}

/// Links an OAuth 1.0a token for `link`'s X account.
///
/// # Errors
/// [`CliError::Input`] with the cause: no X account on the link yet, no API key
/// pair, a refusal at any of the three steps, a declined consent, a redirect
/// for another request token, a token for another X account, no answer within
/// `timeout`; store failures. Nothing is stored unless the whole flow succeeded.
pub async fn connect(
    global: &GlobalArgs,
    store: Arc<dyn Store>,
    link: &LinkId,
    browser: Browser,
    timeout: Duration,
) -> Result<LinkedAccount, CliError> {
    let config = adapter_config(global);
    let Some(stored) = store.link(link).await? else {
        return Err(CliError::Input(format!(
            "link {link} has no X account yet: run xpost link x --link {link} first"
        )));
    };
    let Some(target) = stored.target.clone() else {
        return Err(CliError::Input(format!(
            "link {link} has no X account yet: run xpost link x --link {link} first"
        )));
    };
    let Some(consumer) = config.x_consumer.clone() else {
        return Err(CliError::Input(format!(
            "no X API key pair: set {} and {} (the app's OAuth 1.0a keys; see docs/setup.md), or pass --emulator URL",
            env::X_API_KEY,
            env::X_API_SECRET
        )));
    };
    let x_config = config
        .x_config()
        .map_err(|e| CliError::Input(format!("X: {e}")))?;
    let http = x_http(&config, &x_config)?;
    let flow = x_client::OAuth1Flow::new(consumer, &x_config, http, Arc::new(config.clock.clone()));
    let listener = CallbackListener::bind().await?;
    let request = flow
        .request_token(&listener.redirect_uri())
        .await
        .map_err(|e| fail("request token", e))?;
    let url = flow
        .authorize_url(&request)
        .map_err(|e| fail("authorize URL", e))?;
    let callback = browse(
        listener.wait_oauth1(&request.token),
        url,
        browser,
        LinkPlatform::XOauth1,
        link,
        timeout,
    )
    .await?;
    let url = match &callback.redirect {
        Redirect::Code(url) => url.clone(),
        Redirect::StateMismatch => {
            callback.answer(&Outcome::StateMismatch).await;
            return Err(CliError::Input(
                "the X redirect carried another request token than the one sent (a forged or stale answer); nothing was linked".into(),
            ));
        }
        Redirect::Denied(why) => {
            let why = why.clone();
            callback.answer(&Outcome::Denied).await;
            return Err(CliError::Input(format!(
                "X consent was refused ({why}); nothing was linked"
            )));
        }
    };
    let exchanged = async {
        let verifier = request
            .verifier_from_callback(&url)
            .map_err(|e| fail("callback", e))?;
        let access = flow
            .access_token(&request, &verifier)
            .await
            .map_err(|e| fail("access token", e))?;
        match access.user_id.as_ref().map(|id| id.as_str().to_owned()) {
            Some(id) if id == target.user_id.as_str() => Ok(access),
            other => Err(CliError::Input(format!(
                "the authorized X account ({}) is not link {link}'s X account @{} (id {}); nothing was linked — sign in to X as @{} and run this again",
                other.map_or_else(|| "unknown".to_owned(), |id| format!("id {id}")),
                target.username,
                target.user_id,
                target.username
            ))),
        }
    }
    .await;
    let access = match exchanged {
        Ok(access) => access,
        Err(e) => {
            callback.answer(&Outcome::Failed).await;
            return Err(e);
        }
    };
    let now = config.clock.now();
    store
        .put_oauth1_token(
            link,
            &OAuth1Token {
                token: Secret::new(access.token.expose_secret()),
                token_secret: Secret::new(access.secret.expose_secret()),
                user_id: access.user_id.as_ref().map(|id| id.as_str().to_owned()),
                screen_name: access.screen_name.clone(),
                obtained_at: now,
            },
        )
        .await?;
    store
        .append_events(&[Event::new(
            now,
            link.clone(),
            EventKind::Linked,
            format!(
                "X OAuth 1.0a token linked for @{} (v1.1 profile endpoints)",
                target.username
            ),
        )])
        .await?;
    callback
        .answer(&Outcome::Linked {
            platform: "X (OAuth 1.0a)".to_owned(),
            username: target.username.clone(),
        })
        .await;
    Ok(LinkedAccount {
        link_id: link.to_string(),
        side: xpost_core::Side::Target,
        account: target,
        granted: Vec::new(),
        needed: Vec::new(),
        missing: Vec::new(),
        expires_at: None,
        state: stored.state,
        link: stored,
    })
}
