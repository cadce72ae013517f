//! Media upload against a mock X: one-shot images, the chunked flow through every
//! processing state, failure, the processing deadline, alt text and limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mockito::Matcher;
use serde_json::json;
use std::time::Duration;
use x_client::{Error, MediaKind, MediaUpload, RetryKind, XClient};

fn small_chunks(base: &str, clock: std::sync::Arc<FakeClock>, chunk: usize) -> XClient {
    let cfg = config_builder(base).chunk_size(chunk).build().unwrap();
    XClient::builder()
        .config(cfg)
        .clock(clock)
        .tokens(tokens("token-1", ALL_SCOPES))
        .build()
        .unwrap()
}

#[tokio::test]
async fn image_is_uploaded_in_one_request_with_alt_text() {
    let mut server = mockito::Server::new_async().await;
    let upload = server
        .mock("POST", "/2/media/upload")
        .match_header("authorization", "Bearer token-1")
        .match_header("content-type", Matcher::Regex("^multipart/form-data".into()))
        .match_body(Matcher::AllOf(vec![
            Matcher::Regex("name=\"media_category\"\r\n\r\ntweet_image".into()),
            Matcher::Regex("PNGDATA".into()),
        ]))
        .with_status(200)
        .with_body(r#"{"data":{"id":"1912103767639719936","media_key":"3_1912103767639719936","size":7,"expires_after_secs":86400,"image":{"image_type":"image/png","w":1,"h":1}}}"#)
        .create_async()
        .await;
    let meta = server
        .mock("POST", "/2/media/metadata")
        .match_body(Matcher::Json(json!({"id":"1912103767639719936","metadata":{"alt_text":{"text":"a dot"}}})))
        .with_body(r#"{"data":{"id":"1912103767639719936","associated_metadata":{"alt_text":{"text":"a dot"}}}}"#)
        .create_async()
        .await;
    let client = client(&server.url(), FakeClock::at(T0));
    let media = client
        .upload_media(&MediaUpload::image(&b"PNGDATA"[..], "image/png").alt_text("a dot"))
        .await
        .unwrap();
    assert_eq!(media.id.as_str(), "1912103767639719936");
    assert_eq!(media.kind, MediaKind::Image);
    assert_eq!(media.expires_after_secs, Some(86400));
    upload.assert_async().await;
    meta.assert_async().await;
}

async fn chunked_mocks(server: &mut mockito::ServerGuard, id: &str) -> Vec<mockito::Mock> {
    let init = server
        .mock("POST", "/2/media/upload/initialize")
        .match_body(Matcher::Json(
            json!({"media_type":"video/mp4","total_bytes":10,"media_category":"tweet_video"}),
        ))
        .with_body(format!(
            r#"{{"data":{{"id":"{id}","media_key":"7_{id}","expires_after_secs":86400}}}}"#
        ))
        .expect(1)
        .create_async()
        .await;
    let mut mocks = vec![init];
    for (i, piece) in ["0123", "4567", "89"].iter().enumerate() {
        mocks.push(
            server
                .mock("POST", format!("/2/media/upload/{id}/append").as_str())
                .match_body(Matcher::AllOf(vec![
                    Matcher::Regex(format!("name=\"segment_index\"\r\n\r\n{i}\r\n")),
                    Matcher::Regex(format!("\r\n\r\n{piece}\r\n")),
                ]))
                .with_body(r#"{"data":{"expires_at":1700086400}}"#)
                .expect(1)
                .create_async()
                .await,
        );
    }
    mocks
}

#[tokio::test]
async fn video_goes_through_pending_in_progress_succeeded() {
    let mut server = mockito::Server::new_async().await;
    let id = "1912090619981471744";
    let mut mocks = chunked_mocks(&mut server, id).await;
    mocks.push(
        server
            .mock("POST", format!("/2/media/upload/{id}/finalize").as_str())
            .with_body(format!(r#"{{"data":{{"id":"{id}","media_key":"7_{id}","size":10,"expires_after_secs":86400,"processing_info":{{"state":"pending","check_after_secs":1}}}}}}"#))
            .expect(1)
            .create_async()
            .await,
    );
    let status = |state: &str, extra: &str| {
        format!(
            r#"{{"data":{{"id":"{id}","media_key":"7_{id}","processing_info":{{"state":"{state}"{extra}}}}}}}"#
        )
    };
    let status_query = Matcher::AllOf(vec![
        Matcher::UrlEncoded("command".into(), "STATUS".into()),
        Matcher::UrlEncoded("media_id".into(), id.into()),
    ]);
    mocks.push(
        server
            .mock("GET", "/2/media/upload")
            .match_query(status_query.clone())
            .with_body(status(
                "in_progress",
                r#","check_after_secs":5,"progress_percent":40"#,
            ))
            .expect(1)
            .create_async()
            .await,
    );
    mocks.push(
        server
            .mock("GET", "/2/media/upload")
            .match_query(status_query)
            .with_body(status("succeeded", r#","progress_percent":100"#))
            .expect(1)
            .create_async()
            .await,
    );
    let clock = FakeClock::at(T0);
    let client = small_chunks(&server.url(), clock.clone(), 4);
    let media = client
        .upload_media(&MediaUpload::video(
            &b"0123456789"[..],
            "video/mp4",
            Some(Duration::from_secs(3)),
        ))
        .await
        .unwrap();
    assert_eq!(media.id.as_str(), id);
    assert_eq!(media.kind, MediaKind::Video);
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(1), Duration::from_secs(5)],
        "check_after_secs is honoured"
    );
    for m in mocks {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn failed_processing_is_reported_with_the_reason() {
    let mut server = mockito::Server::new_async().await;
    let id = "42";
    let _mocks = chunked_mocks(&mut server, id).await;
    let _fin = server
        .mock("POST", "/2/media/upload/42/finalize")
        .with_body(r#"{"data":{"id":"42","processing_info":{"state":"in_progress","check_after_secs":2}}}"#)
        .create_async()
        .await;
    let _status = server
        .mock("GET", "/2/media/upload")
        .match_query(Matcher::Any)
        .with_body(r#"{"data":{"id":"42","processing_info":{"state":"failed","progress_percent":12,"error":{"code":1,"name":"InvalidMedia","message":"Unsupported video format"}}}}"#)
        .create_async()
        .await;
    let client = small_chunks(&server.url(), FakeClock::at(T0), 4);
    let err = client
        .upload_media(&MediaUpload::video(&b"0123456789"[..], "video/mp4", None))
        .await
        .unwrap_err();
    let Error::MediaProcessingFailed { media_id, error } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(media_id.as_str(), "42");
    let reason = error.as_ref().unwrap();
    assert_eq!(reason.name.as_deref(), Some("InvalidMedia"));
    assert_eq!(reason.message, "Unsupported video format");
    assert_eq!(err.retry_kind(), RetryKind::Never);
}

#[tokio::test]
async fn processing_that_never_ends_times_out_boundedly() {
    let mut server = mockito::Server::new_async().await;
    let _mocks = chunked_mocks(&mut server, "43").await;
    let _fin = server
        .mock("POST", "/2/media/upload/43/finalize")
        .with_body(
            r#"{"data":{"id":"43","processing_info":{"state":"pending","check_after_secs":30}}}"#,
        )
        .create_async()
        .await;
    let polls = server
        .mock("GET", "/2/media/upload")
        .match_query(Matcher::Any)
        .with_body(r#"{"data":{"id":"43","processing_info":{"state":"in_progress","check_after_secs":30}}}"#)
        .expect(3)
        .create_async()
        .await;
    let cfg = config_builder(&server.url())
        .chunk_size(4usize)
        .max_processing_wait(Duration::from_secs(100))
        .build()
        .unwrap();
    let clock = FakeClock::at(T0);
    let client = XClient::builder()
        .config(cfg)
        .clock(clock.clone())
        .tokens(tokens("t", ALL_SCOPES))
        .build()
        .unwrap();
    let err = client
        .upload_media(&MediaUpload::video(&b"0123456789"[..], "video/mp4", None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::MediaProcessingTimeout { waited, .. } if waited == Duration::from_secs(90)),
        "{err:?}"
    );
    polls.assert_async().await;
}

#[tokio::test]
async fn gif_uses_the_gif_category_and_limits_are_checked_first() {
    let mut server = mockito::Server::new_async().await;
    let init = server
        .mock("POST", "/2/media/upload/initialize")
        .match_body(Matcher::PartialJson(
            json!({"media_category":"tweet_gif","media_type":"image/gif"}),
        ))
        .with_body(r#"{"data":{"id":"16","media_key":"16_16"}}"#)
        .create_async()
        .await;
    let _app = server
        .mock("POST", "/2/media/upload/16/append")
        .with_status(204)
        .create_async()
        .await;
    let _fin = server
        .mock("POST", "/2/media/upload/16/finalize")
        .with_status(201)
        .with_body(r#"{"data":{"id":"16","media_key":"16_16","size":3}}"#)
        .create_async()
        .await;
    let client = client(&server.url(), FakeClock::at(T0));
    let gif = client
        .upload_media(&MediaUpload::gif(&b"GIF"[..]))
        .await
        .unwrap();
    assert_eq!(gif.kind, MediaKind::Gif);
    init.assert_async().await;

    let too_big = MediaUpload::image(vec![0u8; 5 * 1024 * 1024 + 1], "image/jpeg");
    let err = client.upload_media(&too_big).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                field: "media size",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn media_needs_media_write() {
    let client = XClient::builder()
        .config(config("http://127.0.0.1:9"))
        .clock(FakeClock::at(T0))
        .tokens(tokens("t", "tweet.read tweet.write users.read"))
        .build()
        .unwrap();
    let err = client
        .upload_media(&MediaUpload::image(&b"x"[..], "image/png"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingScope { scope, .. } if scope.as_str() == "media.write"),
        "{err:?}"
    );
}

fn pieces(
    parts: &[&'static str],
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    futures::stream::iter(
        parts
            .iter()
            .map(|p| Ok(bytes::Bytes::from_static(p.as_bytes())))
            .collect::<Vec<_>>(),
    )
}

#[tokio::test]
async fn a_streamed_video_is_appended_chunk_by_chunk() {
    let mut server = mockito::Server::new_async().await;
    let mut mocks = chunked_mocks(&mut server, "44").await;
    mocks.push(
        server
            .mock("POST", "/2/media/upload/44/finalize")
            .with_body(r#"{"data":{"id":"44","media_key":"7_44"}}"#)
            .expect(1)
            .create_async()
            .await,
    );
    let client = small_chunks(&server.url(), FakeClock::at(T0), 4);
    let spec = x_client::MediaSpec::video("video/mp4", 10, None);
    let media = client
        .upload_media_stream(&spec, pieces(&["01", "2", "345678", "9"]))
        .await
        .unwrap();
    assert_eq!(media.id.as_str(), "44");
    for m in mocks {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn a_stream_short_or_long_of_its_length_is_never_finalized() {
    let mut server = mockito::Server::new_async().await;
    let _mocks = chunked_mocks(&mut server, "45").await;
    let finalize = server
        .mock("POST", "/2/media/upload/45/finalize")
        .expect(0)
        .create_async()
        .await;
    let client = small_chunks(&server.url(), FakeClock::at(T0), 4);
    let spec = x_client::MediaSpec::video("video/mp4", 10, None);
    let short = client
        .upload_media_stream(&spec, pieces(&["0123", "4567", "8"]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            short,
            Error::MediaLengthMismatch {
                declared: 10,
                received: 9
            }
        ),
        "{short:?}"
    );
    assert_eq!(short.retry_kind(), RetryKind::Never);
    let long = client
        .upload_media_stream(&spec, pieces(&["0123", "4567", "89", "!"]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            long,
            Error::MediaLengthMismatch {
                declared: 10,
                received: 11
            }
        ),
        "{long:?}"
    );
    let failing = futures::stream::iter(vec![
        Ok(bytes::Bytes::from_static(b"0123")),
        Err(std::io::Error::other("instagram CDN reset")),
    ]);
    let broken = client
        .upload_media_stream(&spec, failing)
        .await
        .unwrap_err();
    assert!(
        matches!(broken, Error::MediaSource { received: 4, .. }),
        "{broken:?}"
    );
    assert!(
        broken.to_string().contains("instagram CDN reset"),
        "{broken}"
    );
    finalize.assert_async().await;
}

#[tokio::test]
async fn a_streamed_image_is_sent_whole_and_checked_against_its_length() {
    let mut server = mockito::Server::new_async().await;
    let upload = server
        .mock("POST", "/2/media/upload")
        .match_body(Matcher::Regex("\r\n\r\nPNGDATA\r\n".into()))
        .with_body(r#"{"data":{"id":"9","media_key":"3_9"}}"#)
        .expect(1)
        .create_async()
        .await;
    let client = client(&server.url(), FakeClock::at(T0));
    let spec = x_client::MediaSpec::image("image/png", 7);
    let media = client
        .upload_media_stream(&spec, pieces(&["PNG", "DATA"]))
        .await
        .unwrap();
    assert_eq!(media.id.as_str(), "9");
    let err = client
        .upload_media_stream(&spec, pieces(&["PNG", "DATA", "+"]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MediaLengthMismatch { .. }), "{err:?}");
    upload.assert_async().await;
}
