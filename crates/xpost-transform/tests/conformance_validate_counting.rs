//! The counting sections of the official conformance file `validate.yml`:
//! `tweets` (`isValidTweetText` under config v1), `WeightedTweetsCounterTest`
//! (`parseTweet`, v2), `WeightedTweetsWithDiscountedEmojiCounterTest`
//! (`parseTweet`, v3) and `UnicodeDirectionalMarkerCounterTest` (the default,
//! v3). Every case and every expected field is checked; the official
//! JavaScript library agrees with the file on all of them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde::Deserialize;
use std::collections::BTreeMap;
use xpost_transform::{Config, ParsedTweet, is_valid_tweet_text, parse_tweet};

#[derive(Deserialize)]
struct File {
    tests: BTreeMap<String, Vec<Case>>,
}

#[derive(Deserialize)]
struct Case {
    description: String,
    text: String,
    expected: serde_yaml_ng::Value,
}

fn sections() -> BTreeMap<String, Vec<Case>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/conformance/validate.yml"
    );
    let yaml = std::fs::read_to_string(path).unwrap();
    serde_yaml_ng::from_str::<File>(&yaml).unwrap().tests
}

fn field(parsed: &ParsedTweet, name: &str) -> serde_yaml_ng::Value {
    use serde_yaml_ng::Value;
    let n = |v: usize| Value::Number((v as u64).into());
    match name {
        "weightedLength" => n(parsed.weighted_length),
        "valid" => Value::Bool(parsed.valid),
        "permillage" => n(parsed.permillage),
        "displayRangeStart" => n(parsed.display_range.0),
        "displayRangeEnd" => n(parsed.display_range.1),
        "validRangeStart" => n(parsed.valid_range.0),
        "validRangeEnd" => n(parsed.valid_range.1),
        other => panic!("unknown expected field {other}"),
    }
}

/// Checks every case of a `parseTweet` section and returns how many fields were compared.
fn check_parse_section(all: &BTreeMap<String, Vec<Case>>, section: &str, config: &Config) -> usize {
    let cases = all
        .get(section)
        .unwrap_or_else(|| panic!("section {section} missing"));
    assert!(!cases.is_empty(), "section {section} is empty");
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in cases {
        let parsed = parse_tweet(&case.text, config);
        let expected = case.expected.as_mapping().unwrap();
        assert_eq!(
            expected.len(),
            7,
            "{section} / {}: expected fields",
            case.description
        );
        for (name, want) in expected {
            let name = name.as_str().unwrap();
            let got = field(&parsed, name);
            compared += 1;
            if &got != want {
                failures.push(format!(
                    "{section} / {}: {name} expected {want:?}, got {got:?}",
                    case.description
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    compared
}

#[test]
fn tweets_is_valid_tweet_text_under_v1() {
    let all = sections();
    let cases = &all["tweets"];
    assert_eq!(cases.len(), 8);
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let want = case.expected.as_bool().unwrap();
            let got = is_valid_tweet_text(&case.text, Config::v1());
            (got != want)
                .then(|| format!("tweets / {}: expected {want}, got {got}", case.description))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn weighted_tweets_counter_under_v2() {
    let compared = check_parse_section(&sections(), "WeightedTweetsCounterTest", Config::v2());
    assert_eq!(compared, 20 * 7);
}

#[test]
fn weighted_tweets_with_discounted_emoji_under_v3() {
    let compared = check_parse_section(
        &sections(),
        "WeightedTweetsWithDiscountedEmojiCounterTest",
        Config::v3(),
    );
    assert_eq!(compared, 22 * 7);
}

#[test]
fn unicode_directional_markers_under_the_default_config() {
    let compared = check_parse_section(
        &sections(),
        "UnicodeDirectionalMarkerCounterTest",
        &Config::default(),
    );
    assert_eq!(compared, 2 * 7);
}
