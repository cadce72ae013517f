//! A fake source and target that keep everything in memory, with faults, and a
//! store wrapper that fails on a chosen write: the seams the engine's
//! exactly-once tests drive.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use xpost_core::*;
use xpost_engine::{Connector, Engine, Limits};

/// One post published on the fake target.
#[derive(Debug, Clone)]
pub struct Published {
    pub id: TargetId,
    pub text: String,
    pub media: Vec<TargetMediaId>,
    pub reply_to: Option<TargetId>,
    pub at: Timestamp,
}

/// What the next call of a kind does instead of succeeding.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Fails with this error without doing anything.
    Fail(RemoteError),
    /// Does the work, then answers as if the connection broke.
    LoseAnswer,
}

#[derive(Default)]
pub struct PlatformState {
    /// Source posts, newest first.
    pub source: Vec<SourcePost>,
    pub published: Vec<Published>,
    pub uploads: usize,
    pub publish_faults: VecDeque<Fault>,
    pub upload_faults: VecDeque<Fault>,
    pub list_faults: VecDeque<Fault>,
    /// Faults of single-post lookups.
    pub lookup_faults: VecDeque<Fault>,
    /// Source post ids the listing leaves out (a paging race, an archived
    /// post) while a lookup still finds them.
    pub unlisted: Vec<String>,
    pub next_id: u64,
    /// After the next successful publish, this link is disconnected in this store
    /// (an unlink in another process, mid-pass).
    pub unlink_after_publish: Option<(Arc<dyn Store>, LinkId)>,
    /// Accept a text already posted (X refuses it): with this on, a blind
    /// re-send shows up as a duplicate instead of being caught by the platform.
    pub accept_duplicates: bool,
    /// How long each upload takes, in real time, the clock moving with it (a
    /// video the target is still processing).
    pub upload_takes: std::time::Duration,
}

/// A fake Instagram and X in one.
#[derive(Clone)]
pub struct FakePlatform {
    pub state: Arc<Mutex<PlatformState>>,
    pub clock: ManualClock,
}

impl FakePlatform {
    pub fn new(clock: ManualClock) -> Self {
        Self {
            state: Arc::new(Mutex::new(PlatformState {
                next_id: 1000,
                ..PlatformState::default()
            })),
            clock,
        }
    }

    /// Publishes a source post `id` now (minutes after the epoch-based clock).
    pub fn post(&self, id: u64, caption: &str, media_type: MediaType, items: usize) -> SourcePost {
        let kind = if media_type == MediaType::Video {
            MediaKind::Video
        } else {
            MediaKind::Image
        };
        let media = (0..items)
            .map(|i| {
                let mut item = MediaItem::new(kind);
                item.url = Some(format!("https://cdn.example/{id}/{i}"));
                item
            })
            .collect();
        let post = SourcePost {
            id: IgMediaId::new(id.to_string()).unwrap(),
            media_type,
            product_type: ProductType::Feed,
            caption: Some(caption.to_owned()),
            permalink: Some(format!("https://www.instagram.com/p/P{id}/")),
            timestamp: self.clock.now(),
            username: Some("someone".into()),
            close_friends: false,
            media,
        };
        self.state.lock().unwrap().source.insert(0, post.clone());
        post
    }

    pub fn published(&self) -> Vec<Published> {
        self.state.lock().unwrap().published.clone()
    }

    pub fn fault_publish(&self, fault: Fault) {
        self.state.lock().unwrap().publish_faults.push_back(fault);
    }

    pub fn fault_upload(&self, fault: Fault) {
        self.state.lock().unwrap().upload_faults.push_back(fault);
    }

    pub fn fault_list(&self, fault: Fault) {
        self.state.lock().unwrap().list_faults.push_back(fault);
    }
}

pub fn lost() -> RemoteError {
    RemoteError::Unavailable {
        message: "connection reset".into(),
    }
}

#[async_trait]
impl Source for FakePlatform {
    async fn new_posts(
        &self,
        newest_seen: Option<&SourceId>,
        since: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<SourcePost>, RemoteError> {
        let mut state = self.state.lock().unwrap();
        if let Some(Fault::Fail(e)) = state.list_faults.pop_front() {
            return Err(e);
        }
        Ok(state
            .source
            .iter()
            .take_while(|p| newest_seen.is_none_or(|seen| p.id.as_str() != seen.as_str()))
            .filter(|p| since.is_none_or(|s| p.timestamp >= s))
            .filter(|p| !state.unlisted.iter().any(|id| id == p.id.as_str()))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn post(&self, id: &SourceId) -> Result<Option<SourcePost>, RemoteError> {
        let mut state = self.state.lock().unwrap();
        if let Some(Fault::Fail(e)) = state.lookup_faults.pop_front() {
            return Err(e);
        }
        Ok(state
            .source
            .iter()
            .find(|p| p.id.as_str() == id.as_str())
            .cloned())
    }

    async fn media(&self, _post: &SourcePost, item: &MediaItem) -> Result<MediaBody, RemoteError> {
        // Real bytes, as a CDN serves them: a JPEG with a GPS position, or an MP4.
        let (data, content_type) = match item.kind {
            MediaKind::Video => (xpost_emulator::mp4::mp4(40), "video/mp4"),
            _ => (
                xpost_emulator::jpeg::jpeg(
                    90,
                    xpost_emulator::jpeg::Gps {
                        lat: 48.85,
                        lon: 2.35,
                    },
                ),
                "image/jpeg",
            ),
        };
        let data = Bytes::from(data);
        Ok(MediaBody {
            kind: item.kind,
            content_type: content_type.into(),
            length: Some(data.len() as u64),
            bytes: futures_util::stream::once(async move { Ok(data) }).boxed(),
        })
    }

    async fn profile(&self) -> Result<Profile, RemoteError> {
        Ok(Profile {
            username: "someone".into(),
            ..Profile::default()
        })
    }

    async fn stories(&self) -> Result<Vec<SourcePost>, RemoteError> {
        Ok(Vec::new())
    }
}

#[async_trait]
impl Target for FakePlatform {
    async fn upload(&self, media: MediaUpload) -> Result<TargetMediaId, RemoteError> {
        let fault = self.state.lock().unwrap().upload_faults.pop_front();
        if let Some(Fault::Fail(e)) = fault {
            return Err(e);
        }
        let mut body = media.body.bytes;
        let mut length = 0u64;
        while let Some(chunk) = body.next().await {
            length += chunk?.len() as u64;
        }
        assert_eq!(length, media.length, "declared length");
        let takes = self.state.lock().unwrap().upload_takes;
        let step = std::time::Duration::from_millis(100);
        let mut waited = std::time::Duration::ZERO;
        while waited < takes {
            tokio::time::sleep(step).await;
            self.clock.advance(SignedDuration::try_from(step).unwrap());
            waited += step;
        }
        let mut state = self.state.lock().unwrap();
        state.uploads += 1;
        state.next_id += 1;
        let id = TargetMediaId::new(state.next_id.to_string()).unwrap();
        if let Some(Fault::LoseAnswer) = fault {
            return Err(lost());
        }
        Ok(id)
    }

    async fn publish(&self, post: &OutgoingPost) -> Result<PublishedPost, RemoteError> {
        // The lock is held in this block only: never across the await below.
        let (id, fault, unlink) = {
            let mut state = self.state.lock().unwrap();
            let fault = state.publish_faults.pop_front();
            if let Some(Fault::Fail(e)) = fault {
                return Err(e);
            }
            if !state.accept_duplicates
                && state.published.iter().any(|p| {
                    p.text == post.text && p.reply_to == post.reply_to && !post.text.is_empty()
                })
            {
                return Err(RemoteError::Duplicate {
                    message: "You are not allowed to create a Tweet with duplicate content.".into(),
                });
            }
            state.next_id += 1;
            let id = TargetId::new(state.next_id.to_string()).unwrap();
            state.published.push(Published {
                id: id.clone(),
                text: post.text.clone(),
                media: post.media.clone(),
                reply_to: post.reply_to.clone(),
                at: self.clock.now(),
            });
            (id, fault, state.unlink_after_publish.take())
        };
        if let Some((store, link)) = unlink {
            store
                .set_link_state(&link, LinkState::Disconnected, None)
                .await
                .unwrap();
        }
        if let Some(Fault::LoseAnswer) = fault {
            return Err(lost());
        }
        Ok(PublishedPost {
            id,
            text: post.text.clone(),
            media_count: post.media.len(),
            reply_to: post.reply_to.clone(),
            created_at: Some(self.clock.now()),
        })
    }

    async fn delete(&self, id: &TargetId) -> Result<(), RemoteError> {
        self.state.lock().unwrap().published.retain(|p| &p.id != id);
        Ok(())
    }

    async fn own_recent(&self, since: Timestamp) -> Result<Vec<PublishedPost>, RemoteError> {
        let state = self.state.lock().unwrap();
        Ok(state
            .published
            .iter()
            .rev()
            .filter(|p| p.at >= since)
            .map(|p| PublishedPost {
                id: p.id.clone(),
                text: p.text.clone(),
                media_count: p.media.len(),
                reply_to: p.reply_to.clone(),
                created_at: Some(p.at),
            })
            .collect())
    }

    fn matches(&self, published: &PublishedPost, intended: &OutgoingPost) -> bool {
        published.text == intended.text
            && published.media_count == intended.media.len()
            && published.reply_to == intended.reply_to
    }

    async fn profile(&self) -> Result<Profile, RemoteError> {
        Ok(Profile {
            username: "someone_x".into(),
            ..Profile::default()
        })
    }
}

/// Hands the same fake platform to every link.
pub struct FakeConnector {
    pub platform: FakePlatform,
    pub revoked: Mutex<Vec<(LinkId, Side)>>,
}

#[async_trait]
impl Connector for FakeConnector {
    async fn source(&self, _link: &Link) -> Result<Arc<dyn Source>, RemoteError> {
        Ok(Arc::new(self.platform.clone()))
    }

    async fn target(&self, _link: &Link) -> Result<Arc<dyn Target>, RemoteError> {
        Ok(Arc::new(self.platform.clone()))
    }

    async fn revoke(&self, link: &Link, side: Side) -> Result<(), RemoteError> {
        self.revoked.lock().unwrap().push((link.id.clone(), side));
        Ok(())
    }
}

/// Counts notices.
#[derive(Default)]
pub struct CountingNotifier {
    pub notices: Mutex<Vec<Notice>>,
}

#[async_trait]
impl Notifier for CountingNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifyError> {
        self.notices.lock().unwrap().push(notice.clone());
        Ok(())
    }
}

#[allow(unused_imports)]
pub use xpost_core::testing::DyingStore;

pub const T0: i64 = 1_750_000_000;

/// A clock at T0, a fake platform, and an active link `default` linked at T0.
pub async fn setup(store: Arc<dyn Store>) -> (ManualClock, FakePlatform, Arc<FakeConnector>) {
    let clock = ManualClock::new(Timestamp::from_second(T0).unwrap());
    let platform = FakePlatform::new(clock.clone());
    let mut link = Link::new(LinkId::new("default").unwrap(), clock.now());
    let account = |platform, id: &str| Account {
        platform,
        user_id: AccountId::new(id).unwrap(),
        username: "someone".into(),
    };
    link.connect(
        Side::Source,
        account(xpost_core::Platform::Instagram, "17841"),
        clock.now(),
    );
    link.connect(
        Side::Target,
        account(xpost_core::Platform::X, "42"),
        clock.now(),
    );
    store.put_link(&link).await.unwrap();
    clock.advance(SignedDuration::from_secs(60));
    let connector = Arc::new(FakeConnector {
        platform: platform.clone(),
        revoked: Mutex::new(Vec::new()),
    });
    (clock, platform, connector)
}

pub fn engine(
    store: Arc<dyn Store>,
    connector: Arc<FakeConnector>,
    clock: &ManualClock,
    notifier: Arc<dyn Notifier>,
) -> Engine {
    engine_with(store, connector, clock, notifier, "")
}

/// An engine whose link settings are the TOML `policy`.
pub fn engine_with(
    store: Arc<dyn Store>,
    connector: Arc<FakeConnector>,
    clock: &ManualClock,
    notifier: Arc<dyn Notifier>,
    policy: &str,
) -> Engine {
    Engine::builder()
        .store(store)
        .connector(connector)
        .clock(Arc::new(clock.clone()))
        .notifier(notifier)
        .policy(xpost_policy::PolicyConfig::from_toml_str(policy, "test.toml").unwrap())
        .limits(Limits::default())
        .build()
        .unwrap()
}

pub fn link_id() -> LinkId {
    LinkId::new("default").unwrap()
}
