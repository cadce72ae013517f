//! Profile sync and analytics against the in-process emulator on the SQLite
//! store (the same scenarios run on PostgreSQL in `xpost-store-postgres`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;
mod profile_support;

use std::sync::Arc;

use xpost_core::{SealingKey, Store};
use xpost_store_sqlite::SqliteStore;

async fn sqlite() -> (Arc<dyn Store>, std::path::PathBuf, SealingKey) {
    let db = tempfile::tempdir().unwrap().keep().join("xpost.db");
    let key = SealingKey::generate();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db, key.clone()).await.unwrap());
    (store, db, key)
}

#[tokio::test]
async fn picture_change_synced_once() {
    profile_support::picture_change_synced_once(sqlite().await.0).await;
}

#[tokio::test]
async fn name_bio_and_website() {
    profile_support::name_bio_and_website(sqlite().await.0).await;
}

#[tokio::test]
async fn refused_v2_is_recorded_and_posts_go_on() {
    profile_support::refused_v2_is_recorded_and_posts_go_on(sqlite().await.0).await;
}

#[tokio::test]
async fn metrics_sampled_and_stored() {
    profile_support::metrics_sampled_and_stored(sqlite().await.0).await;
}

#[tokio::test]
async fn read_cap_stops_sampling_across_restarts() {
    let (store, db, key) = sqlite().await;
    let reopen: profile_support::Reopen = Box::new(move || {
        let (db, key) = (db.clone(), key.clone());
        Box::pin(async move {
            let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db, key).await.unwrap());
            store
        })
    });
    profile_support::read_cap_stops_sampling_across_restarts(store, reopen).await;
}

#[tokio::test]
async fn v1_fallback_with_oauth1() {
    profile_support::v1_fallback_with_oauth1(sqlite().await.0).await;
}

#[tokio::test]
async fn a_failed_picture_keeps_the_applied_name() {
    profile_support::a_failed_picture_keeps_the_applied_name(sqlite().await.0).await;
}
