//! Determinism with a seed, memory caps, and answers for unknown paths.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json as j;
use xpost_emulator::{Emulator, IgMediaType, IgProduct, NewIgMedia};

fn image() -> NewIgMedia {
    NewIgMedia {
        caption: Some("c".into()),
        media_type: IgMediaType::Image,
        media_product_type: IgProduct::Feed,
        children: None,
    }
}

async fn one_run() -> (String, String, String, String, Vec<u8>) {
    let emu = start_with(
        Emulator::builder()
            .seed(42u64)
            .frozen_clock(true)
            .start_time_ms(1_750_000_000_000i64),
    )
    .await;
    let http = client();
    let (ig_user, ig_token) = ig_login(&emu, &http, "same").await;
    let media = emu
        .admin()
        .publish_instagram_media(&ig_user, image())
        .unwrap();
    let (_, m) = json(
        graph(
            &emu,
            &http,
            &format!("/{media}"),
            &ig_token,
            &[("fields", "media_url")],
        )
        .await,
    )
    .await;
    let bytes = http
        .get(m["media_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let (_, x_access, _) = x_login(&emu, &http, "samex").await;
    let (_, posted) = json(tweet(&emu, &http, &x_access, j!({"text": "repeatable"})).await).await;
    emu.shutdown().await;
    (
        ig_user,
        ig_token,
        media,
        format!("{x_access}/{}", posted["data"]["id"]),
        bytes,
    )
}

#[tokio::test]
async fn a_seed_and_a_frozen_clock_repeat_every_id_token_and_byte() {
    let a = one_run().await;
    let b = one_run().await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn stored_posts_are_capped() {
    let emu = start_with(Emulator::builder().max_x_posts(3usize).max_ig_media(2usize)).await;
    let http = client();
    let (_, access, _) = x_login(&emu, &http, "many").await;
    for i in 0..5 {
        assert_eq!(
            tweet(&emu, &http, &access, j!({"text": format!("t{i}")}))
                .await
                .status()
                .as_u16(),
            201
        );
    }
    let kept = emu.admin().x_tweets();
    assert_eq!(kept.len(), 3);
    assert_eq!(kept[0].text, "t2");

    let user = emu.admin().create_instagram_account("capped").unwrap();
    let ids: Vec<String> = (0..4)
        .map(|_| emu.admin().publish_instagram_media(&user, image()).unwrap())
        .collect();
    assert!(
        emu.admin().delete_instagram_media(&ids[0]).is_err(),
        "evicted"
    );
    assert!(emu.admin().delete_instagram_media(&ids[3]).is_ok());
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_answer_in_each_hosts_shape() {
    let emu = start().await;
    let http = client();
    let (status, body) = json(
        http.get(format!("{}/x/api/1.1/statuses/update.json", emu.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["type"], "about:blank");
    let (status, body) = json(
        http.get(format!("{}/instagram/api/nothing", emu.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 2500);
    let (status, body) = json(
        http.get(format!("{}/admin/nothing", emu.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
    // Admin input errors are JSON too.
    let (status, body) = json(
        http.post(format!(
            "{}/admin/instagram/accounts/404/media",
            emu.base_url
        ))
        .json(&j!({"media_type": "IMAGE"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = json(
        http.post(format!("{}/admin/instagram/accounts", emu.base_url))
            .json(&j!({"username": "has space"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = json(
        http.post(format!("{}/admin/x/accounts", emu.base_url))
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().starts_with("bad JSON: "),
        "{body}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn admin_clock_refuses_backwards_and_absurd_jumps() {
    let emu = start().await;
    let http = client();
    let before = emu.admin().now_ms();
    for advance_s in [-1_i64, 20 * 366 * 86_400] {
        let (status, body) = json(
            http.post(format!("{}/admin/clock", emu.base_url))
                .json(&j!({ "advance_s": advance_s }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 400, "{advance_s}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("advance_s"),
            "{body}"
        );
    }
    assert!(emu.admin().advance_clock(-5).is_err());
    assert!(emu.admin().now_ms() - before < 60_000);
    let (status, body) = json(
        http.post(format!("{}/admin/clock", emu.base_url))
            .json(&j!({ "advance_s": 365 * 86_400 }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["now_ms"].as_i64().unwrap() - before >= 365 * 86_400_000);
    emu.shutdown().await;
}

#[tokio::test]
async fn every_admin_and_routing_error_body_is_json() {
    let emu = start().await;
    let http = client();
    let base = &emu.base_url;
    let requests = [
        http.get(format!("{base}/admin/faults")),
        http.delete(format!("{base}/admin/clock")),
        http.put(format!("{base}/x/api/2/tweets")),
        http.patch(format!("{base}/x/api/2/oauth2/token")),
        http.get(format!("{base}/")),
        http.post(format!("{base}/admin/x/accounts"))
            .header("content-type", "application/json")
            .body(vec![b' '; 3 * 1024 * 1024]),
        http.post(format!("{base}/admin/clock"))
            .json(&j!({"advance_s": "soon"})),
    ];
    for request in requests {
        let resp = request.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert!((400..500).contains(&status), "{status}: {text}");
        let body: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{status} body is not JSON ({e}): {text:?}"));
        assert!(
            body["error"].is_string() || body["error"].is_object() || body["title"].is_string(),
            "{body}"
        );
    }
    emu.shutdown().await;
}
