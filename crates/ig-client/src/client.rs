//! The HTTP core: building Graph URLs, sending with a timeout, bounded body
//! reads, error mapping, usage capture and retry of idempotent reads.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::Config;
use crate::error::{Error, RetryKind, from_error_body};
use crate::secret::{AccessToken, AppCredentials};
use crate::usage::RateBudget;

/// The app-level client: configuration plus shared HTTP clients. Cheap to
/// clone. Use [`IgClient::user`] to act for one account and
/// [`IgClient::oauth`] to link accounts.
#[derive(Clone)]
pub struct IgClient {
    pub(crate) config: Arc<Config>,
    pub(crate) http: reqwest::Client,
    pub(crate) download_http: reqwest::Client,
}

impl fmt::Debug for IgClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IgClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl IgClient {
    /// A client with its own connection pool.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if the HTTP client cannot be built (TLS setup).
    pub fn new(config: Config) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(Duration::from_secs(10))
            .timeout(config.timeout)
            .build()
            .map_err(|e| Error::InvalidConfig(format!("HTTP client: {e}")))?;
        Self::with_http(config, http)
    }

    /// A client sharing the caller's `reqwest::Client` for API calls.
    ///
    /// Media downloads use a separate internal client, because they need a
    /// redirect policy that re-checks every hop against the CDN allow-list.
    /// Every request still gets this configuration's timeout.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if the download client cannot be built.
    pub fn with_http(config: Config, http: reqwest::Client) -> Result<Self, Error> {
        let download_http = crate::download::download_client(&config)?;
        Ok(Self {
            config: Arc::new(config),
            http,
            download_http,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Acts for one account with its access token.
    pub fn user(&self, token: AccessToken) -> UserClient {
        UserClient {
            client: self.clone(),
            token,
            budget: BudgetCell::default(),
        }
    }

    /// The OAuth flows for the app with these credentials.
    pub fn oauth(&self, credentials: AppCredentials) -> crate::oauth::OAuth {
        crate::oauth::OAuth::new(self.clone(), credentials)
    }

    /// A Graph URL, with the version segment when `versioned` and one is configured.
    pub(crate) fn graph_url(&self, segments: &[&str], versioned: bool) -> Url {
        let version = self.config.api_version.as_deref().filter(|_| versioned);
        endpoint(
            &self.config.graph_base,
            version.into_iter().chain(segments.iter().copied()),
        )
    }

    /// Sends once: applies the timeout, reads the body within the limit,
    /// records usage, maps errors.
    pub(crate) async fn send(
        &self,
        request: RequestBuilder,
        budget: Option<&BudgetCell>,
    ) -> Result<Vec<u8>, Error> {
        let response = request
            .timeout(self.config.timeout)
            .header(reqwest::header::USER_AGENT, &self.config.user_agent)
            .send()
            .await
            .map_err(Error::network)?;
        let status = response.status();
        let usage = RateBudget::from_headers(response.headers());
        if let (Some(cell), Some(usage)) = (budget, usage.clone()) {
            cell.store(usage);
        }
        let body = read_limited(response, self.config.max_response_bytes).await?;
        if status.is_success() {
            Ok(body)
        } else {
            let regain = usage.as_ref().and_then(RateBudget::throttle_wait);
            Err(from_error_body(status, &body, regain))
        }
    }

    /// Sends with retries (idempotent requests only), then parses JSON.
    pub(crate) async fn send_json<T: DeserializeOwned>(
        &self,
        build: impl Fn() -> RequestBuilder,
        retry: bool,
        budget: Option<&BudgetCell>,
    ) -> Result<T, Error> {
        let mut attempt = 0;
        loop {
            let result = self
                .send(build(), budget)
                .await
                .and_then(|body| parse_json(&body));
            match result {
                Err(error)
                    if retry
                        && attempt < self.config.retry.max_retries
                        // Only `Backoff` is retried here: a throttle is always
                        // `After` (minutes), because calls made while
                        // throttled extend the block.
                        && error.retry_kind() == RetryKind::Backoff =>
                {
                    tokio::time::sleep(self.config.retry.delay(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// Builds `base/seg/seg…`, percent-encoding each segment.
pub(crate) fn endpoint<'a>(base: &Url, segments: impl IntoIterator<Item = &'a str>) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// Parses a 2xx body; on failure the raw body is kept in the error.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|source| Error::UnexpectedResponse {
        status: 200,
        body: String::from_utf8_lossy(body).into_owned(),
        source: Some(source),
    })
}

/// Reads a body, refusing more than `limit` bytes (checked up front from
/// `Content-Length` and again while streaming, since it may lie or be absent).
pub(crate) async fn read_limited(mut response: Response, limit: u64) -> Result<Vec<u8>, Error> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(Error::BodyTooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Error::network)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(Error::BodyTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The latest rate budget one account's calls reported.
#[derive(Debug, Clone, Default)]
pub(crate) struct BudgetCell(Arc<Mutex<Option<RateBudget>>>);

impl BudgetCell {
    fn store(&self, budget: RateBudget) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(budget);
    }

    fn load(&self) -> Option<RateBudget> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// Acts for one Instagram account: reading, downloading and publishing.
/// Cheap to clone; clones share the recorded rate budget.
#[derive(Clone)]
pub struct UserClient {
    pub(crate) client: IgClient,
    pub(crate) token: AccessToken,
    pub(crate) budget: BudgetCell,
}

impl fmt::Debug for UserClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserClient")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl UserClient {
    /// The rate budget reported by the latest response that carried usage headers.
    pub fn rate_budget(&self) -> Option<RateBudget> {
        self.budget.load()
    }

    /// The app-level client.
    pub fn client(&self) -> &IgClient {
        &self.client
    }

    /// A GET on the versioned Graph host, retried on transient failures.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T, Error> {
        self.call(Method::GET, segments, |r| r.query(query), true)
            .await
    }

    /// A form POST on the versioned Graph host; never retried (not idempotent).
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        form: &[(&str, String)],
    ) -> Result<T, Error> {
        self.call(Method::POST, segments, |r| r.form(form), false)
            .await
    }

    /// An authorized call on the versioned Graph host that records the rate
    /// budget; `params` adds the query or form.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        params: impl Fn(RequestBuilder) -> RequestBuilder,
        retry: bool,
    ) -> Result<T, Error> {
        let url = self.client.graph_url(segments, true);
        self.client
            .send_json(
                || {
                    params(
                        self.client
                            .http
                            .request(method.clone(), url.clone())
                            .bearer_auth(self.token.expose()),
                    )
                },
                retry,
                Some(&self.budget),
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_base_path() {
        let base = Url::parse("http://127.0.0.1:9/instagram/graph").unwrap();
        assert_eq!(
            endpoint(&base, ["v24.0", "me", "media"]).as_str(),
            "http://127.0.0.1:9/instagram/graph/v24.0/me/media"
        );
        let base = Url::parse("https://graph.instagram.com/").unwrap();
        assert_eq!(
            endpoint(&base, ["a/b"]).as_str(),
            "https://graph.instagram.com/a%2Fb"
        );
    }
}
