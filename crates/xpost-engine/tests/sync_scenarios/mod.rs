//! Stories, backlogs and the review queue, end to end: the engine with the real
//! adapters against the in-process emulator, on whichever store a test file
//! hands in (SQLite here, PostgreSQL in xpost-store-postgres). Time is the
//! emulator's admin clock, which the engine reads through its clock seam, so a
//! day passes without sleeping.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use xpost_core::*;
use xpost_emulator::{AdminTweet, Emulator, RunningEmulator};
use xpost_engine::adapters::{AdapterConfig, PlatformConnector};
use xpost_engine::{Connector, Engine, EngineError, PassOutcome, SyncOptions};

use crate::adapters_support::{config, link, link_instagram, link_x, start};

/// Calls `$run!` with the name of every scenario that takes a fresh store, so
/// that each store's test file runs them all.
macro_rules! each_scenario {
    ($run:ident) => {
        $run!(
            story_is_posted_within_its_window,
            story_missed_while_paused_is_reported,
            known_story_that_expired_is_recorded,
            held_story_is_reported_when_it_expires,
            close_friends_content_is_never_shared,
            backlog_of_50_skipped,
            backlog_of_50_newest_5,
            backlog_of_50_spread,
            backlog_spread_never_beats_x_pacing,
            backlog_of_50_all_by_default,
            backlog_larger_than_one_poll_is_listed_in_full,
            same_second_posts_go_out_in_instagram_order,
            review_approve_twice_and_reject,
        );
    };
}

/// An emulator, a link `default` between two of its accounts, and the store.
pub struct World {
    pub emu: RunningEmulator,
    pub config: AdapterConfig,
    pub store: Arc<dyn Store>,
    pub ig_user: String,
    pub notices: Arc<Notices>,
}

/// Keeps every notice.
#[derive(Default)]
pub struct Notices(pub Mutex<Vec<Notice>>);

#[async_trait]
impl Notifier for Notices {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifyError> {
        self.0.lock().unwrap().push(notice.clone());
        Ok(())
    }
}

/// Links two fresh emulator accounts in `store` (empty) and moves the clock on,
/// so that what is published next is newer than the link.
pub async fn world(store: Arc<dyn Store>) -> World {
    let emu = start(Emulator::builder().frozen_clock(true)).await;
    let config = config(&emu);
    let ig_user = link_instagram(&emu, &config, &*store, &link(), "bea.ig").await;
    let x_user = link_x(&emu, &config, &*store, &link(), "bea_x").await;
    let now = config.clock.now();
    let mut l = Link::new(link(), now);
    let account = |platform, id: &str, name: &str| Account {
        platform,
        user_id: AccountId::new(id).unwrap(),
        username: name.into(),
    };
    l.connect(
        Side::Source,
        account(Platform::Instagram, &ig_user, "bea.ig"),
        now,
    );
    l.connect(Side::Target, account(Platform::X, &x_user, "bea_x"), now);
    store.put_link(&l).await.unwrap();
    emu.admin().advance_clock(1).unwrap();
    World {
        emu,
        config,
        store,
        ig_user,
        notices: Arc::new(Notices::default()),
    }
}

impl World {
    /// An engine on `store` with the link settings `settings` (TOML, under `[defaults]`).
    pub fn engine_on(&self, store: Arc<dyn Store>, settings: &str) -> Engine {
        let connector = Arc::new(PlatformConnector::new(store.clone(), self.config.clone()));
        self.engine_with(store, connector, settings)
    }

    /// An engine with its own connector.
    pub fn engine_with(
        &self,
        store: Arc<dyn Store>,
        connector: Arc<dyn Connector>,
        settings: &str,
    ) -> Engine {
        Engine::builder()
            .store(store)
            .connector(connector)
            .clock(self.config.clock.0.clone())
            .notifier(self.notices.clone())
            .policy(xpost_policy::PolicyConfig::from_toml_str(settings, "test.toml").unwrap())
            .build()
            .unwrap()
    }

    /// An engine on the world's store.
    pub fn engine(&self, settings: &str) -> Engine {
        self.engine_on(self.store.clone(), settings)
    }

    /// Publishes an Instagram post (`FEED`, `STORY`…) with `caption`.
    pub fn publish(&self, product: &str, caption: &str) -> String {
        let new: xpost_emulator::NewIgMedia = serde_json::from_value(serde_json::json!({
            "caption": caption, "media_type": "IMAGE", "media_product_type": product
        }))
        .unwrap();
        self.emu
            .admin()
            .publish_instagram_media(&self.ig_user, new)
            .unwrap()
    }

    /// Moves the emulator's clock (and so the engine's) on.
    pub fn advance(&self, seconds: i64) {
        self.emu.admin().advance_clock(seconds).unwrap();
    }

    /// The engine's time.
    pub fn now(&self) -> Timestamp {
        self.config.clock.now()
    }

    /// The posts on X, oldest first.
    pub fn tweets(&self) -> Vec<AdminTweet> {
        self.emu
            .admin()
            .x_tweets()
            .into_iter()
            .filter(|t| !t.deleted)
            .collect()
    }

    /// How many posts on X start with `caption`.
    pub fn on_x(&self, caption: &str) -> usize {
        self.tweets()
            .iter()
            .filter(|t| t.text.starts_with(caption))
            .count()
    }

    /// The record of Instagram post `id`.
    pub async fn record(&self, id: &str) -> PostRecord {
        self.store
            .post(&link(), &SourceId::new(id).unwrap())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("post {id} is recorded"))
    }

    /// The link's events of `kind`, newest first.
    pub async fn events(&self, kind: EventKind) -> Vec<Event> {
        self.store
            .events(&EventQuery {
                link: Some(link()),
                kinds: vec![kind],
                ..EventQuery::default()
            })
            .await
            .unwrap()
    }
}

/// Passes until nothing is left to do now (bounded).
pub async fn sync_all(engine: &Engine) {
    for _ in 0..20 {
        let reports = engine.sync_once(SyncOptions::default()).await.unwrap();
        if reports
            .iter()
            .all(|r| r.posted + r.skipped + r.failed + r.discovered == 0)
        {
            return;
        }
    }
}

const STORIES: &str = "[defaults.content]\nstories = true\n";

/// A story published while the link shares stories is posted once, and the link
/// is due again within `stories.poll_within` whatever the poll interval; a story
/// is not listed as a feed post, and with stories off it is never discovered.
pub async fn story_is_posted_within_its_window(store: Arc<dyn Store>) {
    let w = world(store).await;
    let off = w.engine("");
    let hidden = w.publish("STORY", "Story while off");
    sync_all(&off).await;
    assert_eq!(w.on_x("Story while off"), 0);
    assert!(
        w.store
            .post(&link(), &SourceId::new(&hidden).unwrap())
            .await
            .unwrap()
            .is_none(),
        "stories are not in the feed listing"
    );

    let engine = w.engine(STORIES);
    w.advance(60);
    let story = w.publish("STORY", "Story of the day");
    w.advance(5 * 3600);
    let reports = engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(reports[0].outcome, PassOutcome::Completed);
    assert_eq!(w.on_x("Story of the day"), 1, "{:?}", w.tweets());
    let record = w.record(&story).await;
    assert_eq!(record.state, PostState::Posted);
    assert_eq!(record.post.product_type, ProductType::Story);
    let due = reports[0]
        .next_due
        .expect("a link sharing stories is due again");
    assert!(due <= w.now() + SignedDuration::from_hours(1), "{due}");
    // Still live and newer than the link when stories were turned on: shared too.
    assert_eq!(w.on_x("Story while off"), 1);

    sync_all(&engine).await;
    w.advance(3600);
    sync_all(&engine).await;
    assert_eq!(w.on_x("Story of the day"), 1, "posted once");
    assert_eq!(w.on_x("Story while off"), 1, "posted once");
    assert!(w.events(EventKind::StoryMissed).await.is_empty());
}

/// Stories published while the link was paused for longer than a day expired
/// unseen: the first pass after the resume records that, with the reason, and
/// notifies; a story still live is posted.
pub async fn story_missed_while_paused_is_reported(store: Arc<dyn Store>) {
    let w = world(store).await;
    let engine = w.engine(STORIES);
    sync_all(&engine).await;
    engine.pause(&link()).await.unwrap();
    assert_eq!(
        engine.sync_once(SyncOptions::default()).await.unwrap()[0].outcome,
        PassOutcome::Paused
    );
    w.advance(60);
    w.publish("STORY", "Story nobody saw");
    w.advance(30 * 3600);
    let live = w.publish("STORY", "Story still live");
    w.advance(60);
    assert_eq!(
        engine.sync_once(SyncOptions::default()).await.unwrap()[0].outcome,
        PassOutcome::Paused,
        "nothing is polled while paused"
    );
    engine.resume(&link()).await.unwrap();
    sync_all(&engine).await;

    assert_eq!(w.on_x("Story nobody saw"), 0);
    assert_eq!(w.on_x("Story still live"), 1);
    assert_eq!(w.record(&live).await.state, PostState::Posted);
    let missed = w.events(EventKind::StoryMissed).await;
    assert_eq!(missed.len(), 1, "{missed:?}");
    assert!(
        missed[0].message.contains("the link was paused")
            && missed[0].message.contains("may have expired unseen"),
        "{}",
        missed[0].message
    );
    let notices = w.notices.0.lock().unwrap().clone();
    assert!(
        notices
            .iter()
            .any(|n| n.message.contains("may have expired unseen")),
        "{notices:?}"
    );
    // Reported once, not on every pass.
    w.advance(3600);
    sync_all(&engine).await;
    assert_eq!(w.events(EventKind::StoryMissed).await.len(), 1);
}

/// A story the engine knew but could not post before it expired (held for
/// review a whole day) is recorded as skipped with the reason, logged as a
/// missed story and notified; approving it then posts nothing.
pub async fn known_story_that_expired_is_recorded(store: Arc<dyn Store>) {
    let w = world(store).await;
    let settings = format!("{STORIES}[defaults.privacy]\nblocked_words = [\"draft\"]\n");
    let engine = w.engine(&settings);
    let story = w.publish("STORY", "Story draft");
    w.advance(60);
    sync_all(&engine).await;
    assert_eq!(w.record(&story).await.state, PostState::NeedsReview);
    w.advance(25 * 3600);
    engine
        .approve(&link(), &SourceId::new(&story).unwrap())
        .await
        .unwrap();
    sync_all(&engine).await;
    assert_eq!(w.on_x("Story draft"), 0);
    let record = w.record(&story).await;
    assert_eq!(record.state, PostState::Skipped);
    let skip = record.skip.unwrap();
    assert!(skip.reason.contains("expired"), "{skip:?}");
    // The story itself, and (no pass ran for a day) whatever else the day held.
    let missed = w.events(EventKind::StoryMissed).await;
    let about: Vec<&Event> = missed
        .iter()
        .filter(|e| e.source_id.as_ref().map(SourceId::as_str) == Some(story.as_str()))
        .collect();
    assert_eq!(about.len(), 1, "{missed:?}");
    assert!(about[0].message.contains("expired"), "{}", about[0].message);
    assert!(
        w.notices
            .0
            .lock()
            .unwrap()
            .iter()
            .any(
                |n| n.source_id.as_ref().map(SourceId::as_str) == Some(story.as_str())
                    && n.message.contains("expired")
            )
    );
}

/// A story held for review and left there is reported as missed when it
/// expires, without a reviewer, by a link polled every hour (so no gap): it
/// leaves the review queue and can no longer be approved.
pub async fn held_story_is_reported_when_it_expires(store: Arc<dyn Store>) {
    let w = world(store).await;
    let settings = format!("{STORIES}[defaults.privacy]\nblocked_words = [\"draft\"]\n");
    let engine = w.engine(&settings);
    let story = w.publish("STORY", "Story draft");
    w.advance(60);
    sync_all(&engine).await;
    let held = w.record(&story).await;
    assert_eq!(held.state, PostState::NeedsReview);
    assert_eq!(
        held.due_at,
        Some(held.post.timestamp + SignedDuration::from_hours(24)),
        "looked at again when it expires"
    );
    for _ in 0..25 {
        w.advance(3600);
        sync_all(&engine).await;
    }
    assert_eq!(w.record(&story).await.state, PostState::Skipped);
    assert!(engine.review_queue(None).await.unwrap().is_empty());
    assert!(
        engine
            .approve(&link(), &SourceId::new(&story).unwrap())
            .await
            .is_err()
    );
    let missed = w.events(EventKind::StoryMissed).await;
    assert_eq!(missed.len(), 1, "only the story itself: {missed:?}");
    assert_eq!(
        missed[0].source_id.as_ref().map(SourceId::as_str),
        Some(story.as_str())
    );
    assert_eq!(w.on_x("Story draft"), 0);
}

/// A source that knows which posts are close-friends-only (the Instagram API
/// does not say): those whose caption starts with `[cf]`.
struct CloseFriends(Arc<dyn Source>);

fn mark(mut post: SourcePost) -> SourcePost {
    post.close_friends = post.caption_text().starts_with("[cf]");
    post
}

#[async_trait]
impl Source for CloseFriends {
    async fn new_posts(
        &self,
        newest_seen: Option<&SourceId>,
        since: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<SourcePost>, RemoteError> {
        let posts = self.0.new_posts(newest_seen, since, limit).await?;
        Ok(posts.into_iter().map(mark).collect())
    }
    async fn post(&self, id: &SourceId) -> Result<Option<SourcePost>, RemoteError> {
        Ok(self.0.post(id).await?.map(mark))
    }
    async fn media(&self, post: &SourcePost, item: &MediaItem) -> Result<MediaBody, RemoteError> {
        self.0.media(post, item).await
    }
    async fn profile(&self) -> Result<Profile, RemoteError> {
        self.0.profile().await
    }
    async fn stories(&self) -> Result<Vec<SourcePost>, RemoteError> {
        Ok(self.0.stories().await?.into_iter().map(mark).collect())
    }
}

struct CloseFriendsConnector(PlatformConnector);

#[async_trait]
impl Connector for CloseFriendsConnector {
    async fn source(&self, link: &Link) -> Result<Arc<dyn Source>, RemoteError> {
        Ok(Arc::new(CloseFriends(self.0.source(link).await?)))
    }
    async fn target(&self, link: &Link) -> Result<Arc<dyn Target>, RemoteError> {
        self.0.target(link).await
    }
    async fn revoke(&self, link: &Link, side: Side) -> Result<(), RemoteError> {
        self.0.revoke(link, side).await
    }
}

/// Close-friends content is never shared: not as a story, not in a backfill,
/// not after a reviewer's approval; it is recorded as skipped with the rule.
pub async fn close_friends_content_is_never_shared(store: Arc<dyn Store>) {
    let w = world(store.clone()).await;
    let connector = Arc::new(CloseFriendsConnector(PlatformConnector::new(
        store.clone(),
        w.config.clone(),
    )));
    let settings = format!("{STORIES}[defaults.privacy]\nblocked_words = [\"secret\"]\n");
    let engine = w.engine_with(store, connector, &settings);
    let feed = w.publish("FEED", "[cf] Feed for close friends, secret");
    let story = w.publish("STORY", "[cf] Story for close friends");
    w.publish("FEED", "Public post");
    w.advance(60);
    sync_all(&engine).await;
    engine
        .sync_once(SyncOptions { backfill: Some(10) })
        .await
        .unwrap();
    assert!(
        engine
            .approve(&link(), &SourceId::new(&feed).unwrap())
            .await
            .is_err(),
        "nothing to approve: it was never held"
    );
    sync_all(&engine).await;
    assert_eq!(w.on_x("Public post"), 1);
    assert_eq!(w.on_x("[cf]"), 0, "{:?}", w.tweets());
    for id in [&feed, &story] {
        let record = w.record(id).await;
        assert_eq!(record.state, PostState::Skipped);
        assert_eq!(record.skip.unwrap().rule, "privacy.close_friends");
    }
}

/// Publishes `n` posts `Backlog NN`, one a second, and answers their ids in
/// publication order.
fn publish_backlog(w: &World, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let id = w.publish("FEED", &format!("Backlog {i:02} of the outage"));
            w.advance(1);
            id
        })
        .collect()
}

/// The captions on X that belong to the backlog, in the order X got them.
fn backlog_on_x(w: &World) -> Vec<String> {
    w.tweets()
        .into_iter()
        .filter(|t| t.text.starts_with("Backlog "))
        .map(|t| {
            t.text
                .split(" of the outage")
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

/// A poll that has seen the link once, a pause, 50 posts, a resume four hours
/// later: what each backlog choice makes of it.
async fn backlog_after_pause(w: &World, engine: &Engine) -> Vec<String> {
    sync_all(engine).await;
    engine.pause(&link()).await.unwrap();
    let ids = publish_backlog(w, 50);
    w.advance(4 * 3600);
    engine.resume(&link()).await.unwrap();
    ids
}

/// `skip`: none of a backlog of 50 goes out, each is recorded skipped with
/// reason "backlog skipped", and a post made after it goes out as usual.
pub async fn backlog_of_50_skipped(store: Arc<dyn Store>) {
    let w = world(store).await;
    let engine = w.engine("[defaults.backlog]\nmode = \"skip\"\n");
    let ids = backlog_after_pause(&w, &engine).await;
    sync_all(&engine).await;
    assert!(backlog_on_x(&w).is_empty());
    for id in &ids {
        let record = w.record(id).await;
        assert_eq!(record.state, PostState::Skipped);
        let skip = record.skip.unwrap();
        assert_eq!(
            (skip.rule.as_str(), skip.reason.as_str()),
            ("backlog.mode", "backlog skipped")
        );
    }
    let summary = w.events(EventKind::Backlog).await;
    assert_eq!(summary.len(), 1);
    assert!(
        summary[0].message.contains("50 post(s)"),
        "{}",
        summary[0].message
    );
    w.publish("FEED", "After the backlog");
    w.advance(60);
    sync_all(&engine).await;
    assert_eq!(w.on_x("After the backlog"), 1);
}

/// `newest = 5`: the newest 5 of 50 go out, oldest first; the 45 others are
/// skipped with the reason.
pub async fn backlog_of_50_newest_5(store: Arc<dyn Store>) {
    let w = world(store).await;
    let engine = w.engine("[defaults.backlog]\nmode = \"newest\"\nnewest = 5\n");
    let ids = backlog_after_pause(&w, &engine).await;
    sync_all(&engine).await;
    assert_eq!(
        backlog_on_x(&w),
        [
            "Backlog 45",
            "Backlog 46",
            "Backlog 47",
            "Backlog 48",
            "Backlog 49"
        ]
    );
    for (i, id) in ids.iter().enumerate() {
        let record = w.record(id).await;
        if i < 45 {
            assert_eq!(record.state, PostState::Skipped, "post {i}");
            let skip = record.skip.unwrap();
            assert_eq!(skip.rule, "backlog.mode");
            assert!(skip.reason.contains("only the newest 5 of 50"), "{skip:?}");
        } else {
            assert_eq!(record.state, PostState::Posted, "post {i}");
        }
    }
}

/// `spread = "5h"`: the 50 posts are scheduled 6 minutes apart from the pass
/// that found them, in Instagram's order, and go out one by one as the clock
/// reaches each; never two at once.
pub async fn backlog_of_50_spread(store: Arc<dyn Store>) {
    let w = world(store).await;
    let engine = w.engine("[defaults.backlog]\nmode = \"spread\"\nspread = \"5h\"\n");
    let ids = backlog_after_pause(&w, &engine).await;
    let found_at = w.now();
    engine.sync_once(SyncOptions::default()).await.unwrap();
    let step = SignedDuration::from_mins(6);
    for (i, id) in ids.iter().enumerate() {
        let record = w.record(id).await;
        let due = found_at + step * i32::try_from(i).unwrap();
        if i == 0 {
            assert_eq!(record.state, PostState::Posted);
        } else {
            assert_eq!(record.state, PostState::Scheduled, "post {i}");
            assert_eq!(record.due_at, Some(due), "post {i}");
        }
    }
    assert_eq!(backlog_on_x(&w), ["Backlog 00"]);
    for i in 1..50 {
        w.advance(6 * 60);
        engine.sync_once(SyncOptions::default()).await.unwrap();
        assert_eq!(backlog_on_x(&w).len(), i + 1, "one more every 6 minutes");
    }
    let expected: Vec<String> = (0..50).map(|i| format!("Backlog {i:02}")).collect();
    assert_eq!(backlog_on_x(&w), expected, "Instagram's order");
}

/// A spread too tight for X's pacing is stretched to it: never closer than X
/// allows (100 posts per 15 minutes, so 9 s apart).
pub async fn backlog_spread_never_beats_x_pacing(store: Arc<dyn Store>) {
    let w = world(store).await;
    let engine = w.engine("[defaults.backlog]\nmode = \"spread\"\nspread = \"1m\"\n");
    let ids = backlog_after_pause(&w, &engine).await;
    let found_at = w.now();
    engine.sync_once(SyncOptions::default()).await.unwrap();
    let last = w.record(&ids[49]).await;
    assert_eq!(
        last.due_at,
        Some(found_at + SignedDuration::from_secs(9 * 49))
    );
}

/// With the default (`all`), a backlog of 50 is posted in full, oldest first,
/// and logged as a backlog.
pub async fn backlog_of_50_all_by_default(store: Arc<dyn Store>) {
    let w = world(store).await;
    let engine = w.engine("");
    backlog_after_pause(&w, &engine).await;
    sync_all(&engine).await;
    let expected: Vec<String> = (0..50).map(|i| format!("Backlog {i:02}")).collect();
    assert_eq!(backlog_on_x(&w), expected);
    assert_eq!(w.events(EventKind::Backlog).await.len(), 1);
}

/// A backlog larger than one poll's batch (120 posts, batches of 50) is listed
/// in full, so `newest` really keeps the newest and nothing older is lost.
pub async fn backlog_larger_than_one_poll_is_listed_in_full(store: Arc<dyn Store>) {
    let w = world(store).await;
    let engine = w.engine("[defaults.backlog]\nmode = \"newest\"\nnewest = 3\n");
    sync_all(&engine).await;
    engine.pause(&link()).await.unwrap();
    let ids = publish_backlog(&w, 120);
    w.advance(3600);
    engine.resume(&link()).await.unwrap();
    sync_all(&engine).await;
    assert_eq!(
        backlog_on_x(&w),
        ["Backlog 117", "Backlog 118", "Backlog 119"]
    );
    let skipped = w
        .store
        .posts(&PostQuery {
            link: Some(link()),
            states: vec![PostState::Skipped],
            limit: 0,
        })
        .await
        .unwrap();
    assert_eq!(skipped.len(), 117);
    assert_eq!(
        skipped[0].source_id.as_str(),
        ids[0],
        "the oldest was seen too"
    );
}

/// Posts published in the same second go out in Instagram's order (the
/// listing's), not in the order of their ids.
pub async fn same_second_posts_go_out_in_instagram_order(store: Arc<dyn Store>) {
    let w = world(store).await;
    let engine = w.engine("");
    let ids: Vec<String> = (0..6)
        .map(|i| w.publish("FEED", &format!("Same second {i}")))
        .collect();
    let mut by_id = ids.clone();
    by_id.sort();
    assert_ne!(by_id, ids, "the ids do not give the order away");
    w.advance(60);
    sync_all(&engine).await;
    let order: Vec<String> = w
        .tweets()
        .into_iter()
        .filter(|t| t.text.starts_with("Same second"))
        .map(|t| t.text[..13].to_owned())
        .collect();
    let expected: Vec<String> = (0..6).map(|i| format!("Same second {i}")).collect();
    assert_eq!(order, expected);
}

const REVIEW: &str = "[defaults.privacy]\nblocked_words = [\"secret\"]\n";

/// Held posts are listed with the exact tweets they would make; an approved
/// one is posted once, even approved twice; a rejected one never.
pub async fn review_approve_twice_and_reject(store: Arc<dyn Store>) {
    let w = world(store).await;
    let engine = w.engine(REVIEW);
    let keep = w.publish("FEED", "A secret worth sharing");
    let drop = w.publish("FEED", "A secret to keep");
    w.advance(60);
    sync_all(&engine).await;
    let queue = engine.review_queue(Some(&link())).await.unwrap();
    assert_eq!(queue.len(), 2);
    assert_eq!(queue[0].record.source_id.as_str(), keep);
    assert!(
        queue[0].reason.as_deref().unwrap_or("").contains("secret"),
        "{:?}",
        queue[0].reason
    );
    let tweets = queue[0].tweets.clone();
    assert_eq!(tweets.len(), 1);
    assert!(
        tweets[0].starts_with("A secret worth sharing"),
        "{tweets:?}"
    );
    assert_eq!(w.on_x("A secret"), 0, "nothing goes before a decision");

    let keep_id = SourceId::new(&keep).unwrap();
    engine.approve(&link(), &keep_id).await.unwrap();
    engine.approve(&link(), &keep_id).await.unwrap();
    engine
        .reject(&link(), &SourceId::new(&drop).unwrap())
        .await
        .unwrap();
    assert!(matches!(
        engine
            .approve(&link(), &SourceId::new(&drop).unwrap())
            .await,
        Err(EngineError::NotInReview { .. })
    ));
    sync_all(&engine).await;
    engine.approve(&link(), &keep_id).await.unwrap();
    w.advance(3600);
    sync_all(&engine).await;

    let posted: Vec<String> = w
        .tweets()
        .into_iter()
        .filter(|t| t.text.starts_with("A secret"))
        .map(|t| t.text)
        .collect();
    assert_eq!(posted, tweets, "the reviewed text, once");
    assert_eq!(w.record(&keep).await.state, PostState::Posted);
    let rejected = w.record(&drop).await;
    assert_eq!(rejected.state, PostState::Skipped);
    assert_eq!(rejected.skip.unwrap().rule, "review");
    assert!(engine.review_queue(None).await.unwrap().is_empty());
}

/// Two handles on one fresh database (as two processes open it), and whatever
/// must live as long as they do.
pub type Opened = (
    Arc<dyn Store>,
    Arc<dyn Store>,
    Box<dyn std::any::Any + Send>,
);

/// Approved, then the engine killed after each write in turn (its store
/// refuses every write from then on), then a new engine on a second handle on
/// the same database: the post is on X exactly once. `open` answers a fresh
/// database for each kill point.
pub async fn review_approve_then_kill<F, Fut>(open: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Opened>,
{
    let mut budget = 0;
    loop {
        let (store, second, _guard) = open().await;
        let w = world(store).await;
        let caption = "Kill test: a secret, approved";
        let id = w.publish("FEED", caption);
        w.advance(60);
        sync_all(&w.engine(REVIEW)).await;
        w.engine(REVIEW)
            .approve(&link(), &SourceId::new(&id).unwrap())
            .await
            .unwrap();
        let dying: Arc<dyn Store> = Arc::new(xpost_core::testing::DyingStore::new(
            w.store.clone(),
            budget,
        ));
        let _ = w
            .engine_on(dying, REVIEW)
            .sync_once(SyncOptions::default())
            .await;
        let finished = w.record(&id).await.state == PostState::Posted;
        // A new process once the dead one's lease has run out.
        w.advance(120);
        let engine = w.engine_on(second, REVIEW);
        for _ in 0..3 {
            engine.sync_once(SyncOptions::default()).await.unwrap();
            w.advance(600);
        }
        assert_eq!(
            w.on_x(caption),
            1,
            "budget {budget}: {:?}",
            w.record(&id).await
        );
        assert_eq!(w.record(&id).await.state, PostState::Posted);
        if finished {
            assert!(budget > 3, "the kill points were exercised");
            break;
        }
        budget += 1;
        assert!(budget < 100, "the first engine never finished");
    }
}
