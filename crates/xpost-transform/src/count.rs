//! Weighted length and validity, exactly as twitter-text's `parseTweet`.

use crate::config::Config;

/// The result of [`parse_tweet`], field for field twitter-text's `parseTweet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParsedTweet {
    /// Weighted length of the text.
    pub weighted_length: usize,
    /// Whether the text can be posted as one tweet.
    pub valid: bool,
    /// `weighted_length * 1000 / max`, rounded down.
    pub permillage: usize,
    /// Inclusive `[start, end]` of the part that fits, in UTF-16 code units.
    pub valid_range: (usize, usize),
    /// Inclusive `[start, end]` of the whole text, in UTF-16 code units.
    pub display_range: (usize, usize),
}

/// Parses `text` as twitter-text's `parseTweet` does under `config`.
pub fn parse_tweet(text: &str, config: &Config) -> ParsedTweet {
    let _ = (text, config);
    unimplemented!("count: in progress")
}

/// The weighted length of `text` under `config` alone.
pub fn weighted_length(text: &str, config: &Config) -> usize {
    parse_tweet(text, config).weighted_length
}
