//! X OAuth 2.0: authorize with PKCE, the token endpoint (code and rotating refresh),
//! and revoke. The one app is confidential, so token and revoke calls need Basic auth.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::http::{body_pairs, is_loopback_redirect, redirect, with_query};
use crate::ids;
use crate::respond::json;
use crate::state::{AuthCode, Platform, Revocation, Session, Shared, Token, TokenKind};

/// Every OAuth 2.0 scope X has.
const SCOPES: &[&str] = &[
    "tweet.read",
    "tweet.write",
    "tweet.moderate.write",
    "users.read",
    "users.email",
    "follows.read",
    "follows.write",
    "offline.access",
    "space.read",
    "mute.read",
    "mute.write",
    "like.read",
    "like.write",
    "list.read",
    "list.write",
    "block.read",
    "block.write",
    "bookmark.read",
    "bookmark.write",
    "dm.read",
    "dm.write",
    "media.write",
];

/// Authorization codes live 30 seconds.
const CODE_LIFE_MS: i64 = 30_000;

fn error_page(reason: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<html><body><h1>Something went wrong</h1><p>You weren't able to give access to the App. Go back and try logging in again.</p><!-- {reason} --></body></html>"
        )),
    )
        .into_response()
}

/// `GET /x/www/i/oauth2/authorize`.
pub async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != shared.config.client_id {
        return error_page("unknown client_id");
    }
    let redirect_uri = get("redirect_uri");
    if !is_loopback_redirect(redirect_uri) {
        return error_page("redirect_uri is not registered");
    }
    if get("response_type") != "code" {
        return error_page("response_type must be code");
    }
    let state = get("state");
    if state.is_empty() || state.len() > 500 {
        return error_page("state is required (at most 500 characters)");
    }
    let challenge = get("code_challenge");
    let method = match get("code_challenge_method").to_ascii_lowercase().as_str() {
        "s256" => "S256",
        "plain" => "plain",
        _ => return error_page("code_challenge_method must be S256 or plain"),
    };
    if challenge.is_empty() {
        return error_page("code_challenge is required");
    }
    let scopes: Vec<String> = get("scope")
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() || scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
        return error_page("invalid scope");
    }
    let mut world = shared.world();
    let user_id = match world.sessions.get(&Platform::X).cloned() {
        None => {
            return (
                StatusCode::OK,
                Html("<html><body><h1>Sign in to X</h1><p>No account is logged in. Choose one with POST /admin/session.</p></body></html>"),
            )
                .into_response();
        }
        Some(Session::Deny) => {
            return redirect(&with_query(
                redirect_uri,
                &[("error", "access_denied"), ("state", state)],
            ));
        }
        Some(Session::Consent(id)) => id,
    };
    let now = shared.clock.now_ms();
    world.sweep_codes(now);
    let code = format!("{}OjE6MTphYzox", ids::alnum(&mut world.rng, 72));
    world.codes.insert(
        (Platform::X, code.clone()),
        AuthCode {
            user_id,
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            pkce: Some((challenge.to_owned(), method.to_owned())),
            expires_ms: now + CODE_LIFE_MS,
        },
    );
    drop(world);
    redirect(&with_query(
        redirect_uri,
        &[("state", state), ("code", &code)],
    ))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json(
        status,
        json!({"error": error, "error_description": description,
               "errors": [{"code": error, "message": description}]}),
    )
}

fn unauthorized_client() -> Response {
    oauth_error(
        StatusCode::UNAUTHORIZED,
        "unauthorized_client",
        "Missing valid authorization header",
    )
}

fn unreadable_body() -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "The request body is neither a form nor a JSON object.",
    )
}

/// Whether the request carries Basic auth with the app's id and secret.
fn client_authenticated(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return false;
    };
    let Ok(raw) = STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let raw = String::from_utf8_lossy(&raw);
    let Some((id, secret)) = raw.split_once(':') else {
        return false;
    };
    let id = crate::http::decode(id);
    let secret = crate::http::decode(secret);
    id == shared.config.client_id && shared.config.secret_matches(&secret)
}

/// `POST /x/api/2/oauth2/token`.
pub async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if !client_authenticated(&shared, &headers) {
        return unauthorized_client();
    }
    let Some(f) = body_pairs(&headers, &body) else {
        return unreadable_body();
    };
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let now = shared.clock.now_ms();
    let bad_code = || {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Value passed for the authorization code was invalid.",
        )
    };
    let bad_token = || {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Value passed for the token was invalid.",
        )
    };
    let mut world = shared.world();
    let (user_id, scopes, family) = match get("grant_type") {
        "authorization_code" => {
            // Single use: any attempt spends the code.
            let Some(code) = world.codes.remove(&(Platform::X, get("code").to_owned())) else {
                return bad_code();
            };
            if now >= code.expires_ms {
                return bad_code();
            }
            if code.redirect_uri != get("redirect_uri") {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Value passed for the redirect uri did not match the uri of the authorization code.",
                );
            }
            let verifier = get("code_verifier");
            let ok = match &code.pkce {
                Some((challenge, m)) if m == "S256" => {
                    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == *challenge
                }
                Some((challenge, _)) => verifier == challenge,
                None => false,
            };
            if !ok {
                return bad_code();
            }
            let family = world.next_family;
            world.next_family += 1;
            (code.user_id, code.scopes, family)
        }
        "refresh_token" => {
            let Some(old) = world.tokens.get_mut(get("refresh_token")) else {
                return bad_token();
            };
            if old.platform != Platform::X
                || old.kind != TokenKind::Refresh
                || old.revoked.is_some()
            {
                return bad_token();
            }
            // Rotation: the refresh token works once.
            old.revoked = Some(Revocation::Spent);
            (old.user_id.clone(), old.scopes.clone(), old.family)
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Missing required parameter [grant_type].",
            );
        }
    };
    let ttl = shared.config.x_access_ttl();
    let access = format!("{}OjE6MTphdDox", ids::alnum(&mut world.rng, 72));
    let base = Token {
        platform: Platform::X,
        user_id,
        kind: TokenKind::Access,
        value: access.clone(),
        issued_ms: now,
        expires_ms: Some(now + ttl * 1000),
        revoked: None,
        scopes: scopes.clone(),
        ig_long: false,
        family,
    };
    let max = shared.config.max_tokens;
    world.add_token(base.clone(), max);
    let mut body = json!({
        "token_type": "bearer",
        "expires_in": ttl,
        "access_token": access,
        "scope": scopes.join(" "),
    });
    if scopes.iter().any(|s| s == "offline.access") {
        let refresh = format!("{}OjE6MTpydDox", ids::alnum(&mut world.rng, 72));
        world.add_token(
            Token {
                kind: TokenKind::Refresh,
                value: refresh.clone(),
                expires_ms: None,
                ..base
            },
            max,
        );
        body["refresh_token"] = json!(refresh);
    }
    json(StatusCode::OK, body)
}

/// `POST /x/api/2/oauth2/revoke`: `{"revoked":true}` for any named token, known or not,
/// as OAuth revocation answers; a refresh token takes its whole family (every access
/// token of that authorization) with it. A request naming no token is refused.
pub async fn revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !client_authenticated(&shared, &headers) {
        return unauthorized_client();
    }
    let Some(f) = body_pairs(&headers, &body) else {
        return unreadable_body();
    };
    let Some(value) = f.get("token").filter(|t| !t.is_empty()).cloned() else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter [token].",
        );
    };
    let mut world = shared.world();
    let target = world
        .tokens
        .get(&value)
        .filter(|t| t.platform == Platform::X)
        .map(|t| (t.kind, t.family));
    match target {
        Some((TokenKind::Refresh, family)) => {
            for t in world.tokens.values_mut() {
                if t.platform == Platform::X && t.family == family && t.revoked.is_none() {
                    t.revoked = Some(Revocation::ByApp);
                }
            }
        }
        Some((TokenKind::Access, _)) => {
            if let Some(t) = world.tokens.get_mut(&value) {
                t.revoked.get_or_insert(Revocation::ByApp);
            }
        }
        None => {}
    }
    json(StatusCode::OK, json!({"revoked": true}))
}
