//! Stories, backlogs and the review queue with the PostgreSQL store, against
//! the emulator: the scenarios the SQLite store runs in xpost-engine, each on a
//! fresh schema. Skipped (with a line saying why) when no server is named.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../xpost-engine/tests/adapters_support/mod.rs"]
mod adapters_support;
mod support;
#[path = "../../xpost-engine/tests/sync_scenarios/mod.rs"]
#[macro_use]
mod sync_scenarios;

use std::sync::Arc;

use support::{TempSchema, server};
use xpost_core::{SealingKey, Store};
use xpost_store_postgres::PostgresStore;

/// A store on a fresh schema (dropped with the returned guard).
async fn postgres(test: &str) -> Option<(Arc<dyn Store>, TempSchema, String, SealingKey)> {
    let url = server(test).await?;
    let schema = TempSchema::new(&url);
    let key = SealingKey::generate();
    let store: Arc<dyn Store> = Arc::new(
        PostgresStore::open(&url, Some(&schema.name), key.clone())
            .await
            .unwrap(),
    );
    Some((store, schema, url, key))
}

macro_rules! on_postgres {
    ($($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some((store, _schema, _, _)) = postgres(stringify!($name)).await else {
                    return;
                };
                sync_scenarios::$name(store).await;
            }
        )+
    };
}

each_scenario!(on_postgres);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_approve_then_kill() {
    if server("review_approve_then_kill").await.is_none() {
        return;
    }
    sync_scenarios::review_approve_then_kill(|| async {
        let (store, schema, url, key) = postgres("review_approve_then_kill").await.unwrap();
        let second: Arc<dyn Store> = Arc::new(
            PostgresStore::open(&url, Some(&schema.name), key)
                .await
                .unwrap(),
        );
        (
            store,
            second,
            Box::new(schema) as Box<dyn std::any::Any + Send>,
        )
    })
    .await;
}
