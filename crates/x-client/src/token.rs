//! Tokens and scopes. Every secret is a `secrecy` type whose `Debug` shows nothing of it.
//!
//! Secrets deserialize (stores load them) but never implement `Serialize`: a struct
//! that has to persist one, such as [`TokenSet`], names [`exposed`] on that field, so
//! the secret leaves its wrapper only inside that serialization and a secret can never
//! end up in some unrelated serialized value (a log line, an error report) by accident.

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// The secret itself; only for sending it where it belongs or storing it.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }

            /// Whether two secrets hold the same value.
            pub fn same_as(&self, other: &Self) -> bool {
                self.expose_secret() == other.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}([REDACTED])", stringify!($name))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::new)
            }
        }

        impl exposed::Secret for $name {
            fn exposed(&self) -> &str {
                self.expose_secret()
            }
        }
    };
}

/// Serializers that write a secret's value, for the fields that must persist one
/// (`#[serde(serialize_with = "exposed::serialize")]`).
pub(crate) mod exposed {
    use serde::Serializer;

    /// A secret wrapper that these serializers may open.
    pub(crate) trait Secret {
        fn exposed(&self) -> &str;
    }

    /// Writes the secret as a plain string.
    pub(crate) fn serialize<T: Secret, S: Serializer>(secret: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(secret.exposed())
    }

    /// Writes an optional secret as a string or `null`.
    pub(crate) fn serialize_option<T: Secret, S: Serializer>(
        secret: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match secret {
            Some(secret) => s.serialize_some(secret.exposed()),
            None => s.serialize_none(),
        }
    }
}

secret_type!(
    /// An OAuth 2.0 user access token (lives two hours on X).
    AccessToken
);
secret_type!(
    /// An OAuth 2.0 refresh token; X accepts each one once and hands out a new one.
    RefreshToken
);
secret_type!(
    /// An OAuth 2.0 client secret (confidential clients only).
    ClientSecret
);
secret_type!(
    /// An OAuth 1.0a consumer or token secret.
    OAuth1Secret
);
secret_type!(
    /// The PKCE code verifier of an authorization in progress; whoever holds it can
    /// redeem the authorization code.
    PkceVerifier
);

/// One OAuth 2.0 scope, such as `tweet.write`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Scope(Cow<'static, str>);

impl Scope {
    /// Read posts; needed on nearly every user-context call.
    pub const TWEET_READ: Scope = Scope(Cow::Borrowed("tweet.read"));
    /// Create and delete posts.
    pub const TWEET_WRITE: Scope = Scope(Cow::Borrowed("tweet.write"));
    /// Read users, including `users/me`.
    pub const USERS_READ: Scope = Scope(Cow::Borrowed("users.read"));
    /// Upload media and set its metadata.
    pub const MEDIA_WRITE: Scope = Scope(Cow::Borrowed("media.write"));
    /// Receive a refresh token.
    pub const OFFLINE_ACCESS: Scope = Scope(Cow::Borrowed("offline.access"));

    /// Any scope by name.
    pub fn new(name: impl Into<String>) -> Self {
        Self(Cow::Owned(name.into()))
    }

    /// The scope's name as X spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The set a cross-poster asks for: read, write, users, media and a refresh token.
    pub fn cross_posting() -> Vec<Scope> {
        vec![
            Self::TWEET_READ,
            Self::TWEET_WRITE,
            Self::USERS_READ,
            Self::MEDIA_WRITE,
            Self::OFFLINE_ACCESS,
        ]
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Scope::new)
    }
}

/// The scopes a token was granted, as the token endpoint reported them. Serialized
/// as a list of names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    /// Parses X's space-separated `scope` field.
    pub fn parse(list: &str) -> Self {
        Self(list.split_whitespace().map(Scope::new).collect())
    }

    /// Whether `scope` was granted.
    pub fn contains(&self, scope: &Scope) -> bool {
        self.0.iter().any(|s| s.as_str() == scope.as_str())
    }

    /// The first of `needed` that was not granted.
    pub fn first_missing<'a>(&self, needed: &'a [Scope]) -> Option<&'a Scope> {
        needed.iter().find(|s| !self.contains(s))
    }

    /// Whether no scope is recorded (for example tokens restored without their scopes).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes, in name order.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(Scope::as_str).collect();
        f.write_str(&names.join(" "))
    }
}

impl<I: IntoIterator<Item = Scope>> From<I> for Scopes {
    fn from(scopes: I) -> Self {
        Self(scopes.into_iter().collect())
    }
}

/// What an OAuth 2.0 grant produced: the tokens, their expiry and the granted scopes.
///
/// It serializes with the token values in clear, because storing them is the point;
/// serialize it only into the token store.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenSet {
    /// The bearer token sent on API calls.
    #[serde(serialize_with = "exposed::serialize")]
    pub access_token: AccessToken,
    /// The single-use refresh token, present when `offline.access` was granted.
    #[serde(
        default,
        serialize_with = "exposed::serialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub refresh_token: Option<RefreshToken>,
    /// When the access token stops working, if the server said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// The scopes the server granted.
    #[serde(default)]
    pub scopes: Scopes,
}

impl TokenSet {
    /// Whether the access token expires within `margin` of `now` (unknown expiry: no).
    pub fn expires_within(&self, now: Timestamp, margin: Duration) -> bool {
        self.expires_at
            .is_some_and(|at| crate::clock::until(now, at) <= margin)
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let set = TokenSet {
            access_token: AccessToken::new("access-secret-value"),
            refresh_token: Some(RefreshToken::new("refresh-secret-value")),
            expires_at: None,
            scopes: Scopes::parse("tweet.read tweet.write"),
        };
        let shown = format!("{set:?} {:?}", ClientSecret::new("client-secret-value"));
        assert!(!shown.contains("secret-value"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
        assert!(shown.contains("tweet.write"));
    }

    fn stored_set() -> TokenSet {
        TokenSet {
            access_token: AccessToken::new("access-1"),
            refresh_token: Some(RefreshToken::new("refresh-1")),
            expires_at: Some(Timestamp::from_second(1_700_007_200).unwrap()),
            scopes: Scopes::parse("tweet.read offline.access"),
        }
    }

    #[test]
    fn token_set_serialized_shape() {
        let json = serde_json::to_string(&stored_set()).unwrap();
        assert_eq!(
            json,
            r#"{"access_token":"access-1","refresh_token":"refresh-1","expires_at":"2023-11-15T00:13:20Z","scopes":["offline.access","tweet.read"]}"#
        );
    }

    #[test]
    fn token_set_round_trips_and_stays_redacted() {
        let set = stored_set();
        let back: TokenSet = serde_json::from_str(&serde_json::to_string(&set).unwrap()).unwrap();
        assert!(back.access_token.same_as(&set.access_token));
        assert!(
            back.refresh_token
                .as_ref()
                .unwrap()
                .same_as(&RefreshToken::new("refresh-1"))
        );
        assert_eq!(back.expires_at, set.expires_at);
        assert_eq!(back.scopes, set.scopes);
        let shown = format!("{back:?}");
        assert!(
            !shown.contains("access-1") && !shown.contains("refresh-1"),
            "{shown}"
        );

        let minimal: TokenSet = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
        assert!(minimal.refresh_token.is_none() && minimal.expires_at.is_none());
        assert!(minimal.scopes.is_empty());
    }

    #[test]
    fn scopes_parse_and_check() {
        let granted = Scopes::parse("tweet.read users.read  offline.access");
        assert!(granted.contains(&Scope::USERS_READ));
        assert_eq!(
            granted.first_missing(&[Scope::TWEET_READ, Scope::MEDIA_WRITE]),
            Some(&Scope::MEDIA_WRITE)
        );
        assert_eq!(granted.to_string(), "offline.access tweet.read users.read");
    }

    #[test]
    fn expiry_margin() {
        let now = Timestamp::from_second(1_000).unwrap();
        let set = TokenSet {
            access_token: AccessToken::new("a"),
            refresh_token: None,
            expires_at: Some(Timestamp::from_second(1_030).unwrap()),
            scopes: Scopes::default(),
        };
        assert!(set.expires_within(now, Duration::from_secs(60)));
        assert!(!set.expires_within(now, Duration::from_secs(10)));
    }
}
