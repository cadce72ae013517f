//! The embedded default store of xpost: everything in one SQLite file.
//!
//! Nothing to install or run: the file is created on first open (mode 0600),
//! in WAL mode so that readers (`xpost status`) never wait for the engine, and
//! brought up to date by the numbered migrations in `migrations/`, each applied
//! once in its own transaction. A file written by a newer xpost is refused with
//! [`StoreError::SchemaTooNew`] instead of being half-understood.
//!
//! Credentials are sealed with a [`SealingKey`] (XChaCha20-Poly1305) before they
//! reach the file; the key comes from `XPOST_SECRET_KEY` or from a key file
//! beside the database ([`key::load_or_create`]). A wrong key is reported at
//! open as [`StoreError::WrongKey`], never taken for missing credentials.
//!
//! Two processes may share the file (a long `xpost run` and a manual `xpost
//! sync --once`): every write that matters runs in an immediate transaction that
//! first checks the caller's lease, so only the lease holder's writes land.
//!
//! The driver is `rusqlite`: synchronous, so each call runs on tokio's blocking
//! pool over one connection, which is faster for SQLite's in-process work than
//! an async driver's channel hops, and has no build-time database.
//!
//! ```
//! use xpost_core::{Link, LinkId, SealingKey, Store};
//! use xpost_store_sqlite::SqliteStore;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("xpost-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let store = SqliteStore::open(dir.join("xpost.db"), SealingKey::generate()).await?;
//! let link = Link::new(LinkId::new("default")?, jiff::Timestamp::now());
//! store.put_link(&link).await?;
//! assert_eq!(store.links().await?.len(), 1);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```

pub mod key;
mod migrate;
mod store;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use xpost_core::{SealingKey, StoreError};

/// The SQLite store. Cheap to clone; clones share one connection.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    key: Arc<SealingKey>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

const KEY_CHECK: &[u8] = b"xpost key check";
const KEY_CHECK_CONTEXT: &[u8] = b"key_check";

impl SqliteStore {
    /// Opens (creating it if needed) the database at `path`, sealing credentials
    /// with `key`.
    ///
    /// # Errors
    /// [`StoreError::SchemaTooNew`] for a file from a newer xpost,
    /// [`StoreError::WrongKey`] when `key` is not the key the file was created
    /// with, [`StoreError::Unavailable`] when the file cannot be opened.
    pub async fn open(path: impl Into<PathBuf>, key: SealingKey) -> Result<Self, StoreError> {
        let path = path.into();
        let opened_path = path.clone();
        let conn =
            tokio::task::spawn_blocking(move || open_file(&opened_path, &key).map(|c| (c, key)))
                .await
                .map_err(|e| StoreError::Unavailable {
                    message: format!("opening the database stopped: {e}"),
                    source: None,
                })??;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn.0)),
            key: Arc::new(conn.1),
            path,
        })
    }

    /// Opens `path` with the key from `XPOST_SECRET_KEY`, or from the key file
    /// beside it (created on first use).
    ///
    /// # Errors
    /// As [`SqliteStore::open`] and [`key::load_or_create`].
    pub async fn open_with_default_key(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let path = path.into();
        let key = key::load_or_create(&path)?;
        Self::open(path, key).await
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file (SQLite's `user_version`), which
    /// opening brought up to [`supported_schema_version`].
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the file cannot be read.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        self.call(|conn, _| {
            conn.query_row("PRAGMA user_version", [], |row| row.get(0))
                .map_err(unavailable("read the schema version"))
        })
        .await
    }

    /// Runs `work` on the blocking pool with the connection.
    async fn call<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &SealingKey) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let key = Arc::clone(&self.key);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut guard, &key)
        })
        .await
        .map_err(|e| StoreError::Unavailable {
            message: format!("a database call stopped: {e}"),
            source: None,
        })?
    }
}

/// The newest schema version this build of xpost writes; a file with a higher
/// one is refused with [`StoreError::SchemaTooNew`].
pub fn supported_schema_version() -> i64 {
    migrate::latest()
}

fn open_file(path: &Path, key: &SealingKey) -> Result<Connection, StoreError> {
    create_private(path)?;
    let mut conn = Connection::open(path).map_err(unavailable("open the database"))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(unavailable("set the busy timeout"))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(unavailable("switch to WAL"))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(unavailable("set synchronous"))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(unavailable("enable foreign keys"))?;
    migrate::apply(&mut conn)?;
    check_key(&conn, key)?;
    Ok(conn)
}

/// Creates the file with mode 0600 before SQLite does (SQLite would use 0644).
///
/// An existing file is never opened here: closing any descriptor of a database
/// file releases every POSIX lock this process holds on it, including those of
/// a connection already open in this process, after which another process can
/// take itself for the last user and delete the WAL under that connection.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Unavailable {
            message: format!("cannot create {}: {e}", path.display()),
            source: Some(Box::new(e)),
        }),
    }
}

fn check_key(conn: &Connection, key: &SealingKey) -> Result<(), StoreError> {
    // The first opener seals the check value; two first openers race harmlessly
    // and both then verify against the one that won.
    conn.execute(
        "INSERT OR IGNORE INTO key_check (id, sealed) VALUES (1, ?1)",
        [key.seal(KEY_CHECK, KEY_CHECK_CONTEXT)],
    )
    .map_err(unavailable("write the key check"))?;
    let sealed: Vec<u8> = conn
        .query_row("SELECT sealed FROM key_check WHERE id = 1", [], |row| {
            row.get(0)
        })
        .map_err(unavailable("read the key check"))?;
    match key.open(&sealed, KEY_CHECK_CONTEXT) {
        Ok(plain) if plain == KEY_CHECK => Ok(()),
        _ => Err(StoreError::WrongKey {
            reason: "this is not the key the database was created with (check XPOST_SECRET_KEY or the key file beside the database)".into(),
        }),
    }
}

/// Maps a driver error to [`StoreError::Unavailable`], saying what was being done.
pub(crate) fn unavailable(doing: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::Unavailable {
        message: format!("cannot {doing}: {e}"),
        source: Some(Box::new(e)),
    }
}
