//! Hashtags, as the `validHashtag` regex of `extractHashtagsWithIndices`.
//!
//! A hashtag is `#` or `＃` after a boundary (start of text, U+FE0E/U+FE0F,
//! or a character that is neither a hashtag character nor `&`), not followed
//! by U+FE0F or U+20E3, then the longest run of hashtag characters, which must
//! hold a letter or mark. A match followed by `#`, `＃` or `://` is dropped,
//! but its text is consumed as the library's global regex consumes it.

use memchr::memchr2;

use super::chars::{char_at, char_before, is_hashtag_alnum, is_hashtag_alpha};
use crate::entity::{Entity, EntityKind};

/// UTF-8 of the full-width number sign `＃`.
const FULL_WIDTH_HASH: &[u8] = "＃".as_bytes();

/// Length of the hash sign at byte `pos`, if there is one.
fn sign_len(bytes: &[u8], pos: usize) -> Option<usize> {
    match bytes.get(pos)? {
        b'#' => Some(1),
        _ if bytes[pos..].starts_with(FULL_WIDTH_HASH) => Some(3),
        _ => None,
    }
}

/// Appends the hashtags of `text` to `out` (indices not yet filled).
pub(crate) fn find(text: &str, out: &mut Vec<Entity>) {
    let bytes = text.as_bytes();
    let mut last_end = 0;
    let mut from = 0;
    while let Some(off) = bytes.get(from..).and_then(|b| memchr2(b'#', 0xEF, b)) {
        let hash = from + off;
        from = hash + 1;
        let Some(sign) = sign_len(bytes, hash) else {
            continue;
        };
        let boundary = match char_before(text, hash) {
            None => true,
            Some((start, c)) => {
                start >= last_end
                    && (matches!(c, '\u{FE0E}' | '\u{FE0F}') || !(c == '&' || is_hashtag_alnum(c)))
            }
        };
        let body = hash + sign;
        if !boundary || matches!(char_at(text, body), Some('\u{FE0F}' | '\u{20E3}')) {
            continue;
        }
        let mut end = body;
        let mut has_alpha = false;
        for c in text[body..].chars() {
            if !is_hashtag_alnum(c) {
                break;
            }
            has_alpha = has_alpha || is_hashtag_alpha(c);
            end += c.len_utf8();
        }
        if !has_alpha {
            continue;
        }
        last_end = end;
        from = end;
        if sign_len(bytes, end).is_some() || bytes[end..].starts_with(b"://") {
            continue;
        }
        out.push(Entity {
            kind: EntityKind::Hashtag,
            range: hash..end,
            value: body..end,
            indices: (0, 0),
        });
    }
}
