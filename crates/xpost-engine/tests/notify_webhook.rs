//! The webhook notifier against a local mock receiver: what it signs, what it
//! retries, and when it gives up.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use mockito::{Matcher, Server};
use sha2::Sha256;
use xpost_core::{FailureClass, ManualClock, Notice, Notifier, NotifyError, Secret};
use xpost_engine::notify::signature::{DEFAULT_TOLERANCE, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use xpost_engine::notify::{WebhookNotifier, WebhookSigner};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SECRET: &str = "whsec-test-0123456789";

fn notice() -> Result<Notice, Box<dyn std::error::Error>> {
    Ok(Notice {
        at: "2026-11-30T20:00:00Z".parse()?,
        link: "default".parse()?,
        source_id: Some("17895695668004550".parse()?),
        class: FailureClass::Reauth,
        message: "authorization lost: password changed".into(),
        hint: Some("run `xpost link` again".into()),
    })
}

/// A notifier for `server`'s `/hook` with back-off short enough for a test.
fn webhook(server: &Server, retries: u32) -> Result<WebhookNotifier, Box<dyn std::error::Error>> {
    Ok(
        WebhookNotifier::builder(format!("{}/hook", server.url()), Secret::new(SECRET))
            .max_retries(retries)
            .backoff(Duration::from_millis(1), Duration::from_millis(5))
            .build()?,
    )
}

#[derive(Debug, Default)]
struct Seen {
    timestamp: Option<String>,
    signature: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

#[tokio::test]
async fn the_signature_is_hmac_sha256_over_timestamp_dot_exact_body() -> TestResult {
    let mut server = Server::new_async().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let capture = Arc::clone(&seen);
    let mock = server
        .mock("POST", "/hook")
        .match_request(move |request| {
            let header = |name: &str| {
                request
                    .header(name)
                    .first()
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned)
            };
            if let Ok(mut seen) = capture.lock() {
                seen.timestamp = header(TIMESTAMP_HEADER);
                seen.signature = header(SIGNATURE_HEADER);
                seen.content_type = header("content-type");
                seen.body = request.body().cloned().unwrap_or_default();
            }
            true
        })
        .with_status(204)
        .expect(1)
        .create_async()
        .await;
    let sent_at = Timestamp::from_second(1_764_532_800)?;
    let notifier = WebhookNotifier::builder(format!("{}/hook", server.url()), Secret::new(SECRET))
        .clock(Arc::new(ManualClock::new(sent_at)))
        .build()?;

    let notice = notice()?;
    notifier.notify(&notice).await?;
    mock.assert_async().await;

    let seen = seen.lock().map_err(|_| "capture poisoned")?;
    let timestamp = seen.timestamp.clone().ok_or("no timestamp header")?;
    let signature = seen.signature.clone().ok_or("no signature header")?;
    assert_eq!(timestamp, "1764532800");
    assert_eq!(seen.content_type.as_deref(), Some("application/json"));
    assert_eq!(serde_json::from_slice::<Notice>(&seen.body)?, notice);

    // The receiver's side, from the documented scheme alone.
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes())?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&seen.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(signature, format!("sha256={expected}"));

    let signer = WebhookSigner::new(&Secret::new(SECRET)).ok_or("empty secret")?;
    assert!(signer.verify(
        &timestamp,
        &signature,
        &seen.body,
        sent_at,
        DEFAULT_TOLERANCE
    ));
    assert!(!signer.verify(
        &timestamp,
        &signature,
        br#"{"forged":true}"#,
        sent_at,
        DEFAULT_TOLERANCE
    ));
    Ok(())
}

#[tokio::test]
async fn server_errors_and_429_are_retried_until_delivered() -> TestResult {
    let mut server = Server::new_async().await;
    let down = server
        .mock("POST", "/hook")
        .with_status(503)
        .expect(2)
        .create_async()
        .await;
    let limited = server
        .mock("POST", "/hook")
        .with_status(429)
        .expect(1)
        .create_async()
        .await;
    let up = server
        .mock("POST", "/hook")
        .with_status(200)
        .expect(1)
        .create_async()
        .await;

    webhook(&server, 3)?.notify(&notice()?).await?;
    down.assert_async().await;
    limited.assert_async().await;
    up.assert_async().await;
    Ok(())
}

#[tokio::test]
async fn gives_up_after_the_retry_bound_with_notify_error() -> TestResult {
    let mut server = Server::new_async().await;
    let down = server
        .mock("POST", "/hook")
        .with_status(500)
        .expect(3)
        .create_async()
        .await;

    let outcome = webhook(&server, 2)?.notify(&notice()?).await;
    down.assert_async().await;
    match outcome {
        Err(NotifyError::Undelivered(why)) => {
            assert!(why.contains("3 attempts") && why.contains("500"), "{why}");
            assert!(!why.contains("/hook"), "no URL in errors: {why}");
        }
        other => return Err(format!("expected Undelivered, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn a_400_is_never_retried() -> TestResult {
    let mut server = Server::new_async().await;
    let refused = server
        .mock("POST", "/hook")
        .with_status(400)
        .with_header("retry-after", "1")
        .expect(1)
        .create_async()
        .await;

    let outcome = webhook(&server, 5)?.notify(&notice()?).await;
    refused.assert_async().await;
    match outcome {
        Err(NotifyError::Undelivered(why)) => assert!(why.contains("1 attempt:"), "{why}"),
        other => return Err(format!("expected Undelivered, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn a_retry_after_is_waited_instead_of_the_backoff() -> TestResult {
    let mut server = Server::new_async().await;
    let limited = server
        .mock("POST", "/hook")
        .with_status(429)
        .with_header("retry-after", "1")
        .expect(1)
        .create_async()
        .await;
    let up = server
        .mock("POST", "/hook")
        .with_status(200)
        .expect(1)
        .create_async()
        .await;

    let started = Instant::now();
    webhook(&server, 1)?.notify(&notice()?).await?;
    // The back-off is at most 5 ms here: only the receiver's word explains
    // a second's wait.
    assert!(started.elapsed() >= Duration::from_secs(1));
    limited.assert_async().await;
    up.assert_async().await;
    Ok(())
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_gives_up_at_once() -> TestResult {
    let mut server = Server::new_async().await;
    let limited = server
        .mock("POST", "/hook")
        .with_status(503)
        .with_header("retry-after", "3600")
        .expect(1)
        .create_async()
        .await;

    let outcome = webhook(&server, 3)?.notify(&notice()?).await;
    limited.assert_async().await;
    assert!(matches!(outcome, Err(NotifyError::Undelivered(_))));
    Ok(())
}

#[tokio::test]
async fn redirects_are_not_followed() -> TestResult {
    let mut server = Server::new_async().await;
    let moved = server
        .mock("POST", "/hook")
        .with_status(307)
        .with_header("location", "/elsewhere")
        .expect(1)
        .create_async()
        .await;
    let elsewhere = server
        .mock("POST", "/elsewhere")
        .match_body(Matcher::Any)
        .expect(0)
        .create_async()
        .await;

    let outcome = webhook(&server, 3)?.notify(&notice()?).await;
    moved.assert_async().await;
    elsewhere.assert_async().await;
    assert!(matches!(outcome, Err(NotifyError::Undelivered(_))));
    Ok(())
}

#[tokio::test]
async fn network_errors_are_retried_within_the_bound() -> TestResult {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    drop(listener);
    let notifier = WebhookNotifier::builder(format!("http://{address}/hook"), Secret::new(SECRET))
        .max_retries(2)
        .backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()?;

    match notifier.notify(&notice()?).await {
        Err(NotifyError::Undelivered(why)) => {
            assert!(
                why.contains("3 attempts") && why.contains("network"),
                "{why}"
            );
        }
        other => return Err(format!("expected Undelivered, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out() -> TestResult {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    // Accepts and holds connections without a word.
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let notifier = WebhookNotifier::builder(format!("http://{address}/hook"), Secret::new(SECRET))
        .timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()?;

    let outcome = notifier.notify(&notice()?).await;
    silent.abort();
    match outcome {
        Err(NotifyError::Undelivered(why)) => assert!(why.contains("timed out"), "{why}"),
        other => return Err(format!("expected Undelivered, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn credentials_quoted_in_a_notice_are_masked_in_the_body() -> TestResult {
    let mut server = Server::new_async().await;
    let clean = server
        .mock("POST", "/hook")
        .match_body(Matcher::Regex("access_token=\\[REDACTED\\]".into()))
        .with_status(200)
        .expect(1)
        .create_async()
        .await;
    let mut leaky = notice()?;
    leaky.message = "GET /me?access_token=IGQVJXsecretvalue failed".into();

    webhook(&server, 0)?.notify(&leaky).await?;
    clean.assert_async().await;
    Ok(())
}
