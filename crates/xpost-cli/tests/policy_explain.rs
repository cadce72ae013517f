//! `xpost policy explain`, run in-process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use clap::Parser;
use xpost_cli::commands::policy;
use xpost_cli::{Cli, Command};

fn explain(extra: &[&str]) -> Result<String, String> {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/xpost.toml"
    );
    let mut argv = vec![
        "xpost",
        "policy",
        "explain",
        "--config",
        example,
        "--now",
        "2025-07-01T12:00:00Z",
    ];
    argv.extend_from_slice(extra);
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    let Command::Policy(policy::PolicyArgs {
        command: policy::PolicyCommand::Explain(mut args),
    }) = cli.command
    else {
        return Err("not a policy command".into());
    };
    args.config = args.config.or(cli.global.config);
    policy::explain_report(&args)
}

const POST: &str = r#"{"id":"1","media_type":"image","product_type":"feed","caption":"Dinner #friends","permalink":"https://www.instagram.com/p/abc/","timestamp":"2025-07-01T11:00:00Z"}"#;

#[test]
fn explains_a_held_post_with_its_rule() {
    // 12:00 UTC is 14:00 in Paris: the 10 minute delay from first sight holds it.
    let out = explain(&["--post", POST, "--first-seen", "2025-07-01T12:00:00Z"]).unwrap();
    assert!(
        out.contains("decision: post at 2025-07-01T12:10:00Z"),
        "{out}"
    );
    assert!(out.contains("rule: schedule.delay"), "{out}");
    assert!(out.contains("reply_settings: following"), "{out}");
    assert!(out.contains("estimated_cost_usd: 0.200"), "{out}");
    assert!(
        out.contains(
            "  schedule.delay: held until 2025-07-01T12:10:00Z: delay 10m after it was first seen"
        ),
        "{out}"
    );
}

#[test]
fn an_unknown_link_is_an_error() {
    let err = explain(&["--post", POST, "--link", "nope"]).unwrap_err();
    assert!(err.contains("no link named \"nope\""), "{err}");
    assert!(err.contains("brand"), "{err}");
}

#[test]
fn recent_posts_and_spend_are_options() {
    let post = POST.replace("Dinner", "Dinner #x");
    let out = explain(&[
        "--post",
        &post,
        "--recent-post",
        "2025-07-01T10:00:00Z",
        "--recent-post",
        "2025-07-01T11:30:00Z",
        "--link",
        "brand",
    ]);
    // The brand link spaces posts an hour apart, then waits for a peak window.
    let out = out.unwrap();
    assert!(
        out.contains("  schedule.min_spacing: held until 2025-07-01T12:30:00Z"),
        "{out}"
    );
    assert!(out.contains("rule: schedule.peak_hours"), "{out}");
    let out = explain(&["--post", POST, "--spent-usd", "24.9", "--backfill"]).unwrap();
    // Next month starts at 02:00 in Paris, inside the quiet hours.
    assert!(out.contains("rule: schedule.quiet_hours"), "{out}");
    assert!(
        out.contains("before that by cost.monthly_cap_usd: $24.900 spent of the $25.00 monthly cap, and posting costs $0.200"),
        "{out}"
    );
}

#[test]
fn render_notes_and_json_are_printed() {
    let post = POST.replace("Dinner", "Dinner with @bob");
    let out = explain(&["--post", &post]).unwrap();
    assert!(out.contains("notes:\n  - mentions neutralised: 1"), "{out}");
    let json = explain(&["--post", &post, "--json"]).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["verdict"], "post_now");
    assert_eq!(value["rule"], "default");
    assert_eq!(value["notes"][0]["note"], "mentions_neutralised");
    assert_eq!(value["trace"][0]["rule"], "content");
}

#[test]
fn a_post_held_for_review_shows_its_posts_and_goes_once_approved() {
    let post = POST.replace("Dinner", "Dinner giveaway");
    let out = explain(&["--post", &post]).unwrap();
    assert!(out.contains("decision: needs review"), "{out}");
    assert!(out.contains("post 1: \"Dinner giveaway #friends"), "{out}");
    let out = explain(&["--post", &post, "--approved"]).unwrap();
    assert!(out.contains("decision: post now"), "{out}");
}

#[test]
fn explains_a_skip() {
    let post = POST.replace("Dinner", "Dinner #noxpost");
    let out = explain(&["--post", &post]).unwrap();
    assert!(
        out.contains("decision: skip\nrule: filters.opt_out_tag"),
        "{out}"
    );
    let out = explain(&["--post", POST, "--link", "brand"]).unwrap();
    assert!(out.contains("rule: filters.opt_in_tag"), "{out}");
}

#[test]
fn bad_input_is_one_line() {
    let err = explain(&["--post", "{not json"]).unwrap_err();
    assert!(err.starts_with("invalid --post JSON"), "{err}");
    assert!(!err.contains('\n'));
}
