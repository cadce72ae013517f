//! What to do after a failure: the one vocabulary all crates answer in.

use std::time::Duration;

/// How a failed operation may be retried. Each client computes it in exactly
/// one place; the engine acts on it without looking at status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryKind {
    /// Retrying the same request fails the same way (bad input, a rule).
    Never,
    /// A transient failure: retry with bounded, jittered back-off.
    Backoff,
    /// The server said when to come back: wait at least this long.
    After(Duration),
    /// The credentials are gone: the user must link the account again.
    Reauth,
}

impl RetryKind {
    /// Whether a retry can succeed without the user doing anything.
    pub fn is_retryable(self) -> bool {
        matches!(self, RetryKind::Backoff | RetryKind::After(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_kinds_are_retryable() {
        assert!(RetryKind::Backoff.is_retryable());
        assert!(RetryKind::After(Duration::from_secs(3)).is_retryable());
        assert!(!RetryKind::Never.is_retryable());
        assert!(!RetryKind::Reauth.is_retryable());
    }
}
