//! Where a text may be cut, and which cut to prefer.
//!
//! Fitting and thread splitting both shorten a text at a *cut point*: a byte
//! offset that is a grapheme-cluster boundary (so no user-perceived character
//! is torn apart) and that does not fall strictly inside an entity (a URL,
//! mention, hashtag or cashtag is kept whole or left out whole). Each cut point
//! also records the strongest boundary it sits on: sentence, word or merely
//! grapheme. [`best_cut`] picks the longest cut that fits and then trades a
//! little length for a nicer boundary.

use std::collections::HashSet;
use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use crate::entity::EntityKind;
use crate::extract;
use crate::mention_map;

/// How natural a cut point is, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Boundary {
    /// Between two grapheme clusters only.
    Grapheme,
    /// Between two words (UAX #29 word boundary).
    Word,
    /// Between two sentences or paragraphs (UAX #29 sentence boundary).
    Sentence,
}

/// One place where the text may be cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cut {
    /// Byte offset into the text.
    pub(crate) at: usize,
    /// The strongest boundary at this offset.
    pub(crate) boundary: Boundary,
}

/// Every allowed cut point of `text`, ascending, `0` and `text.len()` included.
/// No cut falls strictly inside an entity, a neutralised mention or an
/// e-mail address: each is kept whole or left out whole.
pub(crate) fn cuts(text: &str) -> Vec<Cut> {
    let mut spans: Vec<Range<usize>> = extract::entities(text)
        .into_iter()
        .map(|e| e.range)
        .collect();
    spans.extend(mention_map::at_sign_words(text));
    cuts_outside(text, spans)
}

/// Every cut point of `text` that is not strictly inside one of `spans`.
fn cuts_outside(text: &str, mut spans: Vec<Range<usize>>) -> Vec<Cut> {
    let words: HashSet<usize> = text.split_word_bound_indices().map(|(i, _)| i).collect();
    // A plain loop: `collect` would ask the sentence iterator for its size
    // hint, which underflows on an empty text in unicode-segmentation 1.13.
    let mut sentences = HashSet::new();
    for (i, _) in text.split_sentence_bound_indices() {
        sentences.insert(i);
    }
    // An e-mail address can hold a link (`me@example.com`): merged, the
    // spans are disjoint and sorted, so one pass over them suffices.
    spans.sort_unstable_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start < last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    let mut next = 0;
    text.grapheme_indices(true)
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .filter(|&at| {
            // Spans ending at or before `at` never matter again.
            while merged.get(next).is_some_and(|r| r.end <= at) {
                next += 1;
            }
            merged.get(next).is_none_or(|r| at <= r.start)
        })
        .map(|at| {
            let boundary = if at == text.len() || sentences.contains(&at) {
                Boundary::Sentence
            } else if words.contains(&at) {
                Boundary::Word
            } else {
                Boundary::Grapheme
            };
            Cut { at, boundary }
        })
        .collect()
}

/// The offset in `text` after dropping trailing whitespace graphemes before `end`,
/// but never below `floor`.
pub(crate) fn trim_end(text: &str, floor: usize, end: usize) -> usize {
    let mut end = end;
    for (i, g) in text[floor..end].grapheme_indices(true).rev() {
        if !is_blank(g) {
            break;
        }
        end = floor + i;
    }
    end
}

/// Where a cut text should end to read well: `end` moved back past trailing
/// whitespace and opening brackets or quotes and, when an ellipsis follows
/// (`before_ellipsis`), past commas, colons and semicolons too. Never below
/// `floor`.
pub(crate) fn tidy_end(text: &str, floor: usize, end: usize, before_ellipsis: bool) -> usize {
    let mut end = end;
    loop {
        let mut graphemes = text[floor..end].grapheme_indices(true).rev();
        let Some((i, last)) = graphemes.next() else {
            return end;
        };
        let before = graphemes.next().map(|(_, g)| g);
        if !(is_blank(last) || dangles(last, before, before_ellipsis)) {
            return end;
        }
        end = floor + i;
    }
}

/// Whether `g` is a whitespace grapheme.
pub(crate) fn is_blank(g: &str) -> bool {
    g.chars().all(char::is_whitespace)
}

/// Whether grapheme `g`, right after `before` (`None` at the start), would
/// dangle at the end of a cut text.
fn dangles(g: &str, before: Option<&str>, before_ellipsis: bool) -> bool {
    let mut chars = g.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return false;
    };
    if is_opening_bracket(c) || (before_ellipsis && is_pause(c)) {
        return true;
    }
    // A quote mark may open or close; it opens when nothing but space or
    // another opening mark comes before it.
    is_quote(c)
        && before.is_none_or(|b| {
            is_blank(b)
                || b.chars()
                    .next()
                    .is_some_and(|p| is_opening_bracket(p) || is_quote(p))
        })
}

/// Brackets and quotes that only ever open.
fn is_opening_bracket(c: char) -> bool {
    "([{<„‚⟨（［｛＜「『【〔〈《〖〘〚｢".contains(c)
}

/// Quote marks that open in some languages and close in others.
fn is_quote(c: char) -> bool {
    "\"'“”‘’«»‹›＂＇".contains(c)
}

/// Punctuation that announces more text: wrong right before an ellipsis.
fn is_pause(c: char) -> bool {
    ",:;，：；、".contains(c)
}

/// The offset in `text` after skipping whitespace graphemes from `start`.
pub(crate) fn skip_whitespace(text: &str, start: usize) -> usize {
    for (i, g) in text[start..].grapheme_indices(true) {
        if !is_blank(g) {
            return start + i;
        }
    }
    text.len()
}

/// How much of the longest fitting cut a nicer boundary must keep, in percent
/// of the text between the start and that longest cut.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Preference {
    /// Minimum share kept to end at a sentence boundary.
    pub(crate) sentence_percent: usize,
    /// Minimum share kept to end at a word boundary.
    pub(crate) word_percent: usize,
}

/// Chooses where to cut among `cuts` (ascending, all after `start`).
///
/// `short_enough(at)` is the cheap test (weighted length within budget) and
/// is assumed to be monotonic: true up to some cut, false after it. It is
/// only used to binary-search the neighbourhood of the answer, so the
/// expensive `accept(at)` (validity and entity checks on the rendered text)
/// runs on a handful of candidates instead of on every cut. Weighted length
/// is not strictly monotonic (a cut can turn `example.c` into the URL
/// `example.co`), which is why `accept` has the last word and the scan
/// continues downwards past any rejected cut.
pub(crate) fn best_cut(
    cuts: &[Cut],
    start: usize,
    preference: Preference,
    short_enough: impl Fn(usize) -> bool,
    mut accept: impl FnMut(usize) -> bool,
) -> Option<usize> {
    let end = short_enough_prefix(cuts, short_enough);
    let tightest = cuts[..end].iter().rposition(|c| accept(c.at))?;
    let longest = cuts[tightest].at;
    if cuts[tightest].boundary == Boundary::Sentence {
        // Already the nicest kind of boundary: nothing to trade length for.
        return Some(longest);
    }
    let room = longest - start;
    for (boundary, percent) in [
        (Boundary::Sentence, preference.sentence_percent),
        (Boundary::Word, preference.word_percent),
    ] {
        let floor = start + room * percent / 100;
        let nicer = cuts[..tightest]
            .iter()
            .rev()
            .take_while(|c| c.at >= floor)
            .filter(|c| c.boundary >= boundary && c.at > start)
            .find(|c| accept(c.at));
        if let Some(c) = nicer {
            return Some(c.at);
        }
    }
    Some(longest)
}

/// How many of `cuts` (ascending), counted from the first, are short enough,
/// `short_enough` being assumed monotonic as in [`best_cut`].
pub(crate) fn short_enough_prefix(cuts: &[Cut], short_enough: impl Fn(usize) -> bool) -> usize {
    // Gallop from the start, then bisect: a part is usually far shorter than
    // the text left, and every probe renders and counts its candidate.
    let mut good = 0;
    let mut step = 1;
    while let Some(cut) = cuts.get(good + step - 1) {
        if !short_enough(cut.at) {
            break;
        }
        good += step;
        step *= 2;
    }
    let upper = (good + step - 1).min(cuts.len());
    good + cuts[good..upper].partition_point(|c| short_enough(c.at))
}

#[cfg(test)]
thread_local! {
    static MEASURED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Notes that `bytes` of text were counted, so tests can bound the work a
/// fit or split does without timing it.
pub(crate) fn note_measured(bytes: usize) {
    #[cfg(test)]
    MEASURED.with(|m| m.set(m.get() + bytes));
    #[cfg(not(test))]
    let _ = bytes;
}

/// The bytes counted on this thread since the last call.
#[cfg(test)]
pub(crate) fn take_measured() -> usize {
    MEASURED.with(|m| m.replace(0))
}

/// The entities of `text` as `(kind, text)` pairs, for comparing before and after a cut.
pub(crate) fn entity_texts(text: &str) -> HashSet<(EntityKind, String)> {
    extract::entities(text)
        .into_iter()
        .map(|e| (e.kind, e.text_in(text).to_owned()))
        .collect()
}

/// Whether every entity of `text` also occurs, with the same text, in `allowed`.
pub(crate) fn entities_within(text: &str, allowed: &HashSet<(EntityKind, String)>) -> bool {
    extract::entities(text)
        .into_iter()
        .all(|e| allowed.contains(&(e.kind, e.text_in(text).to_owned())))
}

/// The characters X rejects in a tweet.
pub(crate) fn is_invalid_char(c: char) -> bool {
    matches!(c, '\u{FFFE}' | '\u{FEFF}' | '\u{FFFF}')
}

/// `text` without the characters X rejects.
pub(crate) fn strip_invalid(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(is_invalid_char) {
        std::borrow::Cow::Owned(text.chars().filter(|&c| !is_invalid_char(c)).collect())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_mark_the_strongest_boundary() {
        let text = "One two. Three";
        let cuts = cuts(text);
        let at = |n: usize| cuts.iter().find(|c| c.at == n).map(|c| c.boundary);
        assert_eq!(at(0), Some(Boundary::Sentence));
        assert_eq!(at(3), Some(Boundary::Word));
        assert_eq!(at(2), Some(Boundary::Grapheme));
        assert_eq!(at(9), Some(Boundary::Sentence));
        assert_eq!(at(text.len()), Some(Boundary::Sentence));
        assert_eq!(
            super::cuts(""),
            vec![Cut {
                at: 0,
                boundary: Boundary::Sentence
            }]
        );
    }

    #[test]
    fn cuts_skip_entity_interiors_and_split_graphemes() {
        let text = "ab e\u{301}";
        let offsets: Vec<usize> = cuts_outside(text, vec![Range { start: 0, end: 2 }])
            .iter()
            .map(|c| c.at)
            .collect();
        assert_eq!(offsets, vec![0, 2, 3, 6]);
        let offsets: Vec<usize> = cuts_outside(text, vec![1..3, 0..2])
            .iter()
            .map(|c| c.at)
            .collect();
        assert_eq!(offsets, vec![0, 3, 6]);
    }

    #[test]
    fn trimming_works_on_whole_graphemes() {
        let text = "ab \u{3000}\n";
        assert_eq!(trim_end(text, 0, text.len()), 2);
        assert_eq!(trim_end(text, 2, text.len()), 2);
        assert_eq!(skip_whitespace("  \nx", 0), 3);
        assert_eq!(skip_whitespace("   ", 1), 3);
    }

    #[test]
    fn a_tidy_end_drops_what_opens_or_pauses() {
        fn end(text: &str, ellipsis: bool) -> &str {
            &text[..tidy_end(text, 0, text.len(), ellipsis)]
        }
        assert_eq!(end("so (", false), "so");
        assert_eq!(end("he said: “", true), "he said");
        assert_eq!(end("he said: “", false), "he said:");
        assert_eq!(end("a, ( \"", true), "a");
        assert_eq!(end("the “end”", true), "the “end”");
        assert_eq!(end("the \"end\"", true), "the \"end\"");
        assert_eq!(end("it's", true), "it's");
        assert_eq!(end("「", true), "");
        assert_eq!(tidy_end("ab (", 3, 4, true), 3);
    }

    #[test]
    fn invalid_characters_are_removed() {
        assert_eq!(strip_invalid("a\u{FEFF}b\u{FFFE}\u{FFFF}"), "ab");
        assert!(matches!(strip_invalid("ab"), std::borrow::Cow::Borrowed(_)));
    }
}
