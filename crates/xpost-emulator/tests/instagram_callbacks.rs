//! `POST /admin/instagram/callbacks`: Meta's deauthorize and data-deletion
//! callbacks, signed with the app secret and delivered to a loopback URL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// A receiver that keeps every form body it gets and answers `{"ok": true}`.
async fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&got);
    let app = axum::Router::new().route(
        "/cb",
        post(move |body: String| {
            let kept = Arc::clone(&kept);
            async move {
                kept.lock().unwrap().push(body);
                axum::Json(json!({"ok": true}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

fn payload_if_signed(body: &str, secret: &str) -> Option<Value> {
    let signed = body.strip_prefix("signed_request=")?;
    let (sig, payload) = signed.split_once('.')?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(payload.as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(sig).ok()?).ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

#[tokio::test]
async fn callbacks_are_signed_with_the_app_secret_and_deauthorize_kills_the_tokens() {
    let emu = start().await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "maria").await;
    let (url, got) = receiver().await;

    let answer = http
        .post(format!("{}/admin/instagram/callbacks", emu.base_url))
        .json(&json!({"kind": "data_deletion", "user_id": user_id, "url": url}))
        .send()
        .await
        .unwrap();
    let (status, body) = json(answer).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], 200);
    assert_eq!(body["body"], "{\"ok\":true}");
    let payload = payload_if_signed(&got.lock().unwrap()[0], "xpost-emulator-secret")
        .expect("signed with the app secret");
    assert_eq!(payload["algorithm"], "HMAC-SHA256");
    assert_eq!(payload["user_id"], user_id.as_str());
    assert!(payload["issued_at"].is_i64());
    let (status, _) = json(graph(&emu, &http, "/me", &token, &[("fields", "id")]).await).await;
    assert_eq!(
        status, 200,
        "a data-deletion request leaves the token alone"
    );

    let answer = http
        .post(format!("{}/admin/instagram/callbacks", emu.base_url))
        .json(&json!({"kind": "deauthorize", "user_id": user_id, "url": url}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(got.lock().unwrap().len(), 2);
    let (status, body) = json(graph(&emu, &http, "/me", &token, &[("fields", "id")]).await).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], 190);
    assert_eq!(body["error"]["error_subcode"], 458);
}

#[tokio::test]
async fn callbacks_go_to_loopback_only() {
    let emu = start().await;
    let http = client();
    let (user_id, _) = ig_login(&emu, &http, "maria").await;
    for (url, kind) in [
        ("http://example.com:80/cb", "deauthorize"),
        ("https://127.0.0.1:9/cb", "data_deletion"),
        ("http://10.1.2.3:80/cb", "deauthorize"),
    ] {
        let answer = http
            .post(format!("{}/admin/instagram/callbacks", emu.base_url))
            .json(&json!({"kind": kind, "user_id": user_id, "url": url}))
            .send()
            .await
            .unwrap();
        let (status, body) = json(answer).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("loopback"),
            "{body}"
        );
    }
    let answer = http
        .post(format!("{}/admin/instagram/callbacks", emu.base_url))
        .json(&json!({"kind": "deauthorize", "user_id": "999", "url": "http://127.0.0.1:9/cb"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
}
