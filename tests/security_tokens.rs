//! No token ever leaves the sealed store: a whole journey with the built binary
//! at the most verbose logging (link both sides, sync, run across token
//! refreshes, unlink), then every token the emulator issued is looked for in
//! everything the binary printed and in every file of its data directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::user::{Emulator, TempDir, admin, drive, http};

/// Every access token the emulator issues lives this long, so `run` has to
/// refresh while it runs.
const TOKEN_TTL_S: &str = "4";

/// The emulator with short-lived tokens; killed when dropped.
fn emulator() -> Emulator {
    common::user::emulator_with(&["--access-token-ttl", TOKEN_TTL_S])
}

/// `xpost` against the emulator, logging everything it can.
fn xpost(emu: &Emulator, dir: &TempDir, args: &[&str]) -> Command {
    let mut command = Command::new(common::xpost());
    command
        .args(["--db", &dir.db(), "--emulator", &emu.base, "-vv"])
        .args(args)
        .env("RUST_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Reads a child's whole stdout (after `first`) and stderr on threads, so a
/// chatty log never blocks it; answers everything it printed and whether it
/// succeeded.
fn collect(mut child: Child, first: String) -> (bool, String) {
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = child.wait().unwrap();
    let printed = format!("{first}{}{}", out.join().unwrap(), err.join().unwrap());
    (status.success(), printed)
}

fn run(emu: &Emulator, dir: &TempDir, args: &[&str], printed: &mut String) {
    let child = xpost(emu, dir, args).spawn().unwrap();
    let (ok, text) = collect(child, String::new());
    assert!(ok, "xpost {args:?} failed:\n{}", tail(&text));
    printed.push_str(&text);
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

async fn link(emu: &Emulator, dir: &TempDir, platform: &str, username: &str) -> String {
    let accounts = format!("/admin/{platform}/accounts");
    admin(emu, &accounts, serde_json::json!({"username": username})).await;
    let session = serde_json::json!({"platform": platform, "username": username});
    admin(emu, "/admin/session", session).await;
    let mut child = xpost(emu, dir, &["link", platform, "--no-browser"])
        .spawn()
        .unwrap();
    // The authorize URL is the first line on stdout; the log goes to stderr
    // meanwhile, so stderr is drained at once.
    let mut stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let (status, page) = drive(&url).await;
    assert_eq!(status, 200, "{page}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{}", tail(&rest));
    format!("{url}{rest}{}{page}", err.join().unwrap())
}

async fn publish(emu: &Emulator, ig_user: &str, caption: &str) {
    let status = http()
        .post(format!(
            "{}/admin/instagram/accounts/{ig_user}/media",
            emu.base
        ))
        .json(&serde_json::json!({"caption": caption, "media_type": "IMAGE"}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "{status}");
}

/// Every file below `dir`, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path.display().to_string(), bytes));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn no_token_shows_in_a_whole_journey_at_trace_level_nor_in_the_data_dir() {
    let emu = emulator();
    let dir = TempDir::new("security-tokens");
    let mut printed = String::new();
    printed.push_str(&link(&emu, &dir, "instagram", "sela").await);
    printed.push_str(&link(&emu, &dir, "x", "sela_x").await);

    let links = xpost(&emu, &dir, &["links", "--json"]).output().unwrap();
    assert!(links.status.success());
    printed.push_str(&String::from_utf8_lossy(&links.stdout));
    printed.push_str(&String::from_utf8_lossy(&links.stderr));
    let links: serde_json::Value = serde_json::from_slice(&links.stdout).unwrap();
    let ig_user = links["links"][0]["source"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();

    tokio::time::sleep(Duration::from_millis(1100)).await;
    publish(&emu, &ig_user, "Before the run").await;
    run(&emu, &dir, &["sync", "--once"], &mut printed);

    // `run` outlives several token lives, posting once in the middle.
    let child = xpost(&emu, &dir, &["run", "--poll-interval", "1"])
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    publish(&emu, &ig_user, "During the run").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let (ok, text) = collect(child, String::new());
    assert!(ok, "run failed:\n{}", tail(&text));
    printed.push_str(&text);

    run(&emu, &dir, &["status", "--json"], &mut printed);
    run(&emu, &dir, &["log", "--json"], &mut printed);
    run(&emu, &dir, &["doctor"], &mut printed);
    run(&emu, &dir, &["unlink", "--yes"], &mut printed);
    assert!(
        printed.contains("TRACE") || printed.contains("DEBUG"),
        "no log"
    );

    let tokens: Vec<serde_json::Value> = http()
        .get(format!("{}/admin/tokens", emu.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let of = |platform: &str, kind: &str| {
        tokens
            .iter()
            .filter(|t| t["platform"] == platform && t["kind"] == kind)
            .count()
    };
    assert!(of("x", "refresh") >= 2, "run never refreshed X: {tokens:?}");
    assert!(of("instagram", "access") >= 1);

    let files = files(&dir.0);
    assert!(files.iter().any(|(name, _)| name.ends_with("xpost.db")));
    for token in &tokens {
        let value = token["token"].as_str().unwrap();
        let what = format!("{} {} token", token["platform"], token["kind"]);
        assert!(value.len() >= 16, "{what} too short to search for");
        assert!(!printed.contains(value), "an {what} was printed");
        for (name, bytes) in &files {
            assert!(
                !contains(bytes, value.as_bytes()),
                "an {what} is in {name} in clear"
            );
        }
    }
}
