//! Walks every recorded response under `tests/fixtures/` (provenance in
//! `tests/fixtures/SOURCES.md`): each success body goes through its real model and
//! back without losing or changing a field, each error body maps to the error a
//! caller acts on, and every recorded rate-limit header reaches the client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::Path;
use x_client::media::MediaInfo;
use x_client::model::{Envelope, Post, User, V1User};
use x_client::posts::DeletedPost;
use x_client::{CreatedPost, Endpoint, Error, RateLimitInfo, RetryKind};

/// Whether a recorded leaf and the model's output are the same value. Two spellings
/// are the same value: an RFC 3339 instant with or without its zero fraction, and a
/// counter X sends as a string (`"4"`) that the model holds as a number.
fn same_leaf(recorded: &Value, again: &Value) -> bool {
    if recorded == again {
        return true;
    }
    match (recorded, again) {
        (Value::String(a), Value::String(b)) => {
            match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
        }
        (Value::String(a), Value::Number(b)) => a.trim().parse::<u64>().ok() == b.as_u64(),
        _ => false,
    }
}

/// Every key path of `recorded` is in `again` with an equal value; a recorded `null`
/// may come back absent (the model's "no value").
fn assert_nothing_lost(path: &str, recorded: &Value, again: &Value) {
    match (recorded, again) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                match b.get(k) {
                    Some(w) => assert_nothing_lost(&format!("{path}.{k}"), v, w),
                    None if v.is_null() => {}
                    None => panic!("{path}.{k}: field lost (recorded {v})"),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: array length");
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                assert_nothing_lost(&format!("{path}[{i}]"), v, w);
            }
        }
        (a, b) => assert!(same_leaf(a, b), "{path}: recorded {a}, the model gives {b}"),
    }
}

/// Reads `recorded` into the real model `T`, writes it back and checks that nothing
/// of the recording was lost or changed.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str, recorded: &Value) {
    let typed: T =
        serde_json::from_value(recorded.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let again = serde_json::to_value(&typed).unwrap();
    assert_nothing_lost(name, recorded, &again);
}

fn header_map(rec: &Recorded) -> reqwest::header::HeaderMap {
    let mut map = reqwest::header::HeaderMap::new();
    for (k, v) in &rec.headers {
        map.insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    map
}

fn check(rel: &str) {
    let rec = recorded(rel);
    let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
    let info = RateLimitInfo::from_headers(&header_map(&rec));
    if rec.headers.iter().any(|(k, _)| k == "x-rate-limit-reset") {
        assert!(
            info.window.is_some(),
            "{name}: the recorded window was not read"
        );
    }
    let (answer, seen) = replay(&rec);
    let recorded_info = (!info.is_empty()).then_some(info);
    assert_eq!(
        seen, recorded_info,
        "{name}: rate-limit headers as the client saw them"
    );
    if rec.status >= 400 {
        let err = answer.unwrap_err();
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
    let body = &rec.body;
    match name {
        "media_upload_append.204.json" => {
            assert_eq!((rec.status, body), (204, &Value::Null), "{name}: no body");
        }
        "create_tweet.201.json" => round_trip::<Envelope<CreatedPost>>(name, body),
        "delete_tweet.200.json" => round_trip::<Envelope<DeletedPost>>(name, body),
        "get_tweet.200.json" => round_trip::<Envelope<Post>>(name, body),
        "get_tweets.200.json"
        | "user_tweets.200.json"
        | "user_tweets_public_metrics.200.json"
        | "tweets_lookup_edited.200.json"
        | "tweets_lookup_partial_error_withheld.200.json"
        | "tweets_lookup_video_expansions.200.json" => {
            round_trip::<Envelope<Vec<Post>>>(name, body)
        }
        "users_me.200.json" | "user_by_username.200.json" => {
            round_trip::<Envelope<User>>(name, body)
        }
        "account_update_profile.200.json" => round_trip::<V1User>(name, body),
        n if n.starts_with("media_upload") && rel.starts_with("v2/") => {
            round_trip::<Envelope<MediaInfo>>(name, body)
        }
        n if n.starts_with("media_upload") => {
            // v1.1 names the string id `media_id_string`; the model calls it `id`.
            let mut renamed = body.clone();
            let obj = renamed.as_object_mut().unwrap();
            let id = obj.remove("media_id_string").unwrap();
            obj.insert("id".into(), id);
            let info: MediaInfo = serde_json::from_value(body.clone()).unwrap();
            assert_nothing_lost(name, &renamed, &serde_json::to_value(&info).unwrap());
        }
        other => panic!("no model chosen for fixture {other}"),
    }
}

/// Replays a recorded answer, status, headers and body, through a mock server: what
/// the client makes of it (only errors matter; other bodies are not a user), and the
/// rate-limit headers it recorded.
fn replay(rec: &Recorded) -> (Result<User, Error>, Option<RateLimitInfo>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut server = mockito::Server::new_async().await;
        let _m = serve(server.mock("GET", "/2/users/me"), rec)
            .create_async()
            .await;
        let client = client(&server.url(), FakeClock::at(T0));
        let answer = client.me(&[]).await;
        (answer, client.rate_limit(Endpoint::UsersMe))
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
