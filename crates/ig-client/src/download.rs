//! Streaming media download with an SSRF guard.
//!
//! A `media_url` is data from the network, so it is checked before anything
//! is fetched: https on an allowed CDN host (or below an explicitly allowed
//! base), every redirect hop checked the same way, the content type an image
//! or video, and the size bounded while streaming.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt, stream};
use reqwest::redirect;
use url::Url;

use crate::client::{IgClient, UserClient};
use crate::config::Config;
use crate::error::Error;

const MAX_REDIRECTS: usize = 5;

pub(crate) fn download_client(config: &Config) -> Result<reqwest::Client, Error> {
    let policy = Arc::new(config.cdn.clone());
    let redirects = redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if let Err(reason) = policy.check(attempt.url()) {
            attempt.error(reason)
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .user_agent(config.user_agent.clone())
        .connect_timeout(Duration::from_secs(10))
        .redirect(redirects)
        .build()
        .map_err(|e| Error::InvalidConfig(format!("download HTTP client: {e}")))
}

/// An accepted download: headers checked, body not read yet.
#[derive(Debug)]
pub struct MediaDownload {
    content_type: String,
    content_length: Option<u64>,
    limit: u64,
    response: reqwest::Response,
}

impl MediaDownload {
    /// The `Content-Type` (an `image/…` or `video/…` type).
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The announced length, if the server sent one.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The body as a stream of chunks; it fails with [`Error::BodyTooLarge`]
    /// as soon as the total passes the limit.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, Error>> {
        let limit = self.limit;
        let chunks = self.response.bytes_stream();
        stream::unfold(
            (chunks, 0u64, false),
            move |(mut chunks, seen, failed)| async move {
                if failed {
                    return None;
                }
                match chunks.next().await? {
                    Ok(chunk) => {
                        let seen = seen + chunk.len() as u64;
                        if seen > limit {
                            Some((Err(Error::BodyTooLarge { limit }), (chunks, seen, true)))
                        } else {
                            Some((Ok(chunk), (chunks, seen, false)))
                        }
                    }
                    Err(error) => Some((Err(Error::network(error)), (chunks, seen, true))),
                }
            },
        )
    }

    /// The whole body in memory, within the limit.
    ///
    /// # Errors
    /// [`Error::BodyTooLarge`] or [`Error::Network`].
    pub async fn bytes(self) -> Result<Bytes, Error> {
        let mut body = Vec::with_capacity(
            usize::try_from(self.content_length.unwrap_or(0).min(self.limit)).unwrap_or(0),
        );
        let mut chunks = std::pin::pin!(self.into_stream());
        while let Some(chunk) = chunks.next().await {
            body.extend_from_slice(&chunk?);
        }
        Ok(Bytes::from(body))
    }
}

impl IgClient {
    /// Starts downloading a `media_url` / `thumbnail_url` /
    /// `profile_picture_url`. Signed CDN URLs need no token.
    ///
    /// # Errors
    /// [`Error::UrlRefused`] for a URL (or redirect) outside the allow-list,
    /// [`Error::UnexpectedContentType`], [`Error::BodyTooLarge`] when the
    /// announced length is over the limit, [`Error::RateLimited`] for a
    /// throttled CDN (429, or a Graph throttle body), another error of the
    /// API's mapping (usually [`Error::UnexpectedResponse`]) for any other
    /// non-2xx answer, [`Error::Network`].
    pub async fn download(&self, media_url: &str) -> Result<MediaDownload, Error> {
        let url = Url::parse(media_url).map_err(|e| Error::UrlRefused {
            reason: format!("not a URL: {e}"),
        })?;
        self.config
            .cdn
            .check(&url)
            .map_err(|reason| Error::UrlRefused {
                reason: reason.to_owned(),
            })?;
        let response = self
            .download_http
            .get(url)
            .timeout(self.config.download_timeout)
            .send()
            .await
            .map_err(|error| {
                if error.is_redirect() {
                    Error::UrlRefused {
                        reason: "redirect outside the allowed CDN hosts".to_owned(),
                    }
                } else {
                    Error::network(error)
                }
            })?;
        let status = response.status();
        if !status.is_success() {
            // Mapped as the API's answers are, so that a throttled or busy CDN
            // (429, a Graph throttle body) is waited out instead of failing the
            // post for good; the usage headers' wait, else `Retry-After`.
            let regain = crate::usage::RateBudget::from_headers(response.headers())
                .as_ref()
                .and_then(crate::usage::RateBudget::throttle_wait)
                .or_else(|| {
                    response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs)
                });
            let body = crate::client::read_limited(response, 4096)
                .await
                .unwrap_or_default();
            return Err(crate::error::from_error_body(status, &body, regain));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !(content_type.starts_with("image/") || content_type.starts_with("video/")) {
            return Err(Error::UnexpectedContentType { content_type });
        }
        let limit = self.config.max_download_bytes;
        let content_length = response.content_length();
        if content_length.is_some_and(|len| len > limit) {
            return Err(Error::BodyTooLarge { limit });
        }
        Ok(MediaDownload {
            content_type,
            content_length,
            limit,
            response,
        })
    }
}

impl UserClient {
    /// Same as [`IgClient::download`].
    ///
    /// # Errors
    /// See [`IgClient::download`].
    pub async fn download(&self, media_url: &str) -> Result<MediaDownload, Error> {
        self.client.download(media_url).await
    }
}
