//! Numbered schema migrations, applied at open in one transaction each and
//! recorded in SQLite's `user_version`.

use rusqlite::Connection;
use xpost_core::StoreError;

use crate::unavailable;

/// The migrations in order; the schema version is the number of the last applied.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/001_initial.sql")),
    (2, include_str!("../migrations/002_sync_edits.sql")),
    (3, include_str!("../migrations/003_profile_analytics.sql")),
    (4, include_str!("../migrations/004_stories_backlog.sql")),
    (5, include_str!("../migrations/005_serve.sql")),
];

/// The schema version this program writes.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _)| *version)
}

/// Brings the schema up to [`latest`]; refuses a file written by a newer xpost.
pub(crate) fn apply(conn: &mut Connection) -> Result<(), StoreError> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(unavailable("read the schema version"))?;
    if found > latest() {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: latest(),
        });
    }
    if found == 0 {
        // A file with tables but no xpost schema belongs to another program:
        // adding ours to it would damage it.
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                [],
                |row| row.get(0),
            )
            .map_err(unavailable("read the schema"))?;
        if tables > 0 {
            return Err(StoreError::Corrupt {
                what: "database".into(),
                message: "the file holds another program's tables, not xpost's; pass another --db"
                    .into(),
            });
        }
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
            .map_err(unavailable("start a migration"))?;
        // Another process may have migrated while this one waited for the lock.
        let now: i64 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(unavailable("read the schema version"))?;
        if now >= *version {
            continue;
        }
        tx.execute_batch(sql)
            .map_err(unavailable("apply a schema migration"))?;
        tx.pragma_update(None, "user_version", version)
            .map_err(unavailable("record the schema version"))?;
        tx.commit().map_err(unavailable("commit a migration"))?;
    }
    Ok(())
}
