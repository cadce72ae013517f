//! X OAuth 1.0a: the three-legged flow (`/oauth/request_token`,
//! `/oauth/authorize`, `/oauth/access_token`) and the v1.1 `account/*` profile
//! endpoints that only its user tokens can call.
//!
//! Every request's HMAC-SHA1 signature is checked as X checks it: over the
//! method, the URL as requested (scheme `http`, the `Host` header, the path),
//! the `oauth_*` header parameters, the query and a form body, keyed with the
//! emulator's client secret as the consumer secret and the token's secret. A
//! bad signature, consumer key or token is refused with 401 and X's v1.1 error
//! `{"errors":[{"code":32,"message":"Could not authenticate you."}]}`.
//! Timestamps are not compared with the emulator's clock, which tests move.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde_json::json;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::http::{body_pairs, decode, is_loopback_redirect, parse_pairs, redirect, with_query};
use crate::ids;
use crate::respond::{json, x_v1_unauthenticated};
use crate::state::{Platform, Session, Shared, XAccount};

/// Request tokens live 15 minutes, as X's do.
const REQUEST_LIFE_MS: i64 = 15 * 60 * 1000;
/// The largest avatar `update_profile_image.json` takes: under 700 KB.
const MAX_IMAGE_BYTES: usize = 700 * 1024;
/// A new avatar shows after this delay, as X processes it asynchronously.
const IMAGE_DELAY_MS: i64 = 5_000;

/// A request token on its way through consent.
#[derive(Debug, Clone)]
pub struct RequestToken {
    /// `oauth_token_secret`.
    pub secret: String,
    /// Where consent redirects.
    pub callback: String,
    /// The consenting account and the verifier, once consent was given.
    pub approved: Option<(String, String)>,
    /// When it lapses, Unix ms.
    pub expires_ms: i64,
}

/// An OAuth 1.0a access token.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// `oauth_token_secret`.
    pub secret: String,
    /// The account it acts as.
    pub user_id: String,
}

/// RFC 3986 percent-encoding, as OAuth 1.0a signs.
fn encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The `oauth_*` parameters of an `Authorization: OAuth ...` header.
fn header_params(headers: &HeaderMap) -> Option<Vec<(String, String)>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let rest = value.strip_prefix("OAuth ")?;
    rest.split(',')
        .map(|part| {
            let (k, v) = part.trim().split_once('=')?;
            let v = v.strip_prefix('"')?.strip_suffix('"')?;
            Some((decode(k), decode(v)))
        })
        .filter(|p| p.as_ref().is_none_or(|(k, _)| k != "realm"))
        .collect()
}

/// What a checked request carried.
struct Signed {
    oauth: HashMap<String, String>,
    form: HashMap<String, String>,
}

/// Checks the request's signature with `token_secret` (looked up from its
/// `oauth_token`, or empty when it has none). `None` when it does not check.
fn verify(
    shared: &Shared,
    method: &str,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
    body: &[u8],
    token_secret: impl FnOnce(Option<&str>) -> Option<String>,
) -> Option<Signed> {
    let params = header_params(headers)?;
    let oauth: HashMap<String, String> = params.iter().cloned().collect();
    if oauth.get("oauth_consumer_key") != Some(&shared.config.client_id)
        || oauth.get("oauth_signature_method").map(String::as_str) != Some("HMAC-SHA1")
        || oauth.get("oauth_nonce").is_none_or(String::is_empty)
        || !oauth.contains_key("oauth_timestamp")
    {
        return None;
    }
    let secret = token_secret(oauth.get("oauth_token").map(String::as_str))?;
    let form = body_pairs(headers, body).unwrap_or_default();
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let mut signed: Vec<(String, String)> = params
        .into_iter()
        .filter(|(k, _)| k != "oauth_signature")
        .collect();
    signed.extend(parse_pairs(uri.query().unwrap_or("")));
    if is_form {
        signed.extend(form.clone());
    }
    let mut encoded: Vec<(String, String)> =
        signed.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    encoded.sort();
    let joined = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let url = format!("http://{host}{}", uri.path());
    let base = format!("{method}&{}&{}", encode(&url), encode(&joined));
    let key = format!(
        "{}&{}",
        encode(shared.config.client_secret.expose_secret()),
        encode(&secret)
    );
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).ok()?;
    mac.update(base.as_bytes());
    let expected = STANDARD.decode(oauth.get("oauth_signature")?).ok()?;
    mac.verify_slice(&expected).ok()?;
    Some(Signed { oauth, form })
}

fn form_answer(pairs: &[(&str, &str)]) -> Response {
    let body = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// `POST /x/api/oauth/request_token`.
pub async fn request_token(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(signed) = verify(&shared, "POST", &headers, &uri, &body, |token| {
        token.is_none().then(String::new)
    }) else {
        return x_v1_unauthenticated();
    };
    let callback = signed
        .oauth
        .get("oauth_callback")
        .cloned()
        .unwrap_or_default();
    if !is_loopback_redirect(&callback) {
        return json(
            StatusCode::FORBIDDEN,
            json!({"errors": [{"code": 415, "message": "Callback URL not approved for this client application. Approved callback URLs can be adjusted in your application settings"}]}),
        );
    }
    let now = shared.clock.now_ms();
    let mut world = shared.world();
    world
        .oauth1_requests
        .retain(|_, r: &mut RequestToken| r.expires_ms > now);
    let token = ids::alnum(&mut world.rng, 27);
    let secret = ids::alnum(&mut world.rng, 32);
    world.oauth1_requests.insert(
        token.clone(),
        RequestToken {
            secret: secret.clone(),
            callback,
            approved: None,
            expires_ms: now + REQUEST_LIFE_MS,
        },
    );
    drop(world);
    form_answer(&[
        ("oauth_token", &token),
        ("oauth_token_secret", &secret),
        ("oauth_callback_confirmed", "true"),
    ])
}

/// `GET /x/api/oauth/authorize` (and on `/x/www`): consents as the session's
/// account and redirects to the callback with `oauth_token` and `oauth_verifier`.
pub async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = q.get("oauth_token").cloned().unwrap_or_default();
    let now = shared.clock.now_ms();
    let mut world = shared.world();
    let session = world.sessions.get(&Platform::X).cloned();
    let Some(request) = world
        .oauth1_requests
        .get_mut(&token)
        .filter(|r| r.expires_ms > now)
    else {
        return (
            StatusCode::BAD_REQUEST,
            Html("<html><body><h1>Whoa there!</h1><p>The request token for this page is invalid. It may have already been used, or expired because it is too old.</p></body></html>"),
        )
            .into_response();
    };
    let callback = request.callback.clone();
    match session {
        None => (
            StatusCode::OK,
            Html("<html><body><h1>Sign in to X</h1><p>No account is logged in. Choose one with POST /admin/session.</p></body></html>"),
        )
            .into_response(),
        Some(Session::Deny) => {
            world.oauth1_requests.remove(&token);
            redirect(&with_query(&callback, &[("denied", &token)]))
        }
        Some(Session::Consent(user_id)) => {
            let verifier = ids::alnum(&mut world.rng, 32);
            if let Some(request) = world.oauth1_requests.get_mut(&token) {
                request.approved = Some((user_id, verifier.clone()));
            }
            redirect(&with_query(
                &callback,
                &[("oauth_token", &token), ("oauth_verifier", &verifier)],
            ))
        }
    }
}

/// `POST /x/api/oauth/access_token`.
pub async fn access_token(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = shared.clock.now_ms();
    let Some(signed) = verify(&shared, "POST", &headers, &uri, &body, |token| {
        let world = shared.world();
        world
            .oauth1_requests
            .get(token?)
            .filter(|r| r.expires_ms > now)
            .map(|r| r.secret.clone())
    }) else {
        return x_v1_unauthenticated();
    };
    let token = signed.oauth.get("oauth_token").cloned().unwrap_or_default();
    let verifier = signed
        .oauth
        .get("oauth_verifier")
        .or_else(|| signed.form.get("oauth_verifier"))
        .cloned()
        .unwrap_or_default();
    let mut world = shared.world();
    // A request token is good for one exchange, whatever its outcome.
    let Some(request) = world.oauth1_requests.remove(&token) else {
        return x_v1_unauthenticated();
    };
    let Some((user_id, expected)) = request.approved else {
        return x_v1_unauthenticated();
    };
    if verifier != expected {
        return (
            StatusCode::UNAUTHORIZED,
            "Error processing your OAuth request: Invalid oauth_verifier parameter",
        )
            .into_response();
    }
    let Some(screen_name) = world.x_accounts.get(&user_id).map(|a| a.username.clone()) else {
        return x_v1_unauthenticated();
    };
    let access = format!("{user_id}-{}", ids::alnum(&mut world.rng, 40));
    let secret = ids::alnum(&mut world.rng, 45);
    world.oauth1_tokens.insert(
        access.clone(),
        AccessToken {
            secret: secret.clone(),
            user_id: user_id.clone(),
        },
    );
    drop(world);
    form_answer(&[
        ("oauth_token", &access),
        ("oauth_token_secret", &secret),
        ("user_id", &user_id),
        ("screen_name", &screen_name),
    ])
}

/// The account a v1.1 request acts as, once its signature checks.
fn caller(
    shared: &Shared,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
    body: &[u8],
) -> Option<(String, Signed)> {
    let mut user = None;
    let signed = verify(shared, "POST", headers, uri, body, |token| {
        let world = shared.world();
        let access = world.oauth1_tokens.get(token?)?;
        user = Some(access.user_id.clone());
        Some(access.secret.clone())
    })?;
    Some((user?, signed))
}

fn v1_user(a: &XAccount) -> serde_json::Value {
    json!({
        "id": a.user_id.parse::<u64>().unwrap_or(0),
        "id_str": a.user_id,
        "name": a.name,
        "screen_name": a.username,
        "description": a.description,
        "url": if a.url.is_empty() { serde_json::Value::Null } else { json!(a.url) },
        "profile_image_url_https": format!(
            "https://pbs.twimg.com/profile_images/{}/{}_normal.jpg",
            a.user_id,
            a.profile_image_sha256.as_deref().map_or("default", |s| &s[..16])
        ),
    })
}

fn v1_error(status: StatusCode, code: u32, message: &str) -> Response {
    json(
        status,
        json!({ "errors": [{ "code": code, "message": message }] }),
    )
}

/// `POST /x/api/1.1/account/update_profile.json`: name, url, location, description.
pub async fn update_profile(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((user_id, signed)) = caller(&shared, &headers, &uri, &body) else {
        return x_v1_unauthenticated();
    };
    let get = |k: &str| signed.form.get(k).cloned();
    for (field, max) in [
        ("name", 50),
        ("url", 100),
        ("location", 30),
        ("description", 160),
    ] {
        if get(field).is_some_and(|v| v.chars().count() > max) {
            return v1_error(
                StatusCode::FORBIDDEN,
                120,
                &format!(
                    "Account update failed: {field} is too long (maximum is {max} characters)."
                ),
            );
        }
    }
    let mut world = shared.world();
    let Some(a) = world.x_accounts.get_mut(&user_id) else {
        return x_v1_unauthenticated();
    };
    if let Some(v) = get("name") {
        a.name = v;
    }
    if let Some(v) = get("description") {
        a.description = v;
    }
    if let Some(v) = get("url") {
        a.url = v;
    }
    json(StatusCode::OK, v1_user(a))
}

/// `POST /x/api/1.1/account/update_profile_image.json`: a base64 `image`
/// (GIF, JPEG or PNG under 700 KB) becomes the avatar a few seconds later.
pub async fn update_profile_image(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((user_id, signed)) = caller(&shared, &headers, &uri, &body) else {
        return x_v1_unauthenticated();
    };
    let Some(bytes) = signed
        .form
        .get("image")
        .and_then(|b| STANDARD.decode(b.as_bytes()).ok())
        .filter(|b| !b.is_empty())
    else {
        return v1_error(StatusCode::BAD_REQUEST, 38, "image parameter is missing.");
    };
    let image = bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(b"GIF8");
    if !image || bytes.len() >= MAX_IMAGE_BYTES {
        return v1_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            316,
            "The image is not a GIF, JPEG or PNG under 700 KB.",
        );
    }
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let now = shared.clock.now_ms();
    let mut world = shared.world();
    let Some(a) = world.x_accounts.get_mut(&user_id) else {
        return x_v1_unauthenticated();
    };
    a.pending_image = Some((now + IMAGE_DELAY_MS, sha));
    json(StatusCode::OK, v1_user(a))
}
