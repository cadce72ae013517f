//! `xpost doctor` against an in-process emulator and a SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use clap::Parser;
use xpost_cli::commands::doctor::{self, Check, Report};
use xpost_cli::{Cli, ExitStatus};
use xpost_core::{LinkId, Side, Store};
use xpost_emulator::Platform;

fn check<'a>(report: &'a Report, name: &str) -> &'a Check {
    report.links[0]
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}: {report:#?}"))
}

/// Runs the whole command line on a thread of its own (it starts its own runtime).
async fn exit_status(db: &std::path::Path, emulator: &str) -> ExitStatus {
    let argv = vec![
        "xpost".to_owned(),
        "--db".into(),
        db.display().to_string(),
        "--emulator".into(),
        emulator.to_owned(),
        "-q".into(),
        "doctor".into(),
        "--json".into(),
    ];
    tokio::task::spawn_blocking(move || xpost_cli::run(Cli::try_parse_from(argv).unwrap()))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_link_needs_no_attention() {
    let emu = support::emulator().await;
    let db = support::dir("doctor-healthy").join("xpost.db");
    let config = support::config(&emu);
    let store = support::open(&db).await;
    support::link(&emu, &config, &store).await;

    let report = doctor::diagnose(&db, &config).await.unwrap();
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.links.len(), 1);
    assert_eq!(report.links[0].id, "default");
    for name in [
        "link.state",
        "instagram.token",
        "instagram.scopes",
        "instagram.live",
        "x.token",
        "x.scopes",
        "x.live",
        "rate_limit",
        "errors",
    ] {
        assert!(check(&report, name).ok, "{name}: {report:#?}");
    }
    assert!(check(&report, "x.live").detail.contains("@ana_x"));
    let names: Vec<_> = report
        .store
        .checks
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "store.opens",
            "store.schema",
            "store.file_mode",
            "store.key"
        ]
    );
    assert_eq!(
        report.store.schema_version,
        Some(report.store.supported_schema_version)
    );

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["ok"], true);
    assert!(json["links"][0]["checks"][0]["fix"].is_null());
    assert_eq!(exit_status(&db, &emu.base_url).await, ExitStatus::Success);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_asks_for_a_new_link() {
    let emu = support::emulator().await;
    let db = support::dir("doctor-revoked").join("xpost.db");
    let config = support::config(&emu);
    let store = support::open(&db).await;
    let linked = support::link(&emu, &config, &store).await;
    assert!(emu.admin().revoke(Platform::X, &linked.x).unwrap() > 0);

    let report = doctor::diagnose(&db, &config).await.unwrap();
    assert!(!report.ok);
    let live = check(&report, "x.live");
    assert!(!live.ok, "{live:?}");
    assert_eq!(
        live.fix.as_deref(),
        Some("link x again: xpost link x --link default")
    );
    assert!(check(&report, "instagram.live").ok, "{report:#?}");
    let shown = serde_json::to_string(&report).unwrap();
    let creds = store
        .credentials(&LinkId::new("default").unwrap(), Side::Source)
        .await
        .unwrap()
        .unwrap();
    assert!(!shown.contains(creds.value.access_token.expose()));
    assert_eq!(exit_status(&db, &emu.base_url).await, ExitStatus::Partial);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_scope_names_the_scope_to_grant() {
    let emu = support::emulator().await;
    let db = support::dir("doctor-scope").join("xpost.db");
    let config = support::config(&emu);
    let store = support::open(&db).await;
    support::link(&emu, &config, &store).await;
    let id = LinkId::new("default").unwrap();
    let mut creds = store
        .credentials(&id, Side::Target)
        .await
        .unwrap()
        .unwrap()
        .value;
    creds.scopes.retain(|s| s != "media.write");
    store
        .put_credentials(&id, Side::Target, &creds)
        .await
        .unwrap();

    let report = doctor::diagnose(&db, &config).await.unwrap();
    assert!(!report.ok);
    let scopes = check(&report, "x.scopes");
    assert!(!scopes.ok);
    assert!(scopes.detail.contains("missing media.write"), "{scopes:?}");
    assert_eq!(
        scopes.fix.as_deref(),
        Some("grant scope media.write: xpost link x again and allow media.write")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_a_store_problem_with_its_fix() {
    let dir = support::dir("doctor-key");
    let db = dir.join("xpost.db");
    drop(support::open(&db).await);
    let other = xpost_core::SealingKey::generate().to_text();
    std::fs::write(dir.join("xpost.db.key"), format!("{other}\n")).unwrap();

    let config = xpost_engine::adapters::AdapterConfig::default();
    let report = doctor::diagnose(&db, &config).await.unwrap();
    assert!(!report.ok);
    let opens = &report.store.checks[0];
    assert_eq!(opens.name, "store.opens");
    assert!(!opens.ok);
    assert!(
        opens.fix.as_deref().unwrap().contains("XPOST_SECRET_KEY"),
        "{opens:?}"
    );
    assert!(report.links.is_empty());
}

#[tokio::test]
async fn a_missing_database_is_reported_and_not_created() {
    let db = support::dir("doctor-missing").join("nothing-here.db");
    let config = xpost_engine::adapters::AdapterConfig::default();
    let report = doctor::diagnose(&db, &config).await.unwrap();
    assert!(!report.ok);
    assert_eq!(report.store.checks.len(), 1);
    assert!(report.store.checks[0].detail.starts_with("no database at"));
    assert!(!db.exists());
    assert!(!db.with_extension("db.key").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_x_token_without_the_app_to_renew_it_names_the_variables() {
    let emu = support::emulator().await;
    let db = support::dir("doctor-no-app").join("xpost.db");
    let mut config = support::config(&emu);
    let store = support::open(&db).await;
    support::link(&emu, &config, &store).await;
    config.x_app = None;

    let report = doctor::diagnose(&db, &config).await.unwrap();
    let token = check(&report, "x.token");
    assert!(!token.ok, "{token:?}");
    assert!(
        token.fix.as_deref().unwrap().contains("XPOST_X_CLIENT_ID"),
        "{token:?}"
    );
    // The token itself still works.
    assert!(check(&report, "x.live").ok, "{report:#?}");
}
