//! The `xpost text` commands as a black box (see `docs/cli.md`): the
//! example binary that `cargo test` builds, driven over stdin and stdout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(common::xpost())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap();
    // A command that fails before reading its input closes the pipe early.
    if let Err(e) = writer.join().unwrap() {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    out
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn parse_reports_every_documented_field() {
    let out = run(
        &["text", "parse"],
        b"{\"text\": \"hi @bob, see example.com #tag $AAPL\"}\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = &lines(&out)[0];
    assert_eq!(got["weighted_length"], 47);
    assert_eq!(got["valid"], true);
    assert_eq!(got["permillage"], 167);
    assert_eq!(got["valid_range"], serde_json::json!([0, 34]));
    assert_eq!(got["display_range"], serde_json::json!([0, 34]));
    assert_eq!(
        got["urls"],
        serde_json::json!([{"url": "example.com", "indices": [13, 24]}])
    );
    assert_eq!(
        got["hashtags"],
        serde_json::json!([{"hashtag": "tag", "indices": [25, 29]}])
    );
    assert_eq!(
        got["mentions"],
        serde_json::json!([{"screen_name": "bob", "indices": [3, 7]}])
    );
    assert_eq!(
        got["cashtags"],
        serde_json::json!([{"cashtag": "AAPL", "indices": [30, 35]}])
    );
}

#[test]
fn parse_keeps_order_across_batches_and_reports_bad_lines() {
    // More than one batch (1 MiB) and more lines than one worker takes.
    let mut input = String::new();
    for i in 0..20_000 {
        match i % 1000 {
            7 => input.push_str("not json\n"),
            8 => input.push_str("{\"text\": 5}\n"),
            _ => input.push_str(&format!(
                "{{\"text\": \"{}\"}}\n",
                "x".repeat(i % 97 + 1) + " 😀"
            )),
        }
    }
    let out = run(&["text", "parse"], input.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(1),
        "bad lines make the exit status 1"
    );
    let answers = lines(&out);
    assert_eq!(answers.len(), 20_000);
    for (i, a) in answers.iter().enumerate() {
        match i % 1000 {
            7 => assert!(
                a["error"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("line {}: invalid JSON", i + 1))
            ),
            8 => assert!(a["error"].as_str().unwrap().contains("string \"text\"")),
            _ => assert_eq!(
                a["weighted_length"],
                (i % 97 + 1 + 1 + 2) as u64,
                "line {}",
                i + 1
            ),
        }
    }
}

#[test]
fn parse_config_v1_and_unknown_config() {
    let out = run(
        &["text", "parse", "--config", "v1"],
        "{\"text\": \"東京\"}\n".as_bytes(),
    );
    assert!(out.status.success());
    assert_eq!(lines(&out)[0]["weighted_length"], 2);
    assert_eq!(lines(&out)[0]["permillage"], 14);

    let out = run(&["text", "parse", "--config", "v9"], b"{\"text\": \"a\"}\n");
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one-line cause: {err}");
    assert!(err.contains("v9"), "{err}");
}

#[test]
fn parse_of_empty_input_is_empty_output() {
    let out = run(&["text", "parse"], b"");
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn fit_cuts_the_caption_and_keeps_the_permalink() {
    let caption = "A long day at the beach. ".repeat(30);
    let out = run(
        &[
            "text",
            "fit",
            "--budget",
            "280",
            "--template",
            "{caption}\n\n{permalink}",
            "--permalink",
            "https://www.instagram.com/p/C0ffee123/",
            "--json",
        ],
        caption.as_bytes(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = got["text"].as_str().unwrap();
    assert!(got["truncated"].as_bool().unwrap());
    assert!(got["weighted_length"].as_u64().unwrap() <= 280);
    assert!(
        text.ends_with("…\n\nhttps://www.instagram.com/p/C0ffee123/"),
        "{text}"
    );
}

#[test]
fn fit_rejects_bad_input_with_one_line() {
    let out = run(&["text", "fit"], &[0x66, 0xFF, 0x66]);
    assert!(!out.status.success());
    assert_eq!(String::from_utf8(out.stderr).unwrap().lines().count(), 1);

    let out = run(
        &[
            "text",
            "fit",
            "--budget",
            "10",
            "--template",
            "{caption} {permalink} and more words",
        ],
        b"x",
    );
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("template"), "{err}");
}

#[test]
fn fit_never_lets_an_instagram_handle_ping_anyone_by_default() {
    let mentions = |out: &Output| {
        let text = String::from_utf8(out.stdout.clone()).unwrap();
        let line = serde_json::json!({ "text": text.trim_end() }).to_string();
        let parsed = run(&["text", "parse"], format!("{line}\n").as_bytes());
        lines(&parsed)[0]["mentions"].as_array().unwrap().len()
    };
    let caption = b"Thanks @anna.k and @joao_p!";
    let out = run(&["text", "fit"], caption);
    assert!(out.status.success());
    assert_eq!(
        mentions(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(&["text", "fit", "--keep-mentions"], caption);
    assert_eq!(mentions(&out), 2);
}
