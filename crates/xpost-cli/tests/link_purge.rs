//! `commands::link::connect` with the in-process browser and
//! `commands::unlink::purge`, against an in-process emulator and the engine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use xpost_cli::commands::link::{Browser, LinkPlatform, connect};
use xpost_cli::commands::unlink::purge;
use xpost_cli::context::{adapter_config, engine};
use xpost_cli::global::GlobalArgs;
use xpost_core::{EventKind, EventQuery, LinkId, LinkState, MemoryStore, Side, Store};
use xpost_emulator::{Emulator, NewIgMedia, Platform};
use xpost_engine::{Limits, SyncOptions};

const WAIT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_link_and_a_purge_deletes_every_cross_post() {
    let emu = Emulator::builder()
        .seed(7u64)
        .build()
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let global = GlobalArgs {
        emulator: Some(emu.base_url.clone()),
        ..GlobalArgs::default()
    };
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let link = LinkId::new("default").unwrap();

    let ig_user = emu.admin().create_instagram_account("alice").unwrap();
    emu.admin()
        .set_session(Platform::Instagram, Some("alice"))
        .unwrap();
    let source = connect(
        &global,
        Arc::clone(&store),
        LinkPlatform::Instagram,
        &link,
        Browser::Drive,
        WAIT,
    )
    .await
    .unwrap();
    assert_eq!(source.account.username, "alice");
    assert_eq!(source.account.user_id.as_str(), ig_user);
    assert_eq!(source.state, LinkState::Pending);
    assert!(
        store
            .credentials(&link, Side::Source)
            .await
            .unwrap()
            .is_some()
    );

    emu.admin().create_x_account("bob").unwrap();
    emu.admin().set_session(Platform::X, Some("bob")).unwrap();
    let target = connect(
        &global,
        Arc::clone(&store),
        LinkPlatform::X,
        &link,
        Browser::Drive,
        WAIT,
    )
    .await
    .unwrap();
    assert_eq!(target.account.username, "bob");
    assert_eq!(target.state, LinkState::Active);
    assert!(target.missing.is_empty(), "{:?}", target.missing);
    assert!(target.granted.iter().any(|s| s == "offline.access"));

    for caption in ["first", "second"] {
        let media: NewIgMedia =
            serde_json::from_value(serde_json::json!({"caption": caption, "media_type": "IMAGE"}))
                .unwrap();
        emu.admin()
            .publish_instagram_media(&ig_user, media)
            .unwrap();
    }
    let options = SyncOptions { backfill: Some(5) };
    engine(&global, Arc::clone(&store), Limits::default())
        .unwrap()
        .sync_once(options)
        .await
        .unwrap();
    let tweets = emu.admin().x_tweets();
    assert_eq!(tweets.len(), 2, "{tweets:?}");
    assert!(tweets.iter().all(|t| !t.deleted));

    let report = purge(Arc::clone(&store), &adapter_config(&global), &link)
        .await
        .unwrap();
    assert_eq!(report.posts, 2);
    assert_eq!(report.parts, 2);
    assert!(emu.admin().x_tweets().iter().all(|t| t.deleted));
    let deleted = store
        .events(&EventQuery::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::Deleted && e.source_id.is_some())
        .count();
    assert_eq!(deleted, 2);
}
