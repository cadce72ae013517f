//! Forgetting a link while the scheduler works it: everything stored about it
//! goes, nothing of it is written back by a pass, and its posts on X stay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use xpost_core::*;
use xpost_engine::{Engine, EngineError, Limits};

/// Everything of the link that the store's read methods answer, empty or not.
async fn traces(store: &dyn Store) -> Vec<String> {
    let link = link_id();
    let mut found = Vec::new();
    if store.link(&link).await.unwrap().is_some() || !store.links().await.unwrap().is_empty() {
        found.push("link".to_owned());
    }
    for side in [Side::Source, Side::Target] {
        if store.credentials(&link, side).await.unwrap().is_some() {
            found.push(format!("{side} credentials"));
        }
    }
    if store.cursor(&link).await.unwrap().is_some() {
        found.push("cursor".to_owned());
    }
    let posts = store.posts(&PostQuery::default()).await.unwrap();
    if !posts.is_empty() {
        found.push(format!("{} posts", posts.len()));
    }
    let events = store.events(&EventQuery::default()).await.unwrap();
    if !events.is_empty() {
        found.push(format!("{} events", events.len()));
    }
    if !store
        .metrics(&MetricQuery::default())
        .await
        .unwrap()
        .is_empty()
    {
        found.push("metrics".to_owned());
    }
    found
}

#[tokio::test]
async fn a_running_scheduler_writes_nothing_of_a_forgotten_link_back() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (_clock, platform, connector) = setup(store.clone()).await;
    let mut limits = Limits::default();
    limits.poll_interval = Duration::from_millis(20);
    let engine = Engine::builder()
        .store(store.clone())
        .connector(connector.clone())
        .limits(limits)
        .build()
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn({
        let engine = engine.clone();
        async move {
            engine
                .run(async {
                    let _ = stopped.await;
                })
                .await
        }
    });
    platform.post(1, "Posted before the forget", MediaType::Image, 1);
    let mut waited = 0;
    while platform.published().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += 1;
        assert!(waited < 1000, "run never posted");
    }
    // New posts keep the scheduler busy with the link while it is forgotten.
    for id in 2..6 {
        platform.post(
            id,
            &format!("Appears around the forget {id}"),
            MediaType::Image,
            1,
        );
    }
    let report = engine.forget(&link_id()).await.unwrap();
    assert_eq!(report.links, 1);
    assert!(report.posts >= 1, "{report:?}");
    assert!(report.events >= 1, "{report:?}");
    assert_eq!(report.credentials, 0, "the fake connector stores none");
    // The scheduler goes on polling for a while; nothing of the link comes back.
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(traces(&*store).await, Vec::<String>::new());
    }
    stop.send(()).unwrap();
    running.await.unwrap().unwrap();
    assert_eq!(traces(&*store).await, Vec::<String>::new());
    let revoked = connector.revoked.lock().unwrap().clone();
    assert!(revoked.contains(&(link_id(), Side::Source)), "{revoked:?}");
    assert!(revoked.contains(&(link_id(), Side::Target)), "{revoked:?}");
    assert!(
        platform
            .published()
            .iter()
            .any(|p| p.text.starts_with("Posted before the forget")),
        "the post on X stays"
    );
    let again = engine.forget(&link_id()).await.unwrap_err();
    assert!(matches!(again, EngineError::UnknownLink(_)), "{again}");
}
