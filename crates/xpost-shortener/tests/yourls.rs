//! The YOURLS adapter against a mock server: the request it sends, and every
//! kind of answer (success, existing URL, bad signature, rate limit, outage,
//! refusals, malformed or oversized bodies, timeouts).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use mockito::{Matcher, Server};
use serde_json::json;
use url::Url;
use xpost_core::{RetryKind, ShortenError, Shortener};
use xpost_shortener::{BuildError, Yourls};

const SIGNATURE: &str = "1002a612b4";
const PATH: &str = "/yourls-api.php";

fn long() -> Url {
    Url::parse("https://www.instagram.com/p/B38Xyp6nqsS/?utm_source=x&utm_medium=social").unwrap()
}

fn yourls(server: &Server) -> Yourls {
    Yourls::builder()
        .base_url(server.url())
        .signature(SIGNATURE)
        .backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap()
}

fn added(short: &str) -> String {
    json!({
        "url": {
            "keyword": "ozh",
            "url": long().as_str(),
            "title": "Instagram",
            "date": "2025-06-01 18:30:00",
            "ip": "127.0.0.1"
        },
        "status": "success",
        "message": "https://www.instagram.com/p/B38Xy[...] added to database",
        "title": "Instagram",
        "shorturl": short,
        "statusCode": 200
    })
    .to_string()
}

fn existing(short: &str) -> String {
    json!({
        "status": "fail",
        "code": "error:url",
        "url": {"keyword": "old1", "url": long().as_str(), "title": "Instagram",
                "date": "2025-05-01 10:00:00", "ip": "127.0.0.1", "clicks": "4"},
        "message": "https://www.instagram.com/p/B38Xy[...] already exists in database (short URL: sho.rt/old1)",
        "title": "Instagram",
        "shorturl": short,
        "statusCode": "",
        "errorCode": ""
    })
    .to_string()
}

#[tokio::test]
async fn posts_the_documented_form_and_returns_shorturl() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .match_query(Matcher::Missing)
        .match_header("content-type", "application/x-www-form-urlencoded")
        .match_header("user-agent", Matcher::Regex("^xpost-shortener/".to_owned()))
        .match_body(Matcher::AllOf(vec![
            Matcher::UrlEncoded("signature".into(), SIGNATURE.into()),
            Matcher::UrlEncoded("action".into(), "shorturl".into()),
            Matcher::UrlEncoded("format".into(), "json".into()),
            Matcher::UrlEncoded("url".into(), long().to_string()),
        ]))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(added("https://sho.rt/ozh"))
        .expect(1)
        .create_async()
        .await;
    let short = yourls(&server).shorten(&long()).await.unwrap();
    assert_eq!(short.as_str(), "https://sho.rt/ozh");
    mock.assert_async().await;
}

#[tokio::test]
async fn an_existing_url_gives_back_its_short_url() {
    // YOURLS answers a duplicate with status "fail", code "error:url" and the
    // existing short URL: 200 in current versions, 400 in some older ones.
    for status in [200, 400] {
        let mut server = Server::new_async().await;
        let mock = server
            .mock("POST", PATH)
            .with_status(status)
            .with_body(existing("https://sho.rt/old1"))
            .expect(1)
            .create_async()
            .await;
        let short = yourls(&server).shorten(&long()).await.unwrap();
        assert_eq!(short.as_str(), "https://sho.rt/old1", "HTTP {status}");
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn a_base_naming_the_script_is_used_as_it_is() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", "/links/yourls-api.php")
        .with_status(200)
        .with_body(added("https://sho.rt/ozh"))
        .expect(1)
        .create_async()
        .await;
    let yourls = Yourls::builder()
        .base_url(format!("{}/links/yourls-api.php", server.url()))
        .signature(SIGNATURE)
        .build()
        .unwrap();
    assert_eq!(
        yourls.endpoint().as_str(),
        format!("{}/links/yourls-api.php", server.url())
    );
    yourls.shorten(&long()).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn a_bad_signature_is_unauthorized_and_not_retried() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .with_status(403)
        .with_body(r#"{"message":"Please log in","errorCode":"403","callback":""}"#)
        .expect(1)
        .create_async()
        .await;
    let err = yourls(&server).shorten(&long()).await.unwrap_err();
    assert!(
        matches!(&err, ShortenError::Unauthorized { status: 403, message } if message == "Please log in"),
        "{err:?}"
    );
    assert_eq!(err.retry_kind(), RetryKind::Never);
    assert!(!format!("{err} {err:?}").contains(SIGNATURE));
    mock.assert_async().await;
}

#[tokio::test]
async fn a_rate_limit_returns_the_servers_delay() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .with_status(429)
        .with_header("retry-after", "60")
        .with_body(r#"{"errorCode":"429","message":"Too Many Requests"}"#)
        .expect(1)
        .create_async()
        .await;
    let err = yourls(&server).shorten(&long()).await.unwrap_err();
    assert_eq!(err.retry_kind(), RetryKind::After(Duration::from_secs(60)));
    mock.assert_async().await;
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .with_status(503)
        .with_body(r#"{"status":"fail","code":"error:concurrency","message":"Deadlock","errorCode":"503","statusCode":"503"}"#)
        .expect(3)
        .create_async()
        .await;
    let err = yourls(&server).shorten(&long()).await.unwrap_err();
    assert!(
        matches!(&err, ShortenError::Server { status: 503, body, .. } if body.contains("error:concurrency")),
        "{err:?}"
    );
    assert_eq!(err.retry_kind(), RetryKind::Backoff);
    mock.assert_async().await;
}

#[tokio::test]
async fn refusals_name_the_yourls_code() {
    for (status, body) in [
        (
            400_u16,
            r#"{"status":"fail","code":"error:noloop","message":"URL is a short URL","errorCode":"400","statusCode":"400"}"#,
        ),
        // Some refusals come with a success status.
        (
            200,
            r#"{"status":"fail","code":"error:nourl","message":"Missing or malformed URL"}"#,
        ),
    ] {
        let mut server = Server::new_async().await;
        let mock = server
            .mock("POST", PATH)
            .with_status(usize::from(status))
            .with_body(body)
            .expect(1)
            .create_async()
            .await;
        let err = yourls(&server).shorten(&long()).await.unwrap_err();
        match &err {
            ShortenError::Rejected { status: s, message } => {
                assert_eq!(*s, status);
                assert!(message.starts_with("error:"), "{message}");
            }
            other => panic!("expected Rejected, got {other:?}"),
        }
        assert_eq!(err.retry_kind(), RetryKind::Never);
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn malformed_answers_keep_the_raw_body() {
    for body in [
        "<html><body>Fatal error</body></html>",
        r#"{"status":"success"}"#,
        r#"{"status":"success","shorturl":"sho.rt/abc"}"#,
    ] {
        let mut server = Server::new_async().await;
        server
            .mock("POST", PATH)
            .with_status(200)
            .with_body(body)
            .expect(1)
            .create_async()
            .await;
        let err = yourls(&server).shorten(&long()).await.unwrap_err();
        assert!(
            matches!(&err, ShortenError::BadResponse { status: 200, body: b, .. } if b == body),
            "{err:?}"
        );
        assert_eq!(err.retry_kind(), RetryKind::Never);
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let mut server = Server::new_async().await;
    server
        .mock("POST", PATH)
        .with_status(200)
        .with_body("y".repeat(2048))
        .create_async()
        .await;
    let yourls = Yourls::builder()
        .base_url(server.url())
        .signature(SIGNATURE)
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let err = yourls.shorten(&long()).await.unwrap_err();
    assert!(
        matches!(err, ShortenError::TooLarge { limit: 1024 }),
        "{err:?}"
    );
    assert_eq!(err.retry_kind(), RetryKind::Never);
}

#[tokio::test]
async fn a_slow_answer_times_out_and_each_try_is_bounded() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .with_status(200)
        .with_chunked_body(|w| {
            std::thread::sleep(Duration::from_millis(1500));
            w.write_all(added("https://sho.rt/ozh").as_bytes())
        })
        .expect_at_least(1)
        .create_async()
        .await;
    let yourls = Yourls::builder()
        .base_url(server.url())
        .signature(SIGNATURE)
        .timeout(Duration::from_millis(150))
        .max_retries(1)
        .backoff(Duration::from_millis(1), Duration::from_millis(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = yourls.shorten(&long()).await.unwrap_err();
    assert!(matches!(err, ShortenError::Timeout { .. }), "{err:?}");
    // Two tries (one retry) of at most 150 ms each: the retry happened, and
    // neither waited for the slow body.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1400), "{elapsed:?}");
    mock.assert_async().await;
}

#[tokio::test]
async fn only_http_urls_are_shortened() {
    let mut server = Server::new_async().await;
    let mock = server.mock("POST", PATH).expect(0).create_async().await;
    let err = yourls(&server)
        .shorten(&Url::parse("file:///etc/passwd").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, ShortenError::InvalidUrl { .. }), "{err:?}");
    mock.assert_async().await;
}

#[test]
fn the_signature_never_shows_in_debug() {
    let builder = Yourls::builder()
        .base_url("https://sho.rt")
        .signature(SIGNATURE);
    let shown = format!("{builder:?}");
    assert!(!shown.contains(SIGNATURE), "{shown}");
    let yourls = builder.build().unwrap();
    let shown = format!("{yourls:?} {yourls:#?}");
    assert!(!shown.contains(SIGNATURE), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[test]
fn building_refuses_what_cannot_work() {
    assert!(matches!(
        Yourls::builder().base_url("https://sho.rt").build(),
        Err(BuildError::MissingKey { what: "signature" })
    ));
    assert!(matches!(
        Yourls::builder().signature(SIGNATURE).build(),
        Err(BuildError::MissingBaseUrl)
    ));
    assert!(matches!(
        Yourls::builder()
            .base_url("javascript:alert(1)")
            .signature(SIGNATURE)
            .build(),
        Err(BuildError::InvalidBaseUrl { .. })
    ));
}
