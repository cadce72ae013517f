//! Publishing: containers, status polling, `media_publish` and the 24-hour
//! publishing limit.
//!
//! Publishing is two steps because Instagram fetches the media from a public
//! URL and processes it asynchronously: create a container, wait until its
//! `status_code` is `FINISHED`, then publish it. POSTs are never retried
//! automatically (a retried create would leave a second container).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::client::UserClient;
use crate::config::jitter;
use crate::error::Error;
use crate::ids::{IgContainerId, IgMediaId, IgUserId};

/// Instagram's caption limit in characters.
pub const MAX_CAPTION_CHARS: usize = 2200;

/// What a container holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContainerKind {
    /// A feed image (JPEG).
    Image {
        /// Public URL Instagram fetches.
        image_url: String,
    },
    /// A reel.
    Reel {
        /// Public URL Instagram fetches.
        video_url: String,
    },
    /// An image story.
    StoryImage {
        /// Public URL Instagram fetches.
        image_url: String,
    },
    /// A video story.
    StoryVideo {
        /// Public URL Instagram fetches.
        video_url: String,
    },
    /// An image inside a carousel.
    CarouselImage {
        /// Public URL Instagram fetches.
        image_url: String,
    },
    /// A video inside a carousel.
    CarouselVideo {
        /// Public URL Instagram fetches.
        video_url: String,
    },
    /// A carousel of 2–10 finished item containers.
    Carousel {
        /// The item containers, in order.
        children: Vec<IgContainerId>,
    },
}

/// A container to create: what it holds plus the optional fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewContainer {
    /// What it holds.
    pub kind: ContainerKind,
    /// Caption (single image, reel, carousel parent).
    pub caption: Option<String>,
    /// Alternative text (images, carousel images).
    pub alt_text: Option<String>,
    /// Whether a reel also appears in the feed.
    pub share_to_feed: Option<bool>,
    /// Reel cover image URL.
    pub cover_url: Option<String>,
}

impl NewContainer {
    fn of(kind: ContainerKind) -> Self {
        Self {
            kind,
            caption: None,
            alt_text: None,
            share_to_feed: None,
            cover_url: None,
        }
    }

    /// A feed image.
    pub fn image(image_url: impl Into<String>) -> Self {
        Self::of(ContainerKind::Image {
            image_url: image_url.into(),
        })
    }

    /// A reel.
    pub fn reel(video_url: impl Into<String>) -> Self {
        Self::of(ContainerKind::Reel {
            video_url: video_url.into(),
        })
    }

    /// An image story.
    pub fn story_image(image_url: impl Into<String>) -> Self {
        Self::of(ContainerKind::StoryImage {
            image_url: image_url.into(),
        })
    }

    /// A video story.
    pub fn story_video(video_url: impl Into<String>) -> Self {
        Self::of(ContainerKind::StoryVideo {
            video_url: video_url.into(),
        })
    }

    /// A carousel image item.
    pub fn carousel_image(image_url: impl Into<String>) -> Self {
        Self::of(ContainerKind::CarouselImage {
            image_url: image_url.into(),
        })
    }

    /// A carousel video item.
    pub fn carousel_video(video_url: impl Into<String>) -> Self {
        Self::of(ContainerKind::CarouselVideo {
            video_url: video_url.into(),
        })
    }

    /// A carousel of item containers.
    pub fn carousel(children: impl IntoIterator<Item = IgContainerId>) -> Self {
        Self::of(ContainerKind::Carousel {
            children: children.into_iter().collect(),
        })
    }

    /// Sets the caption.
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Sets the alternative text.
    pub fn alt_text(mut self, alt_text: impl Into<String>) -> Self {
        self.alt_text = Some(alt_text.into());
        self
    }

    /// Sets `share_to_feed` (reels).
    pub fn share_to_feed(mut self, share: bool) -> Self {
        self.share_to_feed = Some(share);
        self
    }

    /// Sets the reel cover URL.
    pub fn cover_url(mut self, url: impl Into<String>) -> Self {
        self.cover_url = Some(url.into());
        self
    }

    /// The form parameters, after the checks Instagram would fail anyway.
    fn params(&self) -> Result<Vec<(&'static str, String)>, Error> {
        let mut params = Vec::new();
        let captionable = matches!(
            self.kind,
            ContainerKind::Image { .. }
                | ContainerKind::Reel { .. }
                | ContainerKind::Carousel { .. }
        );
        match &self.kind {
            ContainerKind::Image { image_url } => params.push(("image_url", image_url.clone())),
            ContainerKind::Reel { video_url } => {
                params.extend([
                    ("media_type", "REELS".to_owned()),
                    ("video_url", video_url.clone()),
                ]);
            }
            ContainerKind::StoryImage { image_url } => {
                params.extend([
                    ("media_type", "STORIES".to_owned()),
                    ("image_url", image_url.clone()),
                ]);
            }
            ContainerKind::StoryVideo { video_url } => {
                params.extend([
                    ("media_type", "STORIES".to_owned()),
                    ("video_url", video_url.clone()),
                ]);
            }
            ContainerKind::CarouselImage { image_url } => {
                params.extend([
                    ("is_carousel_item", "true".to_owned()),
                    ("image_url", image_url.clone()),
                ]);
            }
            ContainerKind::CarouselVideo { video_url } => params.extend([
                ("media_type", "VIDEO".to_owned()),
                ("is_carousel_item", "true".to_owned()),
                ("video_url", video_url.clone()),
            ]),
            ContainerKind::Carousel { children } => {
                if !(2..=10).contains(&children.len()) {
                    return Err(Error::BadInput(format!(
                        "a carousel needs 2 to 10 items, got {}",
                        children.len()
                    )));
                }
                let ids = children
                    .iter()
                    .map(IgContainerId::as_str)
                    .collect::<Vec<_>>()
                    .join(",");
                params.extend([("media_type", "CAROUSEL".to_owned()), ("children", ids)]);
            }
        }
        if let Some(caption) = &self.caption {
            if !captionable {
                return Err(Error::BadInput(
                    "captions are not allowed on stories or carousel items".to_owned(),
                ));
            }
            if caption.chars().count() > MAX_CAPTION_CHARS {
                return Err(Error::BadInput(format!(
                    "caption longer than {MAX_CAPTION_CHARS} characters"
                )));
            }
            params.push(("caption", caption.clone()));
        }
        if let Some(alt) = &self.alt_text {
            if !matches!(
                self.kind,
                ContainerKind::Image { .. } | ContainerKind::CarouselImage { .. }
            ) {
                return Err(Error::BadInput(
                    "alt text is only allowed on images".to_owned(),
                ));
            }
            params.push(("alt_text", alt.clone()));
        }
        if let Some(share) = self.share_to_feed {
            params.push(("share_to_feed", share.to_string()));
        }
        if let Some(cover) = &self.cover_url {
            params.push(("cover_url", cover.clone()));
        }
        Ok(params)
    }
}

/// A container's `status_code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum StatusCode {
    /// Still processing.
    InProgress,
    /// Ready to publish.
    Finished,
    /// Already published.
    Published,
    /// Failed; `status` says why.
    Error,
    /// Not published within 24 hours.
    Expired,
    /// A value this crate does not know yet.
    #[serde(untagged)]
    Other(String),
}

/// `GET /{container-id}?fields=status_code,status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContainerStatus {
    /// The container.
    pub id: IgContainerId,
    /// Branch on this.
    pub status_code: StatusCode,
    /// Prose; may name a publishing error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `content_publishing_limit`: API posts in the rolling window.
/// (De)serializes as the wire shape `{"data":[{quota_usage, config}]}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "LimitBody", into = "LimitBody")]
#[non_exhaustive]
pub struct PublishingLimit {
    /// Posts published in the window.
    pub quota_usage: u32,
    /// Posts allowed in the window (100 or 50 depending on the docs; read it).
    pub quota_total: Option<u32>,
    /// Window length.
    pub quota_duration: Option<Duration>,
}

impl TryFrom<LimitBody> for PublishingLimit {
    type Error = &'static str;

    fn try_from(body: LimitBody) -> Result<Self, Self::Error> {
        let entry = body
            .data
            .into_iter()
            .next()
            .ok_or("content_publishing_limit answered no data")?;
        let config = entry.config;
        Ok(Self {
            quota_usage: entry.quota_usage,
            quota_total: config.as_ref().and_then(|c| c.quota_total),
            quota_duration: config
                .and_then(|c| c.quota_duration)
                .map(Duration::from_secs),
        })
    }
}

impl From<PublishingLimit> for LimitBody {
    fn from(limit: PublishingLimit) -> Self {
        let config =
            (limit.quota_total.is_some() || limit.quota_duration.is_some()).then(|| LimitConfig {
                quota_total: limit.quota_total,
                quota_duration: limit.quota_duration.map(|d| d.as_secs()),
            });
        Self {
            data: vec![LimitEntry {
                quota_usage: limit.quota_usage,
                config,
            }],
        }
    }
}

impl PublishingLimit {
    /// Posts left, when the total is known.
    pub fn remaining(&self) -> Option<u32> {
        self.quota_total
            .map(|total| total.saturating_sub(self.quota_usage))
    }
}

#[derive(Serialize, Deserialize)]
struct LimitBody {
    data: Vec<LimitEntry>,
}

#[derive(Serialize, Deserialize)]
struct LimitEntry {
    #[serde(default)]
    quota_usage: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    config: Option<LimitConfig>,
}

#[derive(Serialize, Deserialize)]
struct LimitConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quota_total: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quota_duration: Option<u64>,
}

/// The `{"id": …}` answer of container creation and `media_publish`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Created<T> {
    /// The new object's id.
    pub id: T,
}

/// How long to wait for a container to finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// Status reads before giving up.
    pub max_attempts: u32,
    /// Delay before the second read; doubles each time.
    pub initial_delay: Duration,
    /// Upper bound of one delay.
    pub max_delay: Duration,
}

impl Default for PollPolicy {
    /// Meta's advice: about once a minute for at most five minutes, starting
    /// faster because images are usually ready at once: 12 reads, 2 s
    /// doubling to 60 s.
    fn default() -> Self {
        Self {
            max_attempts: 12,
            initial_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl UserClient {
    /// Creates a container for `user` (`me` when `None`).
    ///
    /// # Errors
    /// [`Error::BadInput`] for a request Instagram would refuse, else any [`Error`].
    pub async fn create_container(
        &self,
        user: Option<&IgUserId>,
        container: &NewContainer,
    ) -> Result<IgContainerId, Error> {
        let params = container.params()?;
        let owner = user.map_or("me", IgUserId::as_str);
        let body: Created<IgContainerId> = self.post(&[owner, "media"], &params).await?;
        Ok(body.id)
    }

    /// Reads a container's status.
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn container_status(
        &self,
        container: &IgContainerId,
    ) -> Result<ContainerStatus, Error> {
        self.get(
            &[container.as_str()],
            &[("fields", "id,status_code,status".to_owned())],
        )
        .await
    }

    /// Polls until the container is `FINISHED` (or `PUBLISHED`), with
    /// jittered, doubling delays bounded by `policy`.
    ///
    /// # Errors
    /// [`Error::ContainerFailed`] on `ERROR`/`EXPIRED` (its
    /// [`Error::retry_kind`] says whether a new container helps),
    /// [`Error::ContainerPending`] when the attempts run out, else any [`Error`].
    pub async fn wait_for_container(
        &self,
        container: &IgContainerId,
        policy: PollPolicy,
    ) -> Result<ContainerStatus, Error> {
        let mut delay = policy.initial_delay;
        for attempt in 1..=policy.max_attempts.max(1) {
            let status = self.container_status(container).await?;
            match status.status_code {
                StatusCode::Finished | StatusCode::Published => return Ok(status),
                StatusCode::Error | StatusCode::Expired => {
                    let code = if status.status_code == StatusCode::Error {
                        "ERROR"
                    } else {
                        "EXPIRED"
                    };
                    return Err(Error::ContainerFailed {
                        status_code: code.to_owned(),
                        status: status.status,
                    });
                }
                StatusCode::InProgress | StatusCode::Other(_) => {}
            }
            if attempt < policy.max_attempts {
                tokio::time::sleep(jitter(delay)).await;
                delay = delay.saturating_mul(2).min(policy.max_delay);
            }
        }
        Err(Error::ContainerPending {
            attempts: policy.max_attempts.max(1),
        })
    }

    /// Publishes a finished container; answers the new media id.
    ///
    /// # Errors
    /// [`Error::Transient`] for "not ready" (9007/2207027),
    /// [`Error::RateLimited`] for the daily limit (9/2207042),
    /// [`Error::ContainerUnusable`] when only a new container helps
    /// (2207020, 2207053…), else any [`Error`].
    pub async fn publish(
        &self,
        user: Option<&IgUserId>,
        container: &IgContainerId,
    ) -> Result<IgMediaId, Error> {
        let owner = user.map_or("me", IgUserId::as_str);
        let body: Created<IgMediaId> = self
            .post(
                &[owner, "media_publish"],
                &[("creation_id", container.as_str().to_owned())],
            )
            .await?;
        Ok(body.id)
    }

    /// Reads the 24-hour publishing quota.
    ///
    /// # Errors
    /// Any [`Error`]; an empty `data` is [`Error::UnexpectedResponse`].
    pub async fn publishing_limit(
        &self,
        user: Option<&IgUserId>,
    ) -> Result<PublishingLimit, Error> {
        let owner = user.map_or("me", IgUserId::as_str);
        self.get(
            &[owner, "content_publishing_limit"],
            &[("fields", "config,quota_usage".to_owned())],
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_params() {
        let reel = NewContainer::reel("https://example.com/v.mp4")
            .caption("hi")
            .share_to_feed(true)
            .params()
            .unwrap();
        assert!(reel.contains(&("media_type", "REELS".to_owned())));
        assert!(reel.contains(&("share_to_feed", "true".to_owned())));
        let carousel = NewContainer::carousel([IgContainerId::new("1"), IgContainerId::new("2")])
            .params()
            .unwrap();
        assert!(carousel.contains(&("children", "1,2".to_owned())));
        assert!(
            NewContainer::carousel([IgContainerId::new("1")])
                .params()
                .is_err()
        );
        assert!(
            NewContainer::carousel((0..11).map(|i| IgContainerId::new(i.to_string())))
                .params()
                .is_err()
        );
        assert!(
            NewContainer::carousel_image("u")
                .caption("x")
                .params()
                .is_err()
        );
        assert!(
            NewContainer::story_image("u")
                .caption("x")
                .params()
                .is_err()
        );
        assert!(NewContainer::reel("u").alt_text("x").params().is_err());
        assert!(
            NewContainer::image("u")
                .caption("é".repeat(2201))
                .params()
                .is_err()
        );
        assert!(
            NewContainer::image("u")
                .caption("é".repeat(2200))
                .params()
                .is_ok()
        );
        let item = NewContainer::carousel_video("v").params().unwrap();
        assert!(item.contains(&("is_carousel_item", "true".to_owned())));
    }
}
