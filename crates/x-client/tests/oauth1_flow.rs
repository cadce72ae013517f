//! The OAuth 1.0a three-legged flow against a mock X: the signed request-token
//! call with its callback, the authorize URL, the callback checks, the signed
//! access-token call with the verifier, refusals without secrets in the error,
//! and `Debug` without secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mockito::Matcher;
use x_client::oauth1::{sign, signature_base_string};
use x_client::{Error, OAuth1Consumer, OAuth1Flow, RequestToken};

const CALLBACK: &str = "http://127.0.0.1:8765/callback";

fn flow(base: &str) -> OAuth1Flow {
    OAuth1Flow::new(
        OAuth1Consumer::new("consumer-key", "consumer-secret-value"),
        &config(base),
        reqwest::Client::new(),
        FakeClock::at(T0),
    )
}

/// The `oauth_*` parameters of an `Authorization: OAuth` header.
fn oauth_params(header: &str) -> Vec<(String, String)> {
    header
        .trim_start_matches("OAuth ")
        .split(", ")
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            let v = v.trim_matches('"');
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                    .next()
                    .unwrap()
                    .1
                    .into_owned()
            };
            (k.to_owned(), decode(v))
        })
        .collect()
}

/// Checks a header's signature as X does, with the secrets it should know.
fn signature_checks(header: &str, url: &str, token_secret: &str) -> bool {
    let params = oauth_params(header);
    let signature = params
        .iter()
        .find(|(k, _)| k == "oauth_signature")
        .unwrap()
        .1
        .clone();
    let signed: Vec<(String, String)> = params
        .into_iter()
        .filter(|(k, _)| k != "oauth_signature")
        .collect();
    let base = signature_base_string("POST", url, &signed);
    sign(&base, "consumer-secret-value", token_secret) == signature
}

#[tokio::test]
async fn the_three_legs_sign_and_carry_what_x_needs() {
    let mut server = mockito::Server::new_async().await;
    let base = server.url();
    let captured = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let keep = captured.clone();
    let request_token = server
        .mock("POST", "/oauth/request_token")
        .match_header(
            "authorization",
            Matcher::Regex(
                r#"oauth_callback="http%3A%2F%2F127\.0\.0\.1%3A8765%2Fcallback""#.into(),
            ),
        )
        .match_header(
            "authorization",
            Matcher::Regex("oauth_consumer_key=\"consumer-key\"".into()),
        )
        .with_body_from_request(move |req| {
            let header = req.header("authorization")[0].to_str().unwrap().to_owned();
            keep.lock().unwrap().push(header);
            b"oauth_token=req-token&oauth_token_secret=req-secret&oauth_callback_confirmed=true"
                .to_vec()
        })
        .create_async()
        .await;
    let flow = flow(&base);
    let request = flow.request_token(CALLBACK).await.unwrap();
    request_token.assert_async().await;
    assert_eq!(request.token, "req-token");
    assert_eq!(request.secret.expose_secret(), "req-secret");
    let header = captured.lock().unwrap()[0].clone();
    assert!(!header.contains("oauth_token="), "no token yet: {header}");
    assert!(signature_checks(
        &header,
        &format!("{base}/oauth/request_token"),
        ""
    ));

    let authorize = flow.authorize_url(&request).unwrap();
    assert_eq!(
        authorize.as_str(),
        format!("{base}/oauth/authorize?oauth_token=req-token")
    );

    let callback = url::Url::parse(&format!(
        "{CALLBACK}?oauth_token=req-token&oauth_verifier=the-verifier"
    ))
    .unwrap();
    let verifier = request.verifier_from_callback(&callback).unwrap();
    assert_eq!(verifier, "the-verifier");

    let keep = captured.clone();
    let access = server
        .mock("POST", "/oauth/access_token")
        .match_header(
            "authorization",
            Matcher::Regex("oauth_token=\"req-token\"".into()),
        )
        .match_header(
            "authorization",
            Matcher::Regex("oauth_verifier=\"the-verifier\"".into()),
        )
        .with_body_from_request(move |req| {
            keep.lock()
                .unwrap()
                .push(req.header("authorization")[0].to_str().unwrap().to_owned());
            b"oauth_token=42-access&oauth_token_secret=access-secret&user_id=42&screen_name=alice_x"
                .to_vec()
        })
        .create_async()
        .await;
    let token = flow.access_token(&request, &verifier).await.unwrap();
    access.assert_async().await;
    assert_eq!(token.token.expose_secret(), "42-access");
    assert_eq!(token.secret.expose_secret(), "access-secret");
    assert_eq!(token.user_id.as_ref().unwrap().as_str(), "42");
    assert_eq!(token.screen_name.as_deref(), Some("alice_x"));
    let header = captured.lock().unwrap()[1].clone();
    assert!(
        signature_checks(&header, &format!("{base}/oauth/access_token"), "req-secret"),
        "signed with the request token's secret"
    );
    let shown = format!("{token:?} {request:?} {flow:?}");
    for secret in [
        "access-secret",
        "req-secret",
        "consumer-secret-value",
        "42-access",
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[tokio::test]
async fn refusals_and_bad_callbacks_are_clear_errors() {
    let mut server = mockito::Server::new_async().await;
    let base = server.url();
    server
        .mock("POST", "/oauth/request_token")
        .with_status(401)
        .with_body(r#"{"errors":[{"code":32,"message":"Could not authenticate you."}]}"#)
        .create_async()
        .await;
    let flow = flow(&base);
    match flow.request_token(CALLBACK).await {
        Err(Error::OAuth { error, description }) => {
            assert_eq!(error, "http_401");
            assert!(description.unwrap().contains("Could not authenticate"));
        }
        other => panic!("{other:?}"),
    }
    server
        .mock("POST", "/oauth/access_token")
        .with_status(401)
        .with_body("Invalid request token. req-secret")
        .create_async()
        .await;
    let request = RequestToken {
        token: "req-token".into(),
        secret: x_client::OAuth1Secret::new("req-secret"),
    };
    let err = flow.access_token(&request, "v").await.unwrap_err();
    assert!(!err.to_string().contains("req-secret"), "{err}");

    let url = |q: &str| url::Url::parse(&format!("{CALLBACK}?{q}")).unwrap();
    assert!(matches!(
        request.verifier_from_callback(&url("denied=req-token")),
        Err(Error::OAuth { .. })
    ));
    assert!(matches!(
        request.verifier_from_callback(&url("oauth_token=other&oauth_verifier=v")),
        Err(Error::StateMismatch)
    ));
    assert!(matches!(
        request.verifier_from_callback(&url("oauth_token=req-token")),
        Err(Error::InvalidInput { .. })
    ));
}
