//! Weighted length and validity, exactly as twitter-text's `parseTweet`.
//!
//! One walker serves [`parse_tweet`], [`weighted_length`] and
//! [`is_valid_tweet_text`]. It reproduces the official algorithm step for
//! step, on the NFC form of the text and in UTF-16 code units:
//!
//! * a URL found by [`crate::extract::urls`] that starts at the position
//!   counts `transformed_url_length * scale` and is skipped whole;
//! * else, with emoji parsing on, a match of the twemoji-parser regex that
//!   starts there counts `default_weight` and is skipped whole. The regex is
//!   run as a global scan independent of the walk, so an emoji whose match
//!   began inside a skipped URL does not start a new match at the URL's end;
//! * else one character is weighed by the first configured range holding its
//!   code unit; a surrogate pair is weighed by its *low* surrogate, so an
//!   astral character always gets `default_weight`.
//!
//! After each step the last code unit of the step is checked for an invalid
//! character, and the valid range is extended while the total is within the
//! limit. The end of the valid range is then shifted by the difference in
//! UTF-16 length between the original and the NFC text.
//!
//! The walker does not allocate when the text is already NFC and has no `.`
//! followed by a letter (no URL is possible without one), and runs of ASCII
//! are counted in bulk.

use std::borrow::Cow;
use std::sync::LazyLock;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::config::Config;
use crate::emoji;
use crate::entity::Entity;

/// The result of [`parse_tweet`], field for field twitter-text's `parseTweet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParsedTweet {
    /// Weighted length of the text (rounded down for custom configs whose
    /// weights are not multiples of `scale`).
    pub weighted_length: usize,
    /// Whether the text can be posted as one tweet.
    pub valid: bool,
    /// `weighted_length * 1000 / max`, rounded down.
    pub permillage: usize,
    /// Inclusive `[start, end]` of the part that fits, in UTF-16 code units.
    pub valid_range: (usize, usize),
    /// The end of the valid range exactly as twitter-text reports it: it is
    /// shifted by the NFC length difference, and goes below zero when
    /// composition exclusions lengthen a text that is invalid or over the
    /// limit from its first characters; `valid_range.1` is this clamped at 0.
    pub reported_valid_range_end: i64,
    /// Inclusive `[start, end]` of the whole text, in UTF-16 code units.
    pub display_range: (usize, usize),
}

/// Parses `text` as twitter-text's `parseTweet` does under `config`.
///
/// ```
/// use xpost_transform::{Config, parse_tweet};
///
/// let parsed = parse_tweet("こんにちは 👋🏽", Config::v3());
/// assert_eq!(parsed.weighted_length, 13);
/// assert!(parsed.valid);
/// assert_eq!(parsed.display_range, (0, 9));
/// ```
pub fn parse_tweet(text: &str, config: &Config) -> ParsedTweet {
    let (walk, original_len) = walk(text, config, config.emoji_parsing_enabled, None);
    finish(&walk, original_len, config)
}

/// The fields of [`ParsedTweet`] from a walk over a text of `original_len` UTF-16 units.
fn finish(walk: &Walk, original_len: usize, config: &Config) -> ParsedTweet {
    let scale = u64::from(config.scale.max(1));
    let max = u64::from(config.max_weighted_tweet_length);
    let weighted = walk.total as f64 / scale as f64;
    let permillage = (weighted / max as f64 * 1000.0).floor();
    // The official code shifts by the length difference wherever the
    // normalization happened, even below zero.
    let shift = original_len as i64 - walk.len16 as i64;
    let reported_end = walk.valid_end as i64 + shift;
    ParsedTweet {
        weighted_length: (walk.total / scale) as usize,
        valid: walk.valid && walk.total > 0 && walk.total <= max * scale,
        permillage: permillage as usize,
        valid_range: (0, reported_end.max(0) as usize),
        reported_valid_range_end: reported_end,
        display_range: (0, original_len.saturating_sub(1)),
    }
}

/// The weighted length of `text` under `config`, as `parse_tweet(..).weighted_length`.
///
/// ```
/// use xpost_transform::{Config, weighted_length};
///
/// assert_eq!(weighted_length("see example.com ✨", Config::v3()), 4 + 23 + 1 + 2);
/// ```
pub fn weighted_length(text: &str, config: &Config) -> usize {
    let (walk, _) = walk(text, config, config.emoji_parsing_enabled, None);
    (walk.total / u64::from(config.scale.max(1))) as usize
}

/// Whether `text` is a valid tweet, as twitter-text's `isValidTweetText`.
///
/// This is not `parse_tweet(..).valid`: like the official function it merges
/// `config` over the v3 defaults, so emoji parsing is on unless the config
/// enables it itself (the official v1 and v2 files leave the key out, and a
/// [`Config`] cannot tell a missing key from `false`), and it looks for
/// invalid characters in the whole text.
///
/// ```
/// use xpost_transform::{Config, count::is_valid_tweet_text};
///
/// assert!(is_valid_tweet_text("I am a Tweet", Config::v1()));
/// assert!(!is_valid_tweet_text("", Config::v1()));
/// assert!(!is_valid_tweet_text("bad \u{FFFE}", Config::v3()));
/// ```
pub fn is_valid_tweet_text(text: &str, config: &Config) -> bool {
    if text.is_empty() {
        return false;
    }
    let (walk, _) = walk(text, config, true, None);
    let limit = u64::from(config.max_weighted_tweet_length) * u64::from(config.scale.max(1));
    walk.total <= limit && has_invalid_characters(text).is_none()
}

/// Walks the NFC form of `text`; also returns the UTF-16 length of `text`.
///
/// Most text is already NFC, so the walk runs on `text` itself and checks
/// normalization on the way; then the URLs of `text` are those of its NFC
/// form, and `known_urls` (the caller's extraction of `text`, if it has one)
/// saves extracting them again. Only when a segment would change is the NFC
/// string built, its URLs extracted and the walk run again.
fn walk(text: &str, config: &Config, emoji: bool, known_urls: Option<&[Entity]>) -> (Walk, usize) {
    let urls = match known_urls {
        Some(urls) => Cow::Borrowed(urls),
        None => Cow::Owned(crate::extract::urls(text)),
    };
    let walk = Walker::new(text, config, emoji, true, urls).run();
    if walk.nfc_ok {
        let len16 = walk.len16;
        return (walk, len16);
    }
    // Only text that is not NFC gets here, which is rare: normalize it whole.
    let nfc: String = text.nfc().collect();
    let walk = Walker::new(
        &nfc,
        config,
        emoji,
        false,
        Cow::Owned(crate::extract::urls(&nfc)),
    )
    .run();
    (walk, crate::utf16::len(text))
}

/// [`parse_tweet`] for a caller that already extracted the URLs of `text`
/// with [`crate::extract::urls`], so that they are not extracted twice.
pub(crate) fn parse_tweet_with_urls(text: &str, config: &Config, urls: &[Entity]) -> ParsedTweet {
    let (walk, original_len) = walk(text, config, config.emoji_parsing_enabled, Some(urls));
    finish(&walk, original_len, config)
}

/// The first character of `text` that X rejects (U+FFFE, U+FEFF, U+FFFF), if any.
///
/// ```
/// use xpost_transform::count::has_invalid_characters;
///
/// assert_eq!(has_invalid_characters("a\u{FEFF}b"), Some('\u{FEFF}'));
/// assert_eq!(has_invalid_characters("fine"), None);
/// ```
pub fn has_invalid_characters(text: &str) -> Option<char> {
    // All three encode as EF BB BF or EF BF BE/BF in UTF-8.
    memchr::memchr_iter(0xEF, text.as_bytes())
        .filter_map(|at| text.get(at..)?.chars().next())
        .find(|c| is_invalid(u32::from(*c)))
}

fn is_invalid(unit: u32) -> bool {
    matches!(unit, 0xFFFE | 0xFEFF | 0xFFFF)
}

/// Byte offset of the first normalization boundary (see [`plain_starter`])
/// at or after `from`.
fn next_boundary(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|&(_, c)| plain_starter(c))
        .map_or(text.len(), |(i, _)| from + i)
}

/// Whether `c` is a normalization boundary: combining class 0 and NFC
/// quick-check "Yes". A table built once for the BMP, a look-up beyond.
fn plain_starter(c: char) -> bool {
    is_boundary(c, &BMP_BOUNDARIES)
}

#[inline]
fn is_boundary(c: char, bmp: &[u64; 1024]) -> bool {
    let cp = u32::from(c);
    match bmp.get((cp >> 6) as usize) {
        Some(word) => word & (1 << (cp & 63)) != 0,
        None => is_boundary_slow(c),
    }
}

fn is_boundary_slow(c: char) -> bool {
    canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
}

static BMP_BOUNDARIES: LazyLock<Box<[u64; 1024]>> = LazyLock::new(|| {
    let mut words = Box::new([0u64; 1024]);
    for (cp, c) in (0..0x10000u32).filter_map(|cp| Some((cp, char::from_u32(cp)?))) {
        if is_boundary_slow(c) {
            words[(cp >> 6) as usize] |= 1 << (cp & 63);
        }
    }
    words
});

/// Index of the first byte of `bytes` that is not ASCII, or its length.
fn first_non_ascii(bytes: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let high = u64::from_le_bytes(word) & HIGH;
        if high != 0 {
            // The lowest set high bit is the first non-ASCII byte.
            return at + (high.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + chunks
        .remainder()
        .iter()
        .position(|b| *b >= 0x80)
        .unwrap_or(bytes.len() - at)
}

/// What a walk over the NFC text found.
struct Walk {
    /// Sum of the weights, in units of `1/scale`.
    total: u64,
    /// No invalid character seen in the last code unit of any step.
    valid: bool,
    /// Last UTF-16 index of the part within the limit (in the NFC text).
    valid_end: usize,
    /// UTF-16 length of the NFC text.
    len16: usize,
    /// False when the walk stopped early because the text is not NFC.
    nfc_ok: bool,
}

struct Walker<'a> {
    text: &'a str,
    config: &'a Config,
    emoji: bool,
    /// Weight of every ASCII character when they all weigh the same.
    ascii_weight: Option<u64>,
    /// Weight of every character of two UTF-8 bytes (U+0080 to U+07FF:
    /// Latin, Greek, Cyrillic, Hebrew, Arabic...) when they all weigh the same.
    two_byte_weight: Option<u64>,
    limit: u64,
    urls: Cow<'a, [Entity]>,
    next_url: usize,
    /// Byte position where the global emoji scan resumes.
    scan: usize,
    /// Byte position of the walk.
    at: usize,
    /// UTF-16 position of the walk.
    at16: usize,
    total: u64,
    valid: bool,
    valid_end: usize,
    /// Whether to check on the way that the text is NFC.
    check_nfc: bool,
    /// No segment of the text seen so far changes under NFC.
    nfc_ok: bool,
    /// Byte start of the current normalization segment.
    nfc_boundary: usize,
    /// Combining class of the last character of the segment.
    nfc_class: u8,
    /// Bytes before this were checked as part of a whole segment.
    nfc_checked: usize,
    boundaries: &'static [u64; 1024],
}

impl<'a> Walker<'a> {
    fn new(
        text: &'a str,
        config: &'a Config,
        emoji: bool,
        check_nfc: bool,
        urls: Cow<'a, [Entity]>,
    ) -> Self {
        Walker {
            text,
            config,
            emoji,
            ascii_weight: uniform_weight(config, 0, 0x7F),
            two_byte_weight: uniform_weight(config, 0x80, 0x7FF),
            limit: u64::from(config.max_weighted_tweet_length) * u64::from(config.scale),
            urls,
            next_url: 0,
            scan: 0,
            at: 0,
            at16: 0,
            total: 0,
            valid: true,
            valid_end: 0,
            check_nfc,
            nfc_ok: true,
            nfc_boundary: 0,
            nfc_class: 0,
            nfc_checked: 0,
            boundaries: &BMP_BOUNDARIES,
        }
    }

    fn run(mut self) -> Walk {
        let bytes = self.text.as_bytes();
        while self.at < bytes.len() && self.nfc_ok {
            let url_start = self.next_url_start();
            if url_start == Some(self.at) {
                self.url_step();
                continue;
            }
            let stop = url_start.unwrap_or(bytes.len());
            if bytes[self.at] < 0x80 {
                if let Some(weight) = self.ascii_weight {
                    if self.ascii_run(weight, stop) {
                        continue;
                    }
                }
            } else if self.plain_run(stop) {
                continue;
            }
            self.slow_step();
        }
        Walk {
            total: self.total,
            valid: self.valid,
            valid_end: self.valid_end,
            len16: self.at16,
            nfc_ok: self.nfc_ok,
        }
    }

    /// Byte start of the first URL at or after the walk, dropping the ones
    /// the walk jumped over (they started inside an emoji).
    fn next_url_start(&mut self) -> Option<usize> {
        while let Some(url) = self.urls.get(self.next_url) {
            if url.range.start >= self.at {
                return Some(url.range.start);
            }
            self.next_url += 1;
        }
        None
    }

    fn url_step(&mut self) {
        let Some(url) = self.urls.get(self.next_url) else {
            return;
        };
        let (range, units) = (url.range.clone(), url.indices.1 - url.indices.0);
        self.next_url += 1;
        let url_weight =
            u64::from(self.config.transformed_url_length) * u64::from(self.config.scale);
        let last = self
            .text
            .get(range.clone())
            .and_then(|u| u.chars().next_back());
        self.check_nfc_range(range.start, range.end);
        self.advance(range.end, units, url_weight, last);
    }

    /// Counts ASCII from the walk up to `stop` in bulk; false when nothing
    /// could be done that way.
    fn ascii_run(&mut self, weight: u64, stop: usize) -> bool {
        let bytes = self.text.as_bytes();
        let rest = &bytes[self.at..stop];
        let ascii = first_non_ascii(rest);
        let mut n = ascii;
        // The last ASCII character before non-ASCII may start a keycap.
        let keycap_base = |b: &u8| matches!(b, b'#' | b'*' | b'0'..=b'9');
        if self.emoji && ascii < rest.len() && ascii > 0 && keycap_base(&rest[ascii - 1]) {
            n -= 1;
        }
        if n == 0 {
            return false;
        }
        if self.emoji {
            if self.scan < self.at {
                self.catch_up_scan();
            }
            // No match starts at an ASCII character followed by ASCII.
            self.scan = self.scan.max(self.at + n);
        }
        let run_weight = weight.saturating_mul(n as u64);
        if self.valid && self.total <= self.limit {
            let room = self.limit - self.total;
            // Only the run that crosses the limit needs the division.
            let fits = if run_weight <= room {
                n as u64
            } else {
                room.checked_div(weight)
                    .map_or(n as u64, |f| f.min(n as u64))
            };
            if fits > 0 {
                self.valid_end = self.at16 + fits as usize - 1;
            }
        }
        self.total = self.total.saturating_add(run_weight);
        // Every ASCII character is a normalization boundary.
        (self.nfc_boundary, self.nfc_class) = (self.at + n - 1, 0);
        self.at += n;
        self.at16 += n;
        true
    }

    /// Counts non-ASCII characters up to `stop` while none of them starts
    /// an emoji or is invalid; false when the first one does or is.
    fn plain_run(&mut self, stop: usize) -> bool {
        if self.emoji && self.scan != self.at {
            return false;
        }
        let start = self.at;
        let (mut at, mut at16, mut total) = (self.at, self.at16, self.total);
        let text: &'a str = self.text;
        for c in text.get(at..stop).unwrap_or("").chars() {
            let cp = u32::from(c);
            if cp < 0x80 || is_invalid(cp) || (self.emoji && emoji::may_start(c)) {
                break;
            }
            if self.check_nfc {
                // Most characters are plain starters: keep that test inline.
                if is_boundary(c, self.boundaries) {
                    (self.nfc_boundary, self.nfc_class) = (at, 0);
                } else {
                    self.check_nfc_char(at, c);
                    if !self.nfc_ok {
                        break;
                    }
                }
            }
            // Astral characters are weighed by their low surrogate.
            let unit = if cp >= 0x10000 {
                0xDC00 + ((cp - 0x10000) & 0x3FF)
            } else {
                cp
            };
            let weight = match self.two_byte_weight {
                Some(weight) if (0x80..0x800).contains(&unit) => weight,
                _ => char_weight(unit, self.config),
            };
            total = total.saturating_add(weight);
            at += c.len_utf8();
            at16 += c.len_utf16();
            if self.valid && total <= self.limit {
                self.valid_end = at16 - 1;
            }
        }
        (self.at, self.at16, self.total) = (at, at16, total);
        if self.emoji {
            self.scan = at;
        }
        at > start
    }

    fn slow_step(&mut self) {
        let at = self.at;
        let Some(c) = self.text[at..].chars().next() else {
            self.at = self.text.len();
            return;
        };
        if self.emoji {
            if self.scan < at {
                self.catch_up_scan();
            }
            if self.scan == at {
                let found = if emoji::may_start(c) {
                    emoji::match_len(&self.text[at..])
                } else {
                    None
                };
                match found {
                    Some(len) => {
                        self.scan = at + len;
                        self.check_nfc_range(at, at + len);
                        let matched = &self.text[at..at + len];
                        let weight = u64::from(self.config.default_weight);
                        let last = matched.chars().next_back();
                        self.advance(at + len, crate::utf16::len(matched), weight, last);
                        return;
                    }
                    None => self.scan = at + c.len_utf8(),
                }
            }
        }
        // Astral characters are weighed by their low surrogate.
        let unit = match u32::from(c) {
            cp if cp >= 0x10000 => 0xDC00 + ((cp - 0x10000) & 0x3FF),
            cp => cp,
        };
        let weight = char_weight(unit, self.config);
        if self.check_nfc {
            self.check_nfc_char(at, c);
        }
        self.advance(at + c.len_utf8(), c.len_utf16(), weight, Some(c));
    }

    /// Checks every character of `text[from..to]`, see [`Self::check_nfc_char`].
    fn check_nfc_range(&mut self, from: usize, to: usize) {
        if !self.check_nfc {
            return;
        }
        let Some(part) = self.text.get(from..to) else {
            return;
        };
        for (i, c) in part.char_indices() {
            self.check_nfc_char(from + i, c);
        }
    }

    /// Keeps track of normalization segments and clears `nfc_ok` when the
    /// segment holding `c`, at byte `at`, changes under NFC. Normalization
    /// only changes text between two boundaries (see [`plain_starter`]), so a
    /// segment is normalized and compared only when a character in it is not
    /// plainly NFC.
    fn check_nfc_char(&mut self, at: usize, c: char) {
        if is_boundary(c, self.boundaries) {
            (self.nfc_boundary, self.nfc_class) = (at, 0);
            return;
        }
        if at < self.nfc_checked {
            return;
        }
        let class = canonical_combining_class(c);
        let in_order = class != 0 && self.nfc_class <= class;
        if in_order && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes {
            self.nfc_class = class;
            return;
        }
        let end = next_boundary(self.text, at + c.len_utf8());
        let segment = &self.text[self.nfc_boundary..end];
        if segment.nfc().eq(segment.chars()) {
            self.nfc_checked = end;
        } else {
            self.nfc_ok = false;
        }
    }

    /// Moves the global emoji scan up to the walk: the regex keeps scanning
    /// through text the walk skipped as a URL.
    #[cold]
    fn catch_up_scan(&mut self) {
        while self.scan < self.at {
            let rest = &self.text[self.scan..];
            self.scan += match emoji::match_len(rest) {
                Some(len) => len,
                None => rest.chars().next().map_or(1, char::len_utf8),
            };
        }
    }

    /// Adds one step (a URL, an emoji or a character) ending at byte `end`
    /// and `units` code units long, whose last character is `last`.
    fn advance(&mut self, end: usize, units: usize, weight: u64, last: Option<char>) {
        self.total = self.total.saturating_add(weight);
        self.at = end;
        self.at16 += units;
        if self.valid {
            // Only the step's last code unit is checked, as in the original;
            // the low surrogate of an astral character is never invalid.
            self.valid = !last.is_some_and(|c| is_invalid(u32::from(c)));
        }
        if self.valid && self.total <= self.limit {
            self.valid_end = self.at16 - 1;
        }
    }
}

/// The weight of a code unit: the first range holding it, else the default.
fn char_weight(unit: u32, config: &Config) -> u64 {
    let weight = config
        .ranges
        .iter()
        .find(|r| r.start <= unit && unit <= r.end)
        .map_or(config.default_weight, |r| r.weight);
    u64::from(weight)
}

/// The common weight of every code unit in `lo..=hi`, when there is one:
/// each unit takes the first range holding it, so the units share a weight
/// when the first range reaching into `lo..=hi` covers all of it.
fn uniform_weight(config: &Config, lo: u32, hi: u32) -> Option<u64> {
    let first = config
        .ranges
        .iter()
        .find(|r| r.start <= r.end && r.start <= hi && r.end >= lo);
    match first {
        None => Some(u64::from(config.default_weight)),
        Some(r) if r.start <= lo && r.end >= hi => Some(u64::from(r.weight)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WeightRange;
    use proptest::prelude::*;

    /// `(weighted_length, valid, permillage, valid_range_end, display_range_end)`.
    fn summary(text: &str, config: &Config) -> (usize, bool, usize, i64, usize) {
        let p = parse_tweet(text, config);
        assert_eq!(p.valid_range.0, 0);
        assert_eq!(p.display_range.0, 0);
        assert_eq!(weighted_length(text, config), p.weighted_length, "{text:?}");
        (
            p.weighted_length,
            p.valid,
            p.permillage,
            p.reported_valid_range_end,
            p.display_range.1,
        )
    }

    fn v3(text: &str) -> usize {
        parse_tweet(text, Config::v3()).weighted_length
    }

    #[test]
    fn urls_without_scheme_count_23_when_the_tld_is_known() {
        for url in [
            "example.com",
            "Booking.com",
            "readme.md",
            "script.py",
            "doc.zip",
            "t.co",
        ] {
            assert_eq!(v3(url), 23, "{url}");
        }
        assert_eq!(v3("file.txt"), 8);
        assert_eq!(v3("node.js"), 7);
        assert_eq!(
            summary("see example.com now", Config::v3()),
            (31, true, 110, 18, 18)
        );
    }

    #[test]
    fn emoji_in_the_frozen_set_count_2() {
        let scotland = "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
        for emoji in ["👨‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵", "1️⃣", "1⃣", "👍🏽", scotland]
        {
            assert_eq!(v3(emoji), 2, "{emoji}");
        }
        assert_eq!(summary("👨‍👩‍👧‍👦", Config::v3()), (2, true, 7, 10, 10));
    }

    #[test]
    fn newer_sequences_fall_apart() {
        assert_eq!(v3("🧑‍🤝‍🧑"), 8);
        assert_eq!(v3("🧑‍💻"), 5);
        assert_eq!(v3("🫱🏻‍🫲🏿"), 9);
    }

    #[test]
    fn pieces_outside_a_match_count_on_their_own() {
        assert_eq!(summary("✨️", Config::v3()), (4, true, 14, 1, 1));
        assert_eq!(v3("©"), 1);
        assert_eq!(v3("®"), 1);
        assert_eq!(v3("©️"), 2);
        assert_eq!(v3("🇦"), 2);
        assert_eq!(v3("☺\u{FE0E}"), 4);
    }

    #[test]
    fn weights_by_range_and_the_surrogate_quirk() {
        assert_eq!(v3("…•€™"), 8);
        assert_eq!(v3("\u{2800}\u{3000}"), 4);
        let marks = "\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}";
        assert_eq!(v3(marks), 18);
        // A range over the astral code point itself is ignored: the low
        // surrogate is what gets weighed.
        let mut config = Config::v2().clone();
        let emoticons = WeightRange {
            start: 0x1F600,
            end: 0x1F64F,
            weight: 100,
        };
        config.ranges.push(emoticons);
        assert_eq!(weighted_length("😀", &config), 2);
        let low_surrogates = WeightRange {
            start: 0xDC00,
            end: 0xDFFF,
            weight: 300,
        };
        config.ranges.push(low_surrogates);
        assert_eq!(weighted_length("😀", &config), 3);
    }

    #[test]
    fn nfc_comes_first() {
        assert_eq!(summary("e\u{301}", Config::v3()), (1, true, 3, 1, 1));
        assert_eq!(v3("\u{212B}"), 1);
        assert_eq!(v3("\u{1F71}"), 1);
        assert_eq!(v3("\u{1100}\u{1161}\u{11A8}"), 2);
        assert_eq!(summary("\u{958}", Config::v3()), (2, true, 7, 0, 0));
        // The URL is found in the NFC text, where it starts after the é.
        assert_eq!(
            summary("e\u{301}example.com", Config::v3()),
            (24, true, 85, 12, 12)
        );
    }

    #[test]
    fn valid_range_end_is_shifted_by_the_whole_normalization() {
        let text = format!("{}{}", "a".repeat(300), "e\u{301}".repeat(5));
        assert_eq!(summary(&text, Config::v3()), (305, false, 1089, 284, 309));
        // Below zero: nothing valid, and the text grew under NFC.
        let p = parse_tweet("\u{FEFF}\u{958}\u{958}", Config::v3());
        assert_eq!((p.reported_valid_range_end, p.valid_range.1), (-2, 0));
        let grown = "\u{958}\u{958}\u{958}\u{FFFE}";
        assert_eq!(summary(grown, Config::v3()), (8, false, 28, 2, 3));
    }

    #[test]
    fn urls_and_emoji_are_atomic_at_the_limit() {
        let text = format!("{} https://example.com", "a".repeat(279));
        assert_eq!(summary(&text, Config::v3()), (303, false, 1082, 279, 298));
        let emoji_over = format!("{}😀", "a".repeat(279));
        assert_eq!(
            summary(&emoji_over, Config::v3()),
            (281, false, 1003, 278, 280)
        );
        let emoji_fits = format!("{}😀", "a".repeat(278));
        assert_eq!(
            summary(&emoji_fits, Config::v3()),
            (280, true, 1000, 279, 279)
        );
        assert_eq!(
            summary(&"a".repeat(280), Config::v3()),
            (280, true, 1000, 279, 279)
        );
        assert_eq!(
            summary(&"a".repeat(281), Config::v3()),
            (281, false, 1003, 279, 280)
        );
        let cjk = format!("{}a", "あ".repeat(140));
        assert_eq!(summary(&cjk, Config::v3()), (281, false, 1003, 139, 140));
    }

    #[test]
    fn invalid_characters() {
        assert_eq!(summary("\u{FFFE}", Config::v3()), (2, false, 7, 0, 0));
        assert_eq!(summary("ab\u{FEFF}cd", Config::v3()), (6, false, 21, 1, 4));
        assert_eq!(summary("😀\u{FFFE}", Config::v3()), (4, false, 14, 1, 2));
        assert_eq!(has_invalid_characters("a\u{FFFF}"), Some('\u{FFFF}'));
        assert_eq!(has_invalid_characters("\u{EFBF}é"), None);
        assert!(!is_valid_tweet_text("ok \u{FEFF}", Config::v3()));
    }

    #[test]
    fn empty_and_blank_text() {
        assert_eq!(summary("", Config::v3()), (0, false, 0, 0, 0));
        assert_eq!(summary(" ", Config::v3()), (1, true, 3, 0, 0));
        assert_eq!(summary("\n", Config::v3()), (1, true, 3, 0, 0));
        assert!(!is_valid_tweet_text("", Config::v3()));
        assert!(is_valid_tweet_text(" ", Config::v1()));
    }

    #[test]
    fn v1_v2_v3_differ() {
        let family = "👨‍👩‍👧‍👦";
        assert_eq!(weighted_length(family, Config::v1()), 7);
        assert_eq!(weighted_length(family, Config::v2()), 11);
        assert_eq!(weighted_length(family, Config::v3()), 2);
        assert_eq!(weighted_length("😀", Config::v1()), 1);
        assert_eq!(weighted_length("😀", Config::v2()), 2);
        let cjk = "あ".repeat(141);
        assert_eq!(summary(&cjk, Config::v1()), (141, false, 1007, 139, 140));
        assert_eq!(summary(&cjk, Config::v3()), (282, false, 1007, 139, 140));
        assert_eq!(
            summary(&"a".repeat(140), Config::v1()),
            (140, true, 1000, 139, 139)
        );
        assert_eq!(
            summary(&"😀".repeat(141), Config::v1()),
            (141, false, 1007, 279, 281)
        );
        // isValidTweetText parses emoji even under v1, so 140 families of 7
        // code points fit there while parseTweet counts 980.
        assert!(is_valid_tweet_text(&family.repeat(140), Config::v1()));
        assert!(!parse_tweet(&family.repeat(140), Config::v1()).valid);
    }

    #[test]
    fn custom_scale_rounds_down_and_permillage_follows_the_fraction() {
        let mut config = Config::v2().clone();
        config.default_weight = 150;
        // 3 × 150 / 100 = 4.5: reported as 4, permillage from 4.5.
        let p = parse_tweet("😀😀😀", &config);
        assert_eq!((p.weighted_length, p.valid, p.permillage), (4, true, 16));
    }

    #[test]
    fn url_precheck() {
        assert!(!crate::extract::has_url_candidate(
            "The end. Then 3.5 and ... a.1"
        ));
        assert!(crate::extract::has_url_candidate("see example.com"));
        assert!(crate::extract::has_url_candidate("example.рф"));
        assert!(crate::extract::has_url_candidate("t.co"));
        for text in [
            "x.1",
            "a. b",
            "a.\n",
            "http://1.2.3.4/",
            "http://127.0.0.1:8080/a",
        ] {
            assert!(!crate::extract::has_url_candidate(text), "{text}");
            assert!(crate::extract::urls(text).is_empty(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn url_precheck_never_hides_a_url(
            text in "([a-zA-Zé0-9:/ ]{0,6}[.。][a-zA-Z0-9 .()東]{0,5}){0,4}"
        ) {
            if !crate::extract::has_url_candidate(&text) {
                prop_assert!(crate::extract::urls(&text).is_empty());
            }
        }

        #[test]
        fn counting_sees_the_nfc_text(
            text in "[a-e .éÅか\u{300}-\u{36F}\u{1100}-\u{1175}\u{11A8}-\u{11C2}가-갛\u{B47}\u{B3E}\u{958}\u{212B}\u{3099}\u{1F71}\u{FB2C}\u{5B0}-\u{5C2}😀\u{FE0F}\u{20E3}1]{0,16}"
        ) {
            let nfc: String = text.nfc().collect();
            for config in [Config::v1(), Config::v2(), Config::v3()] {
                let raw = parse_tweet(&text, config);
                let normal = parse_tweet(&nfc, config);
                prop_assert_eq!(raw.weighted_length, normal.weighted_length);
                prop_assert_eq!(raw.valid, normal.valid);
                let shift = text.encode_utf16().count() as i64 - nfc.encode_utf16().count() as i64;
                prop_assert_eq!(raw.reported_valid_range_end, normal.reported_valid_range_end + shift);
            }
        }

        #[test]
        fn never_panics_and_stays_consistent(
            text in "\\PC{0,80}|[a-z.:/ #@\u{301}\u{FE0F}\u{200D}\u{FFFE}😀🏽🇯🇵1]{0,60}"
        ) {
            for config in [Config::v1(), Config::v2(), Config::v3()] {
                let p = parse_tweet(&text, config);
                let len16 = text.encode_utf16().count();
                prop_assert_eq!(weighted_length(&text, config), p.weighted_length);
                prop_assert_eq!(p.display_range, (0, len16.saturating_sub(1)));
                prop_assert_eq!(p.valid_range.0, 0);
                prop_assert!(p.valid_range.1 <= p.display_range.1);
                let in_range = p.weighted_length > 0
                    && p.weighted_length <= config.max_weighted_tweet_length as usize;
                prop_assert!(!p.valid || in_range);
                if in_range && !p.valid {
                    prop_assert!(has_invalid_characters(&text).is_some());
                }
            }
        }
    }
}
