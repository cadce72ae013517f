//! Where the client sends requests and how patient it is.

use crate::error::Error;
use rand::Rng;
use std::time::Duration;
use url::Url;

/// The base URLs of X's three hosts; each can point at a local emulator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    api: String,
    upload: String,
    authorize: String,
}

impl Default for Endpoints {
    /// `https://api.x.com` for the API and media (v2 media lives on the API host),
    /// `https://x.com` for the consent page.
    fn default() -> Self {
        Self {
            api: "https://api.x.com".into(),
            upload: "https://api.x.com".into(),
            authorize: "https://x.com".into(),
        }
    }
}

impl Endpoints {
    /// Endpoints with explicit bases: the API host (v2, v1.1 and OAuth token/revoke),
    /// the host that serves `/2/media/upload*`, and the host of `/i/oauth2/authorize`.
    ///
    /// # Errors
    /// [`Error::Config`] when a base is not an absolute http(s) URL.
    pub fn new(
        api: impl Into<String>,
        upload: impl Into<String>,
        authorize: impl Into<String>,
    ) -> Result<Self, Error> {
        Ok(Self {
            api: checked_base(api.into())?,
            upload: checked_base(upload.into())?,
            authorize: checked_base(authorize.into())?,
        })
    }

    /// The API base URL.
    pub fn api(&self) -> &str {
        &self.api
    }

    /// The media upload base URL.
    pub fn upload(&self) -> &str {
        &self.upload
    }

    /// The consent page base URL.
    pub fn authorize(&self) -> &str {
        &self.authorize
    }

    pub(crate) fn api_url(&self, path: &str) -> String {
        format!("{}{path}", self.api)
    }

    pub(crate) fn upload_url(&self, path: &str) -> String {
        format!("{}{path}", self.upload)
    }

    pub(crate) fn authorize_url(&self) -> String {
        format!("{}/i/oauth2/authorize", self.authorize)
    }
}

fn checked_base(base: String) -> Result<String, Error> {
    let url = Url::parse(&base).map_err(|e| Error::Config {
        reason: format!("base URL `{base}`: {e}"),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config {
            reason: format!("base URL `{base}` is not http(s)"),
        });
    }
    Ok(base.trim_end_matches('/').to_owned())
}

/// Bounded, jittered exponential back-off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying). Default 3.
    pub max_retries: u32,
    /// The first delay; each later one doubles. Default 500 ms.
    pub base_delay: Duration,
    /// The longest single delay. Default 30 s.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (0-based): a random point in the upper
    /// half of the doubled delay ("equal jitter"), so clients spread out but still wait.
    pub fn delay(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(16)))
            .min(self.max_delay);
        let half = exp / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        let extra = if jitter_ms == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=jitter_ms)
        };
        half + Duration::from_millis(extra)
    }
}

/// Everything tunable about the client; `Default` gives the documented values.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where requests go. Default: X's real hosts.
    pub endpoints: Endpoints,
    /// Timeout of each ordinary request, connect to last byte. Default 30 s.
    pub request_timeout: Duration,
    /// Timeout of each media upload request (one chunk or one image). Default 120 s.
    pub upload_timeout: Duration,
    /// `User-Agent` of requests. Default `xpost-x-client/<version>`.
    pub user_agent: String,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// Largest response body read; bigger ones fail. Default 8 MiB.
    pub max_response_bytes: usize,
    /// Chunk size of chunked uploads, at most 5 MB. Default 4 MiB.
    pub chunk_size: usize,
    /// Longest total wait for video or GIF processing. Default 10 minutes.
    pub max_processing_wait: Duration,
    /// Longest wait for a rate-limit reset inside one call; later resets are returned
    /// as [`Error::RateLimited`] for the caller to schedule. Default 60 s.
    pub max_rate_limit_wait: Duration,
    /// Client-side limiter: don't send a call whose window is known to be exhausted
    /// (wait for the reset or fail at once). Default on.
    pub respect_rate_limits: bool,
    /// Refresh an access token this long before it expires. Default 60 s.
    pub refresh_margin: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            endpoints: Endpoints::default(),
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(120),
            user_agent: concat!("xpost-x-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            max_response_bytes: 8 * 1024 * 1024,
            chunk_size: 4 * 1024 * 1024,
            max_processing_wait: Duration::from_secs(600),
            max_rate_limit_wait: Duration::from_secs(60),
            respect_rate_limits: true,
            refresh_margin: Duration::from_secs(60),
        }
    }
}

/// The largest chunk X accepts in one append.
pub const MAX_CHUNK_BYTES: usize = 5 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let p = RetryPolicy::default();
        for retry in 0..40 {
            let d = p.delay(retry);
            let cap = p
                .base_delay
                .saturating_mul(2u32.saturating_pow(retry.min(16)));
            assert!(d <= p.max_delay.min(cap), "{retry}: {d:?}");
            assert!(d >= p.max_delay.min(cap) / 2, "{retry}: {d:?}");
        }
    }

    #[test]
    fn bases_are_checked_and_trimmed() {
        let e = Endpoints::new("http://127.0.0.1:9/x/api/", "http://h/u", "http://h/w").unwrap();
        assert_eq!(e.api_url("/2/tweets"), "http://127.0.0.1:9/x/api/2/tweets");
        assert_eq!(e.authorize_url(), "http://h/w/i/oauth2/authorize");
        assert!(Endpoints::new("ftp://x", "http://h", "http://h").is_err());
        assert!(Endpoints::new("not a url", "http://h", "http://h").is_err());
    }
}
