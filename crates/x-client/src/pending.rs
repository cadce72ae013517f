//! An authorization waiting for its callback, in a form that can be stored: the
//! consent page may send the browser back to another process than the one that sent
//! it there (a web front-end, a restarted CLI), and that process needs the `state` to
//! check and the PKCE verifier to redeem the code.

use crate::error::Error;
use crate::token::{PkceVerifier, Scope, exposed};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What finishing an authorization needs: the `state` sent, the PKCE verifier, the
/// redirect URI and scopes asked for, and when it started.
///
/// Serializing it writes the verifier in clear (it is needed to redeem the code), so
/// store it where tokens are stored and drop it once the callback is handled. `Debug`
/// shows neither the verifier nor the state.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingAuthorization {
    state: String,
    #[serde(serialize_with = "exposed::serialize")]
    verifier: PkceVerifier,
    redirect_uri: String,
    scopes: Vec<Scope>,
    created_at: Timestamp,
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("state", &"[REDACTED]")
            .field("verifier", &self.verifier)
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl PendingAuthorization {
    pub(crate) fn new(
        state: String,
        verifier: PkceVerifier,
        redirect_uri: String,
        scopes: Vec<Scope>,
        created_at: Timestamp,
    ) -> Self {
        Self {
            state,
            verifier,
            redirect_uri,
            scopes,
            created_at,
        }
    }

    /// The `state` sent, to match against the callback's.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The PKCE verifier that redeems the code.
    pub fn verifier(&self) -> &PkceVerifier {
        &self.verifier
    }

    /// The redirect URI the consent page was given; the code exchange repeats it.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    /// When the authorization started, so stores can expire abandoned ones.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// Reads the callback URL's query: the code when consent was given.
    ///
    /// # Errors
    /// [`Error::StateMismatch`] when `state` differs, [`Error::OAuth`] with
    /// `access_denied` (or another code) when the user refused, and
    /// [`Error::InvalidInput`] when no code is present.
    pub fn code_from_callback(&self, callback: &url::Url) -> Result<String, Error> {
        let mut code = None;
        let mut state = None;
        let mut error = None;
        let mut description = None;
        for (k, v) in callback.query_pairs() {
            match k.as_ref() {
                "code" => code = Some(v.into_owned()),
                "state" => state = Some(v.into_owned()),
                "error" => error = Some(v.into_owned()),
                "error_description" => description = Some(v.into_owned()),
                _ => {}
            }
        }
        if let Some(error) = error {
            return Err(Error::OAuth { error, description });
        }
        if state.as_deref() != Some(self.state()) {
            return Err(Error::StateMismatch);
        }
        code.filter(|c| !c.is_empty())
            .ok_or_else(|| Error::invalid("callback", "no `code` parameter"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORED: &str = r#"{"state":"state-1","verifier":"verifier-secret-0123456789-0123456789-0123456789","redirect_uri":"http://127.0.0.1:8765/callback","scopes":["tweet.read","offline.access"],"created_at":"2023-11-14T22:13:20Z"}"#;

    #[test]
    fn serialized_shape_round_trips() {
        let pending: PendingAuthorization = serde_json::from_str(STORED).unwrap();
        assert_eq!(pending.state(), "state-1");
        assert_eq!(
            pending.scopes(),
            &[Scope::TWEET_READ, Scope::OFFLINE_ACCESS]
        );
        assert_eq!(pending.created_at().as_second(), 1_700_000_000);
        assert_eq!(serde_json::to_string(&pending).unwrap(), STORED);
    }

    #[test]
    fn debug_hides_the_verifier_and_state() {
        let pending: PendingAuthorization = serde_json::from_str(STORED).unwrap();
        let shown = format!("{pending:?}");
        assert!(!shown.contains("verifier-secret"), "{shown}");
        assert!(!shown.contains("state-1"), "{shown}");
        assert!(shown.contains("8765/callback"), "{shown}");
    }
}
