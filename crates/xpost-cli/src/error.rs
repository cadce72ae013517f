//! The front-end's one error type: a cause a person can read on one line.

use xpost_core::StoreError;
use xpost_emulator::EmulatorError;
use xpost_engine::EngineError;

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
    /// The store could not be opened.
    #[error("cannot open the database {path}: {source}")]
    Store {
        /// The database file.
        path: String,
        /// Why.
        #[source]
        source: StoreError,
    },
    /// The engine or the store failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<String> for CliError {
    fn from(cause: String) -> Self {
        Self::Input(cause)
    }
}

impl From<StoreError> for CliError {
    fn from(source: StoreError) -> Self {
        Self::Engine(EngineError::Store(source))
    }
}
