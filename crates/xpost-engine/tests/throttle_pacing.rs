//! Pacing: a throttled source or target fails fast instead of calling a
//! platform that blocks the account, and keeps to xpost's own limits.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use xpost_core::{
    ManualClock, MediaBody, MediaItem, MediaUpload, OutgoingPost, Platform, Profile, PublishedPost,
    RemoteError, ReplySettings, Source, SourceId, SourcePost, Target, TargetId, TargetMediaId,
};
use xpost_engine::throttle::{Budget, Pacing, Throttled, Window};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A platform that counts the calls reaching it and answers from a script
/// (then succeeds once the script is spent).
#[derive(Debug, Default)]
struct Fake {
    calls: AtomicUsize,
    script: Mutex<VecDeque<RemoteError>>,
}

impl Fake {
    fn answering(errors: impl IntoIterator<Item = RemoteError>) -> Self {
        Self {
            calls: AtomicUsize::new(0),
            script: Mutex::new(errors.into_iter().collect()),
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn answer(&self) -> Result<(), RemoteError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match self.script.lock() {
            Ok(mut script) => script.pop_front().map_or(Ok(()), Err),
            Err(_) => Err(RemoteError::Unavailable {
                message: "poisoned script".into(),
            }),
        }
    }
}

#[async_trait]
impl Source for Fake {
    async fn new_posts(
        &self,
        _newest_seen: Option<&SourceId>,
        _since: Option<Timestamp>,
        _limit: usize,
    ) -> Result<Vec<SourcePost>, RemoteError> {
        self.answer().map(|()| Vec::new())
    }

    async fn post(&self, _id: &SourceId) -> Result<Option<SourcePost>, RemoteError> {
        self.answer().map(|()| None)
    }

    async fn media(&self, _post: &SourcePost, _item: &MediaItem) -> Result<MediaBody, RemoteError> {
        self.answer()?;
        Err(RemoteError::Media {
            message: "no bytes in a fake".into(),
        })
    }

    async fn profile(&self) -> Result<Profile, RemoteError> {
        self.answer().map(|()| Profile::default())
    }

    async fn stories(&self) -> Result<Vec<SourcePost>, RemoteError> {
        self.answer().map(|()| Vec::new())
    }
}

#[async_trait]
impl Target for Fake {
    async fn upload(&self, _media: MediaUpload) -> Result<TargetMediaId, RemoteError> {
        self.answer()?;
        "1".parse().map_err(|_| RemoteError::Rejected {
            message: "bad id".into(),
        })
    }

    async fn publish(&self, post: &OutgoingPost) -> Result<PublishedPost, RemoteError> {
        self.answer()?;
        Ok(PublishedPost {
            id: "1".parse().map_err(|_| RemoteError::Rejected {
                message: "bad id".into(),
            })?,
            text: post.text.clone(),
            media_count: post.media.len(),
            reply_to: None,
            created_at: None,
        })
    }

    async fn delete(&self, _id: &TargetId) -> Result<(), RemoteError> {
        self.answer()
    }

    async fn own_recent(&self, _since: Timestamp) -> Result<Vec<PublishedPost>, RemoteError> {
        self.answer().map(|()| Vec::new())
    }

    fn matches(&self, published: &PublishedPost, intended: &OutgoingPost) -> bool {
        published.text == intended.text
    }

    async fn profile(&self) -> Result<Profile, RemoteError> {
        self.answer().map(|()| Profile::default())
    }
}

fn start() -> Result<Timestamp, jiff::Error> {
    Timestamp::from_second(1_700_000_000)
}

fn post(text: &str) -> OutgoingPost {
    OutgoingPost {
        text: text.into(),
        media: Vec::new(),
        reply_to: None,
        reply_settings: ReplySettings::default(),
    }
}

fn window(calls: u32, per: Duration) -> Result<Window, Box<dyn std::error::Error>> {
    Ok(Window::new(
        NonZeroU32::new(calls).ok_or("zero calls")?,
        per,
    ))
}

fn throttled(fake: Fake, pacing: Pacing, clock: &ManualClock) -> Throttled<Fake> {
    Throttled::new(fake, Budget::new(pacing, Arc::new(clock.clone())))
}

#[tokio::test]
async fn a_rate_limit_blocks_later_calls_without_calling_the_platform() -> TestResult {
    let now = start()?;
    let clock = ManualClock::new(now);
    let until = now.checked_add(SignedDuration::from_mins(10))?;
    let limited = RemoteError::RateLimited {
        until: Some(until),
        message: "(#4) Application request limit reached".into(),
    };
    let source = throttled(
        Fake::answering([limited.clone()]),
        Pacing::default(),
        &clock,
    );

    assert_eq!(source.new_posts(None, None, 10).await, Err(limited.clone()));
    assert_eq!(source.inner().calls(), 1);
    assert_eq!(source.blocked_until(), Some(until));

    clock.advance(SignedDuration::from_mins(9));
    for _ in 0..5 {
        assert_eq!(source.new_posts(None, None, 10).await, Err(limited.clone()));
        assert_eq!(Source::profile(&source).await, Err(limited.clone()));
    }
    assert_eq!(
        source.inner().calls(),
        1,
        "no call reaches a blocked platform"
    );

    clock.set(until);
    assert_eq!(source.blocked_until(), None);
    assert!(source.new_posts(None, None, 10).await.is_ok());
    assert_eq!(source.inner().calls(), 2);
    Ok(())
}

#[tokio::test]
async fn an_exhausted_quota_blocks_the_target_with_the_same_error() -> TestResult {
    let now = start()?;
    let clock = ManualClock::new(now);
    let reset = now.checked_add(SignedDuration::from_hours(24))?;
    let capped = RemoteError::QuotaExhausted {
        until: Some(reset),
        message: "Usage cap exceeded: Monthly product cap".into(),
    };
    let target = throttled(Fake::answering([capped.clone()]), Pacing::default(), &clock);

    assert_eq!(target.publish(&post("one")).await, Err(capped.clone()));
    assert_eq!(target.own_recent(now).await, Err(capped.clone()));
    assert_eq!(target.delete(&"5".parse()?).await, Err(capped.clone()));
    assert_eq!(target.inner().calls(), 1);
    assert_eq!(target.budget().next_publish_at(), Some(reset));
    Ok(())
}

#[tokio::test]
async fn a_block_without_an_end_lasts_the_default_wait_and_says_so() -> TestResult {
    let now = start()?;
    let clock = ManualClock::new(now);
    let target = throttled(
        Fake::answering([RemoteError::RateLimited {
            until: None,
            message: "Too Many Requests".into(),
        }]),
        Pacing::default(),
        &clock,
    );
    let _ = target.publish(&post("one")).await;
    let expected = now.checked_add(SignedDuration::from_secs(60))?;
    assert_eq!(target.blocked_until(), Some(expected));
    // Held-back calls carry the end, so the caller's retry_kind waits for it.
    assert_eq!(
        target.publish(&post("two")).await,
        Err(RemoteError::RateLimited {
            until: Some(expected),
            message: "Too Many Requests".into(),
        })
    );
    assert_eq!(target.inner().calls(), 1);
    Ok(())
}

#[tokio::test]
async fn other_errors_block_nothing() -> TestResult {
    let clock = ManualClock::new(start()?);
    let target = throttled(
        Fake::answering([RemoteError::Unavailable {
            message: "502".into(),
        }]),
        Pacing::default(),
        &clock,
    );
    assert!(target.publish(&post("one")).await.is_err());
    assert_eq!(target.blocked_until(), None);
    assert!(target.publish(&post("one")).await.is_ok());
    assert_eq!(target.inner().calls(), 2);
    Ok(())
}

#[tokio::test]
async fn posts_keep_the_least_spacing_and_other_calls_do_not_wait() -> TestResult {
    let now = start()?;
    let clock = ManualClock::new(now);
    let pacing = Pacing::default().with_min_publish_spacing(Duration::from_secs(30));
    let target = throttled(Fake::default(), pacing, &clock);

    assert!(target.publish(&post("one")).await.is_ok());
    let next = now.checked_add(SignedDuration::from_secs(30))?;
    assert_eq!(target.budget().next_publish_at(), Some(next));
    assert_eq!(target.blocked_until(), None, "only posts are spaced");

    clock.advance(SignedDuration::from_secs(10));
    match target.publish(&post("two")).await {
        Err(RemoteError::RateLimited { until, .. }) => assert_eq!(until, Some(next)),
        other => return Err(format!("expected a local hold, got {other:?}").into()),
    }
    assert!(target.own_recent(now).await.is_ok());
    assert_eq!(target.inner().calls(), 2, "the early post never left");

    clock.set(next);
    assert!(target.publish(&post("two")).await.is_ok());
    assert_eq!(target.inner().calls(), 3);
    Ok(())
}

#[tokio::test]
async fn the_call_cap_holds_calls_until_the_oldest_leaves_the_window() -> TestResult {
    let now = start()?;
    let clock = ManualClock::new(now);
    let pacing = Pacing::default().with_max_calls(window(3, Duration::from_secs(60))?);
    let source = throttled(Fake::default(), pacing, &clock);

    for _ in 0..3 {
        assert!(source.new_posts(None, None, 5).await.is_ok());
        clock.advance(SignedDuration::from_secs(10));
    }
    let freed = now.checked_add(SignedDuration::from_secs(60))?;
    assert_eq!(source.blocked_until(), Some(freed));
    match source.post(&"17".parse()?).await {
        Err(RemoteError::RateLimited { until, .. }) => assert_eq!(until, Some(freed)),
        other => return Err(format!("expected a local hold, got {other:?}").into()),
    }
    assert_eq!(source.inner().calls(), 3);

    clock.set(freed);
    assert_eq!(source.blocked_until(), None);
    assert!(source.post(&"17".parse()?).await.is_ok());
    assert_eq!(source.inner().calls(), 4);
    // The second call (at +10 s) is now the oldest: the window is full again.
    assert_eq!(
        source.blocked_until(),
        Some(now.checked_add(SignedDuration::from_secs(70))?)
    );
    Ok(())
}

#[tokio::test]
async fn the_post_cap_counts_posts_only() -> TestResult {
    let now = start()?;
    let clock = ManualClock::new(now);
    let pacing = Pacing::default().with_max_publishes(window(2, Duration::from_secs(900))?);
    let target = throttled(Fake::default(), pacing, &clock);

    assert!(target.publish(&post("a")).await.is_ok());
    assert!(target.publish(&post("b")).await.is_ok());
    assert!(target.publish(&post("c")).await.is_err());
    assert!(target.own_recent(now).await.is_ok(), "reads are not capped");
    assert_eq!(target.inner().calls(), 3);
    assert_eq!(
        target.budget().next_publish_at(),
        Some(now.checked_add(SignedDuration::from_secs(900))?)
    );
    Ok(())
}

#[tokio::test]
async fn wrappers_of_one_account_share_its_budget() -> TestResult {
    let now = start()?;
    let clock = ManualClock::new(now);
    let budget = Budget::new(Pacing::default(), Arc::new(clock.clone()));
    let limited = RemoteError::RateLimited {
        until: Some(now.checked_add(SignedDuration::from_mins(5))?),
        message: "slow down".into(),
    };
    let first = Throttled::new(Fake::answering([limited.clone()]), budget.clone());
    let second = Throttled::new(Fake::default(), budget.clone());

    assert!(first.publish(&post("a")).await.is_err());
    assert_eq!(second.publish(&post("b")).await, Err(limited));
    assert_eq!(second.inner().calls(), 0);
    Ok(())
}

#[tokio::test]
async fn a_boxed_target_can_be_throttled_behind_dyn() -> TestResult {
    let clock = ManualClock::new(start()?);
    let target: Arc<Throttled<dyn Target>> =
        Arc::new(throttled(Fake::default(), Pacing::default(), &clock));
    assert!(target.publish(&post("a")).await.is_ok());
    assert!(target.matches(
        &PublishedPost {
            id: "1".parse()?,
            text: "a".into(),
            media_count: 0,
            reply_to: None,
            created_at: None,
        },
        &post("a"),
    ));
    Ok(())
}

#[test]
fn platform_presets_keep_under_the_published_limits() -> TestResult {
    let x = Pacing::for_platform(Platform::X);
    assert_eq!(
        x.max_publishes,
        Some(window(100, Duration::from_secs(15 * 60))?)
    );
    let instagram = Pacing::for_platform(Platform::Instagram);
    assert_eq!(
        instagram.max_publishes,
        Some(window(100, Duration::from_secs(24 * 3_600))?)
    );
    assert!(instagram.max_calls.is_some());
    assert_eq!(Pacing::default().max_calls, None);
    Ok(())
}
