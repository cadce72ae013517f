//! OAuth 2.0 against a mock token endpoint: the authorize URL, code exchange for
//! public and confidential clients, refresh with rotation through the hook (including
//! losing a race to another process), refresh on 401, and revoke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use async_trait::async_trait;
use common::*;
use mockito::Matcher;
use std::sync::{Arc, Mutex};
use x_client::{
    AccessToken, ClientSecret, Error, HookError, OAuthApp, OAuthClient, RefreshToken, RetryKind,
    Scope, Scopes, TokenHook, TokenSet, UserSession, XClient,
};

const TOKEN_OK: &str = r#"{"token_type":"bearer","expires_in":7200,"access_token":"new-access","scope":"tweet.read users.read tweet.write offline.access","refresh_token":"refresh-2"}"#;

fn app(secret: Option<&str>) -> OAuthApp {
    OAuthApp {
        client_id: "xpost-emulator".into(),
        client_secret: secret.map(ClientSecret::new),
        redirect_uri: "http://127.0.0.1:8765/callback".into(),
    }
}

fn oauth(base: &str, secret: Option<&str>, clock: Arc<FakeClock>) -> OAuthClient {
    OAuthClient::new(&app(secret), &config(base), reqwest::Client::new(), clock).unwrap()
}

#[test]
fn authorize_url_carries_pkce_state_and_scopes() {
    let oauth = oauth("http://127.0.0.1:1/x", None, FakeClock::at(T0));
    let req = oauth.authorize(&Scope::cross_posting());
    let url = &req.url;
    assert_eq!(url.path(), "/x/i/oauth2/authorize");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "xpost-emulator");
    assert_eq!(q["redirect_uri"], "http://127.0.0.1:8765/callback");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(
        q["scope"],
        "tweet.read tweet.write users.read media.write offline.access"
    );
    assert_eq!(q["state"], req.state());
    assert!(format!("{req:?}").contains("verifier: \"[REDACTED]\""));

    let good = url::Url::parse(&format!(
        "http://127.0.0.1:8765/callback?state={}&code=abc",
        req.state()
    ))
    .unwrap();
    assert_eq!(req.code_from_callback(&good).unwrap(), "abc");
    let forged = url::Url::parse("http://127.0.0.1:8765/callback?state=other&code=abc").unwrap();
    assert!(matches!(
        req.code_from_callback(&forged),
        Err(Error::StateMismatch)
    ));
    let denied =
        url::Url::parse("http://127.0.0.1:8765/callback?error=access_denied&state=x").unwrap();
    assert!(matches!(
        req.code_from_callback(&denied),
        Err(Error::OAuth { error, .. }) if error == "access_denied"
    ));
}

#[tokio::test]
async fn public_client_sends_client_id_and_verifier() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/2/oauth2/token")
        .match_header("authorization", Matcher::Missing)
        .match_body(Matcher::AllOf(vec![
            Matcher::UrlEncoded("grant_type".into(), "authorization_code".into()),
            Matcher::UrlEncoded("code".into(), "the-code".into()),
            Matcher::UrlEncoded("client_id".into(), "xpost-emulator".into()),
            Matcher::UrlEncoded(
                "redirect_uri".into(),
                "http://127.0.0.1:8765/callback".into(),
            ),
            Matcher::Regex("code_verifier=[A-Za-z0-9_~.-]{43,128}".into()),
        ]))
        .with_header("content-type", "application/json")
        .with_body(TOKEN_OK)
        .create_async()
        .await;
    let oauth = oauth(&server.url(), None, FakeClock::at(T0));
    let req = oauth.authorize(&Scope::cross_posting());
    let tokens = oauth.exchange_code(req, "the-code").await.unwrap();
    mock.assert_async().await;
    assert_eq!(tokens.access_token.expose_secret(), "new-access");
    assert_eq!(tokens.refresh_token.unwrap().expose_secret(), "refresh-2");
    assert_eq!(tokens.expires_at, Some(at(T0 + 7200)));
    assert!(tokens.scopes.contains(&Scope::TWEET_WRITE));
    assert!(
        !tokens.scopes.contains(&Scope::MEDIA_WRITE),
        "granted, not requested, scopes"
    );
}

#[tokio::test]
async fn confidential_client_uses_basic_auth_and_errors_map() {
    let mut server = mockito::Server::new_async().await;
    // base64("xpost-emulator:xpost-emulator-secret")
    let mock = server
        .mock("POST", "/2/oauth2/token")
        .match_header(
            "authorization",
            "Basic eHBvc3QtZW11bGF0b3I6eHBvc3QtZW11bGF0b3Itc2VjcmV0",
        )
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body(r#"{"error":"invalid_request","error_description":"Value passed for the authorization code was invalid.","errors":[{"code":131,"message":"invalid"}]}"#)
        .create_async()
        .await;
    let oauth = oauth(
        &server.url(),
        Some("xpost-emulator-secret"),
        FakeClock::at(T0),
    );
    let req = oauth.authorize(&[Scope::TWEET_READ]);
    let err = oauth.exchange_code(req, "stale").await.unwrap_err();
    mock.assert_async().await;
    assert!(
        matches!(&err, Error::OAuth { error, description: Some(d) }
            if error == "invalid_request" && d.contains("authorization code")),
        "{err:?}"
    );
    assert_eq!(err.retry_kind(), RetryKind::Never);
}

/// The caller's token store: a compare-and-swap on the refresh token.
#[derive(Default)]
struct Store {
    tokens: Mutex<Option<TokenSet>>,
    rotations: Mutex<u32>,
}

#[async_trait]
impl TokenHook for Store {
    async fn load(&self) -> Result<Option<TokenSet>, HookError> {
        Ok(self.tokens.lock().unwrap().clone())
    }

    async fn rotate(&self, previous: &RefreshToken, next: &TokenSet) -> Result<bool, HookError> {
        let mut stored = self.tokens.lock().unwrap();
        let matches = stored
            .as_ref()
            .and_then(|s| s.refresh_token.as_ref())
            .is_some_and(|r| r.same_as(previous));
        if matches {
            *stored = Some(next.clone());
            *self.rotations.lock().unwrap() += 1;
        }
        Ok(matches)
    }
}

fn set(access: &str, refresh: &str, expires_at: u64) -> TokenSet {
    TokenSet {
        access_token: AccessToken::new(access),
        refresh_token: Some(RefreshToken::new(refresh)),
        expires_at: Some(at(expires_at)),
        scopes: Scopes::parse(ALL_SCOPES),
    }
}

fn session_client(
    base: &str,
    clock: Arc<FakeClock>,
    tokens: TokenSet,
    store: Arc<Store>,
) -> (XClient, Arc<UserSession>) {
    let oauth = OAuthClient::new(
        &app(None),
        &config(base),
        reqwest::Client::new(),
        clock.clone(),
    )
    .unwrap();
    let session = Arc::new(UserSession::refreshing(tokens, oauth, Some(store)));
    let client = XClient::builder()
        .config(config(base))
        .clock(clock)
        .session(session.clone())
        .build()
        .unwrap();
    (client, session)
}

const ME: &str = r#"{"data":{"id":"1","name":"n","username":"u"}}"#;

#[tokio::test]
async fn unauthorized_refreshes_rotates_and_retries_once() {
    let mut server = mockito::Server::new_async().await;
    let stale = server
        .mock("GET", "/2/users/me")
        .match_header("authorization", "Bearer old-access")
        .with_status(401)
        .with_body(
            r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#,
        )
        .expect(1)
        .create_async()
        .await;
    let fresh = server
        .mock("GET", "/2/users/me")
        .match_header("authorization", "Bearer new-access")
        .with_body(ME)
        .expect(1)
        .create_async()
        .await;
    let refresh = server
        .mock("POST", "/2/oauth2/token")
        .match_body(Matcher::AllOf(vec![
            Matcher::UrlEncoded("grant_type".into(), "refresh_token".into()),
            Matcher::UrlEncoded("refresh_token".into(), "refresh-1".into()),
            Matcher::UrlEncoded("client_id".into(), "xpost-emulator".into()),
        ]))
        .with_header("content-type", "application/json")
        .with_body(TOKEN_OK)
        .expect(1)
        .create_async()
        .await;
    let store = Arc::new(Store::default());
    let initial = set("old-access", "refresh-1", T0 + 7200);
    *store.tokens.lock().unwrap() = Some(initial.clone());
    let (client, _) = session_client(&server.url(), FakeClock::at(T0), initial, store.clone());

    assert_eq!(client.me(&[]).await.unwrap().username, "u");
    for m in [stale, fresh, refresh] {
        m.assert_async().await;
    }
    let stored = store.tokens.lock().unwrap().clone().unwrap();
    assert_eq!(stored.refresh_token.unwrap().expose_secret(), "refresh-2");
    assert_eq!(*store.rotations.lock().unwrap(), 1);
    let now = client.tokens().await.unwrap();
    assert_eq!(now.access_token.expose_secret(), "new-access");
}

#[tokio::test]
async fn a_rotation_by_another_process_is_adopted_without_spending_a_token() {
    let mut server = mockito::Server::new_async().await;
    let token = server
        .mock("POST", "/2/oauth2/token")
        .expect(0)
        .create_async()
        .await;
    let me = server
        .mock("GET", "/2/users/me")
        .match_header("authorization", "Bearer other-access")
        .with_body(ME)
        .create_async()
        .await;
    let store = Arc::new(Store::default());
    // Another worker already rotated refresh-1 into refresh-9.
    *store.tokens.lock().unwrap() = Some(set("other-access", "refresh-9", T0 + 7200));
    // Ours is about to expire, so the session refreshes before calling.
    let ours = set("old-access", "refresh-1", T0 + 30);
    let (client, _) = session_client(&server.url(), FakeClock::at(T0), ours, store);
    client.me(&[]).await.unwrap();
    token.assert_async().await;
    me.assert_async().await;
}

#[tokio::test]
async fn losing_the_refresh_race_reloads_instead_of_logging_out() {
    let mut server = mockito::Server::new_async().await;
    let store = Arc::new(Store::default());
    *store.tokens.lock().unwrap() = Some(set("old-access", "refresh-1", T0 + 30));
    let store_for_mock = store.clone();
    // X refuses refresh-1: another process spent it between our load and our call,
    // and stored its result just before answering.
    let token = server
        .mock("POST", "/2/oauth2/token")
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body_from_request(move |_| {
            *store_for_mock.tokens.lock().unwrap() = Some(set("winner-access", "refresh-7", T0 + 7200));
            br#"{"error":"invalid_request","error_description":"Value passed for the token was invalid."}"#.to_vec()
        })
        .expect(1)
        .create_async()
        .await;
    let me = server
        .mock("GET", "/2/users/me")
        .match_header("authorization", "Bearer winner-access")
        .with_body(ME)
        .create_async()
        .await;
    let (client, _) = session_client(
        &server.url(),
        FakeClock::at(T0),
        set("old-access", "refresh-1", T0 + 30),
        store,
    );
    client.me(&[]).await.unwrap();
    token.assert_async().await;
    me.assert_async().await;
}

#[tokio::test]
async fn a_dead_refresh_token_means_reauthorize() {
    let mut server = mockito::Server::new_async().await;
    let _token = server
        .mock("POST", "/2/oauth2/token")
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body(r#"{"error":"invalid_request","error_description":"Value passed for the token was invalid."}"#)
        .create_async()
        .await;
    let _me = server
        .mock("GET", "/2/users/me")
        .with_status(401)
        .with_body(r#"{"title":"Unauthorized","status":401}"#)
        .create_async()
        .await;
    let store = Arc::new(Store::default());
    *store.tokens.lock().unwrap() = Some(set("a", "refresh-1", T0 + 7200));
    let (client, _) = session_client(
        &server.url(),
        FakeClock::at(T0),
        set("a", "refresh-1", T0 + 7200),
        store,
    );
    let err = client.me(&[]).await.unwrap_err();
    assert!(
        matches!(&err, Error::ReauthRequired { reason } if reason.contains("token was invalid")),
        "{err:?}"
    );
    assert_eq!(err.retry_kind(), RetryKind::Reauthorize);
}

#[tokio::test]
async fn fixed_tokens_report_401_as_unauthorized() {
    let mut server = mockito::Server::new_async().await;
    let rec = recorded("v2/errors/unauthorized.401.json");
    let _me = serve(server.mock("GET", "/2/users/me"), &rec)
        .expect(1)
        .create_async()
        .await;
    let client = client(&server.url(), FakeClock::at(T0));
    let err = client.me(&[]).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert_eq!(err.retry_kind(), RetryKind::RefreshAuth);
}

#[tokio::test]
async fn revoke_sends_the_token_and_hint() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/2/oauth2/revoke")
        .match_body(Matcher::AllOf(vec![
            Matcher::UrlEncoded("token".into(), "refresh-1".into()),
            Matcher::UrlEncoded("token_type_hint".into(), "refresh_token".into()),
            Matcher::UrlEncoded("client_id".into(), "xpost-emulator".into()),
        ]))
        .with_header("content-type", "application/json")
        .with_body(r#"{"revoked":true}"#)
        .create_async()
        .await;
    let oauth = oauth(&server.url(), None, FakeClock::at(T0));
    oauth
        .revoke_refresh_token(&RefreshToken::new("refresh-1"))
        .await
        .unwrap();
    mock.assert_async().await;
}
