//! Stories, backlogs and the review queue with the SQLite store, against the
//! emulator (the scenarios are shared with the PostgreSQL store's tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;
#[macro_use]
mod sync_scenarios;

use std::sync::Arc;

use xpost_core::{SealingKey, Store};
use xpost_store_sqlite::SqliteStore;

/// A store in a new SQLite file, and how to open that file again.
async fn sqlite() -> (Arc<dyn Store>, std::path::PathBuf, SealingKey) {
    let db = tempfile::tempdir().unwrap().keep().join("xpost.db");
    let key = SealingKey::generate();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db, key.clone()).await.unwrap());
    (store, db, key)
}

macro_rules! on_sqlite {
    ($($name:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                sync_scenarios::$name(sqlite().await.0).await;
            }
        )+
    };
}

each_scenario!(on_sqlite);

#[tokio::test]
async fn review_approve_then_kill() {
    sync_scenarios::review_approve_then_kill(|| async {
        let (store, db, key) = sqlite().await;
        let second: Arc<dyn Store> = Arc::new(SqliteStore::open(&db, key).await.unwrap());
        (store, second, Box::new(()) as Box<dyn std::any::Any + Send>)
    })
    .await;
}
