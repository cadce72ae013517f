//! The JSON shapes of posts, users and their expansions, written from the recorded
//! responses: every optional field is optional, unknown fields land in `extra`, and
//! known drifts (`edit_history_post_ids`, string-or-number counters) are accepted.

use crate::error::ApiErrorItem;
use crate::ids::{MediaKey, XPostId, XUserId};
use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// X's response envelope: `data`, `includes`, partial `errors` and `meta`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Envelope<T> {
    /// The payload; absent when every requested item failed.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    /// Expanded objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes: Option<Includes>,
    /// Items that could not be returned, inside a successful answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ApiErrorItem>,
    /// Paging and counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<PageMeta>,
}

fn none<T>() -> Option<T> {
    None
}

/// A post ("tweet").
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Post {
    /// The post's id.
    pub id: XPostId,
    /// The full text.
    pub text: String,
    /// The ids of every version of the post, oldest first (also read from the
    /// `edit_history_post_ids` spelling).
    #[serde(
        default,
        alias = "edit_history_post_ids",
        skip_serializing_if = "Option::is_none"
    )]
    pub edit_history_tweet_ids: Option<Vec<XPostId>>,
    /// The author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<XUserId>,
    /// When it was posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Engagement counters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metrics: Option<PublicMetrics>,
    /// Attached media and polls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Attachments>,
    /// The thread's root post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<XPostId>,
    /// The user replied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to_user_id: Option<XUserId>,
    /// Replied-to, quoted and reposted posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_tweets: Option<Vec<ReferencedPost>>,
    /// Who may reply (`everyone`, `mentioned_users`, `following`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_settings: Option<String>,
    /// Detected language (`en`, `und`, `qst`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Edit eligibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_controls: Option<EditControls>,
    /// URLs, mentions, hashtags with their offsets, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<Value>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A post's public engagement counters.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct PublicMetrics {
    /// Reposts.
    #[serde(default)]
    pub retweet_count: u64,
    /// Replies.
    #[serde(default)]
    pub reply_count: u64,
    /// Likes.
    #[serde(default)]
    pub like_count: u64,
    /// Quotes.
    #[serde(default)]
    pub quote_count: u64,
    /// Bookmarks (newer responses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bookmark_count: Option<u64>,
    /// Impressions (newer responses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impression_count: Option<u64>,
}

/// Media and polls attached to a post.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Attachments {
    /// Keys of the attached media, resolved in `includes.media`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media_keys: Vec<MediaKey>,
    /// Fields not modelled above (`poll_ids`...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A post this one replies to, quotes or reposts.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct ReferencedPost {
    /// `replied_to`, `quoted` or `retweeted`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The referenced post.
    pub id: XPostId,
}

/// Whether and until when a post can be edited.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct EditControls {
    /// Edits left; recorded both as `"4"` and as `5`.
    #[serde(default, deserialize_with = "number_or_string")]
    pub edits_remaining: Option<u64>,
    /// Whether the post can be edited at all.
    #[serde(default)]
    pub is_edit_eligible: bool,
    /// The end of the edit window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editable_until: Option<Timestamp>,
}

fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(u64),
        Text(String),
    }
    match Option::<Either>::deserialize(d)? {
        None => Ok(None),
        Some(Either::Number(n)) => Ok(Some(n)),
        Some(Either::Text(s)) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// An X account.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct User {
    /// The account id.
    pub id: XUserId,
    /// Display name.
    pub name: String,
    /// Handle, without `@`.
    pub username: String,
    /// Bio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_image_url: Option<String>,
    /// Profile location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Profile URL; may be the empty string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Whether the account is protected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected: Option<bool>,
    /// Follower and post counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metrics: Option<UserMetrics>,
    /// When the account was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An account's public counters.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct UserMetrics {
    /// Followers.
    #[serde(default)]
    pub followers_count: u64,
    /// Accounts followed.
    #[serde(default)]
    pub following_count: u64,
    /// Posts.
    #[serde(default)]
    pub tweet_count: u64,
    /// Lists the account is on.
    #[serde(default)]
    pub listed_count: u64,
    /// Fields not modelled above (`like_count`, `media_count`...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Objects pulled in by `expansions`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Includes {
    /// Media objects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<MediaObject>,
    /// Users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<User>,
    /// Referenced posts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tweets: Vec<Post>,
    /// Fields not modelled above (`places`, `polls`...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A media object from `includes.media`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct MediaObject {
    /// The media key.
    pub media_key: MediaKey,
    /// `photo`, `video` or `animated_gif`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The image URL (photos only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A still for videos and GIFs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_image_url: Option<String>,
    /// Alt text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
    /// Video length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Video renditions (HLS has no `bit_rate`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
    /// Fields not modelled above (`public_metrics`...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One video rendition.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct Variant {
    /// MIME type.
    pub content_type: String,
    /// Where to fetch it.
    pub url: String,
    /// Bit rate, absent for HLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_rate: Option<u64>,
}

/// Counts and cursors of a timeline page.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct PageMeta {
    /// Items on this page.
    #[serde(default)]
    pub result_count: u64,
    /// The newest id on the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_id: Option<XPostId>,
    /// The oldest id on the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_id: Option<XPostId>,
    /// Cursor of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// Cursor of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_token: Option<String>,
}

/// A v1.1 user object, as `account/update_profile.json` returns it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct V1User {
    /// The id as a string (the numeric `id` exceeds 2^53).
    pub id_str: XUserId,
    /// Display name.
    pub name: String,
    /// Handle.
    pub screen_name: String,
    /// Bio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_image_url_https: Option<String>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_jiff_instants_and_round_trip() {
        let post: Post = serde_json::from_str(
            r#"{"id":"1","text":"t","created_at":"2019-12-31T19:26:16.000Z"}"#,
        )
        .unwrap();
        let expected: Timestamp = "2019-12-31T19:26:16Z".parse().unwrap();
        assert_eq!(post.created_at, Some(expected));
        let again: Post = serde_json::from_value(serde_json::to_value(&post).unwrap()).unwrap();
        assert_eq!(again, post);
    }
}
