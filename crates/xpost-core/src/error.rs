//! The one error type of this crate.

/// What can go wrong when building a domain value. Every variant is bad input:
/// the same value fails the same way again, so none is worth retrying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// An id that is empty or has characters its kind never has.
    #[error("invalid {kind} {value:?}: {expected}")]
    InvalidId {
        /// Which id type refused it (`LinkId`, `IgMediaId`, ...).
        kind: &'static str,
        /// The refused value, as given.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// A name that is not one of the values a closed set allows.
    #[error("unknown {kind} {value:?}: expected one of {expected}")]
    UnknownValue {
        /// Which set refused it.
        kind: &'static str,
        /// The refused value, as given.
        value: String,
        /// The accepted values, comma-separated.
        expected: &'static str,
    },
}
