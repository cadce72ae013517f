//! The crate's one error type: why an adapter could not be built.
//!
//! Failures of a shortening call are [`xpost_core::ShortenError`]s, the
//! vocabulary every [`xpost_core::Shortener`] answers in; this type covers
//! only configuration, before any request is sent. None of it is worth
//! retrying: the configuration has to change.

/// Why a shortener could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No base URL was given.
    #[error("the shortener needs a base URL")]
    MissingBaseUrl,
    /// The base URL does not parse, or is not an http(s) URL a request can
    /// be built on.
    #[error("invalid shortener base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No API key (Shlink) or signature (YOURLS) was given.
    #[error("the shortener needs its {what}")]
    MissingKey {
        /// What is missing: `API key` or `signature`.
        what: &'static str,
    },
    /// The named environment variable that should hold the key is unset or
    /// empty.
    #[error("the environment variable {name} (named by text.shortener_key_env) is not set")]
    MissingKeyEnv {
        /// The variable's name.
        name: String,
    },
    /// The settings name a shortener but leave out a key it needs.
    #[error("invalid shortener settings: {0}")]
    Settings(String),
    /// The user agent is not a valid header value.
    #[error("invalid user agent {0:?}")]
    InvalidUserAgent(String),
    /// The timeout is zero, so no request could ever finish.
    #[error("the timeout must be more than zero")]
    ZeroTimeout,
    /// The default HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}
