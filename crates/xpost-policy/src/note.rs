//! Render notes: what rendering changed, said in words a user can act on.

use std::fmt;

use serde::Serialize;

/// Something rendering changed, so that nobody is surprised by the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "note")]
#[non_exhaustive]
pub enum RenderNote {
    /// The caption was cut to fit one post.
    Truncated,
    /// A thread would have needed `needed` posts, over `text.max_thread_posts`
    /// (`max`), so the caption was cut into one post instead.
    ThreadCut {
        /// Posts the whole caption needs.
        needed: usize,
        /// The most allowed.
        max: usize,
    },
    /// Media of the source post left out.
    MediaDropped {
        /// How many items.
        count: usize,
        /// Why.
        reason: String,
    },
    /// Instagram @mentions made inert so that they notify nobody on X.
    MentionsNeutralised {
        /// How many.
        count: usize,
    },
    /// URLs removed from the caption (`text.no_link` with
    /// `text.caption_urls = "remove"`).
    UrlsRemoved {
        /// How many.
        count: usize,
    },
    /// Hashtags to append that did not fit.
    HashtagsDropped {
        /// The tags, without `#`.
        tags: Vec<String>,
    },
}

impl fmt::Display for RenderNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderNote::Truncated => f.write_str("truncated: the caption was cut to fit one post"),
            RenderNote::ThreadCut { needed, max } => write!(
                f,
                "thread cut: the caption needs {needed} posts, over max_thread_posts = {max}, so it was cut into one"
            ),
            RenderNote::MediaDropped { count, reason } => {
                write!(f, "media dropped: {count} item(s) left out ({reason})")
            }
            RenderNote::MentionsNeutralised { count } => write!(
                f,
                "mentions neutralised: {count} @mention(s) made inert so they notify nobody on X"
            ),
            RenderNote::UrlsRemoved { count } => {
                write!(
                    f,
                    "urls removed: {count} URL(s) left out of the caption (no_link)"
                )
            }
            RenderNote::HashtagsDropped { tags } => {
                write!(f, "hashtags dropped for lack of room: #{}", tags.join(" #"))
            }
        }
    }
}
