//! Thread splitting: properties over generated captions, and the pinned cases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

#[path = "common/at_sign_words.rs"]
mod at_sign_words;

use proptest::prelude::*;
use xpost_transform::thread::{PermalinkPlacement, ThreadOptions, split};
use xpost_transform::{Config, EntityKind, TransformError, extract, parse_tweet};

const LINK: &str = "https://www.instagram.com/p/Cabc123/";

const TOKENS: &[&str] = &[
    "the",
    "Quick",
    "brown",
    "fox",
    "jumps",
    "über",
    "日本語",
    "한국어",
    "😀",
    "👨‍👩‍👧‍👦",
    "🇯🇵",
    "👍🏽",
    "🧑‍💻",
    "e\u{301}",
    "https://example.com/path?q=1",
    "example.com",
    "foo.comxyz",
    "@user_1",
    "@jane.doe",
    "#tag",
    "#日本",
    "$AAPL",
    "me@example.com",
    ".",
    ". ",
    "! ",
    "\n",
    "\n\n",
    "  ",
    "\u{3000}",
    "\u{FEFF}",
    "\u{2800}",
    "1/2",
];

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::sample::select(TOKENS).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ]
}

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

fn placement() -> impl Strategy<Value = PermalinkPlacement> {
    prop_oneof![
        Just(PermalinkPlacement::First),
        Just(PermalinkPlacement::Last),
        Just(PermalinkPlacement::None),
    ]
}

fn entity_set(text: &str) -> HashSet<(EntityKind, String)> {
    extract::entities(text)
        .into_iter()
        .map(|e| (e.kind, e.text_in(text).to_owned()))
        .collect()
}

fn with_max(budget: usize) -> Config {
    let mut config = Config::v3().clone();
    config.max_weighted_tweet_length = u32::try_from(budget).unwrap();
    config
}

fn no_space(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The caption text of a part: the part without its numbering and permalink.
fn body(part: &str, i: usize, n: usize, numbered: bool) -> &str {
    let mut body = part;
    if numbered {
        body = body
            .strip_suffix(&format!(" {}/{n}", i + 1))
            .unwrap_or_else(|| panic!("numbering of {part:?}"));
    }
    if let Some(rest) = body.strip_suffix(LINK) {
        body = rest.strip_suffix(' ').unwrap_or(rest);
    }
    body
}

/// Splits `caption` with the permalink and checks every promise of
/// [`split`]: valid parts within the budget, no entity the caption lacks, the
/// caption whole and in order, no entity torn, numbering and the permalink
/// where they belong.
fn check_split(
    caption: &str,
    budget: usize,
    numbering: bool,
    placement: PermalinkPlacement,
) -> Result<(), TestCaseError> {
    let options = ThreadOptions::default()
        .budget(budget)
        .numbering(numbering)
        .permalink(placement);
    let cleaned: String = caption
        .chars()
        .filter(|c| !matches!(c, '\u{FFFE}' | '\u{FEFF}' | '\u{FFFF}'))
        .collect();
    let parts = match split(caption, Some(LINK), &options) {
        Err(TransformError::EmptyText) => {
            prop_assert!(cleaned.trim().is_empty() && placement == PermalinkPlacement::None);
            return Ok(());
        }
        other => other.unwrap(),
    };
    let n = parts.len();
    prop_assert!(n >= 1);
    let numbered = numbering && n > 1;
    let config = with_max(budget);
    let mut allowed = entity_set(&cleaned);
    allowed.extend(entity_set(LINK));

    let mut rebuilt = String::new();
    let mut position = 0;
    let mut split_points = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let parsed = parse_tweet(part, &config);
        prop_assert!(parsed.valid, "part {} invalid: {:?}", i, part);
        prop_assert!(parsed.weighted_length <= budget);
        for entity in entity_set(part) {
            prop_assert!(
                allowed.contains(&entity),
                "new entity {:?} in {:?}",
                entity,
                part
            );
        }
        let text = body(part, i, n, numbered);
        rebuilt.push_str(text);
        if !text.is_empty() {
            let found = cleaned[position..].find(text).map(|at| at + position);
            prop_assert!(found.is_some(), "{:?} not found in order", text);
            let at = found.unwrap_or(0);
            prop_assert!(cleaned[position..at].trim().is_empty());
            split_points.push(at);
            position = at + text.len();
            split_points.push(position);
        }
    }
    prop_assert_eq!(no_space(&rebuilt), no_space(&cleaned));
    for e in extract::entities(&cleaned) {
        for &at in &split_points {
            prop_assert!(
                !(e.range.start < at && at < e.range.end),
                "entity {:?} split at {}",
                e,
                at
            );
        }
    }
    let links = parts.iter().filter(|p| p.contains(LINK)).count();
    match placement {
        PermalinkPlacement::None => prop_assert_eq!(links, 0),
        PermalinkPlacement::First => prop_assert!(parts[0].contains(LINK)),
        PermalinkPlacement::Last => prop_assert!(parts[n - 1].contains(LINK)),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn parts_are_valid_complete_and_keep_entities_whole(
        caption in caption(),
        budget in prop_oneof![4 => 60usize..400, 1 => 400usize..3_000],
        numbering in any::<bool>(),
        placement in placement(),
    ) {
        check_split(&caption, budget, numbering, placement)?;
    }
}

fn options(budget: usize) -> ThreadOptions {
    ThreadOptions::default()
        .budget(budget)
        .permalink(PermalinkPlacement::None)
}

#[test]
fn a_short_caption_is_one_unnumbered_part() {
    let parts = split(" Hi there. ", None, &options(280).numbering(true)).unwrap();
    assert_eq!(parts, vec!["Hi there.".to_owned()]);
}

#[test]
fn parts_end_at_sentences_then_words() {
    let caption = "First short sentence. Second sentence is a bit longer than that one.";
    let parts = split(caption, None, &options(40)).unwrap();
    assert_eq!(
        parts,
        vec![
            "First short sentence.".to_owned(),
            "Second sentence is a bit longer than".to_owned(),
            "that one.".to_owned(),
        ]
    );
}

#[test]
fn numbering_grows_from_one_digit_to_two() {
    let sentence = format!("{}.", "a".repeat(19));
    let nine = vec![sentence.clone(); 9].join(" ");
    let parts = split(&nine, None, &options(26).numbering(true)).unwrap();
    assert_eq!(parts.len(), 9);
    assert_eq!(parts[0], format!("{sentence} 1/9"));
    assert_eq!(parts[8], format!("{sentence} 9/9"));

    let ten = vec![sentence.clone(); 10].join(" ");
    let parts = split(&ten, None, &options(26).numbering(true)).unwrap();
    assert_eq!(parts.len(), 10);
    assert_eq!(parts[0], format!("{sentence} 1/10"));
    assert_eq!(parts[9], format!("{sentence} 10/10"));

    // With one character less per part, " 10/10" no longer fits beside a sentence:
    // sentences are cut, there are more parts, and all carry the same count.
    let parts = split(&ten, None, &options(24).numbering(true)).unwrap();
    let n = parts.len();
    assert!(n > 10, "{n}");
    for (i, part) in parts.iter().enumerate() {
        assert!(part.ends_with(&format!(" {}/{n}", i + 1)), "{part:?}");
        assert!(parse_tweet(part, Config::v3()).weighted_length <= 24);
    }
}

#[test]
fn a_url_is_never_split() {
    let caption = format!(
        "{} https://example.com/some/long/path tail",
        "word ".repeat(50)
    );
    let parts = split(&caption, None, &options(270)).unwrap();
    assert!(parts.len() >= 2);
    assert!(
        parts
            .iter()
            .any(|p| p.contains("https://example.com/some/long/path"))
    );
    assert_eq!(
        split("https://example.com/x", None, &options(10)),
        Err(TransformError::PartTooLong {
            needed: 23,
            budget: 10
        })
    );
}

#[test]
fn the_permalink_goes_first_last_or_alone() {
    let caption = "one two three four five six seven eight nine ten";
    let first = split(
        caption,
        Some(LINK),
        &options(40).permalink(PermalinkPlacement::First),
    )
    .unwrap();
    assert!(first[0].ends_with(&format!(" {LINK}")), "{first:?}");
    let last = split(
        caption,
        Some(LINK),
        &options(40).permalink(PermalinkPlacement::Last),
    )
    .unwrap();
    assert!(last.last().unwrap().ends_with(LINK), "{last:?}");
    // A budget that holds the link but not the link and a word: it stands alone.
    let alone = split(
        "lengthyword",
        Some(LINK),
        &options(25).permalink(PermalinkPlacement::Last),
    )
    .unwrap();
    assert_eq!(alone, vec!["lengthyword".to_owned(), LINK.to_owned()]);
    let only_link = split(
        "",
        Some(LINK),
        &options(280).permalink(PermalinkPlacement::Last),
    )
    .unwrap();
    assert_eq!(only_link, vec![LINK.to_owned()]);
}

#[test]
fn empty_input_and_bad_budget_are_errors() {
    assert_eq!(
        split("   ", None, &options(280)),
        Err(TransformError::EmptyText)
    );
    assert_eq!(
        split("x", None, &options(0)),
        Err(TransformError::BadBudget(0))
    );
    assert_eq!(
        split(
            "x",
            Some("https://a.example/\u{FEFF}"),
            &options(280).permalink(PermalinkPlacement::Last)
        ),
        Err(TransformError::InvalidCharacter(0xFEFF))
    );
}

#[test]
fn a_long_post_budget_keeps_one_part() {
    let caption = "Lorem ipsum dolor sit amet. ".repeat(800);
    let parts = split(&caption, Some(LINK), &options(25_000).numbering(true)).unwrap();
    assert_eq!(parts.len(), 1);
    assert!(parse_tweet(&parts[0], &with_max(25_000)).valid);
    let parts = split(&caption, None, &options(280).numbering(true)).unwrap();
    assert!(parts.len() > 80);
    let n = parts.len();
    assert!(parts[n - 1].ends_with(&format!(" {n}/{n}")));
}

#[test]
fn a_neutralised_mention_or_an_email_address_stays_in_one_part() {
    let caption = at_sign_words::caption();
    for budget in 30..60 {
        let parts = split(&caption, None, &options(budget)).unwrap();
        for word in at_sign_words::WORDS {
            assert!(
                parts.iter().any(|p| p.contains(word)),
                "{budget}: {word:?} torn in {parts:?}"
            );
        }
        for part in &parts {
            assert!(!part.ends_with(['@', '\u{2060}']), "{budget}: {parts:?}");
        }
    }
}

#[test]
fn a_part_never_ends_on_an_opening_bracket_or_quote() {
    let caption = "She said: “look (there, at the sea; «so blue» [really]) and ‘wow’, then left.";
    for budget in 8..40 {
        let parts = split(caption, None, &options(budget)).unwrap();
        for part in &parts {
            assert!(
                !part.ends_with(['(', '[', '“', '«', '‘']),
                "{budget}: {parts:?}"
            );
        }
        assert_eq!(no_space(&parts.concat()), no_space(caption));
    }
    assert_eq!(
        split("one two (three four five)", None, &options(12)).unwrap(),
        vec![
            "one two".to_owned(),
            "(three four".to_owned(),
            "five)".to_owned()
        ]
    );
}

#[test]
fn a_part_ends_earlier_when_the_next_would_read_a_link_differently() {
    // After U+202E RIGHT-TO-LEFT OVERRIDE, `über.fox` is the link `über.fox`;
    // at the very start of a post it is `ber.fox`, which the caption does
    // not have. The greedy first part ends after the override (there is no
    // word boundary around it to prefer), so it has to give it back.
    let caption = "aaaaaaaaaa\u{202e}über.fox";
    assert_eq!(
        split(caption, None, &options(30)).unwrap(),
        vec!["aaaaaaaaaa".to_owned(), "\u{202e}über.fox".to_owned()]
    );
    check_split(caption, 30, false, PermalinkPlacement::None).unwrap();
}

#[test]
fn a_numbered_thread_with_the_permalink_first_gives_back_a_right_to_left_override() {
    // From the properties above: the greedy fourth part ended right after
    // the override before `überQuick.foo.comxyz` (the link `überQuick.foo`),
    // leaving a fifth part that could only start with the link `berQuick.foo`.
    let caption = "👨\u{200d}👩\u{200d}👧\u{200d}👦 👨\u{200d}👩\u{200d}👧\u{200d}👦⠀ 한국어\n@jane.doe e\u{301} \n über 🧑\u{200d}💻 https://example.com/path?q=1\u{feff} .  1/2 über 👨\u{200d}👩\u{200d}👧\u{200d}👦 https://example.com/path?q=11/2 \n\n !  jumps foo.comxyzme@example.com\u{feff} brown \u{202e}überQuick.foo.comxyz the .👍🏽 \u{feff}한국어 \u{3000} \n\n#tag. \r 🧑\u{200d}💻 👍🏽 1/2*brown \u{202e} https://example.com/path?q=1 日本語 @user_1 👍🏽 #tag🧑\u{200d}💻 über ⠀    \u{b086b} `\u{c12b8}Quick .  me@example.comme@example.com the Quick \u{7f1c2} 1/2 e\u{301} $AAPL .  über @user_1 e\u{301}日本語   😀 \u{feff} 1/2 😀   한국어 🧑\u{200d}💻 🇯🇵 👍🏽 . . 🇯🇵 example.comѨ. me@example.com#tag =:x 😀 😀fox 👍🏽 !  jumps 👨\u{200d}👩\u{200d}👧\u{200d}👦😀👍🏽 #tag\n\n1/2 !  $AAPL    e\u{301} @user_1 \u{3000}über e\u{301} fox ⠀日本語\u{feff} \u{3363d} 👨\u{200d}👩\u{200d}👧\u{200d}👦 \nbrown日本語 foo.comxyz日本語 1/2 😀 🕴 fox #日本👍🏽 \u{96941} @jane.doe brown e\u{301}$AAPL\u{feff} me@example.com \u{3000} 🇯🇵\n\n fox #tagQuick fox $AAPL \u{feff}  \n\n \u{feff}@jane.doe 👍🏽 ⠀ 🧑\u{200d}💻 !  .  👨\u{200d}👩\u{200d}👧\u{200d}👦日本語\u{feff} ..#日本 über ⠀ 日本語 1/2\u{b} 👨\u{200d}👩\u{200d}👧\u{200d}👦 👍🏽Quick \n 👍🏽 brown .the日本語 jumps ? \u{c5412}e\u{301}\n Quick $ Quick fox$AAPL \u{3000} 1/2\n ⠀ #tag example.com https://example.com/path?q=1. 👍🏽 \u{feff}= #日本brown\u{1b} 👨\u{200d}👩\u{200d}👧\u{200d}👦 Quick#日本 🇯🇵 👍🏽 👍🏽 me@example.comﳳthe ¥e\u{301} the\u{1c577} 🇯🇵 the Quick @jane.doe 👨\u{200d}👩\u{200d}👧\u{200d}👦 한국어🇯🇵\tüber 👨\u{200d}👩\u{200d}👧\u{200d}👦 . \u{f7e66} ";
    check_split(caption, 66, true, PermalinkPlacement::First).unwrap();
}
