//! Settings and the builder that checks them.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::error::EmulatorError;
use crate::server::Emulator;

/// Real Instagram short-lived token life: one hour.
pub const IG_SHORT_TTL_S: i64 = 3_600;
/// Real Instagram long-lived token life: 60 days.
pub const IG_LONG_TTL_S: i64 = 5_184_000;
/// Real X OAuth 2.0 access token life: two hours.
pub const X_ACCESS_TTL_S: i64 = 7_200;

/// Everything the emulator can be told at start.
///
/// Defaults follow the real platforms (token lives, limits) except where the emulator
/// deliberately makes a behaviour easy to reach in tests (a small Instagram page size).
#[derive(Clone)]
pub struct Config {
    /// The one registered app's client id on both platforms (`xpost-emulator`).
    pub client_id: String,
    /// The app's client secret (`xpost-emulator-secret`).
    pub client_secret: SecretString,
    /// Overrides every access token's life, in seconds (`None`: each platform's own).
    pub access_token_ttl_s: Option<i64>,
    /// Seeds ids and tokens so runs repeat (`None`: random).
    pub seed: Option<u64>,
    /// Start time in Unix milliseconds (`None`: now).
    pub start_time_ms: Option<i64>,
    /// When true, time moves only through `POST /admin/clock` (default false).
    pub frozen_clock: bool,
    /// Instagram media page size when the caller gives no `limit` (default 5).
    pub ig_page_size: usize,
    /// Instagram calls per (app, account) per hour before code 4 (default 200).
    pub ig_hourly_calls: u32,
    /// Answer the Instagram code exchange flat instead of in `data[]` (default false).
    pub ig_flat_token_response: bool,
    /// X `POST /2/tweets` per user per 15 minutes (default 100).
    pub x_post_limit: u32,
    /// X `POST /2/tweets` per app per 24 hours (default 10 000).
    pub x_app_post_limit_24h: u32,
    /// How long identical text from one X user counts as a duplicate, seconds (default 86 400).
    pub x_duplicate_window_s: i64,
    /// Seconds an X video or GIF spends in each processing state (default 2).
    pub x_processing_step_s: i64,
    /// Cap on stored Instagram media across accounts (default 20 000).
    pub max_ig_media: usize,
    /// Cap on stored X posts (default 100 000).
    pub max_x_posts: usize,
    /// Cap on stored uploaded X media bytes (default 256 MiB); oldest bytes go first.
    pub max_x_media_bytes: usize,
    /// Cap on remembered tokens (default 100 000); the oldest go first.
    pub max_tokens: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            client_id: "xpost-emulator".to_owned(),
            client_secret: SecretString::from("xpost-emulator-secret"),
            access_token_ttl_s: None,
            seed: None,
            start_time_ms: None,
            frozen_clock: false,
            ig_page_size: 5,
            ig_hourly_calls: 200,
            ig_flat_token_response: false,
            x_post_limit: 100,
            x_app_post_limit_24h: 10_000,
            x_duplicate_window_s: 86_400,
            x_processing_step_s: 2,
            max_ig_media: 20_000,
            max_x_posts: 100_000,
            max_x_media_bytes: 256 * 1024 * 1024,
            max_tokens: 100_000,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("access_token_ttl_s", &self.access_token_ttl_s)
            .field("seed", &self.seed)
            .field("start_time_ms", &self.start_time_ms)
            .field("frozen_clock", &self.frozen_clock)
            .field("ig_page_size", &self.ig_page_size)
            .field("ig_hourly_calls", &self.ig_hourly_calls)
            .field("x_post_limit", &self.x_post_limit)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Whether `secret` is the app's client secret.
    pub fn secret_matches(&self, secret: &str) -> bool {
        // Constant-time compare: the emulator should not teach timing leaks.
        let a = self.client_secret.expose_secret().as_bytes();
        let b = secret.as_bytes();
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// Life of an Instagram short-lived token, seconds.
    pub fn ig_short_ttl(&self) -> i64 {
        self.access_token_ttl_s.unwrap_or(IG_SHORT_TTL_S)
    }

    /// Life of an Instagram long-lived token, seconds.
    pub fn ig_long_ttl(&self) -> i64 {
        self.access_token_ttl_s.unwrap_or(IG_LONG_TTL_S)
    }

    /// Minimum age before an Instagram refresh: 1/60 of the long-lived life (24 h of 60 days).
    pub fn ig_min_refresh_age(&self) -> i64 {
        self.ig_long_ttl() / 60
    }

    /// Life of an X access token, seconds.
    pub fn x_access_ttl(&self) -> i64 {
        self.access_token_ttl_s.unwrap_or(X_ACCESS_TTL_S)
    }
}

/// Builds an [`Emulator`]; every setter takes `impl Into<_>`.
#[derive(Debug, Default)]
pub struct EmulatorBuilder {
    config: Config,
}

impl EmulatorBuilder {
    /// The app's client id on both platforms.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.config.client_id = id.into();
        self
    }

    /// The app's client secret on both platforms.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.config.client_secret = SecretString::from(secret.into());
        self
    }

    /// Shortens every access token's life to `seconds`.
    pub fn access_token_ttl(mut self, seconds: impl Into<i64>) -> Self {
        self.config.access_token_ttl_s = Some(seconds.into());
        self
    }

    /// Seeds ids and tokens.
    pub fn seed(mut self, seed: impl Into<u64>) -> Self {
        self.config.seed = Some(seed.into());
        self
    }

    /// Starts the clock at `unix_ms` instead of now.
    pub fn start_time_ms(mut self, unix_ms: impl Into<i64>) -> Self {
        self.config.start_time_ms = Some(unix_ms.into());
        self
    }

    /// Freezes the clock: only `advance` moves it.
    pub fn frozen_clock(mut self, frozen: bool) -> Self {
        self.config.frozen_clock = frozen;
        self
    }

    /// Default Instagram page size.
    pub fn ig_page_size(mut self, size: impl Into<usize>) -> Self {
        self.config.ig_page_size = size.into();
        self
    }

    /// Instagram calls per account per hour.
    pub fn ig_hourly_calls(mut self, calls: impl Into<u32>) -> Self {
        self.config.ig_hourly_calls = calls.into();
        self
    }

    /// Answers the Instagram code exchange with the flat shape.
    pub fn ig_flat_token_response(mut self, flat: bool) -> Self {
        self.config.ig_flat_token_response = flat;
        self
    }

    /// X posts per user per 15 minutes.
    pub fn x_post_limit(mut self, limit: impl Into<u32>) -> Self {
        self.config.x_post_limit = limit.into();
        self
    }

    /// X posts per app per 24 hours.
    pub fn x_app_post_limit_24h(mut self, limit: impl Into<u32>) -> Self {
        self.config.x_app_post_limit_24h = limit.into();
        self
    }

    /// Seconds in each X media processing state.
    pub fn x_processing_step(mut self, seconds: impl Into<i64>) -> Self {
        self.config.x_processing_step_s = seconds.into();
        self
    }

    /// Caps stored Instagram media.
    pub fn max_ig_media(mut self, max: impl Into<usize>) -> Self {
        self.config.max_ig_media = max.into();
        self
    }

    /// Caps stored X posts.
    pub fn max_x_posts(mut self, max: impl Into<usize>) -> Self {
        self.config.max_x_posts = max.into();
        self
    }

    /// Checks the settings and builds the emulator.
    ///
    /// # Errors
    /// [`EmulatorError::InvalidConfig`] naming the first setting out of range.
    pub fn build(self) -> Result<Emulator, EmulatorError> {
        let c = &self.config;
        let bad = |setting, reason: &str| {
            Err(EmulatorError::InvalidConfig {
                setting,
                reason: reason.to_owned(),
            })
        };
        if c.client_id.is_empty() {
            return bad("client_id", "must not be empty");
        }
        if c.access_token_ttl_s.is_some_and(|t| t < 1) {
            return bad("access_token_ttl", "must be at least 1 second");
        }
        if c.ig_page_size == 0 || c.ig_page_size > 100 {
            return bad("ig_page_size", "must be 1..=100");
        }
        if c.ig_hourly_calls == 0 || c.x_post_limit == 0 || c.x_app_post_limit_24h == 0 {
            return bad("limits", "must be at least 1");
        }
        if c.max_ig_media == 0 || c.max_x_posts == 0 || c.max_tokens == 0 {
            return bad("caps", "must be at least 1");
        }
        Ok(Emulator::from_config(self.config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_client_secret() {
        let c = Config {
            client_secret: SecretString::from("hunter2-very-secret"),
            ..Config::default()
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(c.secret_matches("hunter2-very-secret"));
        assert!(!c.secret_matches("hunter2"));
    }

    #[test]
    fn refresh_age_scales_with_ttl() {
        let c = Config {
            access_token_ttl_s: Some(600),
            ..Config::default()
        };
        assert_eq!(c.ig_min_refresh_age(), 10);
        assert_eq!(Config::default().ig_min_refresh_age(), 86_400);
    }
}
