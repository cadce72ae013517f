//! Posts and users against a mock X: success shapes, every error class, retries,
//! the limiter, timeouts, dropped connections and malformed or oversized answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mockito::Matcher;
use serde_json::json;
use std::time::Duration;
use x_client::{
    Endpoint, Error, NewPost, PostFields, RetryKind, TimelineQuery, XClient, XPostId, XUserId,
};

#[tokio::test]
async fn create_post_sends_json_and_exposes_rate_limits() {
    let mut server = mockito::Server::new_async().await;
    let rec = recorded("v2/create_tweet.201.json");
    let mock = serve(
        server
            .mock("POST", "/2/tweets")
            .match_header("authorization", "Bearer token-1")
            .match_header("content-type", "application/json")
            .match_body(Matcher::Json(
                json!({"text": "Test Tweet", "reply": {"in_reply_to_tweet_id": "5"}}),
            )),
        &rec,
    )
    .create_async()
    .await;
    let client = client(&server.url(), FakeClock::at(T0));
    let post = NewPost::builder()
        .text("Test Tweet")
        .reply_to("5")
        .build()
        .unwrap();
    let created = client.create_post(&post).await.unwrap();
    assert_eq!(created.id, XPostId::new("1456012973835788293"));
    assert_eq!(created.text, "Test Tweet");
    mock.assert_async().await;
    let info = client.rate_limit(Endpoint::CreatePost).unwrap();
    let window = info.window.unwrap();
    assert_eq!((window.limit, window.remaining), (200, 199));
    assert_eq!(window.reset, at(1_635_976_418));
}

#[tokio::test]
async fn duplicate_content_is_reported_as_such_and_not_retried() {
    let mut server = mockito::Server::new_async().await;
    let rec = recorded("v2/errors/duplicate_content.403.json");
    let mock = serve(server.mock("POST", "/2/tweets"), &rec)
        .expect(1)
        .create_async()
        .await;
    let client = client(&server.url(), FakeClock::at(T0));
    let err = client
        .create_post(&NewPost::text("again").unwrap())
        .await
        .unwrap_err();
    assert!(err.is_duplicate(), "{err:?}");
    assert_eq!(err.retry_kind(), RetryKind::Never);
    mock.assert_async().await;
}

#[tokio::test]
async fn rate_limited_post_names_the_latest_reset_of_all_windows() {
    let mut server = mockito::Server::new_async().await;
    let far = T0 + 3_600;
    let mock = server
        .mock("POST", "/2/tweets")
        .with_status(429)
        .with_header("x-rate-limit-limit", "100")
        .with_header("x-rate-limit-remaining", "0")
        .with_header("x-rate-limit-reset", &(T0 + 900).to_string())
        .with_header("x-user-limit-24hour-limit", "17")
        .with_header("x-user-limit-24hour-remaining", "0")
        .with_header("x-user-limit-24hour-reset", &far.to_string())
        .with_body(r#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#)
        .expect(1)
        .create_async()
        .await;
    let clock = FakeClock::at(T0);
    let client = client(&server.url(), clock.clone());
    let err = client
        .create_post(&NewPost::text("hi").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.retry_kind(), RetryKind::At(at(far)), "{err:?}");
    let Error::RateLimited { info, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(info.user_24h.unwrap().limit, 17);
    // The limiter now refuses without calling X.
    let again = client
        .create_post(&NewPost::text("hi").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(again, Error::RateLimited { problem: None, .. }),
        "{again:?}"
    );
    mock.assert_async().await;
    assert!(clock.sleeps().is_empty());
}

async fn short_429_then_ok(server: &mut mockito::ServerGuard) -> (mockito::Mock, mockito::Mock) {
    let limited = server
        .mock("GET", "/2/users/me")
        .with_status(429)
        .with_header("x-rate-limit-limit", "75")
        .with_header("x-rate-limit-remaining", "0")
        .with_header("x-rate-limit-reset", &(T0 + 20).to_string())
        .with_body("{}")
        .expect(1)
        .create_async()
        .await;
    let ok = server
        .mock("GET", "/2/users/me")
        .with_status(200)
        .with_body(recorded("v2/users_me.200.json").body.to_string())
        .create_async()
        .await;
    (limited, ok)
}

#[tokio::test]
async fn rate_limit_is_returned_with_its_reset_instead_of_slept_through() {
    let mut server = mockito::Server::new_async().await;
    let (limited, ok) = short_429_then_ok(&mut server).await;
    let clock = FakeClock::at(T0);
    let client = client(&server.url(), clock.clone());
    let err = client.me(&[]).await.unwrap_err();
    let reset = at(T0 + 20);
    assert_eq!(err.retry_kind(), RetryKind::At(reset), "{err:?}");
    // Until the reset the limiter answers locally, again without sleeping.
    let again = client.me(&[]).await.unwrap_err();
    assert!(
        matches!(again, Error::RateLimited { problem: None, until: Some(t), .. } if t == reset),
        "{again:?}"
    );
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
    limited.assert_async().await;
    ok.expect(0).assert_async().await;
}

#[tokio::test]
async fn a_rate_limit_without_a_reset_is_returned_not_backed_off() {
    let mut server = mockito::Server::new_async().await;
    let limited = server
        .mock("GET", "/2/users/me")
        .with_status(429)
        .with_body(r#"{"title":"Too Many Requests"}"#)
        .expect(1)
        .create_async()
        .await;
    let clock = FakeClock::at(T0);
    let client = client(&server.url(), clock.clone());
    let err = client.me(&[]).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { until: None, .. }),
        "{err:?}"
    );
    assert_eq!(err.retry_kind(), RetryKind::Backoff);
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
    limited.assert_async().await;
}

#[tokio::test]
async fn opted_in_sleeping_waits_out_a_short_rate_limit_then_retries() {
    let mut server = mockito::Server::new_async().await;
    let (limited, ok) = short_429_then_ok(&mut server).await;
    let clock = FakeClock::at(T0);
    let client = XClient::builder()
        .config(
            config_builder(&server.url())
                .sleep_on_rate_limit(Duration::from_secs(60))
                .build()
                .unwrap(),
        )
        .clock(clock.clone())
        .tokens(tokens("token-1", ALL_SCOPES))
        .build()
        .unwrap();
    // The first mock answers once; the second takes over after the wait.
    let me = client.me(&[]).await.unwrap();
    assert_eq!(me.username, "TweepyDev");
    limited.assert_async().await;
    ok.assert_async().await;
    let slept: Duration = clock.sleeps().iter().sum();
    assert!(slept >= Duration::from_secs(20), "{slept:?}");
    assert!(slept < Duration::from_secs(21), "{slept:?}");
}

#[tokio::test]
async fn server_errors_retry_reads_with_backoff_but_never_posts() {
    let mut server = mockito::Server::new_async().await;
    let flaky = server
        .mock("GET", "/2/tweets")
        .match_query(Matcher::Any)
        .with_status(503)
        .with_body("upstream")
        .expect(3)
        .create_async()
        .await;
    let clock = FakeClock::at(T0);
    let client = client(&server.url(), clock.clone());
    let err = client
        .lookup_posts(&[XPostId::new("1")], &PostFields::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Server { status: 503, .. }), "{err:?}");
    assert_eq!(err.retry_kind(), RetryKind::Backoff);
    flaky.assert_async().await;
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2, "bounded by max_retries");
    assert!(sleeps.iter().all(|d| *d <= Duration::from_secs(1)));

    let post_fail = server
        .mock("POST", "/2/tweets")
        .with_status(500)
        .expect(1)
        .create_async()
        .await;
    let err = client
        .create_post(&NewPost::text("once").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Server { status: 500, .. }));
    post_fail.assert_async().await;
}

#[tokio::test]
async fn retry_after_on_5xx_beats_the_status() {
    let mut server = mockito::Server::new_async().await;
    let _m = server
        .mock("DELETE", "/2/tweets/9")
        .with_status(503)
        .with_header("retry-after", "120")
        .create_async()
        .await;
    let client = client(&server.url(), FakeClock::at(T0));
    let err = client.delete_post(&XPostId::new("9")).await.unwrap_err();
    assert_eq!(err.retry_kind(), RetryKind::At(at(T0 + 120)));
}

#[tokio::test]
async fn delete_lookup_timeline_and_me() {
    let mut server = mockito::Server::new_async().await;
    let del = serve(
        server.mock("DELETE", "/2/tweets/1456012973835788293"),
        &recorded("v2/delete_tweet.200.json"),
    )
    .create_async()
    .await;
    let lookup = serve(
        server
            .mock("GET", "/2/tweets")
            .match_query(Matcher::AllOf(vec![
                Matcher::UrlEncoded("ids".into(), "506695756406095872".into()),
                Matcher::UrlEncoded("tweet.fields".into(), "public_metrics".into()),
            ])),
        &recorded("v2/tweets_lookup_partial_error_withheld.200.json"),
    )
    .create_async()
    .await;
    let timeline = serve(
        server
            .mock("GET", "/2/users/2244994945/tweets")
            .match_query(Matcher::AllOf(vec![
                Matcher::UrlEncoded("max_results".into(), "5".into()),
                Matcher::UrlEncoded("since_id".into(), "100".into()),
                Matcher::UrlEncoded("start_time".into(), "2025-03-01T12:00:00Z".into()),
                Matcher::UrlEncoded("exclude".into(), "replies,retweets".into()),
            ])),
        &recorded("v2/user_tweets_public_metrics.200.json"),
    )
    .create_async()
    .await;
    let me = serve(
        server
            .mock("GET", "/2/users/me")
            .match_query(Matcher::UrlEncoded(
                "user.fields".into(),
                "description".into(),
            )),
        &recorded("v2/users_me.200.json"),
    )
    .create_async()
    .await;
    let client = client(&server.url(), FakeClock::at(T0));

    assert!(
        client
            .delete_post(&XPostId::new("1456012973835788293"))
            .await
            .unwrap()
    );

    let fields = PostFields {
        tweet_fields: vec!["public_metrics"],
        ..PostFields::default()
    };
    let found = client
        .lookup_posts(&[XPostId::new("506695756406095872")], &fields)
        .await
        .unwrap();
    assert_eq!(found.posts.len(), 1);
    assert_eq!(found.errors.len(), 1, "partial errors are surfaced");
    assert_eq!(
        found.errors[0].resource_id.as_deref(),
        Some("506694458445152256")
    );
    assert!(found.includes.is_some());

    let query = TimelineQuery {
        max_results: 5,
        since_id: Some(XPostId::new("100")),
        start_time: Some("2025-03-01T12:00:00.250Z".parse().unwrap()),
        exclude_replies: true,
        exclude_retweets: true,
        ..TimelineQuery::default()
    };
    let page = client
        .user_posts(&XUserId::new("2244994945"), &query)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 5);
    assert_eq!(page.items[0].public_metrics.unwrap().like_count, 37);
    assert!(page.items[0].created_at.is_some());
    assert_eq!(
        page.next_token(),
        Some("7140dibdnow9c7btw3w3itbygz8uu5pbs45oy6erjc2ls")
    );

    let user = client.me(&["description"]).await.unwrap();
    assert_eq!(user.id, XUserId::new("1072250532645998596"));
    for m in [del, lookup, timeline, me] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn last_page_has_no_cursor_and_empty_lookup_has_no_data() {
    let mut server = mockito::Server::new_async().await;
    let _t = server
        .mock("GET", "/2/users/1/tweets")
        .match_query(Matcher::Any)
        .with_body(r#"{"meta":{"result_count":0}}"#)
        .create_async()
        .await;
    let _l = server
        .mock("GET", "/2/tweets")
        .match_query(Matcher::Any)
        .with_body(r#"{"errors":[{"value":"456","detail":"Could not find tweet with ids: [456].","title":"Not Found Error","resource_type":"tweet","parameter":"ids","resource_id":"456","type":"https://api.x.com/2/problems/resource-not-found"}]}"#)
        .create_async()
        .await;
    let client = client(&server.url(), FakeClock::at(T0));
    let page = client
        .user_posts(&XUserId::new("1"), &TimelineQuery::default())
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.next_token(), None);
    let found = client
        .lookup_posts(&[XPostId::new("456")], &PostFields::default())
        .await
        .unwrap();
    assert!(found.posts.is_empty());
    assert_eq!(found.errors[0].value, Some(json!("456")));
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let client = client("http://127.0.0.1:9", FakeClock::at(T0));
    let too_many: Vec<XPostId> = (0..101).map(|i| XPostId::new(i.to_string())).collect();
    let err = client
        .lookup_posts(&too_many, &PostFields::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: "ids", .. }),
        "{err:?}"
    );
    let q = TimelineQuery {
        max_results: 4,
        ..TimelineQuery::default()
    };
    assert!(client.user_posts(&XUserId::new("1"), &q).await.is_err());
}

#[tokio::test]
async fn bad_request_carries_the_api_detail() {
    let mut server = mockito::Server::new_async().await;
    let _m = server
        .mock("POST", "/2/tweets")
        .with_status(400)
        .with_body(r#"{"errors":[{"parameters":{"text":["x"]},"message":"Your Tweet text is too long."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.x.com/2/problems/invalid-request"}"#)
        .create_async()
        .await;
    let client = client(&server.url(), FakeClock::at(T0));
    let err = client
        .create_post(&NewPost::text("long").unwrap())
        .await
        .unwrap_err();
    let Error::BadRequest { status, problem } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 400);
    assert_eq!(problem.type_name(), Some("invalid-request"));
    assert_eq!(
        problem.errors[0].message.as_deref(),
        Some("Your Tweet text is too long.")
    );
}

#[tokio::test]
async fn forbidden_payment_and_cap_are_distinct() {
    let mut server = mockito::Server::new_async().await;
    let client = client(&server.url(), FakeClock::at(T0));
    let cases = [
        (
            403,
            r#"{"title":"Forbidden","type":"about:blank","status":403,"detail":"You are not permitted to perform this action."}"#,
        ),
        (
            402,
            r#"{"title":"CreditsDepleted","detail":"Your enrolled account does not have any credits","type":"https://api.x.com/2/problems/credits"}"#,
        ),
        (
            429,
            r#"{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.x.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}"#,
        ),
        (
            404,
            r#"{"title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found","detail":"gone"}"#,
        ),
    ];
    for (status, body) in cases {
        let m = server
            .mock("DELETE", "/2/tweets/7")
            .with_status(status)
            .with_body(body)
            .create_async()
            .await;
        let err = client.delete_post(&XPostId::new("7")).await.unwrap_err();
        match status {
            403 => assert!(matches!(err, Error::Forbidden { .. }), "{err:?}"),
            402 => assert!(matches!(err, Error::PaymentRequired { .. }), "{err:?}"),
            429 => assert!(matches!(err, Error::UsageCapped { .. }), "{err:?}"),
            _ => assert!(matches!(err, Error::NotFound { .. }), "{err:?}"),
        }
        assert_eq!(err.retry_kind(), RetryKind::Never);
        m.remove_async().await;
    }
}

#[tokio::test]
async fn missing_scope_is_named_without_a_call() {
    let clock = FakeClock::at(T0);
    let client = XClient::builder()
        .config(config("http://127.0.0.1:9"))
        .clock(clock)
        .tokens(tokens("t", "tweet.read users.read"))
        .build()
        .unwrap();
    let err = client
        .create_post(&NewPost::text("hi").unwrap())
        .await
        .unwrap_err();
    let Error::MissingScope { scope, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(scope.as_str(), "tweet.write");
    assert_eq!(err.retry_kind(), RetryKind::Reauthorize);
}

#[tokio::test]
async fn malformed_and_oversized_answers() {
    let mut server = mockito::Server::new_async().await;
    let _bad = server
        .mock("GET", "/2/users/me")
        .with_body(r#"{"data":{"id":1}}"#)
        .create_async()
        .await;
    let _big = server
        .mock("GET", "/2/tweets")
        .match_query(Matcher::Any)
        .with_body(format!(r#"{{"data":[],"pad":"{}"}}"#, "x".repeat(4096)))
        .create_async()
        .await;
    let cfg = config_builder(&server.url())
        .max_response_bytes(1024usize)
        .build()
        .unwrap();
    let client = XClient::builder()
        .config(cfg)
        .clock(FakeClock::at(T0))
        .tokens(tokens("t", ALL_SCOPES))
        .build()
        .unwrap();
    let err = client.me(&[]).await.unwrap_err();
    let Error::Decode { body, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(body.contains("\"id\":1"), "raw body kept");
    let err = client
        .lookup_posts(&[XPostId::new("1")], &PostFields::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1024 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn dropped_connections_and_timeouts_are_transient() {
    // A server that accepts and hangs up at once.
    let dropper = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let drop_addr = dropper.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = dropper.accept().await {
            drop(sock);
        }
    });
    // A server that accepts and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            held.push(sock);
        }
    });

    let clock = FakeClock::at(T0);
    let client = client(&format!("http://{drop_addr}"), clock.clone());
    let err = client.me(&[]).await.unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert_eq!(err.retry_kind(), RetryKind::Backoff);
    assert_eq!(clock.sleeps().len(), 2, "a GET is retried, boundedly");

    let cfg = config_builder(&format!("http://{silent_addr}"))
        .request_timeout(Duration::from_millis(200))
        .retry(x_client::RetryPolicy {
            max_retries: 0,
            ..x_client::RetryPolicy::default()
        })
        .build()
        .unwrap();
    let client = XClient::builder()
        .config(cfg)
        .clock(FakeClock::at(T0))
        .tokens(tokens("t", ALL_SCOPES))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.me(&[]).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

fn timeline_page(ids: &[&str], next: Option<&str>) -> String {
    let data: Vec<_> = ids
        .iter()
        .map(|id| json!({"id": id, "text": format!("post {id}"), "edit_history_tweet_ids": [id]}))
        .collect();
    let mut meta = json!({"result_count": ids.len()});
    if let Some(next) = next {
        meta["next_token"] = json!(next);
    }
    json!({"data": data, "meta": meta}).to_string()
}

async fn timeline_mock(
    server: &mut mockito::ServerGuard,
    token: Option<&str>,
    status: usize,
    body: String,
) -> mockito::Mock {
    let query = match token {
        Some(t) => Matcher::UrlEncoded("pagination_token".into(), t.into()),
        None => Matcher::Regex("^max_results=100&tweet\\.fields=".into()),
    };
    server
        .mock("GET", "/2/users/7/tweets")
        .match_query(query)
        .with_status(status)
        .with_body(body)
        .expect(1)
        .create_async()
        .await
}

#[tokio::test]
async fn timeline_streams_every_page_until_next_token_is_absent() {
    use futures::TryStreamExt;
    let mut server = mockito::Server::new_async().await;
    let mocks = vec![
        timeline_mock(
            &mut server,
            None,
            200,
            timeline_page(&["5", "4"], Some("t2")),
        )
        .await,
        timeline_mock(
            &mut server,
            Some("t2"),
            200,
            timeline_page(&["3", "2"], Some("t3")),
        )
        .await,
        timeline_mock(&mut server, Some("t3"), 200, timeline_page(&["1"], None)).await,
    ];
    let client = client(&server.url(), FakeClock::at(T0));
    let posts: Vec<_> = client
        .user_posts_stream(XUserId::new("7"), TimelineQuery::default())
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["5", "4", "3", "2", "1"]);
    for m in mocks {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn timeline_stream_resumes_from_a_token_and_ends_with_its_error() {
    use futures::StreamExt;
    let mut server = mockito::Server::new_async().await;
    let first = timeline_mock(
        &mut server,
        Some("t2"),
        200,
        timeline_page(&["3"], Some("t3")),
    )
    .await;
    let broken = timeline_mock(
        &mut server,
        Some("t3"),
        400,
        r#"{"title":"Invalid Request","detail":"bad token"}"#.into(),
    )
    .await;
    let client = client(&server.url(), FakeClock::at(T0));
    let query = TimelineQuery {
        pagination_token: Some("t2".into()),
        ..TimelineQuery::default()
    };
    let mut pages = std::pin::pin!(client.user_posts_pages(XUserId::new("7"), query));
    let page = pages.next().await.unwrap().unwrap();
    assert_eq!(page.next_token(), Some("t3"), "the cursor to persist");
    let err = pages.next().await.unwrap().unwrap_err();
    assert!(
        matches!(err, Error::BadRequest { status: 400, .. }),
        "{err:?}"
    );
    assert!(pages.next().await.is_none(), "nothing after the error");
    first.assert_async().await;
    broken.assert_async().await;
}
