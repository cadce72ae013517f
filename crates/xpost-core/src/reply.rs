//! Who may reply to a post on X.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// X's `reply_settings` for a new post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReplySettings {
    /// Anyone may reply (the field is left out of the request).
    #[default]
    Everyone,
    /// Only accounts the author follows.
    Following,
    /// Only accounts mentioned in the post.
    MentionedUsers,
    /// Only the author's subscribers.
    Subscribers,
    /// Only verified accounts.
    Verified,
}

impl ReplySettings {
    /// The value to send in `POST /2/tweets`, or `None` for everyone (the
    /// field must then be left out).
    pub fn api_value(self) -> Option<&'static str> {
        match self {
            ReplySettings::Everyone => None,
            ReplySettings::Following => Some("following"),
            ReplySettings::MentionedUsers => Some("mentionedUsers"),
            ReplySettings::Subscribers => Some("subscribers"),
            ReplySettings::Verified => Some("verified"),
        }
    }

    /// The name used in settings and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplySettings::Everyone => "everyone",
            ReplySettings::Following => "following",
            ReplySettings::MentionedUsers => "mentioned_users",
            ReplySettings::Subscribers => "subscribers",
            ReplySettings::Verified => "verified",
        }
    }
}

impl fmt::Display for ReplySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReplySettings {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "everyone" => ReplySettings::Everyone,
            "following" => ReplySettings::Following,
            "mentioned_users" | "mentionedUsers" => ReplySettings::MentionedUsers,
            "subscribers" => ReplySettings::Subscribers,
            "verified" => ReplySettings::Verified,
            _ => {
                return Err(CoreError::UnknownValue {
                    kind: "reply_settings",
                    value: s.to_owned(),
                    expected: "everyone, following, mentioned_users, subscribers, verified",
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_values_match_x() {
        assert_eq!(ReplySettings::Everyone.api_value(), None);
        assert_eq!(
            ReplySettings::MentionedUsers.api_value(),
            Some("mentionedUsers")
        );
        assert_eq!(
            "mentionedUsers".parse::<ReplySettings>().unwrap(),
            ReplySettings::MentionedUsers
        );
        assert!("friends".parse::<ReplySettings>().is_err());
    }
}
