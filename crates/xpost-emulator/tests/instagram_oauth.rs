//! Instagram Business Login over real HTTP: authorize, code exchange, long-lived
//! exchange, refresh, expiry and invalidation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::Value;
use xpost_emulator::{Emulator, Platform};

async fn long_lived(
    emu: &xpost_emulator::RunningEmulator,
    http: &reqwest::Client,
    short: &str,
) -> (u16, Value) {
    json(
        http.get(format!("{}/instagram/graph/access_token", emu.base_url))
            .query(&[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", "xpost-emulator-secret"),
                ("access_token", short),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn refresh(
    emu: &xpost_emulator::RunningEmulator,
    http: &reqwest::Client,
    long: &str,
) -> (u16, Value) {
    json(
        http.get(format!(
            "{}/instagram/graph/v23.0/refresh_access_token",
            emu.base_url
        ))
        .query(&[("grant_type", "ig_refresh_token"), ("access_token", long)])
        .send()
        .await
        .unwrap(),
    )
    .await
}

#[tokio::test]
async fn code_is_single_use_and_tokens_are_data_wrapped() {
    let emu = start().await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "maria").await;
    assert!(token.starts_with("IGAA"));
    let (status, me) = json(
        graph(
            &emu,
            &http,
            "/me",
            &token,
            &[("fields", "id,user_id,username")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(me["user_id"], user_id.as_str());
    assert_ne!(me["id"], user_id.as_str(), "id is app-scoped");

    // A second exchange of a fresh code works; reusing it fails with the legacy shape.
    let code = ig_code(&emu, &http, "again").await;
    assert_eq!(ig_exchange(&emu, &http, &code).await.0, 200);
    let (status, body) = ig_exchange(&emu, &http, &code).await;
    assert_eq!(status, 400);
    assert_eq!(body["error_type"], "OAuthException");
    assert_eq!(body["code"], 400);
    assert_eq!(
        body["error_message"],
        "Matching code was not found or was already used"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn redirect_uri_must_match_exactly_and_unregistered_hosts_are_refused() {
    let emu = start().await;
    let http = client();
    emu.admin().create_instagram_account("ana").unwrap();
    emu.admin()
        .set_session(Platform::Instagram, Some("ana"))
        .unwrap();
    let code = ig_code(&emu, &http, "x").await;
    let (status, body) = json(
        http.post(format!("{}/instagram/api/oauth/access_token", emu.base_url))
            .form(&[
                ("client_id", "xpost-emulator"),
                ("client_secret", "xpost-emulator-secret"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", "http://127.0.0.1:9/callback/"),
                ("code", code.as_str()),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error_message"]
            .as_str()
            .unwrap()
            .contains("redirect_uri"),
        "{body}"
    );

    let resp = http
        .get(format!("{}/instagram/www/oauth/authorize", emu.base_url))
        .query(&[
            ("client_id", "xpost-emulator"),
            ("redirect_uri", "https://evil.example/cb"),
            ("response_type", "code"),
            ("scope", "instagram_business_basic"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn denied_consent_redirects_with_access_denied_and_state() {
    let emu = start().await;
    let http = client();
    emu.admin().set_session(Platform::Instagram, None).unwrap();
    let resp = http
        .get(format!("{}/instagram/www/oauth/authorize", emu.base_url))
        .query(&[
            ("client_id", "xpost-emulator"),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "instagram_business_basic"),
            ("state", "abc"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let loc = location(&resp);
    let loc = loc.trim_end_matches("#_");
    assert_eq!(param(loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(loc, "error_reason").as_deref(), Some("user_denied"));
    assert_eq!(param(loc, "state").as_deref(), Some("abc"));
    assert_eq!(param(loc, "code"), None);
    emu.shutdown().await;
}

#[tokio::test]
async fn long_lived_exchange_refresh_window_and_expiry() {
    // ttl 600 s: long-lived tokens live 600 s and may be refreshed after 10 s.
    let emu = start_with(Emulator::builder().seed(2u64).access_token_ttl(600i64)).await;
    let http = client();
    let (_, short) = ig_login(&emu, &http, "lea").await;

    let (status, body) = long_lived(&emu, &http, &short).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 600);
    let long = body["access_token"].as_str().unwrap().to_owned();

    // Too young to refresh.
    let (status, body) = refresh(&emu, &http, &long).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 100);

    emu.admin().advance_clock(11).unwrap();
    let (status, body) = refresh(&emu, &http, &long).await;
    assert_eq!(status, 200, "{body}");
    let refreshed = body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(refreshed, long);

    // Past the original life: the old long-lived token is dead with 190/463, the
    // refreshed one (issued 11 s later) still works for a few seconds.
    emu.admin().advance_clock(590).unwrap();
    let (status, body) = json(graph(&emu, &http, "/me", &long, &[]).await).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 190);
    assert_eq!(body["error"]["error_subcode"], 463);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Session has expired")
    );
    assert!(body["error"]["fbtrace_id"].is_string());
    let (status, _) = json(graph(&emu, &http, "/me", &refreshed, &[]).await).await;
    assert_eq!(status, 200);

    // An expired token cannot be refreshed either.
    let (status, body) = refresh(&emu, &http, &long).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["error_subcode"], 463);
    emu.shutdown().await;
}

#[tokio::test]
async fn admin_revoke_plays_a_password_change_with_subcode_460() {
    let emu = start().await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "rui").await;
    let resp = http
        .post(format!("{}/admin/revoke", emu.base_url))
        .json(&serde_json::json!({"platform": "instagram", "user_id": user_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = graph(&emu, &http, "/me", &token, &[]).await;
    assert!(resp.headers().get("www-authenticate").is_some());
    let (status, body) = json(resp).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 190);
    assert_eq!(body["error"]["error_subcode"], 460);
    assert_eq!(body["error"]["type"], "OAuthException");

    let tokens = emu.admin().tokens();
    assert!(tokens.iter().all(|t| t.revoked));
    assert!(
        !format!("{tokens:?}").contains(&token),
        "Debug must hide tokens"
    );

    // An unknown token is a plain 190 without subcode.
    let (_, body) = json(graph(&emu, &http, "/me", "IGAAnope", &[]).await).await;
    assert_eq!(body["error"]["code"], 190);
    assert!(body["error"].get("error_subcode").is_none());
    emu.shutdown().await;
}

#[tokio::test]
async fn flat_token_shape_is_a_switch_and_bearer_header_works() {
    let emu = start_with(Emulator::builder().seed(3u64).ig_flat_token_response(true)).await;
    let http = client();
    let user_id = emu.admin().create_instagram_account("flat").unwrap();
    emu.admin()
        .set_session(Platform::Instagram, Some("flat"))
        .unwrap();
    let code = ig_code(&emu, &http, "s").await;
    let (status, body) = ig_exchange(&emu, &http, &code).await;
    assert_eq!(status, 200);
    assert!(body["user_id"].is_number());
    assert_eq!(body["user_id"].to_string(), user_id);
    assert!(body["permissions"].is_array());
    let token = body["access_token"].as_str().unwrap();
    let (status, me) = json(
        http.get(format!(
            "{}/instagram/graph/v23.0/me?fields=username",
            emu.base_url
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "flat");
    emu.shutdown().await;
}
