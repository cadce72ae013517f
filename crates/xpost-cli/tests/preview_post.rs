//! `xpost preview --post ID`: an Instagram post fetched through the link.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use jiff::Timestamp;
use xpost_cli::commands::preview::post_preview;
use xpost_core::Store;
use xpost_policy::PolicyConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_is_fetched_through_the_link_and_rendered() {
    let emu = support::emulator().await;
    let db = support::dir("preview-post").join("xpost.db");
    let config = support::config(&emu);
    let store: Arc<dyn Store> = Arc::new(support::open(&db).await);
    let linked = support::link(&emu, &config, &*store).await;
    let new: xpost_emulator::NewIgMedia = serde_json::from_value(serde_json::json!({
        "caption": "Fresh bread this morning #bakery", "media_type": "IMAGE"
    }))
    .unwrap();
    let id = emu
        .admin()
        .publish_instagram_media(&linked.instagram, new)
        .unwrap();

    let shown = post_preview(
        Arc::clone(&store),
        &config,
        &PolicyConfig::default(),
        "default",
        &id,
        false,
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!(shown.tweets.len(), 1, "{shown:#?}");
    assert!(shown.tweets[0].text.contains("Fresh bread this morning"));
    assert!(shown.tweets[0].weighted_length <= 280);

    let missing = post_preview(
        store,
        &config,
        &PolicyConfig::default(),
        "default",
        "999999999",
        false,
        Timestamp::now(),
    )
    .await
    .unwrap_err();
    assert!(missing.to_string().contains("999999999"), "{missing}");
}
