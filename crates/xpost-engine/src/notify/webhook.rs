//! [`WebhookNotifier`]: notices POSTed as signed JSON to a URL the user owns.
//!
//! # Delivery
//!
//! Each notice is sent as one `POST` with `Content-Type: application/json`
//! and the [`xpost_core::Notice`] as its body (credential-like values in its
//! message and hint masked), for example:
//!
//! ```json
//! {"at":"2026-11-30T20:00:00Z","link":"default","class":"reauth",
//!  "message":"authorization lost: password changed",
//!  "hint":"run `xpost link` again"}
//! ```
//!
//! Any `2xx` answer is a delivery. A network failure, a timeout, a `5xx` or a
//! `429` is retried with exponential back-off and full jitter, at most
//! [`DEFAULT_MAX_RETRIES`] times by default; a `Retry-After` the receiver
//! sends (seconds or an HTTP date) is waited instead, unless it is longer than
//! [`WebhookBuilder::max_retry_after`], in which case the notifier gives up at
//! once. Any other answer (`3xx`, `4xx`) is final: sending the same request
//! again would be refused the same way. Redirects are not followed, so the
//! signed notice never reaches a host that was not configured.
//!
//! One `notify` therefore takes at most `(max_retries + 1) × timeout` plus
//! the waits between attempts (with the defaults, under three minutes), and
//! then returns [`NotifyError`].
//!
//! # Signing
//!
//! Every request carries two headers:
//!
//! - `X-Xpost-Timestamp`: the Unix time of sending, in whole seconds;
//! - `X-Xpost-Signature`: `sha256=` followed by the lowercase hex of
//!   HMAC-SHA256, keyed with the shared secret, over the bytes of the
//!   timestamp header's value, one `.`, and the exact body bytes.
//!
//! A receiver verifies a delivery by:
//!
//! 1. reading the body as raw bytes, before any JSON parsing;
//! 2. computing `HMAC-SHA256(secret, timestamp + "." + body)` and comparing
//!    its hex with the signature header in constant time;
//! 3. refusing a timestamp more than a few minutes from its own clock
//!    ([`signature::DEFAULT_TOLERANCE`](super::signature::DEFAULT_TOLERANCE)),
//!    so that a captured delivery cannot be replayed later.
//!
//! Each retry is signed afresh with its own timestamp, over the same body.
//! A receiver that must not act twice on one notice can key on the body's
//! `link`, `class`, `source_id` and `at`. Rust receivers can use
//! [`WebhookSigner::verify`](super::WebhookSigner::verify).
//!
//! # Addresses
//!
//! The URL must be `https`, or `http` to a loopback address (`127.0.0.0/8`,
//! `::1`, `localhost`), so that a notice and its signature never cross a
//! network in the clear. The URL itself may hold a secret (many chat
//! services put one in the path), so it appears in no error and in `Debug`
//! only as its scheme and host.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use url::Url;
use xpost_core::{Clock, Notice, Notifier, NotifyError, RetryKind, Secret, SystemClock};

use super::redact::redact;
use super::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSigner};

/// The default timeout of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// The default ceiling of the first back-off; it doubles per retry.
pub const DEFAULT_BACKOFF_BASE: Duration = Duration::from_millis(500);
/// The default ceiling of any one back-off.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(30);
/// The longest `Retry-After` waited by default; a receiver asking for more
/// gets no retry.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("xpost/", env!("CARGO_PKG_VERSION"));

/// Why a [`WebhookNotifier`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The URL does not parse, or is not one a notice may go to; the URL
    /// itself is left out, as it may hold a secret.
    #[error("invalid webhook URL: {reason}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: String,
    },
    /// The signing secret is empty, which would let anyone sign.
    #[error("the webhook secret is empty")]
    EmptySecret,
    /// The timeout is zero, which no request could meet.
    #[error("the webhook timeout must be longer than zero")]
    ZeroTimeout,
    /// The `User-Agent` is not a valid header value.
    #[error("invalid user agent {0:?}")]
    InvalidUserAgent(String),
    /// The HTTP client could not be made (TLS set-up).
    #[error("the HTTP client could not be built")]
    Client(#[source] reqwest::Error),
}

/// Sets up a [`WebhookNotifier`]; every setting but the URL and the secret
/// has a documented default.
pub struct WebhookBuilder {
    url: String,
    secret: Secret,
    timeout: Duration,
    max_retries: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    max_retry_after: Duration,
    user_agent: String,
    client: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for WebhookBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookBuilder")
            .field("url", &"[REDACTED]")
            .field("secret", &self.secret)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_max", &self.backoff_max)
            .field("max_retry_after", &self.max_retry_after)
            .field("user_agent", &self.user_agent)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl WebhookBuilder {
    /// The timeout of one request, answer included. Default
    /// [`DEFAULT_TIMEOUT`] (10 s).
    pub fn timeout(mut self, timeout: impl Into<Duration>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// Retries after the first attempt; 0 sends once. Default
    /// [`DEFAULT_MAX_RETRIES`] (3).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The back-off before retry `n` (from 0) is a random delay up to
    /// `base * 2^n`, never more than `max`. Default
    /// [`DEFAULT_BACKOFF_BASE`] (500 ms) and [`DEFAULT_BACKOFF_MAX`] (30 s).
    pub fn backoff(mut self, base: impl Into<Duration>, max: impl Into<Duration>) -> Self {
        self.backoff_base = base.into();
        self.backoff_max = max.into();
        self
    }

    /// The longest `Retry-After` waited; a receiver asking for more gets no
    /// retry. Default [`DEFAULT_MAX_RETRY_AFTER`] (60 s).
    pub fn max_retry_after(mut self, limit: impl Into<Duration>) -> Self {
        self.max_retry_after = limit.into();
        self
    }

    /// The `User-Agent` sent. Default [`DEFAULT_USER_AGENT`] (`xpost/VERSION`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The HTTP client to use (connection pool, proxy, TLS). Default: a new
    /// client that follows no redirects; give one built with
    /// `redirect::Policy::none()` to keep that guarantee.
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Where the delivery timestamp is read. Default [`SystemClock`].
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The notifier.
    ///
    /// # Errors
    /// [`BuildError`] when the URL is not `https` (or `http` to a loopback
    /// address), the secret is empty, the timeout is zero, the user agent is
    /// not a header value, or the HTTP client cannot be made.
    pub fn build(self) -> Result<WebhookNotifier, BuildError> {
        let url = checked_url(&self.url)?;
        let signer = WebhookSigner::new(&self.secret).ok_or(BuildError::EmptySecret)?;
        if self.timeout.is_zero() {
            return Err(BuildError::ZeroTimeout);
        }
        let user_agent = header::HeaderValue::from_str(&self.user_agent)
            .map_err(|_| BuildError::InvalidUserAgent(self.user_agent.clone()))?;
        let client = match self.client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(BuildError::Client)?,
        };
        Ok(WebhookNotifier {
            url,
            signer,
            client,
            user_agent,
            timeout: self.timeout,
            max_retries: self.max_retries,
            backoff_base: self.backoff_base,
            backoff_max: self.backoff_max.max(self.backoff_base),
            max_retry_after: self.max_retry_after,
            clock: self.clock,
        })
    }
}

/// Delivers notices as signed JSON `POST`s to one URL; see the
/// [module docs](self) for the delivery rules and the signing scheme.
pub struct WebhookNotifier {
    url: Url,
    signer: WebhookSigner,
    client: reqwest::Client,
    user_agent: header::HeaderValue,
    timeout: Duration,
    max_retries: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    max_retry_after: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookNotifier")
            .field(
                "url",
                &format_args!("{}://{}/…", self.url.scheme(), Host(&self.url)),
            )
            .field("signer", &self.signer)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_max", &self.backoff_max)
            .field("max_retry_after", &self.max_retry_after)
            .finish_non_exhaustive()
    }
}

impl WebhookNotifier {
    /// A builder for a notifier that POSTs to `url`, signing with `secret`.
    pub fn builder(url: impl Into<String>, secret: Secret) -> WebhookBuilder {
        WebhookBuilder {
            url: url.into(),
            secret,
            timeout: DEFAULT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            backoff_base: DEFAULT_BACKOFF_BASE,
            backoff_max: DEFAULT_BACKOFF_MAX,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            client: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Sends `body` once, signed now.
    async fn attempt(&self, body: &Bytes) -> Result<(), Failure> {
        let timestamp = self.clock.now().as_second();
        let response = self
            .client
            .post(self.url.clone())
            .timeout(self.timeout)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, self.user_agent.clone())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, self.signer.sign(timestamp, body))
            .body(body.clone())
            .send()
            .await
            .map_err(|error| Failure::Network(error.without_url()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        Err(Failure::Status {
            status,
            retry_after: retry_after(response.headers(), self.clock.now()),
        })
    }

    /// How long to wait before retry number `attempt` (from 0) after
    /// `failure`, or `None` to give up.
    fn wait_before_retry(&self, failure: &Failure, attempt: u32) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        match failure.retry_kind() {
            RetryKind::Backoff => Some(self.backoff(attempt)),
            RetryKind::After(wait) if wait <= self.max_retry_after => Some(wait),
            _ => None,
        }
    }

    /// Full jitter: a uniform delay up to `base * 2^attempt`, capped, so that
    /// notifiers failing together do not come back together.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .backoff_base
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.backoff_max);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifyError> {
        let body = Bytes::from(serde_json::to_vec(&masked(notice)).map_err(|error| {
            NotifyError::Undelivered(format!("the notice could not be encoded: {error}"))
        })?);
        let mut attempt = 0;
        loop {
            let failure = match self.attempt(&body).await {
                Ok(()) => return Ok(()),
                Err(failure) => failure,
            };
            match self.wait_before_retry(&failure, attempt) {
                Some(wait) => {
                    tracing::debug!(%failure, attempt, ?wait, "webhook delivery failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                None => {
                    return Err(NotifyError::Undelivered(format!(
                        "webhook gave up after {} attempt{}: {failure}",
                        attempt + 1,
                        if attempt == 0 { "" } else { "s" }
                    )));
                }
            }
        }
    }
}

/// `notice` with credential-like values in its texts masked.
fn masked(notice: &Notice) -> Notice {
    Notice {
        message: redact(&notice.message).into_owned(),
        hint: notice.hint.as_deref().map(|hint| redact(hint).into_owned()),
        ..notice.clone()
    }
}

/// Why one attempt failed.
#[derive(Debug)]
enum Failure {
    /// No answer: the connection failed or the timeout passed.
    Network(reqwest::Error),
    /// An answer other than `2xx`.
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
    },
}

impl Failure {
    /// What to do next: the receiver's `Retry-After` beats the status code.
    fn retry_kind(&self) -> RetryKind {
        match self {
            Failure::Network(_) => RetryKind::Backoff,
            Failure::Status {
                status,
                retry_after,
            } if *status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() => {
                retry_after.map_or(RetryKind::Backoff, RetryKind::After)
            }
            Failure::Status { .. } => RetryKind::Never,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Network(error) if error.is_timeout() => f.write_str("the request timed out"),
            Failure::Network(error) => write!(f, "network error: {error}"),
            Failure::Status { status, .. } => write!(f, "the receiver answered {status}"),
        }
    }
}

/// `Retry-After` as a wait: delta-seconds, or an HTTP date measured from `now`.
fn retry_after(headers: &HeaderMap, now: jiff::Timestamp) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    Some(Duration::try_from(now.duration_until(at)).unwrap_or(Duration::ZERO))
}

/// Parses `raw` and refuses any URL a signed notice must not go to.
fn checked_url(raw: &str) -> Result<Url, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidUrl {
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|error| invalid(&error.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(invalid(
                "http is allowed only to a loopback address; use https",
            ));
        }
        _ => return Err(invalid("must be an https URL")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not hold credentials"));
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A URL's host and port, for `Debug`.
struct Host<'a>(&'a Url);

impl fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.host_str().unwrap_or_default())?;
        match self.0.port() {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notifier(max_retries: u32) -> Result<WebhookNotifier, BuildError> {
        WebhookNotifier::builder("https://hooks.example/T0/secret-path", Secret::new("k"))
            .max_retries(max_retries)
            .backoff(Duration::from_millis(100), Duration::from_millis(300))
            .build()
    }

    fn status(code: u16, retry_after: Option<Duration>) -> Failure {
        Failure::Status {
            status: StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT),
            retry_after,
        }
    }

    #[test]
    fn only_network_errors_5xx_and_429_are_retried_and_retry_after_wins() {
        assert_eq!(status(503, None).retry_kind(), RetryKind::Backoff);
        assert_eq!(status(429, None).retry_kind(), RetryKind::Backoff);
        let told = Duration::from_secs(7);
        assert_eq!(status(429, Some(told)).retry_kind(), RetryKind::After(told));
        assert_eq!(status(503, Some(told)).retry_kind(), RetryKind::After(told));
        for code in [301, 400, 401, 403, 404, 410, 422] {
            assert_eq!(
                status(code, Some(told)).retry_kind(),
                RetryKind::Never,
                "{code}"
            );
        }
    }

    #[test]
    fn backoff_is_jittered_capped_and_bounded_in_count() -> Result<(), BuildError> {
        let webhook = notifier(2)?;
        for attempt in 0..2 {
            for _ in 0..20 {
                let cap =
                    Duration::from_millis(100 * 2u64.pow(attempt)).min(Duration::from_millis(300));
                assert!(webhook.backoff(attempt) <= cap);
            }
        }
        let distinct: std::collections::BTreeSet<Duration> =
            (0..20).map(|_| webhook.backoff(3)).collect();
        assert!(distinct.len() > 1, "delays are random");
        let down = status(503, None);
        assert!(webhook.wait_before_retry(&down, 1).is_some());
        assert!(webhook.wait_before_retry(&down, 2).is_none(), "the bound");
        Ok(())
    }

    #[test]
    fn a_retry_after_beyond_the_limit_gives_up() -> Result<(), BuildError> {
        let webhook = notifier(3)?;
        let soon = status(429, Some(Duration::from_secs(5)));
        assert_eq!(
            webhook.wait_before_retry(&soon, 0),
            Some(Duration::from_secs(5))
        );
        let late = status(429, Some(Duration::from_secs(3_600)));
        assert_eq!(webhook.wait_before_retry(&late, 0), None);
        Ok(())
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = jiff::Timestamp::from_second(784_111_777).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("120"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(120)));
        headers.insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static("Sun, 06 Nov 1994 08:50:37 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(60)));
        headers.insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static("Sun, 06 Nov 1994 08:00:00 GMT"),
        );
        assert_eq!(
            retry_after(&headers, now),
            Some(Duration::ZERO),
            "past dates"
        );
        headers.insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static("later"),
        );
        assert_eq!(retry_after(&headers, now), None);
    }

    #[test]
    fn only_https_or_loopback_http_urls_are_accepted() {
        for good in [
            "https://hooks.example/x",
            "http://127.0.0.1:8080/hook",
            "http://[::1]/hook",
            "http://localhost:9000/",
        ] {
            assert!(checked_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://hooks.example/x",
            "http://10.0.0.1/hook",
            "ftp://hooks.example/",
            "https://user:pw@hooks.example/",
            "hooks.example/x",
        ] {
            assert!(checked_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_and_errors_show_neither_the_secret_nor_the_url_path() -> Result<(), BuildError> {
        let webhook = WebhookNotifier::builder(
            "https://hooks.example/T0/secret-path",
            Secret::new("s3cr3t-key"),
        );
        assert!(!format!("{webhook:?}").contains("s3cr3t-key"));
        assert!(!format!("{webhook:?}").contains("secret-path"));
        let built = webhook.build()?;
        let shown = format!("{built:?}");
        assert!(
            !shown.contains("s3cr3t-key") && !shown.contains("secret-path"),
            "{shown}"
        );
        assert!(shown.contains("hooks.example"));
        let refused =
            WebhookNotifier::builder("http://hooks.example/secret-path", Secret::new("k"))
                .build()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
        assert!(
            refused.contains("https") && !refused.contains("secret-path"),
            "{refused}"
        );
        Ok(())
    }
}
