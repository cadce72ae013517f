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

/// Fills the UTF-16 `indices` of entities sorted by start.
fn fill_indices(text: &str, entities: &mut [Entity]) {
    let mut pos = 0;
    let mut units = 0;
    for e in entities {
        if e.range.start < pos {
            pos = 0;
            units = 0;
        }
        units += crate::utf16::len(&text[pos..e.range.start]);
        let start = units;
        units += crate::utf16::len(&text[e.range.clone()]);
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
    let mut out = find_urls(text);
    fill_indices(text, &mut out);
    out
}

/// Hashtags as `extractHashtagsWithIndices` (URL overlaps removed).
pub fn hashtags(text: &str) -> Vec<Entity> {
    let mut tags = find_hashtags(text, None);
    fill_indices(text, &mut tags);
    tags
}

/// Mentions as `extractMentionsWithIndices` (lists excluded).
pub fn mentions(text: &str) -> Vec<Entity> {
    let mut out = find_mentions(text);
    fill_indices(text, &mut out);
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

/// Cashtags as `extractCashtagsWithIndices`.
pub fn cashtags(text: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    cashtag::find(text, &mut out);
    fill_indices(text, &mut out);
    out
}

/// The four kinds of entity of one text, each as its own extractor finds it.
pub(crate) struct Found {
    /// As [`urls`].
    pub(crate) urls: Vec<Entity>,
    /// As [`hashtags`].
    pub(crate) hashtags: Vec<Entity>,
    /// As [`mentions`].
    pub(crate) mentions: Vec<Entity>,
    /// As [`cashtags`].
    pub(crate) cashtags: Vec<Entity>,
}

/// What [`urls`], [`hashtags`], [`mentions`] and [`cashtags`] answer, with
/// the URLs found once and the UTF-16 indices of all four counted in one pass.
pub(crate) fn find_all(text: &str) -> Found {
    let urls = find_urls(text);
    let hashtags = find_hashtags(text, Some(&urls));
    let mut cashtags = Vec::new();
    cashtag::find(text, &mut cashtags);
    let mut found = Found {
        urls,
        hashtags,
        mentions: find_mentions(text),
        cashtags,
    };
    fill_indices_of_all(
        text,
        &mut [
            &mut found.urls,
            &mut found.hashtags,
            &mut found.mentions,
            &mut found.cashtags,
        ],
    );
    found
}

/// URLs without their UTF-16 indices.
fn find_urls(text: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    if url::has_candidate(text) {
        url::find(text, &mut out);
    }
    out
}

/// Hashtags without their UTF-16 indices, the URLs of `text` given or found.
fn find_hashtags(text: &str, urls: Option<&[Entity]>) -> Vec<Entity> {
    let mut tags = Vec::new();
    hashtag::find(text, &mut tags);
    if tags.is_empty() {
        return tags;
    }
    let found = tags.len();
    match urls {
        Some(urls) => tags.extend_from_slice(urls),
        None if url::has_candidate(text) => url::find(text, &mut tags),
        None => {}
    }
    if tags.len() > found {
        // Overlaps go as in the official library (a hashtag first at an
        // equal start), then the URLs.
        remove_overlaps(&mut tags);
        tags.retain(|e| e.kind == EntityKind::Hashtag);
    }
    tags
}

/// Mentions (lists excluded) without their UTF-16 indices.
fn find_mentions(text: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    mention::find(text, &mut out);
    out.retain(|e| e.range.end == e.value.end);
    out
}

/// Fills the UTF-16 indices of several lists of entities, each sorted by
/// start, counting the text once: the entities of all lists are visited in
/// order of start (a merge), and a cursor converts byte offsets as it goes,
/// starting over only when an entity of one list overlaps one of another.
fn fill_indices_of_all(text: &str, lists: &mut [&mut Vec<Entity>; 4]) {
    let mut next = [0usize; 4];
    let (mut pos, mut units) = (0, 0);
    let mut at = |byte: usize| {
        if byte < pos {
            (pos, units) = (0, 0);
        }
        units += crate::utf16::len(text.get(pos..byte).unwrap_or(""));
        pos = byte;
        units
    };
    loop {
        let mut best: Option<(usize, usize)> = None;
        for (k, list) in lists.iter().enumerate() {
            if let Some(e) = list.get(next[k]) {
                if best.is_none_or(|(_, start)| e.range.start < start) {
                    best = Some((k, e.range.start));
                }
            }
        }
        let Some((k, _)) = best else { break };
        if let Some(e) = lists[k].get_mut(next[k]) {
            let start = at(e.range.start);
            e.indices = (start, at(e.range.end));
        }
        next[k] += 1;
    }
}

/// The screen name a reply is addressed to, as `extractReplies`: the text
/// starts (after spaces) with a mention that is not followed by `@`, a Latin
/// accented letter or `://`.
pub fn reply(text: &str) -> Option<&str> {
    mention::reply(text)
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
