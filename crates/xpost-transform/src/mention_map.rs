//! Rewriting Instagram `@handles` for X.
//!
//! An Instagram handle in a caption (`@` not preceded by an ASCII letter, digit or
//! `_`, then up to 30 of `A-Z a-z 0-9 . _`, a trailing `.` being sentence
//! punctuation) means someone on Instagram. On X the same text would mention
//! whoever owns that name there, or, since twitter-text stops a mention at a
//! `.`, whoever owns its first piece (`@john.doe` mentions `@john`). So
//! [`MentionMap::apply`] rewrites every one of them:
//!
//! * **mapped** handles (case-insensitively) become `@xhandle`, a real X mention;
//! * **unmapped** handles are **neutralised**: a U+2060 WORD JOINER is put
//!   between the `@` and the name. It is invisible, keeps `@name` from being
//!   broken across lines, and twitter-text needs a name character right after
//!   the `@`, so no mention is found. It weighs 2. When the name contains a
//!   `.` and the joiner would let the rest be read as a domain (`@shop.co`
//!   would turn into the link `shop.co`), a joiner also follows every `.`.
//!
//! Afterwards the text is checked with [`crate::extract::mentions`]: any
//! mention X would still see that is not one of the mapped ones (`＠name`
//! with the full-width at sign, `rt:@name`, `é@name`) is neutralised the same
//! way. E-mail addresses (`me@example.com`) are not mentions on either side
//! and are left alone, and so is every `@` inside a link
//! (`https://www.tiktok.com/@name`, `medium.com/@name`): it belongs to the
//! link, which X reads as a whole.
//!
//! Fitting and thread splitting never cut into a neutralised handle or an
//! e-mail address, although X sees no entity in either: half of one would
//! leave a lone `@` or a broken address.

use std::collections::HashMap;
use std::ops::Range;

use crate::error::TransformError;
use crate::extract;

/// U+2060 WORD JOINER: invisible and not a name character.
const JOINER: char = '\u{2060}';

/// Instagram handle → X handle, looked up case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MentionMap {
    map: HashMap<String, String>,
}

fn is_ig_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '_'
}

/// `handle` without a leading `@`, if it is a valid Instagram handle.
fn ig_handle(handle: &str) -> Result<&str, TransformError> {
    let bare = handle.strip_prefix('@').unwrap_or(handle);
    if (1..=30).contains(&bare.len()) && bare.chars().all(is_ig_char) {
        Ok(bare)
    } else {
        Err(TransformError::BadHandle(handle.to_owned()))
    }
}

/// `handle` without a leading `@`, if it is a valid X handle.
fn x_handle(handle: &str) -> Result<&str, TransformError> {
    let bare = handle.strip_prefix('@').unwrap_or(handle);
    if (1..=15).contains(&bare.len()) && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        Ok(bare)
    } else {
        Err(TransformError::BadHandle(handle.to_owned()))
    }
}

impl MentionMap {
    /// An empty map: every handle gets neutralised.
    pub fn new() -> Self {
        Self::default()
    }

    /// A map from `(instagram, x)` pairs; either may start with `@`.
    ///
    /// # Errors
    /// [`TransformError::BadHandle`] for a handle that is not valid on its platform.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self, TransformError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut map = Self::new();
        for (ig, x) in pairs {
            map.insert(ig.as_ref(), x.as_ref())?;
        }
        Ok(map)
    }

    /// Maps Instagram `ig` to X `x`, replacing any earlier mapping of `ig`.
    ///
    /// # Errors
    /// [`TransformError::BadHandle`] for a handle that is not valid on its platform.
    pub fn insert(&mut self, ig: &str, x: &str) -> Result<(), TransformError> {
        let ig = ig_handle(ig)?.to_ascii_lowercase();
        let x = x_handle(x)?.to_owned();
        self.map.insert(ig, x);
        Ok(())
    }

    /// The X handle (without `@`) for Instagram handle `ig`, if mapped.
    pub fn get(&self, ig: &str) -> Option<&str> {
        let bare = ig.strip_prefix('@').unwrap_or(ig);
        self.map.get(&bare.to_ascii_lowercase()).map(String::as_str)
    }

    /// How many handles are mapped.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no handle is mapped.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// `text` with every Instagram mention mapped or neutralised; see the module docs.
    ///
    /// ```
    /// use xpost_transform::mention_map::MentionMap;
    /// let map = MentionMap::from_pairs([("jane.doe", "JaneOnX")])?;
    /// assert_eq!(map.apply("with @Jane.Doe and @bob."), "with @JaneOnX and @\u{2060}bob.");
    /// # Ok::<(), xpost_transform::TransformError>(())
    /// ```
    pub fn apply(&self, text: &str) -> String {
        self.rewrite(text, None)
    }

    /// `text` with the mentions that overlap one of `spans` (byte ranges of
    /// `text`) mapped or neutralised, and every other mention left as it is.
    ///
    /// Templates use this for the text their variables bring in: around it,
    /// the caption was already rewritten by the caller, and the template's
    /// own words are the operator's, written for X.
    pub(crate) fn apply_within(&self, text: &str, spans: &[Range<usize>]) -> String {
        self.rewrite(text, Some(spans.to_vec()))
    }

    /// The rewrite of [`Self::apply`], limited to mentions overlapping
    /// `spans` when given.
    fn rewrite(&self, text: &str, spans: Option<Vec<Range<usize>>>) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        // Byte offsets in `out` where a mapped mention starts.
        let mut mapped = Vec::new();
        // What each rewritten handle was in `text` and became in `out`.
        let mut edits: Vec<(Range<usize>, Range<usize>)> = Vec::new();
        // Links such as `tiktok.com/@name` hold an `@` that belongs to the
        // link: a joiner there would break it, and X reads no mention in it.
        let urls = url_ranges(text);
        let mut rest = text;
        let mut prev: Option<char> = None;
        while let Some(at) = rest.find('@') {
            let (before, from_at) = rest.split_at(at);
            out.push_str(before);
            let prev_char = before.chars().next_back().or(prev);
            let after = &from_at[1..];
            let run = after.find(|c: char| !is_ig_char(c)).unwrap_or(after.len());
            let handle = after[..run].trim_end_matches('.');
            let starts_mention = !prev_char.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            let pos = text.len() - from_at.len();
            let whole = pos..pos + 1 + handle.len();
            let in_scope = spans.as_deref().is_none_or(|s| overlaps(s, &whole));
            if !starts_mention || handle.is_empty() || inside(&urls, pos) || !in_scope {
                out.push('@');
                prev = Some('@');
                rest = after;
                continue;
            }
            let out_start = out.len();
            match self.get(handle) {
                Some(x) => {
                    mapped.push(out.len());
                    out.push('@');
                    out.push_str(x);
                }
                None => {
                    let context_end = after
                        .find(char::is_whitespace)
                        .unwrap_or(after.len())
                        .max(handle.len());
                    out.push('@');
                    out.push_str(&neutral_name(handle, &after[handle.len()..context_end]));
                }
            }
            edits.push((whole, out_start..out.len()));
            prev = handle.chars().next_back();
            rest = &after[handle.len()..];
        }
        out.push_str(rest);
        let spans = spans.map(|spans| {
            spans
                .iter()
                .map(|r| moved(&edits, r.start, false)..moved(&edits, r.end, true))
                .collect()
        });
        neutralise_leftovers(out, mapped, spans)
    }
}

/// Where byte offset `at` of a text lies after `edits` (ascending, each the
/// range replaced and the range that replaced it). An offset inside a
/// replaced range goes to the start of its replacement, or to its end for
/// the `end` of a range, so that ranges only grow.
fn moved(edits: &[(Range<usize>, Range<usize>)], at: usize, end: bool) -> usize {
    let i = edits.partition_point(|(was, _)| was.end <= at);
    match (i.checked_sub(1).and_then(|j| edits.get(j)), edits.get(i)) {
        (_, Some((was, now))) if was.start < at => {
            if end {
                now.end
            } else {
                now.start
            }
        }
        (Some((was, now)), _) => at - was.end + now.end,
        (None, _) => at,
    }
}

/// Whether `range` shares a byte with one of `spans`.
fn overlaps(spans: &[Range<usize>], range: &Range<usize>) -> bool {
    spans
        .iter()
        .any(|s| s.start < range.end && range.start < s.end)
}

impl TryFrom<HashMap<String, String>> for MentionMap {
    type Error = TransformError;

    fn try_from(pairs: HashMap<String, String>) -> Result<Self, Self::Error> {
        Self::from_pairs(pairs)
    }
}

/// The byte ranges of the neutralised mentions (`@` or `＠`, the joiner, the
/// name) and e-mail addresses in `text`, in order.
///
/// Neither is an entity for X, but both must stay whole when a text is cut:
/// a cut inside would leave a lone `@` or half an address.
pub(crate) fn at_sign_words(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(['@', '＠']) {
        let at = from + found;
        let sigil_end = at + text[at..].chars().next().map_or(1, char::len_utf8);
        let after = &text[sigil_end..];
        from = sigil_end;
        if let Some(name) = after.strip_prefix(JOINER) {
            let run = name
                .find(|c: char| !is_ig_char(c) && c != JOINER)
                .unwrap_or(name.len());
            let kept = name[..run].trim_end_matches(['.', JOINER]);
            if !kept.is_empty() {
                let end = sigil_end + JOINER.len_utf8() + kept.len();
                out.push(at..end);
                from = end;
            }
        } else if text[at..].starts_with('@') {
            let local = text[..at]
                .rfind(|c: char| !is_email_char(c))
                .map_or(0, |i| {
                    i + text[i..].chars().next().map_or(1, char::len_utf8)
                });
            let domain = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                .unwrap_or(after.len());
            let domain = after[..domain].trim_end_matches(['.', '-']);
            if local < at && !domain.is_empty() {
                let end = sigil_end + domain.len();
                out.push(local..end);
                from = end;
            }
        }
    }
    out
}

/// A character of the local part of an e-mail address.
fn is_email_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// The byte ranges of the links in `text`, in order.
fn url_ranges(text: &str) -> Vec<Range<usize>> {
    extract::urls(text).into_iter().map(|e| e.range).collect()
}

/// Whether byte offset `at` lies within one of `ranges` (sorted, disjoint).
fn inside(ranges: &[Range<usize>], at: usize) -> bool {
    let i = ranges.partition_point(|r| r.end <= at);
    ranges.get(i).is_some_and(|r| r.start <= at)
}

/// What follows the `@` of an unmapped `handle`, given the text right after it.
fn neutral_name(handle: &str, tail: &str) -> String {
    let joined = format!("{JOINER}{handle}");
    let plain_urls = extract::urls(&format!("@{handle}{tail}")).len();
    if !handle.contains('.') || extract::urls(&format!("@{joined}{tail}")).len() <= plain_urls {
        return joined;
    }
    let mut out = String::from(JOINER);
    for c in handle.chars() {
        out.push(c);
        if c == '.' {
            out.push(JOINER);
        }
    }
    out
}

/// Puts a joiner after the sigil of every mention in `text` that does not
/// start at one of the `mapped` offsets.
fn neutralise_leftovers(
    mut text: String,
    mut mapped: Vec<usize>,
    mut spans: Option<Vec<Range<usize>>>,
) -> String {
    // Each round removes the mentions found; a joiner cannot create a new one,
    // but the bound keeps this finite whatever the extractor does.
    for _ in 0..4 {
        let urls = url_ranges(&text);
        // Lists (`＠name/list`) too: X links them to the name as well.
        let stray: Vec<usize> = extract::mentions_or_lists(&text)
            .iter()
            .filter(|m| spans.as_deref().is_none_or(|s| overlaps(s, &m.range)))
            .map(|m| m.range.start)
            .filter(|&start| !mapped.contains(&start) && !inside(&urls, start))
            .collect();
        if stray.is_empty() {
            break;
        }
        for &start in stray.iter().rev() {
            let sigil = text[start..].chars().next().map_or(1, char::len_utf8);
            let at = start + sigil;
            text.insert(at, JOINER);
            let shift = |offset: &mut usize| {
                if *offset >= at {
                    *offset += JOINER.len_utf8();
                }
            };
            mapped.iter_mut().for_each(shift);
            for span in spans.iter_mut().flatten() {
                shift(&mut span.start);
                shift(&mut span.end);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_validated() {
        assert!(MentionMap::from_pairs([("a.b_c", "@x_1")]).is_ok());
        assert!(MentionMap::from_pairs([("a-b", "x")]).is_err());
        assert!(MentionMap::from_pairs([("a".repeat(31), "x".to_owned())]).is_err());
        assert!(MentionMap::from_pairs([("a", "x.y")]).is_err());
        assert!(MentionMap::from_pairs([("a", "x".repeat(16))]).is_err());
        assert!(MentionMap::from_pairs([("", "x")]).is_err());
        assert_eq!(
            MentionMap::from_pairs([("ok", "")]),
            Err(TransformError::BadHandle(String::new()))
        );
    }

    #[test]
    fn lookup_ignores_case_and_at_sign() {
        let map = MentionMap::from_pairs([("@Jane.Doe", "jane")]).unwrap();
        assert_eq!(map.get("jane.doe"), Some("jane"));
        assert_eq!(map.get("@JANE.DOE"), Some("jane"));
        assert_eq!(map.get("jane"), None);
        assert_eq!(map.len(), 1);
        assert!(!map.is_empty());
    }
}
