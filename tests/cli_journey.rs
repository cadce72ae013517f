//! A user's journey with the built binary against an emulator process: link both
//! accounts, sync, status, log, review, run until SIGTERM, doctor, preview.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::user::*;

async fn publish(emu: &Emulator, ig_user: &str, caption: &str) -> String {
    let created: serde_json::Value = http()
        .post(format!(
            "{}/admin/instagram/accounts/{ig_user}/media",
            emu.base
        ))
        .json(&serde_json::json!({"caption": caption, "media_type": "IMAGE"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["id"].as_str().unwrap().to_owned()
}

async fn tweets(emu: &Emulator) -> Vec<serde_json::Value> {
    let all: serde_json::Value = http()
        .get(format!("{}/admin/x/tweets", emu.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    all.as_array().unwrap().clone()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn count(tweets: &[serde_json::Value], caption: &str) -> usize {
    tweets
        .iter()
        .filter(|t| t["text"].as_str().unwrap().starts_with(caption) && t["deleted"] == false)
        .count()
}

#[tokio::test]
async fn link_sync_status_log_review_run_doctor_preview() {
    let emu = emulator();
    let dir = TempDir::new("journey");
    link(&emu, &dir, "instagram", "carla").await;
    link(&emu, &dir, "x", "carla_x").await;
    let links = json(&xpost(&emu, &dir, &["links", "--json"]));
    let ig_user = links["links"][0]["source"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Posts newer than the link.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // sync --once: posted, skipped with its rule; status --json in the documented shape.
    let posted_id = publish(&emu, &ig_user, "A day at the lake").await;
    let skipped_id = publish(&emu, &ig_user, "Private #noxpost").await;
    let sync = xpost(&emu, &dir, &["sync", "--once"]);
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    assert_eq!(count(&tweets(&emu).await, "A day at the lake"), 1);
    let status = json(&xpost(&emu, &dir, &["status", "--json"]));
    assert_eq!(status["links"][0]["state"], "active");
    let post = |id: &str| {
        status["posts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["source_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(post(&posted_id)["state"], "posted");
    assert_eq!(post(&posted_id)["target_ids"].as_array().unwrap().len(), 1);
    assert_eq!(post(&skipped_id)["state"], "skipped");
    assert!(
        post(&skipped_id)["error"]
            .as_str()
            .unwrap()
            .contains("opt_out_tag")
    );

    // log: newest first, as JSON lines.
    let log = xpost(&emu, &dir, &["log", "--json"]);
    assert!(log.status.success());
    let events: Vec<serde_json::Value> = String::from_utf8(log.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(events.iter().any(|e| e["kind"] == "posted"));
    assert!(
        events
            .windows(2)
            .all(|w| w[0]["seq"].as_u64() > w[1]["seq"].as_u64())
    );

    // review: a blocked word holds a post until approved, then it goes once.
    let config = dir.0.join("xpost.toml");
    std::fs::write(
        &config,
        "[defaults.privacy]\nblocked_words = [\"secret\"]\n",
    )
    .unwrap();
    let config = config.display().to_string();
    let held_id = publish(&emu, &ig_user, "The secret recipe").await;
    assert!(
        xpost(&emu, &dir, &["--config", &config, "sync", "--once"])
            .status
            .success()
    );
    assert_eq!(count(&tweets(&emu).await, "The secret recipe"), 0);
    let list = String::from_utf8(xpost(&emu, &dir, &["review", "list", "--json"]).stdout).unwrap();
    assert!(list.contains(&held_id), "{list}");
    assert!(
        xpost(&emu, &dir, &["review", "approve", &held_id])
            .status
            .success()
    );
    assert!(
        xpost(&emu, &dir, &["--config", &config, "sync", "--once"])
            .status
            .success()
    );
    assert_eq!(count(&tweets(&emu).await, "The secret recipe"), 1);

    // run: a post published while it runs goes out; SIGTERM stops it cleanly.
    let run = Command::new(common::xpost())
        .args([
            "--db",
            &dir.db(),
            "--emulator",
            &emu.base,
            "run",
            "--poll-interval",
            "1",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    publish(&emu, &ig_user, "Posted while running").await;
    let mut waited = 0;
    while count(&tweets(&emu).await, "Posted while running") == 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
        assert!(waited < 300, "run never posted");
    }
    let pid = run.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = run.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("stopped after"));
    assert_eq!(count(&tweets(&emu).await, "Posted while running"), 1);

    // doctor: a healthy link exits 0.
    let doctor = xpost(&emu, &dir, &["doctor"]);
    assert_eq!(
        doctor.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );

    // preview: a caption on stdin, the tweets with their weighted lengths.
    let mut preview = Command::new(common::xpost())
        .args([
            "--db",
            &dir.db(),
            "--emulator",
            &emu.base,
            "preview",
            "--json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    preview
        .stdin
        .take()
        .unwrap()
        .write_all("Sunset 🌅 at the pier".as_bytes())
        .unwrap();
    let out = preview.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Sunset"), "{text}");
    assert!(text.contains("weighted_length"), "{text}");

    // report: one self-contained HTML page with a chart and every posted post.
    let report_path = dir.0.join("report.html");
    let report = xpost(
        &emu,
        &dir,
        &["report", "--out", &report_path.display().to_string()],
    );
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let html = std::fs::read_to_string(&report_path).unwrap();
    assert!(html.contains("<svg"), "a chart");
    for caption in [
        "A day at the lake",
        "The secret recipe",
        "Posted while running",
    ] {
        assert!(html.contains(caption), "{caption} missing from the report");
    }
    assert!(
        !html.contains("<script"),
        "nothing to run, nothing to fetch"
    );

    // doctor: after a password change on X, it says so, with the fix, and exits 1.
    let x_user = links["links"][0]["target"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = http()
        .post(format!("{}/admin/revoke", emu.base))
        .json(&serde_json::json!({"platform": "x", "user_id": x_user}))
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success());
    let doctor = xpost(&emu, &dir, &["doctor"]);
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(1), "{said}");
    assert!(said.contains("xpost link x"), "the fix is named: {said}");
}

/// Links `NAME` on Instagram and `NAME_x` on X, publishes `captions` after the
/// link became active and syncs once; answers the Instagram user id.
async fn linked_and_synced(emu: &Emulator, dir: &TempDir, name: &str, captions: &[&str]) -> String {
    link(emu, dir, "instagram", name).await;
    link(emu, dir, "x", &format!("{name}_x")).await;
    let links = json(&xpost(emu, dir, &["links", "--json"]));
    let ig_user = links["links"][0]["source"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for caption in captions {
        publish(emu, &ig_user, caption).await;
    }
    assert!(xpost(emu, dir, &["sync", "--once"]).status.success());
    ig_user
}

#[tokio::test]
async fn unlink_with_purge_deletes_the_cross_posted_tweets_and_keeps_the_history() {
    let emu = emulator();
    let dir = TempDir::new("purge");
    let ig_user =
        linked_and_synced(&emu, &dir, "dora", &["First to purge", "Second to purge"]).await;
    assert_eq!(count(&tweets(&emu).await, "First to purge"), 1);
    assert_eq!(count(&tweets(&emu).await, "Second to purge"), 1);

    let purge = xpost(&emu, &dir, &["unlink", "--purge", "--yes"]);
    assert!(
        purge.status.success(),
        "{}",
        String::from_utf8_lossy(&purge.stderr)
    );
    let all = tweets(&emu).await;
    assert_eq!(
        count(&all, "First to purge") + count(&all, "Second to purge"),
        0
    );
    assert!(
        all.iter()
            .filter(|t| t["text"].as_str().unwrap().contains("to purge"))
            .all(|t| t["deleted"] == true)
    );
    let status = json(&xpost(&emu, &dir, &["status", "--json"]));
    assert_eq!(status["links"][0]["state"], "disconnected");
    assert_eq!(
        status["posts"].as_array().unwrap().len(),
        2,
        "the history stays"
    );
    // Posting after an unlink is impossible.
    publish(&emu, &ig_user, "After the unlink").await;
    assert!(xpost(&emu, &dir, &["sync", "--once"]).status.success());
    assert_eq!(count(&tweets(&emu).await, "After the unlink"), 0);
}

#[tokio::test]
async fn unlink_with_forget_deletes_everything_stored_and_leaves_the_tweets() {
    let emu = emulator();
    let dir = TempDir::new("forget");
    let ig_user =
        linked_and_synced(&emu, &dir, "fern", &["First to forget", "Second to forget"]).await;
    assert_eq!(count(&tweets(&emu).await, "First to forget"), 1);

    // Not on a terminal and no --yes: refused, nothing changed.
    let refused = xpost(&emu, &dir, &["unlink", "--forget"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(stderr.contains("--yes"), "{stderr}");
    let status = json(&xpost(&emu, &dir, &["status", "--json"]));
    assert_eq!(status["links"][0]["state"], "active");
    assert_eq!(status["posts"].as_array().unwrap().len(), 2);

    let forget = xpost(&emu, &dir, &["unlink", "--forget", "--yes"]);
    assert!(
        forget.status.success(),
        "{}",
        String::from_utf8_lossy(&forget.stderr)
    );
    let said = String::from_utf8(forget.stdout).unwrap();
    assert!(said.contains("forgot default"), "{said}");
    assert!(said.contains("2 post records"), "{said}");
    assert!(said.contains("2 credentials"), "{said}");
    assert!(said.contains("left in place"), "{said}");
    let status = json(&xpost(&emu, &dir, &["status", "--json"]));
    assert_eq!(status["links"], serde_json::json!([]), "{status}");
    assert_eq!(status["posts"], serde_json::json!([]), "{status}");
    // The tweets stay on X, undeleted; the X tokens are revoked.
    let all = tweets(&emu).await;
    assert_eq!(count(&all, "First to forget"), 1);
    assert_eq!(count(&all, "Second to forget"), 1);
    assert!(
        all.iter()
            .filter(|t| t["text"].as_str().unwrap().contains("to forget"))
            .all(|t| t["deleted"] == false)
    );
    // Nothing is posted for it any more.
    publish(&emu, &ig_user, "After the forget").await;
    assert!(xpost(&emu, &dir, &["sync", "--once"]).status.success());
    assert_eq!(count(&tweets(&emu).await, "After the forget"), 0);
}

#[tokio::test]
async fn run_killed_with_sigkill_then_sync_once_leaves_every_post_on_x_once() {
    let emu = emulator();
    let dir = TempDir::new("sigkill");
    link(&emu, &dir, "instagram", "erin").await;
    link(&emu, &dir, "x", "erin_x").await;
    let links = json(&xpost(&emu, &dir, &["links", "--json"]));
    let ig_user = links["links"][0]["source"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Slow X answers keep the run mid-pass when it is killed.
    http()
        .post(format!("{}/admin/faults", emu.base))
        .json(&serde_json::json!({"platform": "x", "path_prefix": "/2/tweets", "status": 200, "count": 100, "latency_ms": 150}))
        .send()
        .await
        .unwrap();
    for i in 0..8 {
        publish(&emu, &ig_user, &format!("Killed run post {i}")).await;
    }
    let mut run = Command::new(common::xpost())
        .args([
            "--db",
            &dir.db(),
            "--emulator",
            &emu.base,
            "run",
            "--poll-interval",
            "1",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut waited = 0;
    while tweets(&emu)
        .await
        .iter()
        .filter(|t| t["text"].as_str().unwrap().starts_with("Killed run post"))
        .count()
        < 2
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
        assert!(waited < 400, "run never started posting");
    }
    run.kill().unwrap();
    run.wait().unwrap();
    // Right away: the dead run's lease is waited out, then everything goes once.
    let sync = xpost(&emu, &dir, &["sync", "--once"]);
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    let all = tweets(&emu).await;
    for i in 0..8 {
        assert_eq!(
            count(&all, &format!("Killed run post {i}")),
            1,
            "post {i}: {all:?}"
        );
    }
}
