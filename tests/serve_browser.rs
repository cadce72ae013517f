//! `xpost serve` in a real browser: headless Chromium driven over WebDriver
//! (`chromedriver`) links both accounts through the pages against an emulator
//! process, sees a post appear in the log once the in-process scheduler
//! (`--with-run`) has synced, approves a held post and disconnects the link.
//! Screenshots of each step go to `target/test-artifacts/serve-browser/` (under
//! `CARGO_TARGET_DIR` when it is set); the test prints the folder.
//!
//! Where Chromium or chromedriver is missing or cannot start, the test prints
//! why and returns: the browser is a test artefact of this machine, not of the
//! code. `scripts/test.sh` installs both (Debian's `chromium` and
//! `chromium-driver`) when it can.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::user::{Emulator, TempDir, admin, emulator, http};
use serde_json::{Value, json};

const CHROMIUM: &[&str] = &["/usr/bin/chromium", "/usr/bin/chromium-browser"];
const CHROMEDRIVER: &[&str] = &["/usr/bin/chromedriver"];

/// How long one wait for the page to show something may take.
const PATIENCE: Duration = Duration::from_secs(60);

fn find(candidates: &[&str], name: &str) -> Option<PathBuf> {
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .or_else(|| {
            std::env::var_os("PATH").and_then(|path| {
                std::env::split_paths(&path)
                    .map(|dir| dir.join(name))
                    .find(|p| p.is_file())
            })
        })
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free loopback port, for chromedriver (which takes one on its command line).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The smallest WebDriver client the test needs.
struct WebDriver {
    http: reqwest::Client,
    session: String,
    base: String,
    shots: PathBuf,
}

impl WebDriver {
    async fn start(chromium: &Path, driver_base: &str, shots: PathBuf) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let started = Instant::now();
        loop {
            let ready = http.get(format!("{driver_base}/status")).send().await;
            if let Ok(r) = ready
                && r.status().is_success()
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(20) {
                return Err("chromedriver did not answer within 20 s".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,900",
                         "--no-first-run", "--no-default-browser-check"]
            }
        }}});
        let answer: Value = http
            .post(format!("{driver_base}/session"))
            .json(&caps)
            .send()
            .await
            .map_err(|e| format!("chromedriver: {e}"))?
            .json()
            .await
            .map_err(|e| format!("chromedriver: {e}"))?;
        let session = answer["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("Chromium did not start: {}", answer["value"]["message"]))?
            .to_owned();
        Ok(Self {
            http,
            base: format!("{driver_base}/session/{session}"),
            session,
            shots,
        })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(
            answer["value"].get("error").is_none(),
            "WebDriver {path}: {answer}"
        );
        answer["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn element(&self, css: &str) -> String {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn screenshot(&self, name: &str) {
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), bytes).unwrap();
    }

    /// Waits until the page shown (after a click's navigation) contains `text`.
    async fn shows(&self, text: &str) -> String {
        let started = Instant::now();
        loop {
            let source = self.source().await;
            if source.contains(text) {
                return source;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "the page never showed {text:?}: {source}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reloads `url` until its page contains `text`.
    async fn wait_for(&self, url: &str, text: &str) -> String {
        let started = Instant::now();
        loop {
            self.go(url).await;
            let source = self.source().await;
            if source.contains(text) {
                return source;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "{url} never showed {text:?}: {source}"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    async fn quit(self) {
        let _ = self
            .http
            .delete(format!("{}/", self.base.trim_end_matches(&self.session)))
            .send()
            .await;
        let _ = self.http.delete(self.base.clone()).send().await;
    }
}

/// `xpost serve --with-run` on a free port; answers the process and its URL.
fn serve(emu: &Emulator, dir: &TempDir) -> (Process, String) {
    let config = dir.0.join("xpost.toml");
    std::fs::write(
        &config,
        "[defaults.privacy]\nblocked_words = [\"giveaway\"]\n",
    )
    .unwrap();
    let mut child = Command::new(common::xpost())
        .args(["--db", &dir.db(), "--emulator", &emu.base])
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--with-run",
            "--poll-interval",
            "1",
        ])
        .arg("--config")
        .arg(&config)
        .stdin(Stdio::null())
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
        .strip_prefix("serving on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (Process(child), base)
}

async fn publish(emu: &Emulator, user_id: &str, caption: &str) -> String {
    let answer: Value = http()
        .post(format!(
            "{}/admin/instagram/accounts/{user_id}/media",
            emu.base
        ))
        .json(&json!({"caption": caption, "media_type": "IMAGE"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_person_links_sees_approves_and_disconnects_in_a_real_browser() {
    let (Some(chromium), Some(chromedriver)) = (
        find(CHROMIUM, "chromium"),
        find(CHROMEDRIVER, "chromedriver"),
    ) else {
        println!(
            "skipped: Chromium and chromedriver are needed (Debian: apt-get install chromium chromium-driver)"
        );
        return;
    };
    // Beside the build, in the target directory (`target/` unless
    // CARGO_TARGET_DIR names another).
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let shots = target.join("test-artifacts/serve-browser");
    std::fs::create_dir_all(&shots).unwrap();
    println!("screenshots: {}", shots.display());

    let port = free_port();
    let driver = match Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => Process(child),
        Err(e) => {
            println!("skipped: chromedriver cannot start: {e}");
            return;
        }
    };
    let browser = match WebDriver::start(
        &chromium,
        &format!("http://127.0.0.1:{port}"),
        shots.clone(),
    )
    .await
    {
        Ok(b) => b,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };

    let emu = emulator();
    let dir = TempDir::new("serve-browser");
    let (server, base) = serve(&emu, &dir);
    let ig_user: Value = http()
        .post(format!("{}/admin/instagram/accounts", emu.base))
        .json(&json!({"username": "ana.ig"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ig_user = ig_user["user_id"].as_str().unwrap().to_owned();
    admin(
        &emu,
        "/admin/session",
        json!({"platform": "instagram", "username": "ana.ig"}),
    )
    .await;
    admin(&emu, "/admin/x/accounts", json!({"username": "ana_x"})).await;
    admin(
        &emu,
        "/admin/session",
        json!({"platform": "x", "username": "ana_x"}),
    )
    .await;

    // Link both sides through the pages.
    browser.go(&format!("{base}/links")).await;
    assert!(browser.source().await.contains("No links yet"));
    browser.screenshot("01-no-links").await;
    browser.click("a[href='/links/new']").await;
    browser.shows("id=\"link-name\"").await;
    browser.type_into("#link-name", "default").await;
    browser.screenshot("02-link-form").await;
    browser.click("#connect-instagram").await;
    browser.shows("Linked Instagram account @ana.ig").await;
    assert!(
        browser
            .url()
            .await
            .starts_with(&format!("{base}/links/new"))
    );
    browser.screenshot("03-instagram-linked").await;
    browser.click("#connect-x").await;
    let page = browser.shows("Linked X account @ana_x").await;
    assert!(page.contains("active"), "{page}");
    browser.screenshot("04-both-linked").await;

    // A post appears in the log once the scheduler in the server has synced;
    // a held one waits for review.
    publish(&emu, &ig_user, "Harbour at dawn #sea").await;
    let held = publish(&emu, &ig_user, "Summer giveaway: tell a friend").await;
    let log = browser
        .wait_for(&format!("{base}/log?state=posted"), "Harbour at dawn #sea")
        .await;
    assert!(!log.contains(&format!("post-default-{held}")));
    browser.screenshot("05-posted-in-log").await;
    let links = browser
        .wait_for(&format!("{base}/links"), "next poll")
        .await;
    assert!(!links.contains("not by this server yet"), "{links}");
    browser
        .wait_for(&format!("{base}/review"), "Summer giveaway")
        .await;
    browser.screenshot("06-held-for-review").await;
    browser.click(".approve").await;
    browser.shows(&format!("Approved {held}")).await;
    browser
        .wait_for(
            &format!("{base}/log?state=posted"),
            "Summer giveaway: tell a friend",
        )
        .await;
    browser.screenshot("07-approved-and-posted").await;
    let tweets: Value = http()
        .get(format!("{}/admin/x/tweets", emu.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tweets.as_array().unwrap().len(), 2, "{tweets}");

    // Disconnect.
    browser.go(&format!("{base}/links/default")).await;
    browser.click("#disconnect").await;
    let page = browser.shows("Disconnected default").await;
    assert!(page.contains("id=\"link-state\">disconnected"), "{page}");
    browser.screenshot("08-disconnected").await;
    browser.quit().await;
    drop(driver);

    // SIGTERM stops the server and its scheduler cleanly.
    let mut server = server;
    let child = &mut server.0;
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "xpost serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
}
