//! OAuth 2.0 against a mock token endpoint: the authorize URL, code exchange for
//! public and confidential clients, resuming a stored authorization, refresh with
//! rotation through the hook (including losing a race to another process and a store
//! that fails), refresh on 401 (once for concurrent refusals, re-authorization when a
//! fresh token is refused), token values kept out of errors, and revoke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use async_trait::async_trait;
use common::*;
use mockito::Matcher;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use x_client::{
    AccessToken, ClientSecret, Error, HookError, OAuthApp, OAuthClient, PendingAuthorization,
    RefreshToken, RetryKind, Scope, Scopes, TokenHook, TokenSet, UserSession, XClient,
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
    assert!(format!("{req:?}").contains("verifier: PkceVerifier([REDACTED])"));

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
    /// How many of the next writes fail, as a full disk or a dropped connection would.
    failing_writes: Mutex<u32>,
}

#[async_trait]
impl TokenHook for Store {
    async fn load(&self) -> Result<Option<TokenSet>, HookError> {
        Ok(self.tokens.lock().unwrap().clone())
    }

    async fn rotate(&self, previous: &RefreshToken, next: &TokenSet) -> Result<bool, HookError> {
        {
            let mut failing = self.failing_writes.lock().unwrap();
            if *failing > 0 {
                *failing -= 1;
                return Err("disk full".into());
            }
        }
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
async fn a_race_winner_that_stores_a_moment_later_is_still_adopted() {
    let mut server = mockito::Server::new_async().await;
    let store = Arc::new(Store::default());
    *store.tokens.lock().unwrap() = Some(set("old-access", "refresh-1", T0 + 30));
    let store_for_mock = store.clone();
    // X refuses refresh-1 because another process spent it; that process stores
    // its new pair half a second after our refusal, not before it.
    let token = server
        .mock("POST", "/2/oauth2/token")
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body_from_request(move |_| {
            let store = store_for_mock.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(500));
                *store.tokens.lock().unwrap() = Some(set("winner-access", "refresh-7", T0 + 7200));
            });
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

const UNAUTHORIZED: &str =
    r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#;

fn refused(server: &mut mockito::ServerGuard, bearer: &str) -> mockito::Mock {
    server
        .mock("GET", "/2/users/me")
        .match_header("authorization", format!("Bearer {bearer}").as_str())
        .with_status(401)
        .with_body(UNAUTHORIZED)
}

fn accepted(server: &mut mockito::ServerGuard, bearer: &str) -> mockito::Mock {
    server
        .mock("GET", "/2/users/me")
        .match_header("authorization", format!("Bearer {bearer}").as_str())
        .with_body(ME)
}

fn token_endpoint(server: &mut mockito::ServerGuard) -> mockito::Mock {
    server
        .mock("POST", "/2/oauth2/token")
        .with_header("content-type", "application/json")
        .with_body(TOKEN_OK)
}

/// A refreshing session whose store holds the same `old-access`/`refresh-1` set, and
/// whose next `failing_writes` writes fail.
fn stored_session(base: &str, failing_writes: u32) -> (XClient, Arc<UserSession>, Arc<Store>) {
    let store = Arc::new(Store::default());
    let initial = set("old-access", "refresh-1", T0 + 7200);
    *store.tokens.lock().unwrap() = Some(initial.clone());
    *store.failing_writes.lock().unwrap() = failing_writes;
    let (client, session) = session_client(base, FakeClock::at(T0), initial, store.clone());
    (client, session, store)
}

#[tokio::test]
async fn a_failed_token_write_keeps_the_new_tokens_and_hands_them_to_the_caller() {
    let mut server = mockito::Server::new_async().await;
    let stale = refused(&mut server, "old-access")
        .expect(1)
        .create_async()
        .await;
    let fresh = accepted(&mut server, "new-access")
        .expect(1)
        .create_async()
        .await;
    let refresh = token_endpoint(&mut server).expect(1).create_async().await;
    let (client, session, store) = stored_session(&server.url(), 1);

    let err = client.me(&[]).await.unwrap_err();
    let Error::TokenPersist {
        previous, tokens, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(err.retry_kind(), RetryKind::Backoff);
    assert_eq!(tokens.access_token.expose_secret(), "new-access");
    assert_eq!(
        tokens.refresh_token.as_ref().unwrap().expose_secret(),
        "refresh-2"
    );
    let shown = format!("{err:?} {err}");
    assert!(
        !shown.contains("new-access") && !shown.contains("refresh-2"),
        "{shown}"
    );
    assert_eq!(
        session.tokens().await.access_token.expose_secret(),
        "new-access",
        "the session uses the new tokens although the store failed"
    );

    // The caller stores what the error carries; the next call needs no refresh.
    assert!(store.rotate(previous, tokens).await.unwrap());
    assert_eq!(client.me(&[]).await.unwrap().username, "u");
    for m in [stale, fresh, refresh] {
        m.assert_async().await;
    }
    let stored = store.tokens.lock().unwrap().clone().unwrap();
    assert_eq!(stored.refresh_token.unwrap().expose_secret(), "refresh-2");
}

#[tokio::test]
async fn tokens_the_store_refused_are_written_again_on_the_next_call() {
    let mut server = mockito::Server::new_async().await;
    let _stale = refused(&mut server, "old-access").create_async().await;
    let fresh = accepted(&mut server, "new-access")
        .expect(1)
        .create_async()
        .await;
    let refresh = token_endpoint(&mut server).expect(1).create_async().await;
    let (client, _, store) = stored_session(&server.url(), 1);

    let err = client.me(&[]).await.unwrap_err();
    assert!(matches!(err, Error::TokenPersist { .. }), "{err:?}");
    // The caller ignored the error; the stale set in the store must not be adopted
    // back, and the new one reaches the store.
    assert_eq!(client.me(&[]).await.unwrap().username, "u");
    fresh.assert_async().await;
    refresh.assert_async().await;
    let stored = store.tokens.lock().unwrap().clone().unwrap();
    assert_eq!(stored.access_token.expose_secret(), "new-access");
    assert_eq!(*store.rotations.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_fresh_token_refused_means_reauthorize_not_another_refresh() {
    let mut server = mockito::Server::new_async().await;
    let _stale = refused(&mut server, "old-access").create_async().await;
    let revoked = refused(&mut server, "new-access")
        .expect(1)
        .create_async()
        .await;
    let refresh = token_endpoint(&mut server).expect(1).create_async().await;
    let (client, _, _) = stored_session(&server.url(), 0);

    let err = client.me(&[]).await.unwrap_err();
    assert!(matches!(err, Error::ReauthRequired { .. }), "{err:?}");
    assert_eq!(err.retry_kind(), RetryKind::Reauthorize);
    revoked.assert_async().await;
    refresh.assert_async().await;
}

#[tokio::test]
async fn a_refused_token_without_a_refresh_token_means_reauthorize() {
    let mut server = mockito::Server::new_async().await;
    let _me = refused(&mut server, "a").expect(1).create_async().await;
    let client = XClient::builder()
        .config(config(&server.url()))
        .clock(FakeClock::at(T0))
        .tokens(TokenSet {
            refresh_token: None,
            ..set("a", "unused", T0 + 7200)
        })
        .build()
        .unwrap();
    let err = client.me(&[]).await.unwrap_err();
    assert!(matches!(err, Error::ReauthRequired { .. }), "{err:?}");
}

/// Serves `/2/users/me` and the token endpoint so that two calls both send
/// `old-access` before either is refused, and the second refusal arrives only after
/// the first call has refreshed and retried. Returns the base URL and the number of
/// refreshes.
async fn racing_server() -> (String, Arc<AtomicU32>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let refreshes = Arc::new(AtomicU32::new(0));
    let both_sent = Arc::new(tokio::sync::Barrier::new(2));
    let refused_so_far = Arc::new(AtomicU32::new(0));
    let retried = Arc::new(tokio::sync::Notify::new());
    let counter = refreshes.clone();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let (counter, both_sent, refused_so_far, retried) = (
                counter.clone(),
                both_sent.clone(),
                refused_so_far.clone(),
                retried.clone(),
            );
            tokio::spawn(async move {
                let request = read_request(&mut stream).await;
                let (status, body) = if request.starts_with("POST /2/oauth2/token") {
                    counter.fetch_add(1, Ordering::SeqCst);
                    (200, TOKEN_OK)
                } else if request.contains("Bearer new-access") {
                    retried.notify_one();
                    (200, ME)
                } else {
                    both_sent.wait().await;
                    if refused_so_far.fetch_add(1, Ordering::SeqCst) == 1 {
                        retried.notified().await;
                    }
                    (401, UNAUTHORIZED)
                };
                let answer = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(answer.as_bytes()).await.unwrap();
            });
        }
    });
    (base, refreshes)
}

/// Reads one HTTP/1.1 request (head and `content-length` body) as text.
async fn read_request(stream: &mut tokio::net::TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + length || n == 0 {
                return text;
            }
        } else if n == 0 {
            return text;
        }
    }
}

#[tokio::test]
async fn two_calls_refused_together_rotate_the_refresh_token_once() {
    let (base, refreshes) = racing_server().await;
    let oauth = OAuthClient::new(
        &app(None),
        &config(&base),
        reqwest::Client::new(),
        FakeClock::at(T0),
    )
    .unwrap();
    let session = Arc::new(UserSession::refreshing(
        set("old-access", "refresh-1", T0 + 7200),
        oauth,
        None,
    ));
    let client = XClient::builder()
        .config(config(&base))
        .clock(FakeClock::at(T0))
        .session(session)
        .build()
        .unwrap();
    let (a, b) = tokio::join!(client.me(&[]), client.me(&[]));
    a.unwrap();
    b.unwrap();
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unparsable_token_answer_never_shows_the_tokens() {
    let mut server = mockito::Server::new_async().await;
    let _token = server
        .mock("POST", "/2/oauth2/token")
        .with_header("content-type", "application/json")
        .with_body(r#"{"token_type":"bearer","expires_in":7200,"access_token":987654321987,"refresh_token":"leaked-refresh-value","scope":"tweet.read"}"#)
        .create_async()
        .await;
    let oauth = oauth(&server.url(), None, FakeClock::at(T0));
    let req = oauth.authorize(&[Scope::TWEET_READ]);
    let err = oauth.exchange_code(req, "the-code").await.unwrap_err();
    let shown = format!("{err:?} {err}");
    assert!(
        !shown.contains("987654321987") && !shown.contains("leaked-refresh-value"),
        "{shown}"
    );
    let Error::Decode { body, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(body.contains(r#""access_token":"[REDACTED]""#), "{body}");
    assert!(body.contains(r#""token_type":"bearer""#), "{body}");
    assert!(err.to_string().contains("access_token"), "{err}");
}

#[tokio::test]
async fn a_stored_authorization_is_completed_by_another_client() {
    let first = oauth("http://127.0.0.1:1", None, FakeClock::at(T0));
    let request = first.authorize(&Scope::cross_posting());
    let stored = serde_json::to_string(&request.into_pending()).unwrap();
    drop(first);

    let fields: serde_json::Value = serde_json::from_str(&stored).unwrap();
    let verifier = fields["verifier"].as_str().unwrap().to_owned();
    let state = fields["state"].as_str().unwrap().to_owned();
    assert_eq!(fields["created_at"], "2023-11-14T22:13:20Z");

    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/2/oauth2/token")
        .match_body(Matcher::AllOf(vec![
            Matcher::UrlEncoded("code".into(), "the-code".into()),
            Matcher::UrlEncoded("code_verifier".into(), verifier),
            Matcher::UrlEncoded(
                "redirect_uri".into(),
                "http://127.0.0.1:8765/callback".into(),
            ),
        ]))
        .with_header("content-type", "application/json")
        .with_body(TOKEN_OK)
        .expect(1)
        .create_async()
        .await;
    let second = oauth(&server.url(), None, FakeClock::at(T0 + 60));
    let pending: PendingAuthorization = serde_json::from_str(&stored).unwrap();
    assert!(!format!("{pending:?}").contains(&state));

    let forged = url::Url::parse("http://127.0.0.1:8765/callback?state=other&code=x").unwrap();
    assert!(matches!(
        second.complete(&pending, &forged).await,
        Err(Error::StateMismatch)
    ));
    let callback = url::Url::parse(&format!(
        "http://127.0.0.1:8765/callback?state={state}&code=the-code"
    ))
    .unwrap();
    let tokens = second.complete(&pending, &callback).await.unwrap();
    mock.assert_async().await;
    assert_eq!(tokens.access_token.expose_secret(), "new-access");
}

#[tokio::test]
async fn a_refused_revoke_never_echoes_the_token() {
    let mut server = mockito::Server::new_async().await;
    let _mock = server
        .mock("POST", "/2/oauth2/revoke")
        .with_status(400)
        .with_body("cannot revoke refresh-secret-1")
        .create_async()
        .await;
    let oauth = oauth(&server.url(), None, FakeClock::at(T0));
    let err = oauth
        .revoke_refresh_token(&RefreshToken::new("refresh-secret-1"))
        .await
        .unwrap_err();
    let shown = format!("{err:?} {err}");
    assert!(shown.contains("cannot revoke"), "{shown}");
    assert!(!shown.contains("refresh-secret-1"), "{shown}");
}
