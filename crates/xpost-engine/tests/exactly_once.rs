//! The engine's promise against a fake platform: every eligible post on the
//! target exactly once, whatever fails or stops in between.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use jiff::SignedDuration;
use xpost_core::*;
use xpost_engine::{PassOutcome, SyncOptions};

/// What was posted, without the permalink the default template appends.
fn texts(platform: &FakePlatform) -> Vec<String> {
    platform
        .published()
        .into_iter()
        .map(|p| {
            p.text
                .split("\n\nhttps://")
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

fn once(platform: &FakePlatform, caption: &str) {
    let hits = texts(platform)
        .iter()
        .filter(|t| t.as_str() == caption)
        .count();
    assert_eq!(
        hits,
        1,
        "{caption:?} must be on the target exactly once: {:?}",
        texts(platform)
    );
}

async fn state_of(store: &dyn Store, id: u64) -> PostRecord {
    store
        .post(&link_id(), &SourceId::new(id.to_string()).unwrap())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_new_post_goes_out_once_and_a_second_sync_changes_nothing() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let engine = engine(
        store.clone(),
        connector,
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    platform.post(1, "Sunset at the pier", MediaType::Image, 1);
    let report = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(report[0].outcome, PassOutcome::Completed);
    assert_eq!((report[0].discovered, report[0].posted), (1, 1));
    once(&platform, "Sunset at the pier");
    assert_eq!(platform.published()[0].media.len(), 1);
    let record = state_of(&*store, 1).await;
    assert_eq!(record.state, PostState::Posted);
    assert_eq!(record.target_ids().len(), 1);

    let again = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!((again[0].discovered, again[0].posted), (0, 0));
    assert_eq!(platform.published().len(), 1);
}

#[tokio::test]
async fn posts_older_than_the_link_wait_for_a_backfill() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    clock.advance(SignedDuration::from_secs(-120));
    platform.post(1, "From before the link", MediaType::Image, 1);
    clock.advance(SignedDuration::from_secs(180));
    let engine = engine(
        store.clone(),
        connector,
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert!(
        platform.published().is_empty(),
        "old posts are not cross-posted by default"
    );
    engine
        .sync_once(SyncOptions { backfill: Some(5) })
        .await
        .unwrap();
    once(&platform, "From before the link");
}

#[tokio::test]
async fn an_opt_out_post_is_skipped_with_its_rule() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let engine = engine(
        store.clone(),
        connector,
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    platform.post(1, "Private one #noxpost", MediaType::Image, 1);
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert!(platform.published().is_empty());
    let record = state_of(&*store, 1).await;
    assert_eq!(record.state, PostState::Skipped);
    assert_eq!(record.skip.unwrap().rule, "filters.opt_out_tag");
}

#[tokio::test]
async fn a_lost_answer_is_reconciled_instead_of_posted_twice() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let engine = engine(
        store.clone(),
        connector,
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    platform.post(1, "The answer got lost", MediaType::Image, 1);
    platform.fault_publish(Fault::LoseAnswer);
    engine.sync_once(SyncOptions::default()).await.unwrap();
    let record = state_of(&*store, 1).await;
    assert_eq!(record.state, PostState::Sending, "retried later");
    clock.advance(SignedDuration::from_secs(3600));
    engine.sync_once(SyncOptions::default()).await.unwrap();
    once(&platform, "The answer got lost");
    let record = state_of(&*store, 1).await;
    assert_eq!(record.state, PostState::Posted);
    let events = store
        .events(&EventQuery {
            kinds: vec![EventKind::Reconciled],
            ..EventQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
}

#[tokio::test]
async fn a_duplicate_refusal_is_already_posted_only_when_found() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let engine = engine(
        store.clone(),
        connector,
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    platform.post(1, "Said twice", MediaType::Image, 0);
    platform.fault_publish(Fault::Fail(RemoteError::Duplicate {
        message: "duplicate".into(),
    }));
    engine.sync_once(SyncOptions::default()).await.unwrap();
    let record = state_of(&*store, 1).await;
    assert_eq!(
        record.state,
        PostState::Failed,
        "nothing was found: a recorded failure"
    );
    assert!(record.error.unwrap().message.contains("duplicate"));
    assert!(platform.published().is_empty());
}

#[tokio::test]
async fn transient_failures_are_retried_with_backoff_and_rate_limits_wait_for_the_reset() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let engine = engine(
        store.clone(),
        connector,
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    platform.post(1, "Through the storm", MediaType::Image, 0);
    platform.post(2, "And the next", MediaType::Image, 0);
    let reset = clock.now() + SignedDuration::from_secs(900);
    platform.fault_publish(Fault::Fail(RemoteError::RateLimited {
        until: Some(reset),
        message: "429".into(),
    }));
    let report = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(report[0].outcome, PassOutcome::RateLimited);
    assert_eq!(report[0].next_due, Some(reset));
    assert!(
        platform.published().is_empty(),
        "the pass stops at the limit"
    );
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert!(
        platform.published().is_empty(),
        "nothing is sent before the reset"
    );
    clock.advance(SignedDuration::from_secs(901));
    platform.fault_publish(Fault::Fail(lost()));
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(texts(&platform), ["And the next"]);
    clock.advance(SignedDuration::from_secs(3600));
    engine.sync_once(SyncOptions::default()).await.unwrap();
    once(&platform, "Through the storm");
    once(&platform, "And the next");
}

#[tokio::test]
async fn lost_consent_pauses_the_link_tells_once_and_resumes_in_order_after_relinking() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let notifier = Arc::new(CountingNotifier::default());
    let engine = engine(store.clone(), connector, &clock, notifier.clone());
    platform.post(1, "Before the password change", MediaType::Image, 0);
    platform.fault_publish(Fault::Fail(RemoteError::Reauth {
        message: "401".into(),
    }));
    let report = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(report[0].outcome, PassOutcome::NeedsReauth);
    let link = store.link(&link_id()).await.unwrap().unwrap();
    assert_eq!(
        (link.state, link.reauth_side),
        (LinkState::NeedsReauth, Some(Side::Target))
    );
    assert_eq!(state_of(&*store, 1).await.state, PostState::NeedsReauth);
    assert_eq!(notifier.notices.lock().unwrap().len(), 1);

    // Posts published meanwhile wait; nothing polls while the link is paused.
    clock.advance(SignedDuration::from_secs(60));
    platform.post(2, "While unlinked", MediaType::Image, 0);
    let report = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(report[0].outcome, PassOutcome::Inactive);
    assert_eq!(notifier.notices.lock().unwrap().len(), 1, "told once");

    let mut link = store.link(&link_id()).await.unwrap().unwrap();
    let target = link.target.clone().unwrap();
    link.connect(Side::Target, target, clock.now());
    store.put_link(&link).await.unwrap();
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(
        texts(&platform),
        ["Before the password change", "While unlinked"],
        "in order"
    );
}

#[tokio::test]
async fn unlinking_stops_posting_revokes_and_keeps_history() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let engine = engine(
        store.clone(),
        connector.clone(),
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    platform.post(1, "Posted before", MediaType::Image, 0);
    engine.sync_once(SyncOptions::default()).await.unwrap();
    engine.unlink(&link_id()).await.unwrap();
    platform.post(2, "After unlink", MediaType::Image, 0);
    let report = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(report[0].outcome, PassOutcome::Inactive);
    assert_eq!(texts(&platform), ["Posted before"]);
    assert_eq!(connector.revoked.lock().unwrap().len(), 2);
    assert_eq!(
        state_of(&*store, 1).await.state,
        PostState::Posted,
        "history kept"
    );
    assert!(
        store
            .credentials(&link_id(), Side::Target)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_held_post_goes_out_once_approved_and_never_when_rejected() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let policy = xpost_policy::PolicyConfig::from_toml_str(
        "[defaults.privacy]\nblocked_words = [\"secret\"]\n",
        "test.toml",
    )
    .unwrap();
    let engine = xpost_engine::Engine::builder()
        .store(store.clone())
        .connector(connector)
        .clock(Arc::new(clock.clone()))
        .policy(policy)
        .build()
        .unwrap();
    platform.post(1, "A secret plan", MediaType::Image, 0);
    platform.post(2, "Another secret", MediaType::Image, 0);
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert!(platform.published().is_empty());
    let held = state_of(&*store, 1).await;
    assert_eq!(held.state, PostState::NeedsReview);
    assert!(held.plan.is_some(), "a reviewer sees what would go out");
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert!(platform.published().is_empty(), "held until approved");

    engine
        .approve(&link_id(), &SourceId::new("1").unwrap())
        .await
        .unwrap();
    engine
        .reject(&link_id(), &SourceId::new("2").unwrap())
        .await
        .unwrap();
    engine.sync_once(SyncOptions::default()).await.unwrap();
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(texts(&platform), ["A secret plan"]);
    assert_eq!(state_of(&*store, 2).await.state, PostState::Skipped);
    assert!(
        engine
            .approve(&link_id(), &SourceId::new("2").unwrap())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn two_engines_on_one_store_never_both_work_a_link() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let a = engine(
        store.clone(),
        connector.clone(),
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    let b = engine(
        store.clone(),
        connector,
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    for i in 1..=20 {
        platform.post(i, &format!("Post number {i}"), MediaType::Image, 1);
    }
    let (ra, rb) = tokio::join!(
        a.sync_once(SyncOptions::default()),
        b.sync_once(SyncOptions::default())
    );
    let outcomes = [ra.unwrap()[0].outcome, rb.unwrap()[0].outcome];
    assert!(outcomes.contains(&PassOutcome::Busy) || platform.published().len() == 20);
    a.sync_once(SyncOptions::default()).await.unwrap();
    for i in 1..=20 {
        once(&platform, &format!("Post number {i}"));
    }
}

/// An upload that outlasts the lease (X still processing a video) keeps the
/// link: the lease is renewed while it runs, so the pass posts instead of
/// losing the link at every attempt and never getting past that post.
#[tokio::test]
async fn an_upload_longer_than_the_lease_keeps_the_link_and_posts_once() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let mut limits = xpost_engine::Limits::default();
    limits.lease_ttl = std::time::Duration::from_secs(3);
    let engine = xpost_engine::Engine::builder()
        .store(store.clone())
        .connector(connector)
        .clock(Arc::new(clock.clone()))
        .notifier(Arc::new(CountingNotifier::default()))
        .limits(limits)
        .build()
        .unwrap();
    platform.state.lock().unwrap().upload_takes = std::time::Duration::from_millis(4500);
    platform.post(1, "A video that takes a while", MediaType::Video, 1);
    let report = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(report[0].outcome, PassOutcome::Completed);
    assert_eq!(report[0].posted, 1);
    once(&platform, "A video that takes a while");
    assert_eq!(state_of(&*store, 1).await.state, PostState::Posted);
}

const THREADS: &str = "[defaults.text]\nthread = true\n[defaults.content]\ncarousel = \"thread\"\n";

/// Stops the engine after each persisted step in turn (its store refuses every
/// write from then on, as a killed process writes nothing more), then starts a
/// fresh engine on the same store after the dead one's lease has run out: every
/// post (a single image, a carousel of seven, a long caption) is on the target
/// exactly once, as one post each or, with threads on, as threads whose every
/// part appears once and answers the part before.
#[tokio::test]
async fn killed_after_any_persisted_step_every_post_lands_exactly_once() {
    for policy in ["", THREADS] {
        let mut budget = 0;
        loop {
            let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
            let (clock, platform, connector) = setup(store.clone()).await;
            platform.post(1, "A single image", MediaType::Image, 1);
            platform.post(2, "A carousel of seven", MediaType::Carousel, 7);
            let long = "Word after word, a caption that needs a thread. ".repeat(20);
            platform.post(3, &long, MediaType::Image, 1);
            // The platform would take the same text twice: only the engine stands
            // between a crash and a duplicate.
            platform.state.lock().unwrap().accept_duplicates = true;
            let dying = Arc::new(DyingStore::new(store.clone(), budget));
            let notifier = Arc::new(CountingNotifier::default());
            let first = engine_with(
                dying.clone(),
                connector.clone(),
                &clock,
                notifier.clone(),
                policy,
            );
            let _ = first.sync_once(SyncOptions::default()).await;
            let finished_before_dying = !dying.died();
            clock.advance(SignedDuration::from_secs(3600));
            let second = engine_with(store.clone(), connector, &clock, notifier, policy);
            for _ in 0..3 {
                second.sync_once(SyncOptions::default()).await.unwrap();
                clock.advance(SignedDuration::from_secs(3600));
            }
            let published = platform.published();
            let unique: std::collections::BTreeSet<_> = published
                .iter()
                .map(|p| (p.text.clone(), p.reply_to.clone()))
                .collect();
            assert_eq!(
                unique.len(),
                published.len(),
                "{policy:?} budget {budget}: something posted twice"
            );
            for n in 1..=3 {
                let record = state_of(&*store, n).await;
                assert_eq!(
                    record.state,
                    PostState::Posted,
                    "{policy:?} budget {budget}, post {n}"
                );
                let ids = record.target_ids();
                for (k, id) in ids.iter().enumerate() {
                    let part = published
                        .iter()
                        .find(|p| &p.id == id)
                        .expect("recorded id is on the target");
                    let parent = if k == 0 {
                        None
                    } else {
                        Some(ids[k - 1].clone())
                    };
                    assert_eq!(
                        part.reply_to, parent,
                        "{policy:?} budget {budget}: thread order"
                    );
                }
            }
            let mut recorded = 0;
            for n in 1..=3 {
                recorded += state_of(&*store, n).await.target_ids().len();
            }
            assert_eq!(
                published.len(),
                recorded,
                "{policy:?} budget {budget}: a stray post"
            );
            if !policy.is_empty() {
                assert_eq!(
                    state_of(&*store, 2).await.target_ids().len(),
                    2,
                    "7 images: 4 + 3"
                );
                assert!(
                    state_of(&*store, 3).await.target_ids().len() >= 3,
                    "a thread"
                );
            }
            if finished_before_dying {
                assert!(budget > 10, "the kill points were exercised");
                break;
            }
            budget += 1;
            assert!(budget < 500, "the first engine never finished");
        }
    }
}

#[tokio::test]
async fn a_lost_answer_at_every_publish_still_lands_each_part_once() {
    for lose_at in 0..6 {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let (clock, platform, connector) = setup(store.clone()).await;
        let engine = engine(
            store.clone(),
            connector,
            &clock,
            Arc::new(CountingNotifier::default()),
        );
        platform.post(1, "First", MediaType::Image, 1);
        platform.post(2, "Second", MediaType::Carousel, 7);
        platform.post(3, "Third", MediaType::Video, 1);
        platform.state.lock().unwrap().accept_duplicates = true;
        for _ in 0..lose_at {
            platform.fault_publish(Fault::Fail(RemoteError::Unavailable {
                message: "before sending".into(),
            }));
        }
        platform.fault_publish(Fault::LoseAnswer);
        for _ in 0..6 {
            engine.sync_once(SyncOptions::default()).await.unwrap();
            clock.advance(SignedDuration::from_secs(3600));
        }
        for needle in ["First", "Second", "Third"] {
            once(&platform, needle);
        }
    }
}

#[tokio::test]
async fn an_idle_poll_writes_nothing() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    platform.post(1, "Already handled", MediaType::Image, 0);
    engine(
        store.clone(),
        connector.clone(),
        &clock,
        Arc::new(CountingNotifier::default()),
    )
    .sync_once(SyncOptions::default())
    .await
    .unwrap();
    // Every write from here on fails: an idle pass must not need one.
    let frozen: Arc<dyn Store> = Arc::new(DyingStore::new(store.clone(), 0));
    let idle = engine(
        frozen,
        connector,
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    for _ in 0..3 {
        let report = idle.sync_once(SyncOptions::default()).await.unwrap();
        assert_eq!(report[0].outcome, PassOutcome::Completed);
    }
}

/// A shortener that answers one short link per long one.
struct FakeShortener;

#[async_trait::async_trait]
impl Shortener for FakeShortener {
    async fn shorten(&self, long_url: &url::Url) -> Result<url::Url, ShortenError> {
        let key = long_url.path().trim_matches('/').replace('/', "-");
        Ok(url::Url::parse(&format!("https://s.example/{key}")).unwrap())
    }
}

#[tokio::test]
async fn the_permalink_goes_through_the_shortener_before_rendering() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let engine = xpost_engine::Engine::builder()
        .store(store.clone())
        .connector(connector)
        .clock(Arc::new(clock.clone()))
        .shortener(Arc::new(FakeShortener))
        .build()
        .unwrap();
    platform.post(1, "Short and sweet", MediaType::Image, 0);
    engine.sync_once(SyncOptions::default()).await.unwrap();
    let posted = platform.published();
    assert_eq!(posted.len(), 1);
    assert!(
        posted[0].text.ends_with("https://s.example/p-P1"),
        "{:?}",
        posted[0].text
    );
}

#[tokio::test]
async fn an_unlink_in_another_process_stops_the_pass_at_its_next_step() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    let engine = engine(
        store.clone(),
        connector,
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    for i in 1..=3 {
        platform.post(i, &format!("Queued {i}"), MediaType::Image, 0);
    }
    platform.state.lock().unwrap().unlink_after_publish = Some((store.clone(), link_id()));
    let report = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(report[0].outcome, PassOutcome::Inactive);
    assert_eq!(texts(&platform), ["Queued 1"], "nothing after the unlink");
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(platform.published().len(), 1);
}

/// Gives each link its own fake platform.
struct PerLink(std::collections::HashMap<String, FakePlatform>);

#[async_trait::async_trait]
impl xpost_engine::Connector for PerLink {
    async fn source(&self, link: &Link) -> Result<Arc<dyn Source>, RemoteError> {
        Ok(Arc::new(self.0[link.id.as_str()].clone()))
    }
    async fn target(&self, link: &Link) -> Result<Arc<dyn Target>, RemoteError> {
        Ok(Arc::new(self.0[link.id.as_str()].clone()))
    }
    async fn revoke(&self, _link: &Link, _side: Side) -> Result<(), RemoteError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_throttled_link_never_holds_up_a_healthy_one() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, healthy, _) = setup(store.clone()).await;
    let mut noisy_link = store.link(&link_id()).await.unwrap().unwrap();
    noisy_link.id = LinkId::new("noisy").unwrap();
    store.put_link(&noisy_link).await.unwrap();
    let noisy = FakePlatform::new(clock.clone());
    let reset = clock.now() + SignedDuration::from_secs(3600);
    for _ in 0..10 {
        noisy.fault_publish(Fault::Fail(RemoteError::RateLimited {
            until: Some(reset),
            message: "429".into(),
        }));
    }
    let connector = PerLink(
        [
            ("default".to_owned(), healthy.clone()),
            ("noisy".to_owned(), noisy.clone()),
        ]
        .into_iter()
        .collect(),
    );
    let engine = xpost_engine::Engine::builder()
        .store(store.clone())
        .connector(Arc::new(connector))
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    for i in 1..=3 {
        healthy.post(i, &format!("Healthy {i}"), MediaType::Image, 0);
        noisy.post(100 + i, &format!("Noisy {i}"), MediaType::Image, 0);
    }
    let reports = engine.sync_once(SyncOptions::default()).await.unwrap();
    let by_link = |name: &str| {
        reports
            .iter()
            .find(|r| r.link.as_str() == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by_link("noisy").outcome, PassOutcome::RateLimited);
    assert_eq!(by_link("noisy").next_due, Some(reset));
    assert_eq!(by_link("default").posted, 3);
    assert_eq!(healthy.published().len(), 3);
    assert!(noisy.published().is_empty());
    // The noisy link is not even called again before its reset.
    let faults_left = noisy.state.lock().unwrap().publish_faults.len();
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(
        noisy.state.lock().unwrap().publish_faults.len(),
        faults_left
    );
}

#[tokio::test]
async fn a_backfill_adds_older_posts_without_holding_back_new_ones() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (clock, platform, connector) = setup(store.clone()).await;
    clock.advance(SignedDuration::from_secs(-3600));
    platform.post(1, "Old one", MediaType::Image, 0);
    platform.post(2, "Old two", MediaType::Image, 0);
    clock.advance(SignedDuration::from_secs(3700));
    for i in 3..=5 {
        platform.post(i, &format!("New {i}"), MediaType::Image, 0);
    }
    let engine = engine(
        store.clone(),
        connector,
        &clock,
        Arc::new(CountingNotifier::default()),
    );
    let report = engine
        .sync_once(SyncOptions { backfill: Some(1) })
        .await
        .unwrap();
    assert_eq!(report[0].posted, 4, "{report:?}");
    assert_eq!(
        texts(&platform),
        ["Old two", "New 3", "New 4", "New 5"],
        "Instagram order"
    );
}
