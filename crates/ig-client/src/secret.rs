//! Secret values: access tokens and the app secret.
//!
//! Both wrap [`secrecy::SecretString`], so they never show up in `Debug`
//! output or logs, and have no `Display` or `Serialize`. Reading the value is
//! an explicit [`AccessToken::expose`] at the places that put it on the wire,
//! and [`serialize_exposed`] where a [`Token`](crate::Token) is written for a
//! store. Deserializing a token exposes nothing, so `AccessToken` has it.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serializer};

/// An Instagram access token (short- or long-lived, usually `IGAA…`).
#[derive(Clone)]
pub struct AccessToken(SecretString);

impl<'de> Deserialize<'de> for AccessToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// Writes the token in clear text. Only fields that are meant to reach a
/// store name this function, so serializing a token is always a visible,
/// deliberate choice rather than a derive that leaks it into any JSON.
pub(crate) fn serialize_exposed<S: Serializer>(
    token: &AccessToken,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(token.expose())
}

impl AccessToken {
    /// Wraps a token received from Instagram or loaded from storage.
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    /// The token itself, for storing it or putting it on the wire.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([REDACTED])")
    }
}

/// The app's credentials: the Instagram app id and app secret.
#[derive(Clone)]
pub struct AppCredentials {
    client_id: String,
    client_secret: SecretString,
}

impl AppCredentials {
    /// Credentials from the App Dashboard (Instagram app id, not the Facebook one).
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        }
    }

    /// The Instagram app id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The app secret, for the token endpoints and `signed_request` checks.
    pub fn client_secret(&self) -> &str {
        self.client_secret.expose_secret()
    }
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let token = AccessToken::new("IGAAsecret-token-value");
        let creds = AppCredentials::new("12345", "app-secret-value");
        let shown = format!("{token:?} {creds:?} {:#?}", (&token, &creds));
        assert!(!shown.contains("secret-token-value"), "{shown}");
        assert!(!shown.contains("app-secret-value"), "{shown}");
        assert!(shown.contains("12345"));
        assert_eq!(token.expose(), "IGAAsecret-token-value");
    }
}
