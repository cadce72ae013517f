//! How an HTTP status becomes a [`ShortenError`], the same for both services.

use url::Url;
use xpost_core::ShortenError;

use crate::http::Answer;

/// At most this many characters of a raw body go into an error message.
const MESSAGE_CHARS: usize = 300;

/// The error for a failed answer. `message` is the service's own
/// explanation when the body held one; otherwise the start of the raw body.
pub(crate) fn failure(answer: &Answer, message: Option<String>) -> ShortenError {
    let message = || message.clone().unwrap_or_else(|| excerpt(&answer.text()));
    match answer.status {
        401 | 403 => ShortenError::Unauthorized {
            status: answer.status,
            message: message(),
        },
        429 => ShortenError::RateLimited {
            retry_after: answer.retry_after,
        },
        500..=599 => ShortenError::Server {
            status: answer.status,
            retry_after: answer.retry_after,
            body: answer.text(),
        },
        status => ShortenError::Rejected {
            status,
            message: message(),
        },
    }
}

/// The short URL a service named in `field`, checked to be an http(s) URL.
pub(crate) fn short_url(
    answer: &Answer,
    value: Option<&str>,
    field: &str,
) -> Result<Url, ShortenError> {
    let bad = |reason: String, source: Option<url::ParseError>| ShortenError::BadResponse {
        status: answer.status,
        reason,
        body: answer.text(),
        source: source.map(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>),
    };
    let raw = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad(format!("no `{field}` in the answer"), None))?;
    let url = Url::parse(raw).map_err(|e| bad(format!("`{field}` is not a URL"), Some(e)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!("`{field}` is not an http or https URL"), None));
    }
    Ok(url)
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MESSAGE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            retry_after: Some(Duration::from_secs(7)),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn statuses_map_to_what_the_caller_does() {
        assert!(matches!(
            failure(&answer(401, "no"), None),
            ShortenError::Unauthorized { status: 401, .. }
        ));
        assert!(matches!(
            failure(&answer(403, "no"), None),
            ShortenError::Unauthorized { status: 403, .. }
        ));
        assert!(matches!(
            failure(&answer(429, ""), None),
            ShortenError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(7)
        ));
        assert!(matches!(
            failure(&answer(503, "down"), None),
            ShortenError::Server { status: 503, ref body, .. } if body == "down"
        ));
        assert!(matches!(
            failure(&answer(400, "bad"), Some("invalid longUrl".to_owned())),
            ShortenError::Rejected { status: 400, ref message } if message == "invalid longUrl"
        ));
    }

    #[test]
    fn long_bodies_are_cut_in_messages() {
        let body = "é".repeat(1000);
        let ShortenError::Rejected { message, .. } = failure(&answer(404, &body), None) else {
            panic!("expected Rejected");
        };
        assert_eq!(message.chars().count(), MESSAGE_CHARS + 1);
    }

    #[test]
    fn short_urls_must_be_http() {
        let a = answer(200, "{}");
        assert!(short_url(&a, Some("https://sho.rt/abc"), "shortUrl").is_ok());
        for bad in [None, Some(""), Some("abc"), Some("javascript:alert(1)")] {
            assert!(
                matches!(
                    short_url(&a, bad, "shortUrl"),
                    Err(ShortenError::BadResponse { .. })
                ),
                "{bad:?}"
            );
        }
    }
}
