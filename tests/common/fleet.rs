//! Running `xpost` processes under fire: a store either SQLite or PostgreSQL,
//! an emulator with options, workers started and killed, posts of every kind
//! published, faults injected, and the final check that every eligible post is
//! on X exactly once.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::user::{Emulator, TempDir, drive, http};

/// A small seeded generator (SplitMix64): the same seed gives the same run plan.
pub struct Rng(u64);

impl Rng {
    /// A generator starting at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo).max(1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.range(0, 100) < percent
    }
}

/// The seed from `var`, or `default`.
pub fn seed_from_env(var: &str, default: u64) -> u64 {
    match std::env::var(var) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{var}={text:?} is not a number")),
        Err(_) => default,
    }
}

/// The store every process of a test shares.
pub enum Db {
    /// A SQLite file in the test's directory.
    Sqlite,
    /// A fresh schema on the PostgreSQL server at `url`.
    Postgres {
        /// The server, without the schema.
        url: String,
        /// The schema every process works in.
        schema: String,
    },
}

/// The variable naming the PostgreSQL server the tests may use.
pub const PG_URL_ENV: &str = "XPOST_TEST_DATABASE_URL";

/// A fixed sealing key for the PostgreSQL workers (tests only).
const TEST_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

impl Db {
    /// A fresh schema on the server named by `XPOST_TEST_DATABASE_URL`, or
    /// `None` (after printing why) when there is no usable server.
    pub async fn postgres(test: &str) -> Option<Self> {
        let Ok(url) = std::env::var(PG_URL_ENV) else {
            println!("{test}: skipped: {PG_URL_ENV} is not set");
            return None;
        };
        let connect = tokio_postgres::connect(&url, tokio_postgres::NoTls);
        let (client, connection) =
            match tokio::time::timeout(Duration::from_secs(10), connect).await {
                Ok(Ok(pair)) => pair,
                Ok(Err(e)) => {
                    println!("{test}: skipped: the server at {PG_URL_ENV} cannot be reached: {e}");
                    return None;
                }
                Err(_) => {
                    println!("{test}: skipped: the server at {PG_URL_ENV} gave no answer in 10 s");
                    return None;
                }
            };
        tokio::spawn(connection);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let schema = format!(
            "xpost_crash_{}_{:x}",
            std::process::id(),
            nanos & 0xffff_ffff
        );
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        Some(Self::Postgres { url, schema })
    }

    /// A command running the built `xpost` on this store and `emu`.
    pub fn command(&self, emu: &Emulator, dir: &TempDir) -> Command {
        let mut cmd = Command::new(super::xpost());
        match self {
            Self::Sqlite => {
                cmd.args(["--db", &dir.db()]);
            }
            Self::Postgres { url, schema } => {
                let sep = if url.contains('?') { '&' } else { '?' };
                cmd.args([
                    "--database-url",
                    &format!("{url}{sep}options=-c%20search_path%3D{schema}"),
                ]);
                cmd.env("XPOST_SECRET_KEY", TEST_KEY);
            }
        }
        cmd.args(["--emulator", &emu.base]).stdin(Stdio::null());
        cmd
    }

    /// Runs `xpost ARGS` to its end.
    pub fn xpost(&self, emu: &Emulator, dir: &TempDir, args: &[&str]) -> Output {
        self.command(emu, dir).args(args).output().unwrap()
    }
}

/// The PostgreSQL schema is dropped with everything in it, also when the test
/// failed (on a thread of its own: drop may run inside the test's runtime).
impl Drop for Db {
    fn drop(&mut self) {
        let Self::Postgres { url, schema } = self else {
            return;
        };
        let (url, schema) = (url.clone(), schema.clone());
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok((client, connection)) =
                    tokio_postgres::connect(&url, tokio_postgres::NoTls).await
                {
                    tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .await;
                }
            });
        });
        let _ = dropper.join();
    }
}

/// Answers the JSON an admin request returned, failing on an error status.
pub async fn admin_json(emu: &Emulator, path: &str, body: serde_json::Value) -> serde_json::Value {
    let response = http()
        .post(format!("{}{path}", emu.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status}: {text}");
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

/// Connects `platform` as `username` to the default link through the binary,
/// playing the browser; the account is created first when `create`.
pub async fn link_account(
    emu: &Emulator,
    db: &Db,
    dir: &TempDir,
    platform: &str,
    username: &str,
    create: bool,
) {
    if create {
        admin_json(
            emu,
            &format!("/admin/{platform}/accounts"),
            serde_json::json!({"username": username}),
        )
        .await;
    }
    admin_json(
        emu,
        "/admin/session",
        serde_json::json!({"platform": platform, "username": username}),
    )
    .await;
    let mut child = db
        .command(emu, dir)
        .args(["link", platform, "--no-browser"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    assert!(url.starts_with(&emu.base), "consent URL: {url:?}");
    let (status, page) = drive(&url).await;
    assert_eq!(status, 200, "{page}");
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "xpost link {platform}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `xpost links --json`'s Instagram and X user ids of the first link.
pub fn linked_ids(db: &Db, emu: &Emulator, dir: &TempDir) -> (String, String) {
    let links = json_of(&db.xpost(emu, dir, &["links", "--json"]));
    let id = |side: &str| {
        links["links"][0][side]["user_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no {side} in {links}"))
            .to_owned()
    };
    (id("source"), id("target"))
}

/// The JSON a successful command printed.
pub fn json_of(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What kind of Instagram post, and so what X must show for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A feed image: one post with one image.
    Image,
    /// A carousel of `n` images: one post with the first four.
    Carousel(u32),
    /// A feed video: one post with the video.
    Video,
    /// A reel: one post with the video.
    Reel,
    /// An image whose caption is too long for one post: a thread.
    Thread,
    /// A caption carrying the opt-out tag: never posted.
    OptOut,
}

impl Kind {
    /// A kind drawn from the mix the suites publish.
    pub fn draw(rng: &mut Rng) -> Self {
        match rng.range(0, 100) {
            0..35 => Self::Image,
            35..55 => Self::Carousel([2, 3, 4, 6][rng.range(0, 4) as usize]),
            55..63 => Self::Video,
            63..68 => Self::Reel,
            68..93 => Self::Thread,
            _ => Self::OptOut,
        }
    }

    /// Whether the post must reach X.
    pub fn eligible(self) -> bool {
        self != Self::OptOut
    }

    /// Media on the (first) post: how many, of which emulator type.
    fn media(self) -> (usize, &'static str) {
        match self {
            Self::Image | Self::Thread => (1, "photo"),
            // The emulator makes every third child a video, which X cannot
            // mix with images: the images go, four at most.
            Self::Carousel(n) => ((0..n).filter(|i| i % 3 != 2).count().min(4), "photo"),
            Self::Video | Self::Reel => (1, "video"),
            Self::OptOut => (0, ""),
        }
    }
}

/// A post published on the emulated Instagram.
#[derive(Debug, Clone)]
pub struct Published {
    /// Its Instagram id.
    pub id: String,
    /// The unique text its caption starts with.
    pub marker: String,
    /// Its kind.
    pub kind: Kind,
}

/// Words for long captions: plain, so that splitting is the only thing tested.
const WORDS: &[&str] = &[
    "harbour", "morning", "light", "across", "the", "water", "boats", "return", "slowly", "gulls",
    "circle", "above", "market", "stalls", "open", "fresh", "bread", "coffee",
];

/// Publishes a post of `kind` numbered `n`; answers what was published.
pub async fn publish(
    emu: &Emulator,
    ig_user: &str,
    kind: Kind,
    n: usize,
    rng: &mut Rng,
) -> Published {
    let marker = format!("Post{n:03}");
    let caption = match kind {
        Kind::Thread => {
            let mut text = format!("{marker} a long story:");
            let len = rng.range(420, 900) as usize;
            while text.len() < len {
                text.push(' ');
                text.push_str(WORDS[rng.range(0, WORDS.len() as u64) as usize]);
            }
            text
        }
        Kind::OptOut => format!("{marker} just for Instagram #noxpost"),
        _ => format!("{marker} {kind:?}"),
    };
    let body = match kind {
        Kind::Image | Kind::Thread | Kind::OptOut => {
            serde_json::json!({"caption": caption, "media_type": "IMAGE"})
        }
        Kind::Carousel(n) => {
            serde_json::json!({"caption": caption, "media_type": "CAROUSEL_ALBUM", "children": n})
        }
        Kind::Video => serde_json::json!({"caption": caption, "media_type": "VIDEO"}),
        Kind::Reel => {
            serde_json::json!({"caption": caption, "media_type": "VIDEO", "media_product_type": "REELS"})
        }
    };
    let created = admin_json(
        emu,
        &format!("/admin/instagram/accounts/{ig_user}/media"),
        body,
    )
    .await;
    Published {
        id: created["id"].as_str().unwrap().to_owned(),
        marker,
        kind,
    }
}

/// Every post X ever held (deleted ones included).
pub async fn tweets(emu: &Emulator) -> Vec<serde_json::Value> {
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

/// One fault as the emulator's admin API takes it.
pub fn fault(
    platform: &str,
    prefix: &str,
    status: u16,
    count: u64,
    latency_ms: u64,
) -> serde_json::Value {
    let mut fault = serde_json::json!({
        "platform": platform,
        "path_prefix": prefix,
        "status": status,
        "count": count,
    });
    if latency_ms > 0 {
        fault["latency_ms"] = latency_ms.into();
    }
    if status == 429 {
        fault["retry_after_s"] = 1.into();
    }
    fault
}

/// A fault drawn from the mix: latency, 5xx, 429 or a dropped connection, on
/// Instagram's listing or X's posts and uploads. Answers it and its description.
pub fn draw_fault(rng: &mut Rng) -> serde_json::Value {
    let (platform, prefix) = [
        ("x", "/2/tweets"),
        ("x", "/2/tweets"),
        ("x", "/2/media"),
        ("x", "/2/users"),
        ("instagram", "/me/media"),
        ("instagram", "/"),
    ][rng.range(0, 6) as usize];
    match rng.range(0, 5) {
        0 | 1 => fault(platform, prefix, 200, rng.range(2, 8), rng.range(100, 700)),
        2 => fault(
            platform,
            prefix,
            [500, 502, 503][rng.range(0, 3) as usize],
            1,
            0,
        ),
        3 => fault(platform, prefix, 429, 1, 0),
        _ => fault(platform, prefix, 0, 1, rng.range(0, 300)),
    }
}

/// `xpost run` worker processes, each restartable after a kill.
pub struct Workers {
    args: Vec<String>,
    children: Vec<Option<Child>>,
    started: Instant,
    /// What happened and when, to print on failure.
    pub journal: Vec<String>,
}

impl Workers {
    /// `n` workers, not started yet, each to run `xpost ARGS`.
    pub fn new(n: usize, args: &[&str]) -> Self {
        Self {
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            children: (0..n).map(|_| None).collect(),
            started: Instant::now(),
            journal: Vec::new(),
        }
    }

    /// Notes `what` at the current instant, and prints it (shown on failure).
    pub fn note(&mut self, what: impl std::fmt::Display) {
        let line = format!("{:8.3}s {what}", self.started.elapsed().as_secs_f64());
        println!("{line}");
        self.journal.push(line);
    }

    /// How many workers.
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// Starts worker `i` (its stderr appended to `dir/worker-i.log`).
    pub fn start(&mut self, i: usize, db: &Db, emu: &Emulator, dir: &TempDir) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.0.join(format!("worker-{i}.log")))
            .unwrap();
        let child = db
            .command(emu, dir)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        self.note(format_args!("worker {i} started (pid {})", child.id()));
        self.children[i] = Some(child);
    }

    /// The process id of worker `i`, when running.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.children[i].as_ref().map(Child::id)
    }

    /// Kills worker `i` with SIGKILL and reaps it.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.children[i].take() {
            let pid = child.id();
            let exited_before = child.try_wait().ok().flatten();
            let _ = child.kill();
            let _ = child.wait();
            match exited_before {
                Some(status) => self.note(format_args!(
                    "worker {i} (pid {pid}) had already exited ({status}) before its kill"
                )),
                None => self.note(format_args!("SIGKILL worker {i} (pid {pid})")),
            }
        }
    }

    /// Stops worker `i` with SIGTERM and waits (at most 30 s) for it; answers
    /// whether it exited cleanly.
    pub fn stop(&mut self, i: usize) -> bool {
        let Some(mut child) = self.children[i].take() else {
            return true;
        };
        let pid = child.id();
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.note(format_args!("worker {i} (pid {pid}) stopped: {status}"));
                return status.success();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                self.note(format_args!(
                    "worker {i} (pid {pid}) ignored SIGTERM for 30 s"
                ));
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for child in self.children.iter_mut().filter_map(Option::take) {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits (at most `patience`) until `xpost status` reports every eligible
/// post posted; answers the posts still not posted (with their state and
/// cause), empty when all are.
pub async fn wait_until_posted(
    db: &Db,
    emu: &Emulator,
    dir: &TempDir,
    published: &[Published],
    patience: Duration,
) -> Vec<String> {
    let deadline = Instant::now() + patience;
    loop {
        let out = db.xpost(emu, dir, &["status", "--json"]);
        let mut waiting = vec!["xpost status failed".to_owned()];
        if out.status.success() {
            let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let records: HashMap<&str, &serde_json::Value> = status["posts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["source_id"].as_str().unwrap(), p))
                .collect();
            waiting = published
                .iter()
                .filter(|p| p.kind.eligible())
                .filter_map(|p| match records.get(p.id.as_str()) {
                    Some(r) if r["state"] == "posted" => None,
                    Some(r) => Some(format!(
                        "{} ({:?}): {} {}",
                        p.marker, p.kind, r["state"], r["error"]
                    )),
                    None => Some(format!("{} ({:?}): not seen yet", p.marker, p.kind)),
                })
                .collect();
        }
        if waiting.is_empty() || Instant::now() > deadline {
            return waiting;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Everything wrong with what X holds and what `status --json` says, given what
/// was published: a post missing, twice, out of order, with the wrong media, or
/// a post on X that belongs to no published post. Empty when all is well.
pub fn problems(
    published: &[Published],
    status: &serde_json::Value,
    all_tweets: &[serde_json::Value],
    x_user: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    let live: HashMap<&str, &serde_json::Value> = all_tweets
        .iter()
        .filter(|t| t["deleted"] == false && t["author_id"] == x_user)
        .map(|t| (t["id"].as_str().unwrap(), t))
        .collect();
    let records: HashMap<&str, &serde_json::Value> = status["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["source_id"].as_str().unwrap(), p))
        .collect();
    let mut claimed: HashSet<&str> = HashSet::new();
    for post in published {
        let starting: Vec<&&serde_json::Value> = live
            .values()
            .filter(|t| {
                t["text"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{} ", post.marker))
            })
            .collect();
        let Some(record) = records.get(post.id.as_str()) else {
            problems.push(format!(
                "{} ({:?}, {}): unknown to xpost status",
                post.marker, post.kind, post.id
            ));
            continue;
        };
        if !post.kind.eligible() {
            if record["state"] != "skipped" || !starting.is_empty() {
                problems.push(format!(
                    "{} (opt-out): state {}, {} posts on X",
                    post.marker,
                    record["state"],
                    starting.len()
                ));
            }
            continue;
        }
        if starting.len() != 1 {
            problems.push(format!(
                "{} ({:?}): {} posts on X start with it, expected exactly one",
                post.marker,
                post.kind,
                starting.len()
            ));
        }
        if record["state"] != "posted" {
            problems.push(format!(
                "{} ({:?}): state {} ({})",
                post.marker, post.kind, record["state"], record["error"]
            ));
            continue;
        }
        let ids: Vec<&str> = record["target_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        match post.kind {
            Kind::Thread if ids.len() < 2 => problems.push(format!(
                "{} (thread): {} part(s) recorded",
                post.marker,
                ids.len()
            )),
            Kind::Thread => {}
            _ if ids.len() != 1 => problems.push(format!(
                "{} ({:?}): {} parts recorded, expected one",
                post.marker,
                post.kind,
                ids.len()
            )),
            _ => {}
        }
        for (i, id) in ids.iter().enumerate() {
            if !claimed.insert(id) {
                problems.push(format!(
                    "{}: X post {id} recorded for two posts",
                    post.marker
                ));
            }
            let Some(tweet) = live.get(id) else {
                problems.push(format!("{} part {i}: X post {id} is not on X", post.marker));
                continue;
            };
            let expected_parent = if i == 0 {
                serde_json::Value::Null
            } else {
                ids[i - 1].into()
            };
            if tweet["in_reply_to"] != expected_parent {
                problems.push(format!(
                    "{} part {i}: replies to {}, expected {expected_parent}",
                    post.marker, tweet["in_reply_to"]
                ));
            }
            if i == 0 {
                if !tweet["text"].as_str().unwrap().starts_with(&post.marker) {
                    problems.push(format!("{} part 0 is {}", post.marker, tweet["text"]));
                }
                let (count, kind) = post.kind.media();
                let media = tweet["media"].as_array().map_or(0, Vec::len);
                let kinds_ok = tweet["media"]
                    .as_array()
                    .is_none_or(|m| m.iter().all(|m| m["type"] == kind));
                if media != count || !kinds_ok {
                    problems.push(format!(
                        "{} ({:?}): media {}, expected {count} {kind}",
                        post.marker, post.kind, tweet["media"]
                    ));
                }
            }
        }
    }
    for (id, tweet) in &live {
        if !claimed.contains(id) {
            problems.push(format!(
                "X post {id} belongs to no recorded post (a duplicate or an orphan): {:?}",
                tweet["text"]
                    .as_str()
                    .unwrap()
                    .chars()
                    .take(60)
                    .collect::<String>()
            ));
        }
    }
    problems
}

/// The resident memory of process `pid` in KiB (VmRSS), if it is running.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The last `lines` lines of worker `i`'s log in `dir`.
pub fn log_tail(dir: &TempDir, i: usize, lines: usize) -> String {
    let log = std::fs::read_to_string(dir.0.join(format!("worker-{i}.log"))).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(lines).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}
