//! X media over real HTTP: simple and chunked upload, processing states on the
//! emulator clock, failure, alt text, size limits and the 4-image / 1-video rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json as j};
use xpost_emulator::{RunningEmulator, mp4};

async fn chunked(
    emu: &RunningEmulator,
    http: &reqwest::Client,
    access: &str,
    bytes: &[u8],
) -> Value {
    let base = format!("{}/x/api/2/media/upload", emu.base_url);
    let (status, init) = json(
        http.post(format!("{base}/initialize"))
            .bearer_auth(access)
            .json(&j!({"media_type": "video/mp4", "total_bytes": bytes.len(), "media_category": "tweet_video"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{init}");
    let id = init["data"]["id"].as_str().unwrap().to_owned();
    assert!(
        init["data"]["media_key"]
            .as_str()
            .unwrap()
            .starts_with("7_")
    );
    let half = bytes.len() / 2;
    for (i, chunk) in [&bytes[..half], &bytes[half..]].into_iter().enumerate() {
        let form = Form::new()
            .text("segment_index", i.to_string())
            .part("media", Part::bytes(chunk.to_vec()));
        let (status, body) = json(
            http.post(format!("{base}/{id}/append"))
                .bearer_auth(access)
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(body["data"]["expires_at"].is_i64());
    }
    let (status, fin) = json(
        http.post(format!("{base}/{id}/finalize"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{fin}");
    fin["data"].clone()
}

async fn status(emu: &RunningEmulator, http: &reqwest::Client, access: &str, id: &str) -> Value {
    let (code, body) = json(
        http.get(format!("{}/x/api/2/media/upload", emu.base_url))
            .bearer_auth(access)
            .query(&[("command", "STATUS"), ("media_id", id)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    body["data"]["processing_info"].clone()
}

#[tokio::test]
async fn simple_upload_answers_like_v2_and_needs_a_category() {
    let emu = start().await;
    let http = client();
    let (_, access, _) = x_login(&emu, &http, "pics").await;
    let data = upload_image(&emu, &http, &access, 1).await;
    let id = data["id"].as_str().unwrap();
    assert_eq!(data["media_key"], format!("3_{id}"));
    assert_eq!(data["image"]["w"], 320);
    assert_eq!(data["image"]["image_type"], "image/jpeg");
    assert_eq!(data["expires_after_secs"], 86_400);
    assert!(data.get("processing_info").is_none());

    // The same endpoint answers under the upload host's prefix.
    let status = http
        .post(format!("{}/x/upload/2/media/upload", emu.base_url))
        .bearer_auth(&access)
        .json(&j!({"media": STANDARD.encode(picture(7)), "media_category": "tweet_image"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);

    let (status, body) = json(
        http.post(format!("{}/x/api/2/media/upload", emu.base_url))
            .bearer_auth(&access)
            .json(&j!({"media": STANDARD.encode(picture(2))}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["errors"][0]["parameters"]
            .get("media_category")
            .is_some()
    );

    // The bytes uploaded are kept exactly.
    let key = data["media_key"].as_str().unwrap();
    let resp = http
        .get(format!("{}/admin/x/media/{key}", emu.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), picture(1).as_slice());
    emu.shutdown().await;
}

#[tokio::test]
async fn video_processing_advances_with_the_clock_then_posts() {
    let emu = start().await;
    let http = client();
    let (_, access, _) = x_login(&emu, &http, "vids").await;
    let video = mp4::mp4(50);
    let fin = chunked(&emu, &http, &access, &video).await;
    let id = fin["id"].as_str().unwrap().to_owned();
    assert_eq!(fin["size"], video.len());
    assert_eq!(fin["processing_info"]["state"], "pending");
    assert!(fin["processing_info"]["check_after_secs"].as_i64().unwrap() >= 1);

    // Still processing: it cannot be attached yet.
    let (code, _) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"text": "too soon", "media": {"media_ids": [id]}}),
        )
        .await,
    )
    .await;
    assert_eq!(code, 400);

    emu.admin().advance_clock(2).unwrap();
    let info = status(&emu, &http, &access, &id).await;
    assert_eq!(info["state"], "in_progress");
    assert!(info["progress_percent"].as_u64().unwrap() > 0);
    emu.admin().advance_clock(2).unwrap();
    let info = status(&emu, &http, &access, &id).await;
    assert_eq!(info["state"], "succeeded");
    assert_eq!(info["progress_percent"], 100);

    let (code, _) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"text": "a clip", "media": {"media_ids": [id]}}),
        )
        .await,
    )
    .await;
    assert_eq!(code, 201);
    // A video cannot share a post with an image.
    let img = upload_image(&emu, &http, &access, 3).await;
    let (code, _) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"text": "mixed", "media": {"media_ids": [id, img["id"]]}}),
        )
        .await,
    )
    .await;
    assert_eq!(code, 400);
    let key = fin["media_key"].as_str().unwrap();
    let bytes = http
        .get(format!("{}/admin/x/media/{key}", emu.base_url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), video.as_slice());
    emu.shutdown().await;
}

#[tokio::test]
async fn bytes_that_are_not_a_video_fail_processing() {
    let emu = start().await;
    let http = client();
    let (_, access, _) = x_login(&emu, &http, "broken").await;
    let fin = chunked(&emu, &http, &access, b"definitely not an mp4 file at all").await;
    let id = fin["id"].as_str().unwrap().to_owned();
    emu.admin().advance_clock(10).unwrap();
    let info = status(&emu, &http, &access, &id).await;
    assert_eq!(info["state"], "failed");
    assert_eq!(info["error"]["name"], "InvalidMedia");
    let (code, _) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"text": "x", "media": {"media_ids": [id]}}),
        )
        .await,
    )
    .await;
    assert_eq!(code, 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn chunk_order_sizes_and_limits_are_enforced() {
    let emu = start().await;
    let http = client();
    let (_, access, _) = x_login(&emu, &http, "chunks").await;
    let base = format!("{}/x/api/2/media/upload", emu.base_url);
    let (code, _) = json(
        http.post(format!("{base}/initialize"))
            .bearer_auth(&access)
            .json(&j!({"media_type": "image/jpeg", "total_bytes": 6 * 1024 * 1024, "media_category": "tweet_image"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(code, 400, "images are at most 5 MB");

    let (_, init) = json(
        http.post(format!("{base}/initialize"))
            .bearer_auth(&access)
            .json(&j!({"media_type": "video/mp4", "total_bytes": 10, "media_category": "tweet_video"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = init["data"]["id"].as_str().unwrap();
    let append = |index: &'static str, bytes: &'static [u8]| {
        http.post(format!("{base}/{id}/append"))
            .bearer_auth(&access)
            .json(&j!({"segment_index": index, "media": STANDARD.encode(bytes)}))
            .send()
    };
    assert_eq!(
        append("1", b"abc").await.unwrap().status().as_u16(),
        400,
        "must start at 0"
    );
    assert_eq!(append("1000", b"abc").await.unwrap().status().as_u16(), 400);
    assert_eq!(append("0", b"abcd").await.unwrap().status().as_u16(), 200);
    let (code, body) = json(
        http.post(format!("{base}/{id}/finalize"))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(code, 400);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("total file size")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn four_images_with_alt_text_but_not_five() {
    let emu = start().await;
    let http = client();
    let (_, access, _) = x_login(&emu, &http, "album").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            upload_image(&emu, &http, &access, n).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let meta = |id: &str, text: String| {
        http.post(format!("{}/x/api/2/media/metadata", emu.base_url))
            .bearer_auth(&access)
            .json(&j!({"id": id, "metadata": {"alt_text": {"text": text}}}))
            .send()
    };
    let (code, body) = json(meta(&ids[0], "a red door".into()).await.unwrap()).await;
    assert_eq!(code, 200);
    assert_eq!(
        body["data"]["associated_metadata"]["alt_text"]["text"],
        "a red door"
    );
    assert_eq!(
        meta(&ids[1], "x".repeat(1001))
            .await
            .unwrap()
            .status()
            .as_u16(),
        400
    );

    let (code, _) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"text": "five", "media": {"media_ids": ids}}),
        )
        .await,
    )
    .await;
    assert_eq!(code, 400);
    let (code, _) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"text": "four", "media": {"media_ids": &ids[..4]}}),
        )
        .await,
    )
    .await;
    assert_eq!(code, 201);
    let posted = emu.admin().x_tweets();
    let media = &posted[0].media;
    assert_eq!(media.len(), 4);
    assert_eq!(media[0].kind, "photo");
    assert_eq!(media[0].alt_text.as_deref(), Some("a red door"));

    // Media belongs to its uploader.
    let (_, stranger, _) = x_login(&emu, &http, "stranger").await;
    let (code, _) = json(
        tweet(
            &emu,
            &http,
            &stranger,
            j!({"text": "stolen", "media": {"media_ids": [ids[4]]}}),
        )
        .await,
    )
    .await;
    assert_eq!(code, 400);
    emu.shutdown().await;
}
