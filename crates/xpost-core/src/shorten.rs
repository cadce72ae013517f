//! Link shortening: the [`Shortener`] seam and its one error type.
//!
//! X wraps every link in its own `t.co` form and counts it as 23 characters
//! whatever its length, so a shortener never saves room in a post. Some users
//! still want their own short domain (branding, click counts on a self-hosted
//! service), so the engine passes the permalink — after UTM parameters are
//! added — through a [`Shortener`] before rendering. [`NoShortener`] is the
//! default and returns the link unchanged; real adapters live in their own
//! crate so that this one stays free of I/O.

use std::time::Duration;

use async_trait::async_trait;
use url::Url;

use crate::RetryKind;

/// Turns a long URL into a short one. Implementations talk to a service;
/// callers hold them as `dyn Shortener`.
#[async_trait]
pub trait Shortener: Send + Sync {
    /// The short form of `long_url`. Asking twice for the same URL should give
    /// the same answer, so that a retried call does not leave stray links.
    ///
    /// # Errors
    /// A [`ShortenError`] whose [`ShortenError::retry_kind`] says whether
    /// trying again can help.
    async fn shorten(&self, long_url: &Url) -> Result<Url, ShortenError>;
}

/// The default: no shortening, the URL is returned as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoShortener;

#[async_trait]
impl Shortener for NoShortener {
    async fn shorten(&self, long_url: &Url) -> Result<Url, ShortenError> {
        Ok(long_url.clone())
    }
}

/// Why a URL could not be shortened, sorted by what the caller does about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShortenError {
    /// The URL given to shorten is not one a shortener takes (not http or
    /// https, say). Fix the input; retrying fails the same way.
    #[error("cannot shorten {url:?}: {reason}")]
    InvalidUrl {
        /// The refused URL, as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The service refused the key or signature (401 or 403). An operator
    /// must fix the configured secret; retrying fails the same way.
    #[error("the shortener refused the credentials (HTTP {status}): {message}")]
    Unauthorized {
        /// The HTTP status.
        status: u16,
        /// The service's explanation, or the raw body when it gave none.
        message: String,
    },
    /// The service asked us to slow down (429).
    #[error("the shortener is rate limiting{}", retry_after.map(|d| format!(", retry after {d:?}")).unwrap_or_default())]
    RateLimited {
        /// How long to wait, when the service said (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// The service refused the request itself (another 4xx, or a failure it
    /// reported in the body). Retrying fails the same way.
    #[error("the shortener rejected the request (HTTP {status}): {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The service's explanation, or the raw body when it gave none.
        message: String,
    },
    /// The service failed (5xx); worth another try later.
    #[error("the shortener failed with HTTP {status}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// A server-given `Retry-After`, if any.
        retry_after: Option<Duration>,
        /// The raw body.
        body: String,
    },
    /// A success status whose body is not what the service documents (bad
    /// JSON, no short URL, a short URL that does not parse).
    #[error("unexpected answer from the shortener (HTTP {status}): {reason}")]
    BadResponse {
        /// The HTTP status.
        status: u16,
        /// What was wrong with it.
        reason: String,
        /// The raw body, kept for diagnosis.
        body: String,
        /// The parse error, when there was one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The answer was larger than the configured limit and was not read to
    /// the end.
    #[error("the shortener's answer exceeds {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// No complete answer arrived within the timeout.
    #[error("the shortener did not answer within {after:?}")]
    Timeout {
        /// The timeout that expired.
        after: Duration,
    },
    /// The connection failed or dropped.
    #[error("cannot reach the shortener: {source}")]
    Network {
        /// The transport error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ShortenError {
    /// What to do next: the one place that decides whether a failure is
    /// worth retrying. A server-given delay beats the status code.
    pub fn retry_kind(&self) -> RetryKind {
        match self {
            ShortenError::RateLimited {
                retry_after: Some(d),
            }
            | ShortenError::Server {
                retry_after: Some(d),
                ..
            } => RetryKind::After(*d),
            ShortenError::RateLimited { retry_after: None }
            | ShortenError::Server { .. }
            | ShortenError::Timeout { .. }
            | ShortenError::Network { .. } => RetryKind::Backoff,
            ShortenError::InvalidUrl { .. }
            | ShortenError::Unauthorized { .. }
            | ShortenError::Rejected { .. }
            | ShortenError::BadResponse { .. }
            | ShortenError::TooLarge { .. } => RetryKind::Never,
        }
    }

    /// Whether a retry can succeed without anyone changing anything.
    pub fn is_retryable(&self) -> bool {
        self.retry_kind().is_retryable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_shortener_returns_the_url_unchanged() -> Result<(), Box<dyn std::error::Error>> {
        let long = Url::parse("https://www.instagram.com/p/B38Xyp6nqsS/?utm_source=x#frag")?;
        let shortener: &dyn Shortener = &NoShortener;
        let out = block_on(shortener.shorten(&long))?;
        assert_eq!(out, long);
        Ok(())
    }

    #[test]
    fn retry_kinds_follow_what_the_caller_can_do() {
        let after = Duration::from_secs(30);
        let cases = [
            (
                ShortenError::RateLimited {
                    retry_after: Some(after),
                },
                RetryKind::After(after),
            ),
            (
                ShortenError::RateLimited { retry_after: None },
                RetryKind::Backoff,
            ),
            (
                ShortenError::Server {
                    status: 503,
                    retry_after: Some(after),
                    body: String::new(),
                },
                RetryKind::After(after),
            ),
            (
                ShortenError::Server {
                    status: 502,
                    retry_after: None,
                    body: String::new(),
                },
                RetryKind::Backoff,
            ),
            (ShortenError::Timeout { after }, RetryKind::Backoff),
            (
                ShortenError::Network {
                    source: "connection reset".into(),
                },
                RetryKind::Backoff,
            ),
            (
                ShortenError::Unauthorized {
                    status: 401,
                    message: String::new(),
                },
                RetryKind::Never,
            ),
            (
                ShortenError::Rejected {
                    status: 400,
                    message: String::new(),
                },
                RetryKind::Never,
            ),
            (
                ShortenError::BadResponse {
                    status: 200,
                    reason: String::new(),
                    body: "<html>".to_owned(),
                    source: None,
                },
                RetryKind::Never,
            ),
            (ShortenError::TooLarge { limit: 10 }, RetryKind::Never),
            (
                ShortenError::InvalidUrl {
                    url: "ftp://x".to_owned(),
                    reason: String::new(),
                },
                RetryKind::Never,
            ),
        ];
        for (error, kind) in cases {
            assert_eq!(error.retry_kind(), kind, "{error}");
            assert_eq!(error.is_retryable(), kind.is_retryable(), "{error}");
        }
    }

    #[test]
    fn errors_say_what_happened() {
        let e = ShortenError::RateLimited {
            retry_after: Some(Duration::from_secs(60)),
        };
        assert_eq!(
            e.to_string(),
            "the shortener is rate limiting, retry after 60s"
        );
        let e = ShortenError::BadResponse {
            status: 200,
            reason: "no shortUrl".to_owned(),
            body: "{}".to_owned(),
            source: None,
        };
        assert!(e.to_string().contains("no shortUrl"));
    }

    /// Polls a future that never waits (the no-op shortener) to completion,
    /// so this sans-I/O crate needs no runtime in its tests.
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        use std::pin::pin;
        use std::task::{Context, Poll, Waker};
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }
}
