//! Entity extraction, exactly as twitter-text's `extract*WithIndices`.

use crate::entity::Entity;

/// URLs, with and without scheme, as `extractUrlsWithIndices`.
pub fn urls(text: &str) -> Vec<Entity> {
    let _ = text;
    unimplemented!("extract: in progress")
}

/// Hashtags as `extractHashtagsWithIndices` (URL overlaps removed).
pub fn hashtags(text: &str) -> Vec<Entity> {
    let _ = text;
    unimplemented!("extract: in progress")
}

/// Mentions as `extractMentionsWithIndices` (lists excluded).
pub fn mentions(text: &str) -> Vec<Entity> {
    let _ = text;
    unimplemented!("extract: in progress")
}

/// Cashtags as `extractCashtagsWithIndices`.
pub fn cashtags(text: &str) -> Vec<Entity> {
    let _ = text;
    unimplemented!("extract: in progress")
}

/// Every entity, sorted by position, overlaps removed, as `extractEntitiesWithIndices`.
pub fn entities(text: &str) -> Vec<Entity> {
    let _ = text;
    unimplemented!("extract: in progress")
}
