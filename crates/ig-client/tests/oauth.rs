//! The OAuth flows against mock api and graph hosts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ig_client::{
    AccessToken, AppCredentials, AuthorizationCode, AuthorizeOptions, Clock, Error, OAuth,
    RetryKind, Scope, Token, TokenKind,
};
use jiff::Timestamp;
use mockito::Matcher;

#[derive(Debug)]
struct FixedClock(Mutex<Timestamp>);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// 2026-03-01T12:00:00Z.
const NOW: Timestamp = Timestamp::constant(1_772_366_400, 0);

fn oauth(server: &mockito::Server) -> OAuth {
    let clock = Arc::new(FixedClock(Mutex::new(NOW)));
    let config = common::builder(server).clock(clock).build().unwrap();
    ig_client::IgClient::new(config)
        .unwrap()
        .oauth(AppCredentials::new("app-id", "app-secret"))
}

#[tokio::test]
async fn authorize_url_carries_every_parameter() {
    let server = mockito::Server::new_async().await;
    let options = AuthorizeOptions {
        state: Some("st4te".into()),
        force_authentication: Some(true),
        ..AuthorizeOptions::default()
    };
    let authorize = oauth(&server)
        .authorize_url(
            "http://127.0.0.1:7000/cb",
            &[Scope::BusinessBasic, Scope::ContentPublish],
            &options,
        )
        .unwrap();
    assert_eq!(authorize.state, "st4te");
    let url = authorize.url;
    assert_eq!(url.path(), "/www/oauth/authorize");
    let params: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(params["client_id"], "app-id");
    assert_eq!(params["redirect_uri"], "http://127.0.0.1:7000/cb");
    assert_eq!(params["response_type"], "code");
    assert_eq!(
        params["scope"],
        "instagram_business_basic,instagram_business_content_publish"
    );
    assert_eq!(params["state"], "st4te");
    assert_eq!(params["force_authentication"], "1");
    assert!(!url.as_str().contains("app-secret"));

    let random = oauth(&server)
        .authorize_url(
            "http://127.0.0.1:7000/cb",
            &[Scope::BusinessBasic],
            &AuthorizeOptions::default(),
        )
        .unwrap();
    assert!(random.state.len() >= 16);
}

#[tokio::test]
async fn code_exchange_documented_and_flat_shapes() {
    let mut server = mockito::Server::new_async().await;
    let form = Matcher::AllOf(vec![
        Matcher::UrlEncoded("client_id".into(), "app-id".into()),
        Matcher::UrlEncoded("client_secret".into(), "app-secret".into()),
        Matcher::UrlEncoded("grant_type".into(), "authorization_code".into()),
        Matcher::UrlEncoded("redirect_uri".into(), "http://127.0.0.1:7000/cb".into()),
        Matcher::UrlEncoded("code".into(), "AQBcode".into()),
    ]);
    let wrapped = server
        .mock("POST", "/api/oauth/access_token")
        .match_body(form.clone())
        .with_body(r#"{"data":[{"access_token":"IGAAshort","user_id":"17841400000000001","permissions":"instagram_business_basic,instagram_business_content_publish"}]}"#)
        .expect(1)
        .create_async()
        .await;
    let client = oauth(&server);
    let token = client
        .exchange_code(
            &AuthorizationCode::new("AQBcode#_".into()),
            "http://127.0.0.1:7000/cb",
        )
        .await
        .unwrap();
    wrapped.assert_async().await;
    assert_eq!(token.access_token.expose(), "IGAAshort");
    assert_eq!(token.kind, TokenKind::ShortLived);
    assert_eq!(
        token.user_id.as_ref().unwrap().as_str(),
        "17841400000000001"
    );
    assert_eq!(token.has_permission(Scope::ContentPublish), Some(true));
    assert_eq!(
        token.expires_at.duration_since(token.issued_at),
        jiff::SignedDuration::from_secs(3600)
    );
    assert_eq!(token.issued_at, NOW);

    server
        .mock("POST", "/api/oauth/access_token")
        .match_body(form)
        .with_body(r#"{"access_token":"IGAAflat","user_id":17841400000000002,"permissions":["instagram_business_basic"]}"#)
        .create_async()
        .await;
    let token = client
        .exchange_code(
            &AuthorizationCode::new("AQBcode".into()),
            "http://127.0.0.1:7000/cb",
        )
        .await
        .unwrap();
    assert_eq!(token.user_id.unwrap().as_str(), "17841400000000002");
}

#[tokio::test]
async fn used_code_gives_the_legacy_error() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("POST", "/api/oauth/access_token")
        .with_status(400)
        .with_body(r#"{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}"#)
        .create_async()
        .await;
    let error = oauth(&server)
        .exchange_code(
            &AuthorizationCode::new("used".into()),
            "http://127.0.0.1:7000/cb",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::OAuth {
                status: 400,
                code: 400,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.retry_kind(), RetryKind::Reauth);
}

#[tokio::test]
async fn a_token_body_that_does_not_parse_is_not_echoed() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("POST", "/api/oauth/access_token")
        .with_body(r#"{"access_token":"IGAAleak"}"#)
        .create_async()
        .await;
    let error = oauth(&server)
        .exchange_code(
            &AuthorizationCode::new("c".into()),
            "http://127.0.0.1:7000/cb",
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::UnexpectedResponse { .. }));
    assert!(!format!("{error:?} {error}").contains("IGAAleak"));
}

#[tokio::test]
async fn long_lived_exchange_and_refresh() {
    let mut server = mockito::Server::new_async().await;
    let exchange = server
        .mock("GET", "/graph/access_token")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("grant_type".into(), "ig_exchange_token".into()),
            Matcher::UrlEncoded("client_secret".into(), "app-secret".into()),
            Matcher::UrlEncoded("access_token".into(), "IGAAshort".into()),
        ]))
        .with_body(r#"{"access_token":"IGAAlong","token_type":"bearer","expires_in":5183944}"#)
        .create_async()
        .await;
    let refresh = server
        .mock("GET", "/graph/refresh_access_token")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("grant_type".into(), "ig_refresh_token".into()),
            Matcher::UrlEncoded("access_token".into(), "IGAAold".into()),
        ]))
        .with_body(r#"{"access_token":"IGAAnew","token_type":"bearer","expires_in":5184000}"#)
        .expect(1)
        .create_async()
        .await;
    let client = oauth(&server);
    let mut short = Token::new(
        AccessToken::new("IGAAshort"),
        TokenKind::ShortLived,
        NOW,
        NOW + Duration::from_secs(3600),
    );
    short.permissions = vec!["instagram_business_basic".into()];
    let long = client.exchange_long_lived(&short).await.unwrap();
    exchange.assert_async().await;
    assert_eq!(
        (long.kind, long.access_token.expose()),
        (TokenKind::LongLived, "IGAAlong")
    );
    assert_eq!(
        long.expires_at.duration_since(long.issued_at),
        jiff::SignedDuration::from_secs(5_183_944)
    );
    assert_eq!(long.permissions, short.permissions);

    let day = Duration::from_secs(24 * 3600);
    let young = Token::new(
        AccessToken::new("IGAAold"),
        TokenKind::LongLived,
        NOW - Duration::from_secs(3600),
        NOW + day * 59,
    );
    assert!(matches!(
        client.refresh(&young).await,
        Err(Error::RefreshNotAllowed(_))
    ));
    let expired = Token::new(
        AccessToken::new("IGAAold"),
        TokenKind::LongLived,
        NOW - day * 61,
        NOW - day,
    );
    assert!(matches!(
        client.refresh(&expired).await,
        Err(Error::RefreshNotAllowed(_))
    ));
    let old_enough = Token::new(
        AccessToken::new("IGAAold"),
        TokenKind::LongLived,
        NOW - day * 2,
        NOW + day * 58,
    );
    let refreshed = client.refresh(&old_enough).await.unwrap();
    refresh.assert_async().await;
    assert_eq!(refreshed.access_token.expose(), "IGAAnew");
    assert_eq!(refreshed.expires_at, NOW + Duration::from_secs(5_184_000));
}

#[tokio::test]
async fn expired_token_on_refresh_is_token_invalid() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/graph/refresh_access_token")
        .match_query(Matcher::Any)
        .with_status(400)
        .with_body(common::graph_error(
            190,
            Some(463),
            "Error validating access token: Session has expired",
        ))
        .create_async()
        .await;
    let day = Duration::from_secs(24 * 3600);
    let token = Token::new(
        AccessToken::new("IGAAold"),
        TokenKind::LongLived,
        NOW - day * 2,
        NOW + day,
    );
    let error = oauth(&server).refresh(&token).await.unwrap_err();
    assert!(error.needs_reauth());
    assert!(!format!("{error:?} {error}").contains("IGAAold"));
}

#[tokio::test]
async fn signed_request_round_trip_through_oauth() {
    let server = mockito::Server::new_async().await;
    let client = oauth(&server);
    let signed = ig_client::signed_request::sign(
        &serde_json::json!({"algorithm": "HMAC-SHA256", "issued_at": 1_700_000_000, "user_id": "218471"}),
        client.credentials(),
    )
    .unwrap();
    assert_eq!(
        client
            .verify_signed_request(&signed)
            .unwrap()
            .user_id
            .as_deref(),
        Some("218471")
    );
    let tampered = format!("{}x", signed);
    assert!(matches!(
        client.verify_signed_request(&tampered),
        Err(Error::InvalidSignedRequest(_))
    ));
}

#[test]
fn a_token_round_trips_through_a_store_and_stays_redacted() {
    let mut token = Token::new(
        AccessToken::new("IGAAstored-secret"),
        TokenKind::LongLived,
        NOW,
        NOW + Duration::from_secs(5_184_000),
    );
    token.user_id = Some("17841400000000001".into());
    token.permissions = vec!["instagram_business_basic".into()];

    let stored = serde_json::to_string(&token).unwrap();
    // The stored shape: a format change must show up here in review.
    assert_eq!(
        stored,
        r#"{"access_token":"IGAAstored-secret","kind":"long_lived","user_id":"17841400000000001","permissions":["instagram_business_basic"],"issued_at":"2026-03-01T12:00:00Z","expires_at":"2026-04-30T12:00:00Z"}"#
    );

    let restored: Token = serde_json::from_str(&stored).unwrap();
    assert_eq!(restored.access_token.expose(), "IGAAstored-secret");
    assert_eq!(
        (
            restored.kind,
            restored.user_id.as_ref(),
            &restored.permissions
        ),
        (token.kind, token.user_id.as_ref(), &token.permissions)
    );
    assert_eq!(
        (restored.issued_at, restored.expires_at),
        (token.issued_at, token.expires_at)
    );
    assert!(!format!("{restored:?}").contains("stored-secret"));

    // Older records without the optional fields still load.
    let minimal: Token = serde_json::from_str(
        r#"{"access_token":"IGAAm","kind":"short_lived","issued_at":"2026-03-01T12:00:00Z","expires_at":"2026-03-01T13:00:00Z"}"#,
    )
    .unwrap();
    assert_eq!((minimal.user_id, minimal.permissions.len()), (None, 0));
}
