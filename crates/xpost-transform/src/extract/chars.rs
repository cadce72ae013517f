//! Character classification for the extractors: ASCII by bit mask, the rest
//! by binary search in the generated range tables.

use std::cmp::Ordering;

use super::tables;

/// Whether `c` is in the class given by an ASCII mask and non-ASCII ranges.
#[inline]
fn in_class(c: char, ascii: &[u64; 2], ranges: &[(u32, u32)]) -> bool {
    let cp = c as u32;
    if cp < 128 {
        return (ascii[(cp >> 6) as usize] >> (cp & 63)) & 1 == 1;
    }
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                Ordering::Less
            } else if lo > cp {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

/// `hashtagAlpha`: a letter or mark.
#[inline]
pub(crate) fn is_hashtag_alpha(c: char) -> bool {
    in_class(
        c,
        &tables::HASHTAG_ALPHA_ASCII,
        &tables::HASHTAG_ALPHA_RANGES,
    )
}

/// `hashtagAlphaNumeric`: a letter, mark, digit or one of the extra characters.
#[inline]
pub(crate) fn is_hashtag_alnum(c: char) -> bool {
    in_class(
        c,
        &tables::HASHTAG_ALNUM_ASCII,
        &tables::HASHTAG_ALNUM_RANGES,
    )
}

/// `validGeneralUrlPathChars`.
#[inline]
pub(crate) fn is_path_char(c: char) -> bool {
    in_class(c, &tables::URL_PATH_ASCII, &tables::URL_PATH_RANGES)
}

/// The character class of `validUrlPathEndingChars`.
#[inline]
pub(crate) fn is_path_end_char(c: char) -> bool {
    in_class(c, &tables::URL_PATH_END_ASCII, &tables::URL_PATH_END_RANGES)
}

/// A label character of `validAsciiDomain`.
#[inline]
pub(crate) fn is_ascii_domain_char(c: char) -> bool {
    in_class(c, &tables::ASCII_DOMAIN_ASCII, &tables::ASCII_DOMAIN_RANGES)
}

/// `latinAccentChars` without case folding, as `endMentionMatch` uses it.
#[inline]
pub(crate) fn is_latin_accent(c: char) -> bool {
    in_class(c, &tables::LATIN_ACCENT_ASCII, &tables::LATIN_ACCENT_RANGES)
}

/// JavaScript's `\s`.
#[inline]
pub(crate) fn is_js_space(c: char) -> bool {
    in_class(c, &tables::JS_SPACE_ASCII, &tables::JS_SPACE_RANGES)
}

/// twitter-text's `spaces` class.
#[inline]
pub(crate) fn is_space(c: char) -> bool {
    in_class(c, &tables::SPACES_ASCII, &tables::SPACES_RANGES)
}

/// `validDomainChars`: anything but punctuation, spaces, the invalid
/// characters and directional markers. Astral characters are domain
/// characters (the library tests each UTF-16 half, and surrogates pass).
#[inline]
pub(crate) fn is_domain_char(c: char) -> bool {
    !in_class(
        c,
        &tables::DOMAIN_INVALID_ASCII,
        &tables::DOMAIN_INVALID_RANGES,
    )
}

/// A character a domain label may hold: a domain character, `_` or `-`.
#[inline]
pub(crate) fn is_label_char(c: char) -> bool {
    c == '_' || c == '-' || is_domain_char(c)
}

/// A character that may not directly precede a URL (`validUrlPrecedingChars`).
#[inline]
pub(crate) fn is_invalid_url_preceding(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '@' | '＠' | '$' | '#' | '＃' | '\u{FFFE}' | '\u{FEFF}' | '\u{FFFF}'
        )
}

/// `validUrlQueryChars`.
#[inline]
pub(crate) fn is_query_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '?'
                | '*'
                | '\''
                | '@'
                | '('
                | ')'
                | ';'
                | ':'
                | '&'
                | '='
                | '+'
                | '$'
                | '/'
                | '%'
                | '#'
                | '['
                | ']'
                | '-'
                | '_'
                | '.'
                | ','
                | '~'
                | '|'
        )
}

/// `validUrlQueryEndingChars`.
#[inline]
pub(crate) fn is_query_end_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '&' | '=' | '#' | '/')
}

/// twitter-text's `punct` class (ASCII punctuation except `"` and `` ` ``).
#[inline]
pub(crate) fn is_punct(c: char) -> bool {
    matches!(
        c,
        '!' | '\''
            | '#'
            | '%'
            | '&'
            | '('
            | ')'
            | '*'
            | '+'
            | ','
            | '\\'
            | '-'
            | '.'
            | '/'
            | ':'
            | ';'
            | '<'
            | '='
            | '>'
            | '?'
            | '@'
            | '['
            | ']'
            | '^'
            | '_'
            | '{'
            | '|'
            | '}'
            | '~'
            | '$'
    )
}

/// The character starting at byte `pos`, if any.
#[inline]
pub(crate) fn char_at(text: &str, pos: usize) -> Option<char> {
    text.get(pos..).and_then(|s| s.chars().next())
}

/// The character ending at byte `pos` and its start, if any.
#[inline]
pub(crate) fn char_before(text: &str, pos: usize) -> Option<(usize, char)> {
    let c = text.get(..pos)?.chars().next_back()?;
    Some((pos - c.len_utf8(), c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_match_the_reference_on_samples() {
        assert!(is_hashtag_alpha('a') && is_hashtag_alpha('é') && is_hashtag_alpha('日'));
        assert!(!is_hashtag_alpha('1') && is_hashtag_alnum('1') && is_hashtag_alnum('_'));
        assert!(is_hashtag_alnum('\u{30FB}') && !is_hashtag_alnum('&'));
        assert!(is_hashtag_alpha('\u{1D400}'), "astral letters count");
        assert!(is_domain_char('a') && is_domain_char('日') && is_domain_char('😀'));
        assert!(!is_domain_char('.') && !is_domain_char('_') && !is_domain_char('\u{202E}'));
        assert!(is_label_char('_') && !is_label_char(' '));
        assert!(is_path_char('@') && !is_path_char('(') && !is_path_char('"'));
        assert!(is_path_end_char('/') && !is_path_end_char('.'));
        assert!(is_js_space('\u{FEFF}') && !is_space('\u{FEFF}') && is_space('\u{180E}'));
        assert!(is_punct('$') && !is_punct('"') && !is_punct('`'));
        assert!(is_latin_accent('é') && !is_latin_accent('e'));
    }
}
