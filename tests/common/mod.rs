//! Helpers shared by the workspace's black-box tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod fleet;
pub mod user;

use std::path::PathBuf;

/// `target/<profile>/examples/xpost`: `cargo test` builds the examples
/// together with the tests (a filtered `cargo test --test NAME` does not).
pub fn xpost() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let bin = profile_dir.join("examples").join("xpost");
    assert!(
        bin.is_file(),
        "{} missing: run `cargo test` (it builds examples)",
        bin.display()
    );
    bin
}
