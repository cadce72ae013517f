//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong in `xpost-policy`. All of it is bad input
/// (settings or a post): retrying the same call fails the same way, so the
/// caller fixes the input instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A settings file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why reading failed.
        #[source]
        source: std::io::Error,
    },
    /// A settings file (or string) is not accepted: bad TOML, an unknown key,
    /// a wrong type or an impossible value. The message names where.
    #[error("{file}:{line}:{column}: {key}: {message}")]
    Config {
        /// The file name, or `<string>` when loaded from memory.
        file: String,
        /// 1-based line of the offending key or value.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Dotted path of the key, e.g. `links.main.schedule.quiet_hours`.
        key: String,
        /// What is wrong and what would be right.
        message: String,
    },
    /// Settings built in code hold an impossible value.
    #[error("invalid setting {key}: {message}")]
    Invalid {
        /// Dotted path of the key inside one link's settings.
        key: String,
        /// What is wrong and what would be right.
        message: String,
    },
    /// A link name that the settings file does not define.
    #[error("no link named {0:?} in the settings (known: {1})")]
    UnknownLink(String, String),
    /// The text could not be made into valid posts.
    #[error("cannot render the post: {0}")]
    Render(#[from] xpost_transform::TransformError),
}

impl PolicyError {
    pub(crate) fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        PolicyError::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }
}
