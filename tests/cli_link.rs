//! `xpost link`, `xpost links` and `xpost unlink` as a black box: the built
//! binary against an emulator process, with the test playing the browser.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::user::*;

#[tokio::test]
async fn both_sides_link_list_and_unlink() {
    let emu = emulator();
    let dir = TempDir::new("both");
    let out = link(&emu, &dir, "instagram", "alice").await;
    assert!(out.contains("xpost link x --link default"), "{out}");
    let out = link(&emu, &dir, "x", "bob").await;
    assert!(out.contains("is active"), "{out}");

    let links = xpost(&emu, &dir, &["links", "--json"]);
    assert!(links.status.success());
    let text = String::from_utf8(links.stdout).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let l = &value["links"][0];
    assert_eq!(l["id"], "default");
    assert_eq!(l["state"], "active");
    assert_eq!(l["source"]["username"], "alice");
    assert_eq!(l["target"]["username"], "bob");
    assert!(l["target"]["token_expires_at"].is_string(), "{l}");
    assert!(
        l["target"]["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "tweet.write"),
        "{l}"
    );
    let tokens: serde_json::Value = http()
        .get(format!("{}/admin/tokens", emu.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for token in tokens.as_array().unwrap() {
        if let Some(token) = token["token"].as_str() {
            assert!(!text.contains(token), "a token is shown");
        }
    }

    let unknown = xpost(&emu, &dir, &["unlink", "nosuch"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8(unknown.stderr).unwrap();
    assert!(stderr.contains("known links: default"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let refused = xpost(&emu, &dir, &["unlink", "--purge"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(stderr.contains("--yes"), "{stderr}");
    let links = xpost(&emu, &dir, &["links", "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&links.stdout).unwrap();
    assert_eq!(value["links"][0]["state"], "active");

    let unlink = xpost(&emu, &dir, &["unlink", "--purge", "--yes"]);
    assert!(
        unlink.status.success(),
        "{}",
        String::from_utf8_lossy(&unlink.stderr)
    );
    let stdout = String::from_utf8(unlink.stdout).unwrap();
    assert!(stdout.contains("deleted 0 posts"), "{stdout}");
    assert!(stdout.contains("unlinked default"), "{stdout}");
    let links = xpost(&emu, &dir, &["links", "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&links.stdout).unwrap();
    assert_eq!(value["links"][0]["state"], "disconnected");
    assert_eq!(value["links"][0]["target"]["connected"], false);
}

#[tokio::test]
async fn unlink_without_purge_keeps_the_history() {
    let emu = emulator();
    let dir = TempDir::new("plain");
    link(&emu, &dir, "instagram", "carol").await;
    let unlink = xpost(&emu, &dir, &["unlink", "default"]);
    assert!(unlink.status.success());
    let status = xpost(&emu, &dir, &["status", "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(value["links"][0]["state"], "disconnected");
}

#[tokio::test]
async fn denied_consent_exits_non_zero_with_the_cause() {
    let emu = emulator();
    let dir = TempDir::new("denied");
    admin(
        &emu,
        "/admin/session",
        serde_json::json!({"platform": "x", "deny": true}),
    )
    .await;
    let running = spawn_xpost(&emu, &dir, &["link", "x", "--no-browser"]);
    let (_, page) = drive(&running.first_line).await;
    assert!(page.contains("refused"), "{page}");
    let (ok, _, stderr) = finish(running);
    assert!(!ok);
    assert!(stderr.starts_with("xpost: "), "{stderr}");
    assert!(stderr.contains("consent was refused"), "{stderr}");
    let links = xpost(&emu, &dir, &["links", "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&links.stdout).unwrap();
    assert_eq!(value["links"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_forged_state_exits_non_zero_with_the_cause() {
    let emu = emulator();
    let dir = TempDir::new("forged");
    let running = spawn_xpost(&emu, &dir, &["link", "instagram", "--no-browser"]);
    let url = reqwest::Url::parse(running.first_line.trim()).unwrap();
    let redirect = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert!(redirect.starts_with("http://127.0.0.1:"), "{redirect}");
    let other = http()
        .get(redirect.replace("/callback", "/other"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 404);
    let page = http()
        .get(format!("{redirect}?code=stolen-code&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 400);
    assert!(!page.text().await.unwrap().contains("stolen-code"));
    let (ok, _, stderr) = finish(running);
    assert!(!ok);
    assert!(
        stderr.contains("state that is not the one sent"),
        "{stderr}"
    );
}

#[test]
fn no_answer_within_the_timeout_exits_non_zero_with_the_cause() {
    let emu = emulator();
    let dir = TempDir::new("timeout");
    let out = xpost(&emu, &dir, &["link", "x", "--no-browser", "--timeout", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with(&emu.base), "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("no answer from the browser within 1 s"),
        "{stderr}"
    );
}
