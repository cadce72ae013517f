//! Client configuration: where each Instagram host lives, timeouts, limits.
//!
//! Every host the client talks to is a field, so that one call
//! ([`ConfigBuilder::emulator`]) points the whole client at a local emulator
//! that serves the real paths below a prefix.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use url::Url;

use crate::error::Error;

/// The real Graph host for Instagram Login.
pub const GRAPH_BASE: &str = "https://graph.instagram.com";
/// The real host of the code-exchange endpoint.
pub const API_BASE: &str = "https://api.instagram.com";
/// The real host of the authorize page.
pub const WWW_BASE: &str = "https://www.instagram.com";
/// The Graph API version pinned by default.
pub const DEFAULT_API_VERSION: &str = "v24.0";
/// CDN host suffixes that `media_url` and `profile_picture_url` point at.
pub const DEFAULT_CDN_HOST_SUFFIXES: &[&str] = &["cdninstagram.com", "fbcdn.net"];

/// Where time comes from, so token expiry can be tested without waiting.
pub trait Clock: fmt::Debug + Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Which URLs a media download may fetch.
///
/// A `media_url` comes from the API response, so a crafted or compromised
/// response could point it anywhere. Only https URLs on the listed host
/// suffixes are fetched, plus URLs below an explicitly allowed base (which is
/// how a loopback emulator's `/instagram/cdn` is allowed). Redirects are
/// checked against the same rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdnPolicy {
    /// https hosts allowed, matched exactly or as a dot-separated suffix.
    pub host_suffixes: Vec<String>,
    /// Extra allowed bases: same scheme, host and port, and a path below it.
    pub bases: Vec<Url>,
}

impl Default for CdnPolicy {
    fn default() -> Self {
        Self {
            host_suffixes: DEFAULT_CDN_HOST_SUFFIXES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            bases: Vec::new(),
        }
    }
}

impl CdnPolicy {
    /// Whether `url` may be fetched; `Err` names the reason it may not.
    pub fn check(&self, url: &Url) -> Result<(), &'static str> {
        if url.username() != "" || url.password().is_some() {
            return Err("URLs with credentials are not fetched");
        }
        if self.bases.iter().any(|base| below_base(url, base)) {
            return Ok(());
        }
        if url.scheme() != "https" {
            return Err("only https media URLs are fetched");
        }
        let Some(url::Host::Domain(host)) = url.host() else {
            return Err("media URL host is not a domain name");
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let allowed = self.host_suffixes.iter().any(|suffix| {
            let suffix = suffix.to_ascii_lowercase();
            host == suffix || host.ends_with(&format!(".{suffix}"))
        });
        if allowed {
            Ok(())
        } else {
            Err("media URL host is not an allowed CDN host")
        }
    }
}

fn below_base(url: &Url, base: &Url) -> bool {
    if url.scheme() != base.scheme()
        || url.host() != base.host()
        || url.port_or_known_default() != base.port_or_known_default()
    {
        return false;
    }
    let prefix = base.path().trim_end_matches('/');
    let path = url.path();
    path == prefix || path.starts_with(&format!("{prefix}/"))
}

/// Bounded, jittered retry of idempotent reads on transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Delay before the first retry; doubles each time.
    pub base_delay: Duration,
    /// Upper bound for one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Two retries, 500 ms then 1 s (each with up to 50 % jitter), at most 10 s.
    fn default() -> Self {
        Self {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `attempt` (0-based): exponential, capped, with jitter.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(16)));
        let capped = exp.min(self.max_delay);
        jitter(capped)
    }
}

/// Half the delay plus a random share of the other half, so clients that
/// failed together do not retry together.
pub(crate) fn jitter(delay: Duration) -> Duration {
    use rand::Rng;
    let half = delay / 2;
    let extra_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
    half + Duration::from_millis(rand::thread_rng().gen_range(0..=extra_ms))
}

/// Everything the client needs to know besides credentials.
#[derive(Clone)]
pub struct Config {
    pub(crate) graph_base: Url,
    pub(crate) api_base: Url,
    pub(crate) www_base: Url,
    pub(crate) api_version: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) download_timeout: Duration,
    pub(crate) user_agent: String,
    pub(crate) max_response_bytes: u64,
    pub(crate) max_download_bytes: u64,
    pub(crate) cdn: CdnPolicy,
    pub(crate) retry: RetryPolicy,
    pub(crate) refresh_min_age: Duration,
    pub(crate) clock: Arc<dyn Clock>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("graph_base", &self.graph_base.as_str())
            .field("api_base", &self.api_base.as_str())
            .field("www_base", &self.www_base.as_str())
            .field("api_version", &self.api_version)
            .field("timeout", &self.timeout)
            .field("download_timeout", &self.download_timeout)
            .field("user_agent", &self.user_agent)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_download_bytes", &self.max_download_bytes)
            .field("cdn", &self.cdn)
            .field("retry", &self.retry)
            .field("refresh_min_age", &self.refresh_min_age)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Default for Config {
    /// The real Instagram hosts; see [`ConfigBuilder`] for each default.
    fn default() -> Self {
        Self {
            graph_base: fixed_url(GRAPH_BASE),
            api_base: fixed_url(API_BASE),
            www_base: fixed_url(WWW_BASE),
            api_version: Some(DEFAULT_API_VERSION.to_owned()),
            timeout: Duration::from_secs(30),
            download_timeout: Duration::from_secs(300),
            user_agent: concat!("xpost-ig-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_response_bytes: 4 * 1024 * 1024,
            max_download_bytes: 300 * 1024 * 1024,
            cdn: CdnPolicy::default(),
            retry: RetryPolicy::default(),
            refresh_min_age: Duration::from_secs(24 * 3600),
            clock: Arc::new(SystemClock),
        }
    }
}

fn fixed_url(text: &str) -> Url {
    // Only ever called with the constants above; a test checks they parse.
    Url::parse(text).unwrap_or_else(|error| panic!("built-in URL {text} is invalid: {error}"))
}

impl Config {
    /// A builder starting from [`Config::default`].
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder {
            config: Config::default(),
            error: None,
        }
    }

    /// The Graph host (`https://graph.instagram.com`).
    pub fn graph_base(&self) -> &Url {
        &self.graph_base
    }

    /// The pinned API version, if any.
    pub fn api_version(&self) -> Option<&str> {
        self.api_version.as_deref()
    }

    /// The timeout applied to every API request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The download allow-list.
    pub fn cdn(&self) -> &CdnPolicy {
        &self.cdn
    }

    /// The clock used for token expiry.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}

/// Builds a [`Config`]; every setter has a documented default.
#[derive(Debug)]
pub struct ConfigBuilder {
    config: Config,
    error: Option<Error>,
}

impl ConfigBuilder {
    fn url(&mut self, what: &'static str, value: &str) -> Option<Url> {
        match Url::parse(value.trim_end_matches('/')) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Some(url)
            }
            Ok(_) | Err(_) => {
                self.error.get_or_insert(Error::InvalidConfig(format!(
                    "{what} is not an http(s) URL: {value}"
                )));
                None
            }
        }
    }

    /// Points every Instagram host at an emulator serving the real paths
    /// below `{base}/instagram/graph`, `/instagram/api`, `/instagram/www`,
    /// and allows downloads below `{base}/instagram/cdn`.
    pub fn emulator(mut self, base: impl AsRef<str>) -> Self {
        let base = base.as_ref().trim_end_matches('/');
        for (prefix, slot) in [("graph", 0), ("api", 1), ("www", 2), ("cdn", 3)] {
            let Some(url) = self.url("emulator base", &format!("{base}/instagram/{prefix}")) else {
                return self;
            };
            match slot {
                0 => self.config.graph_base = url,
                1 => self.config.api_base = url,
                2 => self.config.www_base = url,
                _ => self.config.cdn.bases.push(url),
            }
        }
        self
    }

    /// The Graph host. Default [`GRAPH_BASE`].
    pub fn graph_base(mut self, url: impl AsRef<str>) -> Self {
        if let Some(url) = self.url("graph_base", url.as_ref()) {
            self.config.graph_base = url;
        }
        self
    }

    /// The host of `POST /oauth/access_token`. Default [`API_BASE`].
    pub fn api_base(mut self, url: impl AsRef<str>) -> Self {
        if let Some(url) = self.url("api_base", url.as_ref()) {
            self.config.api_base = url;
        }
        self
    }

    /// The host of the authorize page. Default [`WWW_BASE`].
    pub fn www_base(mut self, url: impl AsRef<str>) -> Self {
        if let Some(url) = self.url("www_base", url.as_ref()) {
            self.config.www_base = url;
        }
        self
    }

    /// The Graph version path segment, e.g. `v24.0`; `None` uses the app's
    /// default version. Default [`DEFAULT_API_VERSION`].
    pub fn api_version(mut self, version: Option<impl Into<String>>) -> Self {
        self.config.api_version = version.map(Into::into);
        self
    }

    /// Timeout of every API request. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Timeout of a whole media download. Default 300 s.
    pub fn download_timeout(mut self, timeout: Duration) -> Self {
        self.config.download_timeout = timeout;
        self
    }

    /// The `User-Agent` header. Default `xpost-ig-client/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.config.user_agent = user_agent.into();
        self
    }

    /// Largest API response body accepted. Default 4 MiB.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.config.max_response_bytes = bytes;
        self
    }

    /// Largest media download accepted. Default 300 MiB (the reel limit).
    pub fn max_download_bytes(mut self, bytes: u64) -> Self {
        self.config.max_download_bytes = bytes;
        self
    }

    /// Adds an https CDN host suffix to the download allow-list.
    /// Defaults: [`DEFAULT_CDN_HOST_SUFFIXES`].
    pub fn allow_cdn_host(mut self, suffix: impl Into<String>) -> Self {
        self.config.cdn.host_suffixes.push(suffix.into());
        self
    }

    /// Allows downloads below `base` (any scheme it names). Default: none.
    pub fn allow_cdn_base(mut self, base: impl AsRef<str>) -> Self {
        if let Some(url) = self.url("cdn base", base.as_ref()) {
            self.config.cdn.bases.push(url);
        }
        self
    }

    /// Retry of idempotent reads. Default [`RetryPolicy::default`].
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.config.retry = retry;
        self
    }

    /// Minimum token age before Instagram allows a refresh. Default 24 h.
    pub fn refresh_min_age(mut self, age: Duration) -> Self {
        self.config.refresh_min_age = age;
        self
    }

    /// The clock for token expiry. Default [`SystemClock`].
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.config.clock = clock;
        self
    }

    /// Finishes the configuration.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if a URL given to a setter was not an http(s) URL.
    pub fn build(self) -> Result<Config, Error> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.config),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn cdn_policy_allows_only_https_cdn_hosts() {
        let policy = CdnPolicy::default();
        assert!(
            policy
                .check(&url("https://scontent-gmp1-1.cdninstagram.com/v/a.jpg"))
                .is_ok()
        );
        assert!(
            policy
                .check(&url("https://scontent.xx.fbcdn.net/v/a.jpg"))
                .is_ok()
        );
        assert!(
            policy
                .check(&url("http://scontent.xx.fbcdn.net/v/a.jpg"))
                .is_err()
        );
        assert!(
            policy
                .check(&url("https://evilcdninstagram.com/a.jpg"))
                .is_err()
        );
        assert!(
            policy
                .check(&url("https://cdninstagram.com.evil.example/a.jpg"))
                .is_err()
        );
        assert!(
            policy
                .check(&url("https://169.254.169.254/latest/meta-data"))
                .is_err()
        );
        assert!(
            policy
                .check(&url("https://user:pw@scontent.cdninstagram.com/a.jpg"))
                .is_err()
        );
    }

    #[test]
    fn emulator_points_every_host_below_the_base() {
        let config = Config::builder()
            .emulator("http://127.0.0.1:4000/")
            .build()
            .unwrap();
        assert_eq!(
            config.graph_base.as_str(),
            "http://127.0.0.1:4000/instagram/graph"
        );
        assert_eq!(
            config.api_base.as_str(),
            "http://127.0.0.1:4000/instagram/api"
        );
        assert_eq!(
            config.www_base.as_str(),
            "http://127.0.0.1:4000/instagram/www"
        );
        assert!(
            config
                .cdn
                .check(&url("http://127.0.0.1:4000/instagram/cdn/m/1.jpg"))
                .is_ok()
        );
        assert!(
            config
                .cdn
                .check(&url("http://127.0.0.1:4000/instagram/cdnx/1.jpg"))
                .is_err()
        );
        assert!(
            config
                .cdn
                .check(&url("http://127.0.0.1:4001/instagram/cdn/1.jpg"))
                .is_err()
        );
        assert!(
            config
                .cdn
                .check(&url("http://127.0.0.1:4000/admin/tokens"))
                .is_err()
        );
    }

    #[test]
    fn bad_urls_fail_the_build() {
        assert!(matches!(
            Config::builder().graph_base("not a url").build(),
            Err(Error::InvalidConfig(_))
        ));
        assert!(matches!(
            Config::builder().api_base("ftp://x.example").build(),
            Err(Error::InvalidConfig(_))
        ));
    }

    #[test]
    fn retry_delays_are_bounded_and_jittered() {
        let policy = RetryPolicy::default();
        for attempt in 0..20 {
            let delay = policy.delay(attempt);
            assert!(delay <= policy.max_delay, "{delay:?}");
            assert!(delay >= policy.base_delay.min(policy.max_delay) / 2);
        }
    }
}
