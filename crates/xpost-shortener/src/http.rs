//! What both adapters share: the transport (timeout, body cap, bounded
//! retries) and the builder settings that configure it.

use std::time::Duration;

use rand::Rng;
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;
use xpost_core::{RetryKind, ShortenError};

use crate::error::BuildError;

/// The default timeout of one request, body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default cap on the size of an answer. A short-URL answer is well
/// under a kilobyte; anything much larger is not one.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// The default number of retries after a transient failure.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The default user agent.
pub const DEFAULT_USER_AGENT: &str = concat!("xpost-shortener/", env!("CARGO_PKG_VERSION"));

/// One HTTP answer, read in full and within the size cap.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as text, for error messages and `BadResponse`.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends requests with a timeout, reads bounded bodies and retries
/// transient failures a bounded number of times with jittered back-off.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
    timeout: Duration,
    user_agent: HeaderValue,
    max_response_bytes: usize,
    max_retries: u32,
    backoff_base: Duration,
    backoff_max: Duration,
}

impl Transport {
    /// Runs `request` and `interpret`s its answer, retrying while the
    /// outcome is [`RetryKind::Backoff`] and retries are left. A
    /// server-given delay ([`RetryKind::After`]) is returned to the caller,
    /// which owns the schedule.
    pub async fn call<R, I>(&self, request: R, interpret: I) -> Result<Url, ShortenError>
    where
        R: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        I: Fn(Answer) -> Result<Url, ShortenError>,
    {
        let mut attempt = 0;
        loop {
            let outcome = match self.exchange(request(&self.client)).await {
                Ok(answer) => interpret(answer),
                Err(e) => Err(e),
            };
            match outcome {
                Err(e) if e.retry_kind() == RetryKind::Backoff && attempt < self.max_retries => {
                    tokio::time::sleep(self.delay(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Full jitter: a uniform delay up to `base * 2^attempt`, capped, so
    /// that clients failing together do not come back together.
    fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self
            .backoff_base
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.backoff_max);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
    }

    async fn exchange(&self, request: reqwest::RequestBuilder) -> Result<Answer, ShortenError> {
        let timeout = self.timeout;
        let limit = self.max_response_bytes;
        let request = request
            .timeout(timeout)
            .header(header::USER_AGENT, self.user_agent.clone())
            .header(header::ACCEPT, "application/json");
        let exchange = async {
            let mut response = request.send().await.map_err(|e| transport(e, timeout))?;
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            if response
                .content_length()
                .is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX))
            {
                return Err(ShortenError::TooLarge { limit });
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| transport(e, timeout))? {
                if body.len() + chunk.len() > limit {
                    return Err(ShortenError::TooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer {
                status,
                retry_after,
                body,
            })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| ShortenError::Timeout { after: timeout })?
    }
}

/// A transport error without its URL, which may carry a secret (a YOURLS
/// signature) in its query.
fn transport(error: reqwest::Error, timeout: Duration) -> ShortenError {
    if error.is_timeout() {
        ShortenError::Timeout { after: timeout }
    } else {
        ShortenError::Network {
            source: Box::new(error.without_url()),
        }
    }
}

/// `Retry-After` as a delay: delta-seconds, or an HTTP date measured from
/// the answer's own `Date` header (so no local clock is consulted).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = http_date(value)?;
    let now = http_date(headers.get(header::DATE)?.to_str().ok()?)?;
    Some(Duration::from_secs(u64::try_from(at - now).unwrap_or(0)))
}

/// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`),
/// the one form HTTP senders must use.
fn http_date(value: &str) -> Option<i64> {
    let mut parts = value.trim().split_ascii_whitespace();
    let _weekday = parts.next()?;
    let day: i64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':');
    let hour: i64 = clock.next()?.parse().ok()?;
    let minute: i64 = clock.next()?.parse().ok()?;
    let second: i64 = clock.next()?.parse().ok()?;
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Refuses a URL that is not an absolute http(s) URL with a host.
pub(crate) fn check_long_url(url: &Url) -> Result<(), ShortenError> {
    let reason = if !matches!(url.scheme(), "http" | "https") {
        format!(
            "only http and https URLs are shortened, not {}",
            url.scheme()
        )
    } else if url.host_str().is_none_or(str::is_empty) {
        "the URL has no host".to_owned()
    } else {
        return Ok(());
    };
    Err(ShortenError::InvalidUrl {
        url: url.to_string(),
        reason,
    })
}

/// The settings both adapters' builders share.
#[derive(Debug, Clone)]
pub(crate) struct Common {
    pub base_url: Option<String>,
    pub timeout: Duration,
    pub client: Option<reqwest::Client>,
    pub user_agent: String,
    pub max_response_bytes: usize,
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl Default for Common {
    fn default() -> Self {
        Self {
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            client: None,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_retries: DEFAULT_MAX_RETRIES,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(5),
        }
    }
}

impl Common {
    /// The checked base URL and the transport.
    pub fn build(self) -> Result<(Url, Transport), BuildError> {
        let raw = self.base_url.ok_or(BuildError::MissingBaseUrl)?;
        let base = base_url(&raw)?;
        if self.timeout.is_zero() {
            return Err(BuildError::ZeroTimeout);
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| BuildError::InvalidUserAgent(self.user_agent.clone()))?;
        let client = match self.client {
            Some(client) => client,
            // Redirects are not followed: a redirect to another host would
            // carry the `X-Api-Key` header (or the form with the signature)
            // there.
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(BuildError::Client)?,
        };
        Ok((
            base,
            Transport {
                client,
                timeout: self.timeout,
                user_agent,
                max_response_bytes: self.max_response_bytes,
                max_retries: self.max_retries,
                backoff_base: self.backoff_base,
                backoff_max: self.backoff_max.max(self.backoff_base),
            },
        ))
    }
}

/// Parses and checks a base URL: http(s), a host, no credentials, query or
/// fragment (paths are appended to it).
pub(crate) fn base_url(raw: &str) -> Result<Url, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidBaseUrl {
        url: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must be an http or https URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "must not hold credentials; give the key to the builder instead",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("must not have a query or fragment"));
    }
    Ok(url)
}

/// `base` with `segments` appended to its path.
pub(crate) fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// Generates the builder setters both adapters share; each builder has a
/// `common: Common` field.
macro_rules! common_setters {
    () => {
        /// The service's base URL, e.g. `https://sho.rt` (required).
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.common.base_url = Some(url.into());
            self
        }

        /// The timeout of one request, body included. Default 10 s.
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.common.timeout = timeout;
            self
        }

        /// The HTTP client to use (connection pool, proxy, TLS settings).
        /// Default: a new client that follows no redirects, so the key is
        /// never sent to another host; give a client built with
        /// `redirect::Policy::none()` to keep that guarantee.
        pub fn client(mut self, client: reqwest::Client) -> Self {
            self.common.client = Some(client);
            self
        }

        /// The `User-Agent` sent. Default `xpost-shortener/VERSION`.
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.common.user_agent = user_agent.into();
            self
        }

        /// Answers larger than this many bytes are refused unread. Default 64 KiB.
        pub fn max_response_bytes(mut self, limit: usize) -> Self {
            self.common.max_response_bytes = limit;
            self
        }

        /// How many times a transient failure (5xx without `Retry-After`,
        /// timeout, dropped connection) is retried inside one call. Default 2;
        /// 0 leaves every retry to the caller.
        pub fn max_retries(mut self, retries: u32) -> Self {
            self.common.max_retries = retries;
            self
        }

        /// The back-off between retries: a random delay up to
        /// `base * 2^attempt`, never more than `max`. Default 250 ms and 5 s.
        pub fn backoff(mut self, base: std::time::Duration, max: std::time::Duration) -> Self {
            self.common.backoff_base = base;
            self.common.backoff_max = max;
            self
        }
    };
}
pub(crate) use common_setters;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_count_from_the_epoch() {
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(http_date("Sun, 06 Nov 1994 08:49:37 CET"), None);
        assert_eq!(http_date("tomorrow"), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:50:37 GMT"),
        );
        assert_eq!(
            retry_after(&headers),
            None,
            "a date needs the answer's Date"
        );
        headers.insert(
            header::DATE,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(60)));
        headers.insert(
            header::DATE,
            HeaderValue::from_static("Sun, 06 Nov 1994 09:49:37 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO), "past dates");
    }

    #[test]
    fn backoff_is_jittered_and_capped() -> Result<(), BuildError> {
        let common = Common {
            base_url: Some("http://127.0.0.1:1".to_owned()),
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(300),
            ..Common::default()
        };
        let (_, transport) = common.build()?;
        for attempt in 0..10 {
            let cap = Duration::from_millis(100 * 2u64.pow(attempt.min(10)))
                .min(Duration::from_millis(300));
            for _ in 0..20 {
                assert!(transport.delay(attempt) <= cap);
            }
        }
        let distinct: std::collections::BTreeSet<Duration> =
            (0..20).map(|_| transport.delay(3)).collect();
        assert!(distinct.len() > 1, "delays are random");
        Ok(())
    }

    #[test]
    fn base_urls_must_be_plain_http() {
        for bad in [
            "sho.rt",
            "ftp://sho.rt",
            "https://user:pw@sho.rt",
            "https://sho.rt/?a=1",
            "https://sho.rt/#x",
            "file:///etc/passwd",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
        for good in ["https://sho.rt", "http://127.0.0.1:8080/prefix/"] {
            assert!(base_url(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn join_appends_to_the_base_path() -> Result<(), BuildError> {
        let base = base_url("https://sho.rt/api/")?;
        assert_eq!(
            join(&base, &["rest", "v3", "short-urls"]).as_str(),
            "https://sho.rt/api/rest/v3/short-urls"
        );
        let base = base_url("https://sho.rt")?;
        assert_eq!(
            join(&base, &["yourls-api.php"]).as_str(),
            "https://sho.rt/yourls-api.php"
        );
        Ok(())
    }

    #[test]
    fn long_urls_must_be_http() -> Result<(), url::ParseError> {
        for bad in ["ftp://x.org/a", "mailto:a@b.c", "data:text/plain,hi"] {
            assert!(check_long_url(&Url::parse(bad)?).is_err(), "{bad}");
        }
        assert!(check_long_url(&Url::parse("https://www.instagram.com/p/x/")?).is_ok());
        Ok(())
    }
}
