//! One Instagram post as the rest of xpost sees it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::IgMediaId;

/// What the post is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MediaType {
    /// One image.
    Image,
    /// One video (a reel, or a story video).
    Video,
    /// A carousel of 2 to 10 images and videos.
    Carousel,
}

/// Where the post was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[serde(rename_all = "snake_case")]
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
#[serde(deny_unknown_fields)]
pub struct MediaItem {
    /// The child's own id, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<IgMediaId>,
    /// Image or video.
    pub kind: MediaKind,
    /// Where the bytes can be fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// The description the author wrote for people who cannot see the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
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
            alt_text: None,
        }
    }
}

/// One Instagram post, in xpost's own terms.
///
/// The JSON form is xpost's own, not Instagram's: snake_case names and
/// values, RFC 3339 timestamps, unknown fields refused. It is what xpost
/// stores and what `xpost policy explain --post` reads; the engine converts
/// the Instagram client's types into it, so a change on Instagram's side
/// never changes what is persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcePost {
    /// The post's id.
    pub id: IgMediaId,
    /// Image, video or carousel.
    pub media_type: MediaType,
    /// Feed, reels or story.
    pub product_type: ProductType,
    /// The caption, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// The public URL of the post on Instagram (stories have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    /// When it was published.
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
            MediaType::Carousel => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carousel() -> SourcePost {
        let mut video = MediaItem::new(MediaKind::Video);
        video.id = Some(IgMediaId::new("2").unwrap());
        video.duration_ms = Some(4000);
        let mut image = MediaItem::new(MediaKind::Image);
        image.id = Some(IgMediaId::new("1").unwrap());
        image.url = Some("https://cdn.example/1.jpg".into());
        image.alt_text = Some("A stage with a banner".into());
        SourcePost {
            id: IgMediaId::new("18027939643230671").unwrap(),
            media_type: MediaType::Carousel,
            product_type: ProductType::Feed,
            caption: Some("Pycon China".into()),
            permalink: Some("https://www.instagram.com/p/B38Xyp6nqsS/".into()),
            timestamp: Timestamp::from_second(1_571_796_315).unwrap(),
            username: None,
            close_friends: false,
            media: vec![image, video],
        }
    }

    /// What xpost persists and `explain --post` reads: a change here is a
    /// format change and must show in review.
    const CAROUSEL_JSON: &str = r#"{"id":"18027939643230671","media_type":"carousel","product_type":"feed","caption":"Pycon China","permalink":"https://www.instagram.com/p/B38Xyp6nqsS/","timestamp":"2019-10-23T02:05:15Z","close_friends":false,"media":[{"id":"1","kind":"image","url":"https://cdn.example/1.jpg","alt_text":"A stage with a banner"},{"id":"2","kind":"video","duration_ms":4000}]}"#;

    #[test]
    fn serializes_to_its_own_shape() {
        assert_eq!(serde_json::to_string(&carousel()).unwrap(), CAROUSEL_JSON);
        let back: SourcePost = serde_json::from_str(CAROUSEL_JSON).unwrap();
        assert_eq!(back, carousel());
    }

    #[test]
    fn instagram_wire_format_is_refused() {
        let graph = r#"{"id":"1","media_type":"CAROUSEL_ALBUM","media_product_type":"FEED",
            "timestamp":"2019-10-23T02:05:15+0000"}"#;
        assert!(serde_json::from_str::<SourcePost>(graph).is_err());
        let renamed = CAROUSEL_JSON.replace("\"product_type\"", "\"media_product_type\"");
        assert!(serde_json::from_str::<SourcePost>(&renamed).is_err());
        let media_url = CAROUSEL_JSON.replace("\"url\"", "\"media_url\"");
        assert!(serde_json::from_str::<SourcePost>(&media_url).is_err());
    }

    #[test]
    fn round_trips_every_kind() {
        for (media_type, product_type) in [
            (MediaType::Image, ProductType::Feed),
            (MediaType::Video, ProductType::Reels),
            (MediaType::Video, ProductType::Story),
        ] {
            let post = SourcePost {
                media_type,
                product_type,
                close_friends: true,
                media: Vec::new(),
                ..carousel()
            };
            let json = serde_json::to_string(&post).unwrap();
            let back: SourcePost = serde_json::from_str(&json).unwrap();
            assert_eq!(back, post, "{json}");
        }
    }

    #[test]
    fn items_fall_back_to_the_media_type() {
        let mut post: SourcePost = serde_json::from_str(
            r#"{"id":"1","media_type":"image","product_type":"feed","timestamp":"2025-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(post.items(), vec![MediaItem::new(MediaKind::Image)]);
        post.media_type = MediaType::Carousel;
        assert!(post.items().is_empty());
    }
}
