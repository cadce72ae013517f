//! Helpers shared by the integration tests: start an emulator, log in over the real
//! OAuth flows, read JSON answers.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::redirect::Policy;
use serde_json::Value;
use sha2::{Digest, Sha256};
use xpost_emulator::{Emulator, EmulatorBuilder, Platform, RunningEmulator, jpeg};

/// The callback the tests register (never contacted: redirects are not followed).
pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// A client that does not follow redirects, so tests can read `Location`.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Starts an emulator built from `builder` on a free loopback port.
pub async fn start_with(builder: EmulatorBuilder) -> RunningEmulator {
    let emu = builder.build().unwrap();
    emu.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap()
}

/// Starts a seeded emulator with defaults.
pub async fn start() -> RunningEmulator {
    start_with(Emulator::builder().seed(1u64)).await
}

/// `Location` of a redirect answer.
pub fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_owned()
}

/// One query parameter of a URL.
pub fn param(url: &str, key: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).unwrap();
    u.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Status and JSON body.
pub async fn json(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

/// Runs the Instagram authorize page and returns the code.
pub async fn ig_code(emu: &RunningEmulator, http: &reqwest::Client, state: &str) -> String {
    let resp = http
        .get(format!("{}/instagram/www/oauth/authorize", emu.base_url))
        .query(&[
            ("client_id", "xpost-emulator"),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            (
                "scope",
                "instagram_business_basic,instagram_business_content_publish",
            ),
            ("state", state),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let loc = location(&resp);
    assert!(loc.ends_with("#_"), "{loc}");
    let loc = loc.trim_end_matches("#_");
    assert_eq!(param(loc, "state").as_deref(), Some(state));
    param(loc, "code").unwrap()
}

/// Exchanges an Instagram code for a short-lived token.
pub async fn ig_exchange(
    emu: &RunningEmulator,
    http: &reqwest::Client,
    code: &str,
) -> (u16, Value) {
    json(
        http.post(format!("{}/instagram/api/oauth/access_token", emu.base_url))
            .form(&[
                ("client_id", "xpost-emulator"),
                ("client_secret", "xpost-emulator-secret"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", REDIRECT),
                ("code", code),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Creates an Instagram account, logs it in, returns `(user_id, short-lived token)`.
pub async fn ig_login(
    emu: &RunningEmulator,
    http: &reqwest::Client,
    username: &str,
) -> (String, String) {
    let user_id = emu.admin().create_instagram_account(username).unwrap();
    emu.admin()
        .set_session(Platform::Instagram, Some(username))
        .unwrap();
    let code = ig_code(emu, http, "s1").await;
    let (status, body) = ig_exchange(emu, http, &code).await;
    assert_eq!(status, 200, "{body}");
    let token = body["data"][0]["access_token"].as_str().unwrap().to_owned();
    assert_eq!(body["data"][0]["user_id"], user_id.as_str());
    (user_id, token)
}

/// GET on the Instagram graph with a token.
pub async fn graph(
    emu: &RunningEmulator,
    http: &reqwest::Client,
    path: &str,
    token: &str,
    query: &[(&str, &str)],
) -> reqwest::Response {
    http.get(format!("{}/instagram/graph{path}", emu.base_url))
        .query(&[("access_token", token)])
        .query(query)
        .send()
        .await
        .unwrap()
}

/// PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// `Authorization: Basic` for the default app.
pub fn basic() -> String {
    format!(
        "Basic {}",
        STANDARD.encode("xpost-emulator:xpost-emulator-secret")
    )
}

/// Runs the X authorize page with `scope` and `challenge`; returns the code.
pub async fn x_code(
    emu: &RunningEmulator,
    http: &reqwest::Client,
    scope: &str,
    challenge: &str,
) -> String {
    let resp = http
        .get(format!("{}/x/www/i/oauth2/authorize", emu.base_url))
        .query(&[
            ("response_type", "code"),
            ("client_id", "xpost-emulator"),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
            ("state", "st8"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let loc = location(&resp);
    assert_eq!(param(&loc, "state").as_deref(), Some("st8"));
    param(&loc, "code").unwrap()
}

/// POST to the X token endpoint with Basic auth.
pub async fn x_token(
    emu: &RunningEmulator,
    http: &reqwest::Client,
    form: &[(&str, &str)],
) -> (u16, Value) {
    json(
        http.post(format!("{}/x/api/2/oauth2/token", emu.base_url))
            .header("authorization", basic())
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The cross-poster's scopes.
pub const X_SCOPES: &str = "tweet.read tweet.write users.read media.write offline.access";

/// Creates an X account, logs it in, returns `(user_id, access, refresh)`.
pub async fn x_login(
    emu: &RunningEmulator,
    http: &reqwest::Client,
    username: &str,
) -> (String, String, String) {
    let user_id = emu.admin().create_x_account(username).unwrap();
    emu.admin()
        .set_session(Platform::X, Some(username))
        .unwrap();
    let (verifier, challenge) = pkce();
    let code = x_code(emu, http, X_SCOPES, &challenge).await;
    let (status, body) = x_token(
        emu,
        http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (
        user_id,
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

/// Posts text to X.
pub async fn tweet(
    emu: &RunningEmulator,
    http: &reqwest::Client,
    token: &str,
    body: Value,
) -> reqwest::Response {
    http.post(format!("{}/x/api/2/tweets", emu.base_url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A distinct small JPEG for each `n`.
pub fn picture(n: u8) -> Vec<u8> {
    jpeg::jpeg(
        n,
        jpeg::Gps {
            lat: 10.0,
            lon: f64::from(n),
        },
    )
}

/// Uploads picture `n` to X in one request; returns the answer's `data`.
pub async fn upload_image(
    emu: &RunningEmulator,
    http: &reqwest::Client,
    access: &str,
    n: u8,
) -> Value {
    let (status, body) = json(
        http.post(format!("{}/x/api/2/media/upload", emu.base_url))
            .bearer_auth(access)
            .json(&serde_json::json!({
                "media": STANDARD.encode(picture(n)), "media_category": "tweet_image"
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}
