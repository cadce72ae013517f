//! Reading endpoints against a mock Graph host.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TOKEN, fixture_body, user};
use futures::TryStreamExt;
use ig_client::{
    Cursor, Error, IgMediaId, IgUserId, MediaProductType, MediaQuery, MediaType, PROFILE_FIELDS,
};
use mockito::Matcher;

#[tokio::test]
async fn me_sends_bearer_and_fields_and_parses_the_profile() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/graph/v24.0/me")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_query(Matcher::UrlEncoded("fields".into(), PROFILE_FIELDS.into()))
        .with_header("content-type", "application/json")
        .with_header("x-app-usage", r#"{"call_count":7,"total_cputime":1,"total_time":3}"#)
        .with_body(
            r#"{"id":"9001","user_id":"17841400000000001","username":"shop","name":"Shop","account_type":"BUSINESS",
                "profile_picture_url":"https://scontent.cdninstagram.com/p.jpg","biography":"bio","website":"https://example.com/",
                "followers_count":10,"follows_count":2,"media_count":3}"#,
        )
        .create_async()
        .await;
    let client = user(&server);
    let profile = client.me().await.unwrap();
    mock.assert_async().await;
    assert_eq!(profile.account_id(), &IgUserId::new("17841400000000001"));
    assert_eq!(profile.account_type, Some(ig_client::AccountType::Business));
    assert_eq!(
        (
            profile.followers_count,
            profile.follows_count,
            profile.media_count
        ),
        (Some(10), Some(2), Some(3))
    );
    assert_eq!(client.rate_budget().unwrap().app.unwrap().call_count, 7.0);
}

#[tokio::test]
async fn media_stream_follows_cursors_across_pages() {
    let mut server = mockito::Server::new_async().await;
    // The cursor-specific mock is created first so it wins when both match.
    let page2 = server
        .mock("GET", "/graph/v24.0/me/media")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("after".into(), "after".into()),
            Matcher::UrlEncoded("limit".into(), "2".into()),
        ]))
        .with_body(fixture_body("graph_facebook/ig_user_media_page2.200.json"))
        .expect(1)
        .create_async()
        .await;
    let page1 = server
        .mock("GET", "/graph/v24.0/me/media")
        .match_query(Matcher::UrlEncoded("limit".into(), "2".into()))
        .with_body(fixture_body("graph_facebook/ig_user_media_page1.200.json"))
        .expect(1)
        .create_async()
        .await;
    let client = user(&server);
    let all: Vec<_> = client
        .media_stream(MediaQuery::new().limit(2), None)
        .try_collect()
        .await
        .unwrap();
    page1.assert_async().await;
    page2.assert_async().await;
    let ids: Vec<_> = all.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "17895731045244887",
            "17896622936197745",
            "17896129349106152",
            "17893085207160254"
        ]
    );
    assert_eq!(all[2].media_type, Some(MediaType::CarouselAlbum));
    assert_eq!(all[2].children.as_ref().map(Vec::len), Some(3));
}

#[tokio::test]
async fn media_page_resumes_from_a_stored_cursor_with_time_range() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/graph/v24.0/17841400000000001/media")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("after".into(), "QVFIUmx".into()),
            Matcher::UrlEncoded("since".into(), "1700000000".into()),
        ]))
        .with_body(r#"{"data":[{"id":"1","media_type":"VIDEO","media_product_type":"REELS","is_shared_to_feed":true,"timestamp":"2024-05-01T12:00:00+0000"}],"paging":{"cursors":{"before":"b","after":"a"}}}"#)
        .create_async()
        .await;
    let query = MediaQuery::new()
        .user("17841400000000001")
        .since(time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap());
    let page = user(&server)
        .media_page(&query, Some(&Cursor::new("QVFIUmx")))
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(page.items[0].is_reel());
    assert_eq!(
        page.items[0].media_product_type,
        Some(MediaProductType::Reels)
    );
    assert_eq!(page.next, None);
}

#[tokio::test]
async fn single_media_children_and_stories() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/graph/v24.0/18027939643230671")
        .match_query(Matcher::Any)
        .with_body(fixture_body("graph_instagram/media_carousel.200.json"))
        .create_async()
        .await;
    server
        .mock("GET", "/graph/v24.0/18027939643230671/children")
        .match_query(Matcher::Any)
        .with_body(fixture_body("graph_instagram/media_children.200.json"))
        .create_async()
        .await;
    server
        .mock("GET", "/graph/v24.0/me/stories")
        .match_query(Matcher::Any)
        .with_body(fixture_body("graph_facebook/ig_user_stories.200.json"))
        .create_async()
        .await;
    let client = user(&server);
    let id = IgMediaId::new("18027939643230671");
    let media = client.media(&id).await.unwrap();
    assert_eq!(
        media.caption.as_deref(),
        Some("Pycon China  @example_ig_user")
    );
    let children = client.children(&id).await.unwrap();
    assert_eq!(children.len(), 2);
    let stories: Vec<_> = client.stories_stream(None).try_collect().await.unwrap();
    assert_eq!(stories.len(), 2);
    assert_eq!(stories[1].media_type, Some(MediaType::Video));
}

#[tokio::test]
async fn malformed_json_keeps_the_body() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/graph/v24.0/me")
        .match_query(Matcher::Any)
        .with_body("{\"id\": ")
        .create_async()
        .await;
    let error = user(&server).me().await.unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedResponse { status: 200, ref body, source: Some(_) } if body == "{\"id\": ")
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn wrong_shape_is_unexpected() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/graph/v24.0/me")
        .match_query(Matcher::Any)
        .with_body("[1,2]")
        .create_async()
        .await;
    assert!(matches!(
        user(&server).me().await,
        Err(Error::UnexpectedResponse { .. })
    ));
}

#[tokio::test]
async fn too_large_body_is_refused() {
    let mut server = mockito::Server::new_async().await;
    let big = format!("{{\"id\":\"1\",\"biography\":\"{}\"}}", "x".repeat(2048));
    server
        .mock("GET", "/graph/v24.0/me")
        .match_query(Matcher::Any)
        .with_body(&big)
        .create_async()
        .await;
    let config = common::builder(&server)
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let client = ig_client::IgClient::new(config)
        .unwrap()
        .user(ig_client::AccessToken::new(TOKEN));
    assert!(matches!(
        client.me().await,
        Err(Error::BodyTooLarge { limit: 1024 })
    ));

    // Without Content-Length the limit is enforced while streaming.
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/graph/v24.0/me")
        .match_query(Matcher::Any)
        .with_chunked_body(move |w| w.write_all(big.as_bytes()))
        .create_async()
        .await;
    let config = common::builder(&server)
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let client = ig_client::IgClient::new(config)
        .unwrap()
        .user(ig_client::AccessToken::new(TOKEN));
    assert!(matches!(
        client.me().await,
        Err(Error::BodyTooLarge { limit: 1024 })
    ));
}

#[tokio::test]
async fn unversioned_config_drops_the_version_segment() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/graph/me")
        .match_query(Matcher::Any)
        .with_body(r#"{"id":"1"}"#)
        .create_async()
        .await;
    let config = common::builder(&server)
        .api_version(None::<String>)
        .build()
        .unwrap();
    let client = ig_client::IgClient::new(config)
        .unwrap()
        .user(ig_client::AccessToken::new(TOKEN));
    client.me().await.unwrap();
    mock.assert_async().await;
}
