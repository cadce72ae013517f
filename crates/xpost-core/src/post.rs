//! One Instagram post as the rest of xpost sees it.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::IgMediaId;

/// Instagram's `media_type`: what the post is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum MediaType {
    /// One image.
    Image,
    /// One video (a reel, or a story video).
    Video,
    /// A carousel of 2 to 10 images and videos.
    CarouselAlbum,
}

/// Instagram's `media_product_type`: where the post was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ProductType {
    /// The main feed.
    Feed,
    /// Reels.
    Reels,
    /// A story, gone after 24 hours.
    Story,
}

/// The kind of one media item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum MediaKind {
    /// A still image.
    Image,
    /// A video.
    Video,
}

/// One image or video: the post itself, or one child of a carousel. Every
/// detail is optional because the source does not always know it before the
/// bytes are fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaItem {
    /// The child's own id, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<IgMediaId>,
    /// Image or video.
    #[serde(rename = "media_type")]
    pub kind: MediaKind,
    /// Where the bytes can be fetched.
    #[serde(default, rename = "media_url", skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// MIME type, e.g. `image/jpeg` or `video/mp4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Duration of a video, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Size of the file, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
}

impl MediaItem {
    /// An item of `kind` of which nothing else is known yet.
    pub fn new(kind: MediaKind) -> Self {
        Self {
            id: None,
            kind,
            url: None,
            mime_type: None,
            width: None,
            height: None,
            duration_ms: None,
            size_bytes: None,
        }
    }
}

/// One Instagram post, as fetched from the source account.
///
/// The JSON form uses Instagram's own field names (`media_type`,
/// `media_product_type`, `children`, `timestamp` with a `+0000` offset), so a
/// Graph API answer deserializes as it is; RFC 3339 timestamps are accepted too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePost {
    /// The post's id.
    pub id: IgMediaId,
    /// Image, video or carousel.
    pub media_type: MediaType,
    /// Feed, reels or story.
    #[serde(rename = "media_product_type", alias = "product_type")]
    pub product_type: ProductType,
    /// The caption, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// The public URL of the post on Instagram (stories have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    /// When it was published.
    #[serde(
        serialize_with = "serialize_timestamp",
        deserialize_with = "deserialize_timestamp"
    )]
    pub timestamp: Timestamp,
    /// The author's Instagram username, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Whether the post was shared with close friends only. The Instagram API
    /// does not report it; sources that know set it.
    #[serde(default)]
    pub close_friends: bool,
    /// The media: one item for an image or a video, the children in order for
    /// a carousel. May be empty when the details are not fetched yet.
    #[serde(default, alias = "children", skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<MediaItem>,
}

impl SourcePost {
    /// The caption, or `""` when there is none.
    pub fn caption_text(&self) -> &str {
        self.caption.as_deref().unwrap_or("")
    }

    /// The media items, or one item of unknown detail derived from
    /// `media_type` when none were fetched (nothing for a bare carousel).
    pub fn items(&self) -> Vec<MediaItem> {
        if !self.media.is_empty() {
            return self.media.clone();
        }
        match self.media_type {
            MediaType::Image => vec![MediaItem::new(MediaKind::Image)],
            MediaType::Video => vec![MediaItem::new(MediaKind::Video)],
            MediaType::CarouselAlbum => Vec::new(),
        }
    }
}

fn serialize_timestamp<S: Serializer>(ts: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(ts)
}

fn deserialize_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Timestamp, D::Error> {
    let raw = String::deserialize(deserializer)?;
    parse_timestamp(&raw).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "invalid timestamp {raw:?}: expected e.g. 2025-06-01T18:30:00+0000 or 2025-06-01T18:30:00Z"
        ))
    })
}

/// Parses RFC 3339, and Instagram's `+0000` offsets without a colon.
fn parse_timestamp(raw: &str) -> Option<Timestamp> {
    if let Ok(ts) = raw.parse::<Timestamp>() {
        return Some(ts);
    }
    let split = raw.len().checked_sub(5)?;
    let (head, offset) = (raw.get(..split)?, raw.get(split..)?);
    let bytes = offset.as_bytes();
    let signed = matches!(bytes.first(), Some(b'+' | b'-'));
    if !signed || !bytes.iter().skip(1).all(u8::is_ascii_digit) {
        return None;
    }
    let fixed = format!("{head}{}:{}", offset.get(..3)?, offset.get(3..)?);
    fixed.parse::<Timestamp>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_graph_api_carousel() {
        let post: SourcePost = serde_json::from_str(
            r#"{"id":"18027939643230671","media_type":"CAROUSEL_ALBUM","media_product_type":"FEED",
                "caption":"Pycon China","permalink":"https://www.instagram.com/p/B38Xyp6nqsS/",
                "timestamp":"2019-10-23T02:05:15+0000",
                "children":[{"id":"1","media_type":"IMAGE","media_url":"https://cdn/1.jpg"},
                            {"id":"2","media_type":"VIDEO","duration_ms":4000}]}"#,
        )
        .unwrap();
        assert_eq!(post.media_type, MediaType::CarouselAlbum);
        assert_eq!(post.timestamp.as_second(), 1_571_796_315);
        assert_eq!(post.media.len(), 2);
        assert_eq!(post.media[1].kind, MediaKind::Video);
        assert_eq!(post.media[1].duration_ms, Some(4000));
        assert!(!post.close_friends);
    }

    #[test]
    fn timestamps_accept_offsets_with_and_without_colon() {
        let a = parse_timestamp("2025-01-01T10:00:00+0100").unwrap();
        let b = parse_timestamp("2025-01-01T09:00:00Z").unwrap();
        assert_eq!(a, b);
        assert!(parse_timestamp("2025-01-01T10:00:00+01x0").is_none());
        assert!(parse_timestamp("yesterday").is_none());
    }

    #[test]
    fn round_trips_through_json() {
        let post = SourcePost {
            id: IgMediaId::new("1").unwrap(),
            media_type: MediaType::Video,
            product_type: ProductType::Reels,
            caption: Some("hi".into()),
            permalink: None,
            timestamp: Timestamp::from_second(1_700_000_000).unwrap(),
            username: None,
            close_friends: true,
            media: vec![MediaItem::new(MediaKind::Video)],
        };
        let json = serde_json::to_string(&post).unwrap();
        assert!(json.contains("\"media_product_type\":\"REELS\""), "{json}");
        let back: SourcePost = serde_json::from_str(&json).unwrap();
        assert_eq!(back, post);
    }

    #[test]
    fn items_fall_back_to_the_media_type() {
        let mut post: SourcePost = serde_json::from_str(
            r#"{"id":"1","media_type":"IMAGE","media_product_type":"FEED","timestamp":"2025-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(post.items(), vec![MediaItem::new(MediaKind::Image)]);
        post.media_type = MediaType::CarouselAlbum;
        assert!(post.items().is_empty());
    }
}
