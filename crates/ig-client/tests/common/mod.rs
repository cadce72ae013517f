//! Shared set-up: a client pointed at a mockito server on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::time::Duration;

use ig_client::{AccessToken, Config, ConfigBuilder, IgClient, RetryPolicy, UserClient};

pub const TOKEN: &str = "IGAAtest-token";

/// Fast retries so tests that exhaust them stay quick.
pub fn builder(server: &mockito::Server) -> ConfigBuilder {
    Config::builder()
        .graph_base(format!("{}/graph", server.url()))
        .api_base(format!("{}/api", server.url()))
        .www_base(format!("{}/www", server.url()))
        .timeout(Duration::from_secs(2))
        .retry(RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(5),
        })
}

pub fn client(server: &mockito::Server) -> IgClient {
    IgClient::new(builder(server).build().unwrap()).unwrap()
}

pub fn user(server: &mockito::Server) -> UserClient {
    client(server).user(AccessToken::new(TOKEN))
}

/// The body of a vendored recording.
pub fn fixture_body(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/instagram")
        .join(path);
    let recording: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(full).unwrap()).unwrap();
    recording["body"].to_string()
}

pub fn graph_error(code: i64, subcode: Option<i64>, message: &str) -> String {
    let mut error = serde_json::json!({"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC+/x"});
    if let Some(subcode) = subcode {
        error["error_subcode"] = subcode.into();
    }
    serde_json::json!({ "error": error }).to_string()
}
