//! `xpost demo` as a user runs it: the README's main command.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

#[test]
fn demo_links_syncs_and_shows_what_went_where_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = Command::new(common::xpost())
        .args(["demo", "--keep-db"])
        .arg(&db)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}\n{stdout}");
    assert!(
        stderr.contains("linked Instagram @demo.creator"),
        "{stderr}"
    );
    assert!(stderr.contains("linked X @demo_creator"), "{stderr}");
    for kind in [
        "image",
        "carousel of 7",
        "video",
        "reel",
        "story",
        "2,000-character caption",
        "opt-out",
    ] {
        assert!(stdout.contains(kind), "{kind} missing:\n{stdout}");
    }
    assert!(stdout.contains("filters.opt_out_tag"), "{stdout}");
    assert!(stdout.contains("stories are opt-in"), "{stdout}");
    assert!(
        stdout.contains("thread of"),
        "the long caption becomes a thread:\n{stdout}"
    );
    assert!(
        stdout.contains("5 posts cross-posted, 1 skipped"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("IGAA") && !stderr.contains("IGAA"),
        "no token is printed"
    );

    // The kept database answers status, with the documented shape.
    let status = Command::new(common::xpost())
        .arg("--db")
        .arg(&db)
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["links"][0]["id"], "demo");
    assert_eq!(json["links"][0]["state"], "active");
    let posts = json["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 6, "the feed posts (the story is not polled)");
    let posted = posts.iter().filter(|p| p["state"] == "posted").count();
    let skipped: Vec<_> = posts.iter().filter(|p| p["state"] == "skipped").collect();
    assert_eq!(posted, 5);
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("filters.opt_out_tag")
    );
    for post in posts.iter().filter(|p| p["state"] == "posted") {
        assert!(!post["target_ids"].as_array().unwrap().is_empty());
    }
}
