//! [`Throttled`]: a source or target that asks its account's budget before
//! every call.

use async_trait::async_trait;
use bytes::Bytes;
use jiff::Timestamp;
use xpost_core::{
    MediaBody, MediaItem, MediaUpload, Metrics, OutgoingPost, Profile, ProfileApplied,
    ProfileChange, PublishedPost, RemoteError, Source, SourceId, SourcePost, Target, TargetId,
    TargetMediaId,
};

use super::budget::{Budget, Call};

/// A [`Source`] or [`Target`] whose calls are paced by one account's
/// [`Budget`].
///
/// A call the budget holds back fails with [`RemoteError::RateLimited`] (or
/// the platform's own last error while it blocks the account) without
/// reaching the platform. `P` may be unsized, so an
/// `Arc<Throttled<dyn Target>>` can be made from a concrete one.
#[derive(Debug)]
pub struct Throttled<P: ?Sized> {
    budget: Budget,
    inner: P,
}

impl<P> Throttled<P> {
    /// `inner`, paced by `budget` (which other wrappers of the same account
    /// may share).
    pub fn new(inner: P, budget: Budget) -> Self {
        Self { budget, inner }
    }

    /// The wrapped source or target.
    pub fn into_inner(self) -> P {
        self.inner
    }
}

impl<P: ?Sized> Throttled<P> {
    /// The account's budget.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// When calls will be let through again; `None` when one would be now.
    /// See [`Budget::blocked_until`].
    pub fn blocked_until(&self) -> Option<Timestamp> {
        self.budget.blocked_until()
    }

    /// The wrapped source or target, for calls that reach no platform.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    /// Runs `call` if the budget lets it through, and shows the budget its
    /// outcome.
    async fn paced<T>(
        &self,
        kind: Call,
        call: impl Future<Output = Result<T, RemoteError>>,
    ) -> Result<T, RemoteError> {
        self.budget.admit(kind)?;
        let outcome = call.await;
        self.budget.observe(&outcome);
        outcome
    }
}

#[async_trait]
impl<S: Source + ?Sized> Source for Throttled<S> {
    async fn new_posts(
        &self,
        newest_seen: Option<&SourceId>,
        since: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<SourcePost>, RemoteError> {
        self.paced(Call::Other, self.inner.new_posts(newest_seen, since, limit))
            .await
    }

    async fn post(&self, id: &SourceId) -> Result<Option<SourcePost>, RemoteError> {
        self.paced(Call::Other, self.inner.post(id)).await
    }

    async fn media(&self, post: &SourcePost, item: &MediaItem) -> Result<MediaBody, RemoteError> {
        self.paced(Call::Other, self.inner.media(post, item)).await
    }

    async fn profile(&self) -> Result<Profile, RemoteError> {
        self.paced(Call::Other, Source::profile(&self.inner)).await
    }

    async fn stories(&self) -> Result<Vec<SourcePost>, RemoteError> {
        self.paced(Call::Other, self.inner.stories()).await
    }

    async fn picture(&self, url: &str) -> Result<MediaBody, RemoteError> {
        self.paced(Call::Other, self.inner.picture(url)).await
    }

    async fn metrics(&self, ids: &[SourceId]) -> Result<Vec<(SourceId, Metrics)>, RemoteError> {
        self.paced(Call::Other, Source::metrics(&self.inner, ids))
            .await
    }
}

#[async_trait]
impl<T: Target + ?Sized> Target for Throttled<T> {
    async fn upload(&self, media: MediaUpload) -> Result<TargetMediaId, RemoteError> {
        self.paced(Call::Other, self.inner.upload(media)).await
    }

    async fn publish(&self, post: &OutgoingPost) -> Result<PublishedPost, RemoteError> {
        self.paced(Call::Publish, self.inner.publish(post)).await
    }

    async fn delete(&self, id: &TargetId) -> Result<(), RemoteError> {
        self.paced(Call::Other, self.inner.delete(id)).await
    }

    async fn own_recent(&self, since: Timestamp) -> Result<Vec<PublishedPost>, RemoteError> {
        self.paced(Call::Other, self.inner.own_recent(since)).await
    }

    fn matches(&self, published: &PublishedPost, intended: &OutgoingPost) -> bool {
        self.inner.matches(published, intended)
    }

    async fn profile(&self) -> Result<Profile, RemoteError> {
        self.paced(Call::Other, Target::profile(&self.inner)).await
    }

    async fn update_profile(&self, change: &ProfileChange) -> Result<ProfileApplied, RemoteError> {
        self.paced(Call::Other, self.inner.update_profile(change))
            .await
    }

    async fn update_avatar(
        &self,
        image: Bytes,
        content_type: &str,
    ) -> Result<ProfileApplied, RemoteError> {
        self.paced(Call::Other, self.inner.update_avatar(image, content_type))
            .await
    }

    async fn metrics(&self, ids: &[TargetId]) -> Result<Vec<(TargetId, Metrics)>, RemoteError> {
        self.paced(Call::Other, Target::metrics(&self.inner, ids))
            .await
    }
}
