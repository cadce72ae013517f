//! `xpost pause` and `xpost resume` with the built binary against an emulator
//! process: a paused link posts nothing and says so in `status --json`, keeping
//! its contract state; resumed, it posts what it missed, once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::user::*;

async fn publish(emu: &Emulator, ig_user: &str, caption: &str) {
    let answer = http()
        .post(format!(
            "{}/admin/instagram/accounts/{ig_user}/media",
            emu.base
        ))
        .json(&serde_json::json!({"caption": caption, "media_type": "IMAGE"}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
}

async fn on_x(emu: &Emulator, caption: &str) -> usize {
    let all: serde_json::Value = http()
        .get(format!("{}/admin/x/tweets", emu.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .filter(|t| t["text"].as_str().unwrap().starts_with(caption))
        .count()
}

fn ok_json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn a_paused_link_posts_nothing_until_resumed() {
    let emu = emulator();
    let dir = TempDir::new("pause");
    link(&emu, &dir, "instagram", "dora").await;
    link(&emu, &dir, "x", "dora_x").await;
    let links = ok_json(&xpost(&emu, &dir, &["links", "--json"]));
    let ig_user = links["links"][0]["source"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let unknown = xpost(&emu, &dir, &["pause", "nosuchlink"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no link named \"nosuchlink\""));

    assert!(xpost(&emu, &dir, &["pause"]).status.success());
    let status = ok_json(&xpost(&emu, &dir, &["status", "--json"]));
    assert_eq!(
        status["links"][0]["state"], "active",
        "the contract's state"
    );
    assert_eq!(status["links"][0]["paused"], true);
    assert!(status["links"][0]["paused_since"].is_string());

    publish(&emu, &ig_user, "Made during the pause").await;
    assert!(xpost(&emu, &dir, &["sync", "--once"]).status.success());
    assert_eq!(on_x(&emu, "Made during the pause").await, 0);

    assert!(xpost(&emu, &dir, &["resume"]).status.success());
    let status = ok_json(&xpost(&emu, &dir, &["status", "--json"]));
    assert_eq!(status["links"][0]["paused"], false);
    assert!(xpost(&emu, &dir, &["sync", "--once"]).status.success());
    assert!(xpost(&emu, &dir, &["sync", "--once"]).status.success());
    assert_eq!(on_x(&emu, "Made during the pause").await, 1);
    let log = xpost(&emu, &dir, &["log", "--json"]);
    let log = String::from_utf8_lossy(&log.stdout);
    assert!(
        log.contains("\"paused\"") && log.contains("\"resumed\""),
        "{log}"
    );
}
