//! Media downloads: allowed CDN only, content type checked, size bounded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use futures::StreamExt;
use ig_client::{Error, IgClient};

fn client(server: &mockito::Server, max: u64) -> IgClient {
    let config = common::builder(server)
        .allow_cdn_base(format!("{}/cdn", server.url()))
        .max_download_bytes(max)
        .build()
        .unwrap();
    IgClient::new(config).unwrap()
}

#[tokio::test]
async fn downloads_from_the_allowed_base() {
    let mut server = mockito::Server::new_async().await;
    let jpeg = [0xFF_u8, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4];
    server
        .mock("GET", "/cdn/m/1.jpg")
        .with_header("content-type", "image/jpeg")
        .with_body(jpeg)
        .create_async()
        .await;
    let download = client(&server, 1024)
        .download(&format!("{}/cdn/m/1.jpg", server.url()))
        .await
        .unwrap();
    assert_eq!(download.content_type(), "image/jpeg");
    assert_eq!(download.content_length(), Some(8));
    assert_eq!(&download.bytes().await.unwrap()[..], &jpeg[..]);
}

#[tokio::test]
async fn media_urls_pointing_elsewhere_are_refused_without_a_request() {
    let mut server = mockito::Server::new_async().await;
    let admin = server
        .mock("GET", mockito::Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let ig = client(&server, 1024);
    for url in [
        format!("{}/admin/tokens", server.url()),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "https://evil.example/cdninstagram.com/a.jpg".to_owned(),
        "http://scontent.cdninstagram.com/a.jpg".to_owned(),
        "file:///etc/passwd".to_owned(),
        "not a url".to_owned(),
    ] {
        let error = ig.download(&url).await.unwrap_err();
        assert!(
            matches!(error, Error::UrlRefused { .. }),
            "{url}: {error:?}"
        );
        assert_eq!(error.retry_kind(), ig_client::RetryKind::Never);
    }
    admin.assert_async().await;
}

#[tokio::test]
async fn lookalike_hosts_and_paths_are_refused_without_a_request() {
    let mut server = mockito::Server::new_async().await;
    let any = server
        .mock("GET", mockito::Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let ig = client(&server, 1024);
    let base = server.url();
    for url in [
        // Beside the allowed base, or out of it once the path is normalised.
        format!("{base}/cdn-evil/a.jpg"),
        format!("{base}/cdn/../admin/tokens"),
        format!("{base}/cdn/%2e%2e/admin/tokens"),
        // The allowed base's host on another port or scheme.
        base.replace("http://", "https://") + "/cdn/a.jpg",
        // CDN names that only look allowed.
        "https://scontent.cdninstagram.com.evil.example/a.jpg".to_owned(),
        "https://evilcdninstagram.com/a.jpg".to_owned(),
        "https://user:pw@scontent.cdninstagram.com/a.jpg".to_owned(),
        "https://127.0.0.1/a.jpg".to_owned(),
        "https://[::1]/a.jpg".to_owned(),
    ] {
        let error = ig.download(&url).await.unwrap_err();
        assert!(
            matches!(error, Error::UrlRefused { .. }),
            "{url}: {error:?}"
        );
    }
    any.assert_async().await;
}

#[tokio::test]
async fn redirects_outside_the_allow_list_are_refused() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/cdn/r.jpg")
        .with_status(302)
        .with_header("location", &format!("{}/admin/tokens", server.url()))
        .create_async()
        .await;
    let target = server
        .mock("GET", "/admin/tokens")
        .expect(0)
        .create_async()
        .await;
    let error = client(&server, 1024)
        .download(&format!("{}/cdn/r.jpg", server.url()))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::UrlRefused { .. }), "{error:?}");
    target.assert_async().await;

    server
        .mock("GET", "/cdn/ok-redirect.jpg")
        .with_status(302)
        .with_header("location", &format!("{}/cdn/m/2.jpg", server.url()))
        .create_async()
        .await;
    server
        .mock("GET", "/cdn/m/2.jpg")
        .with_header("content-type", "image/jpeg")
        .with_body("jpg")
        .create_async()
        .await;
    let body = client(&server, 1024)
        .download(&format!("{}/cdn/ok-redirect.jpg", server.url()))
        .await
        .unwrap();
    assert_eq!(&body.bytes().await.unwrap()[..], b"jpg");
}

#[tokio::test]
async fn wrong_content_type_is_refused() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/cdn/page")
        .with_header("content-type", "text/html")
        .with_body("<html>")
        .create_async()
        .await;
    let error = client(&server, 1024)
        .download(&format!("{}/cdn/page", server.url()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedContentType { ref content_type } if content_type == "text/html")
    );
}

#[tokio::test]
async fn oversized_media_is_refused_up_front_and_while_streaming() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/cdn/big.mp4")
        .with_header("content-type", "video/mp4")
        .with_body(vec![0_u8; 4096])
        .create_async()
        .await;
    let error = client(&server, 1024)
        .download(&format!("{}/cdn/big.mp4", server.url()))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::BodyTooLarge { limit: 1024 }));

    server
        .mock("GET", "/cdn/chunked.mp4")
        .with_header("content-type", "video/mp4")
        .with_chunked_body(|w| {
            for _ in 0..8 {
                w.write_all(&[0_u8; 512])?;
            }
            Ok(())
        })
        .create_async()
        .await;
    let download = client(&server, 1024)
        .download(&format!("{}/cdn/chunked.mp4", server.url()))
        .await
        .unwrap();
    let mut stream = std::pin::pin!(download.into_stream());
    let mut total = 0;
    let mut failed = false;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => total += bytes.len(),
            Err(Error::BodyTooLarge { limit: 1024 }) => failed = true,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert!(failed);
    assert!(total <= 1024);
}

#[tokio::test]
async fn cdn_error_status_is_reported() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/cdn/gone.jpg")
        .with_status(403)
        .with_body("URL signature expired")
        .create_async()
        .await;
    let error = client(&server, 1024)
        .download(&format!("{}/cdn/gone.jpg", server.url()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedResponse { status: 403, ref body, .. } if body.contains("expired"))
    );
}

#[tokio::test]
async fn a_throttled_cdn_is_waited_out_not_a_permanent_failure() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/cdn/busy.jpg")
        .with_status(429)
        .with_header("retry-after", "7")
        .with_body("slow down")
        .create_async()
        .await;
    server
        .mock("GET", "/cdn/graph.jpg")
        .with_status(400)
        .with_body(
            r#"{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","is_transient":true,"code":4,"fbtrace_id":"A1"}}"#,
        )
        .create_async()
        .await;
    let ig = client(&server, 1024);
    let busy = ig
        .download(&format!("{}/cdn/busy.jpg", server.url()))
        .await
        .unwrap_err();
    assert!(matches!(busy, Error::RateLimited { .. }), "{busy:?}");
    assert_eq!(
        busy.retry_kind(),
        ig_client::RetryKind::After(std::time::Duration::from_secs(7))
    );
    let graph = ig
        .download(&format!("{}/cdn/graph.jpg", server.url()))
        .await
        .unwrap_err();
    assert!(graph.is_retryable(), "{graph:?}");
}
