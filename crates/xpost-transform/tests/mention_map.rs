//! Mention mapping: mapped handles become X mentions, all others become inert.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use proptest::prelude::*;
use xpost_transform::mention_map::MentionMap;
use xpost_transform::{EntityKind, TransformError, extract};

/// The mentions X makes live: as `extract::entities` reads them, so an `@`
/// inside a link is part of the link.
fn screen_names(text: &str) -> Vec<String> {
    extract::entities(text)
        .iter()
        .filter(|e| e.kind == EntityKind::Mention)
        .map(|m| m.value_in(text).to_owned())
        .collect()
}

fn visible(text: &str) -> String {
    text.replace('\u{2060}', "")
}

const HANDLES: &[&str] = &[
    "john",
    "john.doe",
    "shop.co",
    "example.com",
    "bbc.co.uk",
    "my.shop.io",
    "a_b",
    "x",
    "_u",
    "abc123",
    "rt",
    "john_doe.official",
    "a1.b2.c3",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

const CONTEXTS: &[(&str, &str)] = &[
    ("", ""),
    ("hi ", " there"),
    ("(", ")"),
    ("RT ", ":"),
    (".", ""),
    ("", "'s"),
    ("\n", "!"),
    ("photo by ", ". Thanks"),
    ("#tag ", " $AAPL"),
    ("日本", "さん"),
    ("", "/path"),
];

#[test]
fn unmapped_handles_are_never_x_mentions_and_stay_readable() {
    let map = MentionMap::new();
    for handle in HANDLES {
        for (before, after) in CONTEXTS {
            let text = format!("{before}@{handle}{after}");
            let out = map.apply(&text);
            assert!(screen_names(&out).is_empty(), "{text:?} -> {out:?}");
            assert_eq!(visible(&out), text);
            // The rewriting does not turn the handle into a link either.
            assert!(
                extract::urls(&out).len() <= extract::urls(&text).len(),
                "{text:?} -> {out:?}: {:?}",
                extract::urls(&out)
            );
        }
    }
}

#[test]
fn the_joiner_follows_the_at_sign() {
    let map = MentionMap::new();
    assert_eq!(map.apply("by @bob."), "by @\u{2060}bob.");
    assert_eq!(map.apply("@jane.doe"), "@\u{2060}jane.doe");
    // A handle that reads as a domain gets joiners after its dots as well.
    assert_eq!(map.apply("@shop.co"), "@\u{2060}shop.\u{2060}co");
}

#[test]
fn mapped_handles_become_x_mentions() {
    let map = MentionMap::from_pairs([("jane.doe", "@JaneOnX"), ("Bob_1", "bob")]).unwrap();
    let out = map.apply("With @Jane.Doe, @bob_1 and @carol. Mail me@example.com");
    assert_eq!(
        out,
        "With @JaneOnX, @bob and @\u{2060}carol. Mail me@example.com"
    );
    assert_eq!(screen_names(&out), vec!["JaneOnX", "bob"]);
}

#[test]
fn email_addresses_are_left_alone() {
    let map = MentionMap::from_pairs([("example.com", "nope")]).unwrap();
    for text in [
        "write to me@example.com",
        "a_b@example.com",
        "x.y@example.com",
    ] {
        assert_eq!(map.apply(text), text);
    }
}

#[test]
fn other_mentions_x_would_see_are_neutralised() {
    let map = MentionMap::from_pairs([("wide", "wide_x")]).unwrap();
    for text in [
        "＠wide",
        "rt:@u",
        "RT@v",
        "é@t",
        "a.@x",
        "@@y",
        "@é@z",
        "＠x/list",
        "rt:@u/l",
    ] {
        let out = map.apply(text);
        assert!(screen_names(&out).is_empty(), "{text:?} -> {out:?}");
        assert_eq!(visible(&out), text);
    }
}

#[test]
fn maps_build_from_a_hash_map_and_validate() {
    let mut pairs = HashMap::new();
    pairs.insert("ig.name".to_owned(), "x_name".to_owned());
    let map = MentionMap::try_from(pairs).unwrap();
    assert_eq!(map.get("IG.Name"), Some("x_name"));

    let mut bad = HashMap::new();
    bad.insert("ig".to_owned(), "has space".to_owned());
    assert_eq!(
        MentionMap::try_from(bad),
        Err(TransformError::BadHandle("has space".into()))
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn only_mapped_handles_remain_mentions(
        pieces in prop::collection::vec(
            prop_oneof![
                proptest::sample::select(HANDLES).prop_map(|h| format!("@{h}")),
                proptest::sample::select(&["@mapped", "@Mapped.One", "＠x", " ", ".", "é", "a", "_", "@", "\n", "rt:", "me@example.com", "https://www.tiktok.com/@mapped/video/1", "medium.com/@john.doe", "/"][..]).prop_map(str::to_owned),
                any::<char>().prop_map(String::from),
            ],
            0..40,
        )
    ) {
        let text = pieces.concat();
        let map = MentionMap::from_pairs([("mapped", "target_a"), ("mapped.one", "target_b")]).unwrap();
        let out = map.apply(&text);
        for name in screen_names(&out) {
            prop_assert!(name == "target_a" || name == "target_b", "{:?} -> {:?}", text, out);
        }
        let unmapped = MentionMap::new().apply(&text);
        prop_assert!(screen_names(&unmapped).is_empty(), "{:?} -> {:?}", text, unmapped);
        prop_assert_eq!(visible(&unmapped), text.replace('\u{2060}', ""));
    }
}

#[test]
fn an_at_sign_inside_a_link_belongs_to_the_link() {
    let map = MentionMap::from_pairs([("name", "mapped")]).unwrap();
    for link in [
        "https://www.tiktok.com/@name/video/7312345678901234567",
        "https://medium.com/@name/a-story-1a2b3c",
        "https://www.youtube.com/@name",
        "https://www.threads.net/@name/post/C0ffee",
        "medium.com/@name",
        "youtube.com/@name.official/videos",
    ] {
        for text in [
            link.to_owned(),
            format!("See {link} and @name."),
            format!("({link}) by @other"),
        ] {
            let out = MentionMap::new().apply(&text);
            assert!(out.contains(link), "{text:?} -> {out:?}");
            assert!(screen_names(&out).is_empty(), "{text:?} -> {out:?}");
            let out = map.apply(&text);
            assert!(out.contains(link), "{text:?} -> {out:?}");
            assert_eq!(
                extract::urls(&out)
                    .iter()
                    .map(|u| u.value_in(&out))
                    .collect::<Vec<_>>(),
                vec![link],
            );
        }
    }
    assert_eq!(
        map.apply("See https://www.threads.net/@name and @name"),
        "See https://www.threads.net/@name and @mapped"
    );
}

#[test]
fn template_variables_follow_the_mention_rule() {
    use xpost_transform::fit::{FitOptions, fit};
    use xpost_transform::template::{Template, Vars};

    let template =
        Template::parse("{caption} by @{username} on {date} {hashtags} via @xpost {permalink}")
            .unwrap();
    let tags = vec!["sea".to_owned()];
    let caption = "With @JaneOnX";
    let vars = Vars::default()
        .caption(caption)
        .username("anna.k")
        .date("2026-01-02 @home")
        .hashtags(&tags)
        .permalink("https://www.threads.net/@anna.k/post/C0ffee");
    // Unmapped: the username and the handle in the date are inert; the
    // caption (the caller's) and the template's own mention stay.
    let text = template.render(&vars);
    assert_eq!(
        text,
        "With @JaneOnX by @\u{2060}anna.k on 2026-01-02 @\u{2060}home #sea via @xpost https://www.threads.net/@anna.k/post/C0ffee"
    );
    assert_eq!(screen_names(&text), vec!["JaneOnX", "xpost"]);
    let fitted = fit(&template, &vars, &FitOptions::default()).unwrap();
    assert_eq!(fitted.text, text);

    // Mapped: the username becomes its X handle.
    let map = MentionMap::from_pairs([("anna.k", "AnnaOnX")]).unwrap();
    let text = template.render(&vars.mentions(&map));
    assert_eq!(screen_names(&text), vec!["JaneOnX", "AnnaOnX", "xpost"]);
    assert!(text.contains("by @AnnaOnX on"), "{text:?}");

    // Full-width and `rt:` forms are caught too.
    let odd = Template::parse("{caption} ＠{username} rt:@{date}").unwrap();
    let text = odd.render(&Vars::default().caption("x").username("bob").date("carol"));
    assert!(screen_names(&text).is_empty(), "{text:?}");
    assert_eq!(visible(&text), "x ＠bob rt:@carol");
}

#[test]
fn a_thread_permalink_follows_the_mention_rule() {
    use xpost_transform::thread::{ThreadOptions, split};
    let parts = split("Hello", Some("@anna.k"), &ThreadOptions::default()).unwrap();
    assert!(screen_names(&parts.concat()).is_empty(), "{parts:?}");
    let link = "https://www.threads.net/@anna.k/post/C0ffee";
    let parts = split("Hello", Some(link), &ThreadOptions::default()).unwrap();
    assert_eq!(parts, vec![format!("Hello {link}")]);
}
