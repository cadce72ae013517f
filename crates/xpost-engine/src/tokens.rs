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

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
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

/// The X client's [`TokenHook`] over one link's target-side credentials in a
/// [`Store`].
#[derive(Clone)]
pub struct StoreTokenHook {
    store: Arc<dyn Store>,
    link: LinkId,
    clock: SharedClock,
}

impl std::fmt::Debug for StoreTokenHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreTokenHook")
            .field("link", &self.link)
            .finish_non_exhaustive()
    }
}

impl StoreTokenHook {
    /// The hook for `link`'s X tokens in `store`. Tokens that X issued but the
    /// store did not take at the time (what [`x_client::Error::TokenPersist`]
    /// carries) are stored later with [`TokenHook::rotate`] over the
    /// `previous` refresh token the error names.
    pub fn new(store: Arc<dyn Store>, link: LinkId, clock: SharedClock) -> Self {
        Self { store, link, clock }
    }
}

#[async_trait]
impl TokenHook for StoreTokenHook {
    async fn load(&self) -> Result<Option<TokenSet>, HookError> {
        let stored = self.store.credentials(&self.link, Side::Target).await?;
        Ok(stored.map(|versioned| token_set(&versioned.value)))
    }

    async fn rotate(&self, previous: &RefreshToken, next: &TokenSet) -> Result<bool, HookError> {
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
