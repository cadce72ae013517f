//! Walks every recorded response under `tests/fixtures/` (copied from the shared
//! recordings; provenance in `tests/fixtures/SOURCES.md`): each success body
//! deserializes into its model without losing a field, and each error body maps to
//! the error a caller acts on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::Path;
use x_client::media::MediaInfo;
use x_client::model::{Envelope, Post, User, V1User};
use x_client::{CreatedPost, Error, RetryKind};

/// Every key of `original` (except nulls) is still present after the round trip.
fn assert_no_field_lost(path: &str, original: &Value, again: &Value) {
    match (original, again) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                if v.is_null() {
                    continue;
                }
                let Some(w) = b.get(k) else {
                    panic!("{path}: field `{k}` lost");
                };
                assert_no_field_lost(&format!("{path}.{k}"), v, w);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: array length");
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                assert_no_field_lost(&format!("{path}[{i}]"), v, w);
            }
        }
        _ => {}
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(name: &str, body: &Value) {
    let typed: T = serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let again = serde_json::to_value(&typed).unwrap();
    assert_no_field_lost(name, body, &again);
}

fn check(rel: &str) {
    let rec = recorded(rel);
    let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
    if rec.status >= 400 {
        let headers: Vec<(String, String)> = rec.headers.clone();
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in &headers {
            map.insert(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let info = x_client::RateLimitInfo::from_headers(&map);
        let body = rec.body.to_string();
        let err = error_from(rec.status, info, body.as_bytes());
        let expected = match name {
            "duplicate_content.403.json" => matches!(err, Error::DuplicateContent { .. }),
            "unauthorized.401.json" => err.retry_kind() == RetryKind::RefreshAuth,
            "invalid_request_schema.400.json" => err
                .to_string()
                .contains("JSON doesn't match expected schema"),
            "error_bad_authentication_data.400.json" => err.to_string().contains("(code 215)"),
            other => panic!("unclassified error fixture {other}"),
        };
        assert!(expected, "{name}: {err:?}");
        return;
    }
    if rec.body.is_null() {
        assert_eq!(rec.status, 204, "{name}: only the 204 append has no body");
        return;
    }
    let body = &rec.body;
    match name {
        "create_tweet.201.json" => round_trip::<Envelope<CreatedPostOut>>(name, body),
        "delete_tweet.200.json" => round_trip::<Value>(name, body),
        "get_tweet.200.json" => round_trip::<Envelope<Post>>(name, body),
        "users_me.200.json" | "user_by_username.200.json" => {
            round_trip::<Envelope<User>>(name, body)
        }
        "account_update_profile.200.json" => round_trip::<V1User>(name, body),
        n if n.starts_with("media_upload") && rel.starts_with("v2/") => {
            round_trip::<Envelope<MediaInfo>>(name, body)
        }
        n if n.starts_with("media_upload") => {
            // v1.1 names the string id `media_id_string`; the model calls it `id`.
            let info: MediaInfo = serde_json::from_value(body.clone()).unwrap();
            assert_eq!(
                Some(info.id.as_str()),
                body["media_id_string"].as_str(),
                "{name}"
            );
            let mut renamed = body.clone();
            if let Some(obj) = renamed.as_object_mut() {
                obj.remove("media_id_string");
            }
            assert_no_field_lost(name, &renamed, &serde_json::to_value(&info).unwrap());
        }
        _ => round_trip::<Envelope<Vec<Post>>>(name, body),
    }
}

/// `CreatedPost` is read-only in the client; this mirror checks its fields survive.
#[derive(serde::Deserialize, Serialize)]
struct CreatedPostOut {
    id: String,
    text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    edit_history_tweet_ids: Option<Vec<String>>,
}

/// Replays an error answer through a mock server and returns what the client makes of it.
fn error_from(status: u16, info: x_client::RateLimitInfo, body: &[u8]) -> Error {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut server = mockito::Server::new_async().await;
        let mut mock = server
            .mock("GET", "/2/users/me")
            .with_status(status as usize);
        if let Some(w) = info.window {
            mock = mock
                .with_header("x-rate-limit-limit", &w.limit.to_string())
                .with_header("x-rate-limit-remaining", &w.remaining.to_string());
        }
        let _m = mock.with_body(body).create_async().await;
        let client = client(&server.url(), FakeClock::at(T0));
        client.me(&[]).await.unwrap_err()
    })
}

#[test]
fn every_recorded_response_is_understood() {
    let mut seen = 0;
    let root = fixture_dir();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned();
                check(&rel);
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 26, "every vendored fixture was checked");
}

#[test]
fn created_post_reads_both_history_spellings() {
    let a: CreatedPost =
        serde_json::from_str(r#"{"id":"1","text":"t","edit_history_post_ids":["1"]}"#).unwrap();
    assert_eq!(a.edit_history_tweet_ids.unwrap()[0].as_str(), "1");
}

#[test]
fn edit_controls_accept_string_and_number() {
    for rel in [
        "v2/tweets_lookup_edited.200.json",
        "v2/tweets_lookup_video_expansions.200.json",
    ] {
        let env: Envelope<Vec<Post>> = serde_json::from_value(recorded(rel).body).unwrap();
        let post = &env.data.unwrap()[0];
        assert!(
            post.edit_controls
                .as_ref()
                .unwrap()
                .edits_remaining
                .is_some()
        );
    }
}
