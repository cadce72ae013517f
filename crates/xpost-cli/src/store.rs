//! Opening the store the global options name.

use std::path::PathBuf;
use std::sync::Arc;

use xpost_core::Store;
use xpost_store_sqlite::SqliteStore;

use crate::error::CliError;
use crate::global::GlobalArgs;

/// The SQLite file used when `--db` is not given: `xpost.db` in the user's data
/// directory (`$XDG_DATA_HOME/xpost` on Linux).
pub fn default_db_path() -> Result<PathBuf, CliError> {
    dirs::data_dir()
        .map(|dir| dir.join("xpost").join("xpost.db"))
        .ok_or_else(|| {
            CliError::Input("no data directory is known for this user; pass --db PATH".into())
        })
}

/// The SQLite file the global options name: `--db`, or [`default_db_path`].
///
/// # Errors
/// [`CliError::Input`] for `--database-url` (no PostgreSQL store in this build)
/// or when no data directory is known.
pub fn db_path(global: &GlobalArgs) -> Result<PathBuf, CliError> {
    if global.database_url.is_some() {
        return Err(CliError::Input(
            "--database-url: this build of xpost has no PostgreSQL store; use --db PATH (SQLite)"
                .into(),
        ));
    }
    match &global.db {
        Some(path) => Ok(path.clone()),
        None => default_db_path(),
    }
}

/// Opens the store: PostgreSQL when `--database-url` is given, else the SQLite
/// file (created with its key file on first use).
///
/// # Errors
/// [`CliError::Store`] when it cannot be opened (with the cause and a hint).
pub async fn open(global: &GlobalArgs) -> Result<Arc<dyn Store>, CliError> {
    let path = db_path(global)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let store = SqliteStore::open_with_default_key(&path)
        .await
        .map_err(|source| CliError::Store {
            path: path.display().to_string(),
            source,
        })?;
    Ok(Arc::new(store))
}

/// Creates `dir` and its parents, private to the user (0700) on Unix.
fn create_private_dir(dir: &std::path::Path) -> Result<(), CliError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| CliError::Input(format!("cannot create {}: {e}", dir.display())))
}
