//! What deletion sync refuses to take for a deletion, on fakes where the
//! listing and the single lookup can disagree: a paging race, a lookup that
//! keeps failing within the grace period, a post older than the listing reached.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use jiff::SignedDuration;
use xpost_core::*;
use xpost_engine::{Engine, Limits, SyncOptions};

const DELETIONS: &str = "[defaults.sync]\ndeletions = true\ndeletion_grace = \"1h\"\n";

fn engine(store: &Arc<dyn Store>, connector: &Arc<FakeConnector>, clock: &ManualClock) -> Engine {
    engine_with(
        store.clone(),
        connector.clone(),
        clock,
        Arc::new(CountingNotifier::default()),
        DELETIONS,
    )
}

async fn record(store: &Arc<dyn Store>, id: u64) -> PostRecord {
    store
        .post(&link_id(), &SourceId::new(id.to_string()).unwrap())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_post_only_missing_from_the_listing_is_not_deleted() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let engine = engine(&store, &connector, &clock);
    platform.post(1, "Still here", MediaType::Image, 1);
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(platform.published().len(), 1);

    platform.state.lock().unwrap().unlisted.push("1".into());
    for _ in 0..3 {
        clock.advance(SignedDuration::from_hours(2));
        engine.sync_once(SyncOptions::default()).await.unwrap();
    }
    assert_eq!(platform.published().len(), 1, "the lookup found it");
    let r = record(&store, 1).await;
    assert_eq!(r.state, PostState::Posted);
    assert!(r.missing_since.is_none() && r.source_deleted_at.is_none());
}

#[tokio::test]
async fn failing_lookups_delete_nothing_before_the_grace_period_ends() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let engine = engine(&store, &connector, &clock);
    platform.post(1, "Deleted, unconfirmed", MediaType::Image, 1);
    engine.sync_once(SyncOptions::default()).await.unwrap();
    {
        let mut state = platform.state.lock().unwrap();
        state.source.clear();
        for _ in 0..10 {
            state.lookup_faults.push_back(Fault::Fail(lost()));
        }
    }
    engine.sync_once(SyncOptions::default()).await.unwrap();
    let first = record(&store, 1).await;
    assert!(first.missing_since.is_some(), "noted as missing");
    clock.advance(SignedDuration::from_mins(50));
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(platform.published().len(), 1, "within the grace period");
    assert_eq!(record(&store, 1).await.state, PostState::Posted);

    clock.advance(SignedDuration::from_mins(15));
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert!(
        platform.published().is_empty(),
        "missing for longer than the grace period"
    );
    let r = record(&store, 1).await;
    assert_eq!(r.state, PostState::Skipped);
    let events = store
        .events(&EventQuery {
            kinds: vec![EventKind::SourceDeleted],
            ..EventQuery::default()
        })
        .await
        .unwrap();
    assert!(
        events[0].message.contains("sync.deletion_grace"),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_post_older_than_the_listing_reached_is_not_missing() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let mut limits = Limits::default();
    limits.sync_listing = 2;
    let engine = Engine::builder()
        .store(store.clone())
        .connector(connector.clone())
        .clock(Arc::new(clock.clone()))
        .policy(xpost_policy::PolicyConfig::from_toml_str(DELETIONS, "test.toml").unwrap())
        .limits(limits)
        .build()
        .unwrap();
    for id in 1..=3 {
        platform.post(id, &format!("Post {id}"), MediaType::Image, 1);
        clock.advance(SignedDuration::from_mins(1));
    }
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(platform.published().len(), 3);

    // Gone, but the two newest posts are all the listing reaches.
    platform
        .state
        .lock()
        .unwrap()
        .source
        .retain(|p| p.id.as_str() != "1");
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(platform.published().len(), 3);
    assert_eq!(record(&store, 1).await.state, PostState::Posted);

    // Post 3 deleted too: the listing now ends before its bound, so it covers
    // the whole window, and both are found gone.
    platform
        .state
        .lock()
        .unwrap()
        .source
        .retain(|p| p.id.as_str() != "3");
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(record(&store, 1).await.state, PostState::Skipped);
    assert_eq!(record(&store, 3).await.state, PostState::Skipped);
    assert_eq!(record(&store, 2).await.state, PostState::Posted);
    assert_eq!(platform.published().len(), 1);
}
