//! Posts and users: create, delete, look up, the user's timeline, `users/me`.

use crate::client::{Auth, Call, XClient};
use crate::error::{ApiErrorItem, Error};
use crate::ids::{MediaId, XPostId, XUserId};
use crate::media::{MediaKind, UploadedMedia};
use crate::model::{Envelope, Includes, PageMeta, Post, User};
use crate::rate_limit::Endpoint;
use crate::token::Scope;
use jiff::Timestamp;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const WRITE: &[Scope] = &[Scope::TWEET_READ, Scope::TWEET_WRITE, Scope::USERS_READ];
const READ: &[Scope] = &[Scope::TWEET_READ, Scope::USERS_READ];

/// Most media a post can carry (images; a GIF or a video is alone).
pub const MAX_MEDIA_PER_POST: usize = 4;
/// Most ids one lookup accepts.
pub const MAX_LOOKUP_IDS: usize = 100;

/// Who may reply to a new post (leave unset for everyone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplySettings {
    /// Accounts the author follows.
    Following,
    /// Accounts mentioned in the post.
    MentionedUsers,
    /// The author's subscribers.
    Subscribers,
    /// Verified accounts.
    Verified,
}

impl ReplySettings {
    fn as_str(self) -> &'static str {
        match self {
            Self::Following => "following",
            Self::MentionedUsers => "mentionedUsers",
            Self::Subscribers => "subscribers",
            Self::Verified => "verified",
        }
    }
}

/// A post to create; build it with [`NewPost::builder`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewPost {
    text: Option<String>,
    media: Vec<MediaId>,
    tagged_user_ids: Vec<XUserId>,
    reply_to: Option<XPostId>,
    exclude_reply_user_ids: Vec<XUserId>,
    quote: Option<XPostId>,
    reply_settings: Option<ReplySettings>,
    community_id: Option<String>,
}

/// Builds a [`NewPost`], checking the rules the API documents.
#[derive(Clone, Debug, Default)]
pub struct NewPostBuilder {
    post: NewPost,
    kinds: Vec<MediaKind>,
}

impl NewPost {
    /// Starts a post.
    pub fn builder() -> NewPostBuilder {
        NewPostBuilder::default()
    }

    /// A text-only post.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for empty text.
    pub fn text(text: impl Into<String>) -> Result<Self, Error> {
        Self::builder().text(text).build()
    }

    /// The JSON body of `POST /2/tweets`.
    pub fn to_json(&self) -> Value {
        let mut body = serde_json::Map::new();
        if let Some(text) = &self.text {
            body.insert("text".into(), json!(text));
        }
        if !self.media.is_empty() {
            let mut media = json!({ "media_ids": self.media });
            if !self.tagged_user_ids.is_empty() {
                media["tagged_user_ids"] = json!(self.tagged_user_ids);
            }
            body.insert("media".into(), media);
        }
        if let Some(id) = &self.reply_to {
            let mut reply = json!({ "in_reply_to_tweet_id": id });
            if !self.exclude_reply_user_ids.is_empty() {
                reply["exclude_reply_user_ids"] = json!(self.exclude_reply_user_ids);
            }
            body.insert("reply".into(), reply);
        }
        if let Some(id) = &self.quote {
            body.insert("quote_tweet_id".into(), json!(id));
        }
        if let Some(s) = self.reply_settings {
            body.insert("reply_settings".into(), json!(s.as_str()));
        }
        if let Some(c) = &self.community_id {
            body.insert("community_id".into(), json!(c));
        }
        Value::Object(body)
    }
}

impl NewPostBuilder {
    /// The text (≤280 weighted characters; X counts, this client does not).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.post.text = Some(text.into());
        self
    }

    /// Attaches media by id (its kind unknown, so only the count is checked).
    pub fn media_id(mut self, id: impl Into<MediaId>) -> Self {
        self.post.media.push(id.into());
        self
    }

    /// Attaches uploaded media, so mixing images with a GIF or video is caught.
    pub fn media(mut self, media: &UploadedMedia) -> Self {
        self.post.media.push(media.id.clone());
        self.kinds.push(media.kind);
        self
    }

    /// Tags users in the attached images.
    pub fn tag_user(mut self, id: impl Into<XUserId>) -> Self {
        self.post.tagged_user_ids.push(id.into());
        self
    }

    /// Makes the post a reply.
    pub fn reply_to(mut self, id: impl Into<XPostId>) -> Self {
        self.post.reply_to = Some(id.into());
        self
    }

    /// Leaves a user out of the reply's auto-populated mentions.
    pub fn exclude_reply_user(mut self, id: impl Into<XUserId>) -> Self {
        self.post.exclude_reply_user_ids.push(id.into());
        self
    }

    /// Quotes a post (an Enterprise-only feature since 2026).
    pub fn quote(mut self, id: impl Into<XPostId>) -> Self {
        self.post.quote = Some(id.into());
        self
    }

    /// Restricts who may reply.
    pub fn reply_settings(mut self, settings: ReplySettings) -> Self {
        self.post.reply_settings = Some(settings);
        self
    }

    /// Posts into a community.
    pub fn community(mut self, id: impl Into<String>) -> Self {
        self.post.community_id = Some(id.into());
        self
    }

    /// Checks and returns the post.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] with neither text nor media, with empty text, with more
    /// than 4 media, with a GIF or video next to other media, or with more than 10
    /// tagged users.
    pub fn build(self) -> Result<NewPost, Error> {
        let post = self.post;
        if post.text.as_deref().is_some_and(|t| t.trim().is_empty()) && post.media.is_empty() {
            return Err(Error::invalid("text", "empty text and no media"));
        }
        if post.text.is_none() && post.media.is_empty() {
            return Err(Error::invalid("text", "a post needs text or media"));
        }
        if post.media.len() > MAX_MEDIA_PER_POST {
            return Err(Error::invalid(
                "media",
                format!("{} items; at most {MAX_MEDIA_PER_POST}", post.media.len()),
            ));
        }
        let alone = self
            .kinds
            .iter()
            .any(|k| matches!(k, MediaKind::Gif | MediaKind::Video));
        if alone && post.media.len() > 1 {
            return Err(Error::invalid(
                "media",
                "a GIF or video must be the only media of a post",
            ));
        }
        if post.tagged_user_ids.len() > 10 {
            return Err(Error::invalid("tagged users", "at most 10"));
        }
        Ok(post)
    }
}

/// What `POST /2/tweets` returns.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct CreatedPost {
    /// The new post's id.
    pub id: XPostId,
    /// The text as X stored it.
    pub text: String,
    /// Version ids (newer responses only).
    #[serde(
        default,
        alias = "edit_history_post_ids",
        skip_serializing_if = "Option::is_none"
    )]
    pub edit_history_tweet_ids: Option<Vec<XPostId>>,
}

/// Which optional fields to ask for on lookups and timelines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostFields {
    /// `tweet.fields`.
    pub tweet_fields: Vec<&'static str>,
    /// `expansions`.
    pub expansions: Vec<&'static str>,
    /// `media.fields`.
    pub media_fields: Vec<&'static str>,
}

impl Default for PostFields {
    /// `created_at`, `public_metrics`, `author_id`, `attachments`,
    /// `conversation_id`, `referenced_tweets`.
    fn default() -> Self {
        Self {
            tweet_fields: vec![
                "created_at",
                "public_metrics",
                "author_id",
                "attachments",
                "conversation_id",
                "referenced_tweets",
            ],
            expansions: Vec::new(),
            media_fields: Vec::new(),
        }
    }
}

impl PostFields {
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if !self.tweet_fields.is_empty() {
            q.push(("tweet.fields", self.tweet_fields.join(",")));
        }
        if !self.expansions.is_empty() {
            q.push(("expansions", self.expansions.join(",")));
        }
        if !self.media_fields.is_empty() {
            q.push(("media.fields", self.media_fields.join(",")));
        }
        q
    }
}

/// The result of a lookup: what was found, what was expanded and what was not found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PostLookup {
    /// The posts found.
    pub posts: Vec<Post>,
    /// Expanded objects.
    pub includes: Option<Includes>,
    /// Ids that could not be returned (deleted, withheld, never existed).
    pub errors: Vec<ApiErrorItem>,
}

/// Options of `GET /2/users/:id/tweets`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineQuery {
    /// Page size, 5–100. Default 100.
    pub max_results: u32,
    /// The cursor from the previous page.
    pub pagination_token: Option<String>,
    /// Only posts newer than this id.
    pub since_id: Option<XPostId>,
    /// Only posts older than this id.
    pub until_id: Option<XPostId>,
    /// Only posts created at or after this instant (sent to the second).
    pub start_time: Option<Timestamp>,
    /// Leave out replies.
    pub exclude_replies: bool,
    /// Leave out reposts.
    pub exclude_retweets: bool,
    /// Fields to ask for.
    pub fields: PostFields,
}

impl Default for TimelineQuery {
    fn default() -> Self {
        Self {
            max_results: 100,
            pagination_token: None,
            since_id: None,
            until_id: None,
            start_time: None,
            exclude_replies: false,
            exclude_retweets: false,
            fields: PostFields::default(),
        }
    }
}

/// One page of a timeline.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page<T> {
    /// The items, newest first.
    pub items: Vec<T>,
    /// Counts and cursors.
    pub meta: PageMeta,
    /// Expanded objects.
    pub includes: Option<Includes>,
}

impl<T> Page<T> {
    /// The cursor of the next page, `None` on the last one.
    pub fn next_token(&self) -> Option<&str> {
        self.meta.next_token.as_deref()
    }
}

/// What `DELETE /2/tweets/:id` returns.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct DeletedPost {
    /// Whether X deleted the post.
    pub deleted: bool,
}

impl XClient {
    /// Creates a post.
    ///
    /// Never retried automatically after X may have received it (5xx, timeout,
    /// dropped connection): the caller reconciles with [`XClient::user_posts`].
    ///
    /// # Errors
    /// [`Error::DuplicateContent`], [`Error::RateLimited`], [`Error::Forbidden`],
    /// [`Error::BadRequest`] and the transport errors.
    pub async fn create_post(&self, post: &NewPost) -> Result<CreatedPost, Error> {
        let mut call = Call::new(
            Endpoint::CreatePost,
            Method::POST,
            self.api_url("/2/tweets"),
            Auth::User(WRITE),
        )
        .json(&post.to_json());
        call.idempotent = false;
        call.timeout = self.inner.config.request_timeout;
        let env: Envelope<CreatedPost> = self.execute(call).await?.json()?;
        env.data.ok_or(Error::NoData { errors: env.errors })
    }

    /// Deletes one of the user's posts; `Ok(false)` if X says it was not deleted.
    ///
    /// # Errors
    /// [`Error::Forbidden`] for someone else's post, [`Error::NotFound`], transport errors.
    pub async fn delete_post(&self, id: &XPostId) -> Result<bool, Error> {
        let mut call = Call::new(
            Endpoint::DeletePost,
            Method::DELETE,
            self.api_url(&format!("/2/tweets/{}", enc(id.as_str()))),
            Auth::User(WRITE),
        );
        call.timeout = self.inner.config.request_timeout;
        let env: Envelope<DeletedPost> = self.execute(call).await?.json()?;
        env.data
            .map(|d| d.deleted)
            .ok_or(Error::NoData { errors: env.errors })
    }

    /// Looks up to 100 posts by id; missing ones are listed in `errors`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for 0 or more than 100 ids, API and transport errors.
    pub async fn lookup_posts(
        &self,
        ids: &[XPostId],
        fields: &PostFields,
    ) -> Result<PostLookup, Error> {
        if ids.is_empty() || ids.len() > MAX_LOOKUP_IDS {
            return Err(Error::invalid(
                "ids",
                format!("{} ids; 1 to {MAX_LOOKUP_IDS} allowed", ids.len()),
            ));
        }
        let mut call = Call::new(
            Endpoint::LookupPosts,
            Method::GET,
            self.api_url("/2/tweets"),
            Auth::User(READ),
        );
        call.timeout = self.inner.config.request_timeout;
        let joined: Vec<&str> = ids.iter().map(XPostId::as_str).collect();
        call.query.push(("ids", joined.join(",")));
        call.query.extend(fields.query());
        let env: Envelope<Vec<Post>> = self.execute(call).await?.json()?;
        Ok(PostLookup {
            posts: env.data.unwrap_or_default(),
            includes: env.includes,
            errors: env.errors,
        })
    }

    /// One page of a user's recent posts (at most the latest 3,200 are reachable).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for `max_results` outside 5–100, API and transport errors.
    pub async fn user_posts(
        &self,
        user: &XUserId,
        query: &TimelineQuery,
    ) -> Result<Page<Post>, Error> {
        if !(5..=100).contains(&query.max_results) {
            return Err(Error::invalid("max_results", "must be within 5..=100"));
        }
        let mut call = Call::new(
            Endpoint::UserPosts,
            Method::GET,
            self.api_url(&format!("/2/users/{}/tweets", enc(user.as_str()))),
            Auth::User(READ),
        );
        call.timeout = self.inner.config.request_timeout;
        call.query
            .push(("max_results", query.max_results.to_string()));
        if let Some(t) = &query.pagination_token {
            call.query.push(("pagination_token", t.clone()));
        }
        if let Some(id) = &query.since_id {
            call.query.push(("since_id", id.to_string()));
        }
        if let Some(id) = &query.until_id {
            call.query.push(("until_id", id.to_string()));
        }
        if let Some(start) = query.start_time {
            // X takes RFC 3339 without fractional seconds; flooring keeps the bound inclusive.
            call.query.push((
                "start_time",
                start.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ));
        }
        let exclude: Vec<&str> = [
            (query.exclude_replies, "replies"),
            (query.exclude_retweets, "retweets"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        if !exclude.is_empty() {
            call.query.push(("exclude", exclude.join(",")));
        }
        call.query.extend(query.fields.query());
        let env: Envelope<Vec<Post>> = self.execute(call).await?.json()?;
        Ok(Page {
            items: env.data.unwrap_or_default(),
            meta: env.meta.unwrap_or_default(),
            includes: env.includes,
        })
    }

    /// The authenticated user, with extra `user.fields` if asked
    /// (`description`, `profile_image_url`, `public_metrics`...).
    ///
    /// # Errors
    /// API and transport errors.
    pub async fn me(&self, user_fields: &[&str]) -> Result<User, Error> {
        let mut call = Call::new(
            Endpoint::UsersMe,
            Method::GET,
            self.api_url("/2/users/me"),
            Auth::User(READ),
        );
        call.timeout = self.inner.config.request_timeout;
        if !user_fields.is_empty() {
            call.query.push(("user.fields", user_fields.join(",")));
        }
        let env: Envelope<User> = self.execute(call).await?.json()?;
        env.data.ok_or(Error::NoData { errors: env.errors })
    }
}

/// Percent-encodes an id for a path segment (ids are digits, but input is input).
pub(crate) fn enc(segment: &str) -> String {
    crate::oauth1::percent_encode(segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_documented_body() {
        let post = NewPost::builder()
            .text("hello")
            .media_id("1")
            .media_id("2")
            .reply_to("9")
            .reply_settings(ReplySettings::MentionedUsers)
            .community("77")
            .build()
            .unwrap();
        assert_eq!(
            post.to_json(),
            json!({"text":"hello","media":{"media_ids":["1","2"]},
                   "reply":{"in_reply_to_tweet_id":"9"},
                   "reply_settings":"mentionedUsers","community_id":"77"})
        );
    }

    #[test]
    fn rejects_what_the_api_would() {
        assert!(NewPost::builder().build().is_err());
        assert!(NewPost::text("   ").is_err());
        let five = (0..5).fold(NewPost::builder().text("x"), |b, i| {
            b.media_id(i.to_string())
        });
        assert!(five.build().is_err());
        let gif = UploadedMedia::for_tests("1", MediaKind::Gif);
        let img = UploadedMedia::for_tests("2", MediaKind::Image);
        assert!(NewPost::builder().media(&gif).media(&img).build().is_err());
        assert!(NewPost::builder().media(&gif).build().is_ok());
    }
}
