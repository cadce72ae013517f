//! Workers on one PostgreSQL schema against the in-process emulator: a worker
//! killed mid-pass is taken over once its lease lapses, a paused worker's late
//! write is refused, and an unlink stops every worker posting on that link.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../xpost-engine/tests/adapters_support/mod.rs"]
mod adapters_support;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use adapters_support::{config, link_instagram, link_x, publish, start};
use support::TempSchema;
use xpost_core::testing::DyingStore;
use xpost_core::{
    Account, AccountId, Link, LinkId, Platform, PostState, SealingKey, Side, Store, StoreError,
};
use xpost_emulator::RunningEmulator;
use xpost_engine::adapters::AdapterConfig;
use xpost_engine::adapters::PlatformConnector;
use xpost_engine::{Engine, Limits, PassOutcome, SyncOptions};
use xpost_store_postgres::PostgresStore;

struct World {
    emu: RunningEmulator,
    config: AdapterConfig,
    url: String,
    key: SealingKey,
    setup: Arc<dyn Store>,
    ig_users: Vec<String>,
    // Last: dropped after the stores.
    schema: TempSchema,
}

fn link_id(i: usize) -> LinkId {
    LinkId::new(format!("link{i}")).unwrap()
}

async fn world(url: &str, links: usize) -> World {
    let schema = TempSchema::new(url);
    let key = SealingKey::generate();
    let emu = start(xpost_emulator::Emulator::builder()).await;
    let config = config(&emu);
    let setup: Arc<dyn Store> = Arc::new(
        PostgresStore::open(url, Some(&schema.name), key.clone())
            .await
            .unwrap(),
    );
    let mut ig_users = Vec::new();
    for i in 0..links {
        let id = link_id(i);
        let ig = link_instagram(&emu, &config, &*setup, &id, &format!("user{i}.ig")).await;
        let x = link_x(&emu, &config, &*setup, &id, &format!("user{i}_x")).await;
        let now = config.clock.now();
        let mut link = Link::new(id, now);
        let account = |platform, user: &str, name: String| Account {
            platform,
            user_id: AccountId::new(user).unwrap(),
            username: name,
        };
        link.connect(
            Side::Source,
            account(Platform::Instagram, &ig, format!("user{i}.ig")),
            now,
        );
        link.connect(
            Side::Target,
            account(Platform::X, &x, format!("user{i}_x")),
            now,
        );
        setup.put_link(&link).await.unwrap();
        ig_users.push(ig);
    }
    // Posts published from here on are newer than the links.
    emu.admin().advance_clock(1).unwrap();
    World {
        emu,
        config,
        url: url.to_owned(),
        key,
        setup,
        ig_users,
        schema,
    }
}

impl World {
    async fn store(&self) -> Arc<dyn Store> {
        Arc::new(
            PostgresStore::open(&self.url, Some(&self.schema.name), self.key.clone())
                .await
                .unwrap(),
        )
    }

    /// An engine named `holder` whose leases last 2 s.
    fn engine(&self, store: Arc<dyn Store>, holder: &str) -> Engine {
        let mut limits = Limits::default();
        limits.lease_ttl = Duration::from_secs(2);
        Engine::builder()
            .store(store.clone())
            .connector(Arc::new(PlatformConnector::new(store, self.config.clone())))
            .clock(self.config.clock.0.clone())
            .policy(xpost_policy::PolicyConfig::from_toml_str("", "test.toml").unwrap())
            .limits(limits)
            .holder(holder)
            .build()
            .unwrap()
    }

    fn count_starting(&self, caption: &str) -> usize {
        self.emu
            .admin()
            .x_tweets()
            .iter()
            .filter(|t| !t.deleted && t.text.starts_with(caption))
            .count()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_pass_is_taken_over_once_its_lease_lapses() {
    let Some(url) = support::server("a_worker_killed_mid_pass_is_taken_over").await else {
        return;
    };
    let mut died_holding = 0;
    for budget in [2, 4, 6, 9, 13] {
        let w = world(&url, 1).await;
        for p in 0..3 {
            publish(&w.emu, &w.ig_users[0], "IMAGE", &format!("Kill {p}"));
        }
        let dying = Arc::new(DyingStore::new(w.store().await, budget));
        let a = w.engine(dying.clone(), "worker-a");
        let _ = a.sync_once(SyncOptions::default()).await;
        let b = w.engine(w.store().await, "worker-b");
        if dying.died() && dying.held().is_some() {
            died_holding += 1;
            let report = b.sync_once(SyncOptions::default()).await.unwrap();
            assert_eq!(report[0].outcome, PassOutcome::Busy, "budget {budget}");
            for p in 0..3 {
                assert!(
                    w.count_starting(&format!("Kill {p}")) <= 1,
                    "budget {budget}"
                );
            }
        }
        // Past the dead worker's lease (and any back-off).
        w.emu.admin().advance_clock(3).unwrap();
        for _ in 0..4 {
            b.sync_once(SyncOptions::default()).await.unwrap();
            w.emu.admin().advance_clock(3600).unwrap();
        }
        for p in 0..3 {
            let n = w.count_starting(&format!("Kill {p}"));
            assert_eq!(n, 1, "budget {budget}: Kill {p} on X {n} times");
        }
    }
    assert!(
        died_holding > 0,
        "no budget killed worker A holding its lease"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_worker_writes_nothing_stale() {
    let Some(url) = support::server("a_paused_worker_writes_nothing_stale").await else {
        return;
    };
    for budget in 1..40 {
        let w = world(&url, 1).await;
        publish(&w.emu, &w.ig_users[0], "IMAGE", "Paused");
        // Worker A stops (here: its writes fail) holding the lease with a due post.
        let dying = Arc::new(DyingStore::new(w.store().await, budget));
        let a = w.engine(dying.clone(), "worker-a");
        let _ = a.sync_once(SyncOptions::default()).await;
        let Some(lease) = dying.held() else { continue };
        let now = w.config.clock.now();
        let due = w.setup.due_posts(&link_id(0), now, 10).await.unwrap();
        let Some(stale) = due.into_iter().next() else {
            continue;
        };
        // Time passes beyond A's lease; B takes over and posts.
        w.emu.admin().advance_clock(3).unwrap();
        let b = w.engine(w.store().await, "worker-b");
        for _ in 0..4 {
            b.sync_once(SyncOptions::default()).await.unwrap();
            w.emu.admin().advance_clock(3600).unwrap();
        }
        assert_eq!(w.count_starting("Paused"), 1);
        let stored = w
            .setup
            .post(&link_id(0), &stale.source_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.state, PostState::Posted);
        // A wakes up and writes what it had.
        let mut late = stale.clone();
        late.attempts += 1;
        let refused = w
            .setup
            .update_post(&lease, &late, w.config.clock.now())
            .await;
        assert!(
            matches!(refused, Err(StoreError::LeaseLost { .. })),
            "{refused:?}"
        );
        let after = w
            .setup
            .post(&link_id(0), &stale.source_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after, stored, "the stored record is B's");
        return;
    }
    panic!("no budget left worker A holding its lease with a due post");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlink_while_three_workers_run_stops_that_link_only() {
    let Some(url) = support::server("unlink_while_three_workers_run").await else {
        return;
    };
    let w = Arc::new(world(&url, 2).await);
    for i in 0..2 {
        for p in 0..4 {
            publish(
                &w.emu,
                &w.ig_users[i],
                "IMAGE",
                &format!("Link {i} early {p}"),
            );
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for n in 0..3 {
        let engine = w.engine(w.store().await, &format!("worker-{n}"));
        let stop = stop.clone();
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                engine.sync_once(SyncOptions::default()).await.unwrap();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    // Midway: some of link 0's posts are out.
    while w.count_starting("Link 0 early") == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let fourth = w.engine(w.store().await, "admin");
    fourth.unlink(&link_id(0)).await.unwrap();
    let at_unlink = w.count_starting("Link 0");
    for i in 0..2 {
        for p in 0..3 {
            publish(
                &w.emu,
                &w.ig_users[i],
                "IMAGE",
                &format!("Link {i} late {p}"),
            );
        }
    }
    // The workers' next passes (each pass visits both links): every post of
    // link 1, published after the unlink, goes out.
    while w.count_starting("Link 1") < 7 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::SeqCst);
    for worker in workers {
        worker.await.unwrap();
    }
    assert_eq!(w.count_starting("Link 0"), at_unlink, "posted after unlink");
    assert_eq!(w.count_starting("Link 1"), 7);
    for p in 0..4 {
        assert_eq!(w.count_starting(&format!("Link 1 early {p}")), 1);
    }
    for p in 0..3 {
        assert_eq!(w.count_starting(&format!("Link 1 late {p}")), 1);
    }
}
