//! `PATCH /admin/instagram/media/{id}` with a caption: the post reads back
//! edited in the listing and on its own, as an edit in the app does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;
use xpost_emulator::{IgMediaType, IgProduct, NewIgMedia};

#[tokio::test]
async fn a_caption_edit_shows_in_the_listing_and_the_lookup() {
    let emu = start().await;
    let http = client();
    let (user_id, token) = ig_login(&emu, &http, "editor").await;
    let id = emu
        .admin()
        .publish_instagram_media(
            &user_id,
            NewIgMedia {
                caption: Some("Frist light".into()),
                media_type: IgMediaType::Image,
                media_product_type: IgProduct::Feed,
                children: None,
            },
        )
        .unwrap();
    let url = format!("{}/admin/instagram/media/{id}", emu.base_url);
    let resp = http
        .patch(&url)
        .json(&json!({"caption": "First light"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    let fields = [("fields", "id,caption")];
    let (_, listing) = json(graph(&emu, &http, "/me/media", &token, &fields).await).await;
    assert_eq!(listing["data"][0]["caption"], "First light");
    let (_, one) = json(graph(&emu, &http, &format!("/{id}"), &token, &fields).await).await;
    assert_eq!(one["caption"], "First light");

    // Counts and caption in one request; an empty caption removes it.
    let resp = http
        .patch(&url)
        .json(&json!({"caption": "", "like_count": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let fields = [("fields", "id,caption,like_count")];
    let (_, one) = json(graph(&emu, &http, &format!("/{id}"), &token, &fields).await).await;
    assert!(
        one.get("caption").is_none_or(serde_json::Value::is_null),
        "{one}"
    );
    assert_eq!(one["like_count"], 3);

    // A deleted post cannot be edited.
    http.delete(&url).send().await.unwrap();
    let resp = http
        .patch(&url)
        .json(&json!({"caption": "too late"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    emu.shutdown().await;
}
