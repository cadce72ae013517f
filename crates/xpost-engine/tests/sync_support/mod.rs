//! Deletion and edit sync against the in-process emulator, written once and
//! run on every store: SQLite (`tests/sync_emulator.rs` here) and PostgreSQL
//! (`xpost-store-postgres/tests/sync_postgres.rs`). [`sync_scenarios!`]
//! turns each scenario into a test for a [`Backend`].
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use xpost_core::testing::DyingStore;
use xpost_core::*;
use xpost_emulator::{AdminTweet, Emulator, Fault, RunningEmulator};
use xpost_engine::adapters::{AdapterConfig, PlatformConnector};
use xpost_engine::{Engine, PassOutcome, PassReport, SyncOptions};

use crate::adapters_support::{config, link, link_instagram, link_x, publish, start};

/// One store, reachable again as a new process would reach it.
#[async_trait]
pub trait Stores: Send + Sync {
    /// A new handle on the same store.
    async fn open(&self) -> Arc<dyn Store>;
}

/// Where fresh stores come from.
#[async_trait]
pub trait Backend: Send + Sync {
    /// A new, empty store.
    async fn fresh(&self) -> Box<dyn Stores>;
}

/// Deletion sync on.
pub const DELETIONS: &str = "[defaults.sync]\ndeletions = true\n";
/// Long captions as threads.
pub const THREADS: &str = "[defaults.text]\nthread = true\nmax_thread_posts = 25\n";
/// Edits deleted and posted again.
pub const REPOST: &str = "[defaults.sync]\nedits = \"delete_and_repost\"\n";
/// Edits answered with a correction.
pub const CORRECT: &str = "[defaults.sync]\nedits = \"reply_with_correction\"\n";

/// An emulator with one account on each side, linked as `default`.
pub struct World {
    pub emu: RunningEmulator,
    pub config: AdapterConfig,
    pub stores: Box<dyn Stores>,
    pub store: Arc<dyn Store>,
    pub ig_user: String,
}

pub async fn world(backend: &dyn Backend) -> World {
    let emu = start(Emulator::builder()).await;
    let config = config(&emu);
    let stores = backend.fresh().await;
    let store = stores.open().await;
    let ig_user = link_instagram(&emu, &config, &*store, &link(), "sam.ig").await;
    let x_user = link_x(&emu, &config, &*store, &link(), "sam_x").await;
    let now = config.clock.now();
    let mut l = Link::new(link(), now);
    let account = |platform, id: &str, name: &str| Account {
        platform,
        user_id: AccountId::new(id).unwrap(),
        username: name.into(),
    };
    l.connect(
        Side::Source,
        account(Platform::Instagram, &ig_user, "sam.ig"),
        now,
    );
    l.connect(Side::Target, account(Platform::X, &x_user, "sam_x"), now);
    store.put_link(&l).await.unwrap();
    // Posts published from here on are newer than the link.
    emu.admin().advance_clock(1).unwrap();
    World {
        emu,
        config,
        stores,
        store,
        ig_user,
    }
}

impl World {
    pub fn engine(&self, store: Arc<dyn Store>, settings: &str) -> Engine {
        Engine::builder()
            .store(store.clone())
            .connector(Arc::new(PlatformConnector::new(store, self.config.clone())))
            .clock(self.config.clock.0.clone())
            .policy(xpost_policy::PolicyConfig::from_toml_str(settings, "test.toml").unwrap())
            .build()
            .unwrap()
    }

    pub async fn sync(&self, settings: &str) -> PassReport {
        let reports = self
            .engine(self.store.clone(), settings)
            .sync_once(SyncOptions::default())
            .await
            .unwrap();
        reports.into_iter().next().unwrap()
    }

    /// Every X post ever created, deleted ones included.
    pub fn tweets(&self) -> Vec<AdminTweet> {
        self.emu.admin().x_tweets()
    }

    pub fn live(&self) -> Vec<AdminTweet> {
        self.tweets().into_iter().filter(|t| !t.deleted).collect()
    }

    pub async fn record(&self, id: &str) -> PostRecord {
        self.store
            .post(&link(), &SourceId::new(id).unwrap())
            .await
            .unwrap()
            .unwrap()
    }

    pub async fn events(&self, id: &str, kind: EventKind) -> Vec<Event> {
        self.store
            .events(&EventQuery {
                source_id: Some(SourceId::new(id).unwrap()),
                kinds: vec![kind],
                ..EventQuery::default()
            })
            .await
            .unwrap()
    }

    pub fn edit(&self, id: &str, caption: &str) {
        self.emu.admin().set_instagram_caption(id, caption).unwrap();
    }

    pub fn fault(&self, platform: &str, path: &str, status: u16, count: u32) {
        let fault: Fault = serde_json::from_value(serde_json::json!({
            "platform": platform, "path_prefix": path, "status": status, "count": count,
            "retry_after_s": 1
        }))
        .unwrap();
        self.emu.admin().add_fault(fault).unwrap();
    }
}

fn ids(record: &PostRecord) -> Vec<String> {
    record
        .target_ids()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Without `[sync]`, a post deleted on Instagram stays on X.
pub async fn deletion_is_off_by_default(backend: &dyn Backend) {
    let w = world(backend).await;
    let id = publish(&w.emu, &w.ig_user, "IMAGE", "Kept on X");
    w.sync("").await;
    assert_eq!(w.live().len(), 1);
    w.emu.admin().delete_instagram_media(&id).unwrap();
    for _ in 0..2 {
        w.sync("").await;
        w.emu.admin().advance_clock(7200).unwrap();
    }
    assert_eq!(w.live().len(), 1, "deletion sync is opt-in");
    let record = w.record(&id).await;
    assert_eq!(record.state, PostState::Posted);
    assert!(record.source_deleted_at.is_none());
}

/// A thread whose Instagram post is deleted is deleted on X, every part of
/// it, once; the post is skipped for good and never posted again.
pub async fn deletion_retracts_every_part_of_a_thread(backend: &dyn Backend) {
    let w = world(backend).await;
    let settings = format!("{THREADS}{DELETIONS}");
    let long = format!(
        "A thread to delete. {}",
        "Sentence after sentence, long enough. ".repeat(20)
    );
    let id = publish(&w.emu, &w.ig_user, "IMAGE", &long);
    let keep = publish(&w.emu, &w.ig_user, "IMAGE", "Still on Instagram");
    w.sync(&settings).await;
    let posted = ids(&w.record(&id).await);
    assert!(posted.len() > 1, "a thread: {posted:?}");
    assert_eq!(w.live().len(), posted.len() + 1);

    w.emu.admin().delete_instagram_media(&id).unwrap();
    let report = w.sync(&settings).await;
    assert_eq!(report.outcome, PassOutcome::Completed, "{report:?}");
    assert_eq!(report.synced, 1, "{report:?}");
    let live: BTreeSet<String> = w.live().into_iter().map(|t| t.id).collect();
    for part in &posted {
        assert!(!live.contains(part), "part {part} still on X");
    }
    assert_eq!(live.len(), 1, "the other post stays");
    let record = w.record(&id).await;
    assert_eq!(record.state, PostState::Skipped);
    assert_eq!(record.state.status(), "skipped");
    assert_eq!(
        record.skip.as_ref().map(|s| s.rule.as_str()),
        Some("sync.deletions")
    );
    assert!(record.source_deleted_at.is_some());
    let retired: Vec<String> = record.retired.iter().map(ToString::to_string).collect();
    assert_eq!(retired, posted);
    assert!(record.target_ids().is_empty());
    assert_eq!(
        w.events(&id, EventKind::Deleted).await.len(),
        posted.len(),
        "one event per deleted part"
    );
    assert_eq!(w.record(&keep).await.state, PostState::Posted);

    // Later listings and a backfill leave it alone.
    let created = w.tweets().len();
    let engine = w.engine(w.store.clone(), &settings);
    engine
        .sync_once(SyncOptions { backfill: Some(10) })
        .await
        .unwrap();
    w.emu.admin().advance_clock(7200).unwrap();
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(w.tweets().len(), created, "nothing posted again");
    assert_eq!(w.record(&id).await.state, PostState::Skipped);
}

/// Server errors, dropped connections and throttling, on the listing or on
/// the single lookup, never delete anything.
pub async fn transient_errors_never_delete(backend: &dyn Backend) {
    let w = world(backend).await;
    let id = publish(&w.emu, &w.ig_user, "IMAGE", "Weathering storms");
    w.sync(DELETIONS).await;
    assert_eq!(w.live().len(), 1);
    for status in [503, 0, 429] {
        // More failures than the client's bounded retries.
        w.fault("instagram", "/me/media", status, 20);
        let report = w.sync(DELETIONS).await;
        assert_ne!(report.outcome, PassOutcome::Completed, "{status}");
        w.emu.admin().advance_clock(5).unwrap();
        w.sync(DELETIONS).await;
        w.emu.admin().reset_faults();
        w.emu.admin().advance_clock(120).unwrap();
        assert_eq!(w.live().len(), 1, "listing failing with {status}");
        assert_eq!(w.record(&id).await.state, PostState::Posted);
    }

    // Deleted, but the lookup that would confirm it fails: not yet.
    w.emu.admin().delete_instagram_media(&id).unwrap();
    for status in [503, 0, 429] {
        w.fault("instagram", &format!("/{id}"), status, 20);
        w.sync(DELETIONS).await;
        w.emu.admin().reset_faults();
        w.emu.admin().advance_clock(5).unwrap();
        assert_eq!(w.live().len(), 1, "lookup failing with {status}");
        let record = w.record(&id).await;
        assert_eq!(record.state, PostState::Posted);
        assert!(record.missing_since.is_some(), "noted as missing");
    }
    // Once Instagram answers, the deletion is certain.
    w.sync(DELETIONS).await;
    assert!(w.live().is_empty());
    assert_eq!(w.record(&id).await.state, PostState::Skipped);
}

/// X failing while the posts are deleted: the work waits with back-off and
/// is finished by a later pass, nothing deleted twice or left behind.
pub async fn a_failing_delete_on_x_is_retried_later(backend: &dyn Backend) {
    let w = world(backend).await;
    let id = publish(&w.emu, &w.ig_user, "IMAGE", "Deleted while X is down");
    w.sync(DELETIONS).await;
    w.emu.admin().delete_instagram_media(&id).unwrap();
    w.fault("x", "/2/tweets", 503, 50);
    w.sync(DELETIONS).await;
    assert_eq!(w.live().len(), 1);
    let record = w.record(&id).await;
    assert!(!record.is_settled(), "the deletion is under way");
    assert!(record.due_at.is_some(), "and waits for its back-off");
    assert_eq!(record.attempts, 1);
    assert!(!w.events(&id, EventKind::Retrying).await.is_empty());

    w.emu.admin().reset_faults();
    w.emu.admin().advance_clock(3600).unwrap();
    w.sync(DELETIONS).await;
    assert!(w.live().is_empty());
    let record = w.record(&id).await;
    assert_eq!(record.state, PostState::Skipped);
    assert!(record.error.is_none());
    assert_eq!(w.events(&id, EventKind::Deleted).await.len(), 1);
}

/// Without `[sync]`, an edited caption changes nothing on X.
pub async fn edits_are_ignored_by_default(backend: &dyn Backend) {
    let w = world(backend).await;
    let id = publish(&w.emu, &w.ig_user, "IMAGE", "Frist light");
    w.sync("").await;
    w.edit(&id, "First light");
    w.sync("").await;
    let tweets = w.tweets();
    assert_eq!(tweets.len(), 1);
    assert!(tweets[0].text.starts_with("Frist light") && !tweets[0].deleted);
}

/// `delete_and_repost`: the old post leaves X and the new version takes its place.
pub async fn delete_and_repost_puts_the_new_version_in_place(backend: &dyn Backend) {
    let w = world(backend).await;
    let id = publish(&w.emu, &w.ig_user, "IMAGE", "Frist light on the pier");
    w.sync(REPOST).await;
    let old = ids(&w.record(&id).await);
    w.edit(&id, "First light on the pier");
    w.sync(REPOST).await;
    let live = w.live();
    assert_eq!(live.len(), 1, "{live:?}");
    assert!(live[0].text.starts_with("First light on the pier"));
    assert_eq!(live[0].media.len(), 1, "the new version has its image");
    let record = w.record(&id).await;
    assert_eq!(record.state, PostState::Posted);
    assert_eq!(ids(&record), vec![live[0].id.clone()]);
    let retired: Vec<String> = record.retired.iter().map(ToString::to_string).collect();
    assert_eq!(retired, old);
    assert_eq!(w.events(&id, EventKind::SourceEdited).await.len(), 2);
    // Nothing more once it is in step.
    w.sync(REPOST).await;
    assert_eq!(w.tweets().len(), 2);
}

/// `reply_with_correction`: the corrected text answers the thread's last
/// post, and a second edit answers the first correction.
pub async fn reply_with_correction_answers_the_last_post(backend: &dyn Backend) {
    let w = world(backend).await;
    let settings = format!("{THREADS}{CORRECT}");
    let long = format!(
        "A thread to correct. {}",
        "Sentence after sentence, long enough. ".repeat(20)
    );
    let id = publish(&w.emu, &w.ig_user, "IMAGE", &long);
    w.sync(&settings).await;
    let parts = ids(&w.record(&id).await);
    assert!(parts.len() > 1);
    w.edit(&id, "Corrected: the pier at dawn");
    w.sync(&settings).await;
    let first = w
        .live()
        .into_iter()
        .find(|t| t.text.starts_with("Corrected: the pier"))
        .expect("a correction on X");
    assert_eq!(first.in_reply_to.as_ref(), parts.last());
    assert!(first.media.is_empty());
    assert_eq!(w.live().len(), parts.len() + 1, "the thread stays");

    w.edit(&id, "Corrected again: the pier at dusk");
    w.sync(&settings).await;
    let second = w
        .live()
        .into_iter()
        .find(|t| t.text.starts_with("Corrected again"))
        .expect("a second correction");
    assert_eq!(second.in_reply_to, Some(first.id.clone()));
    let record = w.record(&id).await;
    assert_eq!(record.state, PostState::Posted);
    let corrections: Vec<String> = record.corrections.iter().map(ToString::to_string).collect();
    assert_eq!(corrections, vec![first.id, second.id]);
    assert_eq!(w.events(&id, EventKind::Corrected).await.len(), 4);
    w.sync(&settings).await;
    assert_eq!(w.live().len(), parts.len() + 2);

    // A caption that opts out gets no correction.
    w.edit(&id, "Not this one after all #noxpost");
    w.sync(&settings).await;
    assert_eq!(w.live().len(), parts.len() + 2);
    assert!(
        w.events(&id, EventKind::SourceEdited)
            .await
            .iter()
            .any(|e| e.message.contains("filters.opt_out_tag")),
        "the event names the rule"
    );
}

/// Runs `edit_step` on an engine whose store dies after `budget` writes,
/// then a new engine on a new handle of the store: answers whether the
/// dying engine finished on its own.
async fn kill_then_resume(w: &World, settings: &str, id: &str, budget: usize) -> bool {
    let dying = Arc::new(DyingStore::new(w.store.clone(), budget));
    let store: Arc<dyn Store> = dying.clone();
    let _ = w
        .engine(store, settings)
        .sync_once(SyncOptions::default())
        .await;
    let finished = !dying.died() && w.record(id).await.is_settled();
    // A new process, once the dead one's lease has run out.
    w.emu.admin().advance_clock(120).unwrap();
    let second = w.stores.open().await;
    let engine = w.engine(second, settings);
    for _ in 0..3 {
        engine.sync_once(SyncOptions::default()).await.unwrap();
        w.emu.admin().advance_clock(3600).unwrap();
    }
    finished
}

/// `delete_and_repost` killed after every persisted step in turn: the old
/// post ends deleted, and the new version is on X exactly once.
pub async fn killed_during_delete_and_repost_the_new_version_lands_once(backend: &dyn Backend) {
    let mut budget = 0;
    loop {
        let w = world(backend).await;
        let id = publish(&w.emu, &w.ig_user, "IMAGE", "Before the edit, a typo");
        w.sync(REPOST).await;
        let old = ids(&w.record(&id).await);
        w.edit(&id, "After the edit, no typo");
        let finished = kill_then_resume(&w, REPOST, &id, budget).await;

        let new: Vec<AdminTweet> = w
            .tweets()
            .into_iter()
            .filter(|t| t.text.starts_with("After the edit"))
            .collect();
        assert_eq!(new.len(), 1, "budget {budget}: {new:?}");
        assert!(!new[0].deleted, "budget {budget}");
        for t in w.tweets().iter().filter(|t| old.contains(&t.id)) {
            assert!(t.deleted, "budget {budget}: old post {} still on X", t.id);
        }
        assert_eq!(w.live().len(), 1, "budget {budget}");
        let record = w.record(&id).await;
        assert_eq!(record.state, PostState::Posted, "budget {budget}");
        assert_eq!(ids(&record), vec![new[0].id.clone()], "budget {budget}");
        if finished {
            assert!(budget > 3, "the kill points were exercised");
            break;
        }
        budget += 1;
        assert!(budget < 100, "the first engine never finished");
    }
}

/// `reply_with_correction` killed after every persisted step in turn: exactly
/// one correction answers the post, and the post itself stays.
pub async fn killed_during_reply_with_correction_one_correction_lands(backend: &dyn Backend) {
    let mut budget = 0;
    loop {
        let w = world(backend).await;
        let id = publish(&w.emu, &w.ig_user, "IMAGE", "Before the correction, a typo");
        w.sync(CORRECT).await;
        let original = ids(&w.record(&id).await);
        w.edit(&id, "After the correction, no typo");
        let finished = kill_then_resume(&w, CORRECT, &id, budget).await;

        let replies: Vec<AdminTweet> = w
            .tweets()
            .into_iter()
            .filter(|t| t.text.starts_with("After the correction"))
            .collect();
        assert_eq!(replies.len(), 1, "budget {budget}: {replies:?}");
        assert!(!replies[0].deleted);
        assert_eq!(replies[0].in_reply_to.as_ref(), original.last());
        assert_eq!(w.live().len(), 2, "budget {budget}: the post stays");
        let record = w.record(&id).await;
        assert!(record.is_settled(), "budget {budget}");
        assert_eq!(
            record.corrections,
            vec![TargetId::new(replies[0].id.clone()).unwrap()],
            "budget {budget}"
        );
        if finished {
            assert!(budget > 2, "the kill points were exercised");
            break;
        }
        budget += 1;
        assert!(budget < 100, "the first engine never finished");
    }
}

/// One `#[tokio::test]` per scenario, on the backend `$backend` (an async
/// expression answering `Option<impl Backend>`; `None` skips).
#[macro_export]
macro_rules! sync_scenarios {
    ($backend:expr) => {
        $crate::sync_scenarios!(@each $backend;
            deletion_is_off_by_default,
            deletion_retracts_every_part_of_a_thread,
            transient_errors_never_delete,
            a_failing_delete_on_x_is_retried_later,
            edits_are_ignored_by_default,
            delete_and_repost_puts_the_new_version_in_place,
            reply_with_correction_answers_the_last_post,
            killed_during_delete_and_repost_the_new_version_lands_once,
            killed_during_reply_with_correction_one_correction_lands
        );
    };
    (@each $backend:expr; $($case:ident),+) => {
        $(
            #[tokio::test]
            async fn $case() {
                if let Some(backend) = $backend.await {
                    sync_support::$case(&backend).await;
                }
            }
        )+
    };
}
