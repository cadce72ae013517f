//! Entity extraction, exactly as twitter-text 3.1.0's `extract*WithIndices`.
//!
//! The library finds entities with global regexes. This module gives the same
//! answers without a regex engine: each extractor jumps with `memchr` to its
//! trigger byte (`.` for URLs, `#`, `@`, `$`, and the lead byte of `＃`/`＠`)
//! and decides locally, replaying the regex's order of attempts, its
//! backtracking and the way a global regex consumes text even for matches
//! the library then drops. Character classes come from tables generated from
//! the library's own regexes (`tools/gen_extract_tables.js`), so they follow
//! its Unicode data, not Rust's.
//!
//! Nothing is allocated except the returned `Vec` (and nothing at all when
//! the text has no entity). Byte ranges are filled alongside the UTF-16
//! `indices` the library reports.
//!
//! ```
//! use xpost_transform::extract;
//!
//! let text = "Sunset at #Kyoto with @friend 🌅 https://example.com/p?id=1.";
//! let tags: Vec<&str> = extract::hashtags(text).iter().map(|e| e.value_in(text)).collect();
//! assert_eq!(tags, ["Kyoto"]);
//! let urls = extract::urls(text);
//! assert_eq!(urls[0].value_in(text), "https://example.com/p?id=1");
//! assert_eq!(urls[0].indices, (33, 59)); // UTF-16 units: the emoji counts 2
//! ```

mod cashtag;
mod chars;
mod hashtag;
mod mention;
mod tables;
mod tld;
mod url;

use crate::entity::{Entity, EntityKind};

/// Length of `s` in UTF-16 code units.
#[inline]
pub(crate) fn utf16_len(s: &str) -> usize {
    s.bytes()
        .map(|b| usize::from((b & 0xC0) != 0x80) + usize::from(b >= 0xF0))
        .sum()
}

/// Fills the UTF-16 `indices` of entities sorted by start.
fn fill_indices(text: &str, entities: &mut [Entity]) {
    let mut pos = 0;
    let mut units = 0;
    for e in entities {
        if e.range.start < pos {
            pos = 0;
            units = 0;
        }
        units += utf16_len(&text[pos..e.range.start]);
        let start = units;
        units += utf16_len(&text[e.range.clone()]);
        pos = e.range.end;
        e.indices = (start, units);
    }
}

/// Sorts by start (stable, so equal starts keep their order) and drops every
/// entity that starts before the previous kept one ends, as
/// `removeOverlappingEntities`.
fn remove_overlaps(entities: &mut Vec<Entity>) {
    entities.sort_by_key(|e| e.range.start);
    let mut prev_end = None;
    entities.retain(|e| {
        if prev_end.is_some_and(|end| end > e.range.start) {
            return false;
        }
        prev_end = Some(e.range.end);
        true
    });
}

/// Whether `text` may hold a URL at all; when false, [`urls`] is empty.
pub fn has_url_candidate(text: &str) -> bool {
    url::has_candidate(text)
}

/// URLs, with and without scheme, as `extractUrlsWithIndices`.
///
/// The value is the URL. One quirk cannot be a slice of the text: for a
/// scheme-less URL with a path whose domain ends in non-ASCII labels after
/// its ASCII part, the library's URL string skips those labels while its
/// indices cover them; here the value covers them too.
pub fn urls(text: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    if url::has_candidate(text) {
        url::find(text, &mut out);
        fill_indices(text, &mut out);
    }
    out
}

/// Hashtags as `extractHashtagsWithIndices` (URL overlaps removed).
pub fn hashtags(text: &str) -> Vec<Entity> {
    let mut tags = Vec::new();
    hashtag::find(text, &mut tags);
    if !tags.is_empty() && url::has_candidate(text) {
        let found = tags.len();
        url::find(text, &mut tags);
        if tags.len() > found {
            remove_overlaps(&mut tags);
            tags.retain(|e| e.kind == EntityKind::Hashtag);
        }
    }
    fill_indices(text, &mut tags);
    tags
}

/// Mentions as `extractMentionsWithIndices` (lists excluded).
pub fn mentions(text: &str) -> Vec<Entity> {
    let mut out = mentions_or_lists(text);
    out.retain(|e| e.range.end == e.value.end);
    out
}

/// Mentions and lists as `extractMentionsOrListsWithIndices`. The value is
/// the screen name; for a list the range also covers the slug, which is
/// `text[e.value.end..e.range.end]` (`/slug`, slash included).
pub fn mentions_or_lists(text: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    mention::find(text, &mut out);
    fill_indices(text, &mut out);
    out
}

/// The screen name a reply is addressed to, as `extractReplies`: the text
/// starts (after spaces) with a mention that is not followed by `@`, a Latin
/// accented letter or `://`.
pub fn reply(text: &str) -> Option<&str> {
    mention::reply(text)
}

/// Cashtags as `extractCashtagsWithIndices`.
pub fn cashtags(text: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    cashtag::find(text, &mut out);
    fill_indices(text, &mut out);
    out
}

/// Every entity, sorted by position, overlaps removed, as
/// `extractEntitiesWithIndices`: URLs, mentions and lists (a list is a
/// [`EntityKind::Mention`] whose range covers its slug), hashtags (without
/// the URL-overlap pass) and cashtags.
pub fn entities(text: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    if url::has_candidate(text) {
        url::find(text, &mut out);
    }
    mention::find(text, &mut out);
    hashtag::find(text, &mut out);
    cashtag::find(text, &mut out);
    if !out.is_empty() {
        remove_overlaps(&mut out);
        fill_indices(text, &mut out);
    }
    out
}

#[cfg(test)]
mod tests;
