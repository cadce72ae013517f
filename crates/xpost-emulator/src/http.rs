//! Small request helpers shared by both platforms: query and form parsing, bearer
//! tokens, the public base URL, and redirects.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Decodes `a=b&c=d` (form or query) into a map; later keys win.
pub fn parse_pairs(input: &str) -> HashMap<String, String> {
    input
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The parameters of a form or JSON request body.
///
/// OAuth servers are specified with form bodies, but widely used clients send the same
/// fields as a JSON object, and X accepts both. Scalars become strings (`{"a": 1}` reads
/// as `a=1`); nested values are ignored. `None` when a JSON body is not a JSON object.
pub fn body_pairs(headers: &HeaderMap, body: &[u8]) -> Option<HashMap<String, String>> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        });
    if !is_json {
        return Some(parse_pairs(&String::from_utf8_lossy(body)));
    }
    let serde_json::Value::Object(map) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    Some(
        map.into_iter()
            .filter_map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                Some((k, v))
            })
            .collect(),
    )
}

/// Percent-decodes one form component (`+` is a space).
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes one query component.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `Authorization: Bearer …` token, if any.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| token.trim().to_owned())
}

/// `http://HOST` as the client addressed the emulator (for URLs in answers).
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// Appends `pairs` to `uri`'s query (before any fragment is added by the caller).
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = uri.to_owned();
    for (k, v) in pairs {
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

/// A `302 Found` to `location`.
pub fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "unusable redirect_uri").into_response(),
    }
}

/// Whether `uri` is a loopback `http://127.0.0.1:PORT/...` (or `localhost`) URI, which
/// the emulator's one app has registered.
pub fn is_loopback_redirect(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_decode_plus_and_percent() {
        let m = parse_pairs("a=b+c&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&x=%ZZ");
        assert_eq!(m["a"], "b c");
        assert_eq!(m["redirect_uri"], "http://127.0.0.1:9/cb");
        assert_eq!(m["x"], "%ZZ");
        assert_eq!(decode(&encode("a b/é")), "a b/é");
    }

    #[test]
    fn bodies_read_as_form_or_json_by_content_type() {
        let mut headers = HeaderMap::new();
        let form = body_pairs(&headers, b"token=a%2Bb&n=1");
        assert_eq!(form.unwrap_or_default()["token"], "a+b");
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        let json =
            body_pairs(&headers, br#"{"token":"a+b","n":1,"skip":{"x":1}}"#).unwrap_or_default();
        assert_eq!(json["token"], "a+b");
        assert_eq!(json["n"], "1");
        assert!(!json.contains_key("skip"));
        assert!(body_pairs(&headers, b"[1]").is_none());
        assert!(body_pairs(&headers, b"token=a").is_none());
    }

    #[test]
    fn only_loopback_redirects_are_registered() {
        assert!(is_loopback_redirect("http://127.0.0.1:4000/callback"));
        assert!(is_loopback_redirect("http://localhost:1/"));
        assert!(!is_loopback_redirect("https://127.0.0.1:4000/callback"));
        assert!(!is_loopback_redirect("http://evil.example/cb"));
        assert!(!is_loopback_redirect("http://127.0.0.1.evil.example/cb"));
    }
}
