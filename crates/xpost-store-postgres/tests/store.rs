//! What the PostgreSQL store promises beyond the conformance suite: one
//! migration under concurrent opens, refusal of newer schemas and wrong keys,
//! no token plaintext at rest (in any table), no password in `Debug`, and lease fencing under
//! racing workers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use support::{TempSchema, URL_ENV, reachable, server};
use xpost_core::{Credentials, LinkId, SealingKey, Secret, Side, Store, StoreError};
use xpost_store_postgres::{PgConfig, PostgresStore, supported_schema_version};

/// CI sets the variable: then a missing server is a failure, never a skip.
#[tokio::test]
async fn the_test_server_is_reachable_when_named() {
    let Ok(url) = std::env::var(URL_ENV) else {
        println!("the_test_server_is_reachable_when_named: skipped: {URL_ENV} is not set");
        return;
    };
    if let Err(why) = reachable(&url).await {
        panic!("{URL_ENV} is set but the server cannot be reached: {why}");
    }
}

#[tokio::test]
async fn two_stores_opening_one_fresh_schema_migrate_once() {
    let Some(url) = server("two_stores_opening_one_fresh_schema_migrate_once").await else {
        return;
    };
    let schema = TempSchema::new(&url);
    let key = SealingKey::generate();
    let (a, b) = tokio::join!(
        PostgresStore::open(&url, Some(&schema.name), key.clone()),
        PostgresStore::open(&url, Some(&schema.name), key.clone()),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.schema_version().await.unwrap(),
        supported_schema_version()
    );
    assert_eq!(
        b.schema_version().await.unwrap(),
        supported_schema_version()
    );
    let client = schema.connect().await;
    let rows = client
        .query("SELECT version FROM schema_version ORDER BY version", &[])
        .await
        .unwrap();
    let versions: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    // Every migration applied, each recorded once.
    let all: Vec<i64> = (1..=supported_schema_version()).collect();
    assert_eq!(versions, all, "every migration recorded once, none skipped");
    assert_eq!(versions.last().copied(), Some(supported_schema_version()));
    drop((a, b));
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let Some(url) = server("a_newer_schema_is_refused").await else {
        return;
    };
    let schema = TempSchema::new(&url);
    let key = SealingKey::generate();
    drop(
        PostgresStore::open(&url, Some(&schema.name), key.clone())
            .await
            .unwrap(),
    );
    let newer = supported_schema_version() + 1;
    schema
        .connect()
        .await
        .execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&newer],
        )
        .await
        .unwrap();
    match PostgresStore::open(&url, Some(&schema.name), key).await {
        Err(StoreError::SchemaTooNew { found, supported }) => {
            assert_eq!((found, supported), (newer, supported_schema_version()));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_key_is_refused_at_open() {
    let Some(url) = server("a_wrong_key_is_refused_at_open").await else {
        return;
    };
    let schema = TempSchema::new(&url);
    drop(
        PostgresStore::open(&url, Some(&schema.name), SealingKey::generate())
            .await
            .unwrap(),
    );
    match PostgresStore::open(&url, Some(&schema.name), SealingKey::generate()).await {
        Err(StoreError::WrongKey { .. }) => {}
        other => panic!("expected WrongKey, got {other:?}"),
    }
}

#[tokio::test]
async fn no_token_plaintext_is_stored() {
    let Some(store) = support::fresh_store().await else {
        return;
    };
    let link = LinkId::new("default").unwrap();
    let credentials = Credentials {
        access_token: Secret::new(String::from("ACCESS-plaintext-4711")),
        refresh_token: Some(Secret::new(String::from("REFRESH-plaintext-0815"))),
        expires_at: None,
        scopes: vec!["tweet.write".into()],
        obtained_at: Timestamp::now(),
    };
    store
        .pg
        .put_credentials(&link, Side::Target, &credentials)
        .await
        .unwrap();
    let rows = store
        .schema
        .connect()
        .await
        .query("SELECT sealed FROM credentials", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let sealed: Vec<u8> = rows[0].get(0);
    for needle in [&b"ACCESS-plaintext-4711"[..], b"REFRESH-plaintext-0815"] {
        assert!(!sealed.windows(needle.len()).any(|w| w == needle));
    }
    let back = store
        .pg
        .credentials(&link, Side::Target)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.value.access_token.expose(), "ACCESS-plaintext-4711");
}

#[tokio::test]
async fn no_table_of_the_schema_holds_a_token_in_the_clear() {
    let Some(store) = support::fresh_store().await else {
        return;
    };
    let link = LinkId::new("default").unwrap();
    store
        .pg
        .put_link(&xpost_core::Link::new(link.clone(), Timestamp::now()))
        .await
        .unwrap();
    let secrets = [
        "IG-ACCESS-cleartext-7f3a9c",
        "IG-REFRESH-cleartext-2b8e41",
        "X-ACCESS-cleartext-c0ffee",
        "X-REFRESH-cleartext-d15ea5e",
    ];
    for (side, access, refresh) in [
        (Side::Source, secrets[0], secrets[1]),
        (Side::Target, secrets[2], secrets[3]),
    ] {
        let credentials = Credentials {
            access_token: Secret::new(access.to_owned()),
            refresh_token: Some(Secret::new(refresh.to_owned())),
            expires_at: None,
            scopes: vec!["tweet.write".into()],
            obtained_at: Timestamp::now(),
        };
        store
            .pg
            .put_credentials(&link, side, &credentials)
            .await
            .unwrap();
    }
    let client = store.schema.connect().await;
    let tables = client
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
            &[&store.schema.name],
        )
        .await
        .unwrap();
    assert!(tables.len() >= 3, "the schema has its tables");
    let mut seen_rows = 0;
    for table in &tables {
        let name: String = table.get(0);
        // Names come from the server's own catalogue, quoted as identifiers.
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        let rows = client
            .query(&format!("SELECT t::text FROM {quoted} t"), &[])
            .await
            .unwrap();
        for row in rows {
            seen_rows += 1;
            let text: String = row.get(0);
            for secret in secrets {
                // bytea columns print as hex, so look for both spellings.
                let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
                assert!(
                    !text.contains(secret) && !text.contains(&hex),
                    "table {name} holds a token in the clear"
                );
            }
        }
    }
    assert!(seen_rows >= 3, "the link and both credentials were read");
}

#[test]
fn debug_never_shows_the_password() {
    let config =
        PgConfig::new("postgres://worker:hunter2secret@127.0.0.1:5432/xpost", None).unwrap();
    let shown = format!("{config:?}");
    assert!(!shown.contains("hunter2secret"), "{shown}");
    assert!(shown.contains("worker"), "{shown}");
}

#[tokio::test]
async fn the_store_debug_never_shows_the_password() {
    let Some(url) = server("the_store_debug_never_shows_the_password").await else {
        return;
    };
    // The test server takes any password for a trusted user; when it does not,
    // the config's Debug above still covers the store's (it is all it prints).
    let with_password = url.replacen(
        "postgres://postgres@",
        "postgres://postgres:hunter2secret@",
        1,
    );
    let schema = TempSchema::new(&url);
    if let Ok(store) =
        PostgresStore::open(&with_password, Some(&schema.name), SealingKey::generate()).await
    {
        let shown = format!("{store:?}");
        assert!(!shown.contains("hunter2secret"), "{shown}");
    }
}

#[test]
fn unusable_schema_names_are_refused() {
    for bad in ["", "Upper", "x; DROP TABLE links", "1abc", "a-b"] {
        assert!(
            PgConfig::new("postgres://u@127.0.0.1/db", Some(bad)).is_err(),
            "{bad:?}"
        );
    }
}

/// Three workers race for 20 links' leases, taking, renewing and releasing; a
/// lease is never live for two holders at once, and every write fenced by a
/// lease that was lost is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn racing_workers_never_share_a_lease() {
    let Some(store) = support::fresh_store().await else {
        return;
    };
    let store = Arc::new(store.pg.clone()).clone();
    let links: Vec<LinkId> = (0..20)
        .map(|i| LinkId::new(format!("link{i:02}")).unwrap())
        .collect();
    // Logical time: every try is at one shared instant, so leases never lapse
    // by the wall clock and the check is exact.
    let now = Timestamp::from_second(1_750_000_000).unwrap();
    let ttl = SignedDuration::from_secs(60);
    let mut workers = Vec::new();
    for w in 0..3 {
        let store = Arc::clone(&store);
        let links = links.clone();
        workers.push(tokio::spawn(async move {
            let holder = format!("worker-{w}");
            let mut held = HashMap::new();
            for round in 0..5 {
                for link in &links {
                    if let Some(lease) = store.try_lease(link, &holder, now, ttl).await.unwrap() {
                        held.insert(link.clone(), lease.generation);
                    }
                }
                // Give half back each round so leases change hands.
                if round % 2 == 1 {
                    for link in links.iter().skip(w).step_by(2) {
                        if let Some(generation) = held.remove(link) {
                            let lease = xpost_core::Lease {
                                link: link.clone(),
                                holder: holder.clone(),
                                generation,
                                expires_at: now,
                            };
                            store.release_lease(&lease).await.unwrap();
                        }
                    }
                }
            }
            (holder, held)
        }));
    }
    let mut owners: HashMap<LinkId, (String, u64)> = HashMap::new();
    for worker in workers {
        let (holder, held) = worker.await.unwrap();
        for (link, generation) in held {
            // The last lease each worker believes it holds: the store must agree
            // with at most one of them per link.
            let cursor = xpost_core::SourceCursor::default();
            let lease = xpost_core::Lease {
                link: link.clone(),
                holder: holder.clone(),
                generation,
                expires_at: now,
            };
            match store.set_cursor(&lease, &cursor, now).await {
                Ok(()) => {
                    let previous = owners.insert(link.clone(), (holder.clone(), generation));
                    assert!(
                        previous.is_none(),
                        "{link} written by two holders: {previous:?} and {holder}"
                    );
                }
                Err(StoreError::LeaseLost { .. }) => {}
                Err(e) => panic!("{e}"),
            }
        }
    }
}
