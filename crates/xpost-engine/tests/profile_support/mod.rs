//! Profile-sync and analytics scenarios against the in-process emulator, run by
//! the SQLite tests here and the PostgreSQL tests of `xpost-store-postgres`
//! unchanged: each takes a fresh store (and, for restarts, a way to open it again).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::adapters_support::{REDIRECT, config, connect_link, link, publish, start};
use xpost_core::{Event, EventKind, EventQuery, MetricQuery, Platform, SourceId, Store};
use xpost_emulator::{Emulator, IgEngagement, IgProfileChange, RunningEmulator, XTweetMetrics};
use xpost_engine::adapters::{AdapterConfig, PlatformConnector};
use xpost_engine::{Engine, PassOutcome, SyncOptions};

/// Opens the same store again (a restarted process).
pub type Reopen =
    Box<dyn Fn() -> Pin<Box<dyn Future<Output = Arc<dyn Store>> + Send>> + Send + Sync>;

/// An emulator with one linked Instagram and X account, and a store.
pub struct Setup {
    pub emu: RunningEmulator,
    pub config: AdapterConfig,
    pub store: Arc<dyn Store>,
    pub ig_user: String,
    pub x_user: String,
}

/// Links `alice.ig` to `alice_x` in `store`.
pub async fn setup(store: Arc<dyn Store>) -> Setup {
    let emu = start(Emulator::builder()).await;
    let config = config(&emu);
    let (ig_user, x_user) = connect_link(&emu, &config, &*store, "alice.ig", "alice_x").await;
    Setup {
        emu,
        config,
        store,
        ig_user,
        x_user,
    }
}

impl Setup {
    /// An engine over `store` with the TOML `settings`.
    pub fn engine(&self, store: Arc<dyn Store>, settings: &str) -> Engine {
        Engine::builder()
            .store(store.clone())
            .connector(Arc::new(PlatformConnector::new(store, self.config.clone())))
            .clock(self.config.clock.0.clone())
            .policy(xpost_policy::PolicyConfig::from_toml_str(settings, "test.toml").unwrap())
            .build()
            .unwrap()
    }

    /// One `sync --once`, which must complete.
    pub async fn sync(&self, engine: &Engine) {
        let reports = engine.sync_once(SyncOptions::default()).await.unwrap();
        assert!(
            reports.iter().all(|r| r.outcome == PassOutcome::Completed),
            "{reports:?}"
        );
    }

    /// Moves the emulator's clock (and so the engine's) by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.emu.admin().advance_clock(seconds).unwrap();
    }

    /// Events of `kind`, oldest first.
    pub async fn events(&self, store: &dyn Store, kind: EventKind) -> Vec<Event> {
        let mut events = store
            .events(&EventQuery {
                kinds: vec![kind],
                ..EventQuery::default()
            })
            .await
            .unwrap();
        events.reverse();
        events
    }
}

const PICTURE: &str = "[defaults.profile_sync]\npicture = true\nevery_minutes = 1\n";

/// A new Instagram picture reaches X once; a check that finds only a new CDN
/// URL for the same picture changes nothing.
pub async fn picture_change_synced_once(store: Arc<dyn Store>) {
    let s = setup(store.clone()).await;
    let engine = s.engine(store.clone(), PICTURE);
    let admin = s.emu.admin();
    assert!(
        admin
            .x_account(&s.x_user)
            .unwrap()
            .profile_image_sha256
            .is_none()
    );

    s.sync(&engine).await;
    let synced = s.events(&*store, EventKind::ProfileSynced).await;
    assert_eq!(synced.len(), 1, "{synced:?}");
    assert!(synced[0].message.contains("avatar"), "{synced:?}");
    // X shows a new avatar only after its processing delay.
    s.advance(6);
    let first = admin.x_account(&s.x_user).unwrap().profile_image_sha256;
    assert!(first.is_some());
    let snapshot = store.profile_snapshot(&link()).await.unwrap().unwrap();
    assert_eq!(
        snapshot.picture_sha256, first,
        "the hash of the bytes is kept"
    );

    // Later checks see a differently signed CDN URL for the same picture.
    let url_before = picture_url(&s).await;
    s.advance(120);
    assert_ne!(picture_url(&s).await, url_before, "the CDN URL changed");
    s.sync(&engine).await;
    s.advance(120);
    s.sync(&engine).await;
    assert_eq!(s.events(&*store, EventKind::ProfileSynced).await.len(), 1);

    // A new picture on Instagram: synced once, at the next check.
    admin
        .update_instagram_profile(
            &s.ig_user,
            IgProfileChange {
                profile_picture: true,
                ..IgProfileChange::default()
            },
        )
        .unwrap();
    s.sync(&engine).await;
    assert_eq!(
        s.events(&*store, EventKind::ProfileSynced).await.len(),
        1,
        "not before the interval"
    );
    s.advance(61);
    s.sync(&engine).await;
    s.advance(61);
    s.sync(&engine).await;
    assert_eq!(s.events(&*store, EventKind::ProfileSynced).await.len(), 2);
    let second = admin.x_account(&s.x_user).unwrap().profile_image_sha256;
    assert!(second.is_some() && second != first);
    // Nothing else of the profile was touched: those fields are opt-in.
    assert_eq!(admin.x_account(&s.x_user).unwrap().name, "alice_x");
}

async fn picture_url(s: &Setup) -> String {
    let source = xpost_engine::adapters::instagram_source(&*s.store, &link(), &s.config)
        .await
        .unwrap();
    xpost_core::Source::profile(&source)
        .await
        .unwrap()
        .picture_url
        .unwrap()
}

/// Name, biography (with a mapped handle, an unmapped one and a link) and
/// website reach X once.
pub async fn name_bio_and_website(store: Arc<dyn Store>) {
    let s = setup(store.clone()).await;
    let settings = "[defaults.profile_sync]\nname = true\nbio = true\nwebsite = true\nevery_minutes = 1\n\
                    [defaults.privacy]\nmention_map = { \"bob.ig\" = \"bob_x\" }\n";
    let engine = s.engine(store.clone(), settings);
    let admin = s.emu.admin();
    let bio = format!(
        "Photos with @bob.ig and @carol.ig. Prints: https://alice.example/shop {}",
        "and a very long tail ".repeat(10)
    );
    admin
        .update_instagram_profile(
            &s.ig_user,
            IgProfileChange {
                name: Some("Alice Doe".into()),
                biography: Some(bio),
                website: Some("https://alice.example/".into()),
                ..IgProfileChange::default()
            },
        )
        .unwrap();
    s.sync(&engine).await;
    let x = admin.x_account(&s.x_user).unwrap();
    assert_eq!(x.name, "Alice Doe");
    assert_eq!(x.url, "https://alice.example/");
    assert!(
        x.description.starts_with(
            "Photos with @bob_x and @\u{2060}carol.ig. Prints: https://alice.example/shop"
        ),
        "{}",
        x.description
    );
    assert!(x.description.ends_with('…'), "{}", x.description);
    // X took it, so it fits its 160; the weighting itself is xpost-policy's to test.
    assert!(x.description.chars().count() <= 160);
    let synced = s.events(&*store, EventKind::ProfileSynced).await;
    assert_eq!(synced.len(), 3, "{synced:?}");
    assert!(
        synced.iter().all(|e| e.message.contains("via v2")),
        "{synced:?}"
    );
    // Unchanged on Instagram: nothing sent again.
    s.advance(61);
    s.sync(&engine).await;
    assert_eq!(s.events(&*store, EventKind::ProfileSynced).await.len(), 3);
    // Only the name changes: only the name is sent.
    admin
        .update_instagram_profile(
            &s.ig_user,
            IgProfileChange {
                name: Some("Alice D.".into()),
                ..IgProfileChange::default()
            },
        )
        .unwrap();
    s.advance(61);
    s.sync(&engine).await;
    let synced = s.events(&*store, EventKind::ProfileSynced).await;
    assert_eq!(synced.len(), 4, "{synced:?}");
    assert!(synced[3].message.contains("name"), "{synced:?}");
    assert_eq!(admin.x_account(&s.x_user).unwrap().name, "Alice D.");
}

/// The name goes through but the avatar upload fails: the name's change is
/// recorded with its event next to the failure, and the next check sends only
/// the picture.
pub async fn a_failed_picture_keeps_the_applied_name(store: Arc<dyn Store>) {
    let s = setup(store.clone()).await;
    let engine = s.engine(
        store.clone(),
        "[defaults.profile_sync]\nname = true\npicture = true\nevery_minutes = 1\n",
    );
    let admin = s.emu.admin();
    admin
        .update_instagram_profile(
            &s.ig_user,
            IgProfileChange {
                name: Some("Alice Doe".into()),
                ..IgProfileChange::default()
            },
        )
        .unwrap();
    let fault: xpost_emulator::Fault = serde_json::from_value(serde_json::json!({
        "platform": "x", "path_prefix": "/2/media/upload", "status": 503, "count": 20
    }))
    .unwrap();
    admin.add_fault(fault).unwrap();
    s.sync(&engine).await;
    let synced = s.events(&*store, EventKind::ProfileSynced).await;
    assert_eq!(synced.len(), 1, "{synced:?}");
    assert!(synced[0].message.contains("name"), "{synced:?}");
    assert_eq!(
        s.events(&*store, EventKind::ProfileSyncFailed).await.len(),
        1
    );
    assert_eq!(admin.x_account(&s.x_user).unwrap().name, "Alice Doe");
    let snapshot = store.profile_snapshot(&link()).await.unwrap().unwrap();
    assert_eq!(snapshot.name.as_deref(), Some("Alice Doe"));
    assert!(snapshot.picture_sha256.is_none());

    admin.reset_faults();
    s.advance(61);
    s.sync(&engine).await;
    let synced = s.events(&*store, EventKind::ProfileSynced).await;
    assert_eq!(synced.len(), 2, "{synced:?}");
    assert!(synced[1].message.contains("avatar"), "{synced:?}");
}

/// When X refuses the v2 profile routes and no OAuth 1.0a token is linked, the
/// failure is recorded with a hint and posts still go out.
pub async fn refused_v2_is_recorded_and_posts_go_on(store: Arc<dyn Store>) {
    let s = setup(store.clone()).await;
    let engine = s.engine(
        store.clone(),
        "[defaults.profile_sync]\nname = true\nevery_minutes = 1\n",
    );
    let admin = s.emu.admin();
    admin
        .update_x_account(
            &s.x_user,
            serde_json::from_value(serde_json::json!({"v2_profile_refused": true})).unwrap(),
        )
        .unwrap();
    publish(&s.emu, &s.ig_user, "IMAGE", "Still posted");
    s.sync(&engine).await;
    let failed = s.events(&*store, EventKind::ProfileSyncFailed).await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].hint.as_deref().unwrap_or("").contains("x-oauth1"),
        "{failed:?}"
    );
    assert!(
        admin
            .x_tweets()
            .iter()
            .any(|t| t.text.starts_with("Still posted"))
    );
    assert_eq!(admin.x_account(&s.x_user).unwrap().name, "alice_x");
}

fn analytics(day_cap: u64) -> String {
    format!(
        "[defaults.analytics]\nenabled = true\nevery_minutes = 1\nx_reads_per_day = {day_cap}\nx_reads_per_month = 1000\n"
    )
}

/// Two cross-posted posts; answers their Instagram ids and X ids.
async fn two_posts(s: &Setup, engine: &Engine) -> Vec<(String, String)> {
    let a = publish(&s.emu, &s.ig_user, "IMAGE", "First post");
    s.advance(1);
    let b = publish(&s.emu, &s.ig_user, "IMAGE", "Second post");
    s.sync(engine).await;
    let tweets = s.emu.admin().x_tweets();
    let x_of = |caption: &str| {
        tweets
            .iter()
            .find(|t| t.text.starts_with(caption))
            .unwrap()
            .id
            .clone()
    };
    vec![(a, x_of("First post")), (b, x_of("Second post"))]
}

fn set_counts(s: &Setup, ig: &str, x: &str, likes: u64) {
    let admin = s.emu.admin();
    admin
        .set_instagram_engagement(
            ig,
            IgEngagement {
                like_count: Some(likes),
                comments_count: Some(likes / 2),
            },
        )
        .unwrap();
    admin
        .set_x_metrics(
            x,
            XTweetMetrics {
                impression_count: likes * 100,
                like_count: likes * 2,
                retweet_count: 3,
                reply_count: 4,
                ..XTweetMetrics::default()
            },
        )
        .unwrap();
}

/// Instagram and X counters of cross-posted posts land in the series, sample
/// after sample.
pub async fn metrics_sampled_and_stored(store: Arc<dyn Store>) {
    let s = setup(store.clone()).await;
    let engine = s.engine(store.clone(), &analytics(100));
    let posts = two_posts(&s, &engine).await;
    // The first pass posted them; its sampling found them already.
    for (ig, x) in &posts {
        set_counts(&s, ig, x, 10);
    }
    s.advance(61);
    s.sync(&engine).await;
    for (ig, x) in &posts {
        set_counts(&s, ig, x, 25);
    }
    s.advance(61);
    s.sync(&engine).await;
    let first = SourceId::new(posts[0].0.clone()).unwrap();
    let ig_series = store
        .metrics(&MetricQuery {
            link: Some(link()),
            source_id: Some(first.clone()),
            platform: Some(Platform::Instagram),
            since: None,
        })
        .await
        .unwrap();
    let likes: Vec<Option<u64>> = ig_series.iter().map(|m| m.metrics.likes).collect();
    assert_eq!(likes, vec![Some(0), Some(10), Some(25)], "{ig_series:?}");
    assert_eq!(ig_series[2].metrics.comments, Some(12));
    let x_series = store
        .metrics(&MetricQuery {
            link: Some(link()),
            source_id: Some(first),
            platform: Some(Platform::X),
            since: None,
        })
        .await
        .unwrap();
    let last = x_series.last().unwrap().metrics;
    assert_eq!(x_series.len(), 3);
    assert_eq!(last.impressions, Some(2500));
    assert_eq!(last.likes, Some(50));
    assert_eq!(last.reposts, Some(3));
    assert_eq!(last.comments, Some(4));
    assert!(x_series.windows(2).all(|w| w[0].at < w[1].at));
    // Not more often than the setting: an immediate pass samples nothing.
    s.sync(&engine).await;
    assert_eq!(s.events(&*store, EventKind::MetricsSampled).await.len(), 3);
}

/// The X read cap stops sampling, and a restarted engine on the same store
/// still knows what was spent.
pub async fn read_cap_stops_sampling_across_restarts(store: Arc<dyn Store>, reopen: Reopen) {
    let s = setup(store.clone()).await;
    let engine = s.engine(store.clone(), &analytics(3));
    two_posts(&s, &engine).await; // sample 1: 2 X reads
    s.advance(61);
    s.sync(&engine).await; // sample 2: 1 X read, the cap
    let capped = s.events(&*store, EventKind::ReadCapReached).await;
    assert_eq!(capped.len(), 1, "{capped:?}");
    drop(engine);
    let reopened = reopen().await;
    let engine = s.engine(reopened.clone(), &analytics(3));
    s.advance(61);
    s.sync(&engine).await; // sample 3: no X read left today
    let x_samples = reopened
        .metrics(&MetricQuery {
            link: Some(link()),
            platform: Some(Platform::X),
            ..MetricQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(x_samples.len(), 3, "{x_samples:?}");
    let ig_samples = reopened
        .metrics(&MetricQuery {
            link: Some(link()),
            platform: Some(Platform::Instagram),
            ..MetricQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(ig_samples.len(), 6, "Instagram is not capped");
    let (day, _) = day_and_month(&s);
    assert_eq!(reopened.reads_spent(&link(), &day).await.unwrap(), 3);
    let stats = s.emu.admin().stats();
    // Two posts created, then one batched lookup per sampling that had reads left.
    assert_eq!(stats["x"]["/2/tweets"], 2 + 2, "{stats}");
    assert_eq!(
        s.events(&*reopened, EventKind::ReadCapReached).await.len(),
        2
    );
}

fn day_and_month(s: &Setup) -> (String, String) {
    let now = s.config.clock.now();
    let day = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    (
        format!("x:day:{day}"),
        format!("x:month:{:04}-{:02}", day.year(), day.month()),
    )
}

/// The emulator app's OAuth 1.0a consumer (its client id and secret).
fn consumer() -> x_client::OAuth1Consumer {
    x_client::OAuth1Consumer::new("xpost-emulator", "xpost-emulator-secret")
}

/// Links an OAuth 1.0a token for the link through the three-legged flow, as
/// `xpost link x-oauth1` does.
pub async fn link_oauth1(s: &Setup, store: &dyn Store) {
    let flow = x_client::OAuth1Flow::new(
        consumer(),
        &s.config.x_config().unwrap(),
        reqwest::Client::new(),
        Arc::new(s.config.clock.clone()),
    );
    let request = flow.request_token(REDIRECT).await.unwrap();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let consent = no_redirects
        .get(flow.authorize_url(&request).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status().as_u16(), 302);
    let callback = url::Url::parse(consent.headers()["location"].to_str().unwrap()).unwrap();
    let verifier = request.verifier_from_callback(&callback).unwrap();
    let access = flow.access_token(&request, &verifier).await.unwrap();
    assert_eq!(
        access.user_id.as_ref().map(|id| id.as_str().to_owned()),
        Some(s.x_user.clone())
    );
    store
        .put_oauth1_token(
            &link(),
            &xpost_core::OAuth1Token {
                token: xpost_core::Secret::new(access.token.expose_secret()),
                token_secret: xpost_core::Secret::new(access.secret.expose_secret()),
                user_id: access.user_id.map(|id| id.as_str().to_owned()),
                screen_name: access.screen_name,
                obtained_at: s.config.clock.now(),
            },
        )
        .await
        .unwrap();
}

/// X refuses the v2 profile routes: with an OAuth 1.0a token linked, the
/// changes go through the signed v1.1 endpoints; a forged signature is refused.
pub async fn v1_fallback_with_oauth1(store: Arc<dyn Store>) {
    let mut s = setup(store.clone()).await;
    s.config.x_consumer = Some(consumer());
    link_oauth1(&s, &*store).await;
    let admin = s.emu.admin();
    admin
        .update_x_account(
            &s.x_user,
            serde_json::from_value(serde_json::json!({"v2_profile_refused": true})).unwrap(),
        )
        .unwrap();
    admin
        .update_instagram_profile(
            &s.ig_user,
            IgProfileChange {
                name: Some("Alice via v1".into()),
                biography: Some("Hello from @alice.ig".into()),
                ..IgProfileChange::default()
            },
        )
        .unwrap();
    let engine = s.engine(
        store.clone(),
        "[defaults.profile_sync]\nname = true\nbio = true\npicture = true\nevery_minutes = 1\n",
    );
    s.sync(&engine).await;
    assert!(
        s.events(&*store, EventKind::ProfileSyncFailed)
            .await
            .is_empty()
    );
    let synced = s.events(&*store, EventKind::ProfileSynced).await;
    assert_eq!(synced.len(), 3, "{synced:?}");
    assert!(
        synced.iter().all(|e| e.message.contains("via v1.1")),
        "{synced:?}"
    );
    s.advance(6);
    let x = admin.x_account(&s.x_user).unwrap();
    assert_eq!(x.name, "Alice via v1");
    assert_eq!(x.description, "Hello from @\u{2060}alice.ig");
    assert!(x.profile_image_sha256.is_some());

    // A request signed with another consumer secret changes nothing.
    let token = store.oauth1_token(&link()).await.unwrap().unwrap();
    let forged = x_client::OAuth1Consumer::new("xpost-emulator", "not-the-secret")
        .with_token(token.token.expose(), token.token_secret.expose());
    let client = x_client::XClient::builder()
        .config(s.config.x_config().unwrap())
        .http_client(reqwest::Client::new())
        .oauth1(forged)
        .build()
        .unwrap();
    let refused = client
        .update_profile_v1(&x_client::ProfileUpdate {
            name: Some("Mallory".into()),
            ..x_client::ProfileUpdate::default()
        })
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("Could not authenticate"),
        "{refused}"
    );
    assert_eq!(admin.x_account(&s.x_user).unwrap().name, "Alice via v1");
}
