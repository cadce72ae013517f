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
