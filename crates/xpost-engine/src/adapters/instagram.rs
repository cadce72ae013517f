//! Instagram as a core [`Source`]: listings, single posts, media bytes and the
//! profile, read through `ig-client` and answered in core's types.

use std::pin::pin;

use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt};
use ig_client::{Cursor, Media, MediaProductType, MediaQuery, UserClient};
use jiff::Timestamp;
use xpost_core::{
    IgMediaId, MediaBody, MediaItem, MediaKind, MediaType, Metrics, ProductType, Profile,
    RemoteError, Source, SourceId, SourcePost,
};

use super::clock::SharedClock;
use super::errors::{from_ig, ig_not_found};

/// The fields read for every post: what [`SourcePost`] holds, alt text included,
/// on the post and on each carousel child.
const SOURCE_FIELDS: &str = "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,timestamp,username,alt_text,children{id,media_type,media_url,thumbnail_url,alt_text}";

/// The most live stories read in one listing.
const MAX_STORIES: usize = 500;

/// Instagram as a [`Source`], for one account's token.
#[derive(Debug, Clone)]
pub struct InstagramSource {
    user: UserClient,
    page_size: u32,
    clock: SharedClock,
}

impl InstagramSource {
    /// Reads the account that `user`'s token belongs to, `page_size` posts per
    /// listing request.
    pub fn new(user: UserClient, page_size: u32, clock: SharedClock) -> Self {
        Self {
            user,
            page_size: page_size.max(1),
            clock,
        }
    }

    /// The client underneath, for what the [`Source`] seam does not cover
    /// (engagement counts for `xpost report`, say).
    pub fn user(&self) -> &UserClient {
        &self.user
    }

    fn remote(&self, error: &ig_client::Error) -> RemoteError {
        from_ig(error, self.clock.now())
    }

    /// Lists from the newest post (or from `start`), newest first, into `out`
    /// until `newest_seen` or `limit`; `Ok(false)` when the listing stopped
    /// because Instagram refused a paging cursor.
    async fn list_into(
        &self,
        query: &MediaQuery,
        start: Option<Cursor>,
        newest_seen: Option<&SourceId>,
        limit: usize,
        out: &mut Vec<SourcePost>,
    ) -> Result<bool, RemoteError> {
        let mut items = pin!(self.user.media_stream(query.clone(), start));
        while out.len() < limit {
            let media = match items.next().await {
                None => break,
                Some(Ok(media)) => media,
                Some(Err(ig_client::Error::CursorExpired { .. })) => return Ok(false),
                Some(Err(error)) => return Err(self.remote(&error)),
            };
            if newest_seen.is_some_and(|seen| seen.as_str() == media.id.as_str()) {
                break;
            }
            // A restarted listing walks again over what the first pass returned.
            if out.iter().any(|post| post.id.as_str() == media.id.as_str()) {
                continue;
            }
            if let Some(post) = source_post(media) {
                out.push(post);
            }
        }
        Ok(true)
    }

    /// Downloads `url` as a stream.
    async fn download(&self, kind: MediaKind, url: &str) -> Result<MediaBody, ig_client::Error> {
        let download = self.user.download(url).await?;
        let content_type = download.content_type().to_owned();
        let length = download.content_length();
        let clock = self.clock.clone();
        let bytes = download
            .into_stream()
            .map_err(move |error| from_ig(&error, clock.now()))
            .boxed();
        Ok(MediaBody {
            kind,
            content_type,
            length,
            bytes,
        })
    }
}

/// Whether a CDN answer says the signed URL no longer works (expired or
/// revoked), which a fresh `media_url` from the API cures.
fn url_expired(error: &ig_client::Error) -> bool {
    matches!(
        error,
        ig_client::Error::UnexpectedResponse {
            status: 403 | 404 | 410,
            ..
        }
    )
}

/// Where `item` is in `post`'s items, so the same item can be found in a
/// fresh copy of the post: by its own id, else by position.
fn same_item(post: &SourcePost, item: &MediaItem, fresh: &SourcePost) -> Option<MediaItem> {
    let items = fresh.items();
    if let Some(id) = &item.id {
        return items.into_iter().find(|m| m.id.as_ref() == Some(id));
    }
    let at = post.items().iter().position(|m| m == item)?;
    items.into_iter().nth(at)
}

#[async_trait]
impl Source for InstagramSource {
    async fn new_posts(
        &self,
        newest_seen: Option<&SourceId>,
        since: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<SourcePost>, RemoteError> {
        let mut query = MediaQuery::new()
            .limit(self.page_size)
            .fields(SOURCE_FIELDS);
        if let Some(since) = since {
            query = query.since(since);
        }
        let mut out = Vec::new();
        if self
            .list_into(&query, None, newest_seen, limit, &mut out)
            .await?
        {
            return Ok(out);
        }
        let Some(since) = since else {
            return Err(RemoteError::CursorExpired {
                message:
                    "Instagram refused a paging cursor and there is no time bound to restart from"
                        .into(),
            });
        };
        if self
            .list_into(
                &query,
                Some(Cursor::since(since)),
                newest_seen,
                limit,
                &mut out,
            )
            .await?
        {
            return Ok(out);
        }
        Err(RemoteError::CursorExpired {
            message: "Instagram refused a paging cursor again after a restart from the time bound"
                .into(),
        })
    }

    async fn post(&self, id: &SourceId) -> Result<Option<SourcePost>, RemoteError> {
        let id = ig_client::IgMediaId::new(id.as_str());
        match self.user.media_with_fields(&id, SOURCE_FIELDS).await {
            Ok(media) => Ok(source_post(media)),
            Err(error) if ig_not_found(&error) => Ok(None),
            Err(error) => Err(self.remote(&error)),
        }
    }

    async fn media(&self, post: &SourcePost, item: &MediaItem) -> Result<MediaBody, RemoteError> {
        // An item listed without a URL gets one from a fresh copy of the post too.
        if let Some(url) = &item.url {
            match self.download(item.kind, url).await {
                Ok(body) => return Ok(body),
                Err(error) if url_expired(&error) => {}
                Err(error) => return Err(self.remote(&error)),
            }
        }
        // Signed CDN URLs expire: one fresh copy of the post, one more try.
        let fresh =
            self.post(&SourceId::from(&post.id))
                .await?
                .ok_or_else(|| RemoteError::NotFound {
                    message: format!("Instagram post {} no longer exists", post.id),
                })?;
        let url = same_item(post, item, &fresh)
            .and_then(|m| m.url)
            .ok_or_else(|| RemoteError::Media {
                message: format!("Instagram post {} has no media URL for this item", post.id),
            })?;
        self.download(item.kind, &url)
            .await
            .map_err(|error| self.remote(&error))
    }

    async fn stories(&self) -> Result<Vec<SourcePost>, RemoteError> {
        let mut items = pin!(self.user.stories_stream(None));
        let mut out: Vec<SourcePost> = Vec::new();
        // Bounded: an account has at most a few hundred live stories a day.
        while out.len() < MAX_STORIES {
            let media = match items.next().await {
                None => break,
                Some(Ok(media)) => media,
                Some(Err(error)) => return Err(self.remote(&error)),
            };
            if let Some(mut post) = source_post(media) {
                // The stories edge lists stories only, whatever a field says.
                post.product_type = ProductType::Story;
                out.push(post);
            }
        }
        Ok(out)
    }

    async fn profile(&self) -> Result<Profile, RemoteError> {
        let me = self.user.me().await.map_err(|error| self.remote(&error))?;
        Ok(Profile {
            username: me.username.unwrap_or_default(),
            name: me.name,
            bio: me.biography,
            website: me.website,
            picture_url: me.profile_picture_url,
        })
    }

    async fn picture(&self, url: &str) -> Result<MediaBody, RemoteError> {
        self.download(MediaKind::Image, url)
            .await
            .map_err(|error| self.remote(&error))
    }

    async fn metrics(&self, ids: &[SourceId]) -> Result<Vec<(SourceId, Metrics)>, RemoteError> {
        // Instagram Login has no batch read: one request per post, which costs
        // nothing but the account's hourly call budget.
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let media_id = ig_client::IgMediaId::new(id.as_str());
            match self
                .user
                .media_with_fields(&media_id, "like_count,comments_count")
                .await
            {
                Ok(media) => out.push((
                    id.clone(),
                    Metrics {
                        likes: media.like_count,
                        comments: media.comments_count,
                        reposts: None,
                        impressions: None,
                    },
                )),
                Err(error) if ig_not_found(&error) => {}
                Err(error) => return Err(self.remote(&error)),
            }
        }
        Ok(out)
    }
}

/// Converts one listed post; `None`, with a warning, for what core cannot hold
/// (an unknown media type, no timestamp, a non-numeric id).
fn source_post(media: Media) -> Option<SourcePost> {
    let converted = convert(&media);
    if converted.is_none() {
        tracing::warn!(
            id = %media.id,
            media_type = ?media.media_type,
            "Instagram post left out: its shape is not one xpost knows"
        );
    }
    converted
}

fn convert(media: &Media) -> Option<SourcePost> {
    let media_type = match media.media_type.as_ref()? {
        ig_client::MediaType::Image => MediaType::Image,
        ig_client::MediaType::Video => MediaType::Video,
        ig_client::MediaType::CarouselAlbum => MediaType::Carousel,
        _ => return None,
    };
    let product_type = match media.media_product_type.as_ref() {
        Some(MediaProductType::Reels) => ProductType::Reels,
        Some(MediaProductType::Story) => ProductType::Story,
        // Instagram leaves the field out on older posts, which are all feed
        // posts; an ad or an unknown product is shown where a feed post is.
        _ => ProductType::Feed,
    };
    let items = match media_type {
        MediaType::Carousel => media
            .children
            .iter()
            .flatten()
            .map(|child| item(child, true))
            .collect::<Option<Vec<_>>>()?,
        _ => vec![item(media, false)?],
    };
    Some(SourcePost {
        id: IgMediaId::new(media.id.as_str()).ok()?,
        media_type,
        product_type,
        caption: media.caption.clone(),
        permalink: media.permalink.clone(),
        timestamp: media.timestamp?,
        username: media.username.clone(),
        close_friends: false,
        media: items,
    })
}

/// One media item; a carousel child keeps its own id.
fn item(media: &Media, child: bool) -> Option<MediaItem> {
    let kind = match media.media_type.as_ref() {
        Some(ig_client::MediaType::Video) => MediaKind::Video,
        Some(ig_client::MediaType::Image) | None => MediaKind::Image,
        Some(_) => return None,
    };
    let mut item = MediaItem::new(kind);
    if child {
        item.id = Some(IgMediaId::new(media.id.as_str()).ok()?);
    }
    item.url = media.media_url.clone();
    item.alt_text = media.alt_text.clone().filter(|text| !text.is_empty());
    Some(item)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn media(json: serde_json::Value) -> Media {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_carousel_keeps_its_children_in_order_with_alt_text() {
        let post = convert(&media(serde_json::json!({
            "id": "178", "media_type": "CAROUSEL_ALBUM", "media_product_type": "FEED",
            "caption": "two", "timestamp": "2025-01-02T03:04:05+0000",
            "children": {"data": [
                {"id": "1791", "media_type": "IMAGE", "media_url": "https://x.cdninstagram.com/a.jpg", "alt_text": "a red door"},
                {"id": "1792", "media_type": "VIDEO", "media_url": "https://x.cdninstagram.com/b.mp4"}
            ]}
        })))
        .unwrap();
        assert_eq!(post.media_type, MediaType::Carousel);
        let ids: Vec<_> = post
            .media
            .iter()
            .map(|m| (m.id.as_ref().unwrap().as_str(), m.kind))
            .collect();
        assert_eq!(
            ids,
            vec![("1791", MediaKind::Image), ("1792", MediaKind::Video)]
        );
        assert_eq!(post.media[0].alt_text.as_deref(), Some("a red door"));
        assert_eq!(post.media[1].alt_text, None);
    }

    #[test]
    fn product_types_and_unknown_shapes() {
        let reel = convert(&media(serde_json::json!({
            "id": "1", "media_type": "VIDEO", "media_product_type": "REELS",
            "timestamp": "2025-01-02T03:04:05+0000", "media_url": "https://x.cdninstagram.com/r.mp4"
        })))
        .unwrap();
        assert_eq!(
            (reel.media_type, reel.product_type),
            (MediaType::Video, ProductType::Reels)
        );
        assert_eq!(reel.media[0].id, None, "a single item has no id of its own");
        let story = convert(&media(serde_json::json!({
            "id": "2", "media_type": "IMAGE", "media_product_type": "STORY",
            "timestamp": "2025-01-02T03:04:05+0000"
        })))
        .unwrap();
        assert_eq!(story.product_type, ProductType::Story);
        let unknown = media(serde_json::json!({
            "id": "3", "media_type": "HOLOGRAM", "timestamp": "2025-01-02T03:04:05+0000"
        }));
        assert!(convert(&unknown).is_none());
        let undated = media(serde_json::json!({"id": "4", "media_type": "IMAGE"}));
        assert!(convert(&undated).is_none());
    }
}
