//! Upgrading a file written by an older xpost: its posts survive every later
//! migration and come back in order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use xpost_core::testing::sample_post;
use xpost_core::{LinkId, PostQuery, PostRecord, SealingKey, SourceId, Store};
use xpost_store_sqlite::SqliteStore;

#[tokio::test]
async fn a_version_1_file_keeps_its_posts_after_every_migration() {
    let db = tempfile::tempdir().unwrap().keep().join("xpost.db");
    let link = LinkId::new("default").unwrap();
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(include_str!("../migrations/001_initial.sql"))
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        for (id, second) in [("200", 20), ("9", 10)] {
            let record = PostRecord::discovered(
                link.clone(),
                sample_post(id, second),
                Timestamp::UNIX_EPOCH,
            );
            // A body as version 1 wrote it: no listing order.
            let mut body = serde_json::to_value(&record).unwrap();
            body.as_object_mut().unwrap().remove("listing_order");
            conn.execute(
                "INSERT INTO posts (link_id, source_id, state, final, due_at, published_at, version, body)
                 VALUES (?1, ?2, 'discovered', 0, NULL, ?3, 1, ?4)",
                rusqlite::params![
                    "default",
                    id,
                    record.post.timestamp.as_microsecond(),
                    body.to_string()
                ],
            )
            .unwrap();
        }
    }
    let store = SqliteStore::open(&db, SealingKey::generate())
        .await
        .unwrap();
    let posts = store.posts(&PostQuery::default()).await.unwrap();
    let ids: Vec<&str> = posts.iter().map(|r| r.source_id.as_str()).collect();
    assert_eq!(ids, ["9", "200"], "oldest first");
    assert!(posts.iter().all(|r| r.listing_order == 0));
    let due = store.due_posts(&link, Timestamp::MAX, 0).await.unwrap();
    assert_eq!(due.len(), 2);
    assert!(
        store
            .post(&link, &SourceId::new("9").unwrap())
            .await
            .unwrap()
            .is_some()
    );
    drop(store);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, xpost_store_sqlite::supported_schema_version());
}
