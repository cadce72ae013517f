//! The `[sync]` section: loaded from TOML per link, defaults safe, mistakes
//! named by file, line and key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::SignedDuration;
use xpost_core::LinkId;
use xpost_policy::{EditMode, PolicyConfig, PolicyError};

fn located(text: &str) -> (usize, String, String) {
    match PolicyConfig::from_toml_str(text, "sync.toml") {
        Err(PolicyError::Config {
            line, key, message, ..
        }) => (line, key, message),
        other => panic!("expected a located error, got {other:?}"),
    }
}

#[test]
fn off_unless_asked_for() {
    let config = PolicyConfig::from_toml_str("", "sync.toml").unwrap();
    let sync = &config.defaults().sync;
    assert!(!sync.deletions);
    assert_eq!(sync.edits, EditMode::Ignore);
    assert_eq!(sync.edit_window, SignedDuration::from_hours(24 * 7));
    assert_eq!(sync.deletion_grace, SignedDuration::from_hours(1));
    assert!(!sync.watches());
}

#[test]
fn a_link_overrides_the_defaults_key_by_key() {
    let text = r#"
[defaults.sync]
deletions = true
edit_window = "3d"

[links.main.sync]
edits = "reply_with_correction"
deletion_grace = "30m"
"#;
    let config = PolicyConfig::from_toml_str(text, "sync.toml").unwrap();
    let main = &config.link(&LinkId::new("main").unwrap()).sync;
    assert!(main.deletions);
    assert_eq!(main.edits, EditMode::ReplyWithCorrection);
    assert_eq!(main.edit_window, SignedDuration::from_hours(72));
    assert_eq!(main.deletion_grace, SignedDuration::from_mins(30));
    assert_eq!(config.defaults().sync.edits, EditMode::Ignore);
}

#[test]
fn an_unknown_mode_names_its_line_and_key() {
    let (line, key, message) = located("[defaults.sync]\n\nedits = \"rewrite\"\n");
    assert_eq!(line, 3);
    assert!(key.ends_with("sync.edits"), "{key}");
    assert!(message.contains("delete_and_repost"), "{message}");
}

#[test]
fn impossible_windows_are_refused() {
    let (_, key, message) = located("[defaults.sync]\nedit_window = \"90d\"\n");
    assert!(key.ends_with("sync.edit_window"), "{key}");
    assert!(message.contains("30 days"), "{message}");
    let (_, key, _) = located("[links.a.sync]\ndeletion_grace = \"0s\"\n");
    assert!(key.ends_with("sync.deletion_grace"), "{key}");
    let (_, key, message) =
        located("[defaults.sync]\nedit_window = \"2h\"\ndeletion_grace = \"3h\"\n");
    assert!(key.ends_with("sync.deletion_grace"), "{key}");
    assert!(message.contains("edit_window"), "{message}");
    let (_, key, _) = located("[defaults.sync]\ndeletions = \"yes\"\n");
    assert!(key.ends_with("sync.deletions"), "{key}");
}
