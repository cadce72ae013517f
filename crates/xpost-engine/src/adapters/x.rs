//! X as a core [`Target`]: streamed media upload, posts, deletion, the own
//! timeline and the profile, through `x-client` and in core's types.

use std::pin::pin;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use jiff::Timestamp;
use tokio::sync::OnceCell;
use x_client::{
    MediaId, MediaSpec, NewPost, PostFields, ProfileUpdate, TimelineQuery, XClient, XPostId,
    XUserId,
};
use xpost_core::{
    MediaKind, MediaUpload, Metrics, OutgoingPost, Profile, ProfileApplied, ProfileChange,
    PublishedPost, RemoteError, ReplySettings, Target, TargetId, TargetMediaId,
};

use super::errors::from_x;
use super::matching;

/// The largest page X's timeline gives.
const TIMELINE_PAGE: u32 = 100;

/// The most ids one `GET /2/tweets` takes.
const LOOKUP_BATCH: usize = 100;

/// X as a [`Target`], for one account's session.
#[derive(Debug, Clone)]
pub struct XTarget {
    client: XClient,
    user: OnceCell<XUserId>,
    oauth1: bool,
}

impl XTarget {
    /// Publishes as the account `client` is signed in as; its id is asked of X
    /// the first time it is needed.
    pub fn new(client: XClient) -> Self {
        Self {
            client,
            user: OnceCell::new(),
            oauth1: false,
        }
    }

    /// Whether `client` also holds OAuth 1.0a credentials, so that profile
    /// changes X refuses on v2 may go through the v1.1 `account/*` endpoints.
    #[must_use]
    pub fn with_oauth1(mut self, linked: bool) -> Self {
        self.oauth1 = linked;
        self
    }

    /// The client underneath, for what the [`Target`] seam does not cover.
    pub fn client(&self) -> &XClient {
        &self.client
    }

    async fn user(&self) -> Result<&XUserId, RemoteError> {
        self.user
            .get_or_try_init(|| async {
                self.client
                    .me(&[])
                    .await
                    .map(|me| me.id)
                    .map_err(|error| from_x(&error))
            })
            .await
    }
}

/// Whether X refused a v2 profile route as such (the app's tier or
/// authentication cannot use it), which the v1.1 endpoints may still take.
fn v2_refused(error: &x_client::Error) -> bool {
    matches!(
        error,
        x_client::Error::Forbidden { .. } | x_client::Error::NotFound { .. }
    )
}

fn applied(via: &str) -> ProfileApplied {
    ProfileApplied {
        via: via.to_owned(),
    }
}

/// What X must know before the bytes: kind, type, length, alt text.
fn spec(upload: &MediaUpload) -> Result<MediaSpec, RemoteError> {
    let content_type = upload.body.content_type.as_str();
    let spec = match upload.body.kind {
        MediaKind::Image if content_type.eq_ignore_ascii_case("image/gif") => {
            MediaSpec::gif(upload.length)
        }
        MediaKind::Image => MediaSpec::image(content_type, upload.length),
        MediaKind::Video => MediaSpec::video(content_type, upload.length, None::<Duration>),
        other => {
            return Err(RemoteError::Media {
                message: format!("X takes no media of kind {other:?}"),
            });
        }
    };
    Ok(match upload.alt_text.as_deref().filter(|t| !t.is_empty()) {
        Some(alt) => spec.alt_text(alt),
        None => spec,
    })
}

fn reply_settings(settings: ReplySettings) -> Result<Option<x_client::ReplySettings>, RemoteError> {
    Ok(match settings {
        ReplySettings::Everyone => None,
        ReplySettings::Following => Some(x_client::ReplySettings::Following),
        ReplySettings::MentionedUsers => Some(x_client::ReplySettings::MentionedUsers),
        ReplySettings::Subscribers => Some(x_client::ReplySettings::Subscribers),
        ReplySettings::Verified => Some(x_client::ReplySettings::Verified),
        other => {
            return Err(RemoteError::Rejected {
                message: format!("X has no reply setting for {other:?}"),
            });
        }
    })
}

/// A post id from X as core's target id.
fn target_id(id: &XPostId) -> Result<TargetId, RemoteError> {
    TargetId::new(id.as_str()).map_err(|error| RemoteError::Rejected {
        message: format!("X answered a post id xpost cannot hold: {error}"),
    })
}

/// A timeline post in core's terms.
fn published(post: x_client::model::Post) -> Result<PublishedPost, RemoteError> {
    let reply_to = post
        .referenced_tweets
        .iter()
        .flatten()
        .find(|r| r.kind == "replied_to")
        .map(|r| target_id(&r.id))
        .transpose()?;
    Ok(PublishedPost {
        id: target_id(&post.id)?,
        text: post.text,
        media_count: post.attachments.map_or(0, |a| a.media_keys.len()),
        reply_to,
        created_at: post.created_at,
    })
}

#[async_trait]
impl Target for XTarget {
    async fn upload(&self, media: MediaUpload) -> Result<TargetMediaId, RemoteError> {
        let spec = spec(&media)?;
        let uploaded = self
            .client
            .upload_media_stream(&spec, media.body.bytes)
            .await
            .map_err(|error| from_x(&error))?;
        TargetMediaId::new(uploaded.id.as_str()).map_err(|error| RemoteError::Rejected {
            message: format!("X answered a media id xpost cannot hold: {error}"),
        })
    }

    async fn publish(&self, post: &OutgoingPost) -> Result<PublishedPost, RemoteError> {
        let mut new = NewPost::builder();
        if !post.text.is_empty() {
            new = new.text(post.text.as_str());
        }
        for id in &post.media {
            new = new.media_id(MediaId::new(id.as_str()));
        }
        if let Some(parent) = &post.reply_to {
            new = new.reply_to(XPostId::new(parent.as_str()));
        }
        if let Some(settings) = reply_settings(post.reply_settings)? {
            new = new.reply_settings(settings);
        }
        let new = new.build().map_err(|error| from_x(&error))?;
        let created = self
            .client
            .create_post(&new)
            .await
            .map_err(|error| from_x(&error))?;
        Ok(PublishedPost {
            id: target_id(&created.id)?,
            text: created.text,
            media_count: post.media.len(),
            reply_to: post.reply_to.clone(),
            created_at: None,
        })
    }

    async fn delete(&self, id: &TargetId) -> Result<(), RemoteError> {
        match self.client.delete_post(&XPostId::new(id.as_str())).await {
            Ok(true) | Err(x_client::Error::NotFound { .. }) => Ok(()),
            Ok(false) => Err(RemoteError::Rejected {
                message: format!("X did not delete post {id}"),
            }),
            Err(error) => Err(from_x(&error)),
        }
    }

    async fn own_recent(&self, since: Timestamp) -> Result<Vec<PublishedPost>, RemoteError> {
        let user = self.user().await?.clone();
        // X reports creation times to the second: a bound with a fraction
        // would leave out a post made in the same second.
        let since = Timestamp::from_second(since.as_second()).unwrap_or(since);
        let query = TimelineQuery {
            max_results: TIMELINE_PAGE,
            start_time: Some(since),
            ..TimelineQuery::default()
        };
        let mut posts = pin!(self.client.user_posts_stream(user, query));
        let mut out = Vec::new();
        while let Some(post) = posts.next().await {
            let post = published(post.map_err(|error| from_x(&error))?)?;
            // The timeline is newest first; `start_time` already bounds it, and
            // this keeps the bound even where a server ignores the parameter.
            if post.created_at.is_some_and(|at| at < since) {
                break;
            }
            out.push(post);
        }
        Ok(out)
    }

    fn matches(&self, published: &PublishedPost, intended: &OutgoingPost) -> bool {
        matching::matches(published, intended)
    }

    async fn profile(&self) -> Result<Profile, RemoteError> {
        let me = self
            .client
            .me(&["description", "profile_image_url", "url"])
            .await
            .map_err(|error| from_x(&error))?;
        Ok(Profile {
            username: me.username,
            name: Some(me.name),
            bio: me.description,
            website: me.url,
            picture_url: me.profile_image_url,
        })
    }

    async fn update_profile(&self, change: &ProfileChange) -> Result<ProfileApplied, RemoteError> {
        let update = ProfileUpdate {
            name: change.name.clone(),
            description: change.description.clone(),
            url: change.url.clone(),
            location: None,
        };
        match self.client.update_profile(&update).await {
            Ok(_) => Ok(applied("v2")),
            Err(error) if self.oauth1 && v2_refused(&error) => {
                tracing::info!(%error, "X refused the v2 profile update; using v1.1");
                self.client
                    .update_profile_v1(&update)
                    .await
                    .map(|_| applied("v1.1"))
                    .map_err(|error| from_x(&error))
            }
            Err(error) => Err(from_x(&error)),
        }
    }

    async fn update_avatar(
        &self,
        image: Bytes,
        content_type: &str,
    ) -> Result<ProfileApplied, RemoteError> {
        match self
            .client
            .update_profile_image(image.clone(), content_type)
            .await
        {
            Ok(_) => Ok(applied("v2")),
            Err(error) if self.oauth1 && v2_refused(&error) => {
                tracing::info!(%error, "X refused the v2 avatar change; using v1.1");
                self.client
                    .update_profile_image_v1(&image)
                    .await
                    .map(|_| applied("v1.1"))
                    .map_err(|error| from_x(&error))
            }
            Err(error) => Err(from_x(&error)),
        }
    }

    async fn metrics(&self, ids: &[TargetId]) -> Result<Vec<(TargetId, Metrics)>, RemoteError> {
        let fields = PostFields {
            tweet_fields: vec!["public_metrics"],
            expansions: Vec::new(),
            media_fields: Vec::new(),
        };
        let mut out = Vec::with_capacity(ids.len());
        for batch in ids.chunks(LOOKUP_BATCH) {
            let x_ids: Vec<XPostId> = batch.iter().map(|id| XPostId::new(id.as_str())).collect();
            let found = self
                .client
                .lookup_posts(&x_ids, &fields)
                .await
                .map_err(|error| from_x(&error))?;
            for post in found.posts {
                let Some(m) = post.public_metrics else {
                    continue;
                };
                out.push((
                    target_id(&post.id)?,
                    Metrics {
                        likes: Some(m.like_count),
                        comments: Some(m.reply_count),
                        reposts: Some(m.retweet_count),
                        impressions: m.impression_count,
                    },
                ));
            }
        }
        Ok(out)
    }
}
