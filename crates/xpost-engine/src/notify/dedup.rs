//! [`Deduplicating`]: one delivery per condition, however often it recurs.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use xpost_core::{FailureClass, LinkId, Notice, Notifier, NotifyError, SourceId};

/// What makes two notices the same condition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Condition {
    link: LinkId,
    class: FailureClass,
    source_id: Option<SourceId>,
}

impl Condition {
    fn of(notice: &Notice) -> Self {
        Self {
            link: notice.link.clone(),
            class: notice.class,
            source_id: notice.source_id.clone(),
        }
    }
}

/// Wraps a notifier so that each condition reaches it once.
///
/// A condition is a link, a failure class and the post concerned (or none).
/// The engine reports a condition every time a step hits it, so a link that
/// lost its authorization would otherwise notify on every poll; behind this
/// wrapper the first notice is delivered and the rest are dropped until the
/// engine calls [`Deduplicating::clear`] for that link and class (the link
/// recovered), which re-arms it.
///
/// A failed delivery does not count: the next notice of the condition tries
/// again. What was delivered is kept in memory, so a restarted engine
/// announces a standing condition once more.
///
/// `N` may be unsized, so an `Arc<Deduplicating<dyn Notifier>>` can be made
/// from a concrete one.
#[derive(Debug)]
pub struct Deduplicating<N: ?Sized> {
    announced: Mutex<HashSet<Condition>>,
    inner: N,
}

impl<N> Deduplicating<N> {
    /// Wraps `inner`, with no condition announced yet.
    pub fn new(inner: N) -> Self {
        Self {
            announced: Mutex::new(HashSet::new()),
            inner,
        }
    }
}

impl<N: ?Sized> Deduplicating<N> {
    /// Re-arms every condition of `link` with `class`, whatever post it
    /// concerned: the next such notice is delivered again.
    pub fn clear(&self, link: &LinkId, class: FailureClass) {
        self.announced()
            .retain(|condition| !(condition.link == *link && condition.class == class));
    }

    /// The wrapped notifier.
    pub fn inner(&self) -> &N {
        &self.inner
    }

    fn announced(&self) -> MutexGuard<'_, HashSet<Condition>> {
        // A set of keys cannot be left half-updated, so a poisoned lock is
        // still a good one.
        self.announced
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl<N: Notifier + ?Sized> Notifier for Deduplicating<N> {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifyError> {
        let condition = Condition::of(notice);
        // Claimed before delivery, so that concurrent notices of one
        // condition deliver it once.
        if !self.announced().insert(condition.clone()) {
            return Ok(());
        }
        let delivered = self.inner.notify(notice).await;
        if delivered.is_err() {
            self.announced().remove(&condition);
        }
        delivered
    }
}
