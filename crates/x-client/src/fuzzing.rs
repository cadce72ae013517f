//! Invariant checks on everything this crate parses from the network, shared by
//! the `cargo fuzz` targets in `fuzz/` and the corpus replay test, so the kept
//! corpus guards the same properties in every `cargo test`.
//!
//! Each function takes arbitrary bytes and panics only when a property breaks;
//! input that fails to parse is fine as long as it fails cleanly. Only built
//! with the `fuzzing` feature.

use jiff::Timestamp;
use oauth2::basic::BasicTokenResponse;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::media::{MediaInfo, ProcessingInfo};
use crate::model::{Envelope, Post, User, V1User};
use crate::{CreatedPost, PendingAuthorization, RateLimitInfo, TokenSet};

/// Runs the JSON-model check the first byte selects on the rest: a post, a
/// timeline page, a user, media upload and status answers, an error body, a
/// token answer or rate-limit headers.
pub fn json_models(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 9 {
        0 => envelope::<Post>(rest),
        1 => envelope::<Vec<Post>>(rest),
        2 => {
            envelope::<User>(rest);
            round_trip::<V1User>(rest);
        }
        3 => {
            envelope::<MediaInfo>(rest);
            round_trip::<MediaInfo>(rest);
            round_trip::<ProcessingInfo>(rest);
        }
        4 => {
            envelope::<CreatedPost>(rest);
        }
        5 => error_body(selector, rest),
        6 => token_answer(rest),
        7 => stored_tokens(rest),
        _ => rate_limit_headers(rest),
    }
}

/// Whatever deserializes must serialize and deserialize back to itself.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(body: &[u8]) {
    let Ok(first) = serde_json::from_slice::<T>(body) else {
        return;
    };
    let json = match serde_json::to_string(&first) {
        Ok(json) => json,
        Err(e) => panic!("{first:?} parsed but does not serialize: {e}"),
    };
    match serde_json::from_str::<T>(&json) {
        Ok(second) => assert!(
            first == second || same_json(&to_value(&first), &to_value(&second)),
            "round trip through {json}: {first:?} became {second:?}"
        ),
        Err(e) => panic!("{json} does not parse back: {e}"),
    }
}

fn to_value<T: Serialize + std::fmt::Debug>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("{value:?} does not serialize: {e}"))
}

/// An envelope round-trips: data, expansions, partial errors and paging.
fn envelope<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(body: &[u8]) {
    let Ok(first) = serde_json::from_slice::<Envelope<T>>(body) else {
        return;
    };
    let json = match serde_json::to_string(&first) {
        Ok(json) => json,
        Err(e) => panic!("{first:?} parsed but does not serialize: {e}"),
    };
    let second = match serde_json::from_str::<Envelope<T>>(&json) {
        Ok(second) => second,
        Err(e) => panic!("{json} does not parse back: {e}"),
    };
    let same = first.data == second.data
        && first.includes == second.includes
        && first.errors == second.errors
        && first.meta == second.meta;
    assert!(
        same || same_json(&to_value(&first), &to_value(&second)),
        "round trip through {json}: {first:?} became {second:?}"
    );
}

/// Any status and body classify into an error with retry advice, text and
/// Debug output; a 429 never asks to wait before it came.
fn error_body(selector: u8, body: &[u8]) {
    let status = [400, 401, 402, 403, 404, 429, 500, 503][usize::from(selector / 9) % 8];
    let now = Timestamp::UNIX_EPOCH;
    let error = Error::from_response(status, RateLimitInfo::default(), body, now);
    let _ = error.retry_kind();
    let _ = error.not_sent();
    let _ = error.is_duplicate();
    let _ = error.to_string();
    let _ = format!("{error:?}");
}

/// A token answer either becomes tokens or a decode error that repeats no
/// value of the body (any of them may be a working token).
fn token_answer(body: &[u8]) {
    if let Err(source) = serde_json::from_slice::<BasicTokenResponse>(body) {
        let error = crate::oauth::token_decode_error(".", &source, body, &[]);
        assert_withheld(body, &error);
    }
}

/// Asserts that no value of a token-endpoint `body` that may be a secret
/// (every string and number outside the harmless keys such as `token_type`)
/// shows in `error`'s messages or `Debug`; for a body that is not JSON, no long
/// run of token-like characters.
pub fn assert_withheld(body: &[u8], error: &(dyn std::error::Error + 'static)) {
    let mut shown = format!("{error:?}");
    let mut current = Some(error);
    while let Some(e) = current {
        shown.push('\n');
        shown.push_str(&e.to_string());
        current = e.source();
    }
    let secrets: Vec<String> = if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
        crate::redact::token_body(body).1
    } else {
        String::from_utf8_lossy(body)
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map(str::to_owned)
            .collect()
    };
    for secret in secrets.iter().filter(|s| s.len() >= 12) {
        assert!(
            !shown.contains(secret.as_str()),
            "{secret:?} shows in the error: {shown}"
        );
    }
}

/// Stored token sets read back to the same tokens, and their `Debug` never
/// shows a token.
fn stored_tokens(body: &[u8]) {
    let Ok(first) = serde_json::from_slice::<TokenSet>(body) else {
        return;
    };
    let json = match serde_json::to_string(&first) {
        Ok(json) => json,
        Err(e) => panic!("a token set parsed but does not serialize: {e}"),
    };
    let second = match serde_json::from_str::<TokenSet>(&json) {
        Ok(second) => second,
        Err(e) => panic!("{json} does not parse back: {e}"),
    };
    assert!(first.access_token.same_as(&second.access_token));
    match (&first.refresh_token, &second.refresh_token) {
        (Some(a), Some(b)) => assert!(a.same_as(b)),
        (None, None) => {}
        _ => panic!("the refresh token was lost or invented through {json}"),
    }
    assert_eq!(first.expires_at, second.expires_at);
    assert_eq!(first.scopes, second.scopes);
    let shown = format!("{first:?}");
    for secret in [Some(&first.access_token).map(|t| t.expose_secret())]
        .into_iter()
        .chain([first.refresh_token.as_ref().map(|t| t.expose_secret())])
        .flatten()
    {
        if secret.len() >= 8 {
            assert!(!shown.contains(secret), "Debug shows a token: {shown}");
        }
    }
}

/// The rate-limit headers parse from any value; a 429's retry time is never
/// earlier than what a used-up window says.
fn rate_limit_headers(data: &[u8]) {
    const NAMES: [&str; 10] = [
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
        "x-user-limit-24hour-limit",
        "x-user-limit-24hour-remaining",
        "x-user-limit-24hour-reset",
        "x-app-limit-24hour-limit",
        "x-app-limit-24hour-remaining",
        "x-app-limit-24hour-reset",
        "retry-after",
    ];
    let mut headers = HeaderMap::new();
    for (name, value) in NAMES.iter().zip(data.split(|&b| b == 0)) {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    let info = RateLimitInfo::from_headers(&headers);
    let now = Timestamp::UNIX_EPOCH;
    let retry = info.retry_at(now);
    if let Some(blocked) = info.blocked_until(now) {
        assert!(
            retry >= Some(blocked),
            "retry before the block ends: {info:?}"
        );
    }
}

/// The callback parser hands out a code only when `state` matches and no
/// `error` came back, and never an empty code.
pub fn callback(data: &[u8]) {
    let Ok(url) = callback_url(data) else {
        return;
    };
    let stored = serde_json::json!({
        "state": "expected-state",
        "verifier": "fuzz-verifier-0123456789-0123456789-0123456789",
        "redirect_uri": "http://127.0.0.1:9000/callback",
        "scopes": ["tweet.read"],
        "created_at": "2026-01-01T00:00:00Z",
    });
    let pending: PendingAuthorization = match serde_json::from_value(stored) {
        Ok(pending) => pending,
        Err(e) => panic!("the pending authorization does not load: {e}"),
    };
    let param = |name: &str| {
        url.query_pairs()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .last()
    };
    match pending.code_from_callback(&url) {
        Ok(code) => {
            assert_eq!(param("state").as_deref(), Some("expected-state"));
            assert!(param("error").is_none());
            assert!(!code.is_empty());
            assert_eq!(param("code").as_deref(), Some(code.as_str()));
        }
        Err(Error::StateMismatch) => {
            assert_ne!(param("state").as_deref(), Some("expected-state"));
        }
        Err(Error::OAuth { .. }) => assert!(param("error").is_some()),
        Err(Error::InvalidInput { .. }) => {
            assert!(param("code").is_none_or(|c| c.is_empty()));
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// JSON equality, except that numbers only need to be the same to 15
/// significant digits: `serde_json` reads decimal text to the nearest `f64`
/// within one unit in the last place, so a float may move by that much each
/// time it is written and read again.
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            _ if x == y => true,
            (Some(x), Some(y)) => (x - y).abs() <= 1e-15 * x.abs().max(y.abs()),
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// The callback URL that bytes stand for: the query of a request line such as
/// `GET /callback?code=…&state=… HTTP/1.1` (what the loopback listener reads),
/// or the bytes themselves as the query.
fn callback_url(data: &[u8]) -> Result<url::Url, url::ParseError> {
    let text = String::from_utf8_lossy(data);
    let query = text.split_once('?').map_or(&*text, |(_, query)| query);
    let query = query.split([' ', '\r', '\n']).next().unwrap_or_default();
    url::Url::parse(&format!("http://127.0.0.1:9000/callback?{query}"))
}
