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
    /// [`Error::Config`] when a base is not an absolute http(s) URL with a host, or
    /// carries a query or fragment.
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
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Error::Config {
            reason: format!("base URL `{base}` is not an http(s) URL with a host"),
        });
    }
    // Paths are appended to the base, so a query or fragment would swallow them.
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config {
            reason: format!("base URL `{base}` carries a query or fragment"),
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

/// Everything tunable about the client. Build one with [`Config::builder`], which
/// checks every value; `Default` gives the documented defaults.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) endpoints: Endpoints,
    pub(crate) request_timeout: Duration,
    pub(crate) upload_timeout: Duration,
    pub(crate) user_agent: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    pub(crate) chunk_size: usize,
    pub(crate) max_processing_wait: Duration,
    pub(crate) rate_limit_sleep: Option<Duration>,
    pub(crate) respect_rate_limits: bool,
    pub(crate) refresh_margin: Duration,
}

impl Default for Config {
    /// X's real hosts; see [`ConfigBuilder`] for each default.
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
            rate_limit_sleep: None,
            respect_rate_limits: true,
            refresh_margin: Duration::from_secs(60),
        }
    }
}

impl Config {
    /// A builder starting from [`Config::default`].
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder {
            config: Self::default(),
            error: None,
        }
    }

    /// Where requests go.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Timeout of each ordinary request.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// Timeout of each media upload request.
    pub fn upload_timeout(&self) -> Duration {
        self.upload_timeout
    }

    /// The `User-Agent` header.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Retries of transient failures.
    pub fn retry(&self) -> RetryPolicy {
        self.retry
    }

    /// Largest response body read.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// Chunk size of chunked uploads.
    pub fn chunk_size(&self) -> usize {
        self.chunk_size
    }

    /// Longest total wait for video or GIF processing.
    pub fn max_processing_wait(&self) -> Duration {
        self.max_processing_wait
    }

    /// The longest rate-limit reset slept through inside a call; `None` (the default)
    /// when the client never sleeps for a rate limit.
    pub fn rate_limit_sleep(&self) -> Option<Duration> {
        self.rate_limit_sleep
    }

    /// Whether a rate-limit wait this long is slept through inside the call rather than
    /// returned to the caller.
    pub(crate) fn sleeps_through(&self, wait: Duration) -> bool {
        self.rate_limit_sleep.is_some_and(|max| wait <= max)
    }

    /// Whether the client-side limiter refuses calls on a window known to be spent.
    pub fn respect_rate_limits(&self) -> bool {
        self.respect_rate_limits
    }

    /// How long before expiry an access token is refreshed.
    pub fn refresh_margin(&self) -> Duration {
        self.refresh_margin
    }
}

/// Builds a [`Config`]; every setter names its default, and [`ConfigBuilder::build`]
/// reports the first unusable value.
#[derive(Debug)]
pub struct ConfigBuilder {
    config: Config,
    error: Option<Error>,
}

impl ConfigBuilder {
    fn base(&mut self, what: &str, value: &str) -> Option<String> {
        match checked_base(value.to_owned()) {
            Ok(base) => Some(base),
            Err(Error::Config { reason }) => {
                self.error.get_or_insert(Error::Config {
                    reason: format!("{what}: {reason}"),
                });
                None
            }
            Err(other) => {
                self.error.get_or_insert(other);
                None
            }
        }
    }

    /// Points every X host at an emulator that serves the API (and media upload)
    /// below `{base}/x/api` and the consent page below `{base}/x/www`.
    pub fn emulator(mut self, base: impl AsRef<str>) -> Self {
        let base = base.as_ref().trim_end_matches('/');
        let api = self.base("emulator base", &format!("{base}/x/api"));
        let www = self.base("emulator base", &format!("{base}/x/www"));
        if let (Some(api), Some(www)) = (api, www) {
            self.config.endpoints = Endpoints {
                api: api.clone(),
                upload: api,
                authorize: www,
            };
        }
        self
    }

    /// All three hosts at once. Default [`Endpoints::default`].
    pub fn endpoints(mut self, endpoints: impl Into<Endpoints>) -> Self {
        self.config.endpoints = endpoints.into();
        self
    }

    /// The API host (v2, v1.1, OAuth token and revoke). Default `https://api.x.com`.
    pub fn api_base(mut self, url: impl AsRef<str>) -> Self {
        if let Some(base) = self.base("api base", url.as_ref()) {
            self.config.endpoints.api = base;
        }
        self
    }

    /// The host serving `/2/media/upload*`. Default `https://api.x.com`.
    pub fn upload_base(mut self, url: impl AsRef<str>) -> Self {
        if let Some(base) = self.base("upload base", url.as_ref()) {
            self.config.endpoints.upload = base;
        }
        self
    }

    /// The host of the consent page. Default `https://x.com`.
    pub fn authorize_base(mut self, url: impl AsRef<str>) -> Self {
        if let Some(base) = self.base("authorize base", url.as_ref()) {
            self.config.endpoints.authorize = base;
        }
        self
    }

    /// Timeout of each ordinary request, connect to last byte. Default 30 s.
    pub fn request_timeout(mut self, timeout: impl Into<Duration>) -> Self {
        self.config.request_timeout = timeout.into();
        self
    }

    /// Timeout of each media upload request (one chunk or one image). Default 120 s.
    pub fn upload_timeout(mut self, timeout: impl Into<Duration>) -> Self {
        self.config.upload_timeout = timeout.into();
        self
    }

    /// The `User-Agent` header. Default `xpost-x-client/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.config.user_agent = user_agent.into();
        self
    }

    /// Retries of transient failures. Default [`RetryPolicy::default`].
    pub fn retry(mut self, retry: impl Into<RetryPolicy>) -> Self {
        self.config.retry = retry.into();
        self
    }

    /// Largest response body read; bigger ones fail. Default 8 MiB.
    pub fn max_response_bytes(mut self, bytes: impl Into<usize>) -> Self {
        self.config.max_response_bytes = bytes.into();
        self
    }

    /// Chunk size of chunked uploads, 1 byte to [`MAX_CHUNK_BYTES`]. Default 4 MiB.
    pub fn chunk_size(mut self, bytes: impl Into<usize>) -> Self {
        self.config.chunk_size = bytes.into();
        self
    }

    /// Longest total wait for video or GIF processing. Default 10 minutes.
    pub fn max_processing_wait(mut self, wait: impl Into<Duration>) -> Self {
        self.config.max_processing_wait = wait.into();
        self
    }

    /// Opts in to pacing inside the client: a call that meets a spent rate window (or
    /// a server-named retry instant) sleeps until then when that is at most `max_wait`
    /// away, and only later instants are returned as errors.
    ///
    /// Default off: such a call returns [`Error::RateLimited`] at once and
    /// [`Error::retry_kind`] gives the instant, so the caller decides when to call
    /// again instead of a call blocking for minutes.
    pub fn sleep_on_rate_limit(mut self, max_wait: impl Into<Duration>) -> Self {
        self.config.rate_limit_sleep = Some(max_wait.into());
        self
    }

    /// The client-side limiter: don't send a call whose window the last answer showed
    /// spent. Default on.
    pub fn respect_rate_limits(mut self, on: bool) -> Self {
        self.config.respect_rate_limits = on;
        self
    }

    /// Refresh an access token this long before it expires. Default 60 s.
    pub fn refresh_margin(mut self, margin: impl Into<Duration>) -> Self {
        self.config.refresh_margin = margin.into();
        self
    }

    /// Checks and returns the configuration.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first unusable value: a base URL that is not
    /// http(s), has no host or carries a query or fragment; a zero timeout or
    /// response limit; a chunk size outside 1 byte to [`MAX_CHUNK_BYTES`].
    pub fn build(self) -> Result<Config, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let config = self.config;
        let bad = |reason: String| Err(Error::Config { reason });
        for (what, value) in [
            ("request timeout", config.request_timeout),
            ("upload timeout", config.upload_timeout),
        ] {
            if value.is_zero() {
                return bad(format!("{what} must be above zero"));
            }
        }
        if config.max_response_bytes == 0 {
            return bad("max response bytes must be above zero".into());
        }
        if config.chunk_size == 0 || config.chunk_size > MAX_CHUNK_BYTES {
            return bad(format!(
                "chunk size {} is not within 1..={MAX_CHUNK_BYTES} bytes",
                config.chunk_size
            ));
        }
        Ok(config)
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
    fn builder_checks_every_value() {
        let reason = |b: ConfigBuilder| match b.build() {
            Err(Error::Config { reason }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(reason(Config::builder().api_base("ftp://h")).contains("api base"));
        assert!(reason(Config::builder().upload_base("http://h/u?x=1")).contains("query"));
        assert!(reason(Config::builder().authorize_base("http://h/#top")).contains("fragment"));
        assert!(reason(Config::builder().api_base("no url")).contains("no url"));
        let zero = Duration::ZERO;
        assert!(reason(Config::builder().request_timeout(zero)).contains("request timeout"));
        assert!(reason(Config::builder().upload_timeout(zero)).contains("upload timeout"));
        assert!(reason(Config::builder().max_response_bytes(0usize)).contains("response"));
        assert!(reason(Config::builder().chunk_size(0usize)).contains("chunk size"));
        assert!(reason(Config::builder().chunk_size(MAX_CHUNK_BYTES + 1)).contains("chunk"));
        // The first bad value is the one reported.
        let first = Config::builder().api_base("ftp://a").upload_base("ftp://b");
        assert!(reason(first).contains("ftp://a"));
    }

    #[test]
    fn builder_defaults_and_emulator() {
        let c = Config::builder().build().unwrap();
        assert_eq!(c.endpoints(), &Endpoints::default());
        assert_eq!(c.request_timeout(), Duration::from_secs(30));
        assert_eq!(c.chunk_size(), 4 * 1024 * 1024);
        assert_eq!(
            c.rate_limit_sleep(),
            None,
            "pacing is the caller's by default"
        );
        assert!(c.respect_rate_limits());
        let c = Config::builder()
            .emulator("http://127.0.0.1:4000/")
            .sleep_on_rate_limit(Duration::from_secs(5))
            .chunk_size(MAX_CHUNK_BYTES)
            .build()
            .unwrap();
        assert_eq!(c.endpoints().api(), "http://127.0.0.1:4000/x/api");
        assert_eq!(c.endpoints().upload(), "http://127.0.0.1:4000/x/api");
        assert_eq!(c.endpoints().authorize(), "http://127.0.0.1:4000/x/www");
        assert_eq!(c.rate_limit_sleep(), Some(Duration::from_secs(5)));
    }

    #[test]
    fn bases_are_checked_and_trimmed() {
        let e = Endpoints::new("http://127.0.0.1:9/x/api/", "http://h/u", "http://h/w").unwrap();
        assert_eq!(e.api_url("/2/tweets"), "http://127.0.0.1:9/x/api/2/tweets");
        assert_eq!(e.authorize_url(), "http://h/w/i/oauth2/authorize");
        assert!(Endpoints::new("ftp://x", "http://h", "http://h").is_err());
        assert!(Endpoints::new("not a url", "http://h", "http://h").is_err());
        assert!(Endpoints::new("http://h/?k=v", "http://h", "http://h").is_err());
    }
}
