//! The front-end's one error type: a cause a person can read on one line.

use xpost_emulator::EmulatorError;

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The input or an option cannot be used; the text says which and why.
    #[error("{0}")]
    Input(String),
    /// The emulator could not start or serve.
    #[error(transparent)]
    Emulator(#[from] EmulatorError),
}

impl From<String> for CliError {
    fn from(cause: String) -> Self {
        Self::Input(cause)
    }
}
