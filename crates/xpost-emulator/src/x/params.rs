//! The query parameters X validates before it looks anything up, with its messages.
//!
//! X refuses a malformed parameter with 400 invalid-request instead of ignoring it, and
//! lists every bad parameter of the request at once. A client that misspells a field or
//! sends a cursor it made up must see that here, not a quietly smaller answer.

use std::collections::HashMap;

use axum::response::Response;
use serde_json::Value;

use crate::respond::{x_invalid_request, x_param_error};

/// Every `tweet.fields` (alias `post.fields`) value X knows.
pub const TWEET_FIELDS: &[&str] = &[
    "article",
    "attachments",
    "author_id",
    "card_uri",
    "community_id",
    "context_annotations",
    "conversation_id",
    "created_at",
    "display_text_range",
    "edit_controls",
    "edit_history_tweet_ids",
    "entities",
    "geo",
    "id",
    "in_reply_to_user_id",
    "lang",
    "media_metadata",
    "non_public_metrics",
    "note_tweet",
    "organic_metrics",
    "possibly_sensitive",
    "promoted_metrics",
    "public_metrics",
    "referenced_tweets",
    "reply_settings",
    "scopes",
    "source",
    "text",
    "withheld",
];

/// Every `expansions` value of the post endpoints.
pub const TWEET_EXPANSIONS: &[&str] = &[
    "article.cover_media",
    "article.media_entities",
    "attachments.media_keys",
    "attachments.media_source_tweet",
    "attachments.poll_ids",
    "author_id",
    "edit_history_tweet_ids",
    "entities.mentions.username",
    "entities.note.mentions.username",
    "geo.place_id",
    "in_reply_to_user_id",
    "referenced_tweets.id",
    "referenced_tweets.id.attachments.media_keys",
    "referenced_tweets.id.author_id",
];

/// Every `expansions` value of the user endpoints.
pub const USER_EXPANSIONS: &[&str] = &[
    "affiliation.user_id",
    "most_recent_tweet_id",
    "pinned_tweet_id",
];

/// Every `user.fields` value X knows.
pub const USER_FIELDS: &[&str] = &[
    "affiliation",
    "confirmed_email",
    "connection_status",
    "created_at",
    "description",
    "entities",
    "id",
    "is_identity_verified",
    "location",
    "most_recent_tweet_id",
    "name",
    "parody",
    "pinned_tweet_id",
    "profile_banner_url",
    "profile_image_url",
    "protected",
    "public_metrics",
    "receives_your_dm",
    "subscription",
    "subscription_type",
    "url",
    "username",
    "verified",
    "verified_followers_count",
    "verified_type",
    "withheld",
];

/// Every `media.fields` value X knows.
pub const MEDIA_FIELDS: &[&str] = &[
    "alt_text",
    "duration_ms",
    "height",
    "media_key",
    "non_public_metrics",
    "organic_metrics",
    "preview_image_url",
    "promoted_metrics",
    "public_metrics",
    "type",
    "url",
    "variants",
    "width",
];

/// What `exclude` may hold on a user's timeline.
pub const EXCLUDE: &[&str] = &["replies", "retweets"];

/// Whether `value` is an id as X writes them: 1 to 19 digits.
pub fn is_id(value: &str) -> bool {
    (1..=19).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit())
}

/// Collects every malformed parameter of one request.
pub struct Check<'q> {
    query: &'q HashMap<String, String>,
    errors: Vec<Value>,
}

impl<'q> Check<'q> {
    /// Starts checking `query`.
    pub fn new(query: &'q HashMap<String, String>) -> Self {
        Self {
            query,
            errors: Vec::new(),
        }
    }

    /// Records an error for `key` outright (a path segment or a cursor checked elsewhere).
    pub fn fail(&mut self, key: &str, value: &str, message: &str) {
        self.errors.push(x_param_error(key, &[value], message));
    }

    /// `key`, when present, must be a post or user id.
    pub fn id(mut self, key: &str) -> Self {
        if let Some(v) = self.query.get(key) {
            if !is_id(v) {
                self.fail(key, v, &id_message(key, v));
            }
        }
        self
    }

    /// `key`, when present, must be a comma-separated list of ids, at most `max` of them.
    pub fn ids(mut self, key: &str, max: usize) -> Self {
        let Some(v) = self.query.get(key) else {
            return self;
        };
        for id in v.split(',') {
            if !is_id(id) {
                self.fail(key, id, &id_message(key, id));
            }
        }
        if v.split(',').count() > max {
            self.fail(
                key,
                v,
                &format!("The `{key}` query parameter value [{v}] must hold at most {max} ids"),
            );
        }
        self
    }

    /// `key`, when present, must be a comma-separated list of names from `allowed`.
    pub fn names(mut self, key: &str, allowed: &[&str]) -> Self {
        let Some(v) = self.query.get(key) else {
            return self;
        };
        for name in v.split(',') {
            if !allowed.contains(&name) {
                self.fail(
                    key,
                    name,
                    &format!(
                        "The `{key}` query parameter value [{name}] is not one of [{}]",
                        allowed.join(",")
                    ),
                );
            }
        }
        self
    }

    /// `key`, when present, must be a whole number in `min..=max`.
    pub fn range(mut self, key: &str, min: i64, max: i64) -> Self {
        if let Some(v) = self.query.get(key) {
            if !v.parse::<i64>().is_ok_and(|n| (min..=max).contains(&n)) {
                self.fail(
                    key,
                    v,
                    &format!(
                        "The `{key}` query parameter value [{v}] is not between {min} and {max}"
                    ),
                );
            }
        }
        self
    }

    /// `key`, when present, must be an RFC 3339 time no earlier than X's first day
    /// (2010-11-06).
    pub fn time(mut self, key: &str) -> Self {
        let Some(v) = self.query.get(key) else {
            return self;
        };
        let earliest = jiff::Timestamp::constant(1_289_001_601, 0);
        match v.parse::<jiff::Timestamp>() {
            Ok(t) if t >= earliest => {}
            Ok(_) => self.fail(
                key,
                v,
                &format!("Invalid '{key}': {v}. '{key}' must be on or after 2010-11-06T00:00:01Z"),
            ),
            Err(_) => self.fail(
                key,
                v,
                &format!("Invalid '{key}': {v}. '{key}' must be a valid RFC 3339 date."),
            ),
        }
        self
    }

    /// The 400 answer listing every error found; `None` when every parameter is good.
    pub fn refusal(self) -> Option<Response> {
        (!self.errors.is_empty()).then(|| x_invalid_request(self.errors))
    }
}

/// X's message for a value that is not an id.
pub fn id_message(key: &str, value: &str) -> String {
    format!("The `{key}` query parameter value [{value}] does not match ^[0-9]{{1,19}}$")
}

/// The checks every post lookup shares: field lists and expansions.
pub fn post_selection<'q>(query: &'q HashMap<String, String>) -> Check<'q> {
    Check::new(query)
        .names("tweet.fields", TWEET_FIELDS)
        .names("post.fields", TWEET_FIELDS)
        .names("expansions", TWEET_EXPANSIONS)
        .names("media.fields", MEDIA_FIELDS)
        .names("user.fields", USER_FIELDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn ids_are_one_to_nineteen_digits() {
        assert!(is_id("1"));
        assert!(is_id("1234567890123456789"));
        assert!(!is_id(""));
        assert!(!is_id("12345678901234567890"));
        assert!(!is_id("12a"));
        assert!(!is_id("-1"));
    }

    #[test]
    fn every_bad_parameter_is_reported() {
        let q = query(&[
            ("since_id", "abc"),
            ("tweet.fields", "created_at,colour"),
            ("max_results", "500"),
            ("exclude", "replies"),
        ]);
        let check = post_selection(&q)
            .id("since_id")
            .range("max_results", 5, 100)
            .names("exclude", EXCLUDE);
        assert_eq!(check.errors.len(), 3);
        let q = query(&[("tweet.fields", "created_at"), ("until_id", "17")]);
        assert!(post_selection(&q).id("until_id").refusal().is_none());
    }
}
