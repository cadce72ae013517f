//! [`XClient`] and the one request loop every endpoint goes through: authentication,
//! the client-side limiter, timeouts, the body size cap, error mapping, refresh on
//! 401 and bounded retries.

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, Endpoints};
use crate::error::Error;
use crate::oauth1::{self, OAuth1Credentials};
use crate::rate_limit::{Endpoint, RateLimitInfo, RateLimits};
use crate::session::UserSession;
use crate::token::{AccessToken, Scope, TokenSet};
use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use reqwest::{Method, multipart};
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A client for one X user. Cheap to clone; clones share tokens and rate-limit state.
#[derive(Clone)]
pub struct XClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) config: Config,
    pub(crate) clock: Arc<dyn Clock>,
    session: Option<Arc<UserSession>>,
    oauth1: Option<OAuth1Credentials>,
    limits: RateLimits,
}

impl fmt::Debug for XClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XClient")
            .field("endpoints", &self.inner.config.endpoints)
            .field("session", &self.inner.session)
            .field("oauth1", &self.inner.oauth1)
            .finish_non_exhaustive()
    }
}

/// Builds an [`XClient`].
#[derive(Default)]
pub struct XClientBuilder {
    config: Config,
    http: Option<reqwest::Client>,
    clock: Option<Arc<dyn Clock>>,
    session: Option<Arc<UserSession>>,
    oauth1: Option<OAuth1Credentials>,
}

impl fmt::Debug for XClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XClientBuilder")
            .field("config", &self.config)
            .field("session", &self.session)
            .field("oauth1", &self.oauth1)
            .finish_non_exhaustive()
    }
}

impl XClientBuilder {
    /// Replaces the whole configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Points the client at other hosts (an emulator, a proxy).
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.config.endpoints = endpoints;
        self
    }

    /// Shares an existing `reqwest::Client` (its connection pool). Timeouts are still
    /// set per request from the configuration.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Replaces the clock (tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Uses fixed OAuth 2.0 user tokens that are never refreshed.
    pub fn tokens(mut self, tokens: TokenSet) -> Self {
        self.session = Some(Arc::new(UserSession::new(tokens)));
        self
    }

    /// Uses an OAuth 2.0 session, which may refresh and rotate its tokens.
    pub fn session(mut self, session: Arc<UserSession>) -> Self {
        self.session = Some(session);
        self
    }

    /// Adds OAuth 1.0a user credentials (required by the v1.1 profile endpoints,
    /// accepted by v2 ones when there is no OAuth 2.0 session).
    pub fn oauth1(mut self, credentials: OAuth1Credentials) -> Self {
        self.oauth1 = Some(credentials);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] without any credentials, or when the HTTP client cannot be
    /// built.
    pub fn build(self) -> Result<XClient, Error> {
        if self.session.is_none() && self.oauth1.is_none() {
            return Err(Error::Config {
                reason: "no credentials: give OAuth 2.0 tokens or OAuth 1.0a credentials".into(),
            });
        }
        let http = match self.http {
            Some(http) => http,
            None => default_http(&self.config)?,
        };
        Ok(XClient {
            inner: Arc::new(Inner {
                http,
                config: self.config,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                session: self.session,
                oauth1: self.oauth1,
                limits: RateLimits::default(),
            }),
        })
    }
}

/// A `reqwest::Client` with the configured user agent and a connect timeout.
///
/// # Errors
/// [`Error::Config`] when the TLS backend cannot start.
pub fn default_http(config: &Config) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .user_agent(config.user_agent.clone())
        .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
        .timeout(config.request_timeout.max(config.upload_timeout))
        .build()
        .map_err(|e| Error::Config {
            reason: format!("HTTP client: {e}"),
        })
}

/// Which credentials a call needs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Auth {
    /// OAuth 2.0 user token with these scopes, or OAuth 1.0a.
    User(&'static [Scope]),
    /// OAuth 1.0a only (v1.1 endpoints).
    OAuth1Only,
}

/// A request body that can be rebuilt for each attempt.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    Empty,
    Json(Vec<u8>),
    Form(Vec<(String, String)>),
    Multipart(Vec<Part>),
}

/// One multipart field.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    Text(&'static str, String),
    File {
        name: &'static str,
        data: Bytes,
        mime: String,
    },
}

/// One API call, described so it can be retried.
#[derive(Debug)]
pub(crate) struct Call {
    pub endpoint: Endpoint,
    pub method: Method,
    pub url: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Body,
    pub auth: Auth,
    /// Safe to resend after an answer was possibly produced (5xx, timeout).
    pub idempotent: bool,
    pub timeout: Duration,
}

impl Call {
    pub(crate) fn new(endpoint: Endpoint, method: Method, url: String, auth: Auth) -> Self {
        Self {
            endpoint,
            idempotent: matches!(method, Method::GET | Method::DELETE | Method::PUT),
            method,
            url,
            query: Vec::new(),
            body: Body::Empty,
            auth,
            timeout: Duration::from_secs(30),
        }
    }

    pub(crate) fn json(mut self, value: &serde_json::Value) -> Self {
        self.body = Body::Json(value.to_string().into_bytes());
        self
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Raw {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Raw {
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|source| Error::Decode {
            status: self.status,
            body: String::from_utf8_lossy(&self.body).into_owned(),
            source,
        })
    }
}

impl XClient {
    /// Starts building a client.
    pub fn builder() -> XClientBuilder {
        XClientBuilder::default()
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The last rate-limit headers seen for `endpoint`.
    pub fn rate_limit(&self, endpoint: Endpoint) -> Option<RateLimitInfo> {
        self.inner.limits.get(endpoint)
    }

    /// The current OAuth 2.0 tokens (after any refresh), for the caller to persist.
    pub async fn tokens(&self) -> Option<TokenSet> {
        match &self.inner.session {
            Some(s) => Some(s.tokens().await),
            None => None,
        }
    }

    pub(crate) fn api_url(&self, path: &str) -> String {
        self.inner.config.endpoints.api_url(path)
    }

    pub(crate) fn upload_url(&self, path: &str) -> String {
        self.inner.config.endpoints.upload_url(path)
    }

    /// Sends `call`, retrying as [`Error::retry_kind`] allows within the policy.
    pub(crate) async fn execute(&self, call: Call) -> Result<Raw, Error> {
        let inner = &self.inner;
        let mut retries = 0u32;
        let mut refreshed = false;
        loop {
            self.wait_for_window(call.endpoint).await?;
            let mut sent = None;
            let result = self.attempt(&call, &mut sent).await;
            let err = match result {
                Ok(raw) => return Ok(raw),
                Err(err) => err,
            };
            if let (Error::Unauthorized { .. }, Some(session), Some(sent)) =
                (&err, &inner.session, &sent)
            {
                if session.after_unauthorized(sent, refreshed).await? {
                    refreshed = true;
                    continue;
                }
            }
            // A rate limit is the caller's to pace, even one without a reset to name,
            // unless it opted in to sleeping here.
            let paced_by_caller = inner.config.rate_limit_sleep.is_none();
            if retries >= inner.config.retry.max_retries
                || (paced_by_caller && matches!(err, Error::RateLimited { .. }))
            {
                return Err(err);
            }
            let delay = match err.retry_kind() {
                crate::error::RetryKind::Backoff if call.idempotent || err.not_sent() => {
                    inner.config.retry.delay(retries)
                }
                crate::error::RetryKind::At(at) => {
                    let wait = crate::clock::until(inner.clock.now(), at);
                    if !inner.config.sleeps_through(wait) || !(call.idempotent || err.not_sent()) {
                        return Err(err);
                    }
                    // A little jitter so clients sharing a window don't stampede.
                    wait + inner.config.retry.delay(0) / 4
                }
                _ => return Err(err),
            };
            tracing::debug!(endpoint = ?call.endpoint, ?delay, error = %err, "retrying");
            inner.clock.sleep(delay).await;
            retries += 1;
        }
    }

    /// The client-side limiter: refuses a call on a window known to be empty, or waits
    /// for its reset when the configuration opted in to sleeping.
    async fn wait_for_window(&self, endpoint: Endpoint) -> Result<(), Error> {
        let inner = &self.inner;
        if !inner.config.respect_rate_limits {
            return Ok(());
        }
        let Some(info) = inner.limits.get(endpoint) else {
            return Ok(());
        };
        let now = inner.clock.now();
        let Some(until) = info.blocked_until(now) else {
            return Ok(());
        };
        let wait = crate::clock::until(now, until);
        if !inner.config.sleeps_through(wait) {
            return Err(Error::RateLimited {
                until: Some(until),
                info: Box::new(info),
                problem: None,
            });
        }
        inner.clock.sleep(wait).await;
        Ok(())
    }

    /// One try; `sent` receives the OAuth 2.0 access token the request carried.
    async fn attempt(&self, call: &Call, sent: &mut Option<AccessToken>) -> Result<Raw, Error> {
        let inner = &self.inner;
        let mut url = url::Url::parse(&call.url).map_err(|e| Error::Config {
            reason: format!("URL `{}`: {e}", call.url),
        })?;
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut request = inner
            .http
            .request(call.method.clone(), url.clone())
            .timeout(call.timeout);
        request = match &call.body {
            Body::Empty => request,
            Body::Json(bytes) => request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Form(pairs) => request.form(pairs),
            Body::Multipart(parts) => request.multipart(multipart_form(parts)?),
        };
        request = request.header(AUTHORIZATION, self.authorization(call, &url, sent).await?);

        let timeout = call.timeout;
        let limit = inner.config.max_response_bytes;
        let exchange = async {
            let mut response = request.send().await.map_err(|e| transport(e, timeout))?;
            let status = response.status().as_u16();
            let headers: HeaderMap = response.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| transport(e, timeout))? {
                if body.len() + chunk.len() > limit {
                    return Err(Error::ResponseTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, headers, body))
        };
        let (status, headers, body) = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| Error::Timeout { after: timeout })??;
        let info = RateLimitInfo::from_headers(&headers);
        inner.limits.record(call.endpoint, info);
        if (200..300).contains(&status) {
            Ok(Raw { status, body })
        } else {
            Err(Error::from_response(status, info, &body, inner.clock.now()))
        }
    }

    async fn authorization(
        &self,
        call: &Call,
        url: &url::Url,
        sent: &mut Option<AccessToken>,
    ) -> Result<String, Error> {
        let inner = &self.inner;
        let oauth1_header = |creds: &OAuth1Credentials| {
            let form = match &call.body {
                Body::Form(pairs) => pairs.clone(),
                _ => Vec::new(),
            };
            oauth1::authorization_header(
                creds,
                call.method.as_str(),
                url,
                &form,
                &oauth1::new_nonce(),
                oauth1::timestamp(inner.clock.now()),
            )
        };
        match (call.auth, &inner.session, &inner.oauth1) {
            (Auth::User(scopes), Some(session), _) => {
                let tokens = session.tokens().await;
                if let Some(scope) = tokens.scopes.first_missing(scopes) {
                    if !tokens.scopes.is_empty() {
                        return Err(Error::MissingScope {
                            scope: scope.clone(),
                            endpoint: call.endpoint,
                        });
                    }
                }
                let token = session
                    .access_token(inner.clock.as_ref(), inner.config.refresh_margin)
                    .await?;
                let header = format!("Bearer {}", token.expose_secret());
                *sent = Some(token);
                Ok(header)
            }
            (_, _, Some(creds)) => Ok(oauth1_header(creds)),
            (Auth::OAuth1Only, _, None) => Err(Error::CredentialsMissing {
                endpoint: call.endpoint,
                needed: "OAuth 1.0a user",
            }),
            (Auth::User(_), None, None) => Err(Error::CredentialsMissing {
                endpoint: call.endpoint,
                needed: "OAuth 2.0 or OAuth 1.0a user",
            }),
        }
    }
}

fn multipart_form(parts: &[Part]) -> Result<multipart::Form, Error> {
    let mut form = multipart::Form::new();
    for part in parts {
        form = match part {
            Part::Text(name, value) => form.text(*name, value.clone()),
            Part::File { name, data, mime } => {
                let piece = multipart::Part::stream_with_length(
                    reqwest::Body::from(data.clone()),
                    data.len() as u64,
                )
                .file_name("media")
                .mime_str(mime)
                .map_err(|e| Error::invalid("media type", e.to_string()))?;
                form.part(*name, piece)
            }
        };
    }
    Ok(form)
}

fn transport(e: reqwest::Error, timeout: Duration) -> Error {
    if e.is_timeout() {
        Error::Timeout { after: timeout }
    } else {
        Error::Network {
            connect: e.is_connect(),
            source: e,
        }
    }
}
