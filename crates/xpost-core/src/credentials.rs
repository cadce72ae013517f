//! Stored credentials: the tokens of one side of a link, as secret types.

use std::fmt;

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};

/// A token or other secret. `Debug` never shows it, and it has no `Display` or
/// `Serialize`: reading it takes an explicit [`Secret::expose`].
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The secret itself, for sending it where it belongs or sealing it at rest.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether two secrets hold the same value.
    pub fn same_as(&self, other: &Secret) -> bool {
        self.expose() == other.expose()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

/// The tokens of one side of a link and what is known about them.
#[derive(Clone)]
pub struct Credentials {
    /// The token sent on API calls.
    pub access_token: Secret,
    /// The token that gets a new access token, where the platform has one (X
    /// rotates it on every use; Instagram refreshes the access token itself).
    pub refresh_token: Option<Secret>,
    /// When the access token stops working, if known.
    pub expires_at: Option<Timestamp>,
    /// The scopes or permissions the platform granted, by its names.
    pub scopes: Vec<String>,
    /// When these tokens were obtained (by linking or by a refresh).
    pub obtained_at: Timestamp,
}

impl Credentials {
    /// Whether the access token expires within `margin` of `now` (unknown: no).
    pub fn expires_within(&self, now: Timestamp, margin: jiff::SignedDuration) -> bool {
        self.expires_at
            .is_some_and(|at| at <= now.saturating_add(margin).unwrap_or(now))
    }

    /// The first of `needed` that was not granted.
    pub fn first_missing_scope<'a>(&self, needed: &[&'a str]) -> Option<&'a str> {
        needed
            .iter()
            .copied()
            .find(|scope| !self.scopes.iter().any(|granted| granted == scope))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("obtained_at", &self.obtained_at)
            .finish()
    }
}

/// An OAuth 1.0a user access token (X's v1.1 `account/*` endpoints need one).
/// These tokens do not expire; the user revokes them in X's settings.
#[derive(Clone)]
pub struct OAuth1Token {
    /// The access token (`oauth_token`).
    pub token: Secret,
    /// Its secret (`oauth_token_secret`), half of every request's signing key.
    pub token_secret: Secret,
    /// The X account it acts as, as X reported it.
    pub user_id: Option<String>,
    /// That account's handle, as X reported it.
    pub screen_name: Option<String>,
    /// When it was obtained.
    pub obtained_at: Timestamp,
}

impl fmt::Debug for OAuth1Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Token")
            .field("token", &self.token)
            .field("token_secret", &self.token_secret)
            .field("user_id", &self.user_id)
            .field("screen_name", &self.screen_name)
            .field("obtained_at", &self.obtained_at)
            .finish()
    }
}

/// A stored value with the version the store gave it, for compare-and-swap.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// Its version: a swap names the version it replaces and fails if another
    /// writer got there first.
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_token() {
        let creds = Credentials {
            access_token: Secret::new("access-value-123"),
            refresh_token: Some(Secret::new("refresh-value-456")),
            expires_at: None,
            scopes: vec!["tweet.write".into()],
            obtained_at: Timestamp::UNIX_EPOCH,
        };
        let shown = format!(
            "{creds:?} {:?}",
            Versioned {
                value: creds.clone(),
                version: 3
            }
        );
        assert!(
            !shown.contains("value-123") && !shown.contains("value-456"),
            "{shown}"
        );
        assert!(shown.contains("tweet.write"));
    }

    #[test]
    fn oauth1_debug_never_shows_a_token() {
        let token = OAuth1Token {
            token: Secret::new("tok-value-789"),
            token_secret: Secret::new("sec-value-012"),
            user_id: Some("42".into()),
            screen_name: Some("someone".into()),
            obtained_at: Timestamp::UNIX_EPOCH,
        };
        let shown = format!("{token:?}");
        assert!(
            !shown.contains("value-789") && !shown.contains("value-012"),
            "{shown}"
        );
        assert!(shown.contains("someone"));
    }

    #[test]
    fn names_the_first_missing_scope() {
        let creds = Credentials {
            access_token: Secret::new("a"),
            refresh_token: None,
            expires_at: None,
            scopes: vec!["tweet.read".into(), "users.read".into()],
            obtained_at: Timestamp::UNIX_EPOCH,
        };
        assert_eq!(
            creds.first_missing_scope(&["tweet.read", "tweet.write", "media.write"]),
            Some("tweet.write")
        );
        assert_eq!(creds.first_missing_scope(&["users.read"]), None);
    }
}
