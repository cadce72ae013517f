//! Test support: the server named by `XPOST_TEST_DATABASE_URL` and a fresh
//! schema per test, dropped when the test's store goes away.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use xpost_core::SealingKey;
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

/// A store in a fresh schema with a new key, or `None` when there is no server.
pub async fn fresh_store() -> Option<TempStore> {
    let url = server("store test").await?;
    let schema = TempSchema::new(&url);
    let pg = PostgresStore::open(&url, Some(&schema.name), SealingKey::generate())
        .await
        .unwrap();
    Some(TempStore { pg, schema })
}
