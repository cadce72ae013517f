//! What the adapter tests share: an in-process emulator, accounts linked
//! through the real OAuth flows, and a link's credentials in a memory store.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::Arc;

use jiff::Timestamp;
use xpost_core::{Account, AccountId, Credentials, Link, LinkId, MemoryStore, Secret, Side, Store};
use xpost_emulator::{Admin, EmulatorBuilder, Platform, RunningEmulator};
use xpost_engine::adapters::{AdapterConfig, SharedClock};
use xpost_engine::tokens::x_credentials;

/// The callback both apps are registered with (never contacted).
pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// The emulator's clock, so token ages are judged by the time the emulator
/// issues and expires tokens by.
#[derive(Debug)]
pub struct EmulatorClock(pub Admin);

impl xpost_core::Clock for EmulatorClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.0.now_ms()).unwrap()
    }
}

/// Starts an emulator built from `builder` on a free loopback port.
pub async fn start(builder: EmulatorBuilder) -> RunningEmulator {
    builder
        .seed(7u64)
        .build()
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// Adapter settings pointing at `emu`, five posts per Instagram page.
pub fn config(emu: &RunningEmulator) -> AdapterConfig {
    let mut config = AdapterConfig::default();
    config.emulator = Some(emu.base_url.clone());
    config.page_size = 5;
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

/// `Location` of the consent page's redirect.
async fn consent(url: &str) -> url::Url {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap();
    url::Url::parse(location).unwrap()
}

/// Creates Instagram account `username` and links it: the code exchange and
/// the long-lived token, as `xpost link instagram` does. Answers its user id.
pub async fn link_instagram(
    emu: &RunningEmulator,
    config: &AdapterConfig,
    store: &dyn Store,
    link: &LinkId,
    username: &str,
) -> String {
    let user_id = emu.admin().create_instagram_account(username).unwrap();
    emu.admin()
        .set_session(Platform::Instagram, Some(username))
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
    let credentials = Credentials {
        access_token: Secret::new(long.access_token.expose()),
        refresh_token: None,
        expires_at: Some(long.expires_at),
        scopes: long.permissions.clone(),
        obtained_at: long.issued_at,
    };
    store
        .put_credentials(link, Side::Source, &credentials)
        .await
        .unwrap();
    user_id
}

/// Creates X account `username` and links it through PKCE. Answers its user id.
pub async fn link_x(
    emu: &RunningEmulator,
    config: &AdapterConfig,
    store: &dyn Store,
    link: &LinkId,
    username: &str,
) -> String {
    let user_id = emu.admin().create_x_account(username).unwrap();
    emu.admin()
        .set_session(Platform::X, Some(username))
        .unwrap();
    let oauth = x_client::OAuthClient::new(
        config.x_app.as_ref().unwrap(),
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
        .put_credentials(
            link,
            Side::Target,
            &x_credentials(&tokens, config.clock.now()),
        )
        .await
        .unwrap();
    user_id
}

/// Links Instagram account `ig_name` to X account `x_name` as [`link`] in
/// `store`, both through the real OAuth flows, and moves the emulator's clock
/// one second on so that posts published next are newer than the link.
/// Answers the two accounts' user ids.
pub async fn connect_link(
    emu: &RunningEmulator,
    config: &AdapterConfig,
    store: &dyn Store,
    ig_name: &str,
    x_name: &str,
) -> (String, String) {
    let ig_user = link_instagram(emu, config, store, &link(), ig_name).await;
    let x_user = link_x(emu, config, store, &link(), x_name).await;
    let now = config.clock.now();
    let mut l = Link::new(link(), now);
    let account = |platform, id: &str, name: &str| Account {
        platform,
        user_id: AccountId::new(id).unwrap(),
        username: name.into(),
    };
    l.connect(
        Side::Source,
        account(xpost_core::Platform::Instagram, &ig_user, ig_name),
        now,
    );
    l.connect(
        Side::Target,
        account(xpost_core::Platform::X, &x_user, x_name),
        now,
    );
    store.put_link(&l).await.unwrap();
    emu.admin().advance_clock(1).unwrap();
    (ig_user, x_user)
}

/// A memory store behind the trait object the engine uses.
pub fn store() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

/// The link every test uses.
pub fn link() -> LinkId {
    LinkId::new("default").unwrap()
}

/// Publishes `media_type` (`IMAGE`, `VIDEO`, `CAROUSEL_ALBUM`) on Instagram.
pub fn publish(emu: &RunningEmulator, user_id: &str, media_type: &str, caption: &str) -> String {
    let new: xpost_emulator::NewIgMedia = serde_json::from_value(serde_json::json!({
        "caption": caption, "media_type": media_type, "children": 4
    }))
    .unwrap();
    let new = if media_type == "CAROUSEL_ALBUM" {
        new
    } else {
        xpost_emulator::NewIgMedia {
            children: None,
            ..new
        }
    };
    emu.admin().publish_instagram_media(user_id, new).unwrap()
}
