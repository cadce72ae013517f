//! Unit tests for the rules the conformance files do not pin down.

use super::*;

/// (value, indices) pairs of `entities`.
fn pairs<'t>(text: &'t str, entities: &[Entity]) -> Vec<(&'t str, (usize, usize))> {
    entities
        .iter()
        .map(|e| (e.value_in(text), e.indices))
        .collect()
}

#[test]
fn url_at_text_start_prefers_the_start_after_the_first_character() {
    // The regex first consumes "ë" as the preceding character.
    let t = "ëxample.com";
    assert_eq!(pairs(t, &urls(t)), [("xample.com", (1, 11))]);
    let t = "x ëxample.com";
    assert_eq!(pairs(t, &urls(t)), [("ëxample.com", (2, 13))]);
}

#[test]
fn scheme_less_urls_keep_port_only_with_a_path() {
    let t = "example.com?x=1 example.com:80 example.com:80/x";
    assert_eq!(
        pairs(t, &urls(t)),
        [
            ("example.com", (0, 11)),
            ("example.com", (16, 27)),
            ("example.com:80/x", (31, 47))
        ]
    );
}

#[test]
fn mention_names_are_cut_at_twenty() {
    let t = "@aaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    assert_eq!(pairs(t, &mentions(t)), [("aaaaaaaaaaaaaaaaaaaa", (0, 21))]);
}

#[test]
fn cashtags_backtrack_to_a_shorter_form() {
    let t = "$abc.def $abcdefg $ab_cd.";
    assert_eq!(
        pairs(t, &cashtags(t)),
        [("abc", (0, 4)), ("ab_cd", (18, 24))]
    );
}

#[test]
fn idn_tlds_take_the_longest_form() {
    let t = "http://twitter.भारतम् twitter.भारतम्";
    assert_eq!(
        pairs(t, &urls(t)),
        [
            ("http://twitter.भारतम्", (0, 21)),
            ("twitter.भारतम्", (22, 36))
        ]
    );
}

#[test]
fn astral_characters_count_two_units() {
    let t = "x😀example.com/foo #tag";
    assert_eq!(pairs(t, &urls(t)), [("example.com/foo", (3, 18))]);
    assert_eq!(pairs(t, &hashtags(t)), [("tag", (19, 23))]);
}

#[test]
fn no_allocation_without_entities() {
    for v in [
        urls("plain words"),
        hashtags("plain"),
        mentions("plain"),
        cashtags("plain"),
        entities(""),
    ] {
        assert!(v.is_empty() && v.capacity() == 0);
    }
}

#[test]
fn repeated_ascii_domain_is_placed_at_its_first_occurrence() {
    let t = "x example.рф-Ærø•example.рф\u{3000}";
    assert_eq!(pairs(t, &urls(t)), [("example.рф", (2, 12))]);
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Characters that stress the scanners: triggers, astral letters and
    /// emoji, combining marks, the invalid characters and bidi controls.
    fn tricky() -> impl Strategy<Value = String> {
        let pieces = prop::collection::vec(
            prop_oneof![
                Just(".".to_owned()),
                Just("#".to_owned()),
                Just("＃".to_owned()),
                Just("@".to_owned()),
                Just("＠".to_owned()),
                Just("$".to_owned()),
                Just("http://".to_owned()),
                Just("https://".to_owned()),
                Just("com".to_owned()),
                Just("t.co/".to_owned()),
                Just("xn--".to_owned()),
                Just("рф".to_owned()),
                Just("(".to_owned()),
                Just(")".to_owned()),
                Just("/".to_owned()),
                Just("?".to_owned()),
                Just(":".to_owned()),
                Just("_".to_owned()),
                Just("-".to_owned()),
                Just("RT".to_owned()),
                Just("\u{FE0F}".to_owned()),
                Just("\u{20E3}".to_owned()),
                Just("\u{301}".to_owned()),
                Just("\u{FFFE}".to_owned()),
                Just("\u{FEFF}".to_owned()),
                Just("\u{FFFF}".to_owned()),
                Just("\u{202E}".to_owned()),
                Just("\u{2066}".to_owned()),
                Just("😀".to_owned()),
                Just("\u{1D400}".to_owned()),
                Just("。".to_owned()),
                Just(" ".to_owned()),
                "[a-zA-Z0-9]{1,8}",
                any::<char>().prop_map(String::from),
            ],
            0..40,
        );
        pieces.prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn extractors_never_panic_and_indices_agree(text in tricky()) {
            let all = [urls(&text), hashtags(&text), mentions_or_lists(&text), cashtags(&text), entities(&text)];
            for list in &all {
                for e in list {
                    prop_assert!(text.is_char_boundary(e.range.start) && text.is_char_boundary(e.range.end));
                    prop_assert!(e.range.start <= e.value.start && e.value.end <= e.range.end);
                    let start = text[..e.range.start].encode_utf16().count();
                    let end = start + text[e.range.clone()].encode_utf16().count();
                    prop_assert_eq!(e.indices, (start, end));
                }
                for w in list.windows(2) {
                    prop_assert!(w[0].range.end <= w[1].range.start);
                }
            }
            let _ = reply(&text);
            let _ = crate::validate::is_valid_url(&text, true, false);
            let _ = crate::validate::is_valid_username(&text);
            let _ = crate::validate::is_valid_list(&text);
            let _ = crate::validate::is_valid_hashtag(&text);
        }
    }
}
