//! Reading endpoints against a mock Graph host.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TOKEN, fixture_body, user};
use futures::{StreamExt, TryStreamExt};
use ig_client::{
    Cursor, Error, IgMediaId, IgUserId, MediaProductType, MediaQuery, MediaType, PROFILE_FIELDS,
    RetryKind,
};
use jiff::Timestamp;
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
        .since(jiff::Timestamp::from_second(1_700_000_000).unwrap());
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
async fn media_stream_follows_time_based_next_links() {
    let mut server = mockito::Server::new_async().await;
    // Time-based paging: the next link carries since/until and no cursors.
    let older = server
        .mock("GET", "/graph/v24.0/me/media")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("since".into(), "1700000000".into()),
            Matcher::UrlEncoded("until".into(), "1714564799".into()),
            Matcher::UrlEncoded("limit".into(), "1".into()),
        ]))
        .with_body(r#"{"data":[{"id":"2","timestamp":"2024-04-01T08:00:00+0000"}]}"#)
        .expect(1)
        .create_async()
        .await;
    let newest = server
        .mock("GET", "/graph/v24.0/me/media")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("since".into(), "1700000000".into()),
            Matcher::UrlEncoded("limit".into(), "1".into()),
        ]))
        .with_body(format!(
            r#"{{"data":[{{"id":"1","timestamp":"2024-05-01T12:00:00+0000"}}],
                "paging":{{"next":"{}/graph/v24.0/me/media?access_token={TOKEN}&limit=1&since=1700000000&until=1714564799"}}}}"#,
            server.url()
        ))
        .expect(1)
        .create_async()
        .await;
    let client = user(&server);
    let query = MediaQuery::new()
        .limit(1)
        .since(Timestamp::from_second(1_700_000_000).unwrap());
    let all: Vec<_> = client
        .media_stream(query.clone(), None)
        .try_collect()
        .await
        .unwrap();
    older.assert_async().await;
    newest.assert_async().await;
    assert_eq!(
        all.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["1", "2"]
    );
    assert_eq!(
        all[0].timestamp,
        Some("2024-05-01T12:00:00Z".parse::<Timestamp>().unwrap())
    );

    // The persisted position of the first page holds the bounds, not the token.
    let first = client.media_page(&query, None).await.unwrap();
    let next = first.next.unwrap();
    assert_eq!(next.as_str(), "since=1700000000&until=1714564799");
    assert!(!next.as_str().contains(TOKEN));
}

#[tokio::test]
async fn media_stream_starts_from_a_time_bound() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/graph/v24.0/me/media")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("since".into(), "1714564800".into()),
            Matcher::UrlEncoded("fields".into(), ig_client::MEDIA_FIELDS.into()),
        ]))
        .with_body(r#"{"data":[{"id":"7"}]}"#)
        .expect(1)
        .create_async()
        .await;
    let start = Cursor::since("2024-05-01T12:00:00Z".parse().unwrap());
    let all: Vec<_> = user(&server)
        .media_stream(MediaQuery::new(), Some(start))
        .try_collect()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn a_rejected_cursor_asks_for_a_restart_instead_of_ending_the_stream() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/graph/v24.0/me/media")
        .match_query(Matcher::UrlEncoded("after".into(), "QVFIstale".into()))
        .with_status(400)
        .with_body(common::graph_error(
            100,
            None,
            "(#100) The parameter cursor value QVFIstale is invalid",
        ))
        .expect(1)
        .create_async()
        .await;
    let results: Vec<_> = user(&server)
        .media_stream(MediaQuery::new(), Some(Cursor::new("QVFIstale")))
        .collect()
        .await;
    mock.assert_async().await;
    let [Err(error)] = results.as_slice() else {
        panic!("one error expected: {results:?}")
    };
    assert!(matches!(error, Error::CursorExpired { .. }), "{error:?}");
    assert_eq!(error.retry_kind(), RetryKind::RestartFromTimeBound);
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
