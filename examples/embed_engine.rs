//! Embedding the xpost engine in an application of your own.
//!
//! The application brings three things the engine does not choose for it:
//!
//! - a **store** (here the SQLite store, in a temporary directory),
//! - a **notifier** (here [`ChannelNotifier`], which hands every notice to the
//!   application through a channel),
//! - the **platforms** (here the in-process emulator of Instagram and X, so the
//!   example runs offline; a real application points [`AdapterConfig`] at the
//!   real APIs instead).
//!
//! It links one Instagram account and one X account through the same OAuth
//! flows `xpost link` uses, publishes two Instagram posts, runs one sync, and
//! prints what reached X. Then it revokes the X grant, as a user would in X's
//! settings: the next sync pauses the link, and the application's notifier is
//! told to link X again.
//!
//! Run: `cargo run --example embed_engine` (a few seconds).

use std::error::Error;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use tokio::sync::mpsc;
use xpost_core::{
    Account, AccountId, Credentials, Link, LinkId, Notice, Notifier, NotifyError, Platform,
    SealingKey, Secret, Side, Store,
};
use xpost_emulator::{Admin, Emulator, NewIgMedia, RunningEmulator};
use xpost_engine::adapters::{AdapterConfig, PlatformConnector, SharedClock};
use xpost_engine::{Engine, SyncOptions};
use xpost_store_sqlite::SqliteStore;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// Where the OAuth consent pages send the browser back to. Nothing listens
/// there: the example reads the code from the redirect itself.
const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// The application's notifier: every notice goes down a channel, and the
/// application decides what to do with it (show it, mail it, page someone).
struct ChannelNotifier {
    tx: mpsc::UnboundedSender<Notice>,
}

#[async_trait]
impl Notifier for ChannelNotifier {
    async fn notify(&self, notice: &Notice) -> std::result::Result<(), NotifyError> {
        self.tx
            .send(notice.clone())
            .map_err(|_| NotifyError::Undelivered("the application stopped listening".into()))
    }
}

/// The emulator's clock: tokens are issued and expire by it, so the engine
/// judges their age by it too. A real application keeps the system clock.
#[derive(Debug)]
struct EmulatorClock(Admin);

impl xpost_core::Clock for EmulatorClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.0.now_ms()).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    // The platforms: Instagram and X, emulated on a loopback port.
    let emu = Emulator::builder()
        .seed(7u64)
        .build()?
        .spawn("127.0.0.1:0".parse()?)
        .await?;
    let config = adapter_config(&emu);

    // The store: SQLite, its secrets sealed with a key the application keeps.
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir.path().join("xpost.db"), SealingKey::generate()).await?);

    // One link, both sides consented to through OAuth.
    let link_id = LinkId::new("default")?;
    let ig_user = link_instagram(&emu, &config, &*store, &link_id, "alice.ig").await?;
    let x_user = link_x(&emu, &config, &*store, &link_id, "alice_x").await?;
    let now = config.clock.now();
    let mut link = Link::new(link_id.clone(), now);
    link.connect(
        Side::Source,
        account(Platform::Instagram, &ig_user, "alice.ig")?,
        now,
    );
    link.connect(Side::Target, account(Platform::X, &x_user, "alice_x")?, now);
    store.put_link(&link).await?;
    println!("linked @alice.ig (Instagram) to @alice_x (X)");

    // The engine, with the application's store and notifier.
    let (tx, mut notices) = mpsc::unbounded_channel();
    let engine = Engine::builder()
        .store(store.clone())
        .connector(Arc::new(PlatformConnector::new(
            store.clone(),
            config.clone(),
        )))
        .notifier(Arc::new(ChannelNotifier { tx }))
        .clock(config.clock.0.clone())
        .build()?;

    // Two new Instagram posts (a second later than the link, so they count as new).
    emu.admin().advance_clock(1)?;
    publish(&emu, &ig_user, "Sunrise over the pier")?;
    publish(&emu, &ig_user, "Fresh bread, day two of the course")?;

    let reports = engine.sync_once(SyncOptions::default()).await?;
    for r in &reports {
        println!(
            "sync: link {} {:?}: {} discovered, {} posted, {} skipped, {} failed",
            r.link, r.outcome, r.discovered, r.posted, r.skipped, r.failed
        );
    }
    for tweet in emu.admin().x_tweets() {
        println!(
            "  on X: {:?} with {} image(s)",
            tweet.text,
            tweet.media.len()
        );
    }

    // The user revokes the app in X's settings; a third post waits.
    emu.admin().revoke(xpost_emulator::Platform::X, &x_user)?;
    println!("X grant revoked by the user");
    publish(&emu, &ig_user, "Posted while X was revoked")?;
    let reports = engine.sync_once(SyncOptions::default()).await?;
    for r in &reports {
        println!("sync: link {} {:?}: {} posted", r.link, r.outcome, r.posted);
    }

    // What the application's notifier received.
    let mut heard = 0;
    while let Ok(notice) = notices.try_recv() {
        heard += 1;
        println!("notice for link {}: {}", notice.link, notice.message);
        if let Some(hint) = &notice.hint {
            println!("  hint: {hint}");
        }
    }
    if heard == 0 {
        return Err("the notifier was never called".into());
    }
    Ok(())
}

/// The adapters' settings: the emulator's address and the apps it knows.
fn adapter_config(emu: &RunningEmulator) -> AdapterConfig {
    let mut config = AdapterConfig::default();
    config.emulator = Some(emu.base_url.clone());
    config.instagram_app = Some(ig_client::AppCredentials::new(
        "xpost-emulator",
        "xpost-emulator-secret",
    ));
    config.x_app = Some(x_client::OAuthApp {
        client_id: "xpost-emulator".into(),
        client_secret: Some(x_client::ClientSecret::new("xpost-emulator-secret")),
        redirect_uri: REDIRECT.into(),
    });
    config.clock = SharedClock(Arc::new(EmulatorClock(emu.admin().clone())));
    config
}

fn account(platform: Platform, id: &str, username: &str) -> Result<Account> {
    Ok(Account {
        platform,
        user_id: AccountId::new(id)?,
        username: username.into(),
    })
}

/// Publishes an image post on Instagram; answers its id.
fn publish(emu: &RunningEmulator, user_id: &str, caption: &str) -> Result<String> {
    let new: NewIgMedia = serde_json::from_value(serde_json::json!({
        "caption": caption, "media_type": "IMAGE"
    }))?;
    Ok(emu.admin().publish_instagram_media(user_id, new)?)
}

/// Follows the consent page's redirect (the user clicking "Allow") and
/// answers where it points: the callback, with the code in its query.
async fn consent(url: &str) -> Result<url::Url> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let resp = http.get(url).send().await?;
    let location = resp
        .headers()
        .get("location")
        .ok_or("the consent page did not redirect")?
        .to_str()?;
    Ok(url::Url::parse(location)?)
}

/// Creates the Instagram account, consents, exchanges the code for a
/// long-lived token and stores it as the link's source credentials.
async fn link_instagram(
    emu: &RunningEmulator,
    config: &AdapterConfig,
    store: &dyn Store,
    link: &LinkId,
    username: &str,
) -> Result<String> {
    let user_id = emu.admin().create_instagram_account(username)?;
    emu.admin()
        .set_session(xpost_emulator::Platform::Instagram, Some(username))?;
    let oauth = config.instagram_oauth()?;
    let authorize = oauth.authorize_url(
        REDIRECT,
        &[ig_client::Scope::BusinessBasic],
        &ig_client::AuthorizeOptions::default(),
    )?;
    let redirect = consent(authorize.url.as_str()).await?;
    let code = ig_client::OAuth::code_from_redirect(&redirect, &authorize.state)?;
    let short = oauth.exchange_code(&code, REDIRECT).await?;
    let long = oauth.exchange_long_lived(&short).await?;
    let credentials = Credentials {
        access_token: Secret::new(long.access_token.expose()),
        refresh_token: None,
        expires_at: Some(long.expires_at),
        scopes: long.permissions.clone(),
        obtained_at: long.issued_at,
    };
    store
        .put_credentials(link, Side::Source, &credentials)
        .await?;
    Ok(user_id)
}

/// Creates the X account, consents through OAuth 2.0 with PKCE and stores the
/// tokens as the link's target credentials.
async fn link_x(
    emu: &RunningEmulator,
    config: &AdapterConfig,
    store: &dyn Store,
    link: &LinkId,
    username: &str,
) -> Result<String> {
    let user_id = emu.admin().create_x_account(username)?;
    emu.admin()
        .set_session(xpost_emulator::Platform::X, Some(username))?;
    let app = config.x_app.as_ref().ok_or("no X app configured")?;
    let oauth = x_client::OAuthClient::new(
        app,
        &config.x_config()?,
        reqwest::Client::new(),
        Arc::new(config.clock.clone()),
    )?;
    let request = oauth.authorize(&x_client::Scope::cross_posting());
    let callback = consent(request.url.as_str()).await?;
    let code = request.code_from_callback(&callback)?;
    let tokens = oauth.exchange_code(request, &code).await?;
    let credentials = xpost_engine::tokens::x_credentials(&tokens, config.clock.now());
    store
        .put_credentials(link, Side::Target, &credentials)
        .await?;
    Ok(user_id)
}
