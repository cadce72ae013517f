//! The store conformance suite, run on the SQLite store (a fresh file per test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use xpost_core::SealingKey;
use xpost_store_sqlite::SqliteStore;

async fn fresh() -> Option<SqliteStore> {
    let dir = tempfile::tempdir().unwrap();
    // Keep the directory for the test's life: the store holds the file open.
    let path = dir.keep().join("xpost.db");
    Some(
        SqliteStore::open(path, SealingKey::generate())
            .await
            .unwrap(),
    )
}

xpost_core::store_conformance_tests!(fresh());
