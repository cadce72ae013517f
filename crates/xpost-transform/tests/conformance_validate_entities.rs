//! The entity sections of the official `validate.yml`: usernames, lists,
//! hashtags, urls and urls_without_protocol.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_yaml_ng::Value;
use xpost_transform::validate;

#[test]
fn validate_yml_entity_sections() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/validate.yml");
    let doc: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    for section in [
        "usernames",
        "lists",
        "hashtags",
        "urls",
        "urls_without_protocol",
    ] {
        for case in doc["tests"][section].as_sequence().unwrap() {
            total += 1;
            let text = case["text"].as_str().unwrap();
            let expected = case["expected"].as_bool().unwrap();
            let got = match section {
                "usernames" => validate::is_valid_username(text),
                "lists" => validate::is_valid_list(text),
                "hashtags" => validate::is_valid_hashtag(text),
                "urls" => validate::is_valid_url(text, true, true),
                _ => validate::is_valid_url(text, true, false),
            };
            if got != expected {
                failures.push(format!(
                    "validate.yml / {section} / {:?}: text {text:?} expected {expected} got {got}",
                    case["description"].as_str().unwrap_or("")
                ));
            }
        }
    }
    assert_eq!(total, 4 + 5 + 7 + 24 + 5, "unexpected number of cases");
    assert!(
        failures.is_empty(),
        "{} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
