//! The full answer for one text: counting and every entity, in the exact
//! shape of `xpost text parse` (documented in `docs/cli.md`).

use serde::Serialize;

use crate::config::Config;
use crate::count::{ParsedTweet, parse_tweet_with_urls};
use crate::entity::Entity;
use crate::extract;

/// A URL entity as reported by `xpost text parse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrlReport<'t> {
    /// The URL as written in the text.
    pub url: &'t str,
    /// `[start, end)` in UTF-16 code units.
    pub indices: [usize; 2],
}

/// A hashtag entity as reported by `xpost text parse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashtagReport<'t> {
    /// The hashtag without its `#`.
    pub hashtag: &'t str,
    /// `[start, end)` in UTF-16 code units, `#` included.
    pub indices: [usize; 2],
}

/// A mention entity as reported by `xpost text parse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MentionReport<'t> {
    /// The screen name without its `@`.
    pub screen_name: &'t str,
    /// `[start, end)` in UTF-16 code units, `@` included.
    pub indices: [usize; 2],
}

/// A cashtag entity as reported by `xpost text parse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CashtagReport<'t> {
    /// The cashtag without its `$`.
    pub cashtag: &'t str,
    /// `[start, end)` in UTF-16 code units, `$` included.
    pub indices: [usize; 2],
}

/// Everything `xpost text parse` says about one text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextReport<'t> {
    /// Weighted length under the chosen config.
    pub weighted_length: usize,
    /// Whether the text can be posted as one tweet.
    pub valid: bool,
    /// `weighted_length * 1000 / max`, rounded down.
    pub permillage: usize,
    /// Inclusive UTF-16 range of the part that fits. The end is signed: the
    /// official library reports a negative end for a text that is invalid
    /// from its first character and grows under NFC, and this says the same.
    pub valid_range: [i64; 2],
    /// Inclusive UTF-16 range of the whole text.
    pub display_range: [usize; 2],
    /// URLs, as `extractUrlsWithIndices`.
    pub urls: Vec<UrlReport<'t>>,
    /// Hashtags, as `extractHashtagsWithIndices`.
    pub hashtags: Vec<HashtagReport<'t>>,
    /// Mentions, as `extractMentionsWithIndices`.
    pub mentions: Vec<MentionReport<'t>>,
    /// Cashtags, as `extractCashtagsWithIndices`.
    pub cashtags: Vec<CashtagReport<'t>>,
}

fn indices(e: &Entity) -> [usize; 2] {
    [e.indices.0, e.indices.1]
}

/// Counting and every entity of one text, found together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// What [`parse_tweet`](crate::parse_tweet) says.
    pub parsed: ParsedTweet,
    /// As [`extract::urls`].
    pub urls: Vec<Entity>,
    /// As [`extract::hashtags`].
    pub hashtags: Vec<Entity>,
    /// As [`extract::mentions`].
    pub mentions: Vec<Entity>,
    /// As [`extract::cashtags`].
    pub cashtags: Vec<Entity>,
}

/// Counts `text` under `config` and extracts every entity, the same answers
/// as [`parse_tweet`](crate::parse_tweet) and the four extractors called one by one, but with the
/// URLs extracted once for all three that need them.
///
/// ```
/// use xpost_transform::{Config, analyze};
///
/// let a = analyze("#tag at example.com/#notatag", Config::v3());
/// assert_eq!(a.parsed.weighted_length, 8 + 23);
/// assert_eq!((a.urls.len(), a.hashtags.len()), (1, 1));
/// ```
pub fn analyze(text: &str, config: &Config) -> Analysis {
    let found = extract::find_all(text);
    Analysis {
        parsed: parse_tweet_with_urls(text, config, &found.urls),
        urls: found.urls,
        hashtags: found.hashtags,
        mentions: found.mentions,
        cashtags: found.cashtags,
    }
}

/// Counts `text` under `config` and extracts every entity, in the shape of
/// `xpost text parse`.
pub fn report<'t>(text: &'t str, config: &Config) -> TextReport<'t> {
    let a = analyze(text, config);
    let value = |e: &Entity| e.value_in(text);
    TextReport {
        weighted_length: a.parsed.weighted_length,
        valid: a.parsed.valid,
        permillage: a.parsed.permillage,
        valid_range: [0, a.parsed.reported_valid_range_end],
        display_range: [a.parsed.display_range.0, a.parsed.display_range.1],
        urls: a
            .urls
            .iter()
            .map(|e| UrlReport {
                url: value(e),
                indices: indices(e),
            })
            .collect(),
        hashtags: a
            .hashtags
            .iter()
            .map(|e| HashtagReport {
                hashtag: value(e),
                indices: indices(e),
            })
            .collect(),
        mentions: a
            .mentions
            .iter()
            .map(|e| MentionReport {
                screen_name: value(e),
                indices: indices(e),
            })
            .collect(),
        cashtags: a
            .cashtags
            .iter()
            .map(|e| CashtagReport {
                cashtag: value(e),
                indices: indices(e),
            })
            .collect(),
    }
}
