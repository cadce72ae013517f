//! The one error type of this crate.

/// Everything that can go wrong in `xpost-transform`. All variants are bad
/// input: retrying with the same input gives the same error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransformError {
    /// A configuration name other than `v1`, `v2` or `v3`.
    #[error("unknown twitter-text config {0:?}: use v1, v2 or v3")]
    UnknownConfig(String),
    /// A configuration JSON that could not be used.
    #[error("invalid twitter-text config: {0}")]
    BadConfig(String),
    /// A template that refers to a variable this crate does not know.
    #[error(
        "unknown template variable {{{0}}}: known are caption, permalink, username, hashtags, date"
    )]
    UnknownVariable(String),
    /// A template with an unbalanced `{` or `}`.
    #[error("malformed template: {0}")]
    BadTemplate(String),
    /// Even with an empty caption and no hashtags the tweet is over budget or invalid.
    #[error(
        "the template alone needs {needed} of a budget of {budget} weighted characters; shorten the template or raise the budget"
    )]
    TemplateTooLong {
        /// Weighted length of the template rendered with an empty caption.
        needed: usize,
        /// The budget that was asked for.
        budget: usize,
    },
    /// The template fits, but without its caption there is nothing to post,
    /// and even the shortest cut caption (its first piece and the ellipsis)
    /// is over budget.
    #[error(
        "a cut caption needs at least {needed} of a budget of {budget} weighted characters (its first piece and the ellipsis); raise the budget or shorten the ellipsis"
    )]
    CutTooLong {
        /// Weighted length of the text with the shortest cut caption.
        needed: usize,
        /// The budget that was asked for.
        budget: usize,
    },
    /// An ellipsis that holds a link, mention, hashtag or cashtag, which X
    /// would read as one in every cut post.
    #[error(
        "the ellipsis {0:?} holds a link, mention, hashtag or cashtag; use plain text such as … or (more)"
    )]
    BadEllipsis(String),
    /// The text contains a character X rejects (U+FFFE, U+FEFF, U+FFFF).
    #[error("the text contains a character X rejects (U+{0:04X}); remove it")]
    InvalidCharacter(u32),
    /// The budget is outside what a tweet can be.
    #[error("budget {0} is not usable: it must be at least 1")]
    BadBudget(usize),
    /// The text to post would be empty or only whitespace (no caption and
    /// nothing else in the template).
    #[error("nothing to post: the text is empty")]
    EmptyText,
    /// One piece that cannot be split (a URL, mention, hashtag, cashtag or a single
    /// grapheme) is larger than a whole thread part.
    #[error(
        "an unbreakable piece needs {needed} of a budget of {budget} weighted characters per part; raise the budget"
    )]
    PartTooLong {
        /// Weighted length of the smallest part that would hold the piece.
        needed: usize,
        /// The per-part budget that was asked for.
        budget: usize,
    },
    /// A handle that is not a valid Instagram or X username.
    #[error(
        "invalid handle {0:?}: Instagram handles are 1-30 of A-Z a-z 0-9 . _, X handles 1-15 of A-Z a-z 0-9 _"
    )]
    BadHandle(String),
    /// A hashtag (to append, or for `{hashtags}`) that twitter-text would not
    /// read as one whole hashtag.
    #[error(
        "invalid hashtag {0:?}: it must be a single hashtag (letters, digits, _), not only digits"
    )]
    BadHashtag(String),
}
