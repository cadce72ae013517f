//! Keeping a link's tokens alive in the store.
//!
//! X's refresh tokens are single-use: two workers that refresh with the same
//! one leave one of them holding a dead grant. [`StoreTokenHook`] makes the
//! store the referee, through its compare-and-swap on the credentials'
//! version: a rotation is written only over the refresh token it replaces.
//!
//! Instagram has no refresh token: the long-lived access token itself is
//! exchanged for a new one once it is old enough and before it expires
//! ([`refresh_instagram_if_due`]).

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use tokio::sync::OwnedMutexGuard;
use x_client::{HookError, RefreshToken, Scope, Scopes, TokenHook, TokenSet};
use xpost_core::{Credentials, LinkId, RemoteError, Secret, Side, Store};

use crate::adapters::AdapterError;
use crate::adapters::clock::SharedClock;
use crate::adapters::errors::from_ig;

/// Stored credentials as the X client's token set.
pub fn token_set(credentials: &Credentials) -> TokenSet {
    TokenSet {
        access_token: x_client::AccessToken::new(credentials.access_token.expose()),
        refresh_token: credentials
            .refresh_token
            .as_ref()
            .map(|token| RefreshToken::new(token.expose())),
        expires_at: credentials.expires_at,
        scopes: Scopes::from(credentials.scopes.iter().map(|s| Scope::new(s.as_str()))),
    }
}

/// An X token set as credentials to store, obtained at `now`.
pub fn x_credentials(tokens: &TokenSet, now: Timestamp) -> Credentials {
    Credentials {
        access_token: Secret::new(tokens.access_token.expose_secret()),
        refresh_token: tokens
            .refresh_token
            .as_ref()
            .map(|token| Secret::new(token.expose_secret())),
        expires_at: tokens.expires_at,
        scopes: tokens
            .scopes
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        obtained_at: now,
    }
}

/// One refresh at a time per link within this process: every
/// [`StoreTokenHook`] made with the same `RefreshGuards` (clones share them)
/// waits for the others before spending the link's refresh token.
#[derive(Debug, Clone, Default)]
pub struct RefreshGuards(Arc<std::sync::Mutex<HashMap<LinkId, Arc<tokio::sync::Mutex<()>>>>>);

impl RefreshGuards {
    fn for_link(&self, link: &LinkId) -> Arc<tokio::sync::Mutex<()>> {
        let mut guards = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(guards.entry(link.clone()).or_default())
    }
}

/// What one hook knows between calls.
#[derive(Default)]
struct HookState {
    /// The link's guard while this hook's session may be spending the refresh
    /// token it loaded.
    held: Option<OwnedMutexGuard<()>>,
    /// The refresh token this hook's session holds, as far as the hook saw.
    known: Option<Secret>,
}

/// The X client's [`TokenHook`] over one link's target-side credentials in a
/// [`Store`].
///
/// The session calls [`TokenHook::load`] right before it spends its refresh
/// token and [`TokenHook::rotate`] right after. Within one process the hook
/// turns that into a critical section per link: `load` waits for any other
/// hook of the link that is between the two, so by the time it reads the
/// store the other's rotation is there and its session adopts those tokens
/// instead of spending the same refresh token again. Across processes the
/// store's compare-and-swap is the referee: a rotation is written only over
/// the refresh token it replaces, and a loser adopts the winner's tokens.
pub struct StoreTokenHook {
    store: Arc<dyn Store>,
    link: LinkId,
    clock: SharedClock,
    guard: Arc<tokio::sync::Mutex<()>>,
    /// How long `load` waits for another hook's refresh before going ahead.
    wait: Duration,
    state: std::sync::Mutex<HookState>,
}

impl std::fmt::Debug for StoreTokenHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreTokenHook")
            .field("link", &self.link)
            .finish_non_exhaustive()
    }
}

impl StoreTokenHook {
    /// The hook for `link`'s X tokens in `store`, for a session that starts
    /// with `current`; `wait` bounds how long it waits for another hook's
    /// refresh (a refresh request's timeout is a good bound).
    ///
    /// Tokens that X issued but the store did not take at the time (what
    /// [`x_client::Error::TokenPersist`] carries) are stored later with
    /// [`TokenHook::rotate`] over the `previous` refresh token the error names.
    pub fn new(
        store: Arc<dyn Store>,
        link: LinkId,
        current: &Credentials,
        guards: &RefreshGuards,
        clock: SharedClock,
        wait: Duration,
    ) -> Self {
        Self {
            guard: guards.for_link(&link),
            store,
            link,
            clock,
            wait,
            state: std::sync::Mutex::new(HookState {
                held: None,
                known: current.refresh_token.clone(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, HookState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether two optional secrets hold the same value.
fn same(a: Option<&Secret>, b: Option<&Secret>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.same_as(b),
        (None, None) => true,
        _ => false,
    }
}

#[async_trait]
impl TokenHook for StoreTokenHook {
    async fn load(&self) -> Result<Option<TokenSet>, HookError> {
        if self.state().held.is_none() {
            let guard = tokio::time::timeout(self.wait, Arc::clone(&self.guard).lock_owned())
                .await
                .ok();
            if guard.is_none() {
                tracing::warn!(link = %self.link, "another X token refresh is taking long; going ahead");
            }
            self.state().held = guard;
        }
        let stored = match self.store.credentials(&self.link, Side::Target).await {
            Ok(stored) => stored,
            Err(error) => {
                self.state().held = None;
                return Err(error.into());
            }
        };
        let mut state = self.state();
        let refresh = stored.as_ref().and_then(|s| s.value.refresh_token.clone());
        if !same(refresh.as_ref(), state.known.as_ref()) {
            // Someone rotated since this session's tokens were stored: the
            // session adopts these and spends nothing, so others may go on.
            state.held = None;
            state.known = refresh;
        }
        Ok(stored.map(|versioned| token_set(&versioned.value)))
    }

    async fn rotate(&self, previous: &RefreshToken, next: &TokenSet) -> Result<bool, HookError> {
        let result = self.swap(previous, next).await;
        let mut state = self.state();
        state.known = next
            .refresh_token
            .as_ref()
            .map(|token| Secret::new(token.expose_secret()));
        state.held = None;
        result
    }
}

impl StoreTokenHook {
    /// Writes `next` over the stored credentials if they still hold `previous`.
    async fn swap(&self, previous: &RefreshToken, next: &TokenSet) -> Result<bool, HookError> {
        let Some(stored) = self.store.credentials(&self.link, Side::Target).await? else {
            return Ok(false);
        };
        let current = stored
            .value
            .refresh_token
            .as_ref()
            .is_some_and(|token| token.expose() == previous.expose_secret());
        if !current {
            return Ok(false);
        }
        let next = x_credentials(next, self.clock.now());
        let swapped = self
            .store
            .swap_credentials(&self.link, Side::Target, stored.version, &next)
            .await?;
        Ok(swapped.is_some())
    }
}

/// What [`refresh_instagram_if_due`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IgRefresh {
    /// The token is too young, or far enough from expiry, to refresh now.
    NotDue,
    /// A new token is stored.
    Refreshed,
    /// Another worker replaced the token while this one refreshed; its token
    /// is the stored one.
    LostRace,
}

/// Refreshes `link`'s Instagram token when it is at least `min_age` old and
/// expires within `window`, and stores the new one over the old
/// (compare-and-swap, so a concurrent refresh is never overwritten).
///
/// `min_age` is Instagram's rule (24 hours; an emulator with short token
/// lives scales it) and must be the one `oauth`'s client was configured with.
///
/// # Errors
/// [`AdapterError::NoCredentials`] when nothing is stored;
/// [`RemoteError::Reauth`] (inside [`AdapterError::Remote`]) when the token has
/// expired or Instagram refuses it (code 190, subcodes 460, 463…);
/// [`AdapterError::Store`].
pub async fn refresh_instagram_if_due(
    store: &dyn Store,
    link: &LinkId,
    oauth: &ig_client::OAuth,
    clock: &SharedClock,
    min_age: Duration,
    window: Duration,
) -> Result<IgRefresh, AdapterError> {
    let stored = store
        .credentials(link, Side::Source)
        .await
        .map_err(AdapterError::Store)?
        .ok_or_else(|| AdapterError::NoCredentials {
            link: link.clone(),
            side: Side::Source,
        })?;
    let now = clock.now();
    let creds = &stored.value;
    // Without a known expiry the token was never long-lived as far as we know:
    // Instagram refreshes only long-lived tokens.
    let Some(expires_at) = creds.expires_at else {
        return Ok(IgRefresh::NotDue);
    };
    let mut token = ig_client::Token::new(
        ig_client::AccessToken::new(creds.access_token.expose()),
        ig_client::TokenKind::LongLived,
        creds.obtained_at,
        expires_at,
    );
    token.permissions = creds.scopes.clone();
    // Instagram's rules are for 60-day tokens: refresh no sooner than a day (1/60
    // of the life) after issue. A token with a shorter life (an emulator's) gets
    // the same rules scaled, and is refreshed once half of it is spent.
    let lifetime =
        Duration::try_from(creds.obtained_at.duration_until(expires_at)).unwrap_or(Duration::ZERO);
    let min_age = min_age.min(lifetime / 60);
    let window = window.min(lifetime / 2);
    if token.is_expired(now) {
        return Err(AdapterError::Remote(RemoteError::Reauth {
            message: "the Instagram token expired before it was refreshed; log in again".into(),
        }));
    }
    if !token.refresh_due(now, min_age, window) {
        return Ok(IgRefresh::NotDue);
    }
    let fresh = oauth
        .refresh(&token)
        .await
        .map_err(|error| AdapterError::Remote(from_ig(&error, now)))?;
    let next = Credentials {
        access_token: Secret::new(fresh.access_token.expose()),
        refresh_token: None,
        expires_at: Some(fresh.expires_at),
        scopes: creds.scopes.clone(),
        obtained_at: fresh.issued_at,
    };
    let swapped = store
        .swap_credentials(link, Side::Source, stored.version, &next)
        .await
        .map_err(AdapterError::Store)?;
    Ok(if swapped.is_some() {
        IgRefresh::Refreshed
    } else {
        IgRefresh::LostRace
    })
}
