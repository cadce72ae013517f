//! Token upkeep against the emulator: X refresh-token rotation shared through
//! the store, a rotation the store failed to take, Instagram token refresh.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use adapters_support::{config, link, link_instagram, link_x, start, store};
use async_trait::async_trait;
use xpost_core::{RemoteError, Side, Source, Target};
use xpost_emulator::{Emulator, Platform, TokenKind};
use xpost_engine::adapters::{AdapterError, instagram_source, x_target};
use xpost_engine::tokens::{
    IgRefresh, RefreshGuards, StoreTokenHook, refresh_instagram_if_due, token_set,
};

/// Every X access token lives this long, shorter than x-client's refresh
/// margin, so every call refreshes first and spends a refresh token.
const SHORT_TTL_S: i64 = 5;

#[tokio::test]
async fn two_workers_sharing_a_store_never_lose_the_grant() {
    let emu = start(Emulator::builder().access_token_ttl(SHORT_TTL_S)).await;
    let config = config(&emu);
    let store = store();
    link_x(&emu, &config, store.as_ref(), &link(), "mariax").await;
    let a = x_target(Arc::clone(&store), &link(), &config)
        .await
        .unwrap();
    let b = x_target(Arc::clone(&store), &link(), &config)
        .await
        .unwrap();

    for _ in 0..6 {
        let (left, right) = tokio::join!(a.profile(), b.profile());
        assert_eq!(left.unwrap().username, "mariax");
        assert_eq!(right.unwrap().username, "mariax");
    }

    // Each refresh request spent a refresh token nobody had spent before: a
    // second spend would be a request that left no spent token behind.
    let stats = emu.admin().stats();
    let token_requests = stats["x"]["/2/oauth2/token"].as_u64().unwrap();
    let spent = emu
        .admin()
        .tokens()
        .iter()
        .filter(|t| t.platform == Platform::X && t.kind == TokenKind::Refresh && t.revoked)
        .count() as u64;
    assert!(spent >= 6, "every round refreshed: {spent}");
    assert_eq!(
        token_requests,
        1 + spent,
        "one code exchange, then refreshes"
    );

    // What the store holds is a live refresh token: a third worker starting
    // from it refreshes (its access token is about to expire) and works.
    let stored = store
        .credentials(&link(), Side::Target)
        .await
        .unwrap()
        .unwrap();
    let refresh = stored.value.refresh_token.clone().unwrap();
    let live = emu
        .admin()
        .tokens()
        .into_iter()
        .find(|t| t.token == refresh.expose())
        .unwrap();
    assert!(!live.revoked, "the stored refresh token is unspent");
    let c = x_target(Arc::clone(&store), &link(), &config)
        .await
        .unwrap();
    assert_eq!(c.profile().await.unwrap().username, "mariax");
}

/// The store hook, made to fail its next write once.
struct FailingOnce {
    inner: Arc<StoreTokenHook>,
    fail: AtomicBool,
}

#[async_trait]
impl x_client::TokenHook for FailingOnce {
    async fn load(&self) -> Result<Option<x_client::TokenSet>, x_client::HookError> {
        self.inner.load().await
    }

    async fn rotate(
        &self,
        previous: &x_client::RefreshToken,
        next: &x_client::TokenSet,
    ) -> Result<bool, x_client::HookError> {
        if self.fail.swap(false, Ordering::SeqCst) {
            return Err("the database is locked".into());
        }
        self.inner.rotate(previous, next).await
    }
}

#[tokio::test]
async fn a_rotation_the_store_refused_is_stored_later() {
    use x_client::TokenHook;

    let emu = start(Emulator::builder().access_token_ttl(SHORT_TTL_S)).await;
    let config = config(&emu);
    let store = store();
    link_x(&emu, &config, store.as_ref(), &link(), "mariax").await;
    let stored = store
        .credentials(&link(), Side::Target)
        .await
        .unwrap()
        .unwrap();

    let hook = Arc::new(StoreTokenHook::new(
        Arc::clone(&store),
        link(),
        &stored.value,
        &RefreshGuards::default(),
        config.clock.clone(),
        Duration::from_secs(5),
    ));
    let failing = Arc::new(FailingOnce {
        inner: Arc::clone(&hook),
        fail: AtomicBool::new(true),
    });
    let x_config = config.x_config().unwrap();
    let clock: Arc<dyn x_client::Clock> = Arc::new(config.clock.clone());
    let oauth = x_client::OAuthClient::new(
        config.x_app.as_ref().unwrap(),
        &x_config,
        reqwest::Client::new(),
        Arc::clone(&clock),
    )
    .unwrap();
    let session = x_client::UserSession::refreshing(token_set(&stored.value), oauth, Some(failing));
    let client = x_client::XClient::builder()
        .config(x_config)
        .clock(clock)
        .session(Arc::new(session))
        .build()
        .unwrap();

    // A post is never resent, so the failed write reaches the caller (a read
    // would be retried, and the session would write the tokens itself).
    let post = x_client::NewPost::text("hello").unwrap();
    let (previous, tokens) = match client.create_post(&post).await {
        Err(x_client::Error::TokenPersist {
            previous, tokens, ..
        }) => (previous, tokens),
        other => panic!("{other:?}"),
    };
    // X spent the stored refresh token; the new one exists only in the error.
    let old = stored.value.refresh_token.clone().unwrap();
    assert_eq!(previous.expose_secret(), old.expose());
    assert!(hook.rotate(&previous, &tokens).await.unwrap());
    let now_stored = store
        .credentials(&link(), Side::Target)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        now_stored.value.refresh_token.as_ref().unwrap().expose(),
        tokens.refresh_token.as_ref().unwrap().expose_secret()
    );
    // The late write is a compare-and-swap too: replaying it changes nothing.
    assert!(!hook.rotate(&previous, &tokens).await.unwrap());

    // A worker starting from the store refreshes with the rescued token.
    let target = x_target(Arc::clone(&store), &link(), &config)
        .await
        .unwrap();
    assert_eq!(target.profile().await.unwrap().username, "mariax");
}

#[tokio::test]
async fn instagram_tokens_refresh_in_their_window_and_not_after_revocation() {
    // Long-lived tokens live 600 s here, so the minimum refresh age is 10 s.
    let emu = start(Emulator::builder().access_token_ttl(600i64)).await;
    let mut config = config(&emu);
    config.ig_refresh_min_age = Duration::from_secs(10);
    config.ig_refresh_window = Duration::from_secs(600);
    let store = store();
    let user = link_instagram(&emu, &config, store.as_ref(), &link(), "maria").await;
    let oauth = config.instagram_oauth().unwrap();
    let link = adapters_support::link();
    let refresh = || {
        refresh_instagram_if_due(
            store.as_ref(),
            &link,
            &oauth,
            &config.clock,
            config.ig_refresh_min_age,
            config.ig_refresh_window,
        )
    };

    assert_eq!(refresh().await.unwrap(), IgRefresh::NotDue, "too young");
    let before = store
        .credentials(&link, Side::Source)
        .await
        .unwrap()
        .unwrap();

    // Past the minimum age but with most of its life left: not yet.
    emu.admin().advance_clock(60).unwrap();
    assert_eq!(
        refresh().await.unwrap(),
        IgRefresh::NotDue,
        "most of its life left"
    );
    // Half of its life spent: refreshed.
    emu.admin().advance_clock(250).unwrap();
    assert_eq!(refresh().await.unwrap(), IgRefresh::Refreshed);
    let after = store
        .credentials(&link, Side::Source)
        .await
        .unwrap()
        .unwrap();
    assert!(!after.value.access_token.same_as(&before.value.access_token));
    assert!(after.value.expires_at > before.value.expires_at);
    let source = instagram_source(store.as_ref(), &link, &config)
        .await
        .unwrap();
    assert_eq!(source.profile().await.unwrap().username, "maria");

    emu.admin().revoke(Platform::Instagram, &user).unwrap();
    // Due again (half of its life spent): the refresh finds the grant gone.
    emu.admin().advance_clock(310).unwrap();
    match refresh().await {
        Err(AdapterError::Remote(RemoteError::Reauth { .. })) => {}
        other => panic!("{other:?}"),
    }

    // Past its expiry a token is dead without asking.
    emu.admin().advance_clock(3_600).unwrap();
    match refresh().await {
        Err(AdapterError::Remote(RemoteError::Reauth { .. })) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn no_credentials_means_link_first() {
    let emu = start(Emulator::builder()).await;
    let config = config(&emu);
    let store = store();
    let err = x_target(Arc::clone(&store), &link(), &config)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdapterError::NoCredentials {
                side: Side::Target,
                ..
            }
        ),
        "{err:?}"
    );
    let err = instagram_source(store.as_ref(), &link(), &config)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdapterError::NoCredentials {
                side: Side::Source,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn the_hook_does_not_show_tokens() {
    let creds = xpost_core::Credentials {
        access_token: xpost_core::Secret::new("access-value-1"),
        refresh_token: Some(xpost_core::Secret::new("refresh-value-2")),
        expires_at: None,
        scopes: Vec::new(),
        obtained_at: jiff::Timestamp::UNIX_EPOCH,
    };
    let hook = StoreTokenHook::new(
        store(),
        link(),
        &creds,
        &RefreshGuards::default(),
        xpost_engine::adapters::SharedClock(Arc::new(xpost_core::SystemClock)),
        Duration::from_secs(1),
    );
    let shown = format!("{hook:?}");
    assert!(
        shown.contains("default") && !shown.contains("value-"),
        "{shown}"
    );
}

#[allow(dead_code)]
fn targets_are_shareable(target: xpost_engine::adapters::XTarget) -> Arc<dyn Target> {
    Arc::new(target)
}
