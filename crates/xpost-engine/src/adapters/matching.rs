//! Whether a post as X returns it is the post that was sent.
//!
//! X rewrites what it is given: every URL in the text comes back as a
//! `https://t.co/…` link, attached media add one more t.co link at the end,
//! and `&`, `<` and `>` come back as HTML entities. Reconciliation after a
//! crash compares X's version with what the engine meant to send, so both
//! sides are brought to one form first: each URL becomes one placeholder, the
//! trailing media link is dropped, entities are decoded.

use xpost_core::{OutgoingPost, PublishedPost};

/// What every URL is replaced by; a character no caption contains as text.
const URL_MARK: &str = "\u{FFFC}";

/// `text` with each URL replaced by [`URL_MARK`] and surrounding space trimmed.
fn without_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for url in xpost_transform::extract::urls(text) {
        if let Some(before) = text.get(last..url.range.start) {
            out.push_str(before);
            out.push_str(URL_MARK);
            last = url.range.end;
        }
    }
    out.push_str(text.get(last..).unwrap_or(""));
    out.trim().to_owned()
}

/// X's text with its entities decoded, URLs marked, and the media link gone.
fn as_sent(published: &str, has_media: bool) -> String {
    let decoded = published
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let mut text = without_urls(&decoded);
    if has_media {
        if let Some(rest) = text.strip_suffix(URL_MARK) {
            text = rest.trim_end().to_owned();
        }
    }
    text
}

/// Whether `published` is `intended` after X's rewriting: the same text once
/// URLs are set aside, as many media, and the same parent.
pub fn matches(published: &PublishedPost, intended: &OutgoingPost) -> bool {
    published.media_count == intended.media.len()
        && published.reply_to == intended.reply_to
        && as_sent(&published.text, !intended.media.is_empty()) == without_urls(&intended.text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use xpost_core::{ReplySettings, TargetId, TargetMediaId};

    use super::*;

    fn sent(text: &str, media: usize, reply_to: Option<&str>) -> OutgoingPost {
        OutgoingPost {
            text: text.into(),
            media: (0..media)
                .map(|n| TargetMediaId::new(format!("{}", 100 + n)).unwrap())
                .collect(),
            reply_to: reply_to.map(|id| TargetId::new(id).unwrap()),
            reply_settings: ReplySettings::Everyone,
        }
    }

    fn got(text: &str, media_count: usize, reply_to: Option<&str>) -> PublishedPost {
        PublishedPost {
            id: TargetId::new("1").unwrap(),
            text: text.into(),
            media_count,
            reply_to: reply_to.map(|id| TargetId::new(id).unwrap()),
            created_at: None,
        }
    }

    #[test]
    fn a_url_only_post() {
        let intended = sent("https://example.com/a/very/long/path?q=1", 0, None);
        assert!(matches(&got("https://t.co/AbCdEfGhIj", 0, None), &intended));
        assert!(!matches(&got("hello", 0, None), &intended));
    }

    #[test]
    fn a_url_in_the_middle_and_a_scheme_less_one() {
        let intended = sent(
            "New post: https://instagram.com/p/B38Xyp6nqsS/ see example.com too",
            0,
            None,
        );
        let answered = got(
            "New post: https://t.co/0123456789 see https://t.co/abcdefghij too",
            0,
            None,
        );
        assert!(matches(&answered, &intended));
        let other = got(
            "Old post: https://t.co/0123456789 see https://t.co/abcdefghij too",
            0,
            None,
        );
        assert!(!matches(&other, &intended));
    }

    #[test]
    fn media_add_one_trailing_link() {
        let intended = sent("Sunset at the pier & more", 2, None);
        let answered = got(
            "Sunset at the pier &amp; more https://t.co/MeDiAlInK0",
            2,
            None,
        );
        assert!(matches(&answered, &intended));
        assert!(!matches(
            &got(
                "Sunset at the pier &amp; more https://t.co/MeDiAlInK0",
                1,
                None
            ),
            &intended
        ));
        let media_only = sent("", 1, None);
        assert!(matches(
            &got("https://t.co/MeDiAlInK0", 1, None),
            &media_only
        ));
        let ends_in_url = sent("read https://example.com", 1, None);
        assert!(matches(
            &got(
                "read https://t.co/aaaaaaaaaa https://t.co/bbbbbbbbbb",
                1,
                None
            ),
            &ends_in_url
        ));
        assert!(!matches(
            &got("read https://t.co/bbbbbbbbbb", 1, None),
            &ends_in_url
        ));
    }

    #[test]
    fn a_thread_reply_needs_the_same_parent() {
        let intended = sent("part 2/2", 0, Some("1445880548472328192"));
        assert!(matches(
            &got("part 2/2", 0, Some("1445880548472328192")),
            &intended
        ));
        assert!(!matches(&got("part 2/2", 0, Some("99")), &intended));
        assert!(!matches(&got("part 2/2", 0, None), &intended));
    }
}
