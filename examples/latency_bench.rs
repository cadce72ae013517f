//! How long an Instagram post takes to appear on X under `xpost run`.
//!
//! Starts an emulator process, links an account on each side through the
//! `xpost` binary, runs `xpost run --poll-interval P` as a process, publishes N
//! posts at random instants and watches the emulated X every 20 ms for each
//! one's tweet. Prints the latency from publication to the tweet's appearance:
//! p50, p90, p99 and max, beside the target (p99 below P + 1 s).
//!
//! ```sh
//! cargo build --release --example xpost --example latency_bench
//! target/release/examples/latency_bench --posts 60 --poll-interval 2
//! ```

use std::collections::HashMap;
use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// What the command line asked for.
struct Options {
    posts: usize,
    poll_interval: u64,
    seed: u64,
}

fn options() -> Result<Options> {
    let mut options = Options {
        posts: 60,
        poll_interval: 2,
        seed: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<u64> {
            let text = args.next().ok_or(format!("{name} needs a value"))?;
            text.parse()
                .map_err(|_| format!("{name} {text:?}: not a whole number").into())
        };
        match arg.as_str() {
            "--posts" => options.posts = usize::try_from(value("--posts")?.clamp(1, 1000))?,
            "--poll-interval" => options.poll_interval = value("--poll-interval")?.clamp(1, 60),
            "--seed" => options.seed = value("--seed")?,
            "-h" | "--help" => {
                println!("latency_bench [--posts N] [--poll-interval SECONDS] [--seed N]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    Ok(options)
}

/// A process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A directory removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `xpost` example binary built beside this one.
fn xpost_binary() -> Result<PathBuf> {
    let me = std::env::current_exe()?;
    let bin = me
        .parent()
        .ok_or("this program has no directory")?
        .join("xpost");
    if !bin.is_file() {
        return Err(format!(
            "{} is missing: cargo build --release --example xpost --example latency_bench",
            bin.display()
        )
        .into());
    }
    Ok(bin)
}

fn first_line(child: &mut Child) -> Result<String> {
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    Ok(line.trim_end().to_owned())
}

/// SplitMix64: the publication instants repeat for a seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }
}

struct Bench {
    bin: PathBuf,
    db: PathBuf,
    base: String,
    http: reqwest::Client,
}

impl Bench {
    fn xpost(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--db")
            .arg(&self.db)
            .args(["--emulator", &self.base, "-q"])
            .stdin(Stdio::null());
        cmd
    }

    async fn admin(&self, path: &str, body: serde_json::Value) -> Result<serde_json::Value> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(format!("{path}: {}", response.status()).into());
        }
        Ok(response.json().await?)
    }

    /// Links `platform` as a new account `username`, playing the browser.
    async fn link(&self, platform: &str, username: &str) -> Result<String> {
        let account = self
            .admin(
                &format!("/admin/{platform}/accounts"),
                serde_json::json!({"username": username}),
            )
            .await?;
        self.admin(
            "/admin/session",
            serde_json::json!({"platform": platform, "username": username}),
        )
        .await?;
        let mut child = self
            .xpost()
            .args(["link", platform, "--no-browser"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let url = first_line(&mut child)?;
        let consent = self.http.get(&url).send().await?;
        let location = consent
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .ok_or("the consent page did not redirect")?
            .to_owned();
        self.http.get(location).send().await?;
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(format!(
                "xpost link {platform}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(account["user_id"].as_str().ok_or("no user_id")?.to_owned())
    }

    /// The text of every tweet on X.
    async fn tweet_texts(&self) -> Result<Vec<String>> {
        let all: serde_json::Value = self
            .http
            .get(format!("{}/admin/x/tweets", self.base))
            .send()
            .await?
            .json()
            .await?;
        Ok(all
            .as_array()
            .ok_or("tweets are not a list")?
            .iter()
            .filter_map(|t| t["text"].as_str().map(str::to_owned))
            .collect())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn scratch_dir() -> Result<Scratch> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("xpost-latency-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(Scratch(dir))
}

fn db_in(dir: &Path) -> PathBuf {
    dir.join("xpost.db")
}

#[tokio::main]
async fn main() -> Result<()> {
    let options = options()?;
    let bin = xpost_binary()?;
    let scratch = scratch_dir()?;
    let mut emulator = Command::new(&bin)
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let line = first_line(&mut emulator)?;
    let _emulator = Process(emulator);
    let base = line
        .strip_prefix("listening on ")
        .ok_or(format!("the emulator said {line:?}"))?
        .to_owned();
    let bench = Bench {
        bin,
        db: db_in(&scratch.0),
        base,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()?,
    };
    let ig_user = bench.link("instagram", "bench_ig").await?;
    bench.link("x", "bench_x").await?;
    let run = bench
        .xpost()
        .args(["run", "--poll-interval", &options.poll_interval.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let run = Process(run);
    // Posts newer than the link (timestamps have whole seconds).
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let mut rng = Rng(options.seed);
    let published: std::sync::Arc<std::sync::Mutex<HashMap<String, Instant>>> =
        std::sync::Arc::default();
    let watcher = {
        let published = published.clone();
        let http = bench.http.clone();
        let base = bench.base.clone();
        let total = options.posts;
        let patience = Duration::from_secs(options.poll_interval * 4 + 30);
        tokio::spawn(async move {
            let watch = Bench {
                bin: PathBuf::new(),
                db: PathBuf::new(),
                base,
                http,
            };
            let mut seen: HashMap<String, Duration> = HashMap::new();
            let mut last_progress = Instant::now();
            while seen.len() < total && last_progress.elapsed() < patience {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let Ok(texts) = watch.tweet_texts().await else {
                    continue;
                };
                let now = Instant::now();
                let at = published.lock().map(|p| p.clone()).unwrap_or_default();
                for text in texts {
                    let Some(marker) = text.split_whitespace().next() else {
                        continue;
                    };
                    if let Some(when) = at.get(marker) {
                        if !seen.contains_key(marker) {
                            seen.insert(marker.to_owned(), now.duration_since(*when));
                            last_progress = now;
                        }
                    }
                }
            }
            seen
        })
    };
    let spread = options.poll_interval * 2000;
    for i in 0..options.posts {
        tokio::time::sleep(Duration::from_millis(rng.below(spread))).await;
        let marker = format!("Latency{i:04}");
        bench
            .admin(
                &format!("/admin/instagram/accounts/{ig_user}/media"),
                serde_json::json!({"caption": format!("{marker} at a random instant"), "media_type": "IMAGE"}),
            )
            .await?;
        if let Ok(mut map) = published.lock() {
            map.insert(marker, Instant::now());
        }
    }
    let seen = watcher.await?;
    let _ = Command::new("kill")
        .args(["-TERM", &run.0.id().to_string()])
        .status();
    drop(run);

    let mut latencies: Vec<Duration> = seen.into_values().collect();
    latencies.sort();
    if latencies.is_empty() {
        return Err("no post reached X".into());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p99 = percentile(&latencies, 99.0);
    let target = Duration::from_secs(options.poll_interval + 1);
    println!(
        "posts {} (seen on X {}), poll interval {} s",
        options.posts,
        latencies.len(),
        options.poll_interval
    );
    println!(
        "latency p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(p99),
        ms(latencies[latencies.len() - 1]),
    );
    println!(
        "target p99 < {:.0} ms: {}",
        ms(target),
        if p99 < target && latencies.len() == options.posts {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}
