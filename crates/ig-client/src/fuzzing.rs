//! Invariant checks on everything this crate parses from the network, shared by
//! the `cargo fuzz` targets in `fuzz/` and the corpus replay test, so the kept
//! corpus guards the same properties in every `cargo test`.
//!
//! Each function takes arbitrary bytes and panics only when a property breaks;
//! input that fails to parse is fine as long as it fails cleanly. Only built
//! with the `fuzzing` feature.

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::oauth::{CodeExchangeBody, LongLivedBody, parse_token_body};
use crate::{AppCredentials, Cursor, Media, OAuth, Page, Profile, RateBudget, signed_request};

/// The app secret the `signed_request` checks sign and verify with.
const SECRET: &str = "fuzz-app-secret";

/// Runs the JSON-model check the first byte selects on the rest: media,
/// a media page, a profile, an error body, a token answer or usage headers.
pub fn json_models(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 6 {
        0 => round_trip::<Media>(rest),
        1 => page(rest),
        2 => round_trip::<Profile>(rest),
        3 => error_body(selector, rest),
        4 => token_answers(rest),
        _ => usage_headers(rest),
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

/// A page's cursors keep positions only (never the token in its links) and
/// survive being stored as text.
fn page(body: &[u8]) {
    let Ok(page) = serde_json::from_slice::<Page<Media>>(body) else {
        return;
    };
    for cursor in page.next.iter().chain(&page.previous) {
        // Only position parameters are kept; what Instagram puts inside a
        // position's value is opaque and goes back as it came.
        for (key, _) in url::form_urlencoded::parse(cursor.as_str().as_bytes()) {
            assert!(
                crate::page::POSITION_PARAMS.contains(&key.as_ref()),
                "cursor keeps {key}: {cursor:?}"
            );
        }
        assert_eq!(&Cursor::new(cursor.as_str()), cursor);
    }
}

/// Any status and body classify into an error whose retry advice, text and
/// Debug output are computable, and a body's text is bounded in the message.
fn error_body(selector: u8, body: &[u8]) {
    let status = [400, 401, 403, 404, 429, 500, 503][usize::from(selector / 6) % 7];
    let error = Error::from_response(status, body, None);
    let _ = error.retry_kind();
    let _ = error.needs_reauth();
    let shown = error.to_string();
    let _ = format!("{error:?}");
    assert!(
        shown.chars().count() <= body.len() + 1_000,
        "message longer than its body allows: {shown}"
    );
}

/// Token answers parse or fail without repeating any part of the body, which
/// may hold a token.
fn token_answers(body: &[u8]) {
    let failures = [
        parse_token_body::<CodeExchangeBody>(body).err(),
        parse_token_body::<LongLivedBody>(body).err(),
    ];
    for error in failures.into_iter().flatten() {
        assert_withheld(body, &error);
    }
}

/// Asserts that no long run of token-like characters from `body` shows in
/// `error`'s messages or `Debug`.
pub fn assert_withheld(body: &[u8], error: &(dyn std::error::Error + 'static)) {
    let mut shown = format!("{error:?}");
    let mut current = Some(error);
    while let Some(e) = current {
        shown.push('\n');
        shown.push_str(&e.to_string());
        current = e.source();
    }
    let text = String::from_utf8_lossy(body);
    for run in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
        if run.len() >= 20 {
            assert!(!shown.contains(run), "{run:?} shows in the error: {shown}");
        }
    }
}

/// The usage headers parse from any value into a budget whose numbers are sane.
fn usage_headers(data: &[u8]) {
    let (app, business) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("x-app-usage", app),
        ("x-business-use-case-usage", business),
    ] {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }
    let Some(budget) = RateBudget::from_headers(&headers) else {
        return;
    };
    let max = budget.max_usage_percent();
    assert!(!max.is_nan(), "usage percent is NaN: {budget:?}");
    let regain = budget.regain_access_in();
    let wait = budget.throttle_wait();
    if let Some(regain) = regain {
        assert!(wait >= Some(regain), "waits less than the regain time");
    }
    if regain.is_some() {
        assert!(budget.is_exhausted());
    }
}

/// `signed_request`: arbitrary text never verifies under a secret it was not
/// signed with, and any JSON object signed with the secret verifies back to
/// the fields it carried.
pub fn signed_request(data: &[u8]) {
    let credentials = AppCredentials::new("fuzz-app", SECRET);
    let text = String::from_utf8_lossy(data);
    if let Ok(request) = signed_request::verify(&text, &credentials) {
        assert!(request.algorithm.eq_ignore_ascii_case("HMAC-SHA256"));
        let other = AppCredentials::new("fuzz-app", "another-secret");
        assert!(signed_request::verify(&text, &other).is_err());
    }

    let Ok(serde_json::Value::Object(mut payload)) = serde_json::from_slice(data) else {
        return;
    };
    payload.insert("algorithm".into(), "HMAC-SHA256".into());
    let payload = serde_json::Value::Object(payload);
    let signed = match signed_request::sign(&payload, &credentials) {
        Ok(signed) => signed,
        Err(e) => panic!("{payload} does not sign: {e}"),
    };
    let other = AppCredentials::new("fuzz-app", "another-secret");
    assert!(signed_request::verify(&signed, &other).is_err());
    let mut tampered = signed.clone();
    tampered.push('A');
    assert!(signed_request::verify(&tampered, &credentials).is_err());
    // Whether the fields fit the payload's types is the payload's business;
    // when they do, nothing may be lost or invented.
    if let Ok(verified) = signed_request::verify(&signed, &credentials) {
        for (key, value) in &verified.extra {
            let sent = payload.get(key);
            assert!(
                sent.is_some_and(|sent| same_json(sent, value)),
                "field {key} changed: {sent:?} became {value:?}"
            );
        }
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

/// The redirect parser hands out a code only when `state` matches and no
/// `error` came back.
pub fn redirect(data: &[u8]) {
    let Ok(url) = callback_url(data) else {
        return;
    };
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let state = param("state");
    let expected = state.clone().unwrap_or_default();
    for expected in [expected.as_str(), "expected-state"] {
        match OAuth::code_from_redirect(&url, expected) {
            Ok(_) => {
                assert_eq!(state.as_deref(), Some(expected));
                assert!(param("error").is_none());
                assert!(param("code").is_some());
            }
            Err(Error::StateMismatch) => assert_ne!(state.as_deref(), Some(expected)),
            Err(Error::AuthorizationDenied { .. }) => assert!(param("error").is_some()),
            Err(Error::BadInput(_)) => assert!(param("code").is_none()),
            Err(other) => panic!("unexpected error {other:?}"),
        }
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
