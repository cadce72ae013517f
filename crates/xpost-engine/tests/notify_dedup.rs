//! Deduplication: a condition reaches the user once until it clears.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use xpost_core::{FailureClass, Notice, Notifier, NotifyError};
use xpost_engine::notify::Deduplicating;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Counts deliveries; fails the first `failing` of them.
#[derive(Debug, Default)]
struct Counting {
    delivered: AtomicUsize,
    failing: AtomicUsize,
}

impl Counting {
    fn delivered(&self) -> usize {
        self.delivered.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Notifier for Counting {
    async fn notify(&self, _notice: &Notice) -> Result<(), NotifyError> {
        let failed = self
            .failing
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failed {
            return Err(NotifyError::Undelivered("receiver down".into()));
        }
        self.delivered.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn notice(
    link: &str,
    class: FailureClass,
    post: Option<&str>,
) -> Result<Notice, Box<dyn std::error::Error>> {
    Ok(Notice {
        at: "2026-11-30T20:00:00Z".parse()?,
        link: link.parse()?,
        source_id: post.map(str::parse).transpose()?,
        class,
        message: "authorization lost".into(),
        hint: None,
    })
}

#[tokio::test]
async fn five_identical_notices_deliver_once_and_clear_rearms() -> TestResult {
    let notifier = Deduplicating::new(Counting::default());
    let lost = notice("default", FailureClass::Reauth, None)?;
    for _ in 0..5 {
        notifier.notify(&lost).await?;
    }
    assert_eq!(notifier.inner().delivered(), 1);

    notifier.clear(&lost.link, FailureClass::Reauth);
    notifier.notify(&lost).await?;
    notifier.notify(&lost).await?;
    assert_eq!(notifier.inner().delivered(), 2);
    Ok(())
}

#[tokio::test]
async fn a_condition_is_its_link_class_and_post() -> TestResult {
    let notifier = Deduplicating::new(Counting::default());
    for distinct in [
        notice("default", FailureClass::Reauth, None)?,
        notice("other", FailureClass::Reauth, None)?,
        notice("default", FailureClass::Media, None)?,
        notice("default", FailureClass::Media, Some("17"))?,
        notice("default", FailureClass::Media, Some("18"))?,
    ] {
        notifier.notify(&distinct).await?;
        notifier.notify(&distinct).await?;
    }
    assert_eq!(notifier.inner().delivered(), 5);

    // The same condition with other words is still the same condition.
    let mut reworded = notice("default", FailureClass::Reauth, None)?;
    reworded.message = "token revoked".into();
    notifier.notify(&reworded).await?;
    assert_eq!(notifier.inner().delivered(), 5);

    // Clearing a link's class re-arms it for every post, and nothing else.
    notifier.clear(&"default".parse()?, FailureClass::Media);
    notifier
        .notify(&notice("default", FailureClass::Media, Some("17"))?)
        .await?;
    notifier
        .notify(&notice("default", FailureClass::Media, None)?)
        .await?;
    notifier
        .notify(&notice("default", FailureClass::Reauth, None)?)
        .await?;
    notifier
        .notify(&notice("other", FailureClass::Reauth, None)?)
        .await?;
    assert_eq!(notifier.inner().delivered(), 7);
    Ok(())
}

#[tokio::test]
async fn a_failed_delivery_is_tried_again_next_time() -> TestResult {
    let notifier = Deduplicating::new(Counting {
        failing: AtomicUsize::new(1),
        ..Counting::default()
    });
    let lost = notice("default", FailureClass::Reauth, None)?;
    assert!(notifier.notify(&lost).await.is_err());
    notifier.notify(&lost).await?;
    notifier.notify(&lost).await?;
    assert_eq!(notifier.inner().delivered(), 1);
    Ok(())
}

#[tokio::test]
async fn the_wrapper_works_behind_dyn_notifier() -> TestResult {
    let notifier: Arc<Deduplicating<dyn Notifier>> =
        Arc::new(Deduplicating::new(Counting::default()));
    let lost = notice("default", FailureClass::Reauth, None)?;
    notifier.notify(&lost).await?;
    notifier.notify(&lost).await?;
    notifier.clear(&lost.link, lost.class);
    notifier.notify(&lost).await?;
    Ok(())
}
