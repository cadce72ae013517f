//! Fitting: properties over generated captions, and the cases that pin its choices.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

#[path = "common/at_sign_words.rs"]
mod at_sign_words;

use proptest::prelude::*;
use xpost_transform::fit::{FitOptions, fit};
use xpost_transform::template::{Template, Vars};
use xpost_transform::{Config, EntityKind, TransformError, extract, parse_tweet};

const TOKENS: &[&str] = &[
    "the",
    "Quick",
    "brown",
    "fox",
    "jumps",
    "über",
    "naïve",
    "日本語",
    "한국어",
    "中文字",
    "😀",
    "👨‍👩‍👧‍👦",
    "🇯🇵",
    "👍🏽",
    "🧑‍💻",
    "✨️",
    "1️⃣",
    "e\u{301}",
    "a\u{308}\u{301}",
    "ก\u{e31}",
    "https://example.com/path?q=1",
    "http://t.co/abc",
    "example.com",
    "Booking.com/x",
    "foo.comxyz",
    "@user_1",
    "@jane.doe",
    "＠wide",
    "#tag",
    "#日本",
    "#a_b_c",
    "$AAPL",
    "$BTC",
    "me@example.com",
    ".",
    ". ",
    "! ",
    "? ",
    ",",
    "…",
    "\n",
    "\n\n",
    "  ",
    "\u{3000}",
    "(",
    ")",
    "\"",
    "'",
    "-",
    "\u{FEFF}",
    "\u{2060}",
    "\u{200D}",
    "\u{2800}",
];

/// One piece of a caption: a listed token or, now and then, any character.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::sample::select(TOKENS).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ]
}

/// Captions of up to ~2,500 characters, tokens mostly separated by spaces.
fn caption() -> impl Strategy<Value = String> {
    prop::collection::vec((token(), prop::bool::weighted(0.7)), 0..600).prop_map(|parts| {
        let mut out = String::new();
        for (t, space) in parts {
            out.push_str(&t);
            if space {
                out.push(' ');
            }
        }
        out
    })
}

const TEMPLATES: &[&str] = &[
    "{caption}",
    "{caption} {permalink}",
    "{caption}\n\n{permalink}",
    "{date} {username}: {caption} {hashtags}",
    "{{{caption}}} {permalink}",
];

fn entity_set(text: &str) -> HashSet<(EntityKind, String)> {
    extract::entities(text)
        .into_iter()
        .map(|e| (e.kind, e.text_in(text).to_owned()))
        .collect()
}

fn without_invalid(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{FFFE}' | '\u{FEFF}' | '\u{FFFF}'))
        .collect()
}

fn with_max(budget: usize) -> Config {
    let mut config = Config::v3().clone();
    config.max_weighted_tweet_length = u32::try_from(budget).unwrap();
    config
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn fitted_text_is_valid_within_budget_and_keeps_entities_whole(
        caption in caption(),
        template in proptest::sample::select(TEMPLATES),
        extra in prop_oneof![3 => 30usize..400, 1 => 400usize..30_000],
        append in prop::collection::vec(proptest::sample::select(&["tag", "Photo", "rust", "日本", "a_b_c"][..]), 0..4),
    ) {
        let template = Template::parse(template).unwrap();
        let tags = vec!["x".to_owned(), "#y".to_owned()];
        let vars = Vars::default()
            .caption(&caption)
            .permalink("https://www.instagram.com/p/Cabc123/")
            .username("someone")
            .hashtags(&tags)
            .date("2026-03-04");
        let bare = template.render(&vars.caption(""));
        let budget = parse_tweet(&bare, Config::v3()).weighted_length + extra;
        let options = FitOptions::default().budget(budget).append_hashtags(append.clone());
        let fitted = match fit(&template, &vars, &options) {
            Err(TransformError::EmptyText) => {
                let blank = without_invalid(&caption).trim().is_empty();
                prop_assert!(blank && template.source() == "{caption}", "{:?}", caption);
                return Ok(());
            }
            other => other.unwrap(),
        };

        let parsed = parse_tweet(&fitted.text, &with_max(budget));
        prop_assert!(parsed.valid, "invalid: {:?}", fitted.text);
        prop_assert_eq!(parsed.weighted_length, fitted.weighted_length);
        prop_assert!(fitted.weighted_length <= budget);
        if budget <= 280 {
            prop_assert!(parse_tweet(&fitted.text, Config::v3()).valid);
        }

        let cleaned = without_invalid(&caption);
        let mut whole = template.render(&vars.caption(&cleaned));
        for tag in &append {
            whole.push_str(" #");
            whole.push_str(tag);
        }
        let mut allowed = entity_set(&whole);
        allowed.extend(entity_set(&template.render(&vars.caption(&cleaned))));
        for entity in entity_set(&fitted.text) {
            prop_assert!(allowed.contains(&entity), "new entity {:?} in {:?}", entity, fitted.text);
        }

        // With the bare template the kept caption is a prefix, and no entity straddles its end.
        if template.source() == "{caption}" && fitted.truncated {
            let kept = fitted.text.strip_suffix('…').unwrap_or(&fitted.text);
            prop_assert!(cleaned.starts_with(kept), "{:?} is not a prefix", kept);
            let end = kept.len();
            for e in extract::entities(&cleaned) {
                prop_assert!(e.range.end <= end || e.range.start >= end, "entity {:?} cut", e);
            }
            prop_assert!(!kept.ends_with(char::is_whitespace));
        }
    }

    #[test]
    fn a_caption_that_fits_comes_back_unchanged(
        caption in caption(),
        template in proptest::sample::select(TEMPLATES),
        slack in 0usize..20,
    ) {
        let mut caption = without_invalid(&caption);
        if caption.trim().is_empty() {
            // Blanks alone are no caption.
            caption.clear();
        }
        let template = Template::parse(template).unwrap();
        let vars = Vars::default().caption(&caption).permalink("https://instagram.com/p/x");
        let rendered = template.render(&vars);
        let weight = parse_tweet(&rendered, Config::v3()).weighted_length;
        prop_assume!(weight > 0);
        let budget = weight + slack;
        let fitted = fit(&template, &vars, &FitOptions::default().budget(budget)).unwrap();
        prop_assert_eq!(&fitted.text, &rendered);
        prop_assert!(!fitted.truncated);
        prop_assert_eq!(fitted.weighted_length, weight);
    }
}

fn caption_only() -> Template {
    Template::parse("{caption}").unwrap()
}

fn fit_caption(caption: &str, budget: usize) -> String {
    fit(
        &caption_only(),
        &Vars::default().caption(caption),
        &FitOptions::default().budget(budget),
    )
    .unwrap()
    .text
}

#[test]
fn a_sentence_end_is_preferred_when_it_keeps_enough() {
    let caption = "This is the first sentence. And then more words follow here forever.";
    assert_eq!(fit_caption(caption, 35), "This is the first sentence.…");
}

#[test]
fn a_word_end_is_preferred_over_a_grapheme() {
    assert_eq!(fit_caption("alpha beta gamma delta", 15), "alpha beta…");
}

#[test]
fn a_single_long_word_is_cut_between_graphemes() {
    assert_eq!(fit_caption("abcdefghijklmnopqrstuvwxyz", 10), "abcdefgh…");
    // Combining marks stay with their base letter.
    let text = fit_caption(&"e\u{301}".repeat(20), 9);
    let kept = text.strip_suffix('…').unwrap();
    assert_eq!(kept, "e\u{301}".repeat(7));
}

#[test]
fn a_url_straddling_the_limit_is_dropped_whole() {
    let caption = format!("{} https://example.com/a/very/long/path", "x ".repeat(130));
    let text = fit_caption(&caption, 280);
    assert!(!text.contains("https"), "{text:?}");
    assert!(text.ends_with("x…"));
    assert!(parse_tweet(&text, Config::v3()).valid);
}

#[test]
fn a_cut_never_creates_an_entity() {
    // Prefixes of these are links or cashtags although the whole is neither.
    for caption in [
        "foo.comxyz",
        "$ABCDEFGH",
        "word foo.comxyz",
        "go $ABCDEFGH now",
    ] {
        assert!(extract::entities(caption).is_empty());
        for budget in 3..caption.len() {
            let text = fit_caption(caption, budget);
            assert!(extract::entities(&text).is_empty(), "{budget}: {text:?}");
            assert!(parse_tweet(&text, Config::v3()).weighted_length <= budget);
        }
    }
}

#[test]
fn mentions_hashtags_and_cashtags_are_never_cut() {
    for whole in ["@someone_long", "#hashtagging", "$GOOGL"] {
        let caption = format!("ab {whole}");
        for budget in 3..=whole.len() + 4 {
            let text = fit_caption(&caption, budget);
            let kept = text.strip_suffix('…').unwrap_or(&text);
            assert!(
                kept == "ab" || kept == caption || kept.len() <= 2,
                "{budget}: {text:?}"
            );
        }
    }
}

#[test]
fn appended_hashtags_are_deduplicated_and_dropped_from_the_end() {
    let options = FitOptions::default()
        .budget(25)
        .append_hashtags(["rust", "#code", "more", "CODE", "evenmore"]);
    let fitted = fit(
        &caption_only(),
        &Vars::default().caption("Hello #Rust"),
        &options,
    )
    .unwrap();
    assert_eq!(fitted.text, "Hello #Rust #code #more");
    assert_eq!(fitted.dropped_hashtags, vec!["evenmore".to_owned()]);
    assert!(!fitted.truncated);
    assert_eq!(fitted.weighted_length, 23);
}

#[test]
fn a_cut_caption_gets_no_appended_hashtags() {
    let options = FitOptions::default().budget(12).append_hashtags(["tag"]);
    let fitted = fit(
        &caption_only(),
        &Vars::default().caption("one two three four"),
        &options,
    )
    .unwrap();
    assert_eq!(fitted.text, "one two…");
    assert!(fitted.truncated);
    assert_eq!(fitted.dropped_hashtags, vec!["tag".to_owned()]);
}

#[test]
fn an_appended_hashtag_must_be_a_hashtag() {
    let options = FitOptions::default().append_hashtags(["two words"]);
    assert_eq!(
        fit(&caption_only(), &Vars::default().caption("x"), &options),
        Err(TransformError::BadHashtag("two words".into()))
    );
}

#[test]
fn a_template_too_long_is_a_typed_error() {
    let template = Template::parse(&format!("{{caption}} {}", "x".repeat(300))).unwrap();
    assert_eq!(
        fit(
            &template,
            &Vars::default().caption("hi"),
            &FitOptions::default()
        ),
        Err(TransformError::TemplateTooLong {
            needed: 301,
            budget: 280
        })
    );
    assert_eq!(
        fit(
            &caption_only(),
            &Vars::default(),
            &FitOptions::default().budget(0)
        ),
        Err(TransformError::BadBudget(0))
    );
    assert_eq!(
        fit(&caption_only(), &Vars::default(), &FitOptions::default()),
        Err(TransformError::EmptyText)
    );
}

#[test]
fn the_template_keeps_its_permalink_while_the_caption_shrinks() {
    let template = Template::parse("{caption}\n{permalink}").unwrap();
    let caption = "word ".repeat(100);
    let vars = Vars::default()
        .caption(&caption)
        .permalink("https://www.instagram.com/p/Cabc/");
    let fitted = fit(&template, &vars, &FitOptions::default()).unwrap();
    assert!(fitted.truncated);
    assert!(
        fitted
            .text
            .ends_with("word…\nhttps://www.instagram.com/p/Cabc/")
    );
    assert!(fitted.weighted_length <= 280);
    assert!(fitted.weighted_length >= 270, "{}", fitted.weighted_length);
}

#[test]
fn a_long_post_budget_is_honoured() {
    let caption = "Lorem ipsum dolor sit amet. ".repeat(1200);
    let fitted = fit(
        &caption_only(),
        &Vars::default().caption(&caption),
        &FitOptions::default().budget(25_000),
    )
    .unwrap();
    assert!(fitted.truncated);
    assert!(fitted.weighted_length <= 25_000);
    assert!(
        fitted.weighted_length > 24_900,
        "{}",
        fitted.weighted_length
    );
    assert!(fitted.text.ends_with("amet.…"));
    assert!(!parse_tweet(&fitted.text, Config::v3()).valid);
}

#[test]
fn rejected_characters_are_removed_from_the_caption_only() {
    assert_eq!(fit_caption("a\u{FEFF}b\u{FFFE}", 280), "ab");
    let template = Template::parse("{caption}\u{FFFF}").unwrap();
    assert_eq!(
        fit(
            &template,
            &Vars::default().caption("x"),
            &FitOptions::default()
        ),
        Err(TransformError::InvalidCharacter(0xFFFF))
    );
}

#[test]
fn the_ellipsis_and_config_are_options() {
    let options = FitOptions::default()
        .budget(10)
        .ellipsis("...")
        .config(Config::v1());
    let fitted = fit(
        &caption_only(),
        &Vars::default().caption("日本語のキャプションです"),
        &options,
    )
    .unwrap();
    // Katakana runs are one word: the cut goes before the whole run.
    assert_eq!(fitted.text, "日本語の...");
    assert_eq!(fitted.weighted_length, 7);
}

#[test]
fn a_neutralised_mention_or_an_email_address_is_never_cut_into() {
    let caption = at_sign_words::caption();
    for budget in 3..parse_tweet(&caption, Config::v3()).weighted_length {
        let text = fit_caption(&caption, budget);
        let kept = text.strip_suffix('…').unwrap_or(&text);
        assert!(caption.starts_with(kept), "{budget}: {text:?}");
        assert!(!kept.ends_with(['@', '\u{2060}']), "{budget}: {text:?}");
        for word in at_sign_words::WORDS {
            let at = caption.find(word).unwrap();
            assert!(
                kept.len() <= at || kept.len() >= at + word.len(),
                "{budget}: {text:?} cuts into {word:?}"
            );
        }
    }
}

#[test]
fn a_cut_never_ends_on_an_opening_mark_or_a_pause() {
    let caption = "She said: “look (there, at the sea; «so blue» [really]) and ‘wow’, then left.";
    for budget in 3..parse_tweet(caption, Config::v3()).weighted_length {
        let text = fit_caption(caption, budget);
        let kept = text.strip_suffix('…').unwrap_or(&text);
        assert!(caption.starts_with(kept), "{budget}: {text:?}");
        assert!(
            !kept.ends_with([',', ':', ';', '(', '[', '“', '«', '‘', ' ']),
            "{budget}: {text:?}"
        );
    }
    assert_eq!(fit_caption("one two, three four", 10), "one two…");
    assert_eq!(fit_caption("He said: \"no way out\"", 12), "He said…");
}

#[test]
fn an_ellipsis_with_an_entity_is_a_clear_error() {
    for ellipsis in [
        " #more",
        "… example.com",
        " @me",
        " $AAPL",
        "…https://t.co/x",
    ] {
        let options = FitOptions::default().budget(10).ellipsis(ellipsis);
        let result = fit(
            &caption_only(),
            &Vars::default().caption("one two three four five"),
            &options,
        );
        assert_eq!(result, Err(TransformError::BadEllipsis(ellipsis.into())));
    }
    let options = FitOptions::default().budget(15).ellipsis(" (more)");
    let fitted = fit(
        &caption_only(),
        &Vars::default().caption("one two three four five"),
        &options,
    )
    .unwrap();
    assert_eq!(fitted.text, "one two (more)");
}

#[test]
fn a_hashtags_variable_with_other_entities_is_a_clear_error() {
    let template = Template::parse("{caption} {hashtags}").unwrap();
    for bad in ["a.com", "x@bob", "https://example.com", "tag $AAPL"] {
        let tags = vec!["fine".to_owned(), bad.to_owned()];
        let vars = Vars::default().caption("hi").hashtags(&tags);
        assert_eq!(
            fit(&template, &vars, &FitOptions::default()),
            Err(TransformError::BadHashtag(bad.into()))
        );
    }
    let tags = vec!["#fine".to_owned(), " ".to_owned(), "日本".to_owned()];
    let vars = Vars::default().caption("hi").hashtags(&tags);
    let fitted = fit(&template, &vars, &FitOptions::default()).unwrap();
    assert_eq!(fitted.text, "hi #fine #日本");
}

#[test]
fn a_blank_caption_is_nothing_to_post() {
    for blank in [" ", " \n\u{3000}\t ", "\u{FEFF} \u{FEFF}"] {
        assert_eq!(
            fit(
                &caption_only(),
                &Vars::default().caption(blank),
                &FitOptions::default()
            ),
            Err(TransformError::EmptyText),
            "{blank:?}"
        );
        let template = Template::parse("{caption} {permalink}").unwrap();
        let vars = Vars::default()
            .caption(blank)
            .permalink("https://www.instagram.com/p/Cabc/");
        let fitted = fit(&template, &vars, &FitOptions::default()).unwrap();
        assert_eq!(fitted.text, " https://www.instagram.com/p/Cabc/");
    }
}

#[test]
fn a_budget_too_small_for_the_ellipsis_says_so() {
    let options = FitOptions::default().budget(5).ellipsis(" [continued]");
    let result = fit(
        &caption_only(),
        &Vars::default().caption("a long caption"),
        &options,
    );
    assert_eq!(
        result,
        Err(TransformError::CutTooLong {
            needed: 13,
            budget: 5
        })
    );
    let message = result.unwrap_err().to_string();
    assert!(message.contains("ellipsis"), "{message}");
    assert!(!message.contains("template alone"), "{message}");
}
