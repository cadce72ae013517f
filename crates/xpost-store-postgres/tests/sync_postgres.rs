//! Deletion and edit sync with the PostgreSQL store against the in-process
//! emulator, kill points included: the scenarios the SQLite store runs, on a
//! fresh schema each.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../xpost-engine/tests/adapters_support/mod.rs"]
mod adapters_support;
mod support;
#[path = "../../xpost-engine/tests/sync_support/mod.rs"]
#[macro_use]
mod sync_support;

use std::sync::Arc;

use async_trait::async_trait;
use support::{TempSchema, server};
use sync_support::{Backend, Stores};
use xpost_core::{SealingKey, Store};
use xpost_store_postgres::PostgresStore;

/// One schema; each `open` is a new pool on it, as a new process.
struct Schema {
    schema: TempSchema,
    key: SealingKey,
}

#[async_trait]
impl Stores for Schema {
    async fn open(&self) -> Arc<dyn Store> {
        Arc::new(
            PostgresStore::open(&self.schema.url, Some(&self.schema.name), self.key.clone())
                .await
                .unwrap(),
        )
    }
}

struct Postgres {
    url: String,
}

#[async_trait]
impl Backend for Postgres {
    async fn fresh(&self) -> Box<dyn Stores> {
        Box::new(Schema {
            schema: TempSchema::new(&self.url),
            key: SealingKey::generate(),
        })
    }
}

sync_scenarios!(async { server("sync_postgres").await.map(|url| Postgres { url }) });
