//! `xpost serve` refuses to start where it would be unsafe, and says why.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Stdio};

fn serve(args: &[&str], password: Option<&str>) -> (i32, String) {
    let dir = common::user::TempDir::new("serve-refusals");
    let mut command = Command::new(common::xpost());
    command
        .args(["--db", &dir.db(), "serve"])
        .args(args)
        .env_remove("XPOST_ADMIN_PASSWORD")
        .stdin(Stdio::null());
    if let Some(password) = password {
        command.env("XPOST_ADMIN_PASSWORD", password);
    }
    let out = command.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn beyond_loopback_without_a_password_nothing_starts() {
    let (code, stderr) = serve(&["--listen", "0.0.0.0:0"], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("XPOST_ADMIN_PASSWORD"), "{stderr}");
    assert!(stderr.contains("nothing was started"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn bad_public_urls_and_empty_passwords_are_refused() {
    let (code, stderr) = serve(
        &[
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            "https://h.example/xpost",
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--public-url"), "{stderr}");
    let (code, stderr) = serve(&["--listen", "127.0.0.1:0"], Some("  "));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("empty"), "{stderr}");
}
