//! What only a file-backed store can get wrong: permissions, keys, schema
//! versions, plaintext on disk, and two handles on one file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use xpost_core::{Credentials, Link, LinkId, SealingKey, Secret, Side, Store, StoreError};
use xpost_store_sqlite::{SqliteStore, key};

fn temp_db() -> PathBuf {
    tempfile::tempdir().unwrap().keep().join("xpost.db")
}

fn creds() -> Credentials {
    Credentials {
        access_token: Secret::new("ACCESS-TOKEN-PLAINTEXT-4711"),
        refresh_token: Some(Secret::new("REFRESH-TOKEN-PLAINTEXT-0815")),
        expires_at: None,
        scopes: vec!["tweet.write".into()],
        obtained_at: Timestamp::UNIX_EPOCH,
    }
}

fn link() -> LinkId {
    LinkId::new("default").unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_and_its_key_file_are_private() {
    let db = temp_db();
    let store = SqliteStore::open(&db, SealingKey::generate())
        .await
        .unwrap();
    store
        .put_link(&Link::new(link(), Timestamp::UNIX_EPOCH))
        .await
        .unwrap();
    assert_eq!(mode(&db), 0o600);
    // SQLite gives its write-ahead log the database's mode.
    let wal = db.with_extension("db-wal");
    assert!(wal.exists(), "the store runs in WAL mode");
    assert_eq!(mode(&wal), 0o600);
    if std::env::var(key::KEY_ENV).is_ok() {
        eprintln!(
            "{} is set: the key file is not used, so its mode is not checked",
            key::KEY_ENV
        );
        return;
    }
    let other = temp_db();
    let first = key::load_or_create(&other).unwrap();
    assert_eq!(mode(&key::key_file_for(&other)), 0o600);
    let again = key::load_or_create(&other).unwrap();
    assert_eq!(
        first.to_text(),
        again.to_text(),
        "created once, then reused"
    );
}

#[tokio::test]
async fn no_token_is_on_disk_in_the_clear() {
    let db = temp_db();
    let store = SqliteStore::open(&db, SealingKey::generate())
        .await
        .unwrap();
    store
        .put_link(&Link::new(link(), Timestamp::UNIX_EPOCH))
        .await
        .unwrap();
    store
        .put_credentials(&link(), Side::Target, &creds())
        .await
        .unwrap();
    let dir = db.parent().unwrap().to_owned();
    let in_the_clear = || {
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            files += 1;
            for secret in [&b"PLAINTEXT-4711"[..], &b"PLAINTEXT-0815"[..]] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret),
                    "a token is readable in the database files"
                );
            }
        }
        files
    };
    // While open, the write is still in the WAL; once closed, in the database.
    assert!(in_the_clear() >= 2, "the database and its WAL were read");
    drop(store);
    in_the_clear();
}

#[tokio::test]
async fn a_wrong_key_is_an_error_at_open_never_a_silent_relink() {
    let db = temp_db();
    let key = SealingKey::generate();
    let store = SqliteStore::open(&db, key.clone()).await.unwrap();
    store
        .put_link(&Link::new(link(), Timestamp::UNIX_EPOCH))
        .await
        .unwrap();
    store
        .put_credentials(&link(), Side::Source, &creds())
        .await
        .unwrap();
    drop(store);
    let err = SqliteStore::open(&db, SealingKey::generate())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err}");
    assert!(err.to_string().contains("XPOST_SECRET_KEY"), "{err}");
    let store = SqliteStore::open(&db, key).await.unwrap();
    let back = store
        .credentials(&link(), Side::Source)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        back.value.access_token.expose(),
        "ACCESS-TOKEN-PLAINTEXT-4711"
    );
}

#[tokio::test]
async fn a_file_from_a_newer_xpost_is_refused() {
    let db = temp_db();
    drop(
        SqliteStore::open(&db, SealingKey::generate())
            .await
            .unwrap(),
    );
    set_schema_version(&db, 999);
    let err = SqliteStore::open(&db, SealingKey::generate())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 999, .. }),
        "{err}"
    );
}

/// Writes SQLite's `user_version` straight into the header (byte offset 60,
/// big-endian), as a newer xpost would have left it. The store folds its WAL
/// into the main file when it closes, so the header is current.
fn set_schema_version(db: &Path, version: u32) {
    use std::io::{Seek, SeekFrom, Write};
    let mut file = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    file.seek(SeekFrom::Start(60)).unwrap();
    file.write_all(&version.to_be_bytes()).unwrap();
}

#[tokio::test]
async fn reopening_keeps_everything_and_migrates_once() {
    let db = temp_db();
    let key = SealingKey::generate();
    let store = SqliteStore::open(&db, key.clone()).await.unwrap();
    store
        .put_link(&Link::new(link(), Timestamp::UNIX_EPOCH))
        .await
        .unwrap();
    drop(store);
    let store = SqliteStore::open(&db, key).await.unwrap();
    assert_eq!(store.links().await.unwrap().len(), 1);
}

#[tokio::test]
async fn two_handles_on_one_file_never_both_hold_a_link() {
    let db = temp_db();
    let key = SealingKey::generate();
    let run = SqliteStore::open(&db, key.clone()).await.unwrap();
    let manual = SqliteStore::open(&db, key).await.unwrap();
    run.put_link(&Link::new(link(), Timestamp::UNIX_EPOCH))
        .await
        .unwrap();
    let now = Timestamp::from_second(1_000).unwrap();
    let ttl = SignedDuration::from_secs(30);
    let held = run.try_lease(&link(), "run", now, ttl).await.unwrap();
    assert!(held.is_some());
    assert!(
        manual
            .try_lease(&link(), "sync", now, ttl)
            .await
            .unwrap()
            .is_none()
    );
    let later = now + SignedDuration::from_secs(31);
    let taken = manual
        .try_lease(&link(), "sync", later, ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(taken.generation > held.unwrap().generation);
}

#[tokio::test]
async fn another_programs_database_is_refused_and_left_alone() {
    let db = temp_db();
    {
        let conn = std::fs::File::create(&db).unwrap();
        drop(conn);
    }
    // An empty file is fine: it becomes an xpost database.
    drop(
        SqliteStore::open(&db, SealingKey::generate())
            .await
            .unwrap(),
    );

    let other = temp_db();
    let store = SqliteStore::open(&other, SealingKey::generate())
        .await
        .unwrap();
    drop(store);
    // Make it look like someone else's: our schema version gone, a foreign table.
    set_schema_version(&other, 0);
    let err = SqliteStore::open(&other, SealingKey::generate())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("another program"), "{err}");
}

#[tokio::test]
async fn a_missing_key_file_for_an_existing_database_is_an_error_not_a_new_key() {
    if std::env::var(key::KEY_ENV).is_ok() {
        eprintln!("{} is set: the key file is not used", key::KEY_ENV);
        return;
    }
    let db = temp_db();
    let store = SqliteStore::open_with_default_key(&db).await.unwrap();
    store
        .put_link(&Link::new(link(), Timestamp::UNIX_EPOCH))
        .await
        .unwrap();
    drop(store);
    std::fs::remove_file(key::key_file_for(&db)).unwrap();
    let err = SqliteStore::open_with_default_key(&db).await.unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err}");
    assert!(!key::key_file_for(&db).exists(), "no new key was written");
}

/// The database a child run of this test binary counts the links of, when set.
const CHILD_DB: &str = "XPOST_TEST_CHILD_DB";

/// In a child process: opens the database as another xpost process would,
/// prints how many links it holds, and closes it (the last closer of a WAL
/// database checkpoints and deletes the WAL unless someone still holds it).
#[test]
fn child_counts_the_links() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let conn = rusqlite::Connection::open(path).unwrap();
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM links", [], |row| row.get(0))
        .unwrap();
    println!("links={n}");
}

fn count_in_another_process(path: &Path) -> i64 {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_counts_the_links", "--nocapture"])
        .env(CHILD_DB, path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.split("links=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count from the child: {text}"))
}

#[tokio::test]
async fn a_second_handle_in_one_process_keeps_the_first_ones_writes_visible_to_others() {
    // A second open in the same process (the dashboard's doctor page does one)
    // must not release the locks SQLite holds for the first: otherwise another
    // process takes itself for the last user, deletes the WAL, and the first
    // handle's later writes go to a deleted file.
    let path = temp_db();
    let key = SealingKey::generate();
    let first = SqliteStore::open(&path, key.clone()).await.unwrap();
    first
        .put_link(&Link::new(
            LinkId::new("one").unwrap(),
            Timestamp::UNIX_EPOCH,
        ))
        .await
        .unwrap();
    drop(SqliteStore::open(&path, key).await.unwrap());
    assert_eq!(count_in_another_process(&path), 1);
    first
        .put_link(&Link::new(
            LinkId::new("two").unwrap(),
            Timestamp::UNIX_EPOCH,
        ))
        .await
        .unwrap();
    assert_eq!(
        count_in_another_process(&path),
        2,
        "a write after the second handle closed is lost to other processes"
    );
}
