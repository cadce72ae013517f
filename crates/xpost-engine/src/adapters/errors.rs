//! The one place where the Instagram and X clients' errors become core's
//! [`RemoteError`], sorted by what the engine does next.
//!
//! Both client enums are `#[non_exhaustive]`, so each match ends in one arm
//! for variants added after this was written; every variant known today has
//! its own arm, so a new one shows up as that arm's `Unavailable` in review
//! rather than as a silent misclassification of an existing one.

use std::time::Duration;

use jiff::Timestamp;
use xpost_core::RemoteError;

/// Graph's "object does not exist, cannot be loaded due to missing
/// permissions, or does not support this operation": code 100, subcode 33.
const GRAPH_NO_SUCH_OBJECT: (i64, Option<i64>) = (100, Some(33));

/// Whether Instagram said the object asked for does not exist (deleted, or
/// never was), as opposed to any other refusal.
pub fn ig_not_found(error: &ig_client::Error) -> bool {
    error
        .graph_error()
        .is_some_and(|g| (g.code, g.error_subcode) == GRAPH_NO_SUCH_OBJECT)
}

/// `now + wait`, saturating, as the instant calls may resume.
fn after(now: Timestamp, wait: Duration) -> Timestamp {
    now.saturating_add(jiff::SignedDuration::try_from(wait).unwrap_or(jiff::SignedDuration::MAX))
        .unwrap_or(Timestamp::MAX)
}

/// Converts an Instagram client error seen at `now`.
pub fn from_ig(error: &ig_client::Error, now: Timestamp) -> RemoteError {
    use ig_client::Error as E;
    let message = error.to_string();
    match error {
        E::TokenInvalid { .. }
        | E::OAuth { .. }
        | E::AuthorizationDenied { .. }
        | E::StateMismatch => RemoteError::Reauth { message },
        E::PermissionMissing { permission, .. } => RemoteError::MissingScope {
            // Unnamed, it is the one permission every read needs.
            scope: permission
                .clone()
                .unwrap_or_else(|| ig_client::Scope::BusinessBasic.as_str().to_owned()),
            message,
        },
        E::RateLimited { .. } => RemoteError::RateLimited {
            // The client's own decision: the usage headers' regain time, or its
            // throttle default, never an immediate retry.
            until: match error.retry_kind() {
                ig_client::RetryKind::After(wait) => Some(after(now, wait)),
                _ => Some(after(now, ig_client::DEFAULT_THROTTLE_WAIT)),
            },
            message,
        },
        E::CursorExpired { .. } => RemoteError::CursorExpired { message },
        E::BadRequest { .. } if ig_not_found(error) => RemoteError::NotFound { message },
        E::BadRequest { .. }
        | E::ContainerUnusable { .. }
        | E::ContainerFailed { .. }
        | E::RefreshNotAllowed(_)
        | E::InvalidSignedRequest(_)
        | E::BadInput(_)
        | E::InvalidConfig(_) => RemoteError::Rejected { message },
        E::Transient { .. } | E::ContainerPending { .. } => RemoteError::Unavailable { message },
        E::Network { .. } if error.retry_kind() == ig_client::RetryKind::Never => {
            RemoteError::Rejected { message }
        }
        E::Network { .. } => RemoteError::Unavailable { message },
        E::UnexpectedResponse { status, .. } if *status >= 500 => {
            RemoteError::Unavailable { message }
        }
        E::UnexpectedResponse { .. } => RemoteError::Rejected { message },
        E::BodyTooLarge { .. } | E::UrlRefused { .. } | E::UnexpectedContentType { .. } => {
            RemoteError::Media { message }
        }
        // A variant newer than this adapter: treat it as passing trouble, so the
        // engine retries with back-off instead of giving up on a post.
        _ => RemoteError::Unavailable { message },
    }
}

/// Converts an X client error.
pub fn from_x(error: &x_client::Error) -> RemoteError {
    use x_client::Error as E;
    let message = error.to_string();
    match error {
        // The adapters give every session with a refresh token a way to refresh,
        // so a 401 that still reaches us means the grant itself is gone.
        E::Unauthorized { .. }
        | E::ReauthRequired { .. }
        | E::OAuth { .. }
        | E::StateMismatch
        | E::CredentialsMissing { .. } => RemoteError::Reauth { message },
        E::MissingScope { scope, .. } => RemoteError::MissingScope {
            scope: scope.as_str().to_owned(),
            message,
        },
        E::DuplicateContent { .. } => RemoteError::Duplicate { message },
        E::NotFound { .. } => RemoteError::NotFound { message },
        E::RateLimited { until, .. } => RemoteError::RateLimited {
            until: *until,
            message,
        },
        // RateLimited is the only transient class that carries an instant, and a
        // server-named retry time beats the back-off the status alone suggests.
        E::Server {
            retry_at: Some(at), ..
        } => RemoteError::RateLimited {
            until: Some(*at),
            message,
        },
        E::PaymentRequired { .. } | E::UsageCapped { .. } => RemoteError::QuotaExhausted {
            until: None,
            message,
        },
        E::Server { .. }
        | E::Timeout { .. }
        | E::Network { .. }
        | E::MediaProcessingTimeout { .. }
        // The session keeps the refreshed tokens and writes them again on its next
        // call, so both hook failures pass with time.
        | E::TokenHook { .. }
        | E::TokenPersist { .. } => RemoteError::Unavailable { message },
        // The upload's byte source is the Instagram download: its own error says
        // what went wrong better than "the source failed".
        E::MediaSource { source, .. } => source
            .downcast_ref::<RemoteError>()
            .cloned()
            .unwrap_or(RemoteError::Unavailable { message }),
        E::MediaProcessingFailed { .. } | E::MediaLengthMismatch { .. } => {
            RemoteError::Media { message }
        }
        E::Forbidden { .. }
        | E::BadRequest { .. }
        | E::Decode { .. }
        | E::NoData { .. }
        | E::ResponseTooLarge { .. }
        | E::InvalidInput { .. }
        | E::Config { .. } => RemoteError::Rejected { message },
        // A variant newer than this adapter: treat it as passing trouble, so the
        // engine retries with back-off instead of giving up on a post.
        _ => RemoteError::Unavailable { message },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn graph(code: i64, subcode: Option<i64>, message: &str) -> Vec<u8> {
        let mut error = serde_json::json!({
            "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "t"
        });
        if let Some(sub) = subcode {
            error["error_subcode"] = sub.into();
        }
        serde_json::to_vec(&serde_json::json!({ "error": error })).unwrap()
    }

    fn ig(status: u16, body: &[u8]) -> RemoteError {
        let error = ig_client::Error::from_response(status, body, None);
        from_ig(&error, Timestamp::from_second(1_000).unwrap())
    }

    #[test]
    fn instagram_token_death_is_reauth() {
        for subcode in [None, Some(458), Some(460), Some(463)] {
            let got = ig(400, &graph(190, subcode, "Error validating access token"));
            assert!(matches!(got, RemoteError::Reauth { .. }), "{got:?}");
        }
    }

    #[test]
    fn instagram_missing_permission_names_it() {
        let got = ig(
            403,
            &graph(10, None, "(#10) Requires instagram_business_basic"),
        );
        assert!(
            matches!(got, RemoteError::MissingScope { ref scope, .. } if scope == "instagram_business_basic"),
            "{got:?}"
        );
    }

    #[test]
    fn instagram_throttle_waits_until_an_instant() {
        let got = ig(400, &graph(4, None, "Application request limit reached"));
        let default_end = Timestamp::from_second(1_000 + 300).unwrap();
        assert!(
            matches!(got, RemoteError::RateLimited { until: Some(t), .. } if t == default_end),
            "{got:?}"
        );
        let bare = ig(429, b"Too Many Requests");
        assert!(matches!(
            bare,
            RemoteError::RateLimited { until: Some(_), .. }
        ));
    }

    #[test]
    fn instagram_missing_object_cursor_transient_and_bad_request() {
        let gone = ig(
            400,
            &graph(100, Some(33), "Object with ID '1' does not exist"),
        );
        assert!(matches!(gone, RemoteError::NotFound { .. }), "{gone:?}");
        let field = ig(400, &graph(100, None, "Tried accessing nonexisting field"));
        assert!(matches!(field, RemoteError::Rejected { .. }), "{field:?}");
        let cursor = ig(
            400,
            &graph(100, None, "The parameter cursor value X is invalid"),
        );
        assert!(
            matches!(cursor, RemoteError::CursorExpired { .. }),
            "{cursor:?}"
        );
        let flaky = ig(500, &graph(2, None, "Service temporarily unavailable"));
        assert!(
            matches!(flaky, RemoteError::Unavailable { .. }),
            "{flaky:?}"
        );
        let gateway = ig(502, b"<html>bad gateway</html>");
        assert!(matches!(gateway, RemoteError::Unavailable { .. }));
    }

    #[test]
    fn instagram_download_refusals_are_media_errors() {
        let refused = ig_client::Error::UrlRefused {
            reason: "only https media URLs are fetched".into(),
        };
        assert!(matches!(
            from_ig(&refused, Timestamp::UNIX_EPOCH),
            RemoteError::Media { .. }
        ));
        let html = ig_client::Error::UnexpectedContentType {
            content_type: "text/html".into(),
        };
        assert!(matches!(
            from_ig(&html, Timestamp::UNIX_EPOCH),
            RemoteError::Media { .. }
        ));
    }

    #[test]
    fn x_classes() {
        let reauth = x_client::Error::ReauthRequired {
            reason: "refresh token refused".into(),
        };
        assert!(matches!(from_x(&reauth), RemoteError::Reauth { .. }));
        let scope = x_client::Error::MissingScope {
            scope: x_client::Scope::MEDIA_WRITE,
            endpoint: x_client::Endpoint::MediaUpload,
        };
        assert!(
            matches!(from_x(&scope), RemoteError::MissingScope { ref scope, .. } if scope == "media.write")
        );
        let dup = x_client::Error::DuplicateContent {
            detail: "You are not allowed to create a Tweet with duplicate content.".into(),
        };
        assert!(matches!(from_x(&dup), RemoteError::Duplicate { .. }));
        let at = Timestamp::from_second(5_000).unwrap();
        let busy = x_client::Error::Server {
            status: 503,
            retry_at: Some(at),
            body: String::new(),
        };
        assert_eq!(
            from_x(&busy).retry_kind(Timestamp::from_second(4_990).unwrap()),
            xpost_core::RetryKind::After(Duration::from_secs(10))
        );
        let down = x_client::Error::Server {
            status: 502,
            retry_at: None,
            body: String::new(),
        };
        assert!(matches!(from_x(&down), RemoteError::Unavailable { .. }));
        let bad = x_client::Error::InvalidInput {
            field: "text",
            reason: "empty".into(),
        };
        assert!(matches!(from_x(&bad), RemoteError::Rejected { .. }));
        let processing = x_client::Error::MediaLengthMismatch {
            declared: 10,
            received: 9,
        };
        assert!(matches!(from_x(&processing), RemoteError::Media { .. }));
    }

    #[test]
    fn x_spent_budgets_and_missing_posts() {
        let capped = x_client::Error::UsageCapped {
            problem: Box::new(x_client::Problem::parse(
                429,
                br#"{"title":"UsageCapExceeded","type":"https://api.x.com/2/problems/usage-capped"}"#,
            )),
        };
        assert!(matches!(
            from_x(&capped),
            RemoteError::QuotaExhausted { .. }
        ));
        let broke = x_client::Error::PaymentRequired {
            problem: Box::new(x_client::Problem::default()),
        };
        assert!(matches!(from_x(&broke), RemoteError::QuotaExhausted { .. }));
        let limited = x_client::Error::RateLimited {
            until: Some(Timestamp::from_second(2_000).unwrap()),
            info: Box::default(),
            problem: None,
        };
        assert!(matches!(
            from_x(&limited),
            RemoteError::RateLimited { until: Some(t), .. } if t == Timestamp::from_second(2_000).unwrap()
        ));
        let gone = x_client::Error::NotFound {
            problem: Box::new(x_client::Problem::default()),
        };
        assert!(matches!(from_x(&gone), RemoteError::NotFound { .. }));
    }

    #[test]
    fn x_media_source_errors_keep_the_source_class() {
        let inner = RemoteError::Reauth {
            message: "instagram token revoked".into(),
        };
        let error = x_client::Error::MediaSource {
            received: 0,
            source: Box::new(inner.clone()),
        };
        assert_eq!(from_x(&error), inner);
    }
}
