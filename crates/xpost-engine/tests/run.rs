//! `run` polls links on their schedule and stops gracefully.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use xpost_core::*;
use xpost_engine::{Engine, Limits};

#[tokio::test]
async fn run_cross_posts_what_appears_while_it_runs_and_stops_on_request() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (_clock, platform, connector) = setup(store.clone()).await;
    let mut limits = Limits::default();
    limits.poll_interval = Duration::from_millis(50);
    let engine = Engine::builder()
        .store(store.clone())
        .connector(connector)
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
    platform.post(1, "Appears while running", MediaType::Image, 1);
    let mut waited = 0;
    while platform.published().is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += 1;
        assert!(waited < 500, "run never posted");
    }
    platform.post(2, "And another", MediaType::Image, 0);
    while platform.published().len() < 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += 1;
        assert!(waited < 500, "run never posted the second");
    }
    stop.send(()).unwrap();
    let summary = running.await.unwrap().unwrap();
    assert_eq!(summary.posted, 2);
    assert!(summary.passes >= 2);
    assert_eq!(platform.published().len(), 2);
}
