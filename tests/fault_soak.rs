//! The fault soak: one `xpost run` process for a bounded time (`XPOST_SOAK_SECS`,
//! default 90, at most 180) under a stream of mixed faults — 429s, 5xx,
//! dropped connections, slow answers — with posts published throughout, and
//! in the middle a revoked X authorization followed by a re-link through
//! `xpost link x`. Nothing may be lost or posted twice, the link must recover,
//! and the process's resident memory (VmRSS, sampled throughout) must stay
//! flat. The figures are printed (run with `--nocapture` to see them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::fleet::*;
use common::user::{TempDir, emulator_with};

/// The seed when `XPOST_SOAK_SEED` is not set.
const DEFAULT_SEED: u64 = 15_002;

/// How far (KiB) the last third's highest resident memory may rise above the
/// first third's median. A steady run was measured rising about 3 MiB over
/// 90 s (most of it one step of the allocator, with a slow creep as the
/// database and its page cache grow), so the bound sits well above that; a leak
/// of 6 MiB a minute crosses it within the default 90 s, and of 3 MiB a minute
/// within `XPOST_SOAK_SECS=180`.
const RSS_SLACK_KIB: u64 = 8 * 1024;

fn soak_duration() -> Duration {
    let secs = std::env::var("XPOST_SOAK_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(90)
        .clamp(20, 180);
    Duration::from_secs(secs)
}

/// A fault of the soak's stream. Instagram's throttle is left out: its
/// shortest wait is a minute, and a stream of them would hold the link for
/// the whole soak (the crash suite plays it); X's 429s carry a short reset.
fn soak_fault(rng: &mut Rng) -> serde_json::Value {
    let x_path = ["/2/tweets", "/2/media"][rng.range(0, 2) as usize];
    match rng.range(0, 100) {
        0..30 => fault("x", "/2/tweets", 429, 1, 0),
        30..50 => fault("x", x_path, [500, 502, 503][rng.range(0, 3) as usize], 1, 0),
        50..60 => fault(
            "instagram",
            "/me/media",
            [500, 503][rng.range(0, 2) as usize],
            1,
            0,
        ),
        60..75 => {
            let (platform, path) =
                [("x", x_path), ("instagram", "/me/media")][rng.range(0, 2) as usize];
            fault(platform, path, 0, 1, rng.range(0, 200))
        }
        _ => {
            let (platform, path) = [
                ("x", x_path),
                ("instagram", "/me/media"),
                ("instagram", "/"),
            ][rng.range(0, 3) as usize];
            fault(platform, path, 200, rng.range(2, 6), rng.range(200, 800))
        }
    }
}

fn link_state(db: &Db, emu: &common::user::Emulator, dir: &TempDir) -> String {
    let status = json_of(&db.xpost(emu, dir, &["status", "--json"]));
    status["links"][0]["state"].as_str().unwrap().to_owned()
}

fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_under_mixed_faults_with_a_revocation_and_relink_loses_nothing_and_stays_flat() {
    let seed = seed_from_env("XPOST_SOAK_SEED", DEFAULT_SEED);
    let duration = soak_duration();
    println!(
        "fault soak: seed {seed}, {} s; run again with: XPOST_SOAK_SEED={seed} XPOST_SOAK_SECS={} cargo test --test fault_soak -- --nocapture",
        duration.as_secs(),
        duration.as_secs()
    );
    let mut rng = Rng::new(seed);
    let dir = TempDir::new("soak");
    let db = Db::Sqlite;
    let emu = emulator_with(&[]);
    link_account(&emu, &db, &dir, "instagram", "soak_ig", true).await;
    link_account(&emu, &db, &dir, "x", "soak_x", true).await;
    let (ig_user, x_user) = linked_ids(&db, &emu, &dir);
    let config = dir.0.join("xpost.toml");
    std::fs::write(&config, "[defaults.text]\nthread = true\n").unwrap();
    let config = config.display().to_string();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let mut workers = Workers::new(1, &["run", "--config", &config, "--poll-interval", "2"]);
    workers.start(0, &db, &emu, &dir);
    let pid = workers.pid(0).unwrap();
    // About 40 posts whatever the duration (a tick is half a second on
    // average): threads make several tweets each, and X allows a user 100
    // posts per 15 minutes.
    let publish_chance = (4000 / (duration.as_secs() * 2)).clamp(5, 60);
    let started = Instant::now();
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let mut published = Vec::new();
    let mut revoked = false;
    let mut faults = 0;
    while started.elapsed() < duration {
        if let Some(kib) = rss_kib(pid) {
            samples.push((started.elapsed().as_secs_f64(), kib));
        } else {
            panic!("xpost run (pid {pid}) died: {:?}", workers.journal);
        }
        if rng.chance(publish_chance) {
            let kind = Kind::draw(&mut rng);
            let n = published.len();
            published.push(publish(&emu, &ig_user, kind, n, &mut rng).await);
        }
        if rng.chance(20) {
            let fault = soak_fault(&mut rng);
            admin_json(&emu, "/admin/faults", fault.clone()).await;
            faults += 1;
        }
        if !revoked && started.elapsed() >= duration / 2 {
            revoked = true;
            revoke_and_relink(
                &db,
                &emu,
                &dir,
                &ig_user,
                &x_user,
                &mut published,
                &mut workers,
                &mut rng,
            )
            .await;
        }
        tokio::time::sleep(Duration::from_millis(rng.range(300, 700))).await;
    }
    workers.note(format_args!(
        "soak over: {} posts, {faults} faults; faults reset",
        published.len()
    ));
    admin_json(&emu, "/admin/faults", serde_json::json!({"reset": true})).await;
    let waiting = wait_until_posted(&db, &emu, &dir, &published, Duration::from_secs(100)).await;
    workers.note(format_args!("left unposted: {waiting:?}"));
    assert!(
        workers.stop(0),
        "xpost run did not stop cleanly: {:?}",
        workers.journal
    );

    let stats: serde_json::Value = common::user::http()
        .get(format!("{}/admin/stats", emu.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let calls = |platform: &str| -> u64 {
        stats[platform]
            .as_object()
            .map_or(0, |paths| paths.values().filter_map(|v| v.as_u64()).sum())
    };
    workers.note(format_args!(
        "requests: instagram {}, x {}",
        calls("instagram"),
        calls("x")
    ));
    let status = json_of(&db.xpost(&emu, &dir, &["status", "--json"]));
    let all = tweets(&emu).await;
    let found = problems(&published, &status, &all, &x_user);
    assert!(
        found.is_empty(),
        "seed {seed}: {found:#?}\njournal: {:#?}",
        workers.journal
    );
    assert_eq!(status["links"][0]["state"], "active");

    // Resident memory: the last third against the first.
    let span = samples.last().unwrap().0;
    let third = |from: f64, to: f64| -> Vec<u64> {
        samples
            .iter()
            .filter(|(t, _)| *t >= from * span && *t <= to * span)
            .map(|(_, kib)| *kib)
            .collect()
    };
    let first = median(third(0.0, 1.0 / 3.0));
    let last_max = *third(2.0 / 3.0, 1.0).iter().max().unwrap();
    let overall_max = samples.iter().map(|(_, k)| *k).max().unwrap();
    println!(
        "fault soak: {:.0} s, {} posts ({} threads), {faults} faults, revocation and re-link; VmRSS of xpost run: first third median {first} KiB, last third max {last_max} KiB, max {overall_max} KiB, {} samples",
        span,
        published.len(),
        published.iter().filter(|p| p.kind == Kind::Thread).count(),
        samples.len()
    );
    assert!(
        last_max <= first + RSS_SLACK_KIB,
        "resident memory grew: first third median {first} KiB, last third max {last_max} KiB (samples: {samples:?})"
    );
}

/// Revokes the X account's tokens (a changed password), publishes posts that
/// must wait, checks the link says it needs a re-link and nothing of them
/// reached X, then links X again through `xpost link x` and checks the link
/// is active.
#[allow(clippy::too_many_arguments)]
async fn revoke_and_relink(
    db: &Db,
    emu: &common::user::Emulator,
    dir: &TempDir,
    ig_user: &str,
    x_user: &str,
    published: &mut Vec<Published>,
    workers: &mut Workers,
    rng: &mut Rng,
) {
    admin_json(
        emu,
        "/admin/revoke",
        serde_json::json!({"platform": "x", "user_id": x_user}),
    )
    .await;
    workers.note("X tokens revoked");
    let waiting_from = published.len();
    for _ in 0..3 {
        let n = published.len();
        published.push(publish(emu, ig_user, Kind::Image, n, rng).await);
    }
    let deadline = Instant::now() + Duration::from_secs(40);
    while link_state(db, emu, dir) != "needs_reauth" {
        assert!(
            Instant::now() < deadline,
            "the link never said it needs a re-link after the revocation: {}\n{}",
            String::from_utf8_lossy(&db.xpost(emu, dir, &["status"]).stdout),
            log_tail(dir, 0, 40)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    workers.note("link needs_reauth");
    let all = tweets(emu).await;
    let status = json_of(&db.xpost(emu, dir, &["status", "--json"]));
    let states: HashMap<&str, &str> = status["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["source_id"].as_str().unwrap(),
                p["state"].as_str().unwrap(),
            )
        })
        .collect();
    for post in &published[waiting_from..] {
        let on_x = all
            .iter()
            .filter(|t| t["text"].as_str().unwrap().starts_with(&post.marker))
            .count();
        assert_eq!(on_x, 0, "{} reached X with revoked tokens", post.marker);
        assert_ne!(states.get(post.id.as_str()), Some(&"posted"));
    }
    link_account(emu, db, dir, "x", "soak_x", false).await;
    assert_eq!(
        link_state(db, emu, dir),
        "active",
        "the re-link did not recover the link"
    );
    workers.note("X linked again; link active");
}
