//! `render`: X's rules hold for every post it makes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use xpost_core::{MediaItem, MediaKind, MediaType, ProductType, SourcePost};
use xpost_policy::settings::{CaptionUrls, CarouselMode, HashtagSource, Utm};
use xpost_policy::{LinkSettings, RenderNote, render};
use xpost_transform::{Config, extract, parse_tweet};

fn post(caption: &str, media_type: MediaType, media: Vec<MediaItem>) -> SourcePost {
    SourcePost {
        id: "1".parse().unwrap(),
        media_type,
        product_type: ProductType::Feed,
        caption: Some(caption.to_owned()),
        permalink: Some("https://www.instagram.com/p/B38Xyp6nqsS/".to_owned()),
        timestamp: "2025-07-01T11:55:00Z".parse().unwrap(),
        username: None,
        close_friends: false,
        media,
    }
}

fn carousel(images: usize) -> Vec<MediaItem> {
    let mut items: Vec<MediaItem> = (0..images)
        .map(|_| MediaItem::new(MediaKind::Image))
        .collect();
    items.insert(1, MediaItem::new(MediaKind::Video));
    items
}

#[test]
fn carousels_become_four_images_a_thread_or_the_first_image() {
    let p = post("Trip", MediaType::Carousel, carousel(9));
    let mut s = LinkSettings::default();
    let r = render(&p, &s).unwrap();
    assert_eq!(r.posts.len(), 1);
    assert_eq!(r.posts[0].media, vec![0, 2, 3, 4]);
    s.content.carousel = CarouselMode::Thread;
    let r = render(&p, &s).unwrap();
    assert_eq!(
        r.posts.iter().map(|p| p.media.len()).collect::<Vec<_>>(),
        vec![4, 4, 1]
    );
    assert!(r.posts[1].text.is_empty());
    s.content.carousel = CarouselMode::FirstImage;
    assert_eq!(render(&p, &s).unwrap().posts[0].media, vec![0]);
}

#[test]
fn only_one_cashtag_survives() {
    let p = post("Bought $AAPL and $TSLA today", MediaType::Image, vec![]);
    let text = &render(&p, &LinkSettings::default()).unwrap().posts[0].text;
    assert_eq!(extract::cashtags(text).len(), 1, "{text}");
    assert!(text.contains("$AAPL and TSLA"), "{text}");
}

#[test]
fn utm_no_link_hashtags_and_mentions() {
    let mut s = LinkSettings::default();
    s.text.utm = Some(Utm {
        source: "x".into(),
        medium: Some("social media".into()),
        campaign: None,
    });
    s.text.hashtags = HashtagSource::Fixed;
    s.text.fixed_hashtags = vec!["#brand".into(), "news".into()];
    s.text.max_hashtags = 1;
    let p = post("Hello @jane.doe", MediaType::Image, vec![]);
    let text = render(&p, &s).unwrap().posts[0].text.clone();
    assert!(
        text.contains("?utm_source=x&utm_medium=social%20media"),
        "{text}"
    );
    assert!(text.contains("#brand") && !text.contains("#news"), "{text}");
    assert!(extract::mentions(&text).is_empty(), "neutralised: {text}");

    s.text.no_link = true;
    let r = render(&p, &s).unwrap();
    assert!(!r.posts[0].has_url);
    assert!((r.estimated_cost_usd - 0.015).abs() < 1e-9);
}

#[test]
fn long_captions_are_shortened_or_threaded() {
    let caption = "word ".repeat(200);
    let p = post(
        &caption,
        MediaType::Image,
        vec![MediaItem::new(MediaKind::Image)],
    );
    let mut s = LinkSettings::default();
    assert_eq!(render(&p, &s).unwrap().posts.len(), 1);
    s.text.thread = true;
    let r = render(&p, &s).unwrap();
    assert!(r.posts.len() > 1);
    assert_eq!(r.posts[0].media, vec![0]);
    assert!(r.posts.last().unwrap().has_url);
    assert!((r.estimated_cost_usd - (0.015 * (r.posts.len() - 1) as f64 + 0.20)).abs() < 1e-9);
}

fn valid(text: &str, has_media: bool) -> bool {
    (text.is_empty() && has_media) || parse_tweet(text, Config::v3()).valid
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn render_always_yields_valid_posts(
        caption in "(\\PC|[ \\n#@$]|https://ex\\.com/a|\\$[A-Z]{2,4}|#[a-z]{1,8}|@[a-z.]{1,12}){0,120}",
        images in 0usize..10,
        thread in any::<bool>(),
        no_link in any::<bool>(),
        hashtags in 0usize..3,
        mode in 0usize..3,
        template in 0usize..3,
    ) {
        let mut s = LinkSettings::default();
        s.text.template = [
            "{caption}\n\n{permalink}",
            "{caption} #ad\n\n{permalink}",
            "{username}: {caption} {hashtags}",
        ][template]
            .into();
        s.text.thread = thread;
        s.text.no_link = no_link;
        s.text.hashtags = [HashtagSource::None, HashtagSource::Caption, HashtagSource::Fixed][hashtags];
        s.text.fixed_hashtags = vec!["photo".into()];
        s.content.carousel = [CarouselMode::UpTo4, CarouselMode::Thread, CarouselMode::FirstImage][mode];
        let media_type = if images > 1 { MediaType::Carousel } else { MediaType::Image };
        let media = (0..images).map(|_| MediaItem::new(MediaKind::Image)).collect();
        let p = post(&caption, media_type, media);
        if let Ok(r) = render(&p, &s) {
            prop_assert!(!r.posts.is_empty());
            for post in &r.posts {
                prop_assert!(valid(&post.text, !post.media.is_empty()), "invalid: {:?}", post.text);
                prop_assert!(post.media.len() <= 4);
                prop_assert!(extract::cashtags(&post.text).len() <= 1, "{:?}", post.text);
                prop_assert_eq!(post.has_url, !extract::urls(&post.text).is_empty());
            }
        }
    }
}

fn image(caption: &str) -> SourcePost {
    post(
        caption,
        MediaType::Image,
        vec![MediaItem::new(MediaKind::Image)],
    )
}

#[test]
fn template_hashtags_skip_those_in_the_caption_and_template() {
    let mut s = LinkSettings::default();
    s.text.template = "#ad {caption} {hashtags}".into();
    s.text.no_link = true;
    s.text.hashtags = HashtagSource::Fixed;
    s.text.fixed_hashtags = vec!["AD".into(), "Beach".into(), "sun".into()];
    s.text.max_hashtags = 1;
    let text = &render(&image("Day at the #beach"), &s).unwrap().posts[0].text;
    assert_eq!(text, "#ad Day at the #beach #sun");

    s.text.hashtags = HashtagSource::Caption;
    s.text.max_hashtags = 3;
    let text = &render(&image("Day at the #beach #Sun"), &s).unwrap().posts[0].text;
    assert_eq!(text, "#ad Day at the #beach #Sun");
}

#[test]
fn appended_hashtags_skip_duplicates_before_the_cap() {
    let mut s = LinkSettings::default();
    s.text.no_link = true;
    s.text.hashtags = HashtagSource::Fixed;
    s.text.fixed_hashtags = vec!["Beach".into(), "sun".into()];
    s.text.max_hashtags = 1;
    let text = &render(&image("Day at the #BEACH"), &s).unwrap().posts[0].text;
    assert_eq!(text, "Day at the #BEACH\n\n#sun");
}

#[test]
fn no_link_leaves_no_dangling_separator() {
    let mut s = LinkSettings::default();
    s.text.no_link = true;
    let text = &render(&image("Sunset"), &s).unwrap().posts[0].text;
    assert_eq!(text, "Sunset");
    let mut story = image("Sunset");
    story.permalink = None;
    let text = &render(&story, &LinkSettings::default()).unwrap().posts[0].text;
    assert_eq!(text, "Sunset");
}

#[test]
fn no_link_removes_or_keeps_caption_urls_and_bills_what_is_posted() {
    let mut s = LinkSettings::default();
    s.text.no_link = true;
    let p = image("Recipe at https://example.com/tart today");
    let r = render(&p, &s).unwrap();
    assert_eq!(r.posts[0].text, "Recipe at today");
    assert!(!r.posts[0].has_url);
    assert!((r.estimated_cost_usd - 0.015).abs() < 1e-9);
    assert_eq!(r.notes, vec![RenderNote::UrlsRemoved { count: 1 }]);

    s.text.caption_urls = CaptionUrls::Keep;
    let r = render(&p, &s).unwrap();
    assert!(r.posts[0].text.contains("https://example.com/tart"));
    assert!(r.posts[0].has_url);
    assert!((r.estimated_cost_usd - 0.20).abs() < 1e-9);
}

#[test]
fn a_thread_keeps_the_template_text_and_says_when_it_was_cut() {
    let mut s = LinkSettings::default();
    s.text.template = "{caption} #ad\n\n{permalink}".into();
    s.text.thread = true;
    let caption = "A sentence that goes on for a while. ".repeat(12);
    let r = render(&image(&caption), &s).unwrap();
    assert!(r.posts.len() > 1);
    assert!(r.posts[0].text.contains("#ad"), "{:?}", r.posts[0].text);
    assert!(r.posts.iter().all(|p| valid(&p.text, !p.media.is_empty())));
    assert!(r.posts.last().unwrap().has_url);

    s.text.max_thread_posts = 1;
    let r = render(&image(&caption), &s).unwrap();
    assert_eq!(r.posts.len(), 1);
    assert!(r.posts[0].text.contains("#ad"));
    assert!(
        r.notes
            .iter()
            .any(|n| matches!(n, RenderNote::ThreadCut { needed, max: 1 } if *needed > 1)),
        "{:?}",
        r.notes
    );
    assert!(r.notes.contains(&RenderNote::Truncated));
}

#[test]
fn notes_say_what_was_dropped_and_neutralised() {
    let p = post("With @bob", MediaType::Carousel, carousel(5));
    let r = render(&p, &LinkSettings::default()).unwrap();
    assert!(
        r.notes
            .contains(&RenderNote::MentionsNeutralised { count: 1 }),
        "{:?}",
        r.notes
    );
    let dropped: Vec<usize> = r
        .notes
        .iter()
        .filter_map(|n| match n {
            RenderNote::MediaDropped { count, .. } => Some(*count),
            _ => None,
        })
        .collect();
    assert_eq!(
        dropped,
        vec![1, 1],
        "the video, then the fifth image: {:?}",
        r.notes
    );
}

#[test]
fn a_dropped_cashtag_sign_never_pushes_a_post_over_280() {
    // `$https://ex.com/a` weighs 17 as text; without its `$` it is a URL (23).
    let caption = format!("$AAPL {} $https://ex.com/a", "x".repeat(231));
    let r = render(&image(&caption), &LinkSettings::default()).unwrap();
    let text = &r.posts[0].text;
    assert!(
        valid(text, true),
        "{} weighs {}",
        text,
        parse_tweet(text, Config::v3()).weighted_length
    );
    assert_eq!(extract::cashtags(text).len(), 1, "{text}");
}

#[test]
fn a_handle_from_the_template_is_mapped_or_made_inert_like_the_caption() {
    let mut p = post("Sunset", MediaType::Image, vec![]);
    p.username = Some("alice.ig".into());
    let mut s = LinkSettings::default();
    s.text.template = "{caption} by @{username}".into();
    let unmapped = &render(&p, &s).unwrap().posts[0].text;
    assert!(
        extract::mentions(unmapped).is_empty(),
        "an unmapped Instagram handle must not become a live X mention: {unmapped}"
    );
    s.privacy
        .mention_map
        .insert("alice.ig".into(), "alice_on_x".into());
    let mapped = &render(&p, &s).unwrap().posts[0].text;
    let live: Vec<&str> = extract::mentions(mapped)
        .into_iter()
        .map(|m| &mapped[m.value])
        .collect();
    assert_eq!(live, ["alice_on_x"], "{mapped}");
}
