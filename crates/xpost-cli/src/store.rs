//! Opening the store the global options name.

use std::path::PathBuf;
use std::sync::Arc;

use xpost_core::{SealingKey, Store};
use xpost_store_postgres::{KEY_ENV, PostgresStore};
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
/// [`CliError::Input`] for `--database-url` (the caller works on a SQLite
/// file only) or when no data directory is known.
pub fn db_path(global: &GlobalArgs) -> Result<PathBuf, CliError> {
    if global.database_url.is_some() {
        return Err(CliError::Input(
            "--database-url: this command works on the SQLite file only; use --db PATH".into(),
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
/// [`CliError::Store`] when it cannot be opened (with the cause and a hint),
/// [`CliError::Input`] for a `--database-url` that is not `postgres://` or
/// `postgresql://`, or without `XPOST_SECRET_KEY`.
pub async fn open(global: &GlobalArgs) -> Result<Arc<dyn Store>, CliError> {
    if let Some(url) = &global.database_url {
        return open_postgres(url)
            .await
            .map(|store| Arc::new(store) as Arc<dyn Store>);
    }
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

/// Opens the PostgreSQL store at `url` with the key from `XPOST_SECRET_KEY`.
///
/// # Errors
/// [`CliError::Input`] for another scheme or a missing or unparsable key,
/// [`CliError::Store`] when the database cannot be opened. No message repeats
/// the URL (it may carry a password).
pub async fn open_postgres(url: &str) -> Result<PostgresStore, CliError> {
    let scheme_ok = ["postgres://", "postgresql://"].iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    });
    if !scheme_ok {
        return Err(CliError::Input(
            "--database-url: only postgres:// or postgresql:// URLs are supported; use --db PATH for a SQLite file".into(),
        ));
    }
    let text = std::env::var(KEY_ENV).map_err(|_| {
        CliError::Input(format!(
            "--database-url: PostgreSQL needs {KEY_ENV} (the sealing key for stored tokens, the same on every worker); set it and try again"
        ))
    })?;
    let key = SealingKey::from_text(&text)
        .map_err(|e| CliError::Input(format!("{KEY_ENV} cannot be used: {e}")))?;
    PostgresStore::open(url, None, key)
        .await
        .map_err(|source| CliError::Store {
            path: "given by --database-url".into(),
            source,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_data_directory_is_created_private() {
        use std::os::unix::fs::PermissionsExt;
        let Ok(parent) = tempfile::tempdir() else {
            panic!("no temporary directory")
        };
        let dir = parent.path().join("a").join("xpost");
        assert!(create_private_dir(&dir).is_ok());
        let mode = std::fs::metadata(&dir).map(|m| m.permissions().mode());
        assert_eq!(mode.ok().map(|m| m & 0o777), Some(0o700));
    }

    #[tokio::test]
    async fn database_urls_other_than_postgres_are_refused_without_echoing_them() {
        for url in [
            "mysql://u:hunter2@host/db",
            "sqlite:///tmp/x.db",
            "xpost.db",
        ] {
            let err = open_postgres(url).await.map(drop).unwrap_err();
            let text = err.to_string();
            assert!(matches!(err, CliError::Input(_)), "{text}");
            assert!(text.contains("postgres://"), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
        }
    }
}
