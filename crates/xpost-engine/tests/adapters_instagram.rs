//! Instagram as a core `Source`, against the in-process emulator (and a mock
//! server where the emulator cannot play the answer).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;

use adapters_support::{config, link, link_instagram, publish, start, store};
use futures_util::TryStreamExt;
use jiff::Timestamp;
use xpost_core::{MediaKind, MediaType, RemoteError, Source, SourceId};
use xpost_emulator::{Emulator, Fault, Platform};
use xpost_engine::adapters::{AdapterConfig, InstagramSource, instagram_source};

async fn source(emu: &xpost_emulator::RunningEmulator) -> (InstagramSource, String) {
    let config = config(emu);
    let store = store();
    let user = link_instagram(emu, &config, store.as_ref(), &link(), "maria").await;
    let source = instagram_source(store.as_ref(), &link(), &config)
        .await
        .unwrap();
    (source, user)
}

#[tokio::test]
async fn lists_new_posts_across_pages_newest_first_and_stops_at_the_newest_seen() {
    let emu = start(Emulator::builder()).await;
    let (source, user) = source(&emu).await;
    let ids: Vec<String> = (0..12)
        .map(|n| publish(&emu, &user, "IMAGE", &format!("post {n}")))
        .collect();

    let seen = SourceId::new(ids[2].as_str()).unwrap();
    let posts = source.new_posts(Some(&seen), None, 100).await.unwrap();
    let got: Vec<&str> = posts.iter().map(|p| p.id.as_str()).collect();
    let want: Vec<&str> = ids[3..].iter().rev().map(String::as_str).collect();
    assert_eq!(got, want, "9 posts over two pages of five, newest first");
    assert_eq!(posts[0].caption.as_deref(), Some("post 11"));

    let newest = source.new_posts(None, None, 7).await.unwrap();
    assert_eq!(newest.len(), 7);
    assert_eq!(newest[0].id.as_str(), ids[11]);

    let stats = emu.admin().stats();
    assert!(
        stats["instagram"]
            .as_object()
            .unwrap()
            .keys()
            .any(|path| path.ends_with("/me/media")),
        "{stats}"
    );
}

#[tokio::test]
async fn a_carousel_lists_its_children_in_order() {
    let emu = start(Emulator::builder()).await;
    let (source, user) = source(&emu).await;
    let id = publish(&emu, &user, "CAROUSEL_ALBUM", "four at once");
    let posts = source.new_posts(None, None, 10).await.unwrap();
    let post = &posts[0];
    assert_eq!(post.id.as_str(), id);
    assert_eq!(post.media_type, MediaType::Carousel);
    let kinds: Vec<MediaKind> = post.media.iter().map(|m| m.kind).collect();
    // The emulator makes every third child a video.
    assert_eq!(
        kinds,
        vec![
            MediaKind::Image,
            MediaKind::Image,
            MediaKind::Video,
            MediaKind::Image
        ]
    );
    assert!(post.media.iter().all(|m| m.id.is_some() && m.url.is_some()));
    let again = source
        .post(&SourceId::new(id.as_str()).unwrap())
        .await
        .unwrap()
        .unwrap();
    let ids = |p: &xpost_core::SourcePost| p.media.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&again),
        ids(post),
        "the same children in the same order"
    );
}

#[tokio::test]
async fn media_bytes_are_streamed_and_an_expired_url_is_fetched_again() {
    let emu = start(Emulator::builder()).await;
    let (source, user) = source(&emu).await;
    publish(&emu, &user, "IMAGE", "a picture");
    let post = source.new_posts(None, None, 1).await.unwrap().remove(0);
    let item = &post.media[0];

    let body = source.media(&post, item).await.unwrap();
    assert_eq!(body.content_type, "image/jpeg");
    let length = body.length;
    let bytes: Vec<u8> = body
        .bytes
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG");
    assert_eq!(length, Some(bytes.len() as u64));

    // Signed CDN URLs last three days; the listed one is dead after four.
    emu.admin().advance_clock(4 * 86_400).unwrap();
    let body = source.media(&post, item).await.unwrap();
    let again: Vec<u8> = body
        .bytes
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .unwrap();
    assert_eq!(again, bytes, "the same picture through a fresh URL");
}

#[tokio::test]
async fn a_deleted_post_is_none_and_a_failing_one_is_an_error() {
    let emu = start(Emulator::builder()).await;
    let (source, user) = source(&emu).await;
    let kept = publish(&emu, &user, "IMAGE", "kept");
    let gone = publish(&emu, &user, "IMAGE", "gone");
    emu.admin().delete_instagram_media(&gone).unwrap();
    assert_eq!(
        source.post(&SourceId::new(gone.as_str()).unwrap()).await,
        Ok(None)
    );

    emu.admin()
        .add_fault(Fault {
            platform: Platform::Instagram,
            path_prefix: format!("/{kept}"),
            status: 503,
            count: 10,
            latency_ms: 0,
            retry_after_s: 0,
        })
        .unwrap();
    let failing = source.post(&SourceId::new(kept.as_str()).unwrap()).await;
    assert!(
        matches!(failing, Err(RemoteError::Unavailable { .. })),
        "{failing:?}"
    );
}

#[tokio::test]
async fn a_throttle_is_rate_limited_until_the_regain_time() {
    let emu = start(Emulator::builder()).await;
    let (source, _user) = source(&emu).await;
    emu.admin()
        .add_fault(Fault {
            platform: Platform::Instagram,
            path_prefix: "/me/media".into(),
            status: 429,
            count: 1,
            latency_ms: 0,
            retry_after_s: 120,
        })
        .unwrap();
    let now = Timestamp::from_millisecond(emu.admin().now_ms()).unwrap();
    match source.new_posts(None, None, 10).await {
        Err(RemoteError::RateLimited {
            until: Some(until), ..
        }) => {
            let wait = now.duration_until(until).as_secs();
            assert!((110..=130).contains(&wait), "{wait}s");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_revoked_token_needs_a_new_login() {
    let emu = start(Emulator::builder()).await;
    let (source, user) = source(&emu).await;
    assert_eq!(source.profile().await.unwrap().username, "maria");
    emu.admin().revoke(Platform::Instagram, &user).unwrap();
    let err = source.profile().await.unwrap_err();
    assert!(matches!(err, RemoteError::Reauth { .. }), "{err:?}");
    let err = source.new_posts(None, None, 5).await.unwrap_err();
    assert!(matches!(err, RemoteError::Reauth { .. }), "{err:?}");
}

/// A Graph media page as JSON, with a `next` link when `after` is given.
fn page(server: &str, ids: &[&str], after: Option<&str>) -> String {
    let data: Vec<_> = ids
        .iter()
        .map(|id| {
            serde_json::json!({
                "id": id, "media_type": "IMAGE", "media_product_type": "FEED",
                "timestamp": "2025-06-01T10:00:00+0000",
                "media_url": format!("{server}/instagram/cdn/{id}.jpg")
            })
        })
        .collect();
    let mut body = serde_json::json!({ "data": data });
    if let Some(after) = after {
        body["paging"] = serde_json::json!({
            "cursors": {"after": after},
            "next": format!("{server}/instagram/graph/v24.0/me/media?since=1748772000&after={after}&access_token=t")
        });
    }
    body.to_string()
}

#[tokio::test]
async fn a_rejected_cursor_restarts_once_from_the_time_bound() {
    use mockito::Matcher;
    let mut server = mockito::Server::new_async().await;
    let base = server.url();
    let path = "/instagram/graph/v24.0/me/media";
    let since = Timestamp::from_second(1_748_772_000).unwrap();
    let cursor_error = r#"{"error":{"message":"(#100) The parameter cursor value QVFI is invalid","type":"OAuthException","code":100,"fbtrace_id":"t"}}"#;
    // The first listing gets one page and a cursor that is then refused; the
    // restart from `since` gets everything at once. Mocks are tried in the
    // order made, each until it has had its expected hits.
    let refused = server
        .mock("GET", path)
        .match_query(Matcher::UrlEncoded("after".into(), "QVFI".into()))
        .with_status(400)
        .with_body(cursor_error)
        .expect(2)
        .create_async()
        .await;
    let first = server
        .mock("GET", path)
        .match_query(Matcher::Any)
        .with_body(page(&base, &["3", "2"], Some("QVFI")))
        .expect(1)
        .create_async()
        .await;
    let restart = server
        .mock("GET", path)
        .match_query(Matcher::UrlEncoded("since".into(), "1748772000".into()))
        .with_body(page(&base, &["3", "2", "1"], None))
        .expect(1)
        .create_async()
        .await;
    let mut config = AdapterConfig::default();
    config.emulator = Some(base.clone());
    let client = config.instagram_client().unwrap();
    let source = InstagramSource::new(
        client.user(ig_client::AccessToken::new("t")),
        2,
        config.clock.clone(),
    );
    let posts = source.new_posts(None, Some(since), 10).await.unwrap();
    let ids: Vec<&str> = posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, vec!["3", "2", "1"], "no post twice, none lost");
    first.assert_async().await;
    restart.assert_async().await;

    // Without a time bound there is nothing to restart from.
    let again = server
        .mock("GET", path)
        .match_query(Matcher::Any)
        .with_body(page(&base, &["3", "2"], Some("QVFI")))
        .expect(1)
        .create_async()
        .await;
    let err = source.new_posts(None, None, 10).await.unwrap_err();
    assert!(matches!(err, RemoteError::CursorExpired { .. }), "{err:?}");
    again.assert_async().await;
    refused.assert_async().await;
}
