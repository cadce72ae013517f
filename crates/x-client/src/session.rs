//! A user's OAuth 2.0 grant in use: the current tokens, proactive and on-401 refresh,
//! and refresh-token rotation through a caller-supplied [`TokenHook`].
//!
//! X accepts each refresh token once. If two processes refresh with the same one, the
//! second is refused and, without care, would conclude that the user must log in
//! again. The hook makes rotation safe: before spending a refresh token the session
//! asks the hook for the stored tokens (another process may have rotated them
//! already), and after a refresh it hands the new set to the hook as a compare-and-swap
//! against the old refresh token, so the store never silently loses a rotation.

use crate::clock::Clock;
use crate::error::Error;
use crate::oauth::OAuthClient;
use crate::token::{AccessToken, RefreshToken, TokenSet};
use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, RwLock};

/// Waits between looks at the store after X refused a refresh token that
/// another process may have just spent (doubling, about 3 s in all).
const RACE_RELOAD_WAITS_MS: [u64; 4] = [200, 400, 800, 1600];

/// Error type a [`TokenHook`] returns.
pub type HookError = Box<dyn std::error::Error + Send + Sync>;

/// Where the caller keeps tokens; called around every refresh.
#[async_trait]
pub trait TokenHook: Send + Sync {
    /// The tokens stored now, which another process may have rotated.
    async fn load(&self) -> Result<Option<TokenSet>, HookError>;

    /// Atomically replaces the stored set whose refresh token is `previous` with
    /// `next`. Returns `false`, storing nothing, when the stored refresh token is no
    /// longer `previous` (someone else rotated it first).
    async fn rotate(&self, previous: &RefreshToken, next: &TokenSet) -> Result<bool, HookError>;
}

/// A user's tokens plus what is needed to refresh them.
pub struct UserSession {
    tokens: RwLock<TokenSet>,
    oauth: Option<OAuthClient>,
    hook: Option<Arc<dyn TokenHook>>,
    refreshing: Mutex<()>,
    /// Set while the hook has not taken the current tokens: the refresh token the store
    /// still holds, which the next write compares against.
    unsaved: Mutex<Option<RefreshToken>>,
}

impl fmt::Debug for UserSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("tokens", &self.tokens)
            .field("oauth", &self.oauth)
            .field("hook", &self.hook.as_ref().map(|_| "TokenHook"))
            .finish_non_exhaustive()
    }
}

impl UserSession {
    /// A session with fixed tokens that cannot refresh.
    pub fn new(tokens: TokenSet) -> Self {
        Self::with(tokens, None, None)
    }

    /// A session that refreshes through `oauth` and reports rotations to `hook`.
    pub fn refreshing(
        tokens: TokenSet,
        oauth: OAuthClient,
        hook: Option<Arc<dyn TokenHook>>,
    ) -> Self {
        Self::with(tokens, Some(oauth), hook)
    }

    fn with(
        tokens: TokenSet,
        oauth: Option<OAuthClient>,
        hook: Option<Arc<dyn TokenHook>>,
    ) -> Self {
        Self {
            tokens: RwLock::new(tokens),
            oauth,
            hook,
            refreshing: Mutex::new(()),
            unsaved: Mutex::new(None),
        }
    }

    /// A copy of the current tokens.
    pub async fn tokens(&self) -> TokenSet {
        self.tokens.read().await.clone()
    }

    /// Whether the session can refresh at all.
    pub fn can_refresh(&self) -> bool {
        self.oauth.is_some()
    }

    /// The access token to use now, refreshed first if it expires within `margin`.
    pub(crate) async fn access_token(
        &self,
        clock: &dyn Clock,
        margin: Duration,
    ) -> Result<AccessToken, Error> {
        self.retry_unsaved().await;
        let current = self.tokens().await;
        if self.can_refresh()
            && current.refresh_token.is_some()
            && current.expires_within(clock.now(), margin)
        {
            self.refresh_after(&current.access_token).await?;
            return Ok(self.tokens().await.access_token);
        }
        Ok(current.access_token)
    }

    /// What a 401 for the access token `sent` means: `Ok(true)` when a newer token is
    /// now in place and the call deserves one more try, `Ok(false)` when the caller,
    /// who holds the refresh token, has to refresh.
    ///
    /// # Errors
    /// [`Error::ReauthRequired`] when the refused token was just refreshed (so the grant
    /// itself is dead) or nothing can refresh it; the errors of
    /// [`UserSession::refresh_after`].
    pub(crate) async fn after_unauthorized(
        &self,
        sent: &AccessToken,
        just_refreshed: bool,
    ) -> Result<bool, Error> {
        if just_refreshed {
            return Err(Error::ReauthRequired {
                reason: "X refused a freshly refreshed access token; the grant was revoked".into(),
            });
        }
        if !self.can_refresh() {
            if self.tokens().await.refresh_token.is_none() {
                return Err(Error::ReauthRequired {
                    reason: "the access token was refused and there is no refresh token".into(),
                });
            }
            return Ok(false);
        }
        self.refresh_after(sent).await?;
        Ok(true)
    }

    /// Refreshes because `failed` was refused or is about to expire; does nothing when
    /// another task already replaced `failed`. Pass the token that was actually sent,
    /// not the session's current one: two calls refused together must rotate once.
    ///
    /// # Errors
    /// [`Error::ReauthRequired`] when no refresh is possible or X refuses it and the
    /// store holds nothing newer; [`Error::TokenHook`] when the hook fails to load;
    /// [`Error::TokenPersist`] when it fails to store the new tokens, which the
    /// session nevertheless uses from then on.
    pub async fn refresh_after(&self, failed: &AccessToken) -> Result<(), Error> {
        let _one_at_a_time = self.refreshing.lock().await;
        let current = self.tokens().await;
        if !current.access_token.same_as(failed) {
            return Ok(());
        }
        let Some(oauth) = &self.oauth else {
            return Err(Error::ReauthRequired {
                reason: "the access token was refused and this session cannot refresh".into(),
            });
        };
        let mut refresh = current
            .refresh_token
            .clone()
            .ok_or_else(|| Error::ReauthRequired {
                reason: "no refresh token (offline.access was not granted)".into(),
            })?;
        if let Some(stored) = self.load_newer(&refresh).await? {
            // Another process rotated first: use its access token, or at least its
            // refresh token.
            let usable = !stored.access_token.same_as(failed);
            refresh = stored.refresh_token.clone().unwrap_or(refresh);
            *self.tokens.write().await = stored;
            if usable {
                return Ok(());
            }
        }
        match oauth.refresh(&refresh).await {
            Ok(mut next) => {
                if next.scopes.is_empty() {
                    next.scopes = current.scopes.clone();
                }
                // While an earlier set is unsaved the store still holds an older
                // refresh token than the one just spent; that is what to swap.
                let base = self.unsaved.lock().await.clone().unwrap_or(refresh);
                self.store_rotated(&base, next).await
            }
            Err(Error::ReauthRequired { reason }) => {
                // Lost a race with another process that spent the same token: its
                // answer may still be on its way to the store, so look a few times
                // (about 3 s in all) before calling the link dead.
                for wait_ms in RACE_RELOAD_WAITS_MS {
                    if let Some(stored) = self.load_newer(&refresh).await? {
                        *self.tokens.write().await = stored;
                        return Ok(());
                    }
                    if self.hook.is_none() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                }
                match self.load_newer(&refresh).await? {
                    Some(stored) => {
                        *self.tokens.write().await = stored;
                        Ok(())
                    }
                    None => Err(Error::ReauthRequired { reason }),
                }
            }
            Err(other) => Err(other),
        }
    }

    /// Writes tokens the hook failed to take again, before they are used; a failure
    /// only leaves them for the next call, since they work whether stored or not.
    async fn retry_unsaved(&self) {
        if self.unsaved.lock().await.is_none() {
            return;
        }
        let _one_at_a_time = self.refreshing.lock().await;
        let Some(base) = self.unsaved.lock().await.clone() else {
            return;
        };
        let current = self.tokens().await;
        if let Err(e) = self.store_rotated(&base, current).await {
            tracing::warn!(error = %e, "the token store still refuses the refreshed tokens");
        }
    }

    /// The stored tokens when they differ from ours and are not the stale set that
    /// ours replaced without reaching the store.
    async fn load_newer(&self, ours: &RefreshToken) -> Result<Option<TokenSet>, Error> {
        let Some(hook) = &self.hook else {
            return Ok(None);
        };
        let stored = hook
            .load()
            .await
            .map_err(|source| Error::TokenHook { source })?;
        let unsaved = self.unsaved.lock().await.clone();
        Ok(stored.filter(|s| {
            s.refresh_token.as_ref().is_some_and(|r| {
                !r.same_as(ours) && !unsaved.as_ref().is_some_and(|u| r.same_as(u))
            })
        }))
    }

    /// Makes `next` current and hands it to the hook as the successor of `base`.
    async fn store_rotated(&self, base: &RefreshToken, next: TokenSet) -> Result<(), Error> {
        // X has spent `base` already: whatever the store says, `next` is what works.
        *self.tokens.write().await = next.clone();
        let Some(hook) = &self.hook else {
            return Ok(());
        };
        match hook.rotate(base, &next).await {
            Ok(swapped) => {
                *self.unsaved.lock().await = None;
                if !swapped {
                    // The store moved on without us; it is the source of truth.
                    let ours = next.refresh_token.as_ref().unwrap_or(base);
                    if let Some(stored) = self.load_newer(ours).await? {
                        tracing::warn!(
                            "refresh token rotated elsewhere during refresh; adopting the stored tokens"
                        );
                        *self.tokens.write().await = stored;
                    }
                }
                Ok(())
            }
            Err(source) => {
                *self.unsaved.lock().await = Some(base.clone());
                Err(Error::TokenPersist {
                    previous: base.clone(),
                    tokens: Box::new(next),
                    source,
                })
            }
        }
    }
}
