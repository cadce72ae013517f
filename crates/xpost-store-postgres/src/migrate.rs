//! Numbered schema migrations, applied at open in one transaction holding an
//! advisory lock and recorded in the `schema_version` table.

use deadpool_postgres::{GenericClient, Object};
use xpost_core::StoreError;

use crate::unavailable;

/// The migrations in order; the schema version is the number of the last applied.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/001_initial.sql")),
    (2, include_str!("../migrations/002_sync_edits.sql")),
    (3, include_str!("../migrations/003_profile_analytics.sql")),
    (4, include_str!("../migrations/004_stories_backlog.sql")),
    (5, include_str!("../migrations/005_serve.sql")),
];

/// The advisory lock every migrating process takes (an arbitrary constant).
const MIGRATION_LOCK: i64 = 0x7870_6f73_745f_6d67;

/// The schema version this program writes.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _)| *version)
}

/// The highest version recorded (0 for an empty schema).
pub(crate) async fn current<C: GenericClient>(client: &C) -> Result<i64, StoreError> {
    let row = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_version",
            &[],
        )
        .await
        .map_err(unavailable("read the schema version"))?;
    row.try_get(0)
        .map_err(unavailable("read the schema version"))
}

/// Brings the schema up to [`latest`]; refuses one written by a newer xpost.
pub(crate) async fn apply(client: &mut Object, schema: Option<&str>) -> Result<(), StoreError> {
    let tx = client
        .transaction()
        .await
        .map_err(unavailable("start a migration"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(unavailable("take the migration lock"))?;
    if let Some(schema) = schema {
        // The name was checked to be a plain identifier (PgConfig::new): a
        // schema name cannot be a bound parameter.
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .await
            .map_err(unavailable("create the schema"))?;
    }
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY)")
        .await
        .map_err(unavailable("create the schema version table"))?;
    let found = current(&tx).await?;
    if found > latest() {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: latest(),
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        tx.batch_execute(sql)
            .await
            .map_err(unavailable("apply a schema migration"))?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[version],
        )
        .await
        .map_err(unavailable("record the schema version"))?;
    }
    tx.commit()
        .await
        .map_err(unavailable("commit the migrations"))
}
