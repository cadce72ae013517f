//! Every case of the official `extract.yml` (all 13 sections) and `tlds.yml`.
//!
//! A failure lists each disagreeing case with its file, section, description
//! and text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_yaml_ng::Value;
use xpost_transform::{Entity, extract};

fn load(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/conformance")
        .join(name);
    serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The values of `entities` as strings.
fn values(text: &str, entities: &[Entity]) -> Value {
    Value::Sequence(
        entities
            .iter()
            .map(|e| Value::String(e.value_in(text).to_owned()))
            .collect(),
    )
}

/// `[{key: value, indices: [a, b]}]` as the files write them.
fn with_indices(text: &str, entities: &[Entity], key: &str) -> Value {
    Value::Sequence(
        entities
            .iter()
            .map(|e| {
                let mut m = serde_yaml_ng::Mapping::new();
                m.insert(key.into(), e.value_in(text).into());
                m.insert(
                    "indices".into(),
                    Value::Sequence(vec![e.indices.0.into(), e.indices.1.into()]),
                );
                Value::Mapping(m)
            })
            .collect(),
    )
}

/// Runs one section; returns the number of cases run.
fn run(file: &str, section: &str, cases: &Value, failures: &mut Vec<String>) -> usize {
    let cases = cases.as_sequence().unwrap();
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let expected = case["expected"].clone();
        let got = match section {
            "mentions" => values(text, &extract::mentions(text)),
            "mentions_with_indices" => with_indices(text, &extract::mentions(text), "screen_name"),
            "mentions_or_lists_with_indices" => Value::Sequence(
                extract::mentions_or_lists(text)
                    .iter()
                    .map(|e| {
                        let mut m = serde_yaml_ng::Mapping::new();
                        m.insert("screen_name".into(), e.value_in(text).into());
                        m.insert("list_slug".into(), text[e.value.end..e.range.end].into());
                        m.insert(
                            "indices".into(),
                            Value::Sequence(vec![e.indices.0.into(), e.indices.1.into()]),
                        );
                        Value::Mapping(m)
                    })
                    .collect(),
            ),
            "replies" => extract::reply(text).map_or(Value::Null, |s| Value::String(s.to_owned())),
            "urls" | "tco_urls_with_params" | "country" | "generic" => {
                values(text, &extract::urls(text))
            }
            "urls_with_indices" | "urls_with_directional_markers" => {
                with_indices(text, &extract::urls(text), "url")
            }
            "hashtags" | "hashtags_from_astral" => values(text, &extract::hashtags(text)),
            "hashtags_with_indices" => with_indices(text, &extract::hashtags(text), "hashtag"),
            "cashtags" => values(text, &extract::cashtags(text)),
            "cashtags_with_indices" => with_indices(text, &extract::cashtags(text), "cashtag"),
            other => panic!("unknown section {other} in {file}"),
        };
        if got != expected {
            failures.push(format!(
                "{file} / {section} / {:?}\n  text:     {text:?}\n  expected: {expected:?}\n  got:      {got:?}",
                case["description"].as_str().unwrap_or("")
            ));
        }
    }
    cases.len()
}

fn run_file(file: &str, sections: usize, min_cases: usize) {
    let doc = load(file);
    let tests = doc["tests"].as_mapping().unwrap();
    assert_eq!(
        tests.len(),
        sections,
        "{file} has an unexpected number of sections"
    );
    let mut failures = Vec::new();
    let mut total = 0;
    for (name, cases) in tests {
        total += run(file, name.as_str().unwrap(), cases, &mut failures);
    }
    assert!(total >= min_cases, "{file}: only {total} cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn extract_yml() {
    run_file("extract.yml", 13, 238);
}

#[test]
fn tlds_yml() {
    run_file("tlds.yml", 2, 1574);
}
