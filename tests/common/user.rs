//! Playing a user: an emulator process, a database directory, the built binary
//! run against both, and a browser that follows the consent redirect.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// The emulator process; killed when dropped.
pub struct Emulator {
    pub child: Child,
    pub base: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh database directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
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

    pub fn db(&self) -> String {
        self.0.join("xpost.db").display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn emulator() -> Emulator {
    emulator_with(&[])
}

/// An emulator process started with extra options (`--access-token-ttl`, say).
pub fn emulator_with(extra: &[&str]) -> Emulator {
    let mut child = Command::new(super::xpost())
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .args(extra)
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

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

pub async fn admin(emu: &Emulator, path: &str, body: serde_json::Value) {
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
pub struct Running {
    pub child: Child,
    pub first_line: String,
    pub rest: std::thread::JoinHandle<String>,
}

pub fn spawn_xpost(emu: &Emulator, dir: &TempDir, args: &[&str]) -> Running {
    let mut child = Command::new(super::xpost())
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
pub fn finish(mut running: Running) -> (bool, String, String) {
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

pub fn xpost(emu: &Emulator, dir: &TempDir, args: &[&str]) -> Output {
    Command::new(super::xpost())
        .args(["--db", &dir.db(), "--emulator", &emu.base])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Plays the browser: the consent page's redirect, then the callback's page.
pub async fn drive(authorize: &str) -> (u16, String) {
    let http = http();
    let consent = http.get(authorize.trim()).send().await.unwrap();
    assert!(consent.status().is_redirection(), "{}", consent.status());
    let location = consent.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    let page = http.get(location).send().await.unwrap();
    (page.status().as_u16(), page.text().await.unwrap())
}

/// Links `platform` as `username` through the binary; answers its stdout.
pub async fn link(emu: &Emulator, dir: &TempDir, platform: &str, username: &str) -> String {
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
