//! [`Shlink`]: the adapter for a self-hosted Shlink, REST API v3.
//!
//! One call: `POST {base}/rest/v3/short-urls` with the key in `X-Api-Key`
//! and `{"longUrl": ..., "findIfExists": true, "tags": [...]}`. Asking with
//! `findIfExists` makes the call idempotent — the same long URL (and tags)
//! gives back the same short URL — which is what lets the transport retry a
//! POST. Errors are RFC 7807 problem documents (`type`, `title`, `detail`,
//! `status`).

use std::fmt;

use async_trait::async_trait;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;
use xpost_core::{ShortenError, Shortener};

use crate::error::BuildError;
use crate::http::{Answer, Common, Transport, check_long_url, common_setters, join};
use crate::response::{failure, short_url};

/// Shortens URLs through a Shlink server.
#[derive(Clone)]
pub struct Shlink {
    endpoint: Url,
    api_key: SecretString,
    tags: Vec<String>,
    transport: Transport,
}

impl Shlink {
    /// A builder; the base URL and the API key are required.
    pub fn builder() -> ShlinkBuilder {
        ShlinkBuilder::default()
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }
}

impl fmt::Debug for Shlink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shlink")
            .field("endpoint", &self.endpoint.as_str())
            .field("api_key", &"[redacted]")
            .field("tags", &self.tags)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Shlink`].
#[derive(Default, Clone)]
pub struct ShlinkBuilder {
    common: Common,
    api_key: Option<SecretString>,
    tags: Vec<String>,
}

impl fmt::Debug for ShlinkBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShlinkBuilder")
            .field("base_url", &self.common.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("tags", &self.tags)
            .finish_non_exhaustive()
    }
}

impl ShlinkBuilder {
    common_setters!();

    /// The API key, sent as `X-Api-Key` (required).
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Tags put on every short URL made (e.g. `xpost`), to find them in
    /// Shlink. Default none.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Checks the settings and builds the adapter.
    ///
    /// # Errors
    /// [`BuildError`] for a missing or unusable base URL, a missing or
    /// empty key, a zero timeout or an invalid user agent.
    pub fn build(self) -> Result<Shlink, BuildError> {
        let api_key = self
            .api_key
            .filter(|k| !k.expose_secret().trim().is_empty())
            .ok_or(BuildError::MissingKey { what: "API key" })?;
        if HeaderValue::from_str(api_key.expose_secret()).is_err() {
            return Err(BuildError::Settings(
                "the Shlink API key holds characters a header cannot carry".to_owned(),
            ));
        }
        let (base, transport) = self.common.build()?;
        Ok(Shlink {
            endpoint: join(&base, &["rest", "v3", "short-urls"]),
            api_key,
            tags: self.tags,
            transport,
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateShortUrl<'a> {
    long_url: &'a str,
    find_if_exists: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShortUrlAnswer {
    short_url: Option<String>,
}

#[async_trait]
impl Shortener for Shlink {
    async fn shorten(&self, long_url: &Url) -> Result<Url, ShortenError> {
        check_long_url(long_url)?;
        let body = CreateShortUrl {
            long_url: long_url.as_str(),
            find_if_exists: true,
            tags: &self.tags,
        };
        self.transport
            .call(
                |client| {
                    let mut key = HeaderValue::from_str(self.api_key.expose_secret())
                        .unwrap_or_else(|_| HeaderValue::from_static(""));
                    key.set_sensitive(true);
                    client
                        .post(self.endpoint.clone())
                        .header("X-Api-Key", key)
                        .json(&body)
                },
                interpret,
            )
            .await
    }
}

/// Maps Shlink's answer to the short URL or an error.
fn interpret(answer: Answer) -> Result<Url, ShortenError> {
    if !(200..300).contains(&answer.status) {
        return Err(failure(&answer, problem_message(&answer)));
    }
    let parsed: ShortUrlAnswer =
        serde_json::from_slice(&answer.body).map_err(|e| ShortenError::BadResponse {
            status: answer.status,
            reason: "the body is not the JSON of a short URL".to_owned(),
            body: answer.text(),
            source: Some(Box::new(e)),
        })?;
    short_url(&answer, parsed.short_url.as_deref(), "shortUrl")
}

/// The `detail` (or `title`) of a problem document, if the body is one.
fn problem_message(answer: &Answer) -> Option<String> {
    #[derive(Deserialize)]
    struct Problem {
        title: Option<String>,
        detail: Option<String>,
    }
    let problem: Problem = serde_json::from_slice(&answer.body).ok()?;
    match (problem.title, problem.detail) {
        (Some(t), Some(d)) => Some(format!("{t}: {d}")),
        (t, d) => d.or(t),
    }
}
