//! t.co: X answers a post's text with every URL replaced by a t.co link, and attached
//! media as one more trailing link, the originals kept in `entities.urls`.
//!
//! The stored post keeps the text as submitted (duplicate detection and the admin view
//! compare that); the wrapped form is computed on the way out, so every answer — the
//! create answer, lookups, timelines — shows the same links. URLs are found with
//! xpost-transform's extraction, which is twitter-text's, so exactly the spans X links
//! are replaced, scheme-less ones (`example.com`) included.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The link's scheme and host; ten characters follow, 23 in all, the length twitter-text
/// counts for every URL.
const PREFIX: &str = "https://t.co/";
/// How many characters of a URL `display_url` keeps before it ends in `…`.
const DISPLAY_CHARS: usize = 26;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The ten characters after `https://t.co/` for `key`.
fn code(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .take(10)
        .map(|b| char::from(ALNUM[usize::from(*b) % ALNUM.len()]))
        .collect()
}

/// The t.co link for a URL in a post's text. The same URL always gets the same link, so
/// tests can predict it.
pub fn url_link(url: &str) -> String {
    format!("{PREFIX}{}", code(url))
}

/// The trailing t.co link for the media of post `post_id`, one per post.
pub fn media_link(post_id: &str) -> String {
    format!("{PREFIX}{}", code(&format!("media:{post_id}")))
}

/// A media item attached to a post.
pub struct Attached<'a> {
    /// `3_…`, `7_…`, `16_…`.
    pub media_key: &'a str,
    /// `photo`, `video` or `animated_gif`.
    pub kind: &'a str,
}

/// A post's text as X answers it.
pub struct Wrapped {
    /// The text with t.co links.
    pub text: String,
    /// `entities.urls`: offsets in Unicode code points of `text`, end exclusive.
    pub urls: Vec<Value>,
}

/// `display_url`: the URL without scheme or `www.`, long ones cut with `…`.
fn display(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    let bare = ["https://", "http://"]
        .iter()
        .find(|s| lower.starts_with(*s))
        .map_or(url, |s| &url[s.len()..]);
    let bare = if bare.to_ascii_lowercase().starts_with("www.") {
        &bare[4..]
    } else {
        bare
    };
    if bare.chars().count() > DISPLAY_CHARS {
        let mut cut: String = bare.chars().take(DISPLAY_CHARS).collect();
        cut.push('…');
        cut
    } else {
        bare.to_owned()
    }
}

/// `expanded_url`: the URL as written, with `http://` added to scheme-less ones as X does.
fn expanded(url: &str) -> String {
    if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    }
}

/// Wraps `text` of post `post_id` by `username` the way X answers it.
pub fn wrap(text: &str, post_id: &str, username: &str, media: &[Attached<'_>]) -> Wrapped {
    let mut out = String::with_capacity(text.len() + 24);
    let mut urls = Vec::new();
    let mut chars = 0;
    let mut last = 0;
    for entity in xpost_transform::extract::urls(text) {
        let (Some(before), Some(url)) = (
            text.get(last..entity.range.start),
            text.get(entity.range.clone()),
        ) else {
            continue;
        };
        out.push_str(before);
        chars += before.chars().count();
        let link = url_link(url);
        let end = chars + link.chars().count();
        urls.push(json!({
            "start": chars, "end": end, "url": link,
            "expanded_url": expanded(url), "display_url": display(url),
        }));
        out.push_str(&link);
        chars = end;
        last = entity.range.end;
    }
    let rest = text.get(last..).unwrap_or("");
    out.push_str(rest);
    chars += rest.chars().count();
    if !media.is_empty() {
        if !out.is_empty() {
            out.push(' ');
            chars += 1;
        }
        let link = media_link(post_id);
        let end = chars + link.chars().count();
        // One link for all the media, and one entity per item sharing it, as X lists them.
        for (n, m) in media.iter().enumerate() {
            let path = if m.kind == "video" { "video" } else { "photo" };
            urls.push(json!({
                "start": chars, "end": end, "url": link,
                "expanded_url": format!("https://x.com/{username}/status/{post_id}/{path}/{}", n + 1),
                "display_url": format!("pic.x.com/{}", &link[PREFIX.len()..]),
                "media_key": m.media_key,
            }));
        }
        out.push_str(&link);
    }
    Wrapped { text: out, urls }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_t_co_links_with_code_point_offsets() {
        let w = wrap(
            "🐍 see example.com/a and https://www.Example.org/x",
            "1",
            "u",
            &[],
        );
        let a = url_link("example.com/a");
        let b = url_link("https://www.Example.org/x");
        assert_eq!(w.text, format!("🐍 see {a} and {b}"));
        assert_eq!(a.len(), 23);
        assert_eq!(w.urls[0]["start"], 6);
        assert_eq!(w.urls[0]["end"], 29);
        assert_eq!(w.urls[0]["expanded_url"], "http://example.com/a");
        assert_eq!(w.urls[0]["display_url"], "example.com/a");
        assert_eq!(w.urls[1]["start"], 34);
        assert_eq!(w.urls[1]["display_url"], "Example.org/x");
    }

    #[test]
    fn long_urls_are_cut_in_display_only() {
        let url = "https://twitter.com/i/web/status/1576994746135764992";
        let w = wrap(url, "1", "u", &[]);
        assert_eq!(w.urls[0]["display_url"], "twitter.com/i/web/status/1…");
        assert_eq!(w.urls[0]["expanded_url"], url);
    }

    #[test]
    fn media_share_one_trailing_link() {
        let media = [
            Attached {
                media_key: "3_1",
                kind: "photo",
            },
            Attached {
                media_key: "3_2",
                kind: "photo",
            },
        ];
        let w = wrap("hi", "99", "ann", &media);
        let link = media_link("99");
        assert_eq!(w.text, format!("hi {link}"));
        assert_eq!(w.urls.len(), 2);
        assert_eq!(w.urls[1]["start"], 3);
        assert_eq!(
            w.urls[1]["expanded_url"],
            "https://x.com/ann/status/99/photo/2"
        );
        assert_eq!(w.urls[1]["media_key"], "3_2");
        assert!(
            w.urls[0]["display_url"]
                .as_str()
                .unwrap_or("")
                .starts_with("pic.x.com/")
        );
        assert_eq!(wrap("", "99", "ann", &media[..1]).text, link);
    }
}
