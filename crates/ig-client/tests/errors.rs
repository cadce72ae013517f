//! Each error class, as it arrives over HTTP, maps to what a caller acts on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{graph_error, user};
use ig_client::{DEFAULT_THROTTLE_WAIT, Error, RetryKind, TokenProblem};
use mockito::Matcher;

/// Serves one error for `/me`, calls it, and checks how many requests were made.
async fn me_error(status: usize, body: String, headers: &[(&str, &str)], requests: usize) -> Error {
    let mut server = mockito::Server::new_async().await;
    let mut mock = server
        .mock("GET", "/graph/v24.0/me")
        .match_query(Matcher::Any)
        .with_status(status)
        .with_body(body)
        .expect(requests);
    for (name, value) in headers {
        mock = mock.with_header(*name, value);
    }
    let mock = mock.create_async().await;
    let error = user(&server).me().await.unwrap_err();
    mock.assert_async().await;
    error
}

#[tokio::test]
async fn expired_and_password_changed_tokens_need_reauth() {
    for (subcode, problem) in [
        (463, TokenProblem::Expired),
        (460, TokenProblem::PasswordChanged),
        (458, TokenProblem::AppRemoved),
    ] {
        let error = me_error(
            400,
            graph_error(190, Some(subcode), "Error validating access token"),
            &[],
            1,
        )
        .await;
        assert!(
            matches!(error, Error::TokenInvalid { problem: p, .. } if p == problem),
            "{error:?}"
        );
        assert_eq!(error.retry_kind(), RetryKind::Reauth);
    }
    let error = me_error(
        400,
        graph_error(
            190,
            None,
            "Invalid OAuth access token - Cannot parse access token",
        ),
        &[],
        1,
    )
    .await;
    assert!(matches!(
        error,
        Error::TokenInvalid {
            problem: TokenProblem::Invalid,
            ..
        }
    ));
}

#[tokio::test]
async fn missing_permission_is_named() {
    let error = me_error(
        403,
        graph_error(
            10,
            None,
            "(#10) Application does not have permission for this action: instagram_business_basic",
        ),
        &[],
        1,
    )
    .await;
    assert!(
        matches!(error, Error::PermissionMissing { permission: Some(ref p), .. } if p == "instagram_business_basic"),
        "{error:?}"
    );
}

#[tokio::test]
async fn rate_limit_uses_the_usage_headers_and_is_not_retried() {
    let usage = r#"{"17841400000000001":[{"type":"instagram","call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":19}]}"#;
    for code in [4, 17, 32, 613] {
        let error = me_error(
            400,
            graph_error(code, None, "(#4) Application request limit reached"),
            &[("x-business-use-case-usage", usage)],
            1,
        )
        .await;
        assert_eq!(
            error.retry_kind(),
            RetryKind::After(Duration::from_secs(19 * 60)),
            "{code}"
        );
    }
}

#[tokio::test]
async fn throttles_without_a_regain_time_wait_minutes_and_are_not_retried() {
    // Calls made while throttled extend the block: one request, then minutes.
    for (status, code) in [(403, 4), (403, 17), (400, 32), (400, 613), (400, 80_002)] {
        let error = me_error(
            status,
            graph_error(code, None, "User request limit reached"),
            &[],
            1,
        )
        .await;
        assert!(
            matches!(
                error,
                Error::RateLimited {
                    retry_after: None,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            error.retry_kind(),
            RetryKind::After(DEFAULT_THROTTLE_WAIT),
            "{code}"
        );
    }
    let error = me_error(429, "Too Many Requests".to_owned(), &[], 1).await;
    assert!(
        matches!(error, Error::RateLimited { source: None, .. }),
        "{error:?}"
    );
    assert_eq!(error.retry_kind(), RetryKind::After(DEFAULT_THROTTLE_WAIT));

    // A header that says "under a minute" still keeps us away for one.
    let usage = r#"{"call_count":100,"total_cputime":5,"total_time":5,"estimated_time_to_regain_access":0}"#;
    let error = me_error(
        400,
        graph_error(4, None, "(#4) Application request limit reached"),
        &[("x-app-usage", usage)],
        1,
    )
    .await;
    assert_eq!(
        error.retry_kind(),
        RetryKind::After(Duration::from_secs(60))
    );
}

#[tokio::test]
async fn transient_errors_are_retried_a_bounded_number_of_times() {
    let error = me_error(
        500,
        graph_error(2, None, "Service temporarily unavailable"),
        &[],
        3,
    )
    .await;
    assert!(matches!(error, Error::Transient { .. }));
    // One attempt plus the configured two retries.

    let error = me_error(502, "<html>Bad Gateway</html>".to_owned(), &[], 3).await;
    assert!(matches!(
        error,
        Error::UnexpectedResponse { status: 502, .. }
    ));
    assert_eq!(error.retry_kind(), RetryKind::Backoff);
}

#[tokio::test]
async fn a_transient_failure_then_success_recovers() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/graph/v24.0/me")
        .match_query(Matcher::Any)
        .with_status(500)
        .with_body(graph_error(1, None, "An unknown error occurred"))
        .expect(1)
        .create_async()
        .await;
    server
        .mock("GET", "/graph/v24.0/me")
        .match_query(Matcher::Any)
        .with_body(r#"{"id":"1"}"#)
        .create_async()
        .await;
    assert_eq!(user(&server).me().await.unwrap().id.as_str(), "1");
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let error = me_error(
        400,
        graph_error(
            100,
            None,
            "(#100) Tried accessing nonexisting field (bogus)",
        ),
        &[],
        1,
    )
    .await;
    assert!(matches!(error, Error::BadRequest { .. }));
    assert_eq!(error.retry_kind(), RetryKind::Never);
    let graph = error.graph_error().unwrap();
    assert_eq!(
        (graph.code, graph.status, graph.fbtrace_id.as_deref()),
        (100, 400, Some("AbC+/x"))
    );
}

#[tokio::test]
async fn a_silent_server_times_out() {
    // A loopback listener that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let config = ig_client::Config::builder()
        .graph_base(format!("http://{address}"))
        .timeout(Duration::from_millis(200))
        .retry(ig_client::RetryPolicy {
            max_retries: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        })
        .build()
        .unwrap();
    let client = ig_client::IgClient::new(config)
        .unwrap()
        .user(ig_client::AccessToken::new(common::TOKEN));
    let started = Instant::now();
    let error = client.me().await.unwrap_err();
    assert!(
        matches!(error, Error::Network { timeout: true, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(!format!("{error:?} {error}").contains(common::TOKEN));
    hold.abort();
}
