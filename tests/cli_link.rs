//! `xpost link`, `xpost links` and `xpost unlink` as a black box: the built
//! binary against an emulator process, with the test playing the browser.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// The emulator process; killed when dropped.
struct Emulator {
    child: Child,
    base: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh database directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "xpost-cli-link-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn db(&self) -> String {
        self.0.join("xpost.db").display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn emulator() -> Emulator {
    let mut child = Command::new(common::xpost())
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Emulator { child, base }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

async fn admin(emu: &Emulator, path: &str, body: serde_json::Value) {
    let status = http()
        .post(format!("{}{path}", emu.base))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "{path}: {status}");
}

/// `xpost --db DB --emulator URL ARGS...` running, its first stdout line read.
struct Running {
    child: Child,
    first_line: String,
    rest: std::thread::JoinHandle<String>,
}

fn spawn_xpost(emu: &Emulator, dir: &TempDir, args: &[&str]) -> Running {
    let mut child = Command::new(common::xpost())
        .args(["--db", &dir.db(), "--emulator", &emu.base])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();
    let rest = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        rest
    });
    Running {
        child,
        first_line,
        rest,
    }
}

/// Waits for the process; answers (success, stdout after the first line, the
/// last line of stderr).
fn finish(mut running: Running) -> (bool, String, String) {
    let mut stderr = String::new();
    running
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = running.child.wait().unwrap();
    let rest = running.rest.join().unwrap();
    let last = stderr.lines().last().unwrap_or("").to_owned();
    (status.success(), rest, last)
}

fn xpost(emu: &Emulator, dir: &TempDir, args: &[&str]) -> Output {
    Command::new(common::xpost())
        .args(["--db", &dir.db(), "--emulator", &emu.base])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Plays the browser: the consent page's redirect, then the callback's page.
async fn drive(authorize: &str) -> (u16, String) {
    let http = http();
    let consent = http.get(authorize.trim()).send().await.unwrap();
    assert!(consent.status().is_redirection(), "{}", consent.status());
    let location = consent.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    let page = http.get(location).send().await.unwrap();
    (page.status().as_u16(), page.text().await.unwrap())
}

/// Links `platform` as `username` through the binary; answers its stdout.
async fn link(emu: &Emulator, dir: &TempDir, platform: &str, username: &str) -> String {
    admin(
        emu,
        &format!("/admin/{platform}/accounts"),
        serde_json::json!({"username": username}),
    )
    .await;
    admin(
        emu,
        "/admin/session",
        serde_json::json!({"platform": platform, "username": username}),
    )
    .await;
    let running = spawn_xpost(emu, dir, &["link", platform, "--no-browser"]);
    let url = running.first_line.clone();
    assert!(url.starts_with(&emu.base), "{url}");
    assert_eq!(url.trim_end().lines().count(), 1);
    let (status, page) = drive(&url).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(&format!("@{username}")), "{page}");
    assert!(!page.contains("code="), "{page}");
    let (ok, stdout, stderr) = finish(running);
    assert!(ok, "{stderr}");
    assert!(stdout.contains(&format!("@{username}")), "{stdout}");
    stdout
}

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
