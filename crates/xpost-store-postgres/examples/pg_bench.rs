//! PostgreSQL benchmark: prints figures, asserts nothing.
//!
//! ```text
//! XPOST_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo run --release -p xpost-store-postgres --example pg_bench -- [links] [posts] [lease_links]
//! ```
//!
//! 1. Image posts per second end to end with 1, 2 and 3 engine workers (each
//!    its own store handle and holder name, concurrency 8) on one PostgreSQL
//!    schema against the in-process emulator: `links` links (default 60)
//!    linked through the real OAuth flows, `posts` new image posts each
//!    (default 10); the workers run `sync_once` side by side until every post
//!    is on X.
//! 2. Lease churn: `lease_links` links (default 10,000); every link's lease
//!    taken and released, by one caller and by 8 concurrent callers.
//!
//! Each part uses a fresh schema, dropped at the end. Figures and how to read
//! them: docs/performance.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use xpost_core::*;
use xpost_emulator::{Admin, Emulator, RunningEmulator};
use xpost_engine::adapters::{AdapterConfig, PlatformConnector, SharedClock};
use xpost_engine::{Engine, Limits, SyncOptions};
use xpost_store_postgres::PostgresStore;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// Process CPU time (user + system), from /proc/self/stat, in seconds.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

#[derive(Debug)]
struct EmulatorClock(Admin);

impl Clock for EmulatorClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.0.now_ms()).unwrap()
    }
}

fn adapter_config(emu: &RunningEmulator) -> AdapterConfig {
    let mut config = AdapterConfig::default();
    config.emulator = Some(emu.base_url.clone());
    config.page_size = 25;
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

async fn consent(http: &reqwest::Client, url: &str) -> url::Url {
    let resp = http.get(url).send().await.unwrap();
    url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap()
}

/// Links Instagram `ig{i}` to X `x{i}` as link `l{i}`; answers the Instagram user id.
async fn link_pair(
    emu: &RunningEmulator,
    config: &AdapterConfig,
    store: &dyn Store,
    i: usize,
) -> String {
    let admin = emu.admin();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let id = LinkId::new(format!("l{i:06}")).unwrap();
    let (ig_name, x_name) = (format!("ig{i}"), format!("x{i}"));

    let ig_user = admin.create_instagram_account(&ig_name).unwrap();
    admin
        .set_session(xpost_emulator::Platform::Instagram, Some(&ig_name))
        .unwrap();
    let oauth = config.instagram_oauth().unwrap();
    let authorize = oauth
        .authorize_url(
            REDIRECT,
            &[ig_client::Scope::BusinessBasic],
            &ig_client::AuthorizeOptions::default(),
        )
        .unwrap();
    let redirect = consent(&http, authorize.url.as_str()).await;
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

    let x_user = admin.create_x_account(&x_name).unwrap();
    admin
        .set_session(xpost_emulator::Platform::X, Some(&x_name))
        .unwrap();
    let x = x_client::OAuthClient::new(
        config.x_app.as_ref().unwrap(),
        &config.x_config().unwrap(),
        http.clone(),
        Arc::new(config.clock.clone()),
    )
    .unwrap();
    let request = x.authorize(&x_client::Scope::cross_posting());
    let callback = consent(&http, request.url.as_str()).await;
    let code = request.code_from_callback(&callback).unwrap();
    let tokens = x.exchange_code(request, &code).await.unwrap();
    store
        .put_credentials(
            &id,
            Side::Target,
            &xpost_engine::tokens::x_credentials(&tokens, config.clock.now()),
        )
        .await
        .unwrap();

    let now = config.clock.now();
    let mut link = Link::new(id, now);
    let account = |platform, user: &str, name: &str| Account {
        platform,
        user_id: AccountId::new(user).unwrap(),
        username: name.into(),
    };
    link.connect(
        Side::Source,
        account(Platform::Instagram, &ig_user, &ig_name),
        now,
    );
    link.connect(Side::Target, account(Platform::X, &x_user, &x_name), now);
    store.put_link(&link).await.unwrap();
    ig_user
}

/// A fresh schema name.
fn schema_name() -> String {
    format!("xpost_bench_{:016x}", rand::random::<u64>())
}

async fn drop_schema(url: &str, schema: &str) {
    if let Ok((client, connection)) = tokio_postgres::connect(url, tokio_postgres::NoTls).await {
        let task = tokio::spawn(connection);
        let _ = client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await;
        drop(client);
        let _ = task.await;
    }
}

fn live_tweets(emu: &RunningEmulator) -> usize {
    emu.admin().x_tweets().iter().filter(|t| !t.deleted).count()
}

async fn end_to_end(url: &str, workers: usize, links: usize, posts: usize) {
    let schema = schema_name();
    let key = SealingKey::generate();
    let emu = Emulator::builder()
        .seed(7u64)
        .build()
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = adapter_config(&emu);
    let setup: Arc<dyn Store> = Arc::new(
        PostgresStore::open(url, Some(&schema), key.clone())
            .await
            .unwrap(),
    );
    let mut users = Vec::with_capacity(links);
    for i in 0..links {
        users.push(link_pair(&emu, &config, &*setup, i).await);
    }
    emu.admin().advance_clock(1).unwrap();
    for (i, user) in users.iter().enumerate() {
        for p in 0..posts {
            let new: xpost_emulator::NewIgMedia = serde_json::from_value(serde_json::json!({
                "caption": format!("Link {i} post {p}: a walk by the sea #bench"),
                "media_type": "IMAGE"
            }))
            .unwrap();
            emu.admin().publish_instagram_media(user, new).unwrap();
        }
    }
    let mut engines = Vec::with_capacity(workers);
    for w in 0..workers {
        let store: Arc<dyn Store> = Arc::new(
            PostgresStore::open(url, Some(&schema), key.clone())
                .await
                .unwrap(),
        );
        let mut limits = Limits::default();
        limits.concurrency = 8;
        engines.push(Arc::new(
            Engine::builder()
                .store(store.clone())
                .connector(Arc::new(PlatformConnector::new(store, config.clone())))
                .clock(config.clock.0.clone())
                .limits(limits)
                .holder(format!("bench-{w}"))
                .build()
                .unwrap(),
        ));
    }
    let expected = links * posts;
    let cpu0 = cpu_secs();
    let start = Instant::now();
    let mut rounds = 0;
    while live_tweets(&emu) < expected && rounds < 20 {
        rounds += 1;
        let mut tasks = Vec::new();
        for engine in &engines {
            let engine = engine.clone();
            tasks.push(tokio::spawn(async move {
                engine.sync_once(SyncOptions::default()).await.unwrap()
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let posted = live_tweets(&emu);
    println!(
        "{workers} worker(s): {posted}/{expected} posted in {wall:.2} s ({rounds} round(s)): {:.0} posts/s; CPU of this process {cpu:.2} s ({:.0} % of 2 cores), {:.2} ms CPU/post",
        posted as f64 / wall,
        100.0 * cpu / wall / 2.0,
        1e3 * cpu / posted.max(1) as f64
    );
    drop(engines);
    drop(setup);
    drop_schema(url, &schema).await;
}

async fn lease_churn(url: &str, n: usize) {
    let schema = schema_name();
    let store = PostgresStore::open(url, Some(&schema), SealingKey::generate())
        .await
        .unwrap();
    let now = Timestamp::now();
    let ids: Vec<LinkId> = (0..n)
        .map(|i| LinkId::new(format!("l{i:06}")).unwrap())
        .collect();
    for id in &ids {
        store.put_link(&Link::new(id.clone(), now)).await.unwrap();
    }
    let ttl = SignedDuration::from_secs(20);
    println!();
    println!("== lease churn: {n} links, take and release every lease ==");
    for callers in [1usize, 8] {
        let start = Instant::now();
        let chunk = n.div_ceil(callers);
        let mut tasks = Vec::new();
        for part in ids.chunks(chunk) {
            let store = store.clone();
            let part = part.to_vec();
            tasks.push(tokio::spawn(async move {
                for id in part {
                    let lease = store
                        .try_lease(&id, "bench", Timestamp::now(), ttl)
                        .await
                        .unwrap()
                        .unwrap();
                    store.release_lease(&lease).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let wall = start.elapsed().as_secs_f64();
        println!(
            "{callers} caller(s): {n} leases taken and released in {wall:.2} s: {:.0} leases/s ({:.3} ms per take + release)",
            n as f64 / wall,
            1e3 * wall / n as f64 * callers as f64
        );
    }
    drop(store);
    drop_schema(url, &schema).await;
}

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Ok(url) = std::env::var("XPOST_BENCH_DATABASE_URL") else {
        eprintln!(
            "pg_bench: set XPOST_BENCH_DATABASE_URL to a PostgreSQL server (a fresh schema is created and dropped)"
        );
        std::process::exit(2);
    };
    let (links, posts, lease_links) = (arg(1, 60), arg(2, 10), arg(3, 10_000));
    println!("== end to end: {links} links x {posts} image posts, one PostgreSQL schema ==");
    for workers in 1..=3 {
        end_to_end(&url, workers, links, posts).await;
    }
    lease_churn(&url, lease_links).await;
}
