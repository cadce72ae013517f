//! Test support: the server named by `XPOST_TEST_DATABASE_URL` and a fresh
//! schema per test, dropped when the test's store goes away.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use xpost_core::{
    Credentials, DeletionRequest, Event, EventQuery, Lease, Link, LinkId, LinkState, MetricQuery,
    MetricSample, OAuth1Token, PostQuery, PostRecord, ProfileSnapshot, SealingKey, Side,
    SourceCursor, SourceId, Store, StoreError, Versioned,
};
use xpost_store_postgres::PostgresStore;

/// The variable naming the test server.
pub const URL_ENV: &str = "XPOST_TEST_DATABASE_URL";

/// Whether the server at `url` answers.
pub async fn reachable(url: &str) -> Result<(), String> {
    let connect = tokio_postgres::connect(url, tokio_postgres::NoTls);
    match tokio::time::timeout(std::time::Duration::from_secs(10), connect).await {
        Ok(Ok((client, connection))) => {
            drop(client);
            let _ = connection.await;
            Ok(())
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 10 s".into()),
    }
}

/// The test server's URL, or `None` (after printing why) when there is none.
pub async fn server(test: &str) -> Option<String> {
    let Ok(url) = std::env::var(URL_ENV) else {
        println!("{test}: skipped: {URL_ENV} is not set");
        return None;
    };
    match reachable(&url).await {
        Ok(()) => Some(url),
        Err(why) => {
            println!("{test}: skipped: the server at {URL_ENV} cannot be reached: {why}");
            None
        }
    }
}

/// A new schema name no other test uses.
pub fn fresh_schema_name() -> String {
    format!("xpost_test_{:016x}", rand::random::<u64>())
}

/// A schema dropped (with everything in it) when this value is dropped.
pub struct TempSchema {
    /// The server.
    pub url: String,
    /// The schema.
    pub name: String,
}

impl TempSchema {
    /// A fresh schema name on `url` (created by the first store that opens it).
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            name: fresh_schema_name(),
        }
    }

    /// A plain connection to the server with `search_path` set to the schema.
    pub async fn connect(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!("SET search_path = {}", self.name))
            .await
            .unwrap();
        client
    }
}

impl Drop for TempSchema {
    fn drop(&mut self) {
        let url = self.url.clone();
        let name = self.name.clone();
        // On a thread of its own: the test's runtime may be the one dropping this.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                if let Ok((client, connection)) =
                    tokio_postgres::connect(&url, tokio_postgres::NoTls).await
                {
                    let task = tokio::spawn(connection);
                    // Best effort: a test that panicked mid-transaction may
                    // still hold locks, and then the schema is left behind.
                    let _ = client
                        .batch_execute(&format!(
                            "SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS {name} CASCADE"
                        ))
                        .await;
                    drop(client);
                    let _ = task.await;
                }
            });
        });
        let _ = dropped.join();
    }
}

/// A store in a fresh schema, which is dropped with it.
pub struct TempStore {
    /// The store.
    pub pg: PostgresStore,
    /// Its schema (declared last: dropped after the store).
    pub schema: TempSchema,
}

#[async_trait]
impl Store for TempStore {
    async fn put_link(&self, link: &Link) -> Result<(), StoreError> {
        self.pg.put_link(link).await
    }
    async fn link(&self, id: &LinkId) -> Result<Option<Link>, StoreError> {
        self.pg.link(id).await
    }
    async fn links(&self) -> Result<Vec<Link>, StoreError> {
        self.pg.links().await
    }
    async fn set_link_state(
        &self,
        id: &LinkId,
        state: LinkState,
        reauth_side: Option<Side>,
    ) -> Result<(), StoreError> {
        self.pg.set_link_state(id, state, reauth_side).await
    }
    async fn set_link_paused(
        &self,
        id: &LinkId,
        paused_since: Option<Timestamp>,
    ) -> Result<Option<Timestamp>, StoreError> {
        self.pg.set_link_paused(id, paused_since).await
    }
    async fn credentials(
        &self,
        link: &LinkId,
        side: Side,
    ) -> Result<Option<Versioned<Credentials>>, StoreError> {
        self.pg.credentials(link, side).await
    }
    async fn put_credentials(
        &self,
        link: &LinkId,
        side: Side,
        credentials: &Credentials,
    ) -> Result<u64, StoreError> {
        self.pg.put_credentials(link, side, credentials).await
    }
    async fn swap_credentials(
        &self,
        link: &LinkId,
        side: Side,
        expected: u64,
        next: &Credentials,
    ) -> Result<Option<u64>, StoreError> {
        self.pg.swap_credentials(link, side, expected, next).await
    }
    async fn delete_credentials(&self, link: &LinkId, side: Side) -> Result<(), StoreError> {
        self.pg.delete_credentials(link, side).await
    }
    async fn cursor(&self, link: &LinkId) -> Result<Option<SourceCursor>, StoreError> {
        self.pg.cursor(link).await
    }
    async fn set_cursor(
        &self,
        lease: &Lease,
        cursor: &SourceCursor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.pg.set_cursor(lease, cursor, now).await
    }
    async fn insert_posts(
        &self,
        lease: &Lease,
        posts: &[PostRecord],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        self.pg.insert_posts(lease, posts, now).await
    }
    async fn post(
        &self,
        link: &LinkId,
        source_id: &SourceId,
    ) -> Result<Option<PostRecord>, StoreError> {
        self.pg.post(link, source_id).await
    }
    async fn update_post(
        &self,
        lease: &Lease,
        record: &PostRecord,
        now: Timestamp,
    ) -> Result<PostRecord, StoreError> {
        self.pg.update_post(lease, record, now).await
    }
    async fn update_post_unleased(&self, record: &PostRecord) -> Result<PostRecord, StoreError> {
        self.pg.update_post_unleased(record).await
    }
    async fn due_posts(
        &self,
        link: &LinkId,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<PostRecord>, StoreError> {
        self.pg.due_posts(link, now, limit).await
    }
    async fn posts(&self, query: &PostQuery) -> Result<Vec<PostRecord>, StoreError> {
        self.pg.posts(query).await
    }
    async fn posts_published_since(
        &self,
        link: &LinkId,
        since: Timestamp,
    ) -> Result<Vec<PostRecord>, StoreError> {
        self.pg.posts_published_since(link, since).await
    }
    async fn append_events(&self, events: &[Event]) -> Result<(), StoreError> {
        self.pg.append_events(events).await
    }
    async fn events(&self, query: &EventQuery) -> Result<Vec<Event>, StoreError> {
        self.pg.events(query).await
    }
    async fn try_lease(
        &self,
        link: &LinkId,
        holder: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Option<Lease>, StoreError> {
        self.pg.try_lease(link, holder, now, ttl).await
    }
    async fn renew_lease(
        &self,
        lease: &Lease,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Lease, StoreError> {
        self.pg.renew_lease(lease, now, ttl).await
    }
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        self.pg.release_lease(lease).await
    }
    async fn put_deletion_request(&self, request: &DeletionRequest) -> Result<(), StoreError> {
        self.pg.put_deletion_request(request).await
    }
    async fn deletion_request(&self, code: &str) -> Result<Option<DeletionRequest>, StoreError> {
        self.pg.deletion_request(code).await
    }
    async fn forget_link(&self, link: &LinkId) -> Result<xpost_core::ForgetReport, StoreError> {
        self.pg.forget_link(link).await
    }
    async fn oauth1_token(&self, link: &LinkId) -> Result<Option<OAuth1Token>, StoreError> {
        self.pg.oauth1_token(link).await
    }
    async fn put_oauth1_token(&self, link: &LinkId, token: &OAuth1Token) -> Result<(), StoreError> {
        self.pg.put_oauth1_token(link, token).await
    }
    async fn delete_oauth1_token(&self, link: &LinkId) -> Result<(), StoreError> {
        self.pg.delete_oauth1_token(link).await
    }
    async fn profile_snapshot(&self, link: &LinkId) -> Result<Option<ProfileSnapshot>, StoreError> {
        self.pg.profile_snapshot(link).await
    }
    async fn put_profile_snapshot(
        &self,
        lease: &Lease,
        snapshot: &ProfileSnapshot,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.pg.put_profile_snapshot(lease, snapshot, now).await
    }
    async fn last_run(&self, link: &LinkId, task: &str) -> Result<Option<Timestamp>, StoreError> {
        self.pg.last_run(link, task).await
    }
    async fn set_last_run(
        &self,
        lease: &Lease,
        task: &str,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.pg.set_last_run(lease, task, at, now).await
    }
    async fn append_metrics(
        &self,
        lease: &Lease,
        samples: &[MetricSample],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.pg.append_metrics(lease, samples, now).await
    }
    async fn metrics(&self, query: &MetricQuery) -> Result<Vec<MetricSample>, StoreError> {
        self.pg.metrics(query).await
    }
    async fn reads_spent(&self, link: &LinkId, period: &str) -> Result<u64, StoreError> {
        self.pg.reads_spent(link, period).await
    }
    async fn spend_reads(
        &self,
        lease: &Lease,
        periods: &[String],
        count: u64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.pg.spend_reads(lease, periods, count, now).await
    }
}

/// A store in a fresh schema with a new key, or `None` when there is no server.
pub async fn fresh_store() -> Option<TempStore> {
    let url = server("store test").await?;
    let schema = TempSchema::new(&url);
    let pg = PostgresStore::open(&url, Some(&schema.name), SealingKey::generate())
        .await
        .unwrap();
    Some(TempStore { pg, schema })
}
