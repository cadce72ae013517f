//! X as a core `Target`, against the in-process emulator: media streamed from
//! the Instagram source, posts and replies recognised by what X returned.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;

use adapters_support::{config, link, link_instagram, link_x, publish, start, store};
use jiff::Timestamp;
use xpost_core::{MediaUpload, OutgoingPost, RemoteError, ReplySettings, Source, Target};
use xpost_emulator::{Emulator, Fault, Platform, RunningEmulator};
use xpost_engine::adapters::{XTarget, instagram_source, x_target};

async fn target(emu: &RunningEmulator) -> (XTarget, String) {
    let config = config(emu);
    let store = store();
    let user = link_x(emu, &config, store.as_ref(), &link(), "mariax").await;
    (x_target(store, &link(), &config).await.unwrap(), user)
}

fn emulator_now(emu: &RunningEmulator) -> Timestamp {
    Timestamp::from_millisecond(emu.admin().now_ms()).unwrap()
}

#[tokio::test]
async fn publishes_media_and_a_reply_and_recognises_both_in_its_timeline() {
    let emu = start(Emulator::builder()).await;
    let config = config(&emu);
    let store = store();
    let ig_user = link_instagram(&emu, &config, store.as_ref(), &link(), "maria").await;
    link_x(&emu, &config, store.as_ref(), &link(), "mariax").await;
    let source = instagram_source(store.as_ref(), &link(), &config)
        .await
        .unwrap();
    let target = x_target(store, &link(), &config).await.unwrap();
    let since = emulator_now(&emu);

    publish(&emu, &ig_user, "IMAGE", "Sunset");
    let post = source.new_posts(None, None, 1).await.unwrap().remove(0);
    let body = source.media(&post, &post.media[0]).await.unwrap();
    let length = body.length.unwrap();
    let media = target
        .upload(MediaUpload {
            body,
            length,
            alt_text: Some("A grey square".into()),
        })
        .await
        .unwrap();

    let first = OutgoingPost {
        text: "Sunset at the pier https://www.instagram.com/p/B38Xyp6nqsS/ & more".into(),
        media: vec![media],
        reply_to: None,
        reply_settings: ReplySettings::Everyone,
    };
    let published = target.publish(&first).await.unwrap();
    assert!(
        published.text.contains("https://t.co/") && !published.text.contains("instagram.com"),
        "X wraps links: {}",
        published.text
    );
    assert!(target.matches(&published, &first));

    let second = OutgoingPost {
        text: "2/2 more at example.com".into(),
        media: Vec::new(),
        reply_to: Some(published.id.clone()),
        reply_settings: ReplySettings::Following,
    };
    let reply = target.publish(&second).await.unwrap();
    assert!(target.matches(&reply, &second));
    assert!(!target.matches(&reply, &first));

    let recent = target.own_recent(since).await.unwrap();
    assert_eq!(recent.len(), 2, "{recent:?}");
    let found_first = recent.iter().find(|p| target.matches(p, &first)).unwrap();
    assert_eq!(found_first.id, published.id);
    assert_eq!(found_first.media_count, 1);
    let found_reply = recent.iter().find(|p| target.matches(p, &second)).unwrap();
    assert_eq!(found_reply.id, reply.id);
    assert_eq!(found_reply.reply_to.as_ref(), Some(&published.id));

    let tweets = emu.admin().x_tweets();
    let sent = tweets
        .iter()
        .find(|t| t.id == published.id.as_str())
        .unwrap();
    assert_eq!(sent.media[0].alt_text.as_deref(), Some("A grey square"));
    let (content_type, bytes) = emu.admin().x_media(&sent.media[0].media_key).unwrap();
    assert_eq!(content_type, "image/jpeg");
    assert_eq!(bytes.len() as u64, length, "the Instagram bytes, whole");
    let replied = tweets.iter().find(|t| t.id == reply.id.as_str()).unwrap();
    assert_eq!(replied.in_reply_to.as_deref(), Some(published.id.as_str()));
    assert_eq!(replied.reply_settings.as_deref(), Some("following"));

    // Nothing older than the window comes back.
    emu.admin().advance_clock(3_600).unwrap();
    assert!(
        target
            .own_recent(emulator_now(&emu))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn deleting_twice_succeeds() {
    let emu = start(Emulator::builder()).await;
    let (target, _) = target(&emu).await;
    let post = OutgoingPost {
        text: "to be deleted".into(),
        media: Vec::new(),
        reply_to: None,
        reply_settings: ReplySettings::Everyone,
    };
    let published = target.publish(&post).await.unwrap();
    target.delete(&published.id).await.unwrap();
    target.delete(&published.id).await.unwrap();
    let tweets = emu.admin().x_tweets();
    assert!(tweets.iter().all(|t| t.deleted));
}

#[tokio::test]
async fn duplicate_text_is_a_duplicate() {
    let emu = start(Emulator::builder()).await;
    let (target, _) = target(&emu).await;
    let post = OutgoingPost {
        text: "said once".into(),
        media: Vec::new(),
        reply_to: None,
        reply_settings: ReplySettings::Everyone,
    };
    target.publish(&post).await.unwrap();
    let err = target.publish(&post).await.unwrap_err();
    assert!(matches!(err, RemoteError::Duplicate { .. }), "{err:?}");
}

#[tokio::test]
async fn too_many_requests_is_rate_limited_until_the_reset() {
    let emu = start(Emulator::builder()).await;
    let (target, _) = target(&emu).await;
    emu.admin()
        .add_fault(Fault {
            platform: Platform::X,
            path_prefix: "/2/tweets".into(),
            status: 429,
            count: 1,
            latency_ms: 0,
            retry_after_s: 90,
        })
        .unwrap();
    let now = emulator_now(&emu);
    let post = OutgoingPost {
        text: "later".into(),
        media: Vec::new(),
        reply_to: None,
        reply_settings: ReplySettings::Everyone,
    };
    match target.publish(&post).await {
        Err(RemoteError::RateLimited {
            until: Some(until), ..
        }) => {
            let wait = now.duration_until(until).as_secs();
            assert!((85..=95).contains(&wait), "{wait}s");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_revoked_grant_needs_a_new_login() {
    let emu = start(Emulator::builder()).await;
    let (target, user) = target(&emu).await;
    assert_eq!(target.profile().await.unwrap().username, "mariax");
    emu.admin().revoke(Platform::X, &user).unwrap();
    let err = target.profile().await.unwrap_err();
    assert!(matches!(err, RemoteError::Reauth { .. }), "{err:?}");
}
