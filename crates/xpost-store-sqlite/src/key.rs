//! Where the sealing key comes from: `XPOST_SECRET_KEY`, or a key file beside
//! the database, created with mode 0600 on first use.

use std::io::Write;
use std::path::{Path, PathBuf};

use xpost_core::{SealingKey, StoreError};

/// The environment variable that holds the key's text form.
pub const KEY_ENV: &str = "XPOST_SECRET_KEY";

/// The key file used for `db`: the database's path with `.key` appended.
pub fn key_file_for(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// The key from `XPOST_SECRET_KEY` when it is set, else from the key file
/// beside `db`, which is created (0600) with a new random key when missing.
///
/// # Errors
/// [`StoreError::WrongKey`] for a key that cannot be parsed,
/// [`StoreError::Unavailable`] when the key file cannot be read or written.
pub fn load_or_create(db: &Path) -> Result<SealingKey, StoreError> {
    if let Ok(text) = std::env::var(KEY_ENV) {
        return SealingKey::from_text(&text).map_err(|e| StoreError::WrongKey {
            reason: format!("{KEY_ENV}: {e}"),
        });
    }
    let path = key_file_for(db);
    match std::fs::read_to_string(&path) {
        Ok(text) => SealingKey::from_text(&text).map_err(|e| StoreError::WrongKey {
            reason: format!("{}: {e}", path.display()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A new key for a database that already exists could never open the
            // credentials sealed in it: say so instead of replacing the key.
            let existing = std::fs::metadata(db).map(|m| m.len() > 0).unwrap_or(false);
            if existing {
                return Err(StoreError::WrongKey {
                    reason: format!(
                        "the key file {} is missing for the existing database {}; restore it or set {KEY_ENV}",
                        path.display(),
                        db.display()
                    ),
                });
            }
            create(&path)
        }
        Err(e) => Err(io_error(&path, "read", e)),
    }
}

fn create(path: &Path) -> Result<SealingKey, StoreError> {
    let key = SealingKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(format!("{}\n", key.to_text()).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error(path, "write", e))?;
            Ok(key)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(|e| io_error(path, "read", e))?;
            SealingKey::from_text(&text).map_err(|e| StoreError::WrongKey {
                reason: format!("{}: {e}", path.display()),
            })
        }
        Err(e) => Err(io_error(path, "create", e)),
    }
}

fn io_error(path: &Path, what: &str, e: std::io::Error) -> StoreError {
    StoreError::Unavailable {
        message: format!("cannot {what} the key file {}: {e}", path.display()),
        source: Some(Box::new(e)),
    }
}
