//! The engine against the in-process emulator, with the SQLite store and the
//! real adapters: what a user's `xpost sync` does, end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;
mod common;

use std::sync::Arc;

use adapters_support::*;
use xpost_core::*;
use xpost_emulator::{Emulator, Fault, RunningEmulator};
use xpost_engine::adapters::{AdapterConfig, PlatformConnector};
use xpost_engine::{Engine, PassOutcome, SyncOptions};
use xpost_store_sqlite::SqliteStore;

struct World {
    emu: RunningEmulator,
    config: AdapterConfig,
    store: Arc<dyn Store>,
    db: std::path::PathBuf,
    key: SealingKey,
    ig_user: String,
    x_user: String,
}

async fn world(ttl: Option<i64>) -> World {
    let mut builder = Emulator::builder();
    if let Some(ttl) = ttl {
        builder = builder.access_token_ttl(ttl);
    }
    let emu = start(builder).await;
    let config = config(&emu);
    let db = tempfile::tempdir().unwrap().keep().join("xpost.db");
    let key = SealingKey::generate();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db, key.clone()).await.unwrap());
    let (ig_user, x_user) = connect_link(&emu, &config, &*store, "alice.ig", "alice_x").await;
    World {
        emu,
        config,
        store,
        db,
        key,
        ig_user,
        x_user,
    }
}

fn engine(w: &World, store: Arc<dyn Store>) -> Engine {
    engine_with(w, store, "")
}

fn engine_with(w: &World, store: Arc<dyn Store>, settings: &str) -> Engine {
    Engine::builder()
        .store(store.clone())
        .connector(Arc::new(PlatformConnector::new(store, w.config.clone())))
        .clock(w.config.clock.0.clone())
        .policy(xpost_policy::PolicyConfig::from_toml_str(settings, "test.toml").unwrap())
        .build()
        .unwrap()
}

fn live_tweets(w: &World) -> Vec<xpost_emulator::AdminTweet> {
    w.emu
        .admin()
        .x_tweets()
        .into_iter()
        .filter(|t| !t.deleted)
        .collect()
}

fn count_starting(w: &World, caption: &str) -> usize {
    live_tweets(w)
        .iter()
        .filter(|t| t.text.starts_with(caption))
        .count()
}

#[tokio::test]
async fn every_kind_of_post_goes_out_once_with_metadata_stripped() {
    let w = world(None).await;
    let engine = engine(&w, w.store.clone());
    publish(&w.emu, &w.ig_user, "IMAGE", "An image from the pier");
    publish(&w.emu, &w.ig_user, "CAROUSEL_ALBUM", "A carousel");
    publish(&w.emu, &w.ig_user, "VIDEO", "A short video");
    publish(&w.emu, &w.ig_user, "IMAGE", "Not this one #noxpost");
    let reports = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(reports[0].outcome, PassOutcome::Completed, "{reports:?}");
    let posts = w.store.posts(&PostQuery::default()).await.unwrap();
    let seen: Vec<(String, &str, Option<String>)> = posts
        .iter()
        .map(|p| {
            (
                p.post.caption_text().to_owned(),
                p.state.status(),
                p.error.as_ref().map(|e| e.message.clone()),
            )
        })
        .collect();
    assert_eq!(reports[0].discovered, 4, "{seen:?}");
    for caption in ["An image from the pier", "A carousel", "A short video"] {
        assert_eq!(
            count_starting(&w, caption),
            1,
            "{caption}: {:?}",
            live_tweets(&w)
        );
    }
    assert_eq!(count_starting(&w, "Not this one"), 0);
    // The uploaded JPEGs carry no location any more.
    let image = live_tweets(&w)
        .into_iter()
        .find(|t| t.text.starts_with("An image"))
        .unwrap();
    assert_eq!(image.media.len(), 1);
    let (mime, bytes) = w.emu.admin().x_media(&image.media[0].media_key).unwrap();
    assert_eq!(mime, "image/jpeg");
    assert!(
        xpost_emulator::jpeg::read_gps(&bytes).is_none(),
        "GPS reached X"
    );
    assert!(
        !bytes.windows(4).any(|win| win == b"Exif"),
        "EXIF reached X"
    );
    let carousel = live_tweets(&w)
        .into_iter()
        .find(|t| t.text.starts_with("A carousel"))
        .unwrap();
    // X takes up to four images and no video beside them: the emulator's mixed
    // carousel keeps its images.
    assert!((1..=4).contains(&carousel.media.len()), "{carousel:?}");
    assert!(
        carousel.media.iter().all(|m| m.kind == "photo"),
        "{carousel:?}"
    );
    let video = live_tweets(&w)
        .into_iter()
        .find(|t| t.text.starts_with("A short video"))
        .unwrap();
    assert_eq!(video.media.len(), 1);

    // Nothing new: nothing more.
    let again = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!((again[0].discovered, again[0].posted), (0, 0));
    assert_eq!(live_tweets(&w).len(), 3);
}

#[tokio::test]
async fn faults_and_slow_answers_end_with_each_post_once() {
    let w = world(None).await;
    let engine = engine(&w, w.store.clone());
    for i in 0..6 {
        publish(&w.emu, &w.ig_user, "IMAGE", &format!("Stormy post {i}"));
    }
    let fault = |status: u16, count: u32| {
        let fault: Fault = serde_json::from_value(serde_json::json!({
            "platform": "x", "path_prefix": "/2/tweets", "status": status, "count": count,
            "retry_after_s": 1
        }))
        .unwrap();
        w.emu.admin().add_fault(fault).unwrap();
    };
    fault(503, 2);
    fault(0, 1);
    fault(429, 1);
    // A slow answer (half a second) on the listing and on posting.
    let slow: Fault = serde_json::from_value(serde_json::json!({
        "platform": "x", "path_prefix": "/2/tweets", "status": 200, "count": 2, "latency_ms": 500
    }))
    .unwrap();
    w.emu.admin().add_fault(slow).unwrap();
    let slow_listing: Fault = serde_json::from_value(serde_json::json!({
        "platform": "instagram", "path_prefix": "/me/media", "status": 200, "count": 1, "latency_ms": 500
    }))
    .unwrap();
    w.emu.admin().add_fault(slow_listing).unwrap();
    for _ in 0..12 {
        engine.sync_once(SyncOptions::default()).await.unwrap();
        w.emu.admin().advance_clock(3600).unwrap();
        if (0..6).all(|i| count_starting(&w, &format!("Stormy post {i}")) == 1) {
            break;
        }
    }
    for i in 0..6 {
        assert_eq!(
            count_starting(&w, &format!("Stormy post {i}")),
            1,
            "{:?}",
            live_tweets(&w)
        );
    }
}

#[tokio::test]
async fn a_revoked_x_grant_pauses_the_link_until_it_is_linked_again() {
    let w = world(None).await;
    let engine = engine(&w, w.store.clone());
    w.emu
        .admin()
        .revoke(xpost_emulator::Platform::X, &w.x_user)
        .unwrap();
    publish(&w.emu, &w.ig_user, "IMAGE", "Posted while revoked");
    let report = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(report[0].outcome, PassOutcome::NeedsReauth, "{report:?}");
    let l = w.store.link(&link()).await.unwrap().unwrap();
    assert_eq!(
        (l.state, l.reauth_side),
        (LinkState::NeedsReauth, Some(Side::Target))
    );
    assert_eq!(count_starting(&w, "Posted while revoked"), 0);

    // The user links X again; the post waiting goes out, once.
    let x_user = {
        let oauth_store = w.store.clone();
        relink_x(&w, &*oauth_store).await
    };
    assert_eq!(x_user, w.x_user);
    let mut l = w.store.link(&link()).await.unwrap().unwrap();
    let target = l.target.clone().unwrap();
    l.connect(Side::Target, target, w.config.clock.now());
    w.store.put_link(&l).await.unwrap();
    engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(count_starting(&w, "Posted while revoked"), 1);
}

/// Links the existing X account again (a new consent, new tokens).
async fn relink_x(w: &World, store: &dyn Store) -> String {
    let oauth = x_client::OAuthClient::new(
        w.config.x_app.as_ref().unwrap(),
        &w.config.x_config().unwrap(),
        reqwest::Client::new(),
        Arc::new(w.config.clock.clone()),
    )
    .unwrap();
    w.emu
        .admin()
        .set_session(xpost_emulator::Platform::X, Some("alice_x"))
        .unwrap();
    let request = oauth.authorize(&x_client::Scope::cross_posting());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(request.url.as_str()).send().await.unwrap();
    let callback = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let code = request.code_from_callback(&callback).unwrap();
    let tokens = oauth.exchange_code(request, &code).await.unwrap();
    store
        .put_credentials(
            &link(),
            Side::Target,
            &xpost_engine::tokens::x_credentials(&tokens, w.config.clock.now()),
        )
        .await
        .unwrap();
    w.x_user.clone()
}

#[tokio::test]
async fn short_lived_tokens_are_refreshed_and_rotated_without_losing_a_post() {
    // Instagram's refresh rules scale to the 30 s tokens by themselves.
    let w = world(Some(30)).await;
    let engine = engine(&w, w.store.clone());
    for round in 0..6 {
        publish(&w.emu, &w.ig_user, "IMAGE", &format!("Round {round}"));
        // Two thirds of a token's life each round: every token in use is
        // refreshed (X's rotated) many times over.
        w.emu.admin().advance_clock(20).unwrap();
        let report = engine.sync_once(SyncOptions::default()).await.unwrap();
        assert_eq!(
            report[0].outcome,
            PassOutcome::Completed,
            "round {round}: {report:?}"
        );
    }
    for round in 0..6 {
        assert_eq!(
            count_starting(&w, &format!("Round {round}")),
            1,
            "{:?}",
            live_tweets(&w)
        );
    }
    let refreshes = w
        .emu
        .admin()
        .tokens()
        .iter()
        .filter(|t| {
            t.platform == xpost_emulator::Platform::X
                && t.kind == xpost_emulator::TokenKind::Refresh
        })
        .count();
    assert!(
        refreshes > 2,
        "X rotated its refresh token ({refreshes} issued)"
    );
}

#[tokio::test]
async fn two_engines_on_one_sqlite_file_post_each_once() {
    let w = world(None).await;
    let second_store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&w.db, w.key.clone()).await.unwrap());
    let a = engine(&w, w.store.clone());
    let b = engine(&w, second_store);
    for i in 0..8 {
        publish(
            &w.emu,
            &w.ig_user,
            "IMAGE",
            &format!("Shared file post {i}"),
        );
    }
    let (ra, rb) = tokio::join!(
        a.sync_once(SyncOptions::default()),
        b.sync_once(SyncOptions::default())
    );
    ra.unwrap();
    rb.unwrap();
    a.sync_once(SyncOptions::default()).await.unwrap();
    for i in 0..8 {
        assert_eq!(count_starting(&w, &format!("Shared file post {i}")), 1);
    }
}

#[tokio::test]
async fn unlink_stops_posting_and_keeps_history() {
    let w = world(None).await;
    let engine = engine(&w, w.store.clone());
    publish(&w.emu, &w.ig_user, "IMAGE", "Before unlinking");
    engine.sync_once(SyncOptions::default()).await.unwrap();
    engine.unlink(&link()).await.unwrap();
    publish(&w.emu, &w.ig_user, "IMAGE", "After unlinking");
    let report = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(report[0].outcome, PassOutcome::Inactive);
    assert_eq!(count_starting(&w, "Before unlinking"), 1);
    assert_eq!(count_starting(&w, "After unlinking"), 0);
    assert!(
        w.store
            .credentials(&link(), Side::Target)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        w.emu
            .admin()
            .tokens()
            .iter()
            .filter(|t| t.platform == xpost_emulator::Platform::X)
            .all(|t| t.revoked),
        "X tokens revoked"
    );
}

/// The engine killed after each persisted step in turn (its SQLite store refuses
/// every write from then on), then a fresh engine on the same file: a single
/// image, a carousel and a long caption posted as a thread are each on X once,
/// every part answering the one before.
#[tokio::test]
async fn killed_after_any_step_with_sqlite_and_the_emulator_each_post_lands_once() {
    let settings = "[defaults.text]\nthread = true\nmax_thread_posts = 25\n";
    let mut budget = 0;
    loop {
        let w = world(None).await;
        publish(&w.emu, &w.ig_user, "IMAGE", "Kill test image");
        publish(&w.emu, &w.ig_user, "CAROUSEL_ALBUM", "Kill test carousel");
        let long = format!(
            "Kill test thread. {}",
            "Sentence after sentence, long enough. ".repeat(25)
        );
        publish(&w.emu, &w.ig_user, "IMAGE", &long);
        let dying: Arc<dyn Store> = Arc::new(common::DyingStore::new(w.store.clone(), budget));
        let _ = engine_with(&w, dying.clone(), settings)
            .sync_once(SyncOptions::default())
            .await;
        let finished = w
            .store
            .posts(&PostQuery::default())
            .await
            .unwrap()
            .iter()
            .all(|p| p.state == PostState::Posted)
            && !w
                .store
                .posts(&PostQuery::default())
                .await
                .unwrap()
                .is_empty();
        // A new process on the same file, once the dead one's lease has run out.
        w.emu.admin().advance_clock(120).unwrap();
        let second: Arc<dyn Store> =
            Arc::new(SqliteStore::open(&w.db, w.key.clone()).await.unwrap());
        let engine = engine_with(&w, second.clone(), settings);
        for _ in 0..3 {
            engine.sync_once(SyncOptions::default()).await.unwrap();
            w.emu.admin().advance_clock(3600).unwrap();
        }
        let live = live_tweets(&w);
        assert_eq!(
            count_starting(&w, "Kill test image"),
            1,
            "budget {budget}: {live:?}"
        );
        assert_eq!(
            count_starting(&w, "Kill test carousel"),
            1,
            "budget {budget}"
        );
        assert_eq!(count_starting(&w, "Kill test thread"), 1, "budget {budget}");
        let texts: std::collections::BTreeSet<_> = live
            .iter()
            .map(|t| (t.text.clone(), t.in_reply_to.clone()))
            .collect();
        assert_eq!(
            texts.len(),
            live.len(),
            "budget {budget}: a part posted twice"
        );
        for record in second.posts(&PostQuery::default()).await.unwrap() {
            assert_eq!(record.state, PostState::Posted, "budget {budget}");
            let ids: Vec<String> = record
                .target_ids()
                .iter()
                .map(ToString::to_string)
                .collect();
            for (k, id) in ids.iter().enumerate() {
                let tweet = live
                    .iter()
                    .find(|t| &t.id == id)
                    .expect("recorded id is on X");
                let parent = if k == 0 {
                    None
                } else {
                    Some(ids[k - 1].clone())
                };
                assert_eq!(tweet.in_reply_to, parent, "budget {budget}: thread order");
            }
        }
        if finished {
            assert!(budget > 10, "the kill points were exercised");
            break;
        }
        budget += 1;
        assert!(budget < 400, "the first engine never finished");
    }
}
