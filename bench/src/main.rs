//! Throughput of xpost-transform beside the official twitter-text JavaScript
//! library and the `twitter-text` 0.3.1 crate, on one realistic caption
//! corpus, in one run. See `docs/performance.md` for how to read it.
//!
//! Usage: `xpost-bench [--captions N] [--seconds S] [--xpost PATH]`

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../../crates/xpost-transform/tests/common/corpus.rs"]
mod corpus;

use twitter_text::extractor::{Extract, Extractor};

struct Options {
    captions: usize,
    seconds: f64,
    xpost: PathBuf,
}

fn options() -> Result<Options, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut o = Options {
        captions: 20_000,
        seconds: 2.0,
        xpost: root.join("target/release/examples/xpost"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--captions" => o.captions = value()?.parse().map_err(|e| format!("--captions: {e}"))?,
            "--seconds" => o.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--xpost" => o.xpost = value()?.into(),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

/// Runs `f` over the whole corpus until `seconds` have passed; MB/s of UTF-8 input.
fn measure(texts: &[String], seconds: f64, mut f: impl FnMut(&str) -> usize) -> f64 {
    let bytes: usize = texts.iter().map(String::len).sum();
    for t in texts.iter().take(2000) {
        black_box(f(black_box(t)));
    }
    let start = Instant::now();
    let mut passes = 0usize;
    while start.elapsed() < Duration::from_secs_f64(seconds) {
        for t in texts {
            black_box(f(black_box(t)));
        }
        passes += 1;
    }
    (bytes * passes) as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn oracle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/xpost-transform/tests/oracle")
}

/// Best wall-clock time of three runs of `cmd < input > /dev/null`.
fn time_process(mut cmd: Command, input: &Path) -> Result<f64, String> {
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let stdin = std::fs::File::open(input).map_err(|e| e.to_string())?;
        let start = Instant::now();
        let status = cmd
            .stdin(stdin)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
        let t = start.elapsed().as_secs_f64();
        // `xpost text parse` exits 1 when a line was malformed; the corpus has none.
        if !status.success() {
            return Err(format!("{cmd:?} failed: {status}"));
        }
        best = best.min(t);
    }
    Ok(best)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("xpost-bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let o = options()?;
    let mut rng = corpus::Rng::new(0xBE7C_0001);
    let texts: Vec<String> = (0..o.captions).map(|_| corpus::realistic_caption(&mut rng)).collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "corpus: {} realistic captions, {:.2} MB UTF-8, {:.0} bytes on average; {} s per measurement",
        texts.len(),
        bytes as f64 / 1e6,
        bytes as f64 / texts.len() as f64,
        o.seconds
    );

    let v3 = xpost_transform::Config::v3();
    let utf8 = measure(&texts, o.seconds, |t| {
        std::str::from_utf8(t.as_bytes()).map(str::len).unwrap_or(0)
    });
    let ours_weighted = measure(&texts, o.seconds, |t| xpost_transform::weighted_length(t, v3));
    // Full parse is `analyze`: the same answers as the five calls below, with
    // the URLs extracted once for counting, URLs and hashtags.
    let ours_full = measure(&texts, o.seconds, |t| {
        let a = xpost_transform::analyze(t, v3);
        a.parsed.weighted_length + a.urls.len() + a.hashtags.len() + a.mentions.len() + a.cashtags.len()
    });

    let parts = [
        ("parse_tweet", measure(&texts, o.seconds / 2.0, |t| xpost_transform::parse_tweet(t, v3).weighted_length)),
        ("extract::urls", measure(&texts, o.seconds / 2.0, |t| xpost_transform::extract::urls(t).len())),
        ("extract::hashtags", measure(&texts, o.seconds / 2.0, |t| xpost_transform::extract::hashtags(t).len())),
        ("extract::mentions", measure(&texts, o.seconds / 2.0, |t| xpost_transform::extract::mentions(t).len())),
        ("extract::cashtags", measure(&texts, o.seconds / 2.0, |t| xpost_transform::extract::cashtags(t).len())),
        ("five separate calls", measure(&texts, o.seconds / 2.0, |t| {
            xpost_transform::parse_tweet(t, v3).weighted_length
                + xpost_transform::extract::urls(t).len()
                + xpost_transform::extract::hashtags(t).len()
                + xpost_transform::extract::mentions(t).len()
                + xpost_transform::extract::cashtags(t).len()
        })),
        ("report (as xpost text parse)", measure(&texts, o.seconds / 2.0, |t| xpost_transform::report(t, v3).urls.len())),
    ];

    // The crate panics on some inputs: measure it on the captions it survives.
    let crate_config = twitter_text_config::config_v3();
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let survivors: Vec<String> = texts
        .iter()
        .filter(|t| {
            std::panic::catch_unwind(|| {
                twitter_text::parse(t, crate_config, true);
                Extractor::new().extract_entities_with_indices(t);
            })
            .is_ok()
        })
        .cloned()
        .collect();
    std::panic::set_hook(default_hook);
    let crate_weighted = measure(&survivors, o.seconds, |t| {
        twitter_text::parse(t, crate_config, true).weighted_length as usize
    });
    let extractor = Extractor::new();
    let crate_full = measure(&survivors, o.seconds, |t| {
        twitter_text::parse(t, crate_config, true).weighted_length as usize
            + extractor.extract_urls_with_indices(t).len()
            + extractor.extract_hashtags_with_indices(t).len()
            + extractor.extract_mentioned_screennames_with_indices(t).len()
            + extractor.extract_cashtags_with_indices(t).len()
    });

    let dir = std::env::temp_dir().join(format!("xpost-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let corpus_json = dir.join("corpus.json");
    std::fs::write(&corpus_json, serde_json::to_string(&texts).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let js = Command::new("node")
        .arg(oracle_dir().join("bench.js"))
        .arg(&corpus_json)
        .arg(o.seconds.to_string())
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !js.status.success() {
        return Err(format!("node bench.js failed: {}", String::from_utf8_lossy(&js.stderr)));
    }
    let js: serde_json::Value =
        serde_json::from_slice(&js.stdout).map_err(|e| format!("node bench.js: {e}"))?;
    let js_weighted = js["weighted_mbps"].as_f64().unwrap_or(f64::NAN);
    let js_full = js["full_mbps"].as_f64().unwrap_or(f64::NAN);

    println!();
    println!("| in-process, MB/s         | weighted length | full parse (count + 4 extractors) |");
    println!("| ------------------------ | --------------: | --------------------------------: |");
    println!("| std::str::from_utf8      | {utf8:>15.1} |                                   |");
    println!("| xpost-transform          | {ours_weighted:>15.1} | {ours_full:>33.1} |");
    println!("| twitter-text crate 0.3.1 | {crate_weighted:>15.1} | {crate_full:>33.1} |");
    println!("| official JS 3.1.0 (node) | {js_weighted:>15.1} | {js_full:>33.1} |");
    println!();
    println!("xpost-transform by part, MB/s:");
    for (name, mbps) in parts {
        println!("  {name:<30} {mbps:>8.1}");
    }
    println!();
    println!(
        "crate panicked on {} of {} captions (measured on the rest)",
        texts.len() - survivors.len(),
        texts.len()
    );
    println!(
        "full parse: {:.1}x the JS (target 20x), {:.1}x the crate (target 7x)",
        ours_full / js_full,
        ours_full / crate_full
    );
    println!(
        "weighted length: from_utf8 is {:.1}x faster (target: within 10x)",
        utf8 / ours_weighted
    );

    // Whole process: JSON Lines in and out, same corpus, same job.
    let jsonl = dir.join("corpus.jsonl");
    let mut f = std::fs::File::create(&jsonl).map_err(|e| e.to_string())?;
    for t in &texts {
        writeln!(f, "{}", serde_json::json!({ "text": t })).map_err(|e| e.to_string())?;
    }
    drop(f);
    if o.xpost.is_file() {
        let mut ours = Command::new(&o.xpost);
        ours.args(["text", "parse"]);
        let ours_s = time_process(ours, &jsonl)?;
        let mut single = Command::new(&o.xpost);
        single.args(["text", "parse", "--threads", "1"]);
        let single_s = time_process(single, &jsonl)?;
        let mut node = Command::new("node");
        node.arg(oracle_dir().join("oracle.js"));
        let node_s = time_process(node, &jsonl)?;
        let mb = std::fs::metadata(&jsonl).map_err(|e| e.to_string())?.len() as f64 / 1e6;
        println!();
        println!("whole process, {mb:.2} MB of JSON Lines in, reports out (best of 3):");
        println!("  xpost text parse (every core): {:.3} s ({:.1} MB/s)", ours_s, mb / ours_s);
        println!("  xpost text parse --threads 1:  {:.3} s ({:.1} MB/s)", single_s, mb / single_s);
        println!("  node oracle.js:                {:.3} s ({:.1} MB/s)", node_s, mb / node_s);
        println!(
            "  ratio: {:.1}x on every core, {:.1}x on one (target 20x)",
            node_s / ours_s,
            node_s / single_s
        );
    } else {
        println!("\n(no {} : build it with `cargo build --release --example xpost` for the process comparison)", o.xpost.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
