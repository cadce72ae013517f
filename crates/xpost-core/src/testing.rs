//! The store conformance suite: one set of checks that every [`Store`]
//! implementation runs unchanged (memory, SQLite, PostgreSQL).
//!
//! Each check is a plain async function taking a fresh, empty store. The
//! [`store_conformance_tests!`](crate::store_conformance_tests) macro turns all of
//! them into `#[tokio::test]`s for a store crate:
//!
//! ```text
//! xpost_core::store_conformance_tests!(async { Some(MyStore::open_temporary().await) });
//! ```
//!
//! The factory answers `None` when the store cannot be reached (a database
//! server that is not there); the test then prints why and passes vacuously, so
//! a store crate should also have one test that fails when its server is
//! expected and missing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use crate::credentials::{Credentials, OAuth1Token, Secret, Versioned};
use crate::deletion::{DeletionRequest, DeletionState, ForgetReport};
use crate::event::{Event, EventKind};
use crate::ids::TargetId;
use crate::ids::{AccountId, IgMediaId, LinkId, SourceId};
use crate::link::{Account, Link, LinkState, Platform, Side};
use crate::metrics::{MetricQuery, MetricSample, Metrics};
use crate::post::{MediaType, ProductType, SourcePost};
use crate::profile_state::ProfileSnapshot;
use crate::record::{FailureClass, PartProgress, PlannedPart, PostRecord, PostState};
use crate::store::{EventQuery, Lease, PostQuery, SourceCursor, Store, StoreError};
use crate::sync::{SyncAction, SyncWork};

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_750_000_000 + second).unwrap()
}

fn link_id(name: &str) -> LinkId {
    LinkId::new(name).unwrap()
}

/// A source post with id `id` published at `at(published)`.
pub fn sample_post(id: &str, published: i64) -> SourcePost {
    SourcePost {
        id: IgMediaId::new(id).unwrap(),
        media_type: MediaType::Image,
        product_type: ProductType::Feed,
        caption: Some(format!("post {id}")),
        permalink: Some(format!("https://www.instagram.com/p/{id}/")),
        timestamp: at(published),
        username: Some("someone".into()),
        close_friends: false,
        media: Vec::new(),
    }
}

fn active_link(name: &str) -> Link {
    let mut link = Link::new(link_id(name), at(0));
    let account = |platform, id: &str| Account {
        platform,
        user_id: AccountId::new(id).unwrap(),
        username: "someone".into(),
    };
    link.connect(Side::Source, account(Platform::Instagram, "1784"), at(1));
    link.connect(Side::Target, account(Platform::X, "42"), at(2));
    link
}

fn creds(access: &str, refresh: &str) -> Credentials {
    Credentials {
        access_token: Secret::new(access),
        refresh_token: Some(Secret::new(refresh)),
        expires_at: Some(at(7_200)),
        scopes: vec!["tweet.read".into(), "tweet.write".into()],
        obtained_at: at(0),
    }
}

const TTL: SignedDuration = SignedDuration::from_secs(30);

/// Links are stored, listed in id order and change state.
pub async fn links_round_trip(store: &dyn Store) {
    store.put_link(&active_link("zeta")).await.unwrap();
    store.put_link(&active_link("alpha")).await.unwrap();
    let all = store.links().await.unwrap();
    let names: Vec<&str> = all.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(names, ["alpha", "zeta"]);
    assert_eq!(all[0], active_link("alpha"), "every field survives");
    store
        .set_link_state(
            &link_id("alpha"),
            LinkState::NeedsReauth,
            Some(Side::Target),
        )
        .await
        .unwrap();
    let alpha = store.link(&link_id("alpha")).await.unwrap().unwrap();
    assert_eq!(alpha.state, LinkState::NeedsReauth);
    assert_eq!(alpha.reauth_side, Some(Side::Target));
    assert!(store.link(&link_id("missing")).await.unwrap().is_none());
    let err = store
        .set_link_state(&link_id("missing"), LinkState::Active, None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
}

/// Credentials round-trip with their secrets, and rotation is compare-and-swap.
pub async fn credentials_swap_is_compare_and_swap(store: &dyn Store) {
    let link = link_id("main");
    store.put_link(&active_link("main")).await.unwrap();
    assert!(
        store
            .credentials(&link, Side::Target)
            .await
            .unwrap()
            .is_none()
    );
    let v1 = store
        .put_credentials(&link, Side::Target, &creds("a1", "r1"))
        .await
        .unwrap();
    let stored = store
        .credentials(&link, Side::Target)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, v1);
    assert_eq!(stored.value.access_token.expose(), "a1");
    assert_eq!(stored.value.refresh_token.as_ref().unwrap().expose(), "r1");
    assert_eq!(stored.value.expires_at, Some(at(7_200)));
    assert_eq!(stored.value.scopes, ["tweet.read", "tweet.write"]);
    assert!(
        store
            .credentials(&link, Side::Source)
            .await
            .unwrap()
            .is_none()
    );

    let v2 = store
        .swap_credentials(&link, Side::Target, v1, &creds("a2", "r2"))
        .await
        .unwrap()
        .expect("the first rotation wins");
    assert_ne!(v1, v2);
    let lost = store
        .swap_credentials(&link, Side::Target, v1, &creds("a3", "r3"))
        .await
        .unwrap();
    assert_eq!(lost, None, "a second rotation from the same version loses");
    let stored = store
        .credentials(&link, Side::Target)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.value.refresh_token.unwrap().expose(), "r2");

    store.delete_credentials(&link, Side::Target).await.unwrap();
    assert!(
        store
            .credentials(&link, Side::Target)
            .await
            .unwrap()
            .is_none()
    );
    let gone = store
        .swap_credentials(&link, Side::Target, v2, &creds("a4", "r4"))
        .await
        .unwrap();
    assert_eq!(gone, None, "deleted credentials cannot be rotated back in");
}

/// One holder at a time; takeover after expiry bumps the generation; a stale
/// holder's writes are refused.
pub async fn leases_fence_every_write(store: &dyn Store) {
    let link = link_id("main");
    store.put_link(&active_link("main")).await.unwrap();
    let a = store
        .try_lease(&link, "worker-a", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .try_lease(&link, "worker-b", at(10), TTL)
            .await
            .unwrap()
            .is_none()
    );
    let again = store
        .try_lease(&link, "worker-a", at(10), TTL)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.generation, a.generation,
        "re-taking one's own lease keeps it"
    );
    let a = store.renew_lease(&again, at(20), TTL).await.unwrap();
    assert!(a.expires_at > again.expires_at);

    // worker-a pauses past its lease; worker-b takes over.
    let b = store
        .try_lease(&link, "worker-b", at(60), TTL)
        .await
        .unwrap()
        .unwrap();
    assert!(b.generation > a.generation);
    let post = PostRecord::discovered(link.clone(), sample_post("1", 5), at(61));
    assert_eq!(
        store
            .insert_posts(&b, std::slice::from_ref(&post), at(61))
            .await
            .unwrap(),
        1
    );

    let stale = store.insert_posts(&a, &[post], at(62)).await.unwrap_err();
    assert!(matches!(stale, StoreError::LeaseLost { .. }), "{stale}");
    let stored = store
        .post(&link, &SourceId::new("1").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut stale_update = stored.clone();
    stale_update.state = PostState::Skipped;
    let err = store
        .update_post(&a, &stale_update, at(62))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    let err = store
        .set_cursor(&a, &SourceCursor::default(), at(62))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    assert!(store.renew_lease(&a, at(62), TTL).await.is_err());

    // An expired lease fences its own holder too, even before anyone takes over.
    let err = store
        .update_post(&b, &stored, at(60 + 31))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");

    // Released: another worker takes it at once.
    let b = store
        .try_lease(&link, "worker-b", at(95), TTL)
        .await
        .unwrap()
        .unwrap();
    store.release_lease(&b).await.unwrap();
    let c = store
        .try_lease(&link, "worker-c", at(96), TTL)
        .await
        .unwrap()
        .unwrap();
    assert!(c.generation > b.generation);
}

/// Discovering a post twice is harmless: the first record stays.
pub async fn inserting_known_posts_changes_nothing(store: &dyn Store) {
    let link = link_id("main");
    store.put_link(&active_link("main")).await.unwrap();
    let lease = store
        .try_lease(&link, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let first = PostRecord::discovered(link.clone(), sample_post("7", 1), at(1));
    assert_eq!(
        store
            .insert_posts(&lease, std::slice::from_ref(&first), at(1))
            .await
            .unwrap(),
        1
    );
    let stored = store.post(&link, &first.source_id).await.unwrap().unwrap();
    let mut decided = stored.clone();
    decided.state = PostState::Ready;
    store.update_post(&lease, &decided, at(2)).await.unwrap();

    let mut again = PostRecord::discovered(link.clone(), sample_post("7", 1), at(3));
    again.post.caption = Some("edited".into());
    let fresh = PostRecord::discovered(link.clone(), sample_post("8", 2), at(3));
    let inserted = store
        .insert_posts(&lease, &[again, fresh], at(3))
        .await
        .unwrap();
    assert_eq!(inserted, 1);
    let stored = store.post(&link, &first.source_id).await.unwrap().unwrap();
    assert_eq!(stored.state, PostState::Ready);
    assert_eq!(stored.post.caption.as_deref(), Some("post 7"));
    assert_eq!(stored.discovered_at, at(1));
}

/// Updates are compare-and-swap on the version, leased or not; every field survives.
pub async fn post_updates_are_compare_and_swap(store: &dyn Store) {
    let link = link_id("main");
    store.put_link(&active_link("main")).await.unwrap();
    let lease = store
        .try_lease(&link, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let record = PostRecord::discovered(link.clone(), sample_post("5", 1), at(1));
    store
        .insert_posts(&lease, std::slice::from_ref(&record), at(1))
        .await
        .unwrap();
    let read = store.post(&link, &record.source_id).await.unwrap().unwrap();

    let mut sending = read.clone();
    sending.state = PostState::Sending;
    sending.attempts = 2;
    sending.error = Some(crate::record::Failure {
        class: FailureClass::Transient,
        message: "502 from X".into(),
        hint: Some("nothing to do: retried".into()),
        at: at(3),
    });
    sending.plan = Some(crate::record::Plan {
        parts: vec![
            crate::record::PlannedPart {
                text: "part one".into(),
                media: vec![0],
            },
            crate::record::PlannedPart {
                text: "part two".into(),
                media: vec![],
            },
        ],
        reply_settings: crate::reply::ReplySettings::Following,
        estimated_cost_usd: 0.015,
    });
    sending.parts = vec![crate::record::PartProgress {
        media: vec![crate::ids::TargetMediaId::new("99").unwrap()],
        media_ready_at: Some(at(2)),
        intent_at: Some(at(3)),
        target_id: Some(crate::ids::TargetId::new("1001").unwrap()),
    }];
    let written = store.update_post(&lease, &sending, at(3)).await.unwrap();
    assert!(written.version > read.version);
    let back = store.post(&link, &record.source_id).await.unwrap().unwrap();
    assert_eq!(back, written, "every field round-trips");
    assert_eq!(back.next_part(), Some(1));

    let mut stale = read.clone();
    stale.state = PostState::Skipped;
    let err = store.update_post(&lease, &stale, at(4)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    let err = store.update_post_unleased(&stale).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");

    let mut approved = back.clone();
    approved.approved = true;
    let approved = store.update_post_unleased(&approved).await.unwrap();
    assert!(approved.version > back.version);

    let mut unknown = approved.clone();
    unknown.source_id = SourceId::new("404").unwrap();
    let err = store
        .update_post(&lease, &unknown, at(5))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
}

/// Due posts: not final, due now, oldest source post first, per link, bounded.
pub async fn due_posts_are_the_unfinished_ones_in_source_order(store: &dyn Store) {
    let main = link_id("main");
    let other = link_id("other");
    store.put_link(&active_link("main")).await.unwrap();
    store.put_link(&active_link("other")).await.unwrap();
    let lease = store
        .try_lease(&main, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let other_lease = store
        .try_lease(&other, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let posts: Vec<PostRecord> = [("3", 30), ("1", 10), ("2", 20), ("4", 40), ("5", 50)]
        .iter()
        .map(|(id, t)| PostRecord::discovered(main.clone(), sample_post(id, *t), at(1)))
        .collect();
    store.insert_posts(&lease, &posts, at(1)).await.unwrap();
    store
        .insert_posts(
            &other_lease,
            &[PostRecord::discovered(
                other.clone(),
                sample_post("9", 5),
                at(1),
            )],
            at(1),
        )
        .await
        .unwrap();

    let set = |id: &str, state: PostState, due: Option<i64>| {
        let main = main.clone();
        let lease = lease.clone();
        let id = SourceId::new(id).unwrap();
        async move {
            let mut r = store.post(&main, &id).await.unwrap().unwrap();
            r.state = state;
            r.due_at = due.map(at);
            store.update_post(&lease, &r, at(2)).await.unwrap();
        }
    };
    set("4", PostState::Posted, None).await;
    set("2", PostState::Scheduled, Some(100)).await;
    set("5", PostState::Failed, None).await;

    let due = store.due_posts(&main, at(50), 0).await.unwrap();
    let ids: Vec<&str> = due.iter().map(|r| r.source_id.as_str()).collect();
    assert_eq!(ids, ["1", "3"], "2 is not due yet; 4 and 5 are final");
    let due = store.due_posts(&main, at(100), 0).await.unwrap();
    let ids: Vec<&str> = due.iter().map(|r| r.source_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(store.due_posts(&main, at(100), 2).await.unwrap().len(), 2);

    let posted = store
        .posts(&PostQuery {
            link: Some(main.clone()),
            states: vec![PostState::Posted, PostState::Failed],
            limit: 0,
        })
        .await
        .unwrap();
    let ids: Vec<&str> = posted.iter().map(|r| r.source_id.as_str()).collect();
    assert_eq!(ids, ["4", "5"]);
    let everything = store.posts(&PostQuery::default()).await.unwrap();
    assert_eq!(everything.len(), 6);
    assert_eq!(
        everything[0].source_id.as_str(),
        "9",
        "oldest source post first"
    );
}

/// Posts published in the same second come back in the order of their
/// `listing_order` (Instagram's order), not of their ids, in every listing and
/// after updates; a pause round-trips with the link.
pub async fn same_second_posts_keep_the_listing_order(store: &dyn Store) {
    let main = link_id("main");
    let mut link = active_link("main");
    link.paused_since = Some(at(3));
    store.put_link(&link).await.unwrap();
    assert_eq!(store.link(&main).await.unwrap(), Some(link.clone()));
    link.paused_since = None;
    store.put_link(&link).await.unwrap();
    assert!(!store.link(&main).await.unwrap().unwrap().is_paused());
    let lease = store
        .try_lease(&main, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    // Ids that sort the other way round from the listing.
    let posts: Vec<PostRecord> = [("9", 2), ("30", 0), ("200", 1), ("1", 3)]
        .iter()
        .map(|(id, order)| {
            let mut r = PostRecord::discovered(main.clone(), sample_post(id, 10), at(11));
            r.listing_order = *order;
            r
        })
        .collect();
    store.insert_posts(&lease, &posts, at(11)).await.unwrap();
    let expected = ["30", "200", "9", "1"];
    let due = store.due_posts(&main, at(12), 0).await.unwrap();
    let ids: Vec<&str> = due.iter().map(|r| r.source_id.as_str()).collect();
    assert_eq!(ids, expected);
    let mut first = due[0].clone();
    first.listing_order = 5;
    store.update_post(&lease, &first, at(12)).await.unwrap();
    let listed = store
        .posts(&PostQuery {
            link: Some(main.clone()),
            ..PostQuery::default()
        })
        .await
        .unwrap();
    let ids: Vec<&str> = listed.iter().map(|r| r.source_id.as_str()).collect();
    assert_eq!(
        ids,
        ["200", "9", "1", "30"],
        "the updated order is the one used"
    );
    assert_eq!(listed[3].listing_order, 5);
}

/// A pause is set and cleared in one step that keeps the link's state (even
/// one changed since the link was read), and answers the pause it replaced.
pub async fn pausing_keeps_the_link_state(store: &dyn Store) {
    let main = link_id("main");
    store.put_link(&active_link("main")).await.unwrap();
    assert_eq!(
        store.set_link_paused(&main, Some(at(5))).await.unwrap(),
        None
    );
    store
        .set_link_state(&main, LinkState::NeedsReauth, Some(Side::Target))
        .await
        .unwrap();
    let paused = store.link(&main).await.unwrap().unwrap();
    assert_eq!(
        paused.paused_since,
        Some(at(5)),
        "a state change keeps the pause"
    );
    assert_eq!(
        store.set_link_paused(&main, None).await.unwrap(),
        Some(at(5))
    );
    let resumed = store.link(&main).await.unwrap().unwrap();
    assert_eq!(
        resumed.state,
        LinkState::NeedsReauth,
        "the pause keeps the state"
    );
    assert_eq!(resumed.reauth_side, Some(Side::Target));
    assert!(!resumed.is_paused());
    assert!(matches!(
        store.set_link_paused(&link_id("nope"), Some(at(6))).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// The cursor is per link and fenced.
pub async fn cursors_round_trip(store: &dyn Store) {
    let link = link_id("main");
    store.put_link(&active_link("main")).await.unwrap();
    assert!(store.cursor(&link).await.unwrap().is_none());
    let lease = store
        .try_lease(&link, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let cursor = SourceCursor {
        newest_id: Some(SourceId::new("1799").unwrap()),
        newest_at: Some(at(9)),
        polled_at: Some(at(1)),
    };
    store.set_cursor(&lease, &cursor, at(1)).await.unwrap();
    assert_eq!(store.cursor(&link).await.unwrap(), Some(cursor));
}

/// Events come back newest first, numbered, filtered as asked.
pub async fn events_are_listed_newest_first(store: &dyn Store) {
    let main = link_id("main");
    let other = link_id("other");
    let post = SourceId::new("12").unwrap();
    store
        .append_events(&[
            Event::new(at(1), main.clone(), EventKind::Linked, "linked"),
            Event::new(at(2), main.clone(), EventKind::Discovered, "seen").for_post(post.clone()),
            Event::new(at(3), other.clone(), EventKind::Discovered, "seen"),
        ])
        .await
        .unwrap();
    store
        .append_events(
            &[Event::new(at(4), main.clone(), EventKind::Retrying, "502")
                .for_post(post.clone())
                .failure(FailureClass::Transient, Some("retried".into()))],
        )
        .await
        .unwrap();
    let all = store.events(&EventQuery::default()).await.unwrap();
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    assert_eq!(all[0].hint.as_deref(), Some("retried"));
    assert_eq!(all[0].class, Some(FailureClass::Transient));

    let mains = store
        .events(&EventQuery {
            link: Some(main.clone()),
            limit: 2,
            ..EventQuery::default()
        })
        .await
        .unwrap();
    let kinds: Vec<EventKind> = mains.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Retrying, EventKind::Discovered]);
    let failures = store
        .events(&EventQuery {
            failures_only: true,
            ..EventQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(failures.len(), 1);
    let about_post = store
        .events(&EventQuery {
            source_id: Some(post),
            ..EventQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(about_post.len(), 2);
    let linked = store
        .events(&EventQuery {
            kinds: vec![EventKind::Linked],
            ..EventQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(linked.len(), 1);
}

/// A post update and its events land together, or (with a lost lease) neither does.
pub async fn logged_updates_write_the_record_and_its_events_together(store: &dyn Store) {
    let link = link_id("main");
    store.put_link(&active_link("main")).await.unwrap();
    let lease = store
        .try_lease(&link, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let record = PostRecord::discovered(link.clone(), sample_post("21", 1), at(1));
    store
        .insert_posts(&lease, std::slice::from_ref(&record), at(1))
        .await
        .unwrap();
    let mut read = store.post(&link, &record.source_id).await.unwrap().unwrap();
    read.state = PostState::Ready;
    let event = Event::new(at(2), link.clone(), EventKind::Decided, "decided")
        .for_post(record.source_id.clone());
    let written = store
        .update_post_logged(&lease, &read, std::slice::from_ref(&event), at(2))
        .await
        .unwrap();
    assert_eq!(written.state, PostState::Ready);
    let events = store.events(&EventQuery::default()).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::Decided);

    // Another worker takes over; the old holder's logged write changes nothing.
    let _other = store
        .try_lease(&link, "v", at(100), TTL)
        .await
        .unwrap()
        .unwrap();
    let mut stale = written.clone();
    stale.state = PostState::Skipped;
    let err = store
        .update_post_logged(&lease, &stale, std::slice::from_ref(&event), at(101))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    assert_eq!(
        store
            .post(&link, &record.source_id)
            .await
            .unwrap()
            .unwrap()
            .state,
        PostState::Ready
    );
    assert_eq!(store.events(&EventQuery::default()).await.unwrap().len(), 1);
}

/// Data-deletion requests are found by their code, replaced whole by a second
/// write with the same code, and unknown codes answer nothing.
pub async fn deletion_requests_round_trip_and_are_replaced_by_code(store: &dyn Store) {
    assert_eq!(store.deletion_request("nope").await.unwrap(), None);
    let deleted = ForgetReport {
        posts: 3,
        events: 7,
        ..ForgetReport::default()
    };
    let mut request = DeletionRequest {
        code: "c0ffee".into(),
        link_count: 2,
        state: DeletionState::Pending,
        detail: "received".into(),
        deleted: ForgetReport::default(),
        requested_at: at(10),
        updated_at: at(10),
    };
    store.put_deletion_request(&request).await.unwrap();
    let other = DeletionRequest {
        code: "beef".into(),
        link_count: 0,
        ..request.clone()
    };
    store.put_deletion_request(&other).await.unwrap();
    assert_eq!(
        store.deletion_request("c0ffee").await.unwrap().as_ref(),
        Some(&request)
    );
    request.state = DeletionState::Completed;
    request.detail = "deleted".into();
    request.deleted = deleted;
    request.updated_at = at(20);
    store.put_deletion_request(&request).await.unwrap();
    assert_eq!(
        store.deletion_request("c0ffee").await.unwrap().as_ref(),
        Some(&request)
    );
    assert_eq!(
        store.deletion_request("beef").await.unwrap().as_ref(),
        Some(&other)
    );
}

/// Stores one of everything a link can have, under a lease it keeps.
async fn fill_link(store: &dyn Store, name: &str) -> Lease {
    let link = link_id(name);
    store.put_link(&active_link(name)).await.unwrap();
    for side in [Side::Source, Side::Target] {
        store
            .put_credentials(&link, side, &creds("access", "refresh"))
            .await
            .unwrap();
    }
    store
        .put_oauth1_token(
            &link,
            &OAuth1Token {
                token: Secret::new("tok"),
                token_secret: Secret::new("sec"),
                user_id: Some("42".into()),
                screen_name: Some("someone".into()),
                obtained_at: at(5),
            },
        )
        .await
        .unwrap();
    let lease = store
        .try_lease(&link, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let posts = [
        PostRecord::discovered(link.clone(), sample_post("1", 10), at(1)),
        PostRecord::discovered(link.clone(), sample_post("2", 11), at(1)),
    ];
    store.insert_posts(&lease, &posts, at(1)).await.unwrap();
    store
        .set_cursor(
            &lease,
            &SourceCursor {
                newest_id: Some(SourceId::new("2").unwrap()),
                newest_at: Some(at(11)),
                polled_at: Some(at(12)),
            },
            at(1),
        )
        .await
        .unwrap();
    store
        .append_events(&[
            Event::new(at(2), link.clone(), EventKind::Discovered, "found"),
            Event::new(at(3), link.clone(), EventKind::Unlinked, "caption text"),
        ])
        .await
        .unwrap();
    let sample = MetricSample {
        link: link.clone(),
        source_id: SourceId::new("1").unwrap(),
        platform: Platform::X,
        at: at(4),
        metrics: Metrics {
            likes: Some(1),
            ..Metrics::default()
        },
    };
    store
        .append_metrics(&lease, &[sample], at(4))
        .await
        .unwrap();
    store
        .put_profile_snapshot(
            &lease,
            &ProfileSnapshot {
                name: Some("Ana".into()),
                ..ProfileSnapshot::default()
            },
            at(4),
        )
        .await
        .unwrap();
    store
        .set_last_run(&lease, "analytics", at(4), at(4))
        .await
        .unwrap();
    store
        .spend_reads(&lease, &["x:day:2025-06-15".to_owned()], 2, at(4))
        .await
        .unwrap();
    lease
}

/// Everything one link's data reads as through the Store's methods.
async fn read_link(store: &dyn Store, name: &str) -> String {
    let link = link_id(name);
    let one = Some(link.clone());
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        store.link(&link).await.unwrap(),
        store
            .links()
            .await
            .unwrap()
            .into_iter()
            .filter(|l| l.id == link)
            .collect::<Vec<_>>(),
        store
            .credentials(&link, Side::Source)
            .await
            .unwrap()
            .map(|c| (c.value.access_token.expose().to_owned(), c.version)),
        store
            .credentials(&link, Side::Target)
            .await
            .unwrap()
            .map(|c| (c.value.access_token.expose().to_owned(), c.version)),
        store
            .oauth1_token(&link)
            .await
            .unwrap()
            .map(|t| t.token.expose().to_owned()),
        store.cursor(&link).await.unwrap(),
        store
            .posts(&PostQuery {
                link: one.clone(),
                ..PostQuery::default()
            })
            .await
            .unwrap(),
        store.due_posts(&link, at(1_000_000), 0).await.unwrap(),
        store.posts_published_since(&link, at(0)).await.unwrap(),
        store
            .events(&EventQuery {
                link: one.clone(),
                ..EventQuery::default()
            })
            .await
            .unwrap()
            .iter()
            .map(|e| (e.kind, e.message.clone()))
            .collect::<Vec<_>>(),
        store
            .metrics(&MetricQuery {
                link: one,
                ..MetricQuery::default()
            })
            .await
            .unwrap(),
        store.profile_snapshot(&link).await.unwrap(),
        store.last_run(&link, "analytics").await.unwrap(),
        store.reads_spent(&link, "x:day:2025-06-15").await.unwrap(),
    )
}

/// Forgetting a link deletes every row of it, whatever its kind, so that no
/// Store method reads anything of it back; its old lease fences nothing any
/// more; another link's data and the deletion requests are untouched.
pub async fn forgetting_a_link_deletes_all_of_it_and_nothing_else(store: &dyn Store) {
    let gone = fill_link(store, "gone").await;
    let kept = fill_link(store, "kept").await;
    let request = DeletionRequest {
        code: "c0de".into(),
        link_count: 1,
        state: DeletionState::Pending,
        detail: "received".into(),
        deleted: ForgetReport::default(),
        requested_at: at(10),
        updated_at: at(10),
    };
    store.put_deletion_request(&request).await.unwrap();
    let empty = read_link(store, "never").await;
    let kept_before = read_link(store, "kept").await;
    assert_ne!(read_link(store, "gone").await, empty);

    let report = store.forget_link(&link_id("gone")).await.unwrap();
    let expected = ForgetReport {
        links: 1,
        credentials: 2,
        oauth1_tokens: 1,
        cursors: 1,
        posts: 2,
        events: 2,
        metric_samples: 1,
        profile_snapshots: 1,
        task_runs: 1,
        read_counters: 1,
        leases: 1,
    };
    assert_eq!(report, expected);
    assert_eq!(report.total(), 14);

    assert_eq!(
        read_link(store, "gone").await,
        empty,
        "nothing of it is read"
    );
    // Nor through the queries over every link.
    let events = store.events(&EventQuery::default()).await.unwrap();
    let posts = store.posts(&PostQuery::default()).await.unwrap();
    let samples = store.metrics(&MetricQuery::default()).await.unwrap();
    let owners: Vec<&str> = (events.iter().map(|e| e.link.as_str()))
        .chain(posts.iter().map(|p| p.link.as_str()))
        .chain(samples.iter().map(|m| m.link.as_str()))
        .collect();
    assert!(owners.iter().all(|l| *l == "kept"), "{owners:?}");
    assert_eq!(owners.len(), 2 + 2 + 1, "{owners:?}");
    assert_eq!(
        read_link(store, "kept").await,
        kept_before,
        "the other link is untouched"
    );
    assert_eq!(store.deletion_request("c0de").await.unwrap(), Some(request));

    // A worker still holding the forgotten link's lease writes nothing back.
    let stale = store
        .insert_posts(
            &gone,
            &[PostRecord::discovered(
                link_id("gone"),
                sample_post("3", 12),
                at(5),
            )],
            at(5),
        )
        .await;
    assert!(
        matches!(stale, Err(StoreError::LeaseLost { .. })),
        "{stale:?}"
    );
    let stale = store
        .set_cursor(&gone, &SourceCursor::default(), at(5))
        .await;
    assert!(
        matches!(stale, Err(StoreError::LeaseLost { .. })),
        "{stale:?}"
    );
    assert_eq!(read_link(store, "gone").await, empty);
    // The other link's lease still fences for its holder.
    store
        .set_cursor(&kept, &SourceCursor::default(), at(5))
        .await
        .unwrap();

    assert_eq!(
        store.forget_link(&link_id("gone")).await.unwrap(),
        ForgetReport::default(),
        "forgetting again finds nothing"
    );
}

/// A posted record with sync work under way is due until the work is done,
/// and every sync field reads back as written.
pub async fn unfinished_sync_work_keeps_a_post_due(store: &dyn Store) {
    let main = link_id("main");
    store.put_link(&active_link("main")).await.unwrap();
    let lease = store
        .try_lease(&main, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let record = PostRecord::discovered(main.clone(), sample_post("1", 10), at(1));
    store.insert_posts(&lease, &[record], at(1)).await.unwrap();
    let id = SourceId::new("1").unwrap();
    let mut r = store.post(&main, &id).await.unwrap().unwrap();
    r.state = PostState::Posted;
    let mut r = store.update_post(&lease, &r, at(2)).await.unwrap();
    assert!(store.due_posts(&main, at(3), 0).await.unwrap().is_empty());

    let old = TargetId::new("500").unwrap();
    let mut work = SyncWork::new(SyncAction::Repost, vec![old.clone()], at(3));
    work.retract[0].intent_at = Some(at(4));
    work.correction = vec![PlannedPart {
        text: "the corrected caption".into(),
        media: Vec::new(),
    }];
    work.correction_parts = vec![PartProgress {
        intent_at: Some(at(5)),
        ..PartProgress::default()
    }];
    r.sync = Some(work);
    r.missing_since = Some(at(3));
    r.source_deleted_at = Some(at(4));
    r.retired = vec![TargetId::new("400").unwrap()];
    r.corrections = vec![TargetId::new("600").unwrap()];
    let mut r = store.update_post(&lease, &r, at(5)).await.unwrap();
    let due = store.due_posts(&main, at(6), 0).await.unwrap();
    assert_eq!(due.len(), 1, "posted, but its sync work is under way");
    assert_eq!(due[0], r, "every sync field reads back");

    if let Some(work) = r.sync.as_mut() {
        work.done_at = Some(at(7));
    }
    let r = store.update_post(&lease, &r, at(7)).await.unwrap();
    assert!(r.is_settled());
    assert!(store.due_posts(&main, at(8), 0).await.unwrap().is_empty());
    let read = store.post(&main, &id).await.unwrap().unwrap();
    assert_eq!(read.sync.map(|w| w.done_at), Some(Some(at(7))));
}

/// Posts published at or after a time, per link, oldest first.
pub async fn recent_posts_are_listed_by_publication_time(store: &dyn Store) {
    let main = link_id("main");
    let other = link_id("other");
    store.put_link(&active_link("main")).await.unwrap();
    store.put_link(&active_link("other")).await.unwrap();
    let lease = store
        .try_lease(&main, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let other_lease = store
        .try_lease(&other, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let posts: Vec<PostRecord> = [("3", 30), ("1", 10), ("2", 20)]
        .iter()
        .map(|(id, t)| PostRecord::discovered(main.clone(), sample_post(id, *t), at(1)))
        .collect();
    store.insert_posts(&lease, &posts, at(1)).await.unwrap();
    store
        .insert_posts(
            &other_lease,
            &[PostRecord::discovered(
                other.clone(),
                sample_post("9", 25),
                at(1),
            )],
            at(1),
        )
        .await
        .unwrap();
    let recent = store.posts_published_since(&main, at(20)).await.unwrap();
    let ids: Vec<&str> = recent.iter().map(|r| r.source_id.as_str()).collect();
    assert_eq!(ids, ["2", "3"], "from the bound on, this link only");
    assert!(
        store
            .posts_published_since(&main, at(31))
            .await
            .unwrap()
            .is_empty()
    );
}

/// OAuth 1.0a tokens are per link, replaced whole and deleted.
pub async fn oauth1_tokens_round_trip(store: &dyn Store) {
    let main = link_id("main");
    let other = link_id("other");
    store.put_link(&active_link("main")).await.unwrap();
    assert!(store.oauth1_token(&main).await.unwrap().is_none());
    let token = |value: &str| OAuth1Token {
        token: Secret::new(format!("tok-{value}")),
        token_secret: Secret::new(format!("sec-{value}")),
        user_id: Some("42".into()),
        screen_name: Some("someone".into()),
        obtained_at: at(5),
    };
    store.put_oauth1_token(&main, &token("a")).await.unwrap();
    store.put_oauth1_token(&main, &token("b")).await.unwrap();
    let got = store.oauth1_token(&main).await.unwrap().unwrap();
    assert_eq!(got.token.expose(), "tok-b");
    assert_eq!(got.token_secret.expose(), "sec-b");
    assert_eq!(got.user_id.as_deref(), Some("42"));
    assert_eq!(got.screen_name.as_deref(), Some("someone"));
    assert_eq!(got.obtained_at, at(5));
    assert!(store.oauth1_token(&other).await.unwrap().is_none());
    store.delete_oauth1_token(&main).await.unwrap();
    assert!(store.oauth1_token(&main).await.unwrap().is_none());
}

/// The profile snapshot and task times are per link and fenced.
pub async fn profile_snapshots_and_task_times_are_fenced(store: &dyn Store) {
    let link = link_id("main");
    store.put_link(&active_link("main")).await.unwrap();
    assert!(store.profile_snapshot(&link).await.unwrap().is_none());
    assert!(
        store
            .last_run(&link, "profile_sync")
            .await
            .unwrap()
            .is_none()
    );
    let lease = store
        .try_lease(&link, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let snapshot = ProfileSnapshot {
        name: Some("Ana".into()),
        bio: Some("Photos by @ana_ig https://ana.example".into()),
        website: None,
        picture_sha256: Some("ab".repeat(32)),
    };
    store
        .put_profile_snapshot(&lease, &snapshot, at(1))
        .await
        .unwrap();
    store
        .set_last_run(&lease, "profile_sync", at(1), at(1))
        .await
        .unwrap();
    store
        .set_last_run(&lease, "profile_sync", at(3), at(3))
        .await
        .unwrap();
    assert_eq!(store.profile_snapshot(&link).await.unwrap(), Some(snapshot));
    assert_eq!(
        store.last_run(&link, "profile_sync").await.unwrap(),
        Some(at(3))
    );
    assert!(store.last_run(&link, "analytics").await.unwrap().is_none());
    // Another worker takes the link once the lease lapses; the old one writes nothing.
    let late = at(100);
    let taken = store
        .try_lease(&link, "v", late, TTL)
        .await
        .unwrap()
        .unwrap();
    let stale = store
        .put_profile_snapshot(&lease, &ProfileSnapshot::default(), late)
        .await;
    assert!(
        matches!(stale, Err(StoreError::LeaseLost { .. })),
        "{stale:?}"
    );
    let stale = store.set_last_run(&lease, "profile_sync", late, late).await;
    assert!(
        matches!(stale, Err(StoreError::LeaseLost { .. })),
        "{stale:?}"
    );
    assert_eq!(
        store.last_run(&link, "profile_sync").await.unwrap(),
        Some(at(3))
    );
    store
        .put_profile_snapshot(&taken, &ProfileSnapshot::default(), late)
        .await
        .unwrap();
    assert_eq!(
        store.profile_snapshot(&link).await.unwrap(),
        Some(ProfileSnapshot::default())
    );
}

/// Metric samples come back oldest first, filtered as asked, and are fenced.
pub async fn metric_series_are_listed_oldest_first(store: &dyn Store) {
    let main = link_id("main");
    store.put_link(&active_link("main")).await.unwrap();
    store.put_link(&active_link("other")).await.unwrap();
    let lease = store
        .try_lease(&main, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let other = store
        .try_lease(&link_id("other"), "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let sample = |post: &str, platform: Platform, second: i64, likes: u64| MetricSample {
        link: main.clone(),
        source_id: SourceId::new(post).unwrap(),
        platform,
        at: at(second),
        metrics: Metrics {
            likes: Some(likes),
            comments: Some(1),
            reposts: (platform == Platform::X).then_some(2),
            impressions: (platform == Platform::X).then_some(u64::from(u32::MAX) + 7),
        },
    };
    store
        .append_metrics(
            &lease,
            &[
                sample("20", Platform::X, 10, 5),
                sample("20", Platform::Instagram, 10, 9),
                sample("10", Platform::X, 10, 1),
            ],
            at(1),
        )
        .await
        .unwrap();
    store
        .append_metrics(&lease, &[sample("20", Platform::X, 4, 3)], at(1))
        .await
        .unwrap();
    store
        .append_metrics(&other, &[sample("20", Platform::X, 4, 100)], at(1))
        .await
        .unwrap();
    let all = store
        .metrics(&MetricQuery {
            link: Some(main.clone()),
            ..MetricQuery::default()
        })
        .await
        .unwrap();
    let order: Vec<_> = all
        .iter()
        .map(|s| (s.at, s.source_id.as_str(), s.platform, s.metrics.likes))
        .collect();
    assert_eq!(
        order,
        vec![
            (at(4), "20", Platform::X, Some(3)),
            (at(10), "10", Platform::X, Some(1)),
            (at(10), "20", Platform::Instagram, Some(9)),
            (at(10), "20", Platform::X, Some(5)),
        ]
    );
    assert_eq!(all[1].metrics.impressions, Some(u64::from(u32::MAX) + 7));
    assert_eq!(all[2].metrics.reposts, None);
    let only = store
        .metrics(&MetricQuery {
            link: Some(main.clone()),
            source_id: Some(SourceId::new("20").unwrap()),
            platform: Some(Platform::X),
            since: Some(at(5)),
        })
        .await
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].metrics.likes, Some(5));
    let others = store
        .metrics(&MetricQuery {
            link: Some(link_id("other")),
            ..MetricQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        others.len(),
        1,
        "samples are recorded under the lease's link"
    );
    assert_eq!(others[0].link, link_id("other"));
    assert_eq!(
        store.metrics(&MetricQuery::default()).await.unwrap().len(),
        5
    );
    let late = at(100);
    store
        .try_lease(&main, "v", late, TTL)
        .await
        .unwrap()
        .unwrap();
    let stale = store
        .append_metrics(&lease, &[sample("20", Platform::X, 99, 0)], late)
        .await;
    assert!(
        matches!(stale, Err(StoreError::LeaseLost { .. })),
        "{stale:?}"
    );
}

/// Metered reads add up per link and period, and only under a live lease.
pub async fn spent_reads_add_up_per_period(store: &dyn Store) {
    let main = link_id("main");
    store.put_link(&active_link("main")).await.unwrap();
    let lease = store
        .try_lease(&main, "w", at(0), TTL)
        .await
        .unwrap()
        .unwrap();
    let day = "x:day:2026-11-30".to_owned();
    let month = "x:month:2026-11".to_owned();
    assert_eq!(store.reads_spent(&main, &day).await.unwrap(), 0);
    store
        .spend_reads(&lease, &[day.clone(), month.clone()], 3, at(1))
        .await
        .unwrap();
    store
        .spend_reads(&lease, std::slice::from_ref(&month), 2, at(1))
        .await
        .unwrap();
    assert_eq!(store.reads_spent(&main, &day).await.unwrap(), 3);
    assert_eq!(store.reads_spent(&main, &month).await.unwrap(), 5);
    assert_eq!(
        store.reads_spent(&link_id("other"), &month).await.unwrap(),
        0
    );
    let late = at(100);
    store
        .try_lease(&main, "v", late, TTL)
        .await
        .unwrap()
        .unwrap();
    let stale = store
        .spend_reads(&lease, std::slice::from_ref(&day), 1, late)
        .await;
    assert!(
        matches!(stale, Err(StoreError::LeaseLost { .. })),
        "{stale:?}"
    );
    assert_eq!(store.reads_spent(&main, &day).await.unwrap(), 3);
}

/// Generates one `#[tokio::test]` per conformance check for a store.
///
/// `$make` is an async expression answering `Option<S>` for a fresh, empty
/// store `S: Store` (or `None`, after printing why, when it cannot be reached).
/// When the store comes inside a value that must live as long as it (a
/// temporary schema, say), name its field: `store_conformance_tests!(make(), .store)`.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!($make, []);
    };
    ($make:expr, .$field:ident) => {
        $crate::store_conformance_tests!($make, [$field]);
    };
    ($make:expr, $field:tt) => {
        $crate::store_conformance_tests!(@each $make, $field;
            links_round_trip,
            credentials_swap_is_compare_and_swap,
            leases_fence_every_write,
            inserting_known_posts_changes_nothing,
            post_updates_are_compare_and_swap,
            due_posts_are_the_unfinished_ones_in_source_order,
            cursors_round_trip,
            events_are_listed_newest_first,
            logged_updates_write_the_record_and_its_events_together,
            same_second_posts_keep_the_listing_order,
            pausing_keeps_the_link_state,
            unfinished_sync_work_keeps_a_post_due,
            recent_posts_are_listed_by_publication_time,
            oauth1_tokens_round_trip,
            profile_snapshots_and_task_times_are_fenced,
            metric_series_are_listed_oldest_first,
            spent_reads_add_up_per_period,
            deletion_requests_round_trip_and_are_replaced_by_code,
            forgetting_a_link_deletes_all_of_it_and_nothing_else
        );
    };
    (@each $make:expr, $field:tt; $($case:ident),+) => {
        $(
            #[tokio::test]
            async fn $case() {
                if let Some(held) = $make.await {
                    $crate::testing::$case($crate::store_conformance_tests!(@store held $field))
                        .await;
                }
            }
        )+
    };
    (@store $held:ident []) => {
        &$held
    };
    (@store $held:ident [$field:ident]) => {
        &$held.$field
    };
}

/// A store that refuses every write once its budget of writes is spent: a
/// worker killed between two steps, for kill-point tests. It remembers the lease
/// it granted and did not see released, so a test knows whether the dead worker
/// still holds its link.
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
    async fn set_link_paused(
        &self,
        id: &LinkId,
        paused_since: Option<Timestamp>,
    ) -> Result<Option<Timestamp>, StoreError> {
        self.spend()?;
        self.inner.set_link_paused(id, paused_since).await
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
    async fn posts_published_since(
        &self,
        link: &LinkId,
        since: Timestamp,
    ) -> Result<Vec<PostRecord>, StoreError> {
        self.inner.posts_published_since(link, since).await
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

    async fn put_deletion_request(&self, request: &DeletionRequest) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.put_deletion_request(request).await
    }

    async fn deletion_request(&self, code: &str) -> Result<Option<DeletionRequest>, StoreError> {
        self.inner.deletion_request(code).await
    }
    async fn forget_link(&self, link: &LinkId) -> Result<ForgetReport, StoreError> {
        self.spend()?;
        self.inner.forget_link(link).await
    }
    async fn oauth1_token(&self, link: &LinkId) -> Result<Option<OAuth1Token>, StoreError> {
        self.inner.oauth1_token(link).await
    }
    async fn put_oauth1_token(&self, link: &LinkId, token: &OAuth1Token) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.put_oauth1_token(link, token).await
    }
    async fn delete_oauth1_token(&self, link: &LinkId) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.delete_oauth1_token(link).await
    }
    async fn profile_snapshot(&self, link: &LinkId) -> Result<Option<ProfileSnapshot>, StoreError> {
        self.inner.profile_snapshot(link).await
    }
    async fn put_profile_snapshot(
        &self,
        lease: &Lease,
        snapshot: &ProfileSnapshot,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.put_profile_snapshot(lease, snapshot, now).await
    }
    async fn last_run(&self, link: &LinkId, task: &str) -> Result<Option<Timestamp>, StoreError> {
        self.inner.last_run(link, task).await
    }
    async fn set_last_run(
        &self,
        lease: &Lease,
        task: &str,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.set_last_run(lease, task, at, now).await
    }
    async fn append_metrics(
        &self,
        lease: &Lease,
        samples: &[MetricSample],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.append_metrics(lease, samples, now).await
    }
    async fn metrics(&self, query: &MetricQuery) -> Result<Vec<MetricSample>, StoreError> {
        self.inner.metrics(query).await
    }
    async fn reads_spent(&self, link: &LinkId, period: &str) -> Result<u64, StoreError> {
        self.inner.reads_spent(link, period).await
    }
    async fn spend_reads(
        &self,
        lease: &Lease,
        periods: &[String],
        count: u64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.spend_reads(lease, periods, count, now).await
    }
}
