//! The Shlink adapter against a mock server: the request it sends, and every
//! kind of answer (success, existing URL, bad key, rate limit, outage,
//! malformed or oversized bodies, timeouts, dropped connections).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use mockito::{Matcher, Server};
use serde_json::json;
use url::Url;
use xpost_core::{RetryKind, ShortenError, Shortener};
use xpost_shortener::{BuildError, Shlink};

const KEY: &str = "5f2a9c0e-1b7d-4a7e-9d1c-3f0f7b2f9a11";
const PATH: &str = "/rest/v3/short-urls";

fn long() -> Url {
    Url::parse("https://www.instagram.com/p/B38Xyp6nqsS/?utm_source=x&utm_medium=social").unwrap()
}

fn shlink(server: &Server) -> Shlink {
    Shlink::builder()
        .base_url(server.url())
        .api_key(KEY)
        .backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap()
}

fn short_url_body(short: &str) -> String {
    json!({
        "shortCode": "abc12",
        "shortUrl": short,
        "longUrl": long().as_str(),
        "deviceLongUrls": {"android": null, "ios": null, "desktop": null},
        "dateCreated": "2025-06-01T18:30:00+00:00",
        "tags": ["xpost"],
        "meta": {"validSince": null, "validUntil": null, "maxVisits": null},
        "domain": null,
        "title": null,
        "crawlable": false,
        "forwardQuery": true,
        "visitsSummary": {"total": 0, "nonBots": 0, "bots": 0}
    })
    .to_string()
}

fn problem(status: u16, kind: &str, title: &str, detail: &str) -> String {
    json!({
        "type": format!("https://shlink.io/api/error/{kind}"),
        "title": title,
        "detail": detail,
        "status": status
    })
    .to_string()
}

#[tokio::test]
async fn sends_the_documented_request_and_returns_short_url() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .match_header("x-api-key", KEY)
        .match_header("content-type", "application/json")
        .match_header("user-agent", "xpost-test/1")
        .match_body(Matcher::Json(json!({
            "longUrl": long().as_str(),
            "findIfExists": true,
            "tags": ["xpost"]
        })))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(short_url_body("https://sho.rt/abc12"))
        .expect(1)
        .create_async()
        .await;
    let shlink = Shlink::builder()
        .base_url(server.url())
        .api_key(KEY)
        .tags(["xpost"])
        .user_agent("xpost-test/1")
        .build()
        .unwrap();
    let short = shlink.shorten(&long()).await.unwrap();
    assert_eq!(short.as_str(), "https://sho.rt/abc12");
    mock.assert_async().await;
}

#[tokio::test]
async fn no_tags_key_without_tags_and_a_base_path_is_kept() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", "/shlink/rest/v3/short-urls")
        .match_body(Matcher::Json(
            json!({"longUrl": long().as_str(), "findIfExists": true}),
        ))
        .with_status(200)
        .with_body(short_url_body("https://sho.rt/abc12"))
        .create_async()
        .await;
    let shlink = Shlink::builder()
        .base_url(format!("{}/shlink/", server.url()))
        .api_key(KEY)
        .build()
        .unwrap();
    assert_eq!(
        shlink.endpoint().as_str(),
        format!("{}/shlink/rest/v3/short-urls", server.url())
    );
    shlink.shorten(&long()).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn an_existing_url_gives_back_its_short_url_every_time() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .match_body(Matcher::PartialJson(json!({"findIfExists": true})))
        .with_status(200)
        .with_body(short_url_body("https://sho.rt/old1"))
        .expect(2)
        .create_async()
        .await;
    let shlink = shlink(&server);
    let first = shlink.shorten(&long()).await.unwrap();
    let second = shlink.shorten(&long()).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(first.as_str(), "https://sho.rt/old1");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_bad_key_is_unauthorized_and_not_retried() {
    for (status, kind, title) in [
        (401_u16, "invalid-api-key", "Invalid API key"),
        (401, "missing-authentication", "Invalid authorization"),
        (403, "forbidden-tag-operation", "Forbidden tag operation"),
    ] {
        let mut server = Server::new_async().await;
        let mock = server
            .mock("POST", PATH)
            .with_status(usize::from(status))
            .with_header("content-type", "application/problem+json")
            .with_body(problem(
                status,
                kind,
                title,
                "Provided API key does not exist or is invalid.",
            ))
            .expect(1)
            .create_async()
            .await;
        let err = shlink(&server).shorten(&long()).await.unwrap_err();
        match &err {
            ShortenError::Unauthorized { status: s, message } => {
                assert_eq!(*s, status);
                assert!(message.contains(title), "{message}");
                assert!(message.contains("does not exist"), "{message}");
            }
            other => panic!("expected Unauthorized, got {other:?}"),
        }
        assert_eq!(err.retry_kind(), RetryKind::Never);
        assert!(!err.to_string().contains(KEY));
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn a_rate_limit_returns_the_servers_delay_at_once() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .with_status(429)
        .with_header("retry-after", "30")
        .with_body("Too Many Requests")
        .expect(1)
        .create_async()
        .await;
    let err = shlink(&server).shorten(&long()).await.unwrap_err();
    assert!(
        matches!(err, ShortenError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(30)),
        "{err:?}"
    );
    assert_eq!(err.retry_kind(), RetryKind::After(Duration::from_secs(30)));
    mock.assert_async().await;

    // An HTTP date counts from the answer's own Date header.
    let mut server = Server::new_async().await;
    server
        .mock("POST", PATH)
        .with_status(429)
        .with_header("date", "Sun, 01 Jun 2025 18:30:00 GMT")
        .with_header("retry-after", "Sun, 01 Jun 2025 18:32:00 GMT")
        .create_async()
        .await;
    let err = shlink(&server).shorten(&long()).await.unwrap_err();
    assert_eq!(err.retry_kind(), RetryKind::After(Duration::from_secs(120)));

    // Without Retry-After: back off.
    let mut server = Server::new_async().await;
    server
        .mock("POST", PATH)
        .with_status(429)
        .expect(1)
        .create_async()
        .await;
    let err = shlink(&server).shorten(&long()).await.unwrap_err();
    assert_eq!(err.retry_kind(), RetryKind::Backoff);
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .with_status(503)
        .with_body("<html>maintenance</html>")
        .expect(3)
        .create_async()
        .await;
    let err = shlink(&server).shorten(&long()).await.unwrap_err();
    match &err {
        ShortenError::Server { status, body, .. } => {
            assert_eq!(*status, 503);
            assert_eq!(body, "<html>maintenance</html>");
        }
        other => panic!("expected Server, got {other:?}"),
    }
    assert_eq!(err.retry_kind(), RetryKind::Backoff);
    mock.assert_async().await;

    // A server-given delay is handed to the caller instead of waited out.
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .with_status(503)
        .with_header("retry-after", "120")
        .expect(1)
        .create_async()
        .await;
    let err = shlink(&server).shorten(&long()).await.unwrap_err();
    assert_eq!(err.retry_kind(), RetryKind::After(Duration::from_secs(120)));
    mock.assert_async().await;
}

#[tokio::test]
async fn a_transient_failure_then_success_succeeds() {
    let mut server = Server::new_async().await;
    // The first mock still owed hits answers first.
    let failing = server
        .mock("POST", PATH)
        .with_status(502)
        .expect(1)
        .create_async()
        .await;
    let ok = server
        .mock("POST", PATH)
        .with_status(200)
        .with_body(short_url_body("https://sho.rt/abc12"))
        .expect(1)
        .create_async()
        .await;
    let shlink = shlink(&server);
    let short = shlink.shorten(&long()).await.unwrap();
    assert_eq!(short.as_str(), "https://sho.rt/abc12");
    failing.assert_async().await;
    ok.assert_async().await;
}

#[tokio::test]
async fn max_retries_zero_leaves_retries_to_the_caller() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .with_status(500)
        .expect(1)
        .create_async()
        .await;
    let shlink = Shlink::builder()
        .base_url(server.url())
        .api_key(KEY)
        .max_retries(0)
        .build()
        .unwrap();
    let err = shlink.shorten(&long()).await.unwrap_err();
    assert!(err.is_retryable());
    mock.assert_async().await;
}

#[tokio::test]
async fn invalid_data_is_rejected_with_the_detail() {
    let mut server = Server::new_async().await;
    server
        .mock("POST", PATH)
        .with_status(400)
        .with_header("content-type", "application/problem+json")
        .with_body(
            json!({
                "type": "https://shlink.io/api/error/invalid-data",
                "title": "Invalid data",
                "detail": "Provided data is not valid",
                "status": 400,
                "invalidElements": ["longUrl"]
            })
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let err = shlink(&server).shorten(&long()).await.unwrap_err();
    assert!(
        matches!(&err, ShortenError::Rejected { status: 400, message } if message == "Invalid data: Provided data is not valid"),
        "{err:?}"
    );
    assert_eq!(err.retry_kind(), RetryKind::Never);
}

#[tokio::test]
async fn malformed_answers_keep_the_raw_body() {
    for (body, reason) in [
        ("<html>oops</html>", "not the JSON"),
        (r#"{"shortCode": "abc"}"#, "no `shortUrl`"),
        (r#"{"shortUrl": "not a url"}"#, "not a URL"),
        (r#"{"shortUrl": "javascript:alert(1)"}"#, "not an http"),
    ] {
        let mut server = Server::new_async().await;
        let mock = server
            .mock("POST", PATH)
            .with_status(200)
            .with_body(body)
            .expect(1)
            .create_async()
            .await;
        let err = shlink(&server).shorten(&long()).await.unwrap_err();
        match &err {
            ShortenError::BadResponse {
                status,
                reason: r,
                body: b,
                ..
            } => {
                assert_eq!(*status, 200);
                assert!(r.contains(reason), "{r}");
                assert_eq!(b, body);
            }
            other => panic!("expected BadResponse, got {other:?}"),
        }
        assert_eq!(err.retry_kind(), RetryKind::Never);
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_unread() {
    let mut server = Server::new_async().await;
    server
        .mock("POST", PATH)
        .with_status(200)
        .with_body("x".repeat(70 * 1024))
        .expect(1)
        .create_async()
        .await;
    let err = shlink(&server).shorten(&long()).await.unwrap_err();
    assert!(
        matches!(err, ShortenError::TooLarge { limit } if limit == xpost_shortener::DEFAULT_MAX_RESPONSE_BYTES),
        "{err:?}"
    );

    // Without a Content-Length the cap holds while reading.
    let mut server = Server::new_async().await;
    server
        .mock("POST", PATH)
        .with_status(200)
        .with_chunked_body(|w| {
            for _ in 0..64 {
                w.write_all(&[b'x'; 1024])?;
            }
            Ok(())
        })
        .create_async()
        .await;
    let shlink = Shlink::builder()
        .base_url(server.url())
        .api_key(KEY)
        .max_response_bytes(4096)
        .build()
        .unwrap();
    let err = shlink.shorten(&long()).await.unwrap_err();
    assert!(
        matches!(err, ShortenError::TooLarge { limit: 4096 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let mut server = Server::new_async().await;
    server
        .mock("POST", PATH)
        .with_status(200)
        .with_chunked_body(|w| {
            std::thread::sleep(Duration::from_millis(1500));
            w.write_all(short_url_body("https://sho.rt/abc12").as_bytes())
        })
        .create_async()
        .await;
    let shlink = Shlink::builder()
        .base_url(server.url())
        .api_key(KEY)
        .timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = shlink.shorten(&long()).await.unwrap_err();
    assert!(
        matches!(err, ShortenError::Timeout { after } if after == Duration::from_millis(200)),
        "{err:?}"
    );
    assert_eq!(err.retry_kind(), RetryKind::Backoff);
    assert!(started.elapsed() < Duration::from_millis(1400));
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let shlink = Shlink::builder()
        .base_url(format!("http://{addr}"))
        .api_key(KEY)
        .backoff(Duration::from_millis(1), Duration::from_millis(2))
        .build()
        .unwrap();
    let err = shlink.shorten(&long()).await.unwrap_err();
    assert!(matches!(err, ShortenError::Network { .. }), "{err:?}");
    assert_eq!(err.retry_kind(), RetryKind::Backoff);
}

#[tokio::test]
async fn only_http_urls_are_shortened() {
    let mut server = Server::new_async().await;
    let mock = server.mock("POST", PATH).expect(0).create_async().await;
    let shlink = shlink(&server);
    for bad in [
        "ftp://example.org/file",
        "mailto:me@example.org",
        "data:text/plain,hi",
    ] {
        let err = shlink.shorten(&Url::parse(bad).unwrap()).await.unwrap_err();
        assert!(
            matches!(&err, ShortenError::InvalidUrl { url, .. } if url == bad),
            "{err:?}"
        );
        assert_eq!(err.retry_kind(), RetryKind::Never);
    }
    mock.assert_async().await;
}

#[test]
fn the_key_never_shows_in_debug() {
    let builder = Shlink::builder().base_url("https://sho.rt").api_key(KEY);
    let shown = format!("{builder:?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
    let shlink = builder.build().unwrap();
    let shown = format!("{shlink:?} {shlink:#?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(
        shown.contains("https://sho.rt/rest/v3/short-urls"),
        "{shown}"
    );
}

#[test]
fn building_refuses_what_cannot_work() {
    assert!(matches!(
        Shlink::builder().api_key(KEY).build(),
        Err(BuildError::MissingBaseUrl)
    ));
    assert!(matches!(
        Shlink::builder().base_url("https://sho.rt").build(),
        Err(BuildError::MissingKey { .. })
    ));
    assert!(matches!(
        Shlink::builder()
            .base_url("https://sho.rt")
            .api_key("  ")
            .build(),
        Err(BuildError::MissingKey { .. })
    ));
    for bad in [
        "ftp://sho.rt",
        "sho.rt",
        "https://a:b@sho.rt",
        "https://sho.rt/?x=1",
    ] {
        assert!(
            matches!(
                Shlink::builder().base_url(bad).api_key(KEY).build(),
                Err(BuildError::InvalidBaseUrl { .. })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        Shlink::builder()
            .base_url("https://sho.rt")
            .api_key(KEY)
            .timeout(Duration::ZERO)
            .build(),
        Err(BuildError::ZeroTimeout)
    ));
    assert!(matches!(
        Shlink::builder()
            .base_url("https://sho.rt")
            .api_key(KEY)
            .user_agent("bad\nagent")
            .build(),
        Err(BuildError::InvalidUserAgent(_))
    ));
    let err = Shlink::builder()
        .base_url("https://sho.rt")
        .api_key("key\nwith newline")
        .build()
        .unwrap_err();
    assert!(!err.to_string().contains("newline"), "{err}");
}

#[tokio::test]
async fn an_injected_client_is_used_as_a_dyn_shortener() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", PATH)
        .match_header("x-injected", "yes")
        .with_status(200)
        .with_body(short_url_body("https://sho.rt/abc12"))
        .expect(1)
        .create_async()
        .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-injected",
        reqwest::header::HeaderValue::from_static("yes"),
    );
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let shortener: Box<dyn Shortener> = Box::new(
        Shlink::builder()
            .base_url(server.url())
            .api_key(KEY)
            .client(client)
            .build()
            .unwrap(),
    );
    assert_eq!(
        shortener.shorten(&long()).await.unwrap().as_str(),
        "https://sho.rt/abc12"
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn redirects_are_not_followed_with_the_key() {
    let mut elsewhere = Server::new_async().await;
    let stolen = elsewhere
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let stolen_get = elsewhere
        .mock("GET", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let mut server = Server::new_async().await;
    server
        .mock("POST", PATH)
        .with_status(307)
        .with_header("location", &format!("{}/steal", elsewhere.url()))
        .expect(1)
        .create_async()
        .await;
    let err = shlink(&server).shorten(&long()).await.unwrap_err();
    assert!(
        matches!(err, ShortenError::Rejected { status: 307, .. }),
        "{err:?}"
    );
    stolen.assert_async().await;
    stolen_get.assert_async().await;
}
