//! Differential test against the official twitter-text JavaScript library.
//!
//! Generates adversarial captions (every script, emoji of every kind, URLs,
//! entities, odd and invalid characters, up to 2,200 characters), asks the
//! official library (through `tests/oracle/oracle.js`) and this crate, and
//! requires agreement on every field of `xpost text parse`.
//!
//! Needs node and the oracle's packages: `npm ci --prefix
//! crates/xpost-transform/tests/oracle` (the README's test command does it).
//! `XPOST_DIFF_CASES` raises or lowers the number of captions (default 12,000).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::corpus::{Rng, adversarial_caption, realistic_caption};
use xpost_transform::{Config, report};

fn oracle_dir() -> std::path::PathBuf {
    std::env::var_os("XPOST_TT_ORACLE_DIR")
        .map(Into::into)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle"))
}

/// Runs the official library over `cases` (text, config name) and returns its answers.
fn ask_oracle(cases: &[(String, &str)]) -> Vec<serde_json::Value> {
    let dir = oracle_dir();
    assert!(
        dir.join("node_modules/twitter-text").is_dir(),
        "the official twitter-text package is not installed in {}: run `npm ci --prefix crates/xpost-transform/tests/oracle`",
        dir.display()
    );
    let mut input = String::new();
    for (text, config) in cases {
        input.push_str(&serde_json::json!({"text": text, "config": config}).to_string());
        input.push('\n');
    }
    let mut child = Command::new("node")
        .arg(dir.join("oracle.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node must be installed to run the differential test");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "oracle failed");
    let answers: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        answers.len(),
        cases.len(),
        "oracle answered a different number of lines"
    );
    answers
}

fn compare(cases: &[(String, &str)]) {
    let answers = ask_oracle(cases);
    let mut mismatches = Vec::new();
    let mut per_field: std::collections::BTreeMap<String, usize> = Default::default();
    for ((text, config), expected) in cases.iter().zip(&answers) {
        let cfg = Config::by_name(config).unwrap();
        let ours = serde_json::to_value(report(text, cfg)).unwrap();
        let mut bad = Vec::new();
        for (field, want) in expected.as_object().unwrap() {
            if ours.get(field) != Some(want) {
                bad.push(field.clone());
                *per_field.entry(field.clone()).or_default() += 1;
            }
        }
        if !bad.is_empty() {
            mismatches.push((text.clone(), *config, bad, expected.clone(), ours));
        }
    }
    if !mismatches.is_empty() {
        let mut msg = format!(
            "{} of {} captions disagree with the official library; by field: {:?}\n",
            mismatches.len(),
            cases.len(),
            per_field
        );
        for (text, config, fields, want, got) in mismatches.iter().take(15) {
            msg.push_str(&format!("\n--- {config} {text:?}\n"));
            for f in fields {
                msg.push_str(&format!("  {f}: official {} ours {}\n", want[f], got[f]));
            }
        }
        panic!("{msg}");
    }
}

fn case_count() -> usize {
    std::env::var("XPOST_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12_000)
}

#[test]
fn agrees_with_official_library_on_adversarial_captions() {
    let mut rng = Rng::new(0x5EED_0001);
    let cases: Vec<(String, &str)> = (0..case_count())
        .map(|i| {
            let config = match i % 10 {
                0 => "v1",
                1 => "v2",
                _ => "v3",
            };
            (adversarial_caption(&mut rng, 2_200), config)
        })
        .collect();
    compare(&cases);
}

#[test]
fn agrees_with_official_library_on_realistic_captions() {
    let mut rng = Rng::new(0x5EED_0002);
    let cases: Vec<(String, &str)> = (0..case_count() / 4)
        .map(|_| (realistic_caption(&mut rng), "v3"))
        .collect();
    compare(&cases);
}

#[test]
fn agrees_on_documented_quirks() {
    let mut texts: Vec<String> = [
        "",
        " ",
        "\n",
        "a",
        "example.com",
        "Booking.com readme.md script.py doc.zip file.txt node.js t.co",
        "👨‍👩‍👧‍👦 🏳️‍🌈 🇯🇵 1️⃣ 1⃣ 👍🏽 🏴󠁧󠁢󠁥󠁮󠁧󠁿",
        "🧑‍🤝‍🧑 🧑‍💻 🫱🏻‍🫲🏿",
        "✨️ © ® ©️ 🇦",
        "e\u{301} \u{212B} \u{1F71} \u{1100}\u{1161}\u{11A8} \u{958}",
        "\u{FFFE}\u{FEFF}\u{FFFF}",
        "\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}",
        "é!@user",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    texts.push(format!("{} https://example.com", "a".repeat(279)));
    texts.push(format!("{}{}", "a".repeat(300), "e\u{301}".repeat(5)));
    texts.push("あ".repeat(141));
    texts.push("😀".repeat(141));
    let cases: Vec<(String, &str)> = texts
        .into_iter()
        .flat_map(|t| [(t.clone(), "v1"), (t.clone(), "v2"), (t, "v3")])
        .collect();
    compare(&cases);
}
