//! The `xpost policy explain` front-end module, compiled and run here.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, dead_code)]

#[path = "../../../examples/xpost/policy.rs"]
mod policy;

use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: policy::PolicyArgs,
}

fn explain(extra: &[&str]) -> Result<String, String> {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/xpost.toml"
    );
    let mut argv = vec![
        "xpost",
        "explain",
        "--config",
        example,
        "--now",
        "2025-07-01T12:00:00Z",
    ];
    argv.extend_from_slice(extra);
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    let policy::PolicyCommand::Explain(args) = cli.args.command;
    policy::explain_report(&args)
}

const POST: &str = r#"{"id":"1","media_type":"image","product_type":"feed","caption":"Dinner #friends","permalink":"https://www.instagram.com/p/abc/","timestamp":"2025-07-01T11:00:00Z"}"#;

#[test]
fn explains_a_held_post_with_its_rule() {
    // 12:00 UTC is 14:00 in Paris: the 10 minute delay holds it.
    let out = explain(&["--post", POST]).unwrap();
    assert!(
        out.contains("decision: post at 2025-07-01T12:10:00Z"),
        "{out}"
    );
    assert!(out.contains("rule: schedule.delay"), "{out}");
    assert!(out.contains("reply_settings: following"), "{out}");
    assert!(out.contains("estimated_cost_usd: 0.200"), "{out}");
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
