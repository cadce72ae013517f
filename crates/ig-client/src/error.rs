//! The crate's error type and the one place that decides retryability.
//!
//! Graph errors are classified on `error.code` and `error_subcode`, never on
//! the HTTP status alone, because Instagram answers almost everything with 400.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

/// How long to stay away after a throttle answer whose usage headers give no
/// regain time (or that has none, like a bare HTTP 429): five minutes.
/// Retrying sooner is worse than useless, because calls made while throttled
/// count against the budget and extend the block.
pub const DEFAULT_THROTTLE_WAIT: Duration = Duration::from_secs(5 * 60);

/// Publishing subcodes after which only a new container helps: media or
/// container expired (2207020), unknown upload error (2207053), container
/// creation failed (2207032), media not found (2207006).
const NEW_CONTAINER_SUBCODES: [i64; 4] = [2_207_020, 2_207_053, 2_207_032, 2_207_006];

/// The `error` object of a Graph error body; serializes back to that shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GraphError {
    /// Human-readable text, often starting `(#<code>)`.
    #[serde(default)]
    pub message: String,
    /// `OAuthException`, `IGApiException`, `GraphMethodException`…
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The Graph error code, the primary key of classification.
    pub code: i64,
    /// Refines `code` (for example 463 for an expired token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_subcode: Option<i64>,
    /// Instagram's own transient hint (not always right: 9007 says `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_transient: Option<bool>,
    /// A title meant for the end user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_user_title: Option<String>,
    /// A message meant for the end user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_user_msg: Option<String>,
    /// Meta's trace id, to quote in bug reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// Retry no earlier than this: the platform's regain time, or
    /// [`DEFAULT_THROTTLE_WAIT`] for a throttle that named none.
    After(Duration),
    /// The user must log in again (or grant a permission) first.
    Reauth,
    /// The stored paging position is no longer accepted: list again from a
    /// time bound ([`Cursor::since`](crate::Cursor::since) or
    /// [`MediaQuery::since`](crate::MediaQuery::since)) instead.
    RestartFromTimeBound,
    /// The publishing container is unusable: create a new one from the
    /// original media, then publish that.
    NewContainer,
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
    /// A rate limit or quota is exhausted (Graph codes 4, 17, 32, 613,
    /// 80001–80099, 9; or a bare HTTP 429); calls made now extend the block.
    #[error("rate limited{}{}", retry_after.map(|d| format!(" for {}s", d.as_secs())).unwrap_or_default(), source.as_deref().map(|g| format!(": {g}")).unwrap_or_default())]
    RateLimited {
        /// The usage headers' estimated time to regain access, if they gave
        /// one; otherwise [`Error::retry_kind`] waits [`DEFAULT_THROTTLE_WAIT`].
        retry_after: Option<Duration>,
        /// The Graph error; `None` for a 429 without a Graph body.
        #[source]
        source: Option<Box<GraphError>>,
    },
    /// A stored paging cursor is no longer accepted (Graph code 100 about the
    /// cursor, or 2642 "Invalid cursors values"). The listing is not over:
    /// restart it from a time bound.
    #[error("paging cursor no longer accepted: {source}")]
    CursorExpired {
        /// The Graph error.
        #[source]
        source: Box<GraphError>,
    },
    /// The publishing container expired or its upload failed for good
    /// (subcodes 2207020, 2207053, 2207032, 2207006): make a new container.
    #[error("publishing container unusable, create a new one: {source}")]
    ContainerUnusable {
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
            // Never `Backoff`: an immediate retry while throttled extends the block.
            Self::RateLimited { retry_after, .. } => {
                RetryKind::After(retry_after.unwrap_or(DEFAULT_THROTTLE_WAIT))
            }
            Self::CursorExpired { .. } => RetryKind::RestartFromTimeBound,
            Self::ContainerUnusable { .. } => RetryKind::NewContainer,
            Self::ContainerFailed {
                status_code,
                status,
            } if status_code == "EXPIRED"
                || status.as_deref().is_some_and(names_new_container_subcode) =>
            {
                RetryKind::NewContainer
            }
            Self::Transient { .. } | Self::ContainerPending { .. } => RetryKind::Backoff,
            Self::Network { source, .. } if source.is_builder() => RetryKind::Never,
            Self::Network { .. } => RetryKind::Backoff,
            Self::UnexpectedResponse { status, .. } if *status >= 500 => RetryKind::Backoff,
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

    /// Whether retrying the same request (now or later, without user action)
    /// can succeed. Restarting a listing or re-creating a container is a
    /// different request, so those kinds are not retryable here.
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
            | Self::CursorExpired { source }
            | Self::ContainerUnusable { source }
            | Self::Transient { source }
            | Self::BadRequest { source } => Some(source),
            Self::RateLimited { source, .. } => source.as_deref(),
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
            usage.and_then(crate::RateBudget::throttle_wait),
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
            4 | 9 | 17 | 32 | 341 | 368 | 613 | 80_001..=80_099 => Self::RateLimited {
                retry_after: regain,
                source: Some(Box::new(error)),
            },
            _ if subcode.is_some_and(|s| NEW_CONTAINER_SUBCODES.contains(&s)) => {
                Self::ContainerUnusable {
                    source: Box::new(error),
                }
            }
            2642 => Self::CursorExpired {
                source: Box::new(error),
            },
            100 if error.message.to_ascii_lowercase().contains("cursor") => Self::CursorExpired {
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

/// Whether container `status` prose ("Error: … with error code 2207053")
/// names a subcode after which only a new container helps.
fn names_new_container_subcode(status: &str) -> bool {
    status
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|digits| digits.parse::<i64>().ok())
        .any(|code| NEW_CONTAINER_SUBCODES.contains(&code))
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
/// unexpected (body kept). HTTP 429 is a throttle whatever the body says.
pub(crate) fn from_error_body(status: StatusCode, body: &[u8], regain: Option<Duration>) -> Error {
    let graph =
        serde_json::from_slice::<GraphEnvelope>(body)
            .ok()
            .map(|GraphEnvelope { mut error }| {
                error.status = status.as_u16();
                error
            });
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Error::RateLimited {
            retry_after: regain,
            source: graph.map(Box::new),
        };
    }
    if let Some(error) = graph {
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
            // Without a regain time the wait is minutes, never an immediate retry.
            let error = Error::from_graph(graph(code, None, "limit"), None);
            assert_eq!(
                error.retry_kind(),
                RetryKind::After(DEFAULT_THROTTLE_WAIT),
                "{code}"
            );
            assert!(error.is_retryable());
        }
        assert_eq!(DEFAULT_THROTTLE_WAIT, Duration::from_secs(300));
        let publishing = Error::from_graph(graph(9, Some(2_207_042), "daily limit"), None);
        assert!(matches!(publishing, Error::RateLimited { .. }));
        assert_eq!(
            publishing.retry_kind(),
            RetryKind::After(DEFAULT_THROTTLE_WAIT)
        );
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
    fn a_bare_429_is_a_throttle_with_the_default_wait() {
        let error = from_error_body(StatusCode::TOO_MANY_REQUESTS, b"Too Many Requests", None);
        assert!(
            matches!(
                error,
                Error::RateLimited {
                    retry_after: None,
                    source: None
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.retry_kind(), RetryKind::After(DEFAULT_THROTTLE_WAIT));
        let with_regain = from_error_body(
            StatusCode::TOO_MANY_REQUESTS,
            b"",
            Some(Duration::from_secs(120)),
        );
        assert_eq!(
            with_regain.retry_kind(),
            RetryKind::After(Duration::from_secs(120))
        );
        let graph_body = br#"{"error":{"message":"m","type":"OAuthException","code":100}}"#;
        let error = from_error_body(StatusCode::TOO_MANY_REQUESTS, graph_body, None);
        assert_eq!(
            error.graph_error().map(|g| (g.code, g.status)),
            Some((100, 429))
        );
        assert_eq!(error.retry_kind(), RetryKind::After(DEFAULT_THROTTLE_WAIT));
    }

    #[test]
    fn rejected_cursors_restart_from_a_time_bound() {
        for error in [
            graph(
                100,
                None,
                "(#100) The parameter cursor value QVFI is invalid",
            ),
            graph(100, None, "Invalid after Cursor"),
            graph(2642, None, "(#2642) Invalid cursors values"),
        ] {
            let error = Error::from_graph(error, None);
            assert!(matches!(error, Error::CursorExpired { .. }), "{error:?}");
            assert_eq!(error.retry_kind(), RetryKind::RestartFromTimeBound);
            assert!(!error.is_retryable() && !error.needs_reauth());
        }
        let other = Error::from_graph(
            graph(100, None, "(#100) Tried accessing nonexisting field"),
            None,
        );
        assert!(matches!(other, Error::BadRequest { .. }));
    }

    #[test]
    fn unusable_containers_need_a_new_container() {
        for (code, subcode) in [
            (-2, 2_207_020),
            (-1, 2_207_053),
            (-1, 2_207_032),
            (24, 2_207_006),
        ] {
            let error = Error::from_graph(graph(code, Some(subcode), "x"), None);
            assert!(
                matches!(error, Error::ContainerUnusable { .. }),
                "{subcode}"
            );
            assert_eq!(error.retry_kind(), RetryKind::NewContainer, "{subcode}");
        }
        let expired = Error::ContainerFailed {
            status_code: "EXPIRED".to_owned(),
            status: None,
        };
        assert_eq!(expired.retry_kind(), RetryKind::NewContainer);
        let upload = Error::ContainerFailed {
            status_code: "ERROR".to_owned(),
            status: Some("Error: upload failed with error code 2207053".to_owned()),
        };
        assert_eq!(upload.retry_kind(), RetryKind::NewContainer);
        let format = Error::ContainerFailed {
            status_code: "ERROR".to_owned(),
            status: Some("Error: unsupported format, error code 2207026".to_owned()),
        };
        assert_eq!(format.retry_kind(), RetryKind::Never);
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
