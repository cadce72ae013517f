//! The crate's one error type, how an HTTP answer becomes one, and [`Error::retry_kind`],
//! the only place that decides whether and when a failed call may be tried again.

use crate::ids::MediaId;
use crate::rate_limit::{Endpoint, RateLimitInfo};
use crate::token::{RefreshToken, Scope, TokenSet};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::Duration;

/// Everything that can go wrong talking to X, sorted by what the caller does about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401 for a token that could be refreshed but was not (the session cannot, the
    /// caller holds the refresh token): refresh it and try once more.
    #[error("unauthorized: {}", problem.summary())]
    Unauthorized {
        /// The API's problem body.
        problem: Box<Problem>,
    },
    /// The user has to authorize the app again: no refresh token, X refused the refresh
    /// token, or X refused a freshly refreshed access token (the grant was revoked).
    #[error("re-authorization needed: {reason}")]
    ReauthRequired {
        /// Why the stored grant cannot be used any more.
        reason: String,
    },
    /// The token lacks a scope the endpoint needs; authorize again asking for it.
    #[error("the token was not granted the `{scope}` scope needed for {endpoint:?}")]
    MissingScope {
        /// The scope that is missing.
        scope: Scope,
        /// The endpoint that needs it.
        endpoint: Endpoint,
    },
    /// 403: the same text was posted recently by this account.
    #[error("duplicate content: {detail}")]
    DuplicateContent {
        /// The API's explanation.
        detail: String,
    },
    /// 403 for any other reason (not permitted, unsupported authentication, not enrolled).
    #[error("forbidden: {}", problem.summary())]
    Forbidden {
        /// The API's problem body.
        problem: Box<Problem>,
    },
    /// 402: the pay-per-use balance is empty or the spend limit was hit.
    #[error("payment required: {}", problem.summary())]
    PaymentRequired {
        /// The API's problem body.
        problem: Box<Problem>,
    },
    /// 429 with a usage-cap problem: the monthly cap is spent.
    #[error("usage cap exceeded: {}", problem.summary())]
    UsageCapped {
        /// The API's problem body.
        problem: Box<Problem>,
    },
    /// 429, or the client-side limiter refused to spend a call on an exhausted window.
    #[error("rate limited{}", until.map(|t| format!(" until {t}")).unwrap_or_default())]
    RateLimited {
        /// When the latest exhausted window resets, if the headers said.
        until: Option<Timestamp>,
        /// The rate-limit headers of the answer.
        info: Box<RateLimitInfo>,
        /// The API's problem body, absent when the limiter refused locally.
        problem: Option<Box<Problem>>,
    },
    /// 404: the resource does not exist (or no longer does).
    #[error("not found: {}", problem.summary())]
    NotFound {
        /// The API's problem body.
        problem: Box<Problem>,
    },
    /// 400 (or another 4xx): the request was invalid; the detail says why.
    #[error("bad request ({status}): {}", problem.summary())]
    BadRequest {
        /// The HTTP status.
        status: u16,
        /// The API's problem body, with its `errors[]` items.
        problem: Box<Problem>,
    },
    /// 5xx: X failed; worth another try later.
    #[error("server error {status}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// A server-given `retry-after`, if any.
        retry_at: Option<Timestamp>,
        /// The raw body.
        body: String,
    },
    /// The request did not complete within its timeout.
    #[error("request timed out after {after:?}")]
    Timeout {
        /// The timeout that expired.
        after: Duration,
    },
    /// The connection failed or dropped before a complete answer arrived.
    #[error("network error: {source}")]
    Network {
        /// Whether the failure happened while connecting, so X never saw the request.
        connect: bool,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// A 2xx answer whose body is not what the endpoint documents.
    #[error("unexpected response body (status {status}): {source}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// The raw body, kept for diagnosis; for token-endpoint answers only its keys
        /// and harmless fields, every value that may be a token redacted.
        body: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// A 200 answer with `errors[]` and no `data`.
    #[error("the response carried errors and no data: {}", errors.first().map(ApiErrorItem::summary).unwrap_or_default())]
    NoData {
        /// The errors the API listed.
        errors: Vec<ApiErrorItem>,
    },
    /// The answer was bigger than the configured limit and was not read to the end.
    #[error("response body exceeds {limit} bytes")]
    ResponseTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// Input rejected before sending (media size, format, duration, counts, lengths).
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which input was wrong.
        field: &'static str,
        /// What was wrong with it.
        reason: String,
    },
    /// X could not process an uploaded video or GIF.
    #[error("media {media_id} failed processing: {}", error.as_ref().map(|e| e.message.as_str()).unwrap_or("no reason given"))]
    MediaProcessingFailed {
        /// The media that failed.
        media_id: MediaId,
        /// X's reason, when it gave one.
        error: Option<crate::media::ProcessingError>,
    },
    /// Media processing did not finish within the configured wait.
    #[error("media {media_id} still processing after {waited:?}")]
    MediaProcessingTimeout {
        /// The media still processing.
        media_id: MediaId,
        /// How long the client waited.
        waited: Duration,
    },
    /// The OAuth 2.0 token or revoke endpoint refused the request.
    #[error("OAuth error `{error}`{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    OAuth {
        /// The OAuth `error` code, such as `invalid_request` or `unauthorized_client`.
        error: String,
        /// The server's `error_description`.
        description: Option<String>,
    },
    /// The authorize redirect carried another `state` than the one sent (possible CSRF).
    #[error("the authorization response's state does not match the request")]
    StateMismatch,
    /// The caller's token hook failed to load or store rotated tokens.
    #[error("token hook failed: {source}")]
    TokenHook {
        /// The hook's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// New tokens were obtained but the token hook failed to store them. X has already
    /// spent the old refresh token, so these are the only working tokens: the session
    /// keeps using them (and writes them again on its next call), and the caller should
    /// store them too, compare-and-swapping against `previous`.
    #[error("refreshed tokens could not be stored: {source}")]
    TokenPersist {
        /// The refresh token the store still holds (spent at X).
        previous: RefreshToken,
        /// The new tokens, which have to reach the store.
        tokens: Box<TokenSet>,
        /// The hook's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The endpoint needs credentials this client was not given.
    #[error("{endpoint:?} needs {needed} credentials")]
    CredentialsMissing {
        /// The endpoint called.
        endpoint: Endpoint,
        /// The kind of credentials it needs.
        needed: &'static str,
    },
    /// The client was configured with something unusable (a bad base URL, say).
    #[error("invalid configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },
    /// A streamed upload ended before, or ran past, the length declared up front; the
    /// upload was not finalized.
    #[error("media stream gave {received} bytes, {declared} were declared")]
    MediaLengthMismatch {
        /// The length declared when the upload started.
        declared: u64,
        /// Bytes received when the mismatch showed (past `declared` when it ran long).
        received: u64,
    },
    /// The source of a streamed upload failed; the upload was not finalized.
    #[error("media source failed after {received} bytes: {source}")]
    MediaSource {
        /// Bytes received before the failure.
        received: u64,
        /// The source's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// What a caller should do after an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryKind {
    /// Trying again will fail the same way.
    Never,
    /// Try again after a bounded, jittered back-off.
    Backoff,
    /// Try again at this instant, which the server named.
    At(Timestamp),
    /// Refresh the access token, then try once more.
    RefreshAuth,
    /// The user has to authorize again (possibly with more scopes).
    Reauthorize,
}

impl Error {
    /// Whether and when the failed call can be tried again. A delay the server gave
    /// (rate-limit reset, `retry-after`) wins over what the status alone suggests.
    pub fn retry_kind(&self) -> RetryKind {
        match self {
            Self::RateLimited { until: Some(t), .. }
            | Self::Server {
                retry_at: Some(t), ..
            } => RetryKind::At(*t),
            Self::RateLimited { until: None, .. }
            | Self::Server { .. }
            | Self::Timeout { .. }
            | Self::Network { .. }
            | Self::MediaProcessingTimeout { .. }
            | Self::TokenHook { .. }
            | Self::TokenPersist { .. }
            | Self::MediaSource { .. } => RetryKind::Backoff,
            Self::Unauthorized { .. } => RetryKind::RefreshAuth,
            Self::ReauthRequired { .. } | Self::MissingScope { .. } => RetryKind::Reauthorize,
            Self::DuplicateContent { .. }
            | Self::Forbidden { .. }
            | Self::PaymentRequired { .. }
            | Self::UsageCapped { .. }
            | Self::NotFound { .. }
            | Self::BadRequest { .. }
            | Self::Decode { .. }
            | Self::NoData { .. }
            | Self::ResponseTooLarge { .. }
            | Self::InvalidInput { .. }
            | Self::MediaProcessingFailed { .. }
            | Self::OAuth { .. }
            | Self::StateMismatch
            | Self::CredentialsMissing { .. }
            | Self::Config { .. }
            | Self::MediaLengthMismatch { .. } => RetryKind::Never,
        }
    }

    /// Whether X certainly never received the request (so even a post can be resent).
    pub fn not_sent(&self) -> bool {
        matches!(
            self,
            Self::Network { connect: true, .. } | Self::RateLimited { .. }
        )
    }

    /// Whether this is X's duplicate-content refusal.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Self::DuplicateContent { .. })
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    /// Turns an unsuccessful answer into an error; `now` anchors `retry-after`.
    pub(crate) fn from_response(
        status: u16,
        info: RateLimitInfo,
        body: &[u8],
        now: Timestamp,
    ) -> Self {
        let problem = Box::new(Problem::parse(status, body));
        match status {
            401 => Self::Unauthorized { problem },
            402 => Self::PaymentRequired { problem },
            403 if problem.is_duplicate() => Self::DuplicateContent {
                detail: problem.summary(),
            },
            403 => Self::Forbidden { problem },
            404 => Self::NotFound { problem },
            429 if problem.type_name() == Some("usage-capped") => Self::UsageCapped { problem },
            429 => Self::RateLimited {
                until: info.retry_at(now),
                info: Box::new(info),
                problem: Some(problem),
            },
            500..=599 => Self::Server {
                status,
                retry_at: info.retry_after.and_then(|d| crate::clock::after(now, d)),
                body: String::from_utf8_lossy(body).into_owned(),
            },
            _ => Self::BadRequest { status, problem },
        }
    }
}

/// An error body in any of X's three envelopes: RFC 7807-like problem JSON, a v2
/// `errors[]` list, or the v1.1 `{"errors":[{"code","message"}]}` shape.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Problem {
    /// Short title, such as `Forbidden` or `Invalid Request`.
    #[serde(default)]
    pub title: Option<String>,
    /// Human-readable detail.
    #[serde(default)]
    pub detail: Option<String>,
    /// The problem type URI, or `about:blank`.
    #[serde(default, rename = "type")]
    pub problem_type: Option<String>,
    /// The status the body repeats, when it does.
    #[serde(default)]
    pub status: Option<u16>,
    /// Itemised errors (validation details, v1.1 codes).
    #[serde(default)]
    pub errors: Vec<ApiErrorItem>,
    /// OAuth-style `error` code, on token endpoint answers.
    #[serde(default)]
    pub error: Option<String>,
    /// OAuth-style `error_description`.
    #[serde(default)]
    pub error_description: Option<String>,
    /// Fields not modelled above (`reason`, `period`, `scope`, `client_id`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The raw body when it was not JSON at all.
    #[serde(skip)]
    pub raw: Option<String>,
}

impl Problem {
    /// Parses any error body; a non-JSON body is kept raw.
    pub fn parse(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<Problem>(body) {
            Ok(mut p) => {
                p.status.get_or_insert(status);
                p
            }
            Err(_) => Self {
                status: Some(status),
                raw: Some(String::from_utf8_lossy(body).into_owned()),
                ..Self::default()
            },
        }
    }

    /// The last path segment of `type`, such as `invalid-request` or `usage-capped`.
    pub fn type_name(&self) -> Option<&str> {
        let t = self.problem_type.as_deref()?;
        t.rsplit('/').next()
    }

    /// The most useful one-line description the body offers.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(d) = self.detail.as_ref().or(self.title.as_ref()) {
            parts.push(d.clone());
        }
        if let Some(e) = &self.error {
            parts.push(match &self.error_description {
                Some(d) => format!("{e}: {d}"),
                None => e.clone(),
            });
        }
        parts.extend(self.errors.iter().map(ApiErrorItem::summary));
        if parts.is_empty() {
            if let Some(raw) = &self.raw {
                parts.push(raw.chars().take(200).collect());
            }
        }
        parts.join("; ")
    }

    fn is_duplicate(&self) -> bool {
        let text = self.summary().to_ascii_lowercase();
        text.contains("duplicate") || self.errors.iter().any(|e| e.code == Some(187))
    }
}

/// One item of an `errors[]` array, covering the validation, partial-result and v1.1
/// shapes (every field is optional because each shape fills a different subset).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ApiErrorItem {
    /// Validation or v1.1 message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// v1.1 numeric code (215 bad auth, 187 duplicate, 88 rate limit...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// The offending request parameters, on validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// Partial-result title such as `Not Found Error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Partial-result detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Partial-result problem type URI.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub problem_type: Option<String>,
    /// The kind of resource that could not be returned (`tweet`, `user`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// The id of that resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Which request parameter or expansion referred to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// The value of that parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ApiErrorItem {
    /// A one-line description.
    pub fn summary(&self) -> String {
        let text = self
            .detail
            .as_deref()
            .or(self.message.as_deref())
            .or(self.title.as_deref())
            .unwrap_or("unspecified error");
        match self.code {
            Some(code) => format!("{text} (code {code})"),
            None => text.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp::UNIX_EPOCH;

    fn classify(status: u16, body: &str) -> Error {
        Error::from_response(status, RateLimitInfo::default(), body.as_bytes(), NOW)
    }

    #[test]
    fn duplicate_is_its_own_kind() {
        let e = classify(
            403,
            r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#,
        );
        assert!(e.is_duplicate(), "{e:?}");
        assert_eq!(e.retry_kind(), RetryKind::Never);
    }

    #[test]
    fn usage_cap_is_not_a_rate_limit() {
        let e = classify(
            429,
            r#"{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.x.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}"#,
        );
        assert!(matches!(e, Error::UsageCapped { .. }), "{e:?}");
        assert_eq!(e.retry_kind(), RetryKind::Never);
    }

    #[test]
    fn server_delay_beats_status() {
        let info = RateLimitInfo {
            retry_after: Some(Duration::from_secs(30)),
            ..RateLimitInfo::default()
        };
        let e = Error::from_response(503, info, b"", NOW);
        assert_eq!(
            e.retry_kind(),
            RetryKind::At(Timestamp::from_second(30).unwrap())
        );
        assert_eq!(classify(502, "oops").retry_kind(), RetryKind::Backoff);
        let e = classify(429, r#"{"title":"Too Many Requests"}"#);
        assert_eq!(e.retry_kind(), RetryKind::Backoff);
    }

    #[test]
    fn status_classes() {
        assert_eq!(classify(401, "{}").retry_kind(), RetryKind::RefreshAuth);
        assert!(matches!(classify(402, "{}"), Error::PaymentRequired { .. }));
        assert!(matches!(classify(404, "{}"), Error::NotFound { .. }));
        let e = classify(
            400,
            r#"{"errors":[{"parameters":{"text":["x"]},"message":"Your Tweet text is too long."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.x.com/2/problems/invalid-request"}"#,
        );
        assert!(
            e.to_string().contains("Your Tweet text is too long."),
            "{e}"
        );
        let v1 = classify(
            400,
            r#"{"errors":[{"code":215,"message":"Bad Authentication data."}]}"#,
        );
        assert!(v1.to_string().contains("(code 215)"), "{v1}");
        let raw = classify(400, "<html>bad gateway</html>");
        assert!(raw.to_string().contains("<html>"), "{raw}");
    }
}
