//! Forgetting a link while the scheduler works it: everything stored about it
//! goes, nothing of it is written back by a pass, and its posts on X stay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use common::*;
use tokio::sync::Notify;
use xpost_core::*;
use xpost_engine::{Connector, Engine, EngineError, Limits, PassOutcome, SyncOptions};

/// The fake connector, whose first `source` call (made by a pass that has read
/// the link and not yet taken its lease) waits until the test lets it go.
struct Gated {
    inner: Arc<FakeConnector>,
    armed: AtomicBool,
    /// Gate the `target` call (made under the lease) instead of `source`.
    at_target: bool,
    reached: Notify,
    release: Notify,
}

impl Gated {
    fn new(inner: Arc<FakeConnector>, at_target: bool) -> Arc<Self> {
        Arc::new(Self {
            inner,
            armed: AtomicBool::new(true),
            at_target,
            reached: Notify::new(),
            release: Notify::new(),
        })
    }

    async fn pass_gate(&self, at_target: bool) {
        if at_target == self.at_target && self.armed.swap(false, Ordering::SeqCst) {
            self.reached.notify_one();
            self.release.notified().await;
        }
    }
}

#[async_trait]
impl Connector for Gated {
    async fn source(&self, link: &Link) -> Result<Arc<dyn Source>, RemoteError> {
        self.pass_gate(false).await;
        self.inner.source(link).await
    }
    async fn target(&self, link: &Link) -> Result<Arc<dyn Target>, RemoteError> {
        self.pass_gate(true).await;
        self.inner.target(link).await
    }
    async fn revoke(&self, link: &Link, side: Side) -> Result<(), RemoteError> {
        self.inner.revoke(link, side).await
    }
}

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

/// A pass over the link with one new post, stopped at a gate.
struct Stopped {
    store: Arc<dyn Store>,
    platform: FakePlatform,
    gated: Arc<Gated>,
    engine: Engine,
    pass: tokio::task::JoinHandle<Result<xpost_engine::PassReport, EngineError>>,
}

/// Starts a pass that stops at the `target` call (under the lease) when
/// `at_target`, else at the `source` call (before it).
async fn stopped_pass(at_target: bool, caption: &str) -> Stopped {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (_clock, platform, connector) = setup(store.clone()).await;
    let gated = Gated::new(connector, at_target);
    let engine = Engine::builder()
        .store(store.clone())
        .connector(gated.clone())
        .build()
        .unwrap();
    platform.post(1, caption, MediaType::Image, 1);
    let pass = tokio::spawn({
        let engine = engine.clone();
        async move { engine.sync_link(&link_id(), SyncOptions::default()).await }
    });
    gated.reached.notified().await;
    Stopped {
        store,
        platform,
        gated,
        engine,
        pass,
    }
}

/// A pass that read the link before the forget and takes its lease after it
/// finds the link gone under the lease, writes nothing, and leaves no lease.
#[tokio::test]
async fn a_pass_that_read_the_link_before_the_forget_writes_nothing_after_it() {
    let Stopped {
        store,
        platform,
        gated,
        engine,
        pass,
    } = stopped_pass(false, "Found by the late pass").await;
    let report = engine.forget(&link_id()).await.unwrap();
    assert_eq!(report.links, 1);
    gated.release.notify_one();
    let late = pass.await.unwrap().unwrap();
    assert_eq!(late.outcome, PassOutcome::Inactive, "{late:?}");
    assert_eq!(late.discovered, 0);
    assert_eq!(traces(&*store).await, Vec::<String>::new());
    assert!(platform.published().is_empty(), "nothing was posted");
    assert_eq!(
        store.forget_link(&link_id()).await.unwrap(),
        ForgetReport::default(),
        "not even the lease the pass took is left"
    );
}

/// A pass holding the link's lease when the forget comes: the forget waits for
/// it, the pass stops at its next post without posting, and nothing of the
/// link is left once the forget returns.
#[tokio::test]
async fn a_forget_waits_for_the_pass_that_holds_the_lease() {
    let Stopped {
        store,
        platform,
        gated,
        engine,
        pass,
    } = stopped_pass(true, "Held up under the lease").await;
    assert_eq!(
        store.posts(&PostQuery::default()).await.unwrap().len(),
        1,
        "the pass recorded the post under its lease"
    );
    let forget = tokio::spawn({
        let engine = engine.clone();
        async move { engine.forget(&link_id()).await }
    });
    // The forget disconnects at once, then waits for the lease.
    let mut waited = 0;
    while store
        .link(&link_id())
        .await
        .unwrap()
        .is_some_and(|l| l.state == LinkState::Active)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
        waited += 1;
        assert!(waited < 2000, "the link was never disconnected");
    }
    assert!(!forget.is_finished(), "the forget waits for the pass");
    gated.release.notify_one();
    let stopped = pass.await.unwrap().unwrap();
    assert_eq!(stopped.outcome, PassOutcome::Inactive, "{stopped:?}");
    let report = forget.await.unwrap().unwrap();
    assert_eq!(report.posts, 1);
    assert_eq!(traces(&*store).await, Vec::<String>::new());
    assert!(platform.published().is_empty(), "nothing was posted");
}
