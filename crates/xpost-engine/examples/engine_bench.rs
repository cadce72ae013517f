//! Engine benchmark: prints figures, asserts nothing.
//!
//! ```text
//! cargo run --release -p xpost-engine --example engine_bench -- [links] [posts] [concurrency]
//! cargo run --release -p xpost-engine --example engine_bench -- scheduler [links]
//! cargo run --release -p xpost-engine --example engine_bench -- scale [links]
//! ```
//!
//! 1. Image posts per second end to end: `links` links (default 200), each an
//!    Instagram and an X account of the in-process emulator linked through the
//!    real OAuth flows, `posts` new image posts each (default 10), one
//!    `sync_once` on a SQLite store. Time is split by wrapping the store and
//!    each link's source and target in timers.
//! 2. An idle poll: the same links polled again with nothing new: emulator
//!    requests, store writes and CPU time per poll.
//! 3. (`scheduler`) The `run` scheduler at `links` links (default 10,000): a memory store, a source
//!    that is always idle; passes per second and CPU per pass for one full
//!    round of every link, and the resident memory each scheduled link adds.
//!
//! Figures and how to read them: docs/performance.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use xpost_core::*;
use xpost_emulator::{Admin, Emulator, RunningEmulator};
use xpost_engine::adapters::{AdapterConfig, PlatformConnector, SharedClock};
use xpost_engine::{Connector, Engine, Limits, SyncOptions};
use xpost_store_sqlite::SqliteStore;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

// ---------------------------------------------------------------- measuring

/// Calls and nanoseconds spent in one kind of call.
#[derive(Default)]
struct Meter {
    calls: AtomicU64,
    nanos: AtomicU64,
}

impl Meter {
    async fn time<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        let start = Instant::now();
        let out = f.await;
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.nanos
            .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        out
    }
    fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
    fn secs(&self) -> f64 {
        self.nanos.load(Ordering::Relaxed) as f64 / 1e9
    }
    fn reset(&self) {
        self.calls.store(0, Ordering::Relaxed);
        self.nanos.store(0, Ordering::Relaxed);
    }
}

/// Where the time of a pass goes, summed over concurrent passes.
#[derive(Default)]
struct Meters {
    store_reads: Meter,
    store_writes: Meter,
    list: Meter,
    fetch_media: Meter,
    upload: Meter,
    publish: Meter,
    other_remote: Meter,
}

impl Meters {
    fn reset(&self) {
        for m in [
            &self.store_reads,
            &self.store_writes,
            &self.list,
            &self.fetch_media,
            &self.upload,
            &self.publish,
            &self.other_remote,
        ] {
            m.reset();
        }
    }
}

/// Process CPU time (user + system), from /proc/self/stat, in seconds.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    (ticks(11) + ticks(12)) / 100.0
}

/// Resident memory, VmRSS from /proc/self/status, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A store that times every call, reads and writes apart.
struct MeteredStore {
    inner: Arc<dyn Store>,
    meters: Arc<Meters>,
}

macro_rules! read {
    ($self:ident, $e:expr) => {
        $self.meters.store_reads.time($e).await
    };
}
macro_rules! write {
    ($self:ident, $e:expr) => {
        $self.meters.store_writes.time($e).await
    };
}

#[async_trait]
impl Store for MeteredStore {
    async fn put_link(&self, link: &Link) -> Result<(), StoreError> {
        write!(self, self.inner.put_link(link))
    }
    async fn link(&self, id: &LinkId) -> Result<Option<Link>, StoreError> {
        read!(self, self.inner.link(id))
    }
    async fn links(&self) -> Result<Vec<Link>, StoreError> {
        read!(self, self.inner.links())
    }
    async fn set_link_state(
        &self,
        id: &LinkId,
        state: LinkState,
        side: Option<Side>,
    ) -> Result<(), StoreError> {
        write!(self, self.inner.set_link_state(id, state, side))
    }
    async fn set_link_paused(
        &self,
        id: &LinkId,
        paused_since: Option<Timestamp>,
    ) -> Result<Option<Timestamp>, StoreError> {
        write!(self, self.inner.set_link_paused(id, paused_since))
    }
    async fn credentials(
        &self,
        link: &LinkId,
        side: Side,
    ) -> Result<Option<Versioned<Credentials>>, StoreError> {
        read!(self, self.inner.credentials(link, side))
    }
    async fn put_credentials(
        &self,
        link: &LinkId,
        side: Side,
        c: &Credentials,
    ) -> Result<u64, StoreError> {
        write!(self, self.inner.put_credentials(link, side, c))
    }
    async fn swap_credentials(
        &self,
        link: &LinkId,
        side: Side,
        expected: u64,
        next: &Credentials,
    ) -> Result<Option<u64>, StoreError> {
        write!(
            self,
            self.inner.swap_credentials(link, side, expected, next)
        )
    }
    async fn delete_credentials(&self, link: &LinkId, side: Side) -> Result<(), StoreError> {
        write!(self, self.inner.delete_credentials(link, side))
    }
    async fn cursor(&self, link: &LinkId) -> Result<Option<SourceCursor>, StoreError> {
        read!(self, self.inner.cursor(link))
    }
    async fn set_cursor(
        &self,
        lease: &Lease,
        cursor: &SourceCursor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        write!(self, self.inner.set_cursor(lease, cursor, now))
    }
    async fn insert_posts(
        &self,
        lease: &Lease,
        posts: &[PostRecord],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        write!(self, self.inner.insert_posts(lease, posts, now))
    }
    async fn post(&self, link: &LinkId, id: &SourceId) -> Result<Option<PostRecord>, StoreError> {
        read!(self, self.inner.post(link, id))
    }
    async fn update_post(
        &self,
        lease: &Lease,
        record: &PostRecord,
        now: Timestamp,
    ) -> Result<PostRecord, StoreError> {
        write!(self, self.inner.update_post(lease, record, now))
    }
    async fn update_post_unleased(&self, record: &PostRecord) -> Result<PostRecord, StoreError> {
        write!(self, self.inner.update_post_unleased(record))
    }
    async fn due_posts(
        &self,
        link: &LinkId,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<PostRecord>, StoreError> {
        read!(self, self.inner.due_posts(link, now, limit))
    }
    async fn posts(&self, q: &PostQuery) -> Result<Vec<PostRecord>, StoreError> {
        read!(self, self.inner.posts(q))
    }
    async fn posts_published_since(
        &self,
        link: &LinkId,
        since: Timestamp,
    ) -> Result<Vec<PostRecord>, StoreError> {
        read!(self, self.inner.posts_published_since(link, since))
    }
    async fn append_events(&self, events: &[Event]) -> Result<(), StoreError> {
        write!(self, self.inner.append_events(events))
    }
    async fn events(&self, q: &EventQuery) -> Result<Vec<Event>, StoreError> {
        read!(self, self.inner.events(q))
    }
    async fn try_lease(
        &self,
        link: &LinkId,
        holder: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Option<Lease>, StoreError> {
        write!(self, self.inner.try_lease(link, holder, now, ttl))
    }
    async fn renew_lease(
        &self,
        lease: &Lease,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Lease, StoreError> {
        write!(self, self.inner.renew_lease(lease, now, ttl))
    }
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        write!(self, self.inner.release_lease(lease))
    }

    async fn put_deletion_request(
        &self,
        request: &xpost_core::DeletionRequest,
    ) -> Result<(), StoreError> {
        write!(self, self.inner.put_deletion_request(request))
    }

    async fn deletion_request(
        &self,
        code: &str,
    ) -> Result<Option<xpost_core::DeletionRequest>, StoreError> {
        read!(self, self.inner.deletion_request(code))
    }

    async fn forget_link(&self, link: &LinkId) -> Result<xpost_core::ForgetReport, StoreError> {
        write!(self, self.inner.forget_link(link))
    }
    async fn oauth1_token(&self, link: &LinkId) -> Result<Option<OAuth1Token>, StoreError> {
        self.inner.oauth1_token(link).await
    }
    async fn put_oauth1_token(&self, link: &LinkId, token: &OAuth1Token) -> Result<(), StoreError> {
        self.inner.put_oauth1_token(link, token).await
    }
    async fn delete_oauth1_token(&self, link: &LinkId) -> Result<(), StoreError> {
        self.inner.delete_oauth1_token(link).await
    }
    async fn profile_snapshot(&self, link: &LinkId) -> Result<Option<ProfileSnapshot>, StoreError> {
        self.inner.profile_snapshot(link).await
    }
    async fn put_profile_snapshot(
        &self,
        lease: &Lease,
        snapshot: &ProfileSnapshot,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.put_profile_snapshot(lease, snapshot, now).await
    }
    async fn last_run(&self, link: &LinkId, task: &str) -> Result<Option<Timestamp>, StoreError> {
        self.inner.last_run(link, task).await
    }
    async fn set_last_run(
        &self,
        lease: &Lease,
        task: &str,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.set_last_run(lease, task, at, now).await
    }
    async fn append_metrics(
        &self,
        lease: &Lease,
        samples: &[MetricSample],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.append_metrics(lease, samples, now).await
    }
    async fn metrics(&self, query: &MetricQuery) -> Result<Vec<MetricSample>, StoreError> {
        self.inner.metrics(query).await
    }
    async fn reads_spent(&self, link: &LinkId, period: &str) -> Result<u64, StoreError> {
        self.inner.reads_spent(link, period).await
    }
    async fn spend_reads(
        &self,
        lease: &Lease,
        periods: &[String],
        count: u64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.spend_reads(lease, periods, count, now).await
    }
}

/// A source timed per call.
struct MeteredSource(Arc<dyn Source>, Arc<Meters>);

#[async_trait]
impl Source for MeteredSource {
    async fn new_posts(
        &self,
        newest_seen: Option<&SourceId>,
        since: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<SourcePost>, RemoteError> {
        self.1
            .list
            .time(self.0.new_posts(newest_seen, since, limit))
            .await
    }
    async fn post(&self, id: &SourceId) -> Result<Option<SourcePost>, RemoteError> {
        self.1.other_remote.time(self.0.post(id)).await
    }
    async fn media(&self, post: &SourcePost, item: &MediaItem) -> Result<MediaBody, RemoteError> {
        // The body streams: reading it is part of the upload that consumes it.
        self.1.fetch_media.time(self.0.media(post, item)).await
    }
    async fn profile(&self) -> Result<Profile, RemoteError> {
        self.1.other_remote.time(self.0.profile()).await
    }
    async fn stories(&self) -> Result<Vec<SourcePost>, RemoteError> {
        self.1.list.time(self.0.stories()).await
    }
}

/// A target timed per call.
struct MeteredTarget(Arc<dyn Target>, Arc<Meters>);

#[async_trait]
impl Target for MeteredTarget {
    async fn upload(&self, media: MediaUpload) -> Result<TargetMediaId, RemoteError> {
        self.1.upload.time(self.0.upload(media)).await
    }
    async fn publish(&self, post: &OutgoingPost) -> Result<PublishedPost, RemoteError> {
        self.1.publish.time(self.0.publish(post)).await
    }
    async fn delete(&self, id: &TargetId) -> Result<(), RemoteError> {
        self.1.other_remote.time(self.0.delete(id)).await
    }
    async fn own_recent(&self, since: Timestamp) -> Result<Vec<PublishedPost>, RemoteError> {
        self.1.other_remote.time(self.0.own_recent(since)).await
    }
    fn matches(&self, published: &PublishedPost, intended: &OutgoingPost) -> bool {
        self.0.matches(published, intended)
    }
    async fn profile(&self) -> Result<Profile, RemoteError> {
        self.1.other_remote.time(self.0.profile()).await
    }
}

/// The real connector, its source and target timed.
struct MeteredConnector(PlatformConnector, Arc<Meters>);

#[async_trait]
impl Connector for MeteredConnector {
    async fn source(&self, link: &Link) -> Result<Arc<dyn Source>, RemoteError> {
        let inner = self.0.source(link).await?;
        Ok(Arc::new(MeteredSource(inner, self.1.clone())))
    }
    async fn target(&self, link: &Link) -> Result<Arc<dyn Target>, RemoteError> {
        let inner = self.0.target(link).await?;
        Ok(Arc::new(MeteredTarget(inner, self.1.clone())))
    }
    async fn revoke(&self, link: &Link, side: Side) -> Result<(), RemoteError> {
        self.0.revoke(link, side).await
    }
}

// ------------------------------------------------------- emulator and links

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

fn requests(emu: &RunningEmulator) -> u64 {
    emu.admin().stats()["total"].as_u64().unwrap_or(0)
}

// ------------------------------------------------------------ end to end

async fn end_to_end(links: usize, posts: usize, concurrency: usize) {
    let emu = Emulator::builder()
        .seed(7u64)
        .build()
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = adapter_config(&emu);
    let dir = tempfile::tempdir().unwrap();
    let sqlite: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path().join("bench.db"), SealingKey::generate())
            .await
            .unwrap(),
    );
    let meters = Arc::new(Meters::default());
    let store: Arc<dyn Store> = Arc::new(MeteredStore {
        inner: sqlite.clone(),
        meters: meters.clone(),
    });
    let setup = Instant::now();
    let mut users = Vec::with_capacity(links);
    for i in 0..links {
        users.push(link_pair(&emu, &config, &*sqlite, i).await);
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
    println!(
        "setup: {links} links linked through OAuth, {} posts published, in {:.1} s",
        links * posts,
        setup.elapsed().as_secs_f64()
    );

    let mut limits = Limits::default();
    limits.concurrency = concurrency;
    let engine = Engine::builder()
        .store(store.clone())
        .connector(Arc::new(MeteredConnector(
            PlatformConnector::new(store.clone(), config.clone()),
            meters.clone(),
        )))
        .clock(config.clock.0.clone())
        .limits(limits)
        .build()
        .unwrap();

    meters.reset();
    let req0 = requests(&emu);
    let cpu0 = cpu_secs();
    let start = Instant::now();
    let reports = engine.sync_once(SyncOptions::default()).await.unwrap();
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let posted: usize = reports.iter().map(|r| r.posted).sum();
    let failed: usize = reports.iter().map(|r| r.failed).sum();
    let reqs = requests(&emu) - req0;
    println!();
    println!("== end to end: {links} links x {posts} image posts, concurrency {concurrency} ==");
    println!(
        "posted {posted} (failed {failed}) in {wall:.2} s: {:.0} posts/s; CPU {cpu:.2} s ({:.0} % of 2 cores), {:.2} ms CPU/post",
        posted as f64 / wall,
        100.0 * cpu / wall / 2.0,
        1e3 * cpu / posted.max(1) as f64
    );
    println!(
        "emulator requests: {reqs} ({:.1} per post)",
        reqs as f64 / posted.max(1) as f64
    );
    let busy = wall * concurrency as f64;
    let row = |name: &str, m: &Meter| {
        println!(
            "  {name:<28} {:>7} calls {:>8.2} s  {:>5.1} % of pass time  {:>7.3} ms/call",
            m.calls(),
            m.secs(),
            100.0 * m.secs() / busy,
            1e3 * m.secs() / m.calls().max(1) as f64
        );
    };
    println!(
        "where the pass time goes (summed over {concurrency} concurrent passes: {busy:.1} s):"
    );
    row("store reads", &meters.store_reads);
    row("store writes", &meters.store_writes);
    row("Instagram list", &meters.list);
    row("Instagram media (headers)", &meters.fetch_media);
    row("X upload (incl. body+strip)", &meters.upload);
    row("X publish", &meters.publish);
    row("other platform calls", &meters.other_remote);
    let accounted = [
        &meters.store_reads,
        &meters.store_writes,
        &meters.list,
        &meters.fetch_media,
        &meters.upload,
        &meters.publish,
        &meters.other_remote,
    ]
    .iter()
    .map(|m| m.secs())
    .sum::<f64>();
    println!(
        "  {:<28} {:>21.2} s  {:>5.1} %  (engine: policy, transform, media checks, connector)",
        "rest",
        busy - accounted,
        100.0 * (busy - accounted) / busy
    );

    // An idle poll: nothing new anywhere.
    meters.reset();
    let req0 = requests(&emu);
    let cpu0 = cpu_secs();
    let start = Instant::now();
    let rounds = 5;
    for _ in 0..rounds {
        engine.sync_once(SyncOptions::default()).await.unwrap();
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let polls = (rounds * links) as f64;
    println!();
    println!("== idle poll: {rounds} rounds over {links} links, nothing new ==");
    println!(
        "per idle poll: {:.2} emulator requests, {:.2} store writes, {:.2} store reads, {:.3} ms CPU (whole process, emulator included), {:.3} ms wall",
        (requests(&emu) - req0) as f64 / polls,
        meters.store_writes.calls() as f64 / polls,
        meters.store_reads.calls() as f64 / polls,
        1e3 * cpu / polls,
        1e3 * wall / polls
    );
    println!(
        "  store read time {:.3} ms/poll, Instagram list {:.3} ms/poll",
        1e3 * meters.store_reads.secs() / polls,
        1e3 * meters.list.secs() / polls
    );
}

// -------------------------------------------------------------- scheduler

/// A source that never has anything new, counting its polls.
struct IdleSource(Arc<AtomicU64>);

#[async_trait]
impl Source for IdleSource {
    async fn new_posts(
        &self,
        _: Option<&SourceId>,
        _: Option<Timestamp>,
        _: usize,
    ) -> Result<Vec<SourcePost>, RemoteError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(Vec::new())
    }
    async fn post(&self, _: &SourceId) -> Result<Option<SourcePost>, RemoteError> {
        Ok(None)
    }
    async fn media(&self, _: &SourcePost, _: &MediaItem) -> Result<MediaBody, RemoteError> {
        Err(RemoteError::Unavailable {
            message: "idle source has no media".into(),
        })
    }
    async fn profile(&self) -> Result<Profile, RemoteError> {
        Err(RemoteError::Unavailable {
            message: "idle source has no profile".into(),
        })
    }
    async fn stories(&self) -> Result<Vec<SourcePost>, RemoteError> {
        Ok(Vec::new())
    }
}

/// Hands out the idle source; a target is never needed. With a store, it
/// first reads the link's source credentials, as the real connector does.
struct IdleConnector {
    source: Arc<dyn Source>,
    store: Option<Arc<dyn Store>>,
}

#[async_trait]
impl Connector for IdleConnector {
    async fn source(&self, link: &Link) -> Result<Arc<dyn Source>, RemoteError> {
        if let Some(store) = &self.store {
            let credentials = store.credentials(&link.id, Side::Source).await;
            if !matches!(credentials, Ok(Some(_))) {
                return Err(RemoteError::Unavailable {
                    message: "no source credentials".into(),
                });
            }
        }
        Ok(self.source.clone())
    }
    async fn target(&self, _: &Link) -> Result<Arc<dyn Target>, RemoteError> {
        Err(RemoteError::Unavailable {
            message: "idle links never publish".into(),
        })
    }
    async fn revoke(&self, _: &Link, _: Side) -> Result<(), RemoteError> {
        Ok(())
    }
}

/// Link `i`, both sides connected, as the benchmarks name them.
fn idle_link(i: usize, now: Timestamp) -> Link {
    let mut link = Link::new(LinkId::new(format!("l{i:06}")).unwrap(), now);
    let account = |platform, user: &str| Account {
        platform,
        user_id: AccountId::new(user).unwrap(),
        username: user.into(),
    };
    link.connect(
        Side::Source,
        account(Platform::Instagram, &format!("{i}")),
        now,
    );
    link.connect(Side::Target, account(Platform::X, &format!("{i}")), now);
    link
}

/// An engine over `store` whose every link is idle, `concurrency` 64, poll
/// interval 1 h; the counter counts the source's polls.
fn idle_engine(store: Arc<dyn Store>, read_credentials: bool) -> (Engine, Arc<AtomicU64>) {
    let polls = Arc::new(AtomicU64::new(0));
    let mut limits = Limits::default();
    limits.poll_interval = Duration::from_secs(3600);
    limits.concurrency = 64;
    let connector = IdleConnector {
        source: Arc::new(IdleSource(polls.clone())),
        store: read_credentials.then(|| store.clone()),
    };
    let engine = Engine::builder()
        .store(store)
        .connector(Arc::new(connector))
        .limits(limits)
        .build()
        .unwrap();
    (engine, polls)
}

/// One scheduler round: `Engine::run` until each of the `n` links has had
/// its pass and is back in the timer heap. Answers wall and CPU seconds of
/// the round, the passes `run` reported, and VmRSS once the round is over.
async fn one_round(engine: &Engine, polls: &Arc<AtomicU64>, n: usize) -> (f64, f64, u64, u64) {
    let done = polls.clone();
    let target = done.load(Ordering::Relaxed) + n as u64;
    let cpu0 = cpu_secs();
    let start = Instant::now();
    let round = Arc::new(std::sync::Mutex::new(None));
    let round_at = round.clone();
    let rss_after = Arc::new(AtomicU64::new(0));
    let rss_seen = rss_after.clone();
    // Stops once every link has had its pass and is back in the heap (the
    // passes in flight at that moment end before `run` returns).
    let shutdown = async move {
        while done.load(Ordering::Relaxed) < target {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        *round_at.lock().unwrap() = Some((start.elapsed().as_secs_f64(), cpu_secs() - cpu0));
        // Let the last passes come back into the heap, then look at memory.
        tokio::time::sleep(Duration::from_millis(200)).await;
        rss_seen.store(rss_kib(), Ordering::Relaxed);
    };
    let summary = engine.run(shutdown).await.unwrap();
    let (wall, cpu) = round.lock().unwrap().unwrap_or((0.0, 0.0));
    (
        wall,
        cpu,
        summary.passes as u64,
        rss_after.load(Ordering::Relaxed),
    )
}

async fn scheduler(n: usize) {
    let rss_empty = rss_kib();
    let store = Arc::new(MemoryStore::new());
    let now = Timestamp::now();
    for i in 0..n {
        store.put_link(&idle_link(i, now)).await.unwrap();
    }
    let rss_store = rss_kib();
    // What `run` does once per poll interval: list every link (and add the new
    // ones to the heap).
    let listed = Instant::now();
    let all = store.links().await.unwrap().len();
    let list_ms = 1e3 * listed.elapsed().as_secs_f64();
    let (engine, polls) = idle_engine(store, false);
    let (wall, cpu, passes, after) = one_round(&engine, &polls, n).await;
    println!();
    println!("== scheduler: {n} idle links, memory store, concurrency 64 ==");
    println!(
        "one round ({passes} passes): {wall:.2} s wall, {:.0} passes/s, {:.1} us CPU/pass",
        n as f64 / wall,
        1e6 * cpu / n as f64
    );
    println!("listing the {all} links (once per poll interval): {list_ms:.1} ms");
    println!(
        "RSS: {rss_empty} KiB empty, {rss_store} KiB with the links in the store ({:.0} B/link), {after} KiB with every link scheduled in a running engine ({:.0} B/link on top of the store)",
        1024.0 * rss_store.saturating_sub(rss_empty) as f64 / n as f64,
        1024.0 * after.saturating_sub(rss_store) as f64 / n as f64
    );
}

/// Bytes of every file in `dir` (the database, its WAL and shared memory).
fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum()
}

async fn scale(n: usize) {
    let rss_empty = rss_kib();
    let dir = tempfile::tempdir().unwrap();
    let sqlite: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path().join("scale.db"), SealingKey::generate())
            .await
            .unwrap(),
    );
    let meters = Arc::new(Meters::default());
    let store: Arc<dyn Store> = Arc::new(MeteredStore {
        inner: sqlite.clone(),
        meters: meters.clone(),
    });
    let now = Timestamp::now();
    let credentials = Credentials {
        access_token: Secret::new("bench-access-token-0123456789abcdef0123456789abcdef"),
        refresh_token: Some(Secret::new("bench-refresh-token-0123456789abcdef012345678")),
        expires_at: Some(now + SignedDuration::from_hours(24 * 60)),
        scopes: vec!["instagram_business_basic".into()],
        obtained_at: now,
    };
    let setup = Instant::now();
    for i in 0..n {
        let link = idle_link(i, now);
        sqlite.put_link(&link).await.unwrap();
        for side in [Side::Source, Side::Target] {
            sqlite
                .put_credentials(&link.id, side, &credentials)
                .await
                .unwrap();
        }
    }
    let setup_s = setup.elapsed().as_secs_f64();
    let rss_store = rss_kib();
    let db = dir_bytes(dir.path());
    println!();
    println!("== scale: {n} idle links with sealed credentials, SQLite store ==");
    println!(
        "setup: {n} links and {} credentials written in {setup_s:.1} s; database {:.1} MiB ({:.0} B/link)",
        2 * n,
        db as f64 / 1_048_576.0,
        db as f64 / n as f64
    );

    // Idle polls of a sample spread over the whole table, one at a time: the
    // first pass of each link, then a second one (what every later poll costs).
    let (engine, polls) = idle_engine(store.clone(), true);
    let sample: Vec<LinkId> = (0..n)
        .step_by((n / 2_000).max(1))
        .map(|i| LinkId::new(format!("l{i:06}")).unwrap())
        .collect();
    for round in ["first", "steady"] {
        meters.reset();
        let cpu0 = cpu_secs();
        let start = Instant::now();
        for id in &sample {
            engine.sync_link(id, SyncOptions::default()).await.unwrap();
        }
        let wall = start.elapsed().as_secs_f64();
        let cpu = cpu_secs() - cpu0;
        let k = sample.len() as f64;
        println!(
            "idle poll ({round}, {} links one at a time): {:.1} us CPU, {:.1} us wall, {:.2} store reads ({:.1} us), {:.2} store writes per poll",
            sample.len(),
            1e6 * cpu / k,
            1e6 * wall / k,
            meters.store_reads.calls() as f64 / k,
            1e6 * meters.store_reads.secs() / k,
            meters.store_writes.calls() as f64 / k
        );
    }

    // What `run` does once per poll interval: list every link.
    let listed = Instant::now();
    let all = store.links().await.unwrap().len();
    let list_ms = 1e3 * listed.elapsed().as_secs_f64();

    meters.reset();
    let (wall, cpu, passes, after) = one_round(&engine, &polls, n).await;
    println!(
        "scheduler round ({passes} passes, concurrency 64): {wall:.2} s wall, {:.0} passes/s, {:.1} us CPU/pass, {:.2} store reads and {:.2} writes per pass",
        n as f64 / wall,
        1e6 * cpu / n as f64,
        meters.store_reads.calls() as f64 / n as f64,
        meters.store_writes.calls() as f64 / n as f64
    );
    println!("listing the {all} links (once per poll interval): {list_ms:.1} ms");
    println!(
        "RSS: {rss_empty} KiB empty, {rss_store} KiB with the store open ({:.0} B/link), {after} KiB after a round with every link scheduled ({:.0} B/link on top)",
        1024.0 * rss_store.saturating_sub(rss_empty) as f64 / n as f64,
        1024.0 * after.saturating_sub(rss_store) as f64 / n as f64
    );
}

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // Each scheduler size in a fresh process of its own, so that its memory
    // figures do not reuse what an earlier part freed.
    match std::env::args().nth(1).as_deref() {
        Some("scheduler") => return scheduler(arg(2, 10_000)).await,
        Some("scale") => return scale(arg(2, 10_000)).await,
        _ => {}
    }
    let (links, posts, concurrency) = (arg(1, 200), arg(2, 10), arg(3, 8));
    end_to_end(links, posts, concurrency).await;
}
