//! Publishing: containers, status polling, publish and the publishing limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{fixture_body, graph_error, user};
use ig_client::{Error, IgContainerId, NewContainer, PollPolicy, RetryKind, StatusCode};
use mockito::Matcher;

fn fast() -> PollPolicy {
    PollPolicy {
        max_attempts: 3,
        initial_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(4),
    }
}

#[tokio::test]
async fn image_carousel_reel_and_story_containers() {
    let mut server = mockito::Server::new_async().await;
    let image = server
        .mock("POST", "/graph/v24.0/17841406338772941/media")
        .match_body(Matcher::AllOf(vec![
            Matcher::UrlEncoded("image_url".into(), "https://example.com/photo.jpg".into()),
            Matcher::UrlEncoded("caption".into(), "hello #x".into()),
        ]))
        .with_body(fixture_body("graph_facebook/ig_container_create.200.json"))
        .expect(1)
        .create_async()
        .await;
    let carousel = server
        .mock("POST", "/graph/v24.0/me/media")
        .match_body(Matcher::AllOf(vec![
            Matcher::UrlEncoded("media_type".into(), "CAROUSEL".into()),
            Matcher::UrlEncoded("children".into(), "11,12".into()),
        ]))
        .with_body(r#"{"id":"13"}"#)
        .expect(1)
        .create_async()
        .await;
    let story = server
        .mock("POST", "/graph/v24.0/me/media")
        .match_body(Matcher::AllOf(vec![
            Matcher::UrlEncoded("media_type".into(), "STORIES".into()),
            Matcher::UrlEncoded("video_url".into(), "https://example.com/s.mp4".into()),
        ]))
        .with_body(r#"{"id":"14"}"#)
        .expect(1)
        .create_async()
        .await;
    let client = user(&server);
    let owner = ig_client::IgUserId::new("17841406338772941");
    let id = client
        .create_container(
            Some(&owner),
            &NewContainer::image("https://example.com/photo.jpg").caption("hello #x"),
        )
        .await
        .unwrap();
    assert_eq!(id.as_str(), "17889455560051444");
    let id = client
        .create_container(
            None,
            &NewContainer::carousel([IgContainerId::new("11"), IgContainerId::new("12")]),
        )
        .await
        .unwrap();
    assert_eq!(id.as_str(), "13");
    client
        .create_container(
            None,
            &NewContainer::story_video("https://example.com/s.mp4"),
        )
        .await
        .unwrap();
    image.assert_async().await;
    carousel.assert_async().await;
    story.assert_async().await;

    // Refused locally: nothing is sent.
    let error = client
        .create_container(None, &NewContainer::carousel([IgContainerId::new("1")]))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::BadInput(_)));
}

#[tokio::test]
async fn publishing_errors_are_classified_and_posts_not_retried() {
    let mut server = mockito::Server::new_async().await;
    let fetch_failed = server
        .mock("POST", "/graph/v24.0/me/media")
        .with_status(400)
        .with_body(graph_error(
            9004,
            Some(2_207_052),
            "Media download has failed.",
        ))
        .expect(1)
        .create_async()
        .await;
    let error = user(&server)
        .create_container(None, &NewContainer::image("https://example.com/x.jpg"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::BadRequest { .. }));
    fetch_failed.assert_async().await;

    let not_ready = server
        .mock("POST", "/graph/v24.0/me/media_publish")
        .match_body(Matcher::UrlEncoded("creation_id".into(), "77".into()))
        .with_status(400)
        .with_body(fixture_body(
            "graph_facebook/errors/media_publish_not_ready.400.json",
        ))
        .expect(1)
        .create_async()
        .await;
    let error = user(&server)
        .publish(None, &IgContainerId::new("77"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transient { .. }));
    assert_eq!(error.retry_kind(), RetryKind::Backoff);
    not_ready.assert_async().await;

    server
        .mock("POST", "/graph/v24.0/me/media_publish")
        .match_body(Matcher::UrlEncoded("creation_id".into(), "78".into()))
        .with_status(400)
        .with_body(graph_error(
            9,
            Some(2_207_042),
            "You have reached the maximum number of posts",
        ))
        .create_async()
        .await;
    let error = user(&server)
        .publish(None, &IgContainerId::new("78"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }));
    assert_eq!(
        error.retry_kind(),
        RetryKind::After(ig_client::DEFAULT_THROTTLE_WAIT)
    );
}

#[tokio::test]
async fn an_expired_or_failed_container_asks_for_a_new_container() {
    let mut server = mockito::Server::new_async().await;
    for (container, code, subcode) in [("80", -2, 2_207_020), ("81", -1, 2_207_053)] {
        let mock = server
            .mock("POST", "/graph/v24.0/me/media_publish")
            .match_body(Matcher::UrlEncoded("creation_id".into(), container.into()))
            .with_status(400)
            .with_body(graph_error(code, Some(subcode), "The media has expired"))
            .expect(1)
            .create_async()
            .await;
        let error = user(&server)
            .publish(None, &IgContainerId::new(container))
            .await
            .unwrap_err();
        mock.assert_async().await;
        assert!(
            matches!(error, Error::ContainerUnusable { .. }),
            "{error:?}"
        );
        assert_eq!(error.retry_kind(), RetryKind::NewContainer);
        assert!(!error.is_retryable());
    }
    server
        .mock("GET", "/graph/v24.0/82")
        .match_query(Matcher::Any)
        .with_body(r#"{"id":"82","status_code":"EXPIRED"}"#)
        .create_async()
        .await;
    let error = user(&server)
        .wait_for_container(&IgContainerId::new("82"), fast())
        .await
        .unwrap_err();
    assert_eq!(error.retry_kind(), RetryKind::NewContainer);
}

#[tokio::test]
async fn waits_for_the_container_then_publishes() {
    let mut server = mockito::Server::new_async().await;
    let status_query = Matcher::UrlEncoded("fields".into(), "id,status_code,status".into());
    let in_progress = server
        .mock("GET", "/graph/v24.0/17966279578433554")
        .match_query(status_query.clone())
        .with_body(
            r#"{"id":"17966279578433554","status_code":"IN_PROGRESS","status":"In progress"}"#,
        )
        .expect(2)
        .create_async()
        .await;
    let finished = server
        .mock("GET", "/graph/v24.0/17966279578433554")
        .match_query(status_query)
        .with_body(fixture_body(
            "graph_facebook/ig_container_status_finished.200.json",
        ))
        .expect(1)
        .create_async()
        .await;
    let publish = server
        .mock("POST", "/graph/v24.0/me/media_publish")
        .match_body(Matcher::UrlEncoded(
            "creation_id".into(),
            "17966279578433554".into(),
        ))
        .with_body(fixture_body("graph_facebook/ig_media_publish.200.json"))
        .create_async()
        .await;
    let client = user(&server);
    let container = IgContainerId::new("17966279578433554");
    let status = client.wait_for_container(&container, fast()).await.unwrap();
    assert_eq!(status.status_code, StatusCode::Finished);
    in_progress.assert_async().await;
    finished.assert_async().await;
    let media = client.publish(None, &container).await.unwrap();
    assert_eq!(media.as_str(), "17920238422030506");
    publish.assert_async().await;
}

#[tokio::test]
async fn polling_is_bounded_and_failures_surface() {
    let mut server = mockito::Server::new_async().await;
    let pending = server
        .mock("GET", "/graph/v24.0/1")
        .match_query(Matcher::Any)
        .with_body(r#"{"id":"1","status_code":"IN_PROGRESS"}"#)
        .expect(3)
        .create_async()
        .await;
    server
        .mock("GET", "/graph/v24.0/2")
        .match_query(Matcher::Any)
        .with_body(r#"{"id":"2","status_code":"ERROR","status":"Error: Media upload has failed with error code 2207026"}"#)
        .create_async()
        .await;
    let client = user(&server);
    let error = client
        .wait_for_container(&IgContainerId::new("1"), fast())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ContainerPending { attempts: 3 }));
    pending.assert_async().await;
    let error = client
        .wait_for_container(&IgContainerId::new("2"), fast())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::ContainerFailed { ref status, .. } if status.as_deref().unwrap_or("").contains("2207026"))
    );
    assert_eq!(error.retry_kind(), RetryKind::Never);
}

#[tokio::test]
async fn publishing_limit() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/graph/v24.0/me/content_publishing_limit")
        .match_query(Matcher::UrlEncoded(
            "fields".into(),
            "config,quota_usage".into(),
        ))
        .with_body(
            r#"{"data":[{"quota_usage":3,"config":{"quota_total":100,"quota_duration":86400}}]}"#,
        )
        .create_async()
        .await;
    let limit = user(&server).publishing_limit(None).await.unwrap();
    assert_eq!(limit.remaining(), Some(97));
    assert_eq!(limit.quota_duration, Some(Duration::from_secs(86_400)));
    server
        .mock(
            "GET",
            "/graph/v24.0/17841400000000009/content_publishing_limit",
        )
        .match_query(Matcher::Any)
        .with_body(r#"{"data":[]}"#)
        .create_async()
        .await;
    let error = user(&server)
        .publishing_limit(Some(&"17841400000000009".into()))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::UnexpectedResponse { .. }));
}
