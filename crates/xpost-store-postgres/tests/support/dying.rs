//! A store wrapper that refuses every write once its budget of writes is
//! spent: a worker killed between two steps. It remembers the lease it last
//! granted and did not see released, so a test knows whether the dead worker
//! still holds its link.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use xpost_core::{
    Credentials, Event, EventQuery, Lease, Link, LinkId, LinkState, PostQuery, PostRecord, Side,
    SourceCursor, SourceId, Store, StoreError, Versioned,
};

/// The wrapper.
pub struct DyingStore {
    /// The real store.
    pub inner: Arc<dyn Store>,
    /// Writes left before it dies.
    pub budget: AtomicUsize,
    /// The lease granted and not released (a dead worker's, once it died).
    pub held: Mutex<Option<Lease>>,
}

impl DyingStore {
    /// A store that allows `budget` writes.
    pub fn new(inner: Arc<dyn Store>, budget: usize) -> Self {
        Self {
            inner,
            budget: AtomicUsize::new(budget),
            held: Mutex::new(None),
        }
    }

    fn spend(&self) -> Result<(), StoreError> {
        let left = self.budget.load(Ordering::SeqCst);
        if left == 0 {
            return Err(StoreError::Unavailable {
                message: "killed".into(),
                source: None,
            });
        }
        self.budget.store(left - 1, Ordering::SeqCst);
        Ok(())
    }

    /// Whether the budget ran out.
    pub fn died(&self) -> bool {
        self.budget.load(Ordering::SeqCst) == 0
    }

    /// The lease it holds, if any.
    pub fn held(&self) -> Option<Lease> {
        self.held.lock().unwrap().clone()
    }
}

#[async_trait]
impl Store for DyingStore {
    async fn put_link(&self, link: &Link) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.put_link(link).await
    }
    async fn link(&self, id: &LinkId) -> Result<Option<Link>, StoreError> {
        self.inner.link(id).await
    }
    async fn links(&self) -> Result<Vec<Link>, StoreError> {
        self.inner.links().await
    }
    async fn set_link_state(
        &self,
        id: &LinkId,
        state: LinkState,
        side: Option<Side>,
    ) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.set_link_state(id, state, side).await
    }
    async fn credentials(
        &self,
        link: &LinkId,
        side: Side,
    ) -> Result<Option<Versioned<Credentials>>, StoreError> {
        self.inner.credentials(link, side).await
    }
    async fn put_credentials(
        &self,
        link: &LinkId,
        side: Side,
        c: &Credentials,
    ) -> Result<u64, StoreError> {
        self.spend()?;
        self.inner.put_credentials(link, side, c).await
    }
    async fn swap_credentials(
        &self,
        link: &LinkId,
        side: Side,
        expected: u64,
        next: &Credentials,
    ) -> Result<Option<u64>, StoreError> {
        self.spend()?;
        self.inner
            .swap_credentials(link, side, expected, next)
            .await
    }
    async fn delete_credentials(&self, link: &LinkId, side: Side) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.delete_credentials(link, side).await
    }
    async fn cursor(&self, link: &LinkId) -> Result<Option<SourceCursor>, StoreError> {
        self.inner.cursor(link).await
    }
    async fn set_cursor(
        &self,
        lease: &Lease,
        cursor: &SourceCursor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.set_cursor(lease, cursor, now).await
    }
    async fn insert_posts(
        &self,
        lease: &Lease,
        posts: &[PostRecord],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        self.spend()?;
        self.inner.insert_posts(lease, posts, now).await
    }
    async fn post(&self, link: &LinkId, id: &SourceId) -> Result<Option<PostRecord>, StoreError> {
        self.inner.post(link, id).await
    }
    async fn update_post(
        &self,
        lease: &Lease,
        record: &PostRecord,
        now: Timestamp,
    ) -> Result<PostRecord, StoreError> {
        self.spend()?;
        self.inner.update_post(lease, record, now).await
    }
    async fn update_post_unleased(&self, record: &PostRecord) -> Result<PostRecord, StoreError> {
        self.spend()?;
        self.inner.update_post_unleased(record).await
    }
    async fn due_posts(
        &self,
        link: &LinkId,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<PostRecord>, StoreError> {
        self.inner.due_posts(link, now, limit).await
    }
    async fn posts(&self, q: &PostQuery) -> Result<Vec<PostRecord>, StoreError> {
        self.inner.posts(q).await
    }
    async fn append_events(&self, events: &[Event]) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.append_events(events).await
    }
    async fn events(&self, q: &EventQuery) -> Result<Vec<Event>, StoreError> {
        self.inner.events(q).await
    }
    async fn try_lease(
        &self,
        link: &LinkId,
        holder: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Option<Lease>, StoreError> {
        self.spend()?;
        let lease = self.inner.try_lease(link, holder, now, ttl).await?;
        if let Some(lease) = &lease {
            *self.held.lock().unwrap() = Some(lease.clone());
        }
        Ok(lease)
    }
    async fn renew_lease(
        &self,
        lease: &Lease,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Lease, StoreError> {
        self.spend()?;
        let lease = self.inner.renew_lease(lease, now, ttl).await?;
        *self.held.lock().unwrap() = Some(lease.clone());
        Ok(lease)
    }
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.release_lease(lease).await?;
        *self.held.lock().unwrap() = None;
        Ok(())
    }
}
