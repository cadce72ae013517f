//! Deletion and edit sync through the built binary against an emulator
//! process: `[sync]` in the `--config` file, then what `status --json` and
//! `log --json` show of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::user::*;
use serde_json::{Value, json};

fn parsed(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn a_deleted_post_and_an_edited_caption_reach_x_and_show_in_status_and_log() {
    let emu = emulator();
    let dir = TempDir::new("sync-edits");
    link(&emu, &dir, "instagram", "dana").await;
    link(&emu, &dir, "x", "dana_x").await;
    let links = parsed(&xpost(&emu, &dir, &["links", "--json"]));
    let ig_user = links["links"][0]["source"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let config = dir.0.join("xpost.toml");
    std::fs::write(
        &config,
        "[defaults.sync]\ndeletions = true\nedits = \"reply_with_correction\"\n",
    )
    .unwrap();
    let config = config.display().to_string();
    // Posts newer than the link.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let mut ids = Vec::new();
    for caption in ["Gone tomorrow", "Frist snow"] {
        let created: Value = http()
            .post(format!(
                "{}/admin/instagram/accounts/{ig_user}/media",
                emu.base
            ))
            .json(&json!({"caption": caption, "media_type": "IMAGE"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let sync = ["--config", config.as_str(), "sync", "--once"];
    assert!(xpost(&emu, &dir, &sync).status.success());

    let media = |id: &str| format!("{}/admin/instagram/media/{id}", emu.base);
    let deleted = http().delete(media(&ids[0])).send().await.unwrap();
    assert!(deleted.status().is_success());
    let edited = http()
        .patch(media(&ids[1]))
        .json(&json!({"caption": "First snow"}))
        .send()
        .await
        .unwrap();
    assert!(edited.status().is_success());
    let out = xpost(&emu, &dir, &sync);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 post(s) brought in step"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let tweets: Value = http()
        .get(format!("{}/admin/x/tweets", emu.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tweets = tweets.as_array().unwrap();
    let live = |prefix: &str| {
        tweets
            .iter()
            .filter(|t| t["deleted"] == false && t["text"].as_str().unwrap().starts_with(prefix))
            .count()
    };
    assert_eq!(live("Gone tomorrow"), 0, "{tweets:?}");
    assert_eq!(live("Frist snow"), 1);
    assert_eq!(live("First snow"), 1, "the correction");

    let status = parsed(&xpost(&emu, &dir, &["status", "--json"]));
    let post = |id: &str| {
        status["posts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["source_id"] == id)
            .unwrap()
            .clone()
    };
    let gone = post(&ids[0]);
    assert_eq!(gone["state"], "skipped");
    assert!(
        gone["error"]
            .as_str()
            .unwrap()
            .starts_with("sync.deletions:")
    );
    assert_eq!(gone["sync"]["action"], "retract");
    assert_eq!(gone["sync"]["deleted_on_source"], true);
    assert_eq!(gone["sync"]["deleted_ids"].as_array().unwrap().len(), 1);
    let fixed = post(&ids[1]);
    assert_eq!(fixed["state"], "posted");
    assert_eq!(fixed["sync"]["action"], "correct");
    assert_eq!(fixed["sync"]["progress"], "done");
    assert_eq!(fixed["sync"]["correction_ids"].as_array().unwrap().len(), 1);

    let log = xpost(&emu, &dir, &["log", "--json"]);
    assert!(log.status.success());
    let kinds: Vec<String> = String::from_utf8(log.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for kind in ["source_deleted", "deleted", "source_edited", "corrected"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
}
