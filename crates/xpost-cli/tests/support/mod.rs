//! What the in-process command tests share: an emulator on loopback, a SQLite
//! store in a fresh directory, and a link whose two sides were connected
//! through the emulator's real OAuth flows.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use xpost_core::{Account, AccountId, Credentials, Link, LinkId, Platform, Secret, Side, Store};
use xpost_emulator::{EmulatorBuilder, RunningEmulator};
use xpost_engine::adapters::AdapterConfig;
use xpost_engine::tokens::x_credentials;
use xpost_store_sqlite::SqliteStore;

/// The callback the emulator's app is registered with (never contacted).
pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// An emulator on a free loopback port.
pub async fn emulator() -> RunningEmulator {
    EmulatorBuilder::default()
        .seed(11u64)
        .build()
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// A new empty directory for one test's database.
pub fn dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xpost-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The adapter settings `xpost --emulator URL` uses.
pub fn config(emu: &RunningEmulator) -> AdapterConfig {
    let global = xpost_cli::global::GlobalArgs {
        emulator: Some(emu.base_url.clone()),
        ..Default::default()
    };
    xpost_cli::context::adapter_config(&global)
}

async fn consent(url: &str) -> url::Url {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap()
}

/// The two accounts of a linked link.
pub struct Linked {
    /// The Instagram user id.
    pub instagram: String,
    /// The X user id.
    pub x: String,
}

/// Creates an Instagram and an X account, connects both through OAuth into
/// `store` as link `default`, and records the active link.
pub async fn link(emu: &RunningEmulator, config: &AdapterConfig, store: &dyn Store) -> Linked {
    let id = LinkId::new("default").unwrap();
    let admin = emu.admin();

    let instagram = admin.create_instagram_account("ana.ig").unwrap();
    admin
        .set_session(xpost_emulator::Platform::Instagram, Some("ana.ig"))
        .unwrap();
    let oauth = config.instagram_oauth().unwrap();
    let authorize = oauth
        .authorize_url(
            REDIRECT,
            &[ig_client::Scope::BusinessBasic],
            &ig_client::AuthorizeOptions::default(),
        )
        .unwrap();
    let redirect = consent(authorize.url.as_str()).await;
    let code = ig_client::OAuth::code_from_redirect(&redirect, &authorize.state).unwrap();
    let short = oauth.exchange_code(&code, REDIRECT).await.unwrap();
    let long = oauth.exchange_long_lived(&short).await.unwrap();
    let ig_creds = Credentials {
        access_token: Secret::new(long.access_token.expose()),
        refresh_token: None,
        expires_at: Some(long.expires_at),
        scopes: long.permissions.clone(),
        obtained_at: long.issued_at,
    };
    store
        .put_credentials(&id, Side::Source, &ig_creds)
        .await
        .unwrap();

    let x = admin.create_x_account("ana_x").unwrap();
    admin
        .set_session(xpost_emulator::Platform::X, Some("ana_x"))
        .unwrap();
    let mut app = config.x_app.clone().unwrap();
    app.redirect_uri = REDIRECT.into();
    let oauth = x_client::OAuthClient::new(
        &app,
        &config.x_config().unwrap(),
        reqwest::Client::new(),
        Arc::new(config.clock.clone()),
    )
    .unwrap();
    let request = oauth.authorize(&x_client::Scope::cross_posting());
    let callback = consent(request.url.as_str()).await;
    let code = request.code_from_callback(&callback).unwrap();
    let tokens = oauth.exchange_code(request, &code).await.unwrap();
    store
        .put_credentials(&id, Side::Target, &x_credentials(&tokens, Timestamp::now()))
        .await
        .unwrap();

    // Linked a minute ago, so that a post published next (its time has whole
    // seconds) is newer than the link.
    let now = Timestamp::now() - jiff::SignedDuration::from_secs(60);
    let mut link = Link::new(id, now);
    link.connect(
        Side::Source,
        Account {
            platform: Platform::Instagram,
            user_id: AccountId::new(instagram.clone()).unwrap(),
            username: "ana.ig".into(),
        },
        now,
    );
    link.connect(
        Side::Target,
        Account {
            platform: Platform::X,
            user_id: AccountId::new(x.clone()).unwrap(),
            username: "ana_x".into(),
        },
        now,
    );
    store.put_link(&link).await.unwrap();
    Linked { instagram, x }
}

/// Opens (creating) the SQLite store at `db`.
pub async fn open(db: &std::path::Path) -> SqliteStore {
    SqliteStore::open_with_default_key(db).await.unwrap()
}
