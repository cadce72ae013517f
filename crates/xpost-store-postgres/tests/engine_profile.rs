//! Profile sync and analytics against the in-process emulator on a PostgreSQL
//! schema: the scenarios `xpost-engine` runs on SQLite, unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../xpost-engine/tests/adapters_support/mod.rs"]
mod adapters_support;
#[path = "../../xpost-engine/tests/profile_support/mod.rs"]
mod profile_support;
mod support;

use std::sync::Arc;

use support::{TempSchema, server};
use xpost_core::{SealingKey, Store};
use xpost_store_postgres::PostgresStore;

async fn open(url: &str, schema: &str, key: &SealingKey) -> Arc<dyn Store> {
    Arc::new(
        PostgresStore::open(url, Some(schema), key.clone())
            .await
            .unwrap(),
    )
}

macro_rules! on_postgres {
    ($name:ident) => {
        #[tokio::test]
        async fn $name() {
            let Some(url) = server(stringify!($name)).await else {
                return;
            };
            let schema = TempSchema::new(&url);
            let store = open(&url, &schema.name, &SealingKey::generate()).await;
            profile_support::$name(store).await;
        }
    };
}

on_postgres!(picture_change_synced_once);
on_postgres!(name_bio_and_website);
on_postgres!(refused_v2_is_recorded_and_posts_go_on);
on_postgres!(metrics_sampled_and_stored);
on_postgres!(v1_fallback_with_oauth1);
on_postgres!(a_failed_picture_keeps_the_applied_name);

#[tokio::test]
async fn read_cap_stops_sampling_across_restarts() {
    let Some(url) = server("read_cap_stops_sampling_across_restarts").await else {
        return;
    };
    let schema = TempSchema::new(&url);
    let key = SealingKey::generate();
    let store = open(&url, &schema.name, &key).await;
    let name = schema.name.clone();
    let reopen: profile_support::Reopen = Box::new(move || {
        let (url, name, key) = (url.clone(), name.clone(), key.clone());
        Box::pin(async move { open(&url, &name, &key).await })
    });
    profile_support::read_cap_stops_sampling_across_restarts(store, reopen).await;
}
