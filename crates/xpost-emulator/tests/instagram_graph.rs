//! Instagram graph reads over real HTTP: profile, media fields, paging, carousels,
//! stories, deletion, CDN bytes, usage headers and throttling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::Value;
use xpost_emulator::{Emulator, IgMediaType, IgProduct, NewIgMedia, jpeg};

fn post(kind: IgMediaType, product: IgProduct, caption: &str) -> NewIgMedia {
    NewIgMedia {
        caption: Some(caption.to_owned()),
        media_type: kind,
        media_product_type: product,
        children: None,
    }
}

const FIELDS: &str = "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,timestamp,username,shortcode,is_shared_to_feed,children{id,media_type,media_url,thumbnail_url}";

#[tokio::test]
async fn media_fields_follow_the_real_formats() {
    let emu = start().await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "maria").await;
    let admin = emu.admin();
    let img = admin
        .publish_instagram_media(
            &user_id,
            post(IgMediaType::Image, IgProduct::Feed, "hello #x"),
        )
        .unwrap();
    let reel = admin
        .publish_instagram_media(&user_id, post(IgMediaType::Video, IgProduct::Reels, "reel"))
        .unwrap();
    let car = admin
        .publish_instagram_media(
            &user_id,
            NewIgMedia {
                children: Some(4),
                ..post(IgMediaType::CarouselAlbum, IgProduct::Feed, "album")
            },
        )
        .unwrap();

    let (status, body) =
        json(graph(&emu, &http, "/me/media", &token, &[("fields", FIELDS)]).await).await;
    assert_eq!(status, 200, "{body}");
    let data = body["data"].as_array().unwrap();
    let ids: Vec<&str> = data.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [car.as_str(), reel.as_str(), img.as_str()],
        "newest first"
    );

    let image = &data[2];
    assert_eq!(image["media_type"], "IMAGE");
    assert_eq!(image["media_product_type"], "FEED");
    assert_eq!(image["username"], "maria");
    assert!(image.get("thumbnail_url").is_none());
    assert!(image.get("children").is_none());
    let ts = image["timestamp"].as_str().unwrap();
    assert!(ts.ends_with("+0000") && ts.len() == 24, "{ts}");
    assert!(
        image["permalink"]
            .as_str()
            .unwrap()
            .starts_with("https://www.instagram.com/p/")
    );

    let reel = &data[1];
    assert_eq!(reel["media_type"], "VIDEO", "a reel reads back as VIDEO");
    assert_eq!(reel["media_product_type"], "REELS");
    assert_eq!(reel["is_shared_to_feed"], true);
    assert!(reel["thumbnail_url"].is_string());
    assert!(reel["permalink"].as_str().unwrap().contains("/reel/"));

    let album = &data[0];
    let children = album["children"]["data"].as_array().unwrap();
    assert_eq!(children.len(), 4);
    assert_eq!(
        album["media_url"], children[0]["media_url"],
        "a carousel's media_url is its first child's"
    );
    assert!(
        children
            .iter()
            .all(|c| c.get("caption").is_none() && c.get("permalink").is_none())
    );

    // The children edge has no paging object.
    let (_, kids) = json(
        graph(
            &emu,
            &http,
            &format!("/{car}/children"),
            &token,
            &[("fields", "id,media_type")],
        )
        .await,
    )
    .await;
    assert_eq!(kids["data"].as_array().unwrap().len(), 4);
    assert!(kids.get("paging").is_none());

    // Unknown fields are code 100; unknown edges are IGApiException 2500.
    let (status, err) = json(
        graph(
            &emu,
            &http,
            &format!("/{img}"),
            &token,
            &[("fields", "id,bogus")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], 100);
    let (_, err) =
        json(graph(&emu, &http, "/me/insights/impressions/day", &token, &[]).await).await;
    assert_eq!(err["error"]["code"], 2500);
    assert_eq!(err["error"]["type"], "IGApiException");
    emu.shutdown().await;
}

#[tokio::test]
async fn cursor_paging_ends_without_next() {
    let emu = start().await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "pager").await;
    let mut made = Vec::new();
    for i in 0..12 {
        made.push(
            emu.admin()
                .publish_instagram_media(
                    &user_id,
                    post(IgMediaType::Image, IgProduct::Feed, &format!("p{i}")),
                )
                .unwrap(),
        );
    }
    made.reverse();
    // Default page size is small (5), so three pages.
    let mut url = format!(
        "{}/instagram/graph/v23.0/me/media?fields=id,caption&access_token={token}",
        emu.base_url
    );
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (status, body) = json(http.get(&url).send().await.unwrap()).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        for m in body["data"].as_array().unwrap() {
            seen.push(m["id"].as_str().unwrap().to_owned());
        }
        let paging = &body["paging"];
        assert!(paging["cursors"]["before"].is_string() && paging["cursors"]["after"].is_string());
        assert_eq!(paging.get("previous").is_some(), pages > 1);
        match paging.get("next").and_then(Value::as_str) {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, made);

    // limit is honoured, and `before` walks back.
    let (_, first) = json(graph(&emu, &http, "/me/media", &token, &[("limit", "4")]).await).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 4);
    let after = first["paging"]["cursors"]["after"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, second) = json(
        graph(
            &emu,
            &http,
            "/me/media",
            &token,
            &[("limit", "4"), ("after", &after)],
        )
        .await,
    )
    .await;
    assert_eq!(second["data"][0]["id"], made[4].as_str());
    let before = second["paging"]["cursors"]["before"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, back) = json(
        graph(
            &emu,
            &http,
            "/me/media",
            &token,
            &[("limit", "4"), ("before", &before)],
        )
        .await,
    )
    .await;
    assert_eq!(back["data"], first["data"]);
    emu.shutdown().await;
}

#[tokio::test]
async fn stories_expire_after_a_day_and_are_not_in_media() {
    // Tokens outlive the story here, so only the story's own expiry is under test.
    let emu = start_with(Emulator::builder().access_token_ttl(200_000i64)).await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "teller").await;
    let story = emu
        .admin()
        .publish_instagram_media(&user_id, post(IgMediaType::Image, IgProduct::Story, ""))
        .unwrap();
    let (_, media) = json(graph(&emu, &http, "/me/media", &token, &[]).await).await;
    assert_eq!(media["data"].as_array().unwrap().len(), 0);
    let (_, stories) = json(
        graph(
            &emu,
            &http,
            &format!("/{user_id}/stories"),
            &token,
            &[("fields", "id,media_type,permalink")],
        )
        .await,
    )
    .await;
    assert_eq!(stories["data"][0]["id"], story.as_str());
    assert_eq!(stories["data"][0]["media_type"], "IMAGE");
    assert!(
        stories["data"][0]["permalink"]
            .as_str()
            .unwrap()
            .starts_with("https://instagram.com/stories/teller/")
    );

    emu.admin().advance_clock(24 * 3600 + 1).unwrap();
    let (_, stories) = json(graph(&emu, &http, "/me/stories", &token, &[]).await).await;
    assert_eq!(stories["data"].as_array().unwrap().len(), 0);
    let (status, _) = json(graph(&emu, &http, &format!("/{story}"), &token, &[]).await).await;
    assert_eq!(status, 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn deleted_media_answers_like_a_missing_object() {
    let emu = start().await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "del").await;
    let id = emu
        .admin()
        .publish_instagram_media(&user_id, post(IgMediaType::Image, IgProduct::Feed, "bye"))
        .unwrap();
    let (_, m) = json(
        graph(
            &emu,
            &http,
            &format!("/{id}"),
            &token,
            &[("fields", "media_url")],
        )
        .await,
    )
    .await;
    let url = m["media_url"].as_str().unwrap().to_owned();
    assert_eq!(http.get(&url).send().await.unwrap().status().as_u16(), 200);

    let resp = http
        .delete(format!("{}/admin/instagram/media/{id}", emu.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (status, body) = json(graph(&emu, &http, &format!("/{id}"), &token, &[]).await).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 100);
    assert_eq!(body["error"]["error_subcode"], 33);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
    assert_eq!(http.get(&url).send().await.unwrap().status().as_u16(), 404);
    emu.shutdown().await;
}

#[tokio::test]
async fn cdn_serves_real_jpeg_with_distinct_gps_and_real_mp4() {
    let emu = start_with(Emulator::builder().access_token_ttl(900_000i64)).await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "geo").await;
    let a = emu
        .admin()
        .publish_instagram_media(&user_id, post(IgMediaType::Image, IgProduct::Feed, "a"))
        .unwrap();
    let b = emu
        .admin()
        .publish_instagram_media(&user_id, post(IgMediaType::Image, IgProduct::Feed, "b"))
        .unwrap();
    let v = emu
        .admin()
        .publish_instagram_media(&user_id, post(IgMediaType::Video, IgProduct::Feed, "v"))
        .unwrap();
    let mut gps = Vec::new();
    for id in [&a, &b] {
        let (_, m) = json(
            graph(
                &emu,
                &http,
                &format!("/{id}"),
                &token,
                &[("fields", "media_url")],
            )
            .await,
        )
        .await;
        let resp = http
            .get(m["media_url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["content-type"], "image/jpeg");
        let bytes = resp.bytes().await.unwrap();
        assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF]);
        gps.push(jpeg::read_gps(&bytes).expect("EXIF GPS"));
    }
    assert_ne!(gps[0], gps[1], "GPS differs per post");

    let (_, m) = json(
        graph(
            &emu,
            &http,
            &format!("/{v}"),
            &token,
            &[("fields", "media_url,thumbnail_url")],
        )
        .await,
    )
    .await;
    let resp = http
        .get(m["media_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "video/mp4");
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[4..8], b"ftyp");
    let thumb = http
        .get(m["thumbnail_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");

    // A tampered signature or an expired URL is refused.
    let url = m["media_url"].as_str().unwrap().replace("oh=", "oh=0");
    assert_eq!(http.get(&url).send().await.unwrap().status().as_u16(), 403);
    emu.admin().advance_clock(4 * 86_400).unwrap();
    let late = http
        .get(m["media_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(late.status().as_u16(), 403);
    emu.shutdown().await;
}

#[tokio::test]
async fn profile_changes_show_in_me() {
    let emu = start().await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "prof").await;
    let (_, before) = json(
        graph(
            &emu,
            &http,
            "/me",
            &token,
            &[(
                "fields",
                "name,biography,profile_picture_url,media_count,account_type",
            )],
        )
        .await,
    )
    .await;
    assert_eq!(before["account_type"], "BUSINESS");
    assert_eq!(before["media_count"], 0);
    let resp = http
        .patch(format!("{}/admin/instagram/accounts/{user_id}", emu.base_url))
        .json(&serde_json::json!({"name": "Prof Name", "biography": "bio here", "profile_picture": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, after) = json(
        graph(
            &emu,
            &http,
            "/me",
            &token,
            &[("fields", "name,biography,profile_picture_url")],
        )
        .await,
    )
    .await;
    assert_eq!(after["name"], "Prof Name");
    assert_eq!(after["biography"], "bio here");
    assert_ne!(after["profile_picture_url"], before["profile_picture_url"]);
    let pic = http
        .get(after["profile_picture_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(pic.status().as_u16(), 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn usage_headers_climb_and_the_budget_ends_in_code_4() {
    let emu = start_with(
        Emulator::builder()
            .seed(4u64)
            .ig_hourly_calls(10u32)
            .access_token_ttl(100_000i64),
    )
    .await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "busy").await;
    let mut last = 0;
    for _ in 0..10 {
        let resp = graph(&emu, &http, "/me", &token, &[]).await;
        assert_eq!(resp.status().as_u16(), 200);
        let app: Value =
            serde_json::from_str(resp.headers()["x-app-usage"].to_str().unwrap()).unwrap();
        let buc: Value = serde_json::from_str(
            resp.headers()["x-business-use-case-usage"]
                .to_str()
                .unwrap(),
        )
        .unwrap();
        let pct = app["call_count"].as_u64().unwrap();
        assert!(pct > last, "usage climbs");
        last = pct;
        assert_eq!(buc[&user_id][0]["type"], "instagram");
    }
    assert_eq!(last, 100);
    let resp = graph(&emu, &http, "/me", &token, &[]).await;
    let buc: Value = serde_json::from_str(
        resp.headers()["x-business-use-case-usage"]
            .to_str()
            .unwrap(),
    )
    .unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 4);
    assert_eq!(body["error"]["is_transient"], true);
    let minutes = buc[&user_id][0]["estimated_time_to_regain_access"]
        .as_i64()
        .unwrap();
    assert!(minutes > 0 && minutes <= 61, "{minutes}");

    // The hour passes: calls work again.
    emu.admin().advance_clock(2 * 3600).unwrap();
    assert_eq!(
        graph(&emu, &http, "/me", &token, &[])
            .await
            .status()
            .as_u16(),
        200
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn admin_sets_like_and_comment_counts() {
    let emu = start().await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "counts").await;
    let id = emu
        .admin()
        .publish_instagram_media(&user_id, post(IgMediaType::Image, IgProduct::Feed, "hi"))
        .unwrap();
    let fields = [("fields", "like_count,comments_count")];
    let (_, m) = json(graph(&emu, &http, &format!("/{id}"), &token, &fields).await).await;
    assert_eq!(
        (m["like_count"].as_u64(), m["comments_count"].as_u64()),
        (Some(0), Some(0))
    );

    let patch = |body: Value| {
        http.patch(format!("{}/admin/instagram/media/{id}", emu.base_url))
            .json(&body)
            .send()
    };
    let resp = patch(serde_json::json!({"like_count": 42, "comments_count": 7}))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    // A count left out keeps its value.
    let resp = patch(serde_json::json!({"comments_count": 8}))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, m) = json(graph(&emu, &http, &format!("/{id}"), &token, &fields).await).await;
    assert_eq!(
        (m["like_count"].as_u64(), m["comments_count"].as_u64()),
        (Some(42), Some(8))
    );

    let resp = patch(serde_json::json!({"likes": 1})).await.unwrap();
    assert_eq!(resp.status().as_u16(), 400, "unknown fields are refused");
    let resp = http
        .patch(format!("{}/admin/instagram/media/404", emu.base_url))
        .json(&serde_json::json!({"like_count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    emu.shutdown().await;
}
