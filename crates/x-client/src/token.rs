//! Tokens and scopes. Every secret is a `secrecy` type whose `Debug` shows nothing of it.

use secrecy::{ExposeSecret, SecretString};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use jiff::Timestamp;
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
    };
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

/// The scopes a token was granted, as the token endpoint reported them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
#[derive(Clone)]
pub struct TokenSet {
    /// The bearer token sent on API calls.
    pub access_token: AccessToken,
    /// The single-use refresh token, present when `offline.access` was granted.
    pub refresh_token: Option<RefreshToken>,
    /// When the access token stops working, if the server said.
    pub expires_at: Option<Timestamp>,
    /// The scopes the server granted.
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
