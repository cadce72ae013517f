//! Three engines (three holders) on one PostgreSQL schema against one
//! in-process emulator whose access tokens expire every 2 s: every post lands
//! on X exactly once and no refresh token is spent twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../xpost-engine/tests/adapters_support/mod.rs"]
mod adapters_support;
mod support;

use std::sync::Arc;

use adapters_support::{config, link_instagram, link_x, publish, start};
use support::{TempSchema, server};
use xpost_core::{Account, AccountId, Link, LinkId, LinkState, Platform, SealingKey, Side, Store};
use xpost_emulator::Emulator;
use xpost_engine::adapters::PlatformConnector;
use xpost_engine::{Engine, PassOutcome, SyncOptions};
use xpost_store_postgres::PostgresStore;

const LINKS: usize = 3;
const POSTS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_engines_on_one_schema_post_each_post_once() {
    let Some(url) = server("three_engines_on_one_schema_post_each_post_once").await else {
        return;
    };
    let schema = TempSchema::new(&url);
    let key = SealingKey::generate();
    let emu = start(Emulator::builder().access_token_ttl(2)).await;
    let config = config(&emu);
    let setup: Arc<dyn Store> = Arc::new(
        PostgresStore::open(&url, Some(&schema.name), key.clone())
            .await
            .unwrap(),
    );
    let mut ig_users = Vec::new();
    for i in 0..LINKS {
        let id = LinkId::new(format!("link{i}")).unwrap();
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
    for (i, ig) in ig_users.iter().enumerate() {
        for p in 0..POSTS {
            publish(&emu, ig, "IMAGE", &format!("Link {i} post {p:02}"));
        }
    }
    let mut engines = Vec::new();
    for w in 0..3 {
        let store: Arc<dyn Store> = Arc::new(
            PostgresStore::open(&url, Some(&schema.name), key.clone())
                .await
                .unwrap(),
        );
        engines.push(
            Engine::builder()
                .store(store.clone())
                .connector(Arc::new(PlatformConnector::new(store, config.clone())))
                .clock(config.clock.0.clone())
                .policy(xpost_policy::PolicyConfig::from_toml_str("", "test.toml").unwrap())
                .holder(format!("worker-{w}"))
                .build()
                .unwrap(),
        );
    }
    let expected = LINKS * POSTS;
    for round in 0..12 {
        let (a, b, c) = tokio::join!(
            engines[0].sync_once(SyncOptions::default()),
            engines[1].sync_once(SyncOptions::default()),
            engines[2].sync_once(SyncOptions::default()),
        );
        for report in [a.unwrap(), b.unwrap(), c.unwrap()].iter().flatten() {
            assert_ne!(
                report.outcome,
                PassOutcome::NeedsReauth,
                "round {round}: a refresh failed (a spent token used again?): {report:?}, links: {:?}",
                setup.links().await.unwrap()
            );
        }
        // Half an access token's life per round: every round refreshes the
        // tokens in use (X rotating its refresh token), racing three engines.
        emu.admin().advance_clock(1).unwrap();
        let live = emu.admin().x_tweets().iter().filter(|t| !t.deleted).count();
        if live >= expected {
            break;
        }
    }
    let tweets: Vec<String> = emu
        .admin()
        .x_tweets()
        .into_iter()
        .filter(|t| !t.deleted)
        .map(|t| t.text)
        .collect();
    for i in 0..LINKS {
        for p in 0..POSTS {
            let caption = format!("Link {i} post {p:02}");
            let n = tweets.iter().filter(|t| t.starts_with(&caption)).count();
            assert_eq!(n, 1, "{caption} on X {n} times: {tweets:?}");
        }
    }
    let x_refreshes = emu
        .admin()
        .tokens()
        .iter()
        .filter(|t| {
            t.platform == xpost_emulator::Platform::X
                && t.kind == xpost_emulator::TokenKind::Refresh
        })
        .count();
    assert!(
        x_refreshes > 3,
        "X rotated its refresh tokens ({x_refreshes} issued)"
    );
    for link in setup.links().await.unwrap() {
        assert_eq!(link.state, LinkState::Active, "{link:?}");
    }
    drop(engines);
}
