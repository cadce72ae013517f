//! Cashtags, as the `validCashtag` regex of `extractCashtagsWithIndices`:
//! `$` at the start or after a space, 1 to 6 letters, optionally `.` or `_`
//! and 1 or 2 letters, then the end of the text, a space or punctuation.
//! The regex backtracks into shorter forms, so `$abc.def` yields `$abc`.

use memchr::memchr;

use super::chars::{char_at, char_before, is_js_space, is_punct, is_space};
use crate::entity::{Entity, EntityKind};

/// The lookahead `(?=$|\s|[punct])` at byte `pos`.
fn ends_well(text: &str, pos: usize) -> bool {
    char_at(text, pos).is_none_or(|c| is_js_space(c) || is_punct(c))
}

/// Length of the run of ASCII letters from `pos`.
fn letters(bytes: &[u8], pos: usize) -> usize {
    bytes
        .get(pos..)
        .unwrap_or(&[])
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count()
}

/// End of the cashtag body starting at `body`, trying forms in the regex's order.
fn body_end(text: &str, body: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let run = letters(bytes, body);
    for n in (1..=run.min(6)).rev() {
        let e = body + n;
        if matches!(bytes.get(e), Some(b'.' | b'_')) {
            let tail = letters(bytes, e + 1);
            for m in (1..=tail.min(2)).rev() {
                if ends_well(text, e + 1 + m) {
                    return Some(e + 1 + m);
                }
            }
        }
        if ends_well(text, e) {
            return Some(e);
        }
    }
    None
}

/// Appends the cashtags of `text` to `out` (indices not yet filled).
pub(crate) fn find(text: &str, out: &mut Vec<Entity>) {
    let bytes = text.as_bytes();
    let mut last_end = 0;
    let mut from = 0;
    while let Some(off) = bytes.get(from..).and_then(|b| memchr(b'$', b)) {
        let dollar = from + off;
        from = dollar + 1;
        let preceded = match char_before(text, dollar) {
            None => true,
            Some((start, c)) => start >= last_end && is_space(c),
        };
        if !preceded {
            continue;
        }
        if let Some(end) = body_end(text, dollar + 1) {
            last_end = end;
            from = end;
            out.push(Entity {
                kind: EntityKind::Cashtag,
                range: dollar..end,
                value: dollar + 1..end,
                indices: (0, 0),
            });
        }
    }
}
