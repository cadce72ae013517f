//! `xpost preview` of a caption, as read from stdin.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use xpost_cli::commands::preview::{MAX_WEIGHTED_LENGTH, caption_post, preview};
use xpost_policy::{Context, PolicyConfig};
use xpost_transform::{Config, weighted_length};

fn now() -> Timestamp {
    "2025-07-01T12:00:00Z".parse().unwrap()
}

#[test]
fn a_short_caption_is_one_post_with_its_weighted_length() {
    let post = caption_post("Sunset at the pier 🌅 #summer", now()).unwrap();
    let shown = preview(
        &PolicyConfig::default(),
        "default",
        &post,
        &Context::default(),
        now(),
    )
    .unwrap();
    assert_eq!(shown.tweets.len(), 1, "{shown:#?}");
    let tweet = &shown.tweets[0];
    assert!(tweet.text.contains("Sunset at the pier"), "{tweet:?}");
    assert_eq!(
        tweet.weighted_length,
        weighted_length(&tweet.text, Config::v3())
    );
    // The emoji weighs 2, as X counts it.
    assert_eq!(tweet.weighted_length, tweet.text.chars().count() + 1);
    assert_eq!(tweet.media, vec![0]);
    assert!(!shown.explanation.trace.is_empty());

    let json = serde_json::to_value(&shown).unwrap();
    assert_eq!(json["tweets"][0]["weighted_length"], tweet.weighted_length);
    assert_eq!(json["link"], "default");
}

#[test]
fn a_long_caption_in_thread_mode_is_several_posts_each_within_280() {
    let settings = PolicyConfig::from_toml_str(
        "[defaults.text]\nthread = true\nmax_thread_posts = 12\n",
        "test.toml",
    )
    .unwrap();
    let mut caption = String::new();
    let mut n = 0;
    while caption.chars().count() < 2_000 {
        n += 1;
        caption.push_str(&format!("Sentence number {n} about the long walk home. "));
    }
    let caption: String = caption.chars().take(2_000).collect();
    let post = caption_post(&caption, now()).unwrap();
    let shown = preview(&settings, "default", &post, &Context::default(), now()).unwrap();
    assert!(shown.tweets.len() >= 8, "{shown:#?}");
    for tweet in &shown.tweets {
        assert!(tweet.weighted_length <= MAX_WEIGHTED_LENGTH, "{tweet:?}");
        assert_eq!(
            tweet.weighted_length,
            weighted_length(&tweet.text, Config::v3())
        );
    }
}

#[test]
fn an_opted_out_caption_makes_no_post_and_says_which_rule() {
    let post = caption_post("Private one #noxpost", now()).unwrap();
    let shown = preview(
        &PolicyConfig::default(),
        "default",
        &post,
        &Context::default(),
        now(),
    )
    .unwrap();
    assert!(shown.tweets.is_empty());
    assert_eq!(shown.explanation.rule.to_string(), "filters.opt_out_tag");
}
