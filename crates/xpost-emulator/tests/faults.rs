//! Every fault kind of `POST /admin/faults`, driven over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json as j};
use xpost_emulator::RunningEmulator;

async fn fault(emu: &RunningEmulator, http: &reqwest::Client, body: Value) {
    let resp = http
        .post(format!("{}/admin/faults", emu.base_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

#[tokio::test]
async fn status_faults_use_each_platforms_shape_and_spend_their_count() {
    let emu = start().await;
    let http = client();
    let (_, ig) = ig_login(&emu, &http, "f1").await;
    let (_, x, _) = x_login(&emu, &http, "f1x").await;
    fault(
        &emu,
        &http,
        j!({"platform": "instagram", "path_prefix": "/me/media", "status": 503, "count": 2}),
    )
    .await;
    fault(
        &emu,
        &http,
        j!({"platform": "x", "path_prefix": "/2/tweets", "status": 500}),
    )
    .await;

    // The version segment is removed before matching.
    for _ in 0..2 {
        let (status, body) = json(graph(&emu, &http, "/v23.0/me/media", &ig, &[]).await).await;
        assert_eq!(status, 503);
        assert_eq!(body["error"]["is_transient"], true);
        assert!(body["error"]["code"].is_i64());
    }
    assert_eq!(
        graph(&emu, &http, "/me/media", &ig, &[])
            .await
            .status()
            .as_u16(),
        200
    );
    // Another path is untouched.
    assert_eq!(
        graph(&emu, &http, "/me", &ig, &[]).await.status().as_u16(),
        200
    );

    let (status, body) = json(tweet(&emu, &http, &x, j!({"text": "boom"})).await).await;
    assert_eq!(status, 500);
    assert_eq!(body["status"], 500);
    assert_eq!(body["type"], "about:blank");
    assert_eq!(
        tweet(&emu, &http, &x, j!({"text": "fine"}))
            .await
            .status()
            .as_u16(),
        201
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn throttle_faults_play_each_platforms_429() {
    let emu = start().await;
    let http = client();
    let (user_id, ig) = ig_login(&emu, &http, "f2").await;
    let (_, x, _) = x_login(&emu, &http, "f2x").await;
    fault(
        &emu,
        &http,
        j!({"platform": "instagram", "path_prefix": "/me", "status": 429, "retry_after_s": 90}),
    )
    .await;
    let resp = graph(&emu, &http, "/me", &ig, &[]).await;
    let buc: Value = serde_json::from_str(
        resp.headers()["x-business-use-case-usage"]
            .to_str()
            .unwrap(),
    )
    .unwrap();
    let (status, body) = json(resp).await;
    assert!(status == 400 || status == 403);
    assert!([4, 17, 32, 613].contains(&body["error"]["code"].as_i64().unwrap()));
    assert_eq!(buc[&user_id][0]["call_count"], 100);
    assert_eq!(buc[&user_id][0]["estimated_time_to_regain_access"], 2);

    fault(
        &emu,
        &http,
        j!({"platform": "x", "path_prefix": "/2/users/me", "status": 429}),
    )
    .await;
    let before = emu.admin().now_ms() / 1000;
    let resp = http
        .get(format!("{}/x/api/2/users/me", emu.base_url))
        .bearer_auth(&x)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["x-rate-limit-remaining"], "0");
    let reset: i64 = resp.headers()["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (before + 2..=before + 3).contains(&reset),
        "reset {reset} vs now {before}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn latency_and_slow_200_delay_the_answer() {
    let emu = start().await;
    let http = client();
    let (_, x, _) = x_login(&emu, &http, "f3").await;
    for (status, latency_ms) in [(200_u16, 300_u64), (503, 200)] {
        fault(
            &emu,
            &http,
            j!({"platform": "x", "path_prefix": "/2/users/me", "status": status, "latency_ms": latency_ms}),
        )
        .await;
        let t = Instant::now();
        let resp = http
            .get(format!("{}/x/api/2/users/me", emu.base_url))
            .bearer_auth(&x)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status);
        assert!(t.elapsed() >= Duration::from_millis(latency_ms));
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn status_zero_drops_the_connection_without_an_answer() {
    let emu = start().await;
    let http = client();
    let (_, x, _) = x_login(&emu, &http, "f4").await;
    fault(
        &emu,
        &http,
        j!({"platform": "x", "path_prefix": "/2/tweets", "status": 0}),
    )
    .await;
    let err = http
        .post(format!("{}/x/api/2/tweets", emu.base_url))
        .bearer_auth(&x)
        .json(&j!({"text": "lost"}))
        .send()
        .await
        .expect_err("the connection is dropped");
    assert!(!err.is_timeout(), "{err}");
    // Nothing was created, and the next request goes through.
    assert!(emu.admin().x_tweets().is_empty());
    assert_eq!(
        tweet(&emu, &http, &x, j!({"text": "kept"}))
            .await
            .status()
            .as_u16(),
        201
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn faults_apply_in_order_and_reset_clears_them() {
    let emu = start().await;
    let http = client();
    let (_, x, _) = x_login(&emu, &http, "f5").await;
    fault(
        &emu,
        &http,
        j!({"platform": "x", "path_prefix": "/2/", "status": 502, "count": 1}),
    )
    .await;
    fault(
        &emu,
        &http,
        j!({"platform": "x", "path_prefix": "/2/users", "status": 504, "count": 5}),
    )
    .await;
    let me = format!("{}/x/api/2/users/me", emu.base_url);
    assert_eq!(
        http.get(&me)
            .bearer_auth(&x)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        502
    );
    assert_eq!(
        http.get(&me)
            .bearer_auth(&x)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        504
    );
    fault(&emu, &http, j!({"reset": true})).await;
    assert_eq!(
        http.get(&me)
            .bearer_auth(&x)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );

    // Faults on the authorize host count for the same platform.
    fault(
        &emu,
        &http,
        j!({"platform": "x", "path_prefix": "/i/oauth2", "status": 503}),
    )
    .await;
    let resp = http
        .get(format!("{}/x/www/i/oauth2/authorize", emu.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);

    let (_, stats) = json(
        http.get(format!("{}/admin/stats", emu.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(stats["x"]["/2/users/me"].as_u64().unwrap() >= 3);
    assert!(stats["total"].as_u64().unwrap() >= 4);
    emu.shutdown().await;
}

#[tokio::test]
async fn each_bad_fault_field_is_refused_with_its_own_message() {
    let emu = start().await;
    let http = client();
    for (body, field) in [
        (j!({"status": 503}), "platform"),
        (j!({"platform": "threads", "status": 503}), "platform"),
        (
            j!({"platform": "x", "status": 503, "path_prefix": 7}),
            "path_prefix",
        ),
        (
            j!({"platform": "x", "status": 503, "path_prefix": "2/tweets"}),
            "path_prefix",
        ),
        (j!({"platform": "x"}), "status"),
        (j!({"platform": "x", "status": 404}), "status"),
        (j!({"platform": "x", "status": "503"}), "status"),
        (j!({"platform": "x", "status": 503, "count": 0}), "count"),
        (
            j!({"platform": "x", "status": 200, "latency_ms": 3_600_000}),
            "latency_ms",
        ),
        (
            j!({"platform": "x", "status": 429, "retry_after_s": 10_000_000}),
            "retry_after_s",
        ),
        (
            j!({"platform": "x", "status": 503, "pathprefix": "/2"}),
            "pathprefix",
        ),
        (j!({"reset": "yes"}), "reset"),
    ] {
        let (status, answer) = json(
            http.post(format!("{}/admin/faults", emu.base_url))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 400, "{body}: {answer}");
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{body}: {answer}");
    }
    // Nothing was armed by the refused requests.
    let (_, x, _) = x_login(&emu, &http, "f6").await;
    let status = http
        .get(format!("{}/x/api/2/users/me", emu.base_url))
        .bearer_auth(&x)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 200);
    emu.shutdown().await;
}
