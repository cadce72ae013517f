//! Entities found in a text: URLs, hashtags, mentions and cashtags.

use std::ops::Range;

/// What kind of entity was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    /// A URL, with or without a scheme.
    Url,
    /// A `#hashtag` (or full-width `＃`).
    Hashtag,
    /// An `@mention` (or full-width `＠`).
    Mention,
    /// A `$CASHTAG`.
    Cashtag,
}

/// One entity in a text, with its position in both byte and UTF-16 units.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entity {
    /// What kind of entity this is.
    pub kind: EntityKind,
    /// Byte range of the whole entity in the text, sigil (`#`, `@`, `$`) included.
    pub range: Range<usize>,
    /// Byte range of the value: the URL itself, or the name without its sigil.
    pub value: Range<usize>,
    /// `[start, end)` in UTF-16 code units, sigil included, as twitter-text reports.
    pub indices: (usize, usize),
}

impl Entity {
    /// The entity's value (URL, or name without sigil) as a slice of `text`,
    /// which must be the text the entity was extracted from.
    pub fn value_in<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.value.clone()).unwrap_or("")
    }

    /// The whole entity, sigil included, as a slice of `text`.
    pub fn text_in<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.range.clone()).unwrap_or("")
    }
}
