//! Shared test helpers: a fake clock, client construction against mockito, fixtures.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::Timestamp;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use x_client::{
    AccessToken, Clock, Config, ConfigBuilder, RefreshToken, RetryPolicy, Scopes, TokenSet, XClient,
};

/// A clock that starts at a fixed instant and moves only when something sleeps.
#[derive(Debug)]
pub struct FakeClock {
    now: Mutex<Timestamp>,
    pub sleeps: Mutex<Vec<Duration>>,
}

impl FakeClock {
    pub fn at(epoch_secs: u64) -> Arc<Self> {
        Arc::new(Self {
            now: Mutex::new(at(epoch_secs)),
            sleeps: Mutex::new(Vec::new()),
        })
    }

    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }
}

#[async_trait]
impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap()
    }

    async fn sleep(&self, duration: Duration) {
        self.sleeps.lock().unwrap().push(duration);
        let mut now = self.now.lock().unwrap();
        *now = now.checked_add(duration).unwrap();
    }
}

pub const T0: u64 = 1_700_000_000;

/// The instant `epoch_secs` seconds after the Unix epoch.
pub fn at(epoch_secs: u64) -> Timestamp {
    Timestamp::from_second(epoch_secs as i64).unwrap()
}

/// The test configuration, still open for more settings.
pub fn config_builder(base: &str) -> ConfigBuilder {
    Config::builder()
        .api_base(base)
        .upload_base(base)
        .authorize_base(base)
        .request_timeout(Duration::from_secs(5))
        .upload_timeout(Duration::from_secs(5))
        .retry(RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        })
}

pub fn config(base: &str) -> Config {
    config_builder(base).build().unwrap()
}

pub fn tokens(access: &str, scopes: &str) -> TokenSet {
    TokenSet {
        access_token: AccessToken::new(access),
        refresh_token: Some(RefreshToken::new(format!("refresh-of-{access}"))),
        expires_at: Some(at(T0 + 7200)),
        scopes: Scopes::parse(scopes),
    }
}

pub const ALL_SCOPES: &str = "tweet.read tweet.write users.read media.write offline.access";

pub fn client(base: &str, clock: Arc<FakeClock>) -> XClient {
    XClient::builder()
        .config(config(base))
        .clock(clock)
        .tokens(tokens("token-1", ALL_SCOPES))
        .build()
        .unwrap()
}

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A recorded exchange: status, headers and body.
pub struct Recorded {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
}

pub fn recorded(rel: &str) -> Recorded {
    let text = std::fs::read_to_string(fixture_dir().join(rel)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let headers = v["headers"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Recorded {
        status: v["status"].as_u64().unwrap_or(200) as u16,
        headers,
        body: v["body"].clone(),
    }
}

/// Serves a recorded exchange from a mockito mock.
pub fn serve(mut mock: mockito::Mock, rec: &Recorded) -> mockito::Mock {
    mock = mock.with_status(rec.status as usize);
    for (k, v) in &rec.headers {
        if k != "content-type" {
            mock = mock.with_header(k.as_str(), v.as_str());
        }
    }
    mock = mock.with_header("content-type", "application/json");
    if rec.body.is_null() {
        mock
    } else {
        mock.with_body(rec.body.to_string())
    }
}
