//! Reading: the profile, media listings, single media, carousel children and stories.

use futures::Stream;
use jiff::Timestamp;

use crate::client::UserClient;
use crate::error::Error;
use crate::ids::{IgMediaId, IgUserId};
use crate::media::Media;
use crate::page::{self, Cursor, Page};
use crate::profile::Profile;

/// Every `/me` field this crate models.
pub const PROFILE_FIELDS: &str = "id,user_id,username,name,account_type,profile_picture_url,biography,website,followers_count,follows_count,media_count";

/// The media fields requested by default, children included.
pub const MEDIA_FIELDS: &str = "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,shortcode,timestamp,username,is_shared_to_feed,children{id,media_type,media_url,thumbnail_url}";

/// The fields requested for carousel children.
pub const CHILD_FIELDS: &str = "id,media_type,media_url,thumbnail_url,timestamp";

/// The fields requested for stories.
pub const STORY_FIELDS: &str =
    "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,timestamp,username";

/// What to list: whose media, how many per page, which time range, which fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MediaQuery {
    user: Option<IgUserId>,
    limit: Option<u32>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    fields: Option<String>,
}

impl MediaQuery {
    /// The token owner's media (`/me/media`), default page size and fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lists this account's media (`/{ig-user-id}/media`) instead of `me`.
    pub fn user(mut self, user: impl Into<IgUserId>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Items per page (Instagram's default and maximum are undocumented).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only media published at or after this instant.
    pub fn since(mut self, since: Timestamp) -> Self {
        self.since = Some(since);
        self
    }

    /// Only media published before this instant.
    pub fn until(mut self, until: Timestamp) -> Self {
        self.until = Some(until);
        self
    }

    /// Requests these fields instead of [`MEDIA_FIELDS`].
    pub fn fields(mut self, fields: impl Into<String>) -> Self {
        self.fields = Some(fields.into());
        self
    }

    fn owner(&self) -> &str {
        self.user.as_ref().map_or("me", IgUserId::as_str)
    }

    fn params(&self, cursor: Option<&Cursor>) -> Vec<(&'static str, String)> {
        let mut params = vec![(
            "fields",
            self.fields
                .clone()
                .unwrap_or_else(|| MEDIA_FIELDS.to_owned()),
        )];
        if let Some(limit) = self.limit {
            params.push(("limit", limit.to_string()));
        }
        if let Some(since) = self.since {
            params.push(("since", since.as_second().to_string()));
        }
        if let Some(until) = self.until {
            params.push(("until", until.as_second().to_string()));
        }
        Cursor::apply(cursor, &mut params);
        params
    }
}

impl UserClient {
    /// The token owner's profile with every field in [`PROFILE_FIELDS`].
    ///
    /// # Errors
    /// Any [`Error`]; see [`Error::retry_kind`] for what to do.
    pub async fn me(&self) -> Result<Profile, Error> {
        self.me_with_fields(PROFILE_FIELDS).await
    }

    /// The token owner's profile with the given comma-separated fields.
    ///
    /// # Errors
    /// Any [`Error`]; an unknown field is an [`Error::BadRequest`].
    pub async fn me_with_fields(&self, fields: &str) -> Result<Profile, Error> {
        self.get(&["me"], &[("fields", fields.to_owned())]).await
    }

    /// One page of media, newest first (stories are not included), at
    /// `cursor` (or the query's start when `None`).
    ///
    /// # Errors
    /// Any [`Error`]; a cursor Instagram no longer accepts is
    /// [`Error::CursorExpired`].
    pub async fn media_page(
        &self,
        query: &MediaQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Media>, Error> {
        self.get(&[query.owner(), "media"], &query.params(cursor))
            .await
    }

    /// Every media item from `start` on, following each page's `next` link,
    /// whether it pages by cursor or by time. `start` is a stored
    /// [`Cursor`], [`Cursor::since`] to begin at a time bound, or `None` for
    /// the newest media. A stored cursor Instagram no longer accepts ends
    /// the stream with [`Error::CursorExpired`]: restart from a time bound.
    pub fn media_stream(
        &self,
        query: MediaQuery,
        start: Option<Cursor>,
    ) -> impl Stream<Item = Result<Media, Error>> + '_ {
        page::items(start, move |cursor| {
            let query = query.clone();
            async move { self.media_page(&query, cursor.as_ref()).await }
        })
    }

    /// Every page from `start` on, so a caller can persist each page's
    /// cursor; `start` and errors as for [`UserClient::media_stream`].
    pub fn media_pages(
        &self,
        query: MediaQuery,
        start: Option<Cursor>,
    ) -> impl Stream<Item = Result<Page<Media>, Error>> + '_ {
        page::pages(start, move |cursor| {
            let query = query.clone();
            async move { self.media_page(&query, cursor.as_ref()).await }
        })
    }

    /// One media object with every field in [`MEDIA_FIELDS`].
    ///
    /// # Errors
    /// Any [`Error`]; a deleted or unknown id is an [`Error::BadRequest`].
    pub async fn media(&self, id: &IgMediaId) -> Result<Media, Error> {
        self.media_with_fields(id, MEDIA_FIELDS).await
    }

    /// One media object with the given comma-separated fields.
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn media_with_fields(&self, id: &IgMediaId, fields: &str) -> Result<Media, Error> {
        self.get(&[id.as_str()], &[("fields", fields.to_owned())])
            .await
    }

    /// A carousel's items (the edge has no paging).
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn children(&self, id: &IgMediaId) -> Result<Vec<Media>, Error> {
        let page: Page<Media> = self
            .get(
                &[id.as_str(), "children"],
                &[("fields", CHILD_FIELDS.to_owned())],
            )
            .await?;
        Ok(page.items)
    }

    /// One page of the live stories (under 24 h old) of `user`, or of the
    /// token owner when `None`.
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn stories_page(
        &self,
        user: Option<&IgUserId>,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Media>, Error> {
        let owner = user.map_or("me", IgUserId::as_str);
        let mut params = vec![("fields", STORY_FIELDS.to_owned())];
        Cursor::apply(cursor, &mut params);
        self.get(&[owner, "stories"], &params).await
    }

    /// Every live story, following each page's `next` link.
    pub fn stories_stream(
        &self,
        user: Option<IgUserId>,
    ) -> impl Stream<Item = Result<Media, Error>> + '_ {
        page::items(None, move |cursor| {
            let user = user.clone();
            async move { self.stories_page(user.as_ref(), cursor.as_ref()).await }
        })
    }
}
