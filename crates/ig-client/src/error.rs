//! The crate's error type and the one place that decides retryability.
//!
//! Graph errors are classified on `error.code` and `error_subcode`, never on
//! the HTTP status alone, because Instagram answers almost everything with 400.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

/// The `error` object of a Graph error body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct GraphError {
    /// Human-readable text, often starting `(#<code>)`.
    #[serde(default)]
    pub message: String,
    /// `OAuthException`, `IGApiException`, `GraphMethodException`…
    #[serde(rename = "type", default)]
    pub error_type: Option<String>,
    /// The Graph error code, the primary key of classification.
    pub code: i64,
    /// Refines `code` (for example 463 for an expired token).
    #[serde(default)]
    pub error_subcode: Option<i64>,
    /// Instagram's own transient hint (not always right: 9007 says `false`).
    #[serde(default)]
    pub is_transient: Option<bool>,
    /// A title meant for the end user.
    #[serde(default)]
    pub error_user_title: Option<String>,
    /// A message meant for the end user.
    #[serde(default)]
    pub error_user_msg: Option<String>,
    /// Meta's trace id, to quote in bug reports.
    #[serde(default)]
    pub fbtrace_id: Option<String>,
    /// The HTTP status the error came with (not part of the JSON).
    #[serde(skip, default = "default_status")]
    pub status: u16,
}

fn default_status() -> u16 {
    400
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} code {}", self.status, self.code)?;
        if let Some(subcode) = self.error_subcode {
            write!(f, "/{subcode}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(trace) = &self.fbtrace_id {
            write!(f, " (fbtrace_id {trace})")?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphError {}

/// Why a token no longer works (code 190 and its subcodes; code 102).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenProblem {
    /// Invalid, malformed or revoked (190 without a subcode, 467, 102).
    Invalid,
    /// The user removed or deauthorized the app (458).
    AppRemoved,
    /// The user must log in on the web to fix the account (459).
    Checkpointed,
    /// The password changed or the session was reset for security (460).
    PasswordChanged,
    /// The token expired (463).
    Expired,
    /// The user is unconfirmed (464).
    UnconfirmedUser,
    /// The session is invalid, for example the user lost their role (492).
    InvalidSession,
    /// Another subcode.
    Other(i64),
}

impl TokenProblem {
    fn from_subcode(subcode: Option<i64>) -> Self {
        match subcode {
            None | Some(467) => Self::Invalid,
            Some(458) => Self::AppRemoved,
            Some(459) => Self::Checkpointed,
            Some(460) => Self::PasswordChanged,
            Some(463) => Self::Expired,
            Some(464) => Self::UnconfirmedUser,
            Some(492) => Self::InvalidSession,
            Some(other) => Self::Other(other),
        }
    }
}

/// What a caller should do about an error; computed only by [`Error::retry_kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryKind {
    /// Retrying the same request will not help.
    Never,
    /// Retry with jittered exponential back-off.
    Backoff,
    /// Retry no earlier than this, as the platform said.
    After(Duration),
    /// The user must log in again (or grant a permission) first.
    Reauth,
}

/// Everything that can go wrong talking to Instagram.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The access token is invalid, expired or revoked: the user must log in again.
    #[error("access token no longer valid ({problem:?}): {source}")]
    TokenInvalid {
        /// Which kind of token death this is.
        problem: TokenProblem,
        /// The Graph error.
        #[source]
        source: Box<GraphError>,
    },
    /// A permission the call needs was not granted or was revoked.
    #[error("permission missing{}: {source}", permission.as_deref().map(|p| format!(" ({p})")).unwrap_or_default())]
    PermissionMissing {
        /// The permission named in the message, when Instagram names one.
        permission: Option<String>,
        /// The Graph error.
        #[source]
        source: Box<GraphError>,
    },
    /// A rate limit or quota is exhausted; calls made now extend the block.
    #[error("rate limited{}: {source}", retry_after.map(|d| format!(" for {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// The usage headers' estimated time to regain access, if sent.
        retry_after: Option<Duration>,
        /// The Graph error.
        #[source]
        source: Box<GraphError>,
    },
    /// A temporary platform failure (codes 1, 2, -1, -2, "not ready", 5xx).
    #[error("transient Instagram error: {source}")]
    Transient {
        /// The Graph error.
        #[source]
        source: Box<GraphError>,
    },
    /// The request was rejected (code 100 and its causes, publishing validation…).
    #[error("request rejected: {source}")]
    BadRequest {
        /// The Graph error.
        #[source]
        source: Box<GraphError>,
    },
    /// The token endpoint refused (legacy `error_type`/`error_message` shape):
    /// typically a used, expired or unknown authorization code.
    #[error("OAuth error (HTTP {status}, {error_type} {code}): {message}")]
    OAuth {
        /// HTTP status.
        status: u16,
        /// `error_type`, e.g. `OAuthException`.
        error_type: String,
        /// `code` from the body.
        code: i64,
        /// `error_message` from the body.
        message: String,
    },
    /// The authorize redirect carried an error (`access_denied` when the user cancels).
    #[error("authorization denied: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    AuthorizationDenied {
        /// The `error` parameter.
        error: String,
        /// The `error_description` parameter.
        description: Option<String>,
    },
    /// The redirect's `state` did not match the one sent (possible CSRF).
    #[error("OAuth state mismatch")]
    StateMismatch,
    /// The token cannot be refreshed (too young, expired, or missing the basic scope).
    #[error("token cannot be refreshed: {0}")]
    RefreshNotAllowed(&'static str),
    /// A network failure or timeout before a complete answer arrived.
    #[error("network error{}: {source}", if *timeout { " (timeout)" } else { "" })]
    Network {
        /// Whether a timeout fired.
        timeout: bool,
        /// The underlying error, with its URL removed (URLs may carry tokens).
        #[source]
        source: reqwest::Error,
    },
    /// The answer did not have the expected shape; the raw body is kept.
    #[error("unexpected response (HTTP {status}): {}", truncate(body))]
    UnexpectedResponse {
        /// HTTP status.
        status: u16,
        /// The raw body (lossily decoded).
        body: String,
        /// The parse error, when there was one.
        #[source]
        source: Option<serde_json::Error>,
    },
    /// A body was larger than the configured limit.
    #[error("body larger than the {limit}-byte limit")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// A media URL was refused before fetching it (SSRF guard).
    #[error("media URL refused: {reason}")]
    UrlRefused {
        /// Why.
        reason: String,
    },
    /// A download answered with a content type that is not an image or video.
    #[error("unexpected content type {content_type:?}")]
    UnexpectedContentType {
        /// The `Content-Type` header (empty when missing).
        content_type: String,
    },
    /// A `signed_request` failed verification.
    #[error("invalid signed_request: {0}")]
    InvalidSignedRequest(&'static str),
    /// A publishing container ended in `ERROR` or `EXPIRED`.
    #[error("container {status_code}: {}", status.as_deref().unwrap_or(""))]
    ContainerFailed {
        /// `status_code`.
        status_code: String,
        /// `status` prose, which may name a publishing error code.
        status: Option<String>,
    },
    /// A container was still processing when polling gave up.
    #[error("container not finished after {attempts} checks")]
    ContainerPending {
        /// How many times the status was read.
        attempts: u32,
    },
    /// The caller's input was invalid before anything was sent.
    #[error("invalid input: {0}")]
    BadInput(String),
    /// A configuration value was invalid.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
}

fn truncate(body: &str) -> &str {
    match body.char_indices().nth(200) {
        Some((end, _)) => &body[..end],
        None => body,
    }
}

impl Error {
    /// What a caller should do about this error. The single source of truth
    /// for retryability; a delay the server gave beats everything else.
    pub fn retry_kind(&self) -> RetryKind {
        match self {
            Self::TokenInvalid { .. } | Self::PermissionMissing { .. } | Self::OAuth { .. } => {
                RetryKind::Reauth
            }
            Self::AuthorizationDenied { .. } | Self::StateMismatch => RetryKind::Reauth,
            Self::RefreshNotAllowed(_) => RetryKind::Never,
            Self::RateLimited {
                retry_after: Some(after),
                ..
            } => RetryKind::After(*after),
            Self::RateLimited {
                retry_after: None, ..
            } => RetryKind::Backoff,
            Self::Transient { .. } | Self::ContainerPending { .. } => RetryKind::Backoff,
            Self::Network { source, .. } if source.is_builder() => RetryKind::Never,
            Self::Network { .. } => RetryKind::Backoff,
            Self::UnexpectedResponse { status, .. } if *status >= 500 || *status == 429 => {
                RetryKind::Backoff
            }
            Self::UnexpectedResponse { .. }
            | Self::BadRequest { .. }
            | Self::BodyTooLarge { .. }
            | Self::UrlRefused { .. }
            | Self::UnexpectedContentType { .. }
            | Self::InvalidSignedRequest(_)
            | Self::ContainerFailed { .. }
            | Self::BadInput(_)
            | Self::InvalidConfig(_) => RetryKind::Never,
        }
    }

    /// Whether retrying (now or later, without user action) can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self.retry_kind(), RetryKind::Backoff | RetryKind::After(_))
    }

    /// Whether the user must log in again before this account works.
    pub fn needs_reauth(&self) -> bool {
        self.retry_kind() == RetryKind::Reauth
    }

    /// The Graph error behind this error, if there is one.
    pub fn graph_error(&self) -> Option<&GraphError> {
        match self {
            Self::TokenInvalid { source, .. }
            | Self::PermissionMissing { source, .. }
            | Self::RateLimited { source, .. }
            | Self::Transient { source }
            | Self::BadRequest { source } => Some(source),
            _ => None,
        }
    }

    /// Classifies a non-2xx answer: Graph error JSON, the legacy OAuth
    /// shape, or an unexpected body (kept). `usage` is the budget parsed from
    /// the same response's headers, which supplies the regain time.
    pub fn from_response(status: u16, body: &[u8], usage: Option<&crate::RateBudget>) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        from_error_body(
            status,
            body,
            usage.and_then(crate::RateBudget::regain_access_in),
        )
    }

    pub(crate) fn network(source: reqwest::Error) -> Self {
        Self::Network {
            timeout: source.is_timeout(),
            source: source.without_url(),
        }
    }

    /// Maps a Graph error to the variant a caller acts on. `regain` is the
    /// usage headers' estimated time to regain access, when they carried one.
    pub(crate) fn from_graph(error: GraphError, regain: Option<Duration>) -> Self {
        let code = error.code;
        let subcode = error.error_subcode;
        match code {
            190 | 102 => {
                let problem = if code == 102 {
                    TokenProblem::Invalid
                } else {
                    TokenProblem::from_subcode(subcode)
                };
                Self::TokenInvalid {
                    problem,
                    source: Box::new(error),
                }
            }
            3 | 10 | 200..=299 => Self::PermissionMissing {
                permission: permission_named(&error.message),
                source: Box::new(error),
            },
            4 if subcode == Some(2_207_051) => Self::BadRequest {
                source: Box::new(error),
            },
            4 | 17 | 32 | 341 | 368 | 613 | 80_001..=80_099 => Self::RateLimited {
                retry_after: regain,
                source: Box::new(error),
            },
            9 => Self::RateLimited {
                retry_after: regain,
                source: Box::new(error),
            },
            1 | 2 | -1 | -2 | 9007 => Self::Transient {
                source: Box::new(error),
            },
            24 if subcode == Some(2_207_008) => Self::Transient {
                source: Box::new(error),
            },
            _ if error.status >= 500 || error.is_transient == Some(true) => Self::Transient {
                source: Box::new(error),
            },
            _ => Self::BadRequest {
                source: Box::new(error),
            },
        }
    }
}

/// Finds a permission name in a Graph message: an `instagram_…`, `pages_…`
/// or `business_management` word (Meta quotes them in various ways).
fn permission_named(message: &str) -> Option<String> {
    message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|word| {
            word.starts_with("instagram_")
                || word.starts_with("pages_")
                || *word == "business_management"
        })
        .map(str::to_owned)
}

/// The legacy error shape of `api.instagram.com/oauth/access_token`.
#[derive(Debug, Deserialize)]
pub(crate) struct LegacyOAuthError {
    pub(crate) error_type: String,
    pub(crate) code: i64,
    pub(crate) error_message: String,
}

#[derive(Deserialize)]
struct GraphEnvelope {
    error: GraphError,
}

/// Turns a non-2xx answer into an error: Graph shape, legacy OAuth shape, or
/// unexpected (body kept).
pub(crate) fn from_error_body(status: StatusCode, body: &[u8], regain: Option<Duration>) -> Error {
    if let Ok(GraphEnvelope { mut error }) = serde_json::from_slice::<GraphEnvelope>(body) {
        error.status = status.as_u16();
        return Error::from_graph(error, regain);
    }
    if let Ok(legacy) = serde_json::from_slice::<LegacyOAuthError>(body) {
        return Error::OAuth {
            status: status.as_u16(),
            error_type: legacy.error_type,
            code: legacy.code,
            message: legacy.error_message,
        };
    }
    let source = serde_json::from_slice::<serde_json::Value>(body).err();
    Error::UnexpectedResponse {
        status: status.as_u16(),
        body: String::from_utf8_lossy(body).into_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(code: i64, subcode: Option<i64>, message: &str) -> GraphError {
        GraphError {
            message: message.to_owned(),
            error_type: Some("OAuthException".to_owned()),
            code,
            error_subcode: subcode,
            is_transient: None,
            error_user_title: None,
            error_user_msg: None,
            fbtrace_id: Some("Abc+/1".to_owned()),
            status: 400,
        }
    }

    #[test]
    fn token_subcodes_map_to_problems() {
        for (subcode, problem) in [
            (None, TokenProblem::Invalid),
            (Some(458), TokenProblem::AppRemoved),
            (Some(459), TokenProblem::Checkpointed),
            (Some(460), TokenProblem::PasswordChanged),
            (Some(463), TokenProblem::Expired),
            (Some(464), TokenProblem::UnconfirmedUser),
            (Some(467), TokenProblem::Invalid),
            (Some(492), TokenProblem::InvalidSession),
        ] {
            let error =
                Error::from_graph(graph(190, subcode, "Error validating access token"), None);
            assert!(
                matches!(error, Error::TokenInvalid { problem: p, .. } if p == problem),
                "{subcode:?}"
            );
            assert_eq!(error.retry_kind(), RetryKind::Reauth);
            assert!(error.needs_reauth());
        }
        assert!(matches!(
            Error::from_graph(graph(102, None, "session"), None),
            Error::TokenInvalid { .. }
        ));
    }

    #[test]
    fn permission_errors_name_the_permission() {
        let error = Error::from_graph(
            graph(
                10,
                None,
                "(#10) Application does not have permission for this action: instagram_business_content_publish",
            ),
            None,
        );
        match &error {
            Error::PermissionMissing { permission, .. } => {
                assert_eq!(
                    permission.as_deref(),
                    Some("instagram_business_content_publish")
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(error.retry_kind(), RetryKind::Reauth);
        let error = Error::from_graph(
            graph(200, None, "Requires 'pages_read_engagement' permission"),
            None,
        );
        assert!(
            matches!(error, Error::PermissionMissing { permission: Some(ref p), .. } if p == "pages_read_engagement")
        );
        let error = Error::from_graph(graph(299, None, "no name here"), None);
        assert!(matches!(
            error,
            Error::PermissionMissing {
                permission: None,
                ..
            }
        ));
    }

    #[test]
    fn rate_limits_carry_the_regain_time() {
        for code in [4, 17, 32, 613, 80_002] {
            let error = Error::from_graph(
                graph(code, None, "limit"),
                Some(Duration::from_secs(19 * 60)),
            );
            assert_eq!(
                error.retry_kind(),
                RetryKind::After(Duration::from_secs(19 * 60)),
                "{code}"
            );
            let error = Error::from_graph(graph(code, None, "limit"), None);
            assert_eq!(error.retry_kind(), RetryKind::Backoff, "{code}");
        }
        let publishing = Error::from_graph(graph(9, Some(2_207_042), "daily limit"), None);
        assert!(matches!(publishing, Error::RateLimited { .. }));
        let spam = Error::from_graph(graph(4, Some(2_207_051), "spam"), None);
        assert_eq!(spam.retry_kind(), RetryKind::Never);
    }

    #[test]
    fn transient_and_bad_request_codes() {
        for (code, subcode) in [
            (1, None),
            (2, None),
            (-1, Some(2_207_001)),
            (-2, Some(2_207_003)),
            (9007, Some(2_207_027)),
            (24, Some(2_207_008)),
        ] {
            let error = Error::from_graph(graph(code, subcode, "x"), None);
            assert!(matches!(error, Error::Transient { .. }), "{code}");
            assert!(error.is_retryable());
        }
        for (code, subcode) in [
            (100, None),
            (100, Some(2_207_028)),
            (36_003, Some(2_207_009)),
            (2500, None),
        ] {
            let error = Error::from_graph(graph(code, subcode, "x"), None);
            assert!(matches!(error, Error::BadRequest { .. }), "{code}");
            assert_eq!(error.retry_kind(), RetryKind::Never);
        }
        let mut server = graph(100, None, "x");
        server.status = 503;
        assert!(Error::from_graph(server, None).is_retryable());
    }

    #[test]
    fn error_bodies_of_each_shape() {
        let body = br#"{"error":{"message":"m","type":"OAuthException","code":190,"error_subcode":460,"fbtrace_id":"t"}}"#;
        let error = from_error_body(StatusCode::BAD_REQUEST, body, None);
        assert!(matches!(
            error,
            Error::TokenInvalid {
                problem: TokenProblem::PasswordChanged,
                ..
            }
        ));
        assert_eq!(error.graph_error().map(|g| g.status), Some(400));

        let legacy = br#"{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}"#;
        let error = from_error_body(StatusCode::BAD_REQUEST, legacy, None);
        assert!(
            matches!(error, Error::OAuth { code: 400, ref message, .. } if message.contains("already used"))
        );

        let error = from_error_body(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>", None);
        assert!(
            matches!(error, Error::UnexpectedResponse { status: 502, ref body, source: Some(_) } if body.contains("gateway"))
        );
        assert!(error.is_retryable());
        let error = from_error_body(StatusCode::FORBIDDEN, b"{\"unexpected\":true}", None);
        assert!(matches!(
            error,
            Error::UnexpectedResponse {
                status: 403,
                source: None,
                ..
            }
        ));
        assert!(!error.is_retryable());
    }
}
