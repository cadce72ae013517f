//! Mentions and lists, as the `validMentionOrList` regex of
//! `extractMentionsOrListsWithIndices`, and replies as `extractReplies`.
//!
//! `@` or `＠` after a valid preceding character (or `RT`/`RT:` after one),
//! then 1 to 20 of `[A-Za-z0-9_]` (a longer name is cut at 20, as the
//! library does), then an optional `/list-slug`. A match followed by `@`,
//! `＠`, a Latin accented letter or `://` is dropped but consumed.

use memchr::memchr2;

use super::chars::{char_before, is_latin_accent, is_space};
use crate::entity::{Entity, EntityKind};

/// UTF-8 of the full-width commercial at `＠`.
const FULL_WIDTH_AT: &[u8] = "＠".as_bytes();
/// The longest screen name the extractor takes.
const MAX_NAME: usize = 20;
/// The longest list slug after its first letter.
const MAX_SLUG_TAIL: usize = 24;

/// Length of the at sign at byte `pos`, if there is one.
fn sign_len(bytes: &[u8], pos: usize) -> Option<usize> {
    match bytes.get(pos)? {
        b'@' => Some(1),
        _ if bytes[pos..].starts_with(FULL_WIDTH_AT) => Some(3),
        _ => None,
    }
}

/// `endMentionMatch`: what may not follow a mention.
fn bad_after(text: &str, pos: usize) -> bool {
    let rest = &text[pos..];
    sign_len(rest.as_bytes(), 0).is_some()
        || rest.starts_with("://")
        || rest.chars().next().is_some_and(is_latin_accent)
}

/// Whether a mention may start with the at sign at byte `at`, given that the
/// last match ended at `last_end` (`validMentionPrecedingChars`).
fn preceded_well(text: &str, at: usize, last_end: usize) -> bool {
    let Some((start, c)) = char_before(text, at) else {
        return true;
    };
    let plain = !(c.is_ascii_alphanumeric()
        || matches!(c, '_' | '!' | '#' | '$' | '%' | '&' | '*' | '@' | '＠'));
    if plain && start >= last_end {
        return true;
    }
    let bytes = text.as_bytes();
    let colon = usize::from(bytes[at - 1] == b':');
    for skip in [colon, 0] {
        let Some(rt) = at.checked_sub(2 + skip) else {
            continue;
        };
        if !bytes[rt..rt + 2].eq_ignore_ascii_case(b"rt") || (skip == 1 && bytes[at - 1] != b':') {
            continue;
        }
        match char_before(text, rt) {
            None => return true,
            Some((s, p)) => {
                if s >= last_end
                    && !(p.is_ascii_alphanumeric() || matches!(p, '_' | '+' | '~' | '.' | '-'))
                {
                    return true;
                }
            }
        }
    }
    false
}

/// Length of the run of `[A-Za-z0-9_]` (plus `-` when `dash`) from `pos`.
fn word_run(bytes: &[u8], pos: usize, dash: bool) -> usize {
    bytes
        .get(pos..)
        .unwrap_or(&[])
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_' || (dash && b == b'-'))
        .count()
}

/// Appends mentions and lists to `out` (indices not yet filled). The value
/// is the screen name; for a list the range also covers `/slug`.
pub(crate) fn find(text: &str, out: &mut Vec<Entity>) {
    let bytes = text.as_bytes();
    let mut last_end = 0;
    let mut from = 0;
    while let Some(off) = bytes.get(from..).and_then(|b| memchr2(b'@', 0xEF, b)) {
        let at = from + off;
        from = at + 1;
        let Some(sign) = sign_len(bytes, at) else {
            continue;
        };
        if !preceded_well(text, at, last_end) {
            continue;
        }
        let name_start = at + sign;
        let name = word_run(bytes, name_start, false).min(MAX_NAME);
        if name == 0 {
            continue;
        }
        let name_end = name_start + name;
        let mut end = name_end;
        if bytes.get(end) == Some(&b'/') && bytes.get(end + 1).is_some_and(u8::is_ascii_alphabetic)
        {
            end += 2 + word_run(bytes, end + 2, true).min(MAX_SLUG_TAIL);
        }
        last_end = end;
        from = end;
        if bad_after(text, end) {
            continue;
        }
        out.push(Entity {
            kind: EntityKind::Mention,
            range: at..end,
            value: name_start..name_end,
            indices: (0, 0),
        });
    }
}

/// The screen name a reply starts with, as `extractReplies`.
pub(crate) fn reply(text: &str) -> Option<&str> {
    let start = text.find(|c: char| !is_space(c))?;
    let bytes = text.as_bytes();
    let sign = sign_len(bytes, start)?;
    let name_start = start + sign;
    let name = word_run(bytes, name_start, false).min(MAX_NAME);
    if name == 0 || bad_after(text, name_start + name) {
        return None;
    }
    text.get(name_start..name_start + name)
}
