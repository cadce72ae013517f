//! Building a link's [`InstagramSource`] and [`XTarget`] from the store's
//! credentials and one shared configuration.

use std::sync::Arc;
use std::time::Duration;

use xpost_core::{LinkId, RemoteError, Side, Store, StoreError, SystemClock};

use super::clock::SharedClock;
use super::instagram::InstagramSource;
use super::x::XTarget;
use crate::tokens::{RefreshGuards, StoreTokenHook, token_set};

/// Why a link's adapters could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// The platform refused or failed (a refresh, say).
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The store failed.
    #[error("reading credentials failed: {0}")]
    Store(#[source] StoreError),
    /// The link has no credentials for this side: it must be linked (again).
    #[error("link {link} has no {side} credentials; link the account first")]
    NoCredentials {
        /// The link.
        link: LinkId,
        /// The side without credentials.
        side: Side,
    },
    /// A client could not be configured (a bad base URL, no TLS backend).
    #[error("invalid client configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
        /// The client's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl AdapterError {
    fn config(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Config {
            message: error.to_string(),
            source: Box::new(error),
        }
    }
}

/// What every link's adapters share: hosts, HTTP client, timeouts, apps, time.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AdapterConfig {
    /// An emulator's base URL that every Instagram and X host points at
    /// (`--emulator URL`); `None` (default) for the real platforms.
    pub emulator: Option<String>,
    /// The connection pool shared by every API call; `None` (default) builds one.
    pub http: Option<reqwest::Client>,
    /// Timeout of one API request. Default 30 s.
    pub request_timeout: Duration,
    /// Timeout of one media download or upload. Default 5 min.
    pub media_timeout: Duration,
    /// Posts per Instagram listing request. Default 25.
    pub page_size: u32,
    /// How old an Instagram token must be before it may be refreshed.
    /// Default 24 h, Instagram's rule; an emulator with short token lives
    /// needs its scaled value (1/60 of the token life).
    pub ig_refresh_min_age: Duration,
    /// Refresh an Instagram token once it expires within this. Default 7 days.
    pub ig_refresh_window: Duration,
    /// The Instagram app, for token refresh.
    pub instagram_app: Option<ig_client::AppCredentials>,
    /// The X app, so sessions can refresh; without it an expired X token needs
    /// a new login.
    pub x_app: Option<x_client::OAuthApp>,
    /// The X app's OAuth 1.0a consumer key pair, which signs the v1.1 profile
    /// calls of links with an OAuth 1.0a token; without it those links use v2 only.
    pub x_consumer: Option<x_client::OAuth1Consumer>,
    /// Where "now" comes from. Default the system clock.
    pub clock: SharedClock,
    /// Keeps the X sessions built from this configuration (and its clones)
    /// from refreshing one link's tokens at the same time.
    pub refresh_guards: RefreshGuards,
}

impl Default for AdapterConfig {
    fn default() -> Self {
        Self {
            emulator: None,
            http: None,
            request_timeout: Duration::from_secs(30),
            media_timeout: Duration::from_secs(300),
            page_size: 25,
            ig_refresh_min_age: Duration::from_secs(24 * 3600),
            ig_refresh_window: Duration::from_secs(7 * 24 * 3600),
            instagram_app: None,
            x_app: None,
            x_consumer: None,
            clock: SharedClock(Arc::new(SystemClock)),
            refresh_guards: RefreshGuards::default(),
        }
    }
}

impl AdapterConfig {
    /// The Instagram client these settings describe.
    ///
    /// # Errors
    /// [`AdapterError::Config`].
    pub fn instagram_client(&self) -> Result<ig_client::IgClient, AdapterError> {
        // The engine decides when a token is old enough to refresh, scaled to the
        // token's own life (see `refresh_instagram_if_due`); the platform checks too.
        let mut builder = ig_client::Config::builder()
            .timeout(self.request_timeout)
            .download_timeout(self.media_timeout)
            .refresh_min_age(Duration::ZERO)
            .clock(Arc::new(self.clock.clone()));
        if let Some(base) = &self.emulator {
            builder = builder.emulator(base);
        }
        let config = builder.build().map_err(AdapterError::config)?;
        match &self.http {
            Some(http) => ig_client::IgClient::with_http(config, http.clone()),
            None => ig_client::IgClient::new(config),
        }
        .map_err(AdapterError::config)
    }

    /// The X client configuration these settings describe.
    ///
    /// # Errors
    /// [`AdapterError::Config`].
    pub fn x_config(&self) -> Result<x_client::Config, AdapterError> {
        let mut builder = x_client::Config::builder()
            .request_timeout(self.request_timeout)
            .upload_timeout(self.media_timeout);
        if let Some(base) = &self.emulator {
            builder = builder.emulator(base);
        }
        builder.build().map_err(AdapterError::config)
    }

    /// The Instagram OAuth endpoints for [`AdapterConfig::instagram_app`].
    ///
    /// # Errors
    /// [`AdapterError::Config`] without an app, or for a bad configuration.
    pub fn instagram_oauth(&self) -> Result<ig_client::OAuth, AdapterError> {
        let app = self.instagram_app.clone().ok_or_else(|| {
            AdapterError::config(ig_client::Error::InvalidConfig(
                "no Instagram app credentials to refresh with".into(),
            ))
        })?;
        Ok(self.instagram_client()?.oauth(app))
    }
}

/// `link`'s Instagram account as a source, with its stored token.
///
/// # Errors
/// [`AdapterError::NoCredentials`], [`AdapterError::Store`],
/// [`AdapterError::Config`].
pub async fn instagram_source(
    store: &dyn Store,
    link: &LinkId,
    config: &AdapterConfig,
) -> Result<InstagramSource, AdapterError> {
    let creds = store
        .credentials(link, Side::Source)
        .await
        .map_err(AdapterError::Store)?
        .ok_or_else(|| AdapterError::NoCredentials {
            link: link.clone(),
            side: Side::Source,
        })?;
    let user = config.instagram_client()?.user(ig_client::AccessToken::new(
        creds.value.access_token.expose(),
    ));
    Ok(InstagramSource::new(
        user,
        config.page_size,
        config.clock.clone(),
    ))
}

/// `link`'s X account as a target, with a session that refreshes through
/// [`AdapterConfig::x_app`] and rotates its tokens in `store`.
///
/// # Errors
/// [`AdapterError::NoCredentials`], [`AdapterError::Store`],
/// [`AdapterError::Config`].
pub async fn x_target(
    store: Arc<dyn Store>,
    link: &LinkId,
    config: &AdapterConfig,
) -> Result<XTarget, AdapterError> {
    let creds = store
        .credentials(link, Side::Target)
        .await
        .map_err(AdapterError::Store)?
        .ok_or_else(|| AdapterError::NoCredentials {
            link: link.clone(),
            side: Side::Target,
        })?;
    let oauth1 = match &config.x_consumer {
        Some(consumer) => store
            .oauth1_token(link)
            .await
            .map_err(AdapterError::Store)?
            .map(|t| consumer.with_token(t.token.expose(), t.token_secret.expose())),
        None => None,
    };
    let x_config = config.x_config()?;
    let http = match &config.http {
        Some(http) => http.clone(),
        None => x_client::default_http(&x_config).map_err(AdapterError::config)?,
    };
    let clock: Arc<dyn x_client::Clock> = Arc::new(config.clock.clone());
    let tokens = token_set(&creds.value);
    let session = match &config.x_app {
        Some(app) if tokens.refresh_token.is_some() => {
            let oauth =
                x_client::OAuthClient::new(app, &x_config, http.clone(), Arc::clone(&clock))
                    .map_err(AdapterError::config)?;
            let hook = StoreTokenHook::new(
                store,
                link.clone(),
                &creds.value,
                &config.refresh_guards,
                config.clock.clone(),
                config.request_timeout,
            );
            x_client::UserSession::refreshing(tokens, oauth, Some(Arc::new(hook)))
        }
        _ => x_client::UserSession::new(tokens),
    };
    let linked = oauth1.is_some();
    let mut builder = x_client::XClient::builder()
        .config(x_config)
        .http_client(http)
        .clock(clock)
        .session(Arc::new(session));
    if let Some(credentials) = oauth1 {
        builder = builder.oauth1(credentials);
    }
    let client = builder.build().map_err(AdapterError::config)?;
    Ok(XTarget::new(client).with_oauth1(linked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_an_app_secret() {
        let config = AdapterConfig {
            instagram_app: Some(ig_client::AppCredentials::new("app", "ig-secret-value")),
            x_app: Some(x_client::OAuthApp {
                client_id: "app".into(),
                client_secret: Some(x_client::ClientSecret::new("x-secret-value")),
                redirect_uri: "http://127.0.0.1:9/callback".into(),
            }),
            ..AdapterConfig::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret-value"), "{shown}");
    }
}
