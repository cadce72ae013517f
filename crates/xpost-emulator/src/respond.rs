//! Answers in each platform's real shapes: Graph errors, X problems, usage and
//! rate-limit headers.

use axum::Json;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A JSON answer with a status.
pub fn json(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// A Graph-style id for `fbtrace_id`, which real answers always carry.
pub fn fbtrace(seed: i64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut x = seed.unsigned_abs().wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..23)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(ALPHABET[usize::try_from(x % 64).unwrap_or(0)])
        })
        .collect()
}

/// A Graph error: `{"error":{message,type,code,error_subcode?,is_transient?,fbtrace_id}}`.
#[derive(Debug, Clone)]
pub struct GraphError {
    /// HTTP status (400 for nearly everything).
    pub status: StatusCode,
    /// `message`.
    pub message: String,
    /// `type`.
    pub kind: &'static str,
    /// `code`.
    pub code: i64,
    /// `error_subcode`.
    pub subcode: Option<i64>,
    /// `is_transient`.
    pub transient: Option<bool>,
}

impl GraphError {
    /// An `OAuthException` with HTTP 400.
    pub fn oauth(code: i64, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            kind: "OAuthException",
            code,
            subcode: None,
            transient: None,
        }
    }

    /// Adds `error_subcode`.
    pub fn subcode(mut self, subcode: i64) -> Self {
        self.subcode = Some(subcode);
        self
    }

    /// Sets `type`.
    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    /// Sets `is_transient`.
    pub fn transient(mut self, transient: bool) -> Self {
        self.transient = Some(transient);
        self
    }

    /// Sets the HTTP status.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The answer, with a trace id derived from `now_ms`.
    pub fn into_response_at(self, now_ms: i64) -> Response {
        let mut error = serde_json::Map::new();
        error.insert("message".into(), json!(self.message));
        error.insert("type".into(), json!(self.kind));
        error.insert("code".into(), json!(self.code));
        if let Some(s) = self.subcode {
            error.insert("error_subcode".into(), json!(s));
        }
        if let Some(t) = self.transient {
            error.insert("is_transient".into(), json!(t));
        }
        error.insert("fbtrace_id".into(), json!(fbtrace(now_ms)));
        let mut resp = json(self.status, json!({ "error": error }));
        if self.code == 190 {
            let www = format!(
                "OAuth \"Facebook Platform\" \"invalid_token\" \"{}\"",
                self.message.replace('"', "'")
            );
            if let Ok(v) = HeaderValue::from_str(&www) {
                resp.headers_mut().insert("www-authenticate", v);
            }
        }
        resp
    }
}

/// An X problem answer: `{"title","detail","type","status"}`.
pub fn problem(status: StatusCode, title: &str, detail: &str, kind: &str) -> Response {
    let mut resp = json(
        status,
        json!({"title": title, "detail": detail, "type": kind, "status": status.as_u16()}),
    );
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    resp
}

/// X's 401 for a missing, expired or revoked token.
pub fn x_unauthorized() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "Unauthorized",
        "about:blank",
    )
}

/// X's 403 for an endpoint the app's access level does not include.
pub fn x_client_not_enrolled() -> Response {
    json(
        StatusCode::FORBIDDEN,
        json!({
            "client_id": "xpost-emulator",
            "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.",
            "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
            "title": "Client Forbidden",
            "required_enrollment": "Appropriate Level of API Access",
            "reason": "client-not-enrolled",
            "type": "https://api.twitter.com/2/problems/client-forbidden"
        }),
    )
}

/// X's v1.1 401 for a request whose OAuth 1.0a signature or token does not check.
pub fn x_v1_unauthenticated() -> Response {
    json(
        StatusCode::UNAUTHORIZED,
        json!({ "errors": [{ "code": 32, "message": "Could not authenticate you." }] }),
    )
}

/// X's 403 "not permitted".
pub fn x_forbidden() -> Response {
    problem(
        StatusCode::FORBIDDEN,
        "Forbidden",
        "You are not permitted to perform this action.",
        "about:blank",
    )
}

/// One entry of an invalid-request answer's `errors`: the parameter, the values that were
/// given for it, and X's message.
pub fn x_param_error(parameter: &str, values: &[&str], message: &str) -> Value {
    json!({"parameters": {parameter: values}, "message": message})
}

/// X's 400 invalid-request listing every parameter error found, as X reports them all at
/// once.
pub fn x_invalid_request(errors: Vec<Value>) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        json!({
            "errors": errors,
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request"
        }),
    )
}

/// X's 400 invalid-request with one parameter message.
pub fn x_invalid(parameter: &str, message: &str) -> Response {
    x_invalid_request(vec![x_param_error(parameter, &[], message)])
}

/// X's 404 for an unknown resource.
pub fn x_not_found(resource: &str, id: &str) -> Response {
    json(
        StatusCode::NOT_FOUND,
        json!({
            "errors": [{
                "value": id, "detail": format!("Could not find {resource} with id: [{id}]."),
                "title": "Not Found Error", "resource_type": resource, "parameter": "id",
                "resource_id": id, "type": "https://api.twitter.com/2/problems/resource-not-found"
            }],
            "title": "Not Found Error",
            "detail": format!("Could not find {resource} with id: [{id}]."),
            "type": "https://api.twitter.com/2/problems/resource-not-found"
        }),
    )
}

/// X's 429 with `x-rate-limit-*` headers saying the window is spent until `reset_s`.
pub fn x_too_many(limit: u32, reset_s: i64) -> Response {
    let mut resp = problem(
        StatusCode::TOO_MANY_REQUESTS,
        "Too Many Requests",
        "Too Many Requests",
        "about:blank",
    );
    set_rate_headers(resp.headers_mut(), "x-rate-limit", limit, 0, reset_s);
    resp
}

/// Sets `{prefix}-limit`, `{prefix}-remaining` and `{prefix}-reset`.
pub fn set_rate_headers(
    headers: &mut HeaderMap,
    prefix: &str,
    limit: u32,
    remaining: u32,
    reset_s: i64,
) {
    for (suffix, value) in [
        ("limit", limit.to_string()),
        ("remaining", remaining.to_string()),
        ("reset", reset_s.to_string()),
    ] {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(format!("{prefix}-{suffix}")),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
}

/// Sets Instagram's usage headers: `X-App-Usage` and `X-Business-Use-Case-Usage`.
pub fn set_ig_usage(headers: &mut HeaderMap, user_id: &str, percent: u32, regain_min: i64) {
    let app =
        json!({"call_count": percent, "total_cputime": percent / 4, "total_time": percent / 3});
    let buc = json!({ user_id: [{
        "type": "instagram", "call_count": percent, "total_cputime": percent / 4,
        "total_time": percent / 3, "estimated_time_to_regain_access": regain_min
    }]});
    if let Ok(v) = HeaderValue::from_str(&app.to_string()) {
        headers.insert("x-app-usage", v);
    }
    if let Ok(v) = HeaderValue::from_str(&buc.to_string()) {
        headers.insert("x-business-use-case-usage", v);
    }
}

/// Instagram's throttling answer: HTTP 400, code 4, usage at 100 %.
pub fn ig_throttled(user_id: &str, retry_after_s: i64, now_ms: i64) -> Response {
    let regain_min = if retry_after_s < 60 {
        0
    } else {
        (retry_after_s + 59) / 60
    };
    let mut resp = GraphError::oauth(4, "(#4) Application request limit reached")
        .transient(true)
        .into_response_at(now_ms);
    set_ig_usage(resp.headers_mut(), user_id, 100, regain_min);
    resp
}

/// A 5xx (or other) answer in the platform's shape, for injected faults.
pub fn fault_answer(instagram: bool, status: StatusCode, now_ms: i64) -> Response {
    if instagram {
        GraphError::oauth(
            2,
            "An unexpected error has occurred. Please retry your request later.",
        )
        .transient(true)
        .status(status)
        .into_response_at(now_ms)
    } else {
        let title = status.canonical_reason().unwrap_or("Error");
        problem(status, title, title, "about:blank")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ig_throttle_rounds_minutes_up() {
        let r = ig_throttled("1784", 61, 0);
        let buc = r
            .headers()
            .get("x-business-use-case-usage")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let v: Value = serde_json::from_str(&buc).unwrap_or_default();
        assert_eq!(v["1784"][0]["estimated_time_to_regain_access"], 2);
        assert_eq!(v["1784"][0]["call_count"], 100);
        let r = ig_throttled("1784", 59, 0);
        let buc = r.headers()["x-business-use-case-usage"]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            buc.contains("\"estimated_time_to_regain_access\":0"),
            "{buc}"
        );
    }
}
