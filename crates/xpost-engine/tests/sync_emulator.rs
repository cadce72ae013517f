//! Deletion and edit sync with the SQLite store and the real adapters against
//! the in-process emulator, kill points included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;
#[macro_use]
mod sync_support;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use sync_support::{Backend, Stores};
use xpost_core::{SealingKey, Store};
use xpost_store_sqlite::SqliteStore;

/// One SQLite file; each `open` is a new connection to it, as a new process.
struct SqliteFile {
    path: PathBuf,
    key: SealingKey,
}

#[async_trait]
impl Stores for SqliteFile {
    async fn open(&self) -> Arc<dyn Store> {
        Arc::new(
            SqliteStore::open(&self.path, self.key.clone())
                .await
                .unwrap(),
        )
    }
}

struct Sqlite;

#[async_trait]
impl Backend for Sqlite {
    async fn fresh(&self) -> Box<dyn Stores> {
        Box::new(SqliteFile {
            path: tempfile::tempdir().unwrap().keep().join("xpost.db"),
            key: SealingKey::generate(),
        })
    }
}

sync_scenarios!(async { Some(Sqlite) });
