//! The media model: posts, carousel children and stories.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{IgMediaId, IgUserId};

/// `media_type`. A reel reads back as `Video`; a story as `Image` or `Video`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum MediaType {
    /// A photo.
    Image,
    /// A video (including reels and video stories).
    Video,
    /// A carousel; its items are in `children`.
    CarouselAlbum,
    /// A value this crate does not know yet.
    #[serde(untagged)]
    Other(String),
}

/// `media_product_type`: where the media appears.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum MediaProductType {
    /// A feed post.
    Feed,
    /// A reel.
    Reels,
    /// A story.
    Story,
    /// An ad.
    Ad,
    /// A value this crate does not know yet.
    #[serde(untagged)]
    Other(String),
}

/// The `owner` object, returned only to the media's owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// The owner's user id.
    pub id: IgUserId,
}

/// An Instagram media object. Only requested fields come back, so every field
/// but `id` is optional; fields this crate does not model are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Media {
    /// The media id.
    pub id: IgMediaId,
    /// The caption; omitted (not empty) when there is none, and on carousel children.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Image, video or carousel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<MediaType>,
    /// Feed, reels, story or ad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_product_type: Option<MediaProductType>,
    /// Signed, expiring CDN URL; omitted on media with copyrighted material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// Video thumbnail (videos only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    /// The post's public URL (not on carousel children).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    /// The shortcode in the permalink.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortcode: Option<String>,
    /// When it was published.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::timestamp::deserialize_opt",
        serialize_with = "crate::timestamp::serialize_opt"
    )]
    pub timestamp: Option<Timestamp>,
    /// The owner's username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The owner (only returned to the owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// Whether a reel also appears in the feed (reels only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_shared_to_feed: Option<bool>,
    /// Whether comments are enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_comment_enabled: Option<bool>,
    /// Number of comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments_count: Option<u64>,
    /// Number of likes (missing when likes are hidden).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub like_count: Option<u64>,
    /// The legacy Instagram id (a digit string), e.g. on stories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ig_id: Option<String>,
    /// Alternative text (images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
    /// Carousel items (2–10), from the `children` edge.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "deserialize_children",
        serialize_with = "serialize_children"
    )]
    pub children: Option<Vec<Media>>,
    /// Fields not modelled above, kept so nothing is lost.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Media {
    /// Whether this is a story.
    pub fn is_story(&self) -> bool {
        self.media_product_type == Some(MediaProductType::Story)
    }

    /// Whether this is a reel.
    pub fn is_reel(&self) -> bool {
        self.media_product_type == Some(MediaProductType::Reels)
    }
}

#[derive(Serialize, Deserialize)]
struct ChildrenEdge<T> {
    data: T,
}

fn deserialize_children<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<Media>>, D::Error> {
    Ok(Option::<ChildrenEdge<Vec<Media>>>::deserialize(deserializer)?.map(|edge| edge.data))
}

fn serialize_children<S: Serializer>(
    children: &Option<Vec<Media>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match children {
        Some(data) => ChildrenEdge { data }.serialize(serializer),
        None => serializer.serialize_none(),
    }
}
