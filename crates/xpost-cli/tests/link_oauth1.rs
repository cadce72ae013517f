//! `xpost link x-oauth1` (`commands::link::connect` with the in-process
//! browser) against an in-process emulator: the token is stored sealed for the
//! link's X account, refused for another account or before `xpost link x`, and
//! deleted on unlink.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use xpost_cli::commands::link::{Browser, LinkPlatform, connect};
use xpost_cli::context::engine;
use xpost_cli::global::GlobalArgs;
use xpost_core::{LinkId, MemoryStore, Store};
use xpost_emulator::{Emulator, Platform};
use xpost_engine::Limits;

const WAIT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oauth1_token_is_linked_for_the_links_x_account_only() {
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
    let admin = emu.admin();
    let oauth1 = |store: Arc<dyn Store>| {
        let (global, link) = (global.clone(), link.clone());
        async move {
            connect(
                &global,
                store,
                LinkPlatform::XOauth1,
                &link,
                Browser::Drive,
                WAIT,
            )
            .await
        }
    };

    let early = oauth1(Arc::clone(&store)).await.unwrap_err().to_string();
    assert!(early.contains("xpost link x --link default"), "{early}");

    let bob = admin.create_x_account("bob").unwrap();
    admin.set_session(Platform::X, Some("bob")).unwrap();
    connect(
        &global,
        Arc::clone(&store),
        LinkPlatform::X,
        &link,
        Browser::Drive,
        WAIT,
    )
    .await
    .unwrap();

    // Consent given as another X account: refused, nothing stored.
    admin.create_x_account("mallory").unwrap();
    admin.set_session(Platform::X, Some("mallory")).unwrap();
    let wrong = oauth1(Arc::clone(&store)).await.unwrap_err().to_string();
    assert!(
        wrong.contains("not link default's X account @bob"),
        "{wrong}"
    );
    assert!(store.oauth1_token(&link).await.unwrap().is_none());

    // Declined consent.
    admin.set_session(Platform::X, None).unwrap();
    let deny: serde_json::Value = serde_json::json!({"platform": "x", "deny": true});
    reqwest::Client::new()
        .post(format!("{}/admin/session", emu.base_url))
        .json(&deny)
        .send()
        .await
        .unwrap();
    let denied = oauth1(Arc::clone(&store)).await.unwrap_err().to_string();
    assert!(denied.contains("refused"), "{denied}");

    admin.set_session(Platform::X, Some("bob")).unwrap();
    let linked = oauth1(Arc::clone(&store)).await.unwrap();
    assert_eq!(linked.account.username, "bob");
    let token = store.oauth1_token(&link).await.unwrap().unwrap();
    assert_eq!(token.user_id.as_deref(), Some(bob.as_str()));
    assert_eq!(token.screen_name.as_deref(), Some("bob"));
    assert!(!format!("{token:?}").contains(token.token_secret.expose()));

    engine(&global, Arc::clone(&store), Limits::default())
        .unwrap()
        .unlink(&link)
        .await
        .unwrap();
    assert!(store.oauth1_token(&link).await.unwrap().is_none());
}
