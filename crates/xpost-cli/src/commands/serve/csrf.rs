//! Cross-site request forgery checks for every `POST` from a page.
//!
//! Two independent checks, both required: the request comes from this
//! server's own origin, and its form carries the session's CSRF token,
//! compared in constant time.
//!
//! The origin is read from `Origin`; where a browser sends `Origin: null`
//! (it does for every form `POST` of a page with `Referrer-Policy:
//! no-referrer`, as ours are), from `Sec-Fetch-Site`, which browsers set
//! themselves and pages cannot forge; failing both, from `Referer`. A request
//! that shows none of them is refused.

use super::auth::same;

/// Why a `POST` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Neither `Origin` nor `Referer` names this server.
    ForeignOrigin,
    /// The form has no CSRF token, or not this session's.
    BadToken,
}

impl Refusal {
    /// What the refusal page says.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::ForeignOrigin => {
                "This form was not sent from this dashboard (its Origin or Referer names another site), so nothing was changed."
            }
            Refusal::BadToken => {
                "This form's security token is missing or out of date (the session may have expired), so nothing was changed. Reload the page and try again."
            }
        }
    }
}

/// The request headers the origin check reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct OriginHeaders<'a> {
    /// `Origin`.
    pub origin: Option<&'a str>,
    /// `Sec-Fetch-Site`.
    pub fetch_site: Option<&'a str>,
    /// `Referer`.
    pub referer: Option<&'a str>,
}

/// Checks that a request comes from `expected` (an origin such as
/// `https://xpost.example.com`).
///
/// # Errors
/// [`Refusal::ForeignOrigin`].
pub fn check_origin(expected: &str, headers: OriginHeaders<'_>) -> Result<(), Refusal> {
    if let Some(origin) = headers.origin.filter(|o| *o != "null") {
        return if origin.eq_ignore_ascii_case(expected) {
            Ok(())
        } else {
            Err(Refusal::ForeignOrigin)
        };
    }
    if let Some(site) = headers.fetch_site {
        return if site == "same-origin" {
            Ok(())
        } else {
            Err(Refusal::ForeignOrigin)
        };
    }
    let from = headers
        .referer
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| u.origin().ascii_serialization());
    match from {
        Some(from) if from.eq_ignore_ascii_case(expected) => Ok(()),
        _ => Err(Refusal::ForeignOrigin),
    }
}

/// Checks the form's `csrf` field against the session's token.
///
/// # Errors
/// [`Refusal::BadToken`].
pub fn check_token(expected: &str, given: Option<&str>) -> Result<(), Refusal> {
    match given {
        Some(given) if same(expected.as_bytes(), given.as_bytes()) => Ok(()),
        _ => Err(Refusal::BadToken),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h<'a>(
        origin: Option<&'a str>,
        fetch_site: Option<&'a str>,
        referer: Option<&'a str>,
    ) -> OriginHeaders<'a> {
        OriginHeaders {
            origin,
            fetch_site,
            referer,
        }
    }

    #[test]
    fn origins_must_be_this_server() {
        let me = "http://127.0.0.1:8080";
        let foreign = Err(Refusal::ForeignOrigin);
        assert_eq!(check_origin(me, h(Some(me), None, None)), Ok(()));
        assert_eq!(
            check_origin(me, h(None, None, Some("http://127.0.0.1:8080/links?x=1"))),
            Ok(())
        );
        assert_eq!(
            check_origin(me, h(Some("null"), Some("same-origin"), None)),
            Ok(())
        );
        assert_eq!(
            check_origin(
                me,
                h(Some("http://evil.example"), Some("same-origin"), Some(me))
            ),
            foreign
        );
        assert_eq!(
            check_origin(me, h(Some("null"), Some("cross-site"), Some(me))),
            foreign
        );
        assert_eq!(
            check_origin(me, h(None, None, Some("http://127.0.0.1:8081/"))),
            foreign
        );
        assert_eq!(check_origin(me, h(None, None, None)), foreign);
        assert_eq!(check_origin(me, h(Some("null"), None, None)), foreign);
    }

    #[test]
    fn tokens_must_match() {
        assert_eq!(check_token("abc", Some("abc")), Ok(()));
        assert_eq!(check_token("abc", Some("abd")), Err(Refusal::BadToken));
        assert_eq!(check_token("abc", None), Err(Refusal::BadToken));
    }
}
