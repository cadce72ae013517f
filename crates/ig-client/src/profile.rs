//! The profile model (`GET /me`).

use serde::{Deserialize, Serialize};

use crate::ids::IgUserId;

/// `account_type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum AccountType {
    /// A business account.
    Business,
    /// A creator account.
    MediaCreator,
    /// A personal account (Basic Display era; no API access today).
    Personal,
    /// A value this crate does not know yet.
    #[serde(untagged)]
    Other(String),
}

/// An Instagram professional account's profile. Read-only: no API writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Profile {
    /// The app-scoped user id.
    pub id: IgUserId,
    /// The professional account id (the webhook `entry.id`), when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<IgUserId>,
    /// The handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The profile name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Business or creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<AccountType>,
    /// Signed, expiring CDN URL of the picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_picture_url: Option<String>,
    /// The bio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biography: Option<String>,
    /// The website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Followers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers_count: Option<u64>,
    /// Accounts followed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows_count: Option<u64>,
    /// Media published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_count: Option<u64>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Profile {
    /// The id to address the account by: `user_id` when known, else `id`.
    pub fn account_id(&self) -> &IgUserId {
        self.user_id.as_ref().unwrap_or(&self.id)
    }
}
