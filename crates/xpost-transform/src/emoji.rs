//! Emoji matching, exactly as the regex of `twemoji-parser` 11.0.2.
//!
//! twitter-text counts an emoji sequence as one unit when that regex matches
//! it. The regex is an alternation, and JavaScript takes the *first*
//! alternative that matches at a position, not the longest: `✨️` matches `✨`
//! alone because the plain-symbol alternative without U+FE0F comes first,
//! while `©️` needs its U+FE0F. Some alternatives also refuse a match when
//! U+FE0E (text presentation) follows.
//!
//! `tools/gen_emoji.js` enumerates every string the regex can match in the
//! order a backtracking engine tries them and stores them as a trie over code
//! points (`emoji_table.rs`), each end node keeping the lowest path number
//! that reaches it. Matching walks the trie as deep as the text allows and
//! returns the lowest-numbered string found, which is what the regex returns.
//! Every string of the regex is well-formed UTF-16, so walking Rust `char`s is
//! the same as the regex walking code units.

use std::sync::LazyLock;

use crate::emoji_table::{BMP_STARTS, EDGE_CODE_POINTS, EDGE_TARGETS, NODES};

/// One trie node of the generated table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    /// Index of the node's first edge in `EDGE_CODE_POINTS`/`EDGE_TARGETS`.
    pub(crate) first_edge: u32,
    /// Number of edges of the node.
    pub(crate) edge_count: u32,
    /// Lowest path number that ends here unconditionally, or [`NONE`].
    pub(crate) free: u32,
    /// Lowest path number that ends here when U+FE0E does not follow, or [`NONE`].
    pub(crate) guard: u32,
}

/// "No path ends here".
pub(crate) const NONE: u32 = u32::MAX;

/// The variation selector that blocks the guarded alternatives.
const TEXT_PRESENTATION: char = '\u{FE0E}';

/// Byte length of the emoji the twemoji-parser regex matches at the very
/// start of `text`, if any.
pub(crate) fn match_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let first = *bytes.first()?;
    if first < 0x80 {
        // Only `#`, `*` and digits start a match in ASCII (keycaps), and the
        // next character is then U+FE0F or U+20E3, never ASCII.
        let keycap_base = matches!(first, b'#' | b'*' | b'0'..=b'9');
        if !keycap_base || bytes.get(1).is_none_or(|b| *b < 0x80) {
            return None;
        }
    }
    let c = text.chars().next()?;
    if !may_start(c) {
        return None;
    }
    let mut node = NODES[0];
    let mut best = NONE;
    let mut best_len = 0;
    for (at, c) in text.char_indices() {
        let next = if at == 0 {
            root_child(c)
        } else {
            child(&node, c)
        };
        let Some(next) = next else { break };
        node = next;
        let end = at + c.len_utf8();
        if node.free < best {
            best = node.free;
            best_len = end;
        }
        if node.guard < best && !text[end..].starts_with(TEXT_PRESENTATION) {
            best = node.guard;
            best_len = end;
        }
    }
    (best != NONE).then_some(best_len)
}

/// False when no match begins with `c`; a table look-up for the BMP.
pub(crate) fn may_start(c: char) -> bool {
    let cp = u32::from(c);
    match BMP_STARTS.get((cp >> 6) as usize) {
        Some(word) => word & (1 << (cp & 63)) != 0,
        None => true,
    }
}

/// The emoji blocks where most matches start: U+2000–U+32FF (symbols,
/// arrows, dingbats) and U+1F000–U+1FAFF (the pictographs).
const DENSE: [(u32, u32); 2] = [(0x2000, 0x3300), (0x1F000, 0x1FB00)];

/// For each code point of the [`DENSE`] blocks, one plus the index of the
/// root's edge for it (0: no edge), so that a match's first step is one
/// look-up instead of a binary search over the root's thousand edges.
static ROOT_EDGES: LazyLock<Vec<u16>> = LazyLock::new(|| {
    let size = DENSE.iter().map(|(lo, hi)| (hi - lo) as usize).sum();
    let mut table = vec![0u16; size];
    let root = NODES[0];
    let first = root.first_edge as usize;
    for i in 0..root.edge_count as usize {
        let Some(slot) = EDGE_CODE_POINTS
            .get(first + i)
            .copied()
            .and_then(dense_slot)
        else {
            continue;
        };
        if let (Some(entry), Ok(value)) = (table.get_mut(slot), u16::try_from(i + 1)) {
            *entry = value;
        }
    }
    table
});

/// Position of `cp` in [`ROOT_EDGES`], when it lies in a dense block.
fn dense_slot(cp: u32) -> Option<usize> {
    let mut offset = 0;
    for (lo, hi) in DENSE {
        if (lo..hi).contains(&cp) {
            return Some(offset + (cp - lo) as usize);
        }
        offset += (hi - lo) as usize;
    }
    None
}

/// The root's child for `c`.
fn root_child(c: char) -> Option<Node> {
    let root = &NODES[0];
    let Some(slot) = dense_slot(u32::from(c)) else {
        return child(root, c);
    };
    let i = usize::from(*ROOT_EDGES.get(slot)?).checked_sub(1)?;
    let target = *EDGE_TARGETS.get(root.first_edge as usize + i)?;
    NODES.get(target as usize).copied()
}

fn child(node: &Node, c: char) -> Option<Node> {
    let start = node.first_edge as usize;
    let end = start + node.edge_count as usize;
    let cps = EDGE_CODE_POINTS.get(start..end)?;
    let i = cps.binary_search(&u32::from(c)).ok()?;
    let target = *EDGE_TARGETS.get(start + i)?;
    NODES.get(target as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emoji_table::STRING_COUNT;

    fn matched(text: &str) -> Option<&str> {
        match_len(text).map(|n| &text[..n])
    }

    #[test]
    fn table_is_consistent() {
        let ends = NODES
            .iter()
            .filter(|n| n.free != NONE || n.guard != NONE)
            .count();
        assert_eq!(
            ends, STRING_COUNT,
            "every string of the regex ends at its own node"
        );
        assert_eq!(EDGE_CODE_POINTS.len(), EDGE_TARGETS.len());
        assert_eq!(NODES.len(), EDGE_TARGETS.len() + 1);
        for node in &NODES {
            let start = node.first_edge as usize;
            let edges = &EDGE_CODE_POINTS[start..start + node.edge_count as usize];
            assert!(edges.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn start_bitmap_and_ascii_starts_match_the_trie() {
        let root = &NODES[0];
        let first = root.first_edge as usize;
        let roots = &EDGE_CODE_POINTS[first..first + root.edge_count as usize];
        let ascii_roots: Vec<u32> = roots.iter().copied().filter(|cp| *cp < 0x80).collect();
        let keycap_bases: Vec<u32> = "#*0123456789".chars().map(u32::from).collect();
        assert_eq!(
            ascii_roots, keycap_bases,
            "only keycap bases start in ASCII"
        );
        for cp in 0..0x10000u32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            assert_eq!(may_start(c), roots.contains(&cp), "U+{cp:04X}");
        }
    }

    #[test]
    fn first_alternative_wins_not_the_longest() {
        assert_eq!(matched("✨\u{FE0F}"), Some("✨"));
        assert_eq!(matched("\u{FE0F}"), Some("\u{FE0F}"));
        assert_eq!(matched("©\u{FE0F}"), Some("©\u{FE0F}"));
        assert_eq!(matched("©"), None);
        assert_eq!(matched("❤\u{FE0F}"), Some("❤\u{FE0F}"));
    }

    #[test]
    fn keycaps_flags_tones_and_sequences() {
        assert_eq!(matched("1\u{FE0F}\u{20E3}x"), Some("1\u{FE0F}\u{20E3}"));
        assert_eq!(matched("1\u{20E3}"), Some("1\u{20E3}"));
        assert_eq!(matched("1\u{FE0F}"), None);
        assert_eq!(matched("12"), None);
        assert_eq!(matched("🇯🇵🇯"), Some("🇯🇵"));
        assert_eq!(matched("🇯"), Some("🇯"));
        assert_eq!(matched("👍🏽!"), Some("👍🏽"));
        assert_eq!(matched("👨‍👩‍👧‍👦"), Some("👨‍👩‍👧‍👦"));
        assert_eq!(matched("🏳️‍🌈"), Some("🏳️‍🌈"));
        let england = "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";
        assert_eq!(matched(england), Some(england));
        // Newer than the regex: falls apart at the ZWJ.
        assert_eq!(matched("🧑‍💻"), Some("🧑"));
        assert_eq!(matched("a😀"), None);
    }

    #[test]
    fn text_presentation_selector_blocks_guarded_alternatives() {
        assert_eq!(matched("☺\u{FE0E}"), None);
        assert_eq!(matched("☺"), Some("☺"));
        assert_eq!(matched("☺\u{FE0F}"), Some("☺\u{FE0F}"));
    }
}
