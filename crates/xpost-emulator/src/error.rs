//! The crate's error type: what can go wrong starting or running the emulator itself.
//!
//! Errors a client should see (bad tokens, rate limits, faults) are not Rust errors here:
//! they are HTTP answers shaped like the real platforms'.

use std::net::SocketAddr;

/// Why the emulator could not be built or started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listen address could not be bound (in use, or not allowed); not retryable as is.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The listen address could not be parsed; bad input.
    #[error("invalid listen address {input:?}: {source}")]
    BadAddress {
        /// What was given.
        input: String,
        /// The parser's reason.
        #[source]
        source: std::net::AddrParseError,
    },
    /// A builder setting is out of range; bad input, naming the setting.
    #[error("invalid setting {setting}: {reason}")]
    InvalidConfig {
        /// The setting's name.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An admin operation named an account or media that does not exist; bad input.
    #[error("no such {what}: {id}")]
    NotFound {
        /// What was looked for (`instagram account`, `media`, …).
        what: &'static str,
        /// The id or name given.
        id: String,
    },
    /// An admin operation's input is invalid (taken username, bad media type…); bad input.
    #[error("bad admin request: {0}")]
    BadInput(String),
    /// The server stopped with an I/O error while running; retryable by restarting.
    #[error("emulator server failed: {0}")]
    Io(#[from] std::io::Error),
}
