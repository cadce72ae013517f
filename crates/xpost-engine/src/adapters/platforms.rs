//! [`PlatformConnector`]: the Instagram-to-X [`Connector`], with each account's
//! pacing budget kept across passes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use xpost_core::{Link, LinkId, Platform, RemoteError, Side, Source, Store, Target};

use super::connect::{AdapterConfig, AdapterError, instagram_source, x_target};
use crate::connector::Connector;
use crate::throttle::{Budget, Pacing, Throttled};
use crate::tokens::refresh_instagram_if_due;

/// Builds each link's Instagram source and X target from the store's
/// credentials, refreshing the Instagram token within its window, and wraps both
/// in the account's pacing budget so that a rate limit learned in one pass holds
/// in the next.
pub struct PlatformConnector {
    store: Arc<dyn Store>,
    config: AdapterConfig,
    budgets: Mutex<HashMap<(LinkId, Side), Budget>>,
}

impl std::fmt::Debug for PlatformConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformConnector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl PlatformConnector {
    /// A connector over `store` with `config`.
    pub fn new(store: Arc<dyn Store>, config: AdapterConfig) -> Self {
        Self {
            store,
            config,
            budgets: Mutex::new(HashMap::new()),
        }
    }

    fn budget(&self, link: &LinkId, side: Side, platform: Platform) -> Budget {
        let mut budgets = self
            .budgets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        budgets
            .entry((link.clone(), side))
            .or_insert_with(|| {
                Budget::new(
                    Pacing::for_platform(platform),
                    Arc::clone(&self.config.clock.0),
                )
            })
            .clone()
    }
}

/// What the engine can act on for an adapter that could not be built.
fn remote(error: AdapterError) -> RemoteError {
    match error {
        AdapterError::Remote(e) => e,
        AdapterError::NoCredentials { link, side } => RemoteError::Reauth {
            message: format!("link {link} has no {side} credentials"),
        },
        AdapterError::Store(e) => RemoteError::Unavailable {
            message: format!("credentials could not be read: {e}"),
        },
        AdapterError::Config { message, .. } => RemoteError::Unavailable {
            message: format!("client configuration: {message}"),
        },
    }
}

#[async_trait]
impl Connector for PlatformConnector {
    async fn source(&self, link: &Link) -> Result<Arc<dyn Source>, RemoteError> {
        if let Ok(oauth) = self.config.instagram_oauth() {
            refresh_instagram_if_due(
                &*self.store,
                &link.id,
                &oauth,
                &self.config.clock,
                self.config.ig_refresh_min_age,
                self.config.ig_refresh_window,
            )
            .await
            .map_err(remote)?;
        }
        let source = instagram_source(&*self.store, &link.id, &self.config)
            .await
            .map_err(remote)?;
        let budget = self.budget(&link.id, Side::Source, Platform::Instagram);
        Ok(Arc::new(Throttled::new(source, budget)))
    }

    async fn target(&self, link: &Link) -> Result<Arc<dyn Target>, RemoteError> {
        let target = x_target(Arc::clone(&self.store), &link.id, &self.config)
            .await
            .map_err(remote)?;
        let budget = self.budget(&link.id, Side::Target, Platform::X);
        Ok(Arc::new(Throttled::new(target, budget)))
    }

    async fn revoke(&self, link: &Link, side: Side) -> Result<(), RemoteError> {
        // Instagram Login has no token revocation: the user removes the app in
        // Instagram's settings, and the deleted token expires on its own.
        if side == Side::Source {
            return Ok(());
        }
        let Some(app) = &self.config.x_app else {
            return Ok(());
        };
        let Some(creds) = self
            .store
            .credentials(&link.id, Side::Target)
            .await
            .map_err(|e| RemoteError::Unavailable {
                message: e.to_string(),
            })?
        else {
            return Ok(());
        };
        let x_config = self.config.x_config().map_err(remote)?;
        let http = match &self.config.http {
            Some(http) => http.clone(),
            None => x_client::default_http(&x_config).map_err(|e| RemoteError::Unavailable {
                message: e.to_string(),
            })?,
        };
        let clock: Arc<dyn x_client::Clock> = Arc::new(self.config.clock.clone());
        let oauth = x_client::OAuthClient::new(app, &x_config, http, clock).map_err(|e| {
            RemoteError::Unavailable {
                message: e.to_string(),
            }
        })?;
        let tokens = crate::tokens::token_set(&creds.value);
        if let Some(refresh) = &tokens.refresh_token {
            oauth
                .revoke_refresh_token(refresh)
                .await
                .map_err(|e| super::errors::from_x(&e))?;
        }
        oauth
            .revoke_access_token(&tokens.access_token)
            .await
            .map_err(|e| super::errors::from_x(&e))
    }
}
