//! Instagram Business Login: the authorize page, the code exchange (legacy error shape),
//! and the graph-host long-lived exchange and refresh.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::http::{is_loopback_redirect, parse_pairs, redirect, with_query};
use crate::ids;
use crate::respond::{GraphError, json};
use crate::state::{AuthCode, Platform, Session, Shared, Token, TokenKind};

/// Every scope Business Login for Instagram has.
const SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
    "instagram_business_manage_messages",
    "instagram_business_manage_insights",
];

fn legacy(message: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        json!({"error_type": "OAuthException", "code": 400, "error_message": message}),
    )
}

/// `GET /instagram/www/oauth/authorize`: consents (or denies) at once as the admin session.
pub async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != shared.config.client_id {
        return legacy("Invalid platform app");
    }
    let redirect_uri = get("redirect_uri");
    if !is_loopback_redirect(redirect_uri) {
        return legacy("Invalid redirect_uri");
    }
    if get("response_type") != "code" {
        return legacy("Invalid response_type: only code is supported");
    }
    let scopes: Vec<String> = get("scope")
        .split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return legacy(&format!("Invalid Scopes: {bad}"));
    }
    let state = q.get("state").cloned();
    let mut world = shared.world();
    let session = world.sessions.get(&Platform::Instagram).cloned();
    let user_id = match session {
        None => {
            return (
                StatusCode::OK,
                Html("<html><body><h1>Log in to Instagram</h1><p>No account is logged in. Choose one with POST /admin/session.</p></body></html>"),
            )
                .into_response();
        }
        Some(Session::Deny) => {
            let mut pairs = vec![
                ("error", "access_denied"),
                ("error_reason", "user_denied"),
                ("error_description", "The user denied your request"),
            ];
            if let Some(s) = state.as_deref() {
                pairs.push(("state", s));
            }
            return redirect(&format!("{}#_", with_query(redirect_uri, &pairs)));
        }
        Some(Session::Consent(user_id)) => user_id,
    };
    let now = shared.clock.now_ms();
    world.sweep_codes(now);
    let code = format!("AQB{}", ids::alnum(&mut world.rng, 120));
    world.codes.insert(
        (Platform::Instagram, code.clone()),
        AuthCode {
            user_id,
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            pkce: None,
            expires_ms: now + 3_600_000,
        },
    );
    drop(world);
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = state.as_deref() {
        pairs.push(("state", s));
    }
    redirect(&format!("{}#_", with_query(redirect_uri, &pairs)))
}

/// Reads form fields from an urlencoded or multipart body.
async fn form_fields(req: axum::extract::Request) -> HashMap<String, String> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    if multipart {
        let mut out = HashMap::new();
        if let Ok(mut mp) = Multipart::from_request(req, &()).await {
            while let Ok(Some(field)) = mp.next_field().await {
                let name = field.name().unwrap_or("").to_owned();
                if let Ok(text) = field.text().await {
                    out.insert(name, text);
                }
            }
        }
        return out;
    }
    match axum::body::to_bytes(req.into_body(), 64 * 1024).await {
        Ok(body) => parse_pairs(&String::from_utf8_lossy(&body)),
        Err(_) => HashMap::new(),
    }
}

/// `POST /instagram/api/oauth/access_token`: code → short-lived token.
pub async fn exchange_code(
    State(shared): State<Arc<Shared>>,
    req: axum::extract::Request,
) -> Response {
    let f = form_fields(req).await;
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != shared.config.client_id {
        return legacy("Invalid platform app");
    }
    if !shared.config.secret_matches(get("client_secret")) {
        return legacy("Error validating client secret.");
    }
    if get("grant_type") != "authorization_code" {
        return legacy("Invalid grant_type");
    }
    let now = shared.clock.now_ms();
    let mut world = shared.world();
    let key = (Platform::Instagram, get("code").to_owned());
    let Some(code) = world.codes.get(&key).cloned() else {
        return legacy("Matching code was not found or was already used");
    };
    if code.redirect_uri != get("redirect_uri") {
        return legacy(
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        );
    }
    // Single use: spent even when it turns out to be expired.
    world.codes.remove(&key);
    if now >= code.expires_ms {
        return legacy("Matching code was not found or was already used");
    }
    let value = format!("IGAA{}", ids::alnum(&mut world.rng, 150));
    let token = Token {
        platform: Platform::Instagram,
        user_id: code.user_id.clone(),
        kind: TokenKind::Access,
        value: value.clone(),
        issued_ms: now,
        expires_ms: Some(now + shared.config.ig_short_ttl() * 1000),
        revoked: None,
        scopes: code.scopes.clone(),
        ig_long: false,
        family: 0,
    };
    world.add_token(token, shared.config.max_tokens);
    drop(world);
    let permissions = code.scopes.join(",");
    if shared.config.ig_flat_token_response {
        let numeric: serde_json::Value = code
            .user_id
            .parse::<u64>()
            .map_or_else(|_| json!(code.user_id), |n| json!(n));
        json(
            StatusCode::OK,
            json!({"access_token": value, "user_id": numeric, "permissions": code.scopes}),
        )
    } else {
        json(
            StatusCode::OK,
            json!({"data": [{"access_token": value, "user_id": code.user_id, "permissions": permissions}]}),
        )
    }
}

/// `GET /access_token?grant_type=ig_exchange_token`: short-lived → long-lived.
pub fn exchange_long(
    shared: &Shared,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Response {
    let now = shared.clock.now_ms();
    if q.get("grant_type").map(String::as_str) != Some("ig_exchange_token") {
        return GraphError::oauth(100, "(#100) Invalid grant_type").into_response_at(now);
    }
    if !shared
        .config
        .secret_matches(q.get("client_secret").map(String::as_str).unwrap_or(""))
    {
        return GraphError::oauth(1, "Error validating client secret.").into_response_at(now);
    }
    let token = super::auth::token_of(None, headers).or_else(|| q.get("access_token").cloned());
    let old = match super::auth::check_token(shared, token.as_deref()) {
        Ok(t) => t,
        Err(e) => return e.into_response_at(now),
    };
    if old.ig_long {
        return GraphError::oauth(
            100,
            "(#100) Only a short-lived access token can be exchanged for a long-lived one",
        )
        .into_response_at(now);
    }
    issue_long(shared, &old)
}

/// `GET /refresh_access_token?grant_type=ig_refresh_token`: a new 60-day life.
pub fn refresh(shared: &Shared, q: &HashMap<String, String>, headers: &HeaderMap) -> Response {
    let now = shared.clock.now_ms();
    if q.get("grant_type").map(String::as_str) != Some("ig_refresh_token") {
        return GraphError::oauth(100, "(#100) Invalid grant_type").into_response_at(now);
    }
    let token = q
        .get("access_token")
        .cloned()
        .or_else(|| super::auth::token_of(None, headers));
    let old = match super::auth::check_token(shared, token.as_deref()) {
        Ok(t) => t,
        Err(e) => return e.into_response_at(now),
    };
    if !old.ig_long {
        return GraphError::oauth(
            100,
            "(#100) Only a long-lived access token can be refreshed",
        )
        .into_response_at(now);
    }
    if !old.scopes.iter().any(|s| s == "instagram_business_basic") {
        return GraphError::oauth(
            10,
            "(#10) The instagram_business_basic permission is required to refresh this token",
        )
        .into_response_at(now);
    }
    let age_s = (now - old.issued_ms) / 1000;
    if age_s < shared.config.ig_min_refresh_age() {
        return GraphError::oauth(
            100,
            format!(
                "(#100) The access token can be refreshed only once it is at least {} seconds old",
                shared.config.ig_min_refresh_age()
            ),
        )
        .into_response_at(now);
    }
    issue_long(shared, &old)
}

fn issue_long(shared: &Shared, old: &Token) -> Response {
    let now = shared.clock.now_ms();
    let ttl = shared.config.ig_long_ttl();
    let mut world = shared.world();
    let value = format!("IGAA{}", ids::alnum(&mut world.rng, 150));
    world.add_token(
        Token {
            value: value.clone(),
            issued_ms: now,
            expires_ms: Some(now + ttl * 1000),
            ig_long: true,
            revoked: None,
            ..old.clone()
        },
        shared.config.max_tokens,
    );
    drop(world);
    json(
        StatusCode::OK,
        json!({"access_token": value, "token_type": "bearer", "expires_in": ttl}),
    )
}
