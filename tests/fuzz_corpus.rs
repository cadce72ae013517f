//! Replays every kept fuzz corpus (`fuzz/corpus/TARGET/`) through the checks
//! its `cargo fuzz` target runs, so the inputs that once found a bug, and the
//! coverage the fuzzer built up, guard every `cargo test` on the stable
//! toolchain. Each corpus must exist and be non-empty.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

fn replay(target: &str, checks: &[fn(&[u8])]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "{} is empty", dir.display());
    for path in inputs {
        let data = std::fs::read(&path).unwrap();
        for check in checks {
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails its check", path.display());
        }
    }
}

#[test]
fn transform_corpus() {
    replay("transform", &[xpost_transform::fuzzing::transform]);
}

#[test]
fn ig_models_corpus() {
    replay("ig_models", &[ig_client::fuzzing::json_models]);
}

#[test]
fn x_models_corpus() {
    replay("x_models", &[x_client::fuzzing::json_models]);
}

#[test]
fn settings_corpus() {
    replay("settings", &[xpost_policy::fuzzing::settings]);
}

#[test]
fn oauth_callback_corpus() {
    replay(
        "oauth_callback",
        &[
            xpost_cli::fuzzing::callback,
            ig_client::fuzzing::redirect,
            x_client::fuzzing::callback,
        ],
    );
}

#[test]
fn signed_request_corpus() {
    replay("signed_request", &[ig_client::fuzzing::signed_request]);
}
