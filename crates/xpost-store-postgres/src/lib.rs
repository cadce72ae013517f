//! The scale-out store of xpost: PostgreSQL, shared by any number of workers.
//!
//! Several `xpost run` processes on several machines can share one database:
//! each link is worked by whoever holds its lease, and every write that matters
//! checks that lease (holder, generation and expiry) in the same transaction,
//! holding the lease row with `FOR SHARE`, so a worker whose lease passed to
//! another writes nothing stale.
//!
//! The schema is brought up to date at open by the numbered migrations in
//! `migrations/`, applied in one transaction that holds a transaction-scoped
//! advisory lock (two processes starting at once migrate once) and recorded in
//! the `schema_version` table. A schema written by a newer xpost is refused with
//! [`StoreError::SchemaTooNew`].
//!
//! Credentials are sealed with a [`SealingKey`] exactly as the SQLite store
//! seals them (same associated data), and a sealed check value makes a wrong key
//! [`StoreError::WrongKey`] at open.
//!
//! The driver is `tokio-postgres` with a `deadpool-postgres` pool: natively
//! async, plain SQL with bound parameters, no build-time database and far fewer
//! dependencies than `sqlx`, whose compile-time checking this store would not
//! use.

mod migrate;
mod store;

use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use xpost_core::{SealingKey, StoreError};

/// The environment variable that holds the sealing key's text form; required
/// with PostgreSQL (there is no file beside the database to keep a key in).
pub const KEY_ENV: &str = "XPOST_SECRET_KEY";

/// Where the store lives: a `postgres://` URL and an optional schema.
#[derive(Clone)]
pub struct PgConfig {
    config: tokio_postgres::Config,
    schema: Option<String>,
}

impl std::fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|h| match h {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        f.debug_struct("PgConfig")
            .field("hosts", &hosts)
            .field("ports", &self.config.get_ports())
            .field("user", &self.config.get_user())
            .field("dbname", &self.config.get_dbname())
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl PgConfig {
    /// Parses `url` (`postgres://` or `postgresql://`) and, when `schema` is
    /// given, makes every connection use it (`search_path`), creating it at open.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] for a URL that cannot be parsed or a schema
    /// name other than lowercase letters, digits and `_`. The message never
    /// repeats the URL (it may carry a password).
    pub fn new(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config =
            url.parse()
                .map_err(|e: tokio_postgres::Error| StoreError::Unavailable {
                    message: format!("the database URL cannot be parsed: {e}"),
                    source: None,
                })?;
        if let Some(schema) = schema {
            let valid = !schema.is_empty()
                && schema.len() <= 63
                && schema
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !schema.starts_with(|c: char| c.is_ascii_digit());
            if !valid {
                return Err(StoreError::Unavailable {
                    message: format!(
                        "schema name {schema:?} is not usable (lowercase letters, digits and _ only)"
                    ),
                    source: None,
                });
            }
            config.options(format!("-c search_path={schema}"));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        Ok(Self {
            config,
            schema: schema.map(str::to_owned),
        })
    }

    /// The schema every connection uses, when one was named.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }
}

/// The PostgreSQL store. Cheap to clone; clones share one connection pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    key: Arc<SealingKey>,
    config: Arc<PgConfig>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

const KEY_CHECK: &[u8] = b"xpost key check";
const KEY_CHECK_CONTEXT: &[u8] = b"key_check";

/// How many connections one store keeps at most.
const POOL_SIZE: usize = 8;

impl PostgresStore {
    /// Connects to `url` (in `schema` when given, created if missing), brings
    /// the schema up to date and checks `key`.
    ///
    /// # Errors
    /// As [`PostgresStore::open_config`] and [`PgConfig::new`].
    pub async fn open(
        url: &str,
        schema: Option<&str>,
        key: SealingKey,
    ) -> Result<Self, StoreError> {
        Self::open_config(PgConfig::new(url, schema)?, key).await
    }

    /// Connects to `url` with the key from `XPOST_SECRET_KEY`.
    ///
    /// # Errors
    /// [`StoreError::WrongKey`] when the variable is unset or unparsable, else
    /// as [`PostgresStore::open`].
    pub async fn open_with_env_key(url: &str) -> Result<Self, StoreError> {
        let text = std::env::var(KEY_ENV).map_err(|_| StoreError::WrongKey {
            reason: format!(
                "{KEY_ENV} is not set; PostgreSQL needs it (the same key for every worker)"
            ),
        })?;
        let key = SealingKey::from_text(&text).map_err(|e| StoreError::WrongKey {
            reason: format!("{KEY_ENV}: {e}"),
        })?;
        Self::open(url, None, key).await
    }

    /// Connects with `config`, migrates and checks `key`.
    ///
    /// # Errors
    /// [`StoreError::SchemaTooNew`] for a schema from a newer xpost,
    /// [`StoreError::WrongKey`] when `key` is not the key the schema was created
    /// with, [`StoreError::Unavailable`] when the server cannot be reached.
    pub async fn open_config(config: PgConfig, key: SealingKey) -> Result<Self, StoreError> {
        let manager = Manager::from_config(
            config.config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Unavailable {
                message: format!("cannot build the connection pool: {e}"),
                source: None,
            })?;
        let store = Self {
            pool,
            key: Arc::new(key),
            config: Arc::new(config),
        };
        {
            let mut client = store.client().await?;
            migrate::apply(&mut client, store.config.schema()).await?;
            check_key(&client, &store.key).await?;
        }
        Ok(store)
    }

    /// The schema version of the open database, which opening brought up to
    /// [`supported_schema_version`].
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when it cannot be read.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let client = self.client().await?;
        migrate::current(&client).await
    }

    /// Where the store lives (without the password).
    pub fn config(&self) -> &PgConfig {
        &self.config
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| StoreError::Unavailable {
            message: format!("cannot connect to PostgreSQL: {e}"),
            source: Some(Box::new(e)),
        })
    }
}

/// The newest schema version this build of xpost writes; a database with a
/// higher one is refused with [`StoreError::SchemaTooNew`].
pub fn supported_schema_version() -> i64 {
    migrate::latest()
}

async fn check_key(client: &tokio_postgres::Client, key: &SealingKey) -> Result<(), StoreError> {
    // The first opener seals the check value; two first openers race harmlessly
    // and both then verify against the one that won.
    client
        .execute(
            "INSERT INTO key_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            &[&key.seal(KEY_CHECK, KEY_CHECK_CONTEXT)],
        )
        .await
        .map_err(unavailable("write the key check"))?;
    let row = client
        .query_one("SELECT sealed FROM key_check WHERE id = 1", &[])
        .await
        .map_err(unavailable("read the key check"))?;
    let sealed: Vec<u8> = row.try_get(0).map_err(unavailable("read the key check"))?;
    match key.open(&sealed, KEY_CHECK_CONTEXT) {
        Ok(plain) if plain == KEY_CHECK => Ok(()),
        _ => Err(StoreError::WrongKey {
            reason: format!("this is not the key the database was created with (check {KEY_ENV})"),
        }),
    }
}

/// Maps a driver error to [`StoreError::Unavailable`], saying what was being done.
pub(crate) fn unavailable(doing: &'static str) -> impl Fn(tokio_postgres::Error) -> StoreError {
    move |e| StoreError::Unavailable {
        message: format!("cannot {doing}: {e}"),
        source: Some(Box::new(e)),
    }
}
