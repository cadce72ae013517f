//! The full answer for one text: counting and every entity, in the exact
//! shape of `xpost text parse` (the public contract, section 1).

use serde::Serialize;

use crate::config::Config;
use crate::count::parse_tweet;
use crate::entity::Entity;
use crate::extract;

/// A URL entity as reported by `xpost text parse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrlReport {
    /// The URL as written in the text.
    pub url: String,
    /// `[start, end)` in UTF-16 code units.
    pub indices: [usize; 2],
}

/// A hashtag entity as reported by `xpost text parse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashtagReport {
    /// The hashtag without its `#`.
    pub hashtag: String,
    /// `[start, end)` in UTF-16 code units, `#` included.
    pub indices: [usize; 2],
}

/// A mention entity as reported by `xpost text parse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MentionReport {
    /// The screen name without its `@`.
    pub screen_name: String,
    /// `[start, end)` in UTF-16 code units, `@` included.
    pub indices: [usize; 2],
}

/// A cashtag entity as reported by `xpost text parse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CashtagReport {
    /// The cashtag without its `$`.
    pub cashtag: String,
    /// `[start, end)` in UTF-16 code units, `$` included.
    pub indices: [usize; 2],
}

/// Everything `xpost text parse` says about one text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextReport {
    /// Weighted length under the chosen config.
    pub weighted_length: usize,
    /// Whether the text can be posted as one tweet.
    pub valid: bool,
    /// `weighted_length * 1000 / max`, rounded down.
    pub permillage: usize,
    /// Inclusive UTF-16 range of the part that fits.
    pub valid_range: [usize; 2],
    /// Inclusive UTF-16 range of the whole text.
    pub display_range: [usize; 2],
    /// URLs, as `extractUrlsWithIndices`.
    pub urls: Vec<UrlReport>,
    /// Hashtags, as `extractHashtagsWithIndices`.
    pub hashtags: Vec<HashtagReport>,
    /// Mentions, as `extractMentionsWithIndices`.
    pub mentions: Vec<MentionReport>,
    /// Cashtags, as `extractCashtagsWithIndices`.
    pub cashtags: Vec<CashtagReport>,
}

fn indices(e: &Entity) -> [usize; 2] {
    [e.indices.0, e.indices.1]
}

/// Counts `text` under `config` and extracts every entity.
pub fn report(text: &str, config: &Config) -> TextReport {
    let parsed = parse_tweet(text, config);
    let value = |e: &Entity| e.value_in(text).to_owned();
    TextReport {
        weighted_length: parsed.weighted_length,
        valid: parsed.valid,
        permillage: parsed.permillage,
        valid_range: [parsed.valid_range.0, parsed.valid_range.1],
        display_range: [parsed.display_range.0, parsed.display_range.1],
        urls: extract::urls(text)
            .iter()
            .map(|e| UrlReport { url: value(e), indices: indices(e) })
            .collect(),
        hashtags: extract::hashtags(text)
            .iter()
            .map(|e| HashtagReport { hashtag: value(e), indices: indices(e) })
            .collect(),
        mentions: extract::mentions(text)
            .iter()
            .map(|e| MentionReport { screen_name: value(e), indices: indices(e) })
            .collect(),
        cashtags: extract::cashtags(text)
            .iter()
            .map(|e| CashtagReport { cashtag: value(e), indices: indices(e) })
            .collect(),
    }
}
