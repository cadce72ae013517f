//! `decide`: every rule, and how rules interact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::civil::time;
use jiff::{SignedDuration, Timestamp};
use xpost_core::{MediaItem, MediaKind, MediaType, ProductType, ReplySettings, SourcePost};
use xpost_policy::settings::{
    AudienceOverride, CarouselFallback, OverCap, Pattern, Tz, VideoFallback,
};
use xpost_policy::{Context, LinkSettings, Outcome, RenderNote, Rule, Verdict, Window, decide};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

const NOW: &str = "2025-07-01T12:00:00Z";

fn post(caption: &str) -> SourcePost {
    SourcePost {
        id: "17895695668004550".parse().unwrap(),
        media_type: MediaType::Image,
        product_type: ProductType::Feed,
        caption: Some(caption.to_owned()),
        permalink: Some("https://www.instagram.com/p/B38Xyp6nqsS/".to_owned()),
        timestamp: ts("2025-07-01T11:55:00Z"),
        username: Some("someone".to_owned()),
        close_friends: false,
        media: vec![MediaItem::new(MediaKind::Image)],
    }
}

fn run(post: &SourcePost, settings: &LinkSettings) -> xpost_policy::Decision {
    decide(post, settings, &Context::default(), ts(NOW))
}

#[test]
fn defaults_post_a_feed_image_at_once() {
    let d = run(&post("Sunset at the beach"), &LinkSettings::default());
    assert_eq!(d.verdict, Verdict::PostNow);
    assert_eq!(d.rule, Rule::Default);
    let cost = d.estimated_cost_usd();
    let rendered = d.rendered.unwrap();
    assert_eq!(rendered.posts.len(), 1);
    assert!(rendered.posts[0].text.starts_with("Sunset at the beach"));
    assert!(rendered.posts[0].has_url);
    assert!((cost - 0.20).abs() < 1e-9);
}

#[test]
fn stories_are_off_by_default_and_can_be_enabled() {
    let mut story = post("behind the scenes");
    story.product_type = ProductType::Story;
    let d = run(&story, &LinkSettings::default());
    assert_eq!((d.verdict, d.rule), (Verdict::Skip, Rule::Stories));
    let mut s = LinkSettings::default();
    s.content.stories = true;
    assert_eq!(run(&story, &s).verdict, Verdict::PostNow);
}

#[test]
fn close_friends_content_is_never_shared() {
    let mut p = post("just us");
    p.close_friends = true;
    assert_eq!(run(&p, &LinkSettings::default()).rule, Rule::CloseFriends);
    // Not even as an approved story or a backfill, nor with the key turned on.
    p.product_type = xpost_core::ProductType::Story;
    let mut s = LinkSettings::default();
    s.content.stories = true;
    s.privacy.close_friends = true;
    assert!(s.validate().is_err(), "the key cannot turn sharing on");
    let ctx = Context {
        approved: true,
        backfill: true,
        ..Context::default()
    };
    let d = decide(&p, &s, &ctx, p.timestamp);
    assert_eq!((d.verdict, d.rule), (Verdict::Skip, Rule::CloseFriends));
}

#[test]
fn content_types_can_be_turned_off() {
    let mut s = LinkSettings::default();
    s.content.reels = false;
    let mut reel = post("reel");
    reel.media_type = MediaType::Video;
    reel.product_type = ProductType::Reels;
    reel.media = vec![MediaItem::new(MediaKind::Video)];
    let d = run(&reel, &s);
    assert_eq!((d.verdict, d.rule), (Verdict::Skip, Rule::ContentType));
    assert!(d.reason.contains("reels"), "{}", d.reason);
    assert_eq!(run(&post("image"), &s).verdict, Verdict::PostNow);
}

#[test]
fn videos_x_cannot_take_are_skipped_with_the_reason_or_linked() {
    let mut reel = post("long one");
    reel.media_type = MediaType::Video;
    reel.product_type = ProductType::Reels;
    let mut video = MediaItem::new(MediaKind::Video);
    video.duration_ms = Some(200_000);
    reel.media = vec![video];
    let d = run(&reel, &LinkSettings::default());
    assert_eq!((d.verdict, d.rule), (Verdict::Skip, Rule::UnsupportedVideo));
    assert!(d.reason.contains("140 s"), "{}", d.reason);

    let mut s = LinkSettings::default();
    s.content.unsupported_video = VideoFallback::Link;
    let d = run(&reel, &s);
    assert_eq!(d.verdict, Verdict::PostNow);
    let post = &d.rendered.unwrap().posts[0];
    assert!(post.media.is_empty());
    assert!(post.text.contains("instagram.com/p/"));
}

#[test]
fn the_opt_out_tag_beats_an_include_hashtag() {
    let mut s = LinkSettings::default();
    s.filters.include_hashtags = vec!["travel".into()];
    let d = run(&post("Lisbon #travel #NoXPost"), &s);
    assert_eq!((d.verdict, d.rule), (Verdict::Skip, Rule::OptOutTag));
    assert_eq!(run(&post("Lisbon #travel"), &s).verdict, Verdict::PostNow);
    let d = run(&post("Lisbon #food"), &s);
    assert_eq!(d.rule, Rule::IncludeHashtags);
}

#[test]
fn opt_in_mode_needs_the_tag_and_removes_it_from_the_text() {
    let mut s = LinkSettings::default();
    s.filters.opt_in_tag = "#x".into();
    assert_eq!(run(&post("no tag here"), &s).rule, Rule::OptInTag);
    let d = run(&post("Going out #x tonight"), &s);
    assert_eq!(d.verdict, Verdict::PostNow);
    let text = &d.rendered.unwrap().posts[0].text;
    assert!(text.starts_with("Going out tonight"), "{text}");
}

#[test]
fn exclude_rules_skip_and_include_rules_select() {
    let mut s = LinkSettings::default();
    s.filters.exclude_hashtags = vec!["ad".into()];
    s.filters.exclude_keywords = vec!["Sponsored".into()];
    s.filters.exclude_regex = vec![Pattern::new(r"(?i)\bpromo code\b").unwrap()];
    assert_eq!(run(&post("new shoes #AD"), &s).rule, Rule::ExcludeHashtags);
    assert_eq!(
        run(&post("this is sponsored."), &s).rule,
        Rule::ExcludeKeywords
    );
    assert_eq!(run(&post("use Promo Code X"), &s).rule, Rule::ExcludeRegex);
    // Whole words only.
    assert_eq!(run(&post("unsponsoredly"), &s).verdict, Verdict::PostNow);

    let mut s = LinkSettings::default();
    s.filters.include_keywords = vec!["cat".into()];
    s.filters.include_regex = vec![Pattern::new("meow").unwrap()];
    assert_eq!(run(&post("a dog"), &s).rule, Rule::IncludeKeywords);
    assert_eq!(run(&post("a cat"), &s).rule, Rule::IncludeRegex);
    assert_eq!(run(&post("a cat says meow"), &s).verdict, Verdict::PostNow);
}

#[test]
fn blocked_words_need_review() {
    let mut s = LinkSettings::default();
    s.privacy.blocked_words = vec!["address".into()];
    let d = run(&post("my new Address is ..."), &s);
    assert_eq!(
        (d.verdict, d.rule),
        (Verdict::NeedsReview, Rule::BlockedWords)
    );
    assert_eq!(d.estimated_cost_usd(), 0.0);
}

#[test]
fn posts_older_than_the_link_are_not_shared_unless_backfilled() {
    let ctx = Context {
        linked_at: Some(ts("2025-07-01T11:58:00Z")),
        ..Context::default()
    };
    let p = post("old");
    let s = LinkSettings::default();
    assert_eq!(decide(&p, &s, &ctx, ts(NOW)).rule, Rule::OlderThanLink);
    let backfill = Context {
        backfill: true,
        ..ctx
    };
    assert_eq!(decide(&p, &s, &backfill, ts(NOW)).verdict, Verdict::PostNow);
}

#[test]
fn age_limits_skip_old_posts_and_hold_young_ones() {
    let mut s = LinkSettings::default();
    s.filters.max_age = Some(SignedDuration::from_mins(2));
    assert_eq!(run(&post("x"), &s).rule, Rule::MaxAge);
    let mut s = LinkSettings::default();
    s.filters.min_age = Some(SignedDuration::from_mins(10));
    let d = run(&post("x"), &s);
    assert_eq!(d.verdict, Verdict::PostAt(ts("2025-07-01T12:05:00Z")));
    assert_eq!(d.rule, Rule::MinAge);
}

#[test]
fn the_delay_counts_from_first_seen() {
    let mut s = LinkSettings::default();
    s.schedule.delay = Some(SignedDuration::from_mins(15));
    let ctx = Context {
        first_seen: Some(ts("2025-07-01T11:50:00Z")),
        ..Context::default()
    };
    let d = decide(&post("x"), &s, &ctx, ts(NOW));
    assert_eq!(
        (d.verdict, d.rule),
        (Verdict::PostAt(ts("2025-07-01T12:05:00Z")), Rule::Delay)
    );
    let later = decide(&post("x"), &s, &ctx, ts("2025-07-01T12:06:00Z"));
    assert_eq!(later.verdict, Verdict::PostNow);
}

#[test]
fn quiet_hours_move_a_post_never_drop_it() {
    let mut s = LinkSettings::default();
    s.schedule.time_zone = Tz::new("America/New_York").unwrap();
    s.schedule.quiet_hours = vec![Window::new(time(22, 0, 0, 0), time(7, 0, 0, 0))];
    // 03:00 UTC is 23:00 in New York (EDT, -04:00): quiet until 07:00 local = 11:00 UTC.
    let now = ts("2025-07-02T03:00:00Z");
    let mut p = post("night owl");
    p.timestamp = ts("2025-07-02T02:59:00Z");
    let d = decide(&p, &s, &Context::default(), now);
    assert_eq!(d.verdict, Verdict::PostAt(ts("2025-07-02T11:00:00Z")));
    assert_eq!(d.rule, Rule::QuietHours);
    assert!(d.rendered.is_some());
}

#[test]
fn posting_windows_and_spacing_and_the_daily_cap_combine() {
    let mut s = LinkSettings::default();
    s.schedule.posting_windows = vec![Window::new(time(9, 0, 0, 0), time(18, 0, 0, 0))];
    s.schedule.min_spacing = Some(SignedDuration::from_hours(2));
    s.filters.max_posts_per_day = Some(2);
    // Last post at 11:00; spacing moves to 13:00.
    let ctx = Context {
        recent_posts: vec![ts("2025-07-01T11:00:00Z")],
        ..Context::default()
    };
    let d = decide(&post("x"), &s, &ctx, ts(NOW));
    assert_eq!(
        (d.verdict, d.rule),
        (
            Verdict::PostAt(ts("2025-07-01T13:00:00Z")),
            Rule::MinSpacing
        )
    );
    // Two posts today: the cap moves it to tomorrow, then the window to 09:00.
    let ctx = Context {
        recent_posts: vec![ts("2025-07-01T09:00:00Z"), ts("2025-07-01T10:00:00Z")],
        ..Context::default()
    };
    let d = decide(&post("x"), &s, &ctx, ts(NOW));
    assert_eq!(
        (d.verdict, d.rule),
        (
            Verdict::PostAt(ts("2025-07-02T09:00:00Z")),
            Rule::PostingWindows
        )
    );
    // With the cap set to skip, it is dropped instead.
    s.filters.on_daily_cap = OverCap::Skip;
    let d = decide(&post("x"), &s, &ctx, ts(NOW));
    assert_eq!((d.verdict, d.rule), (Verdict::Skip, Rule::DailyCap));
}

#[test]
fn peak_hours_queue_to_the_next_window_within_the_wait_limit() {
    let mut s = LinkSettings::default();
    s.schedule.peak_hours = vec![Window::new(time(18, 0, 0, 0), time(20, 0, 0, 0))];
    let d = run(&post("x"), &s);
    assert_eq!(
        (d.verdict, d.rule),
        (Verdict::PostAt(ts("2025-07-01T18:00:00Z")), Rule::PeakHours)
    );
    s.schedule.peak_max_wait = SignedDuration::from_hours(1);
    assert_eq!(run(&post("x"), &s).verdict, Verdict::PostNow);
}

#[test]
fn the_monthly_cap_waits_for_next_month_or_skips() {
    let mut s = LinkSettings::default();
    s.cost.monthly_cap_usd = Some(10.0);
    let ctx = Context {
        spent_this_month_usd: 9.90,
        ..Context::default()
    };
    let d = decide(&post("x"), &s, &ctx, ts(NOW));
    assert_eq!(
        (d.verdict, d.rule),
        (
            Verdict::PostAt(ts("2025-08-01T00:00:00Z")),
            Rule::MonthlyCap
        )
    );
    // The wait names what was spent, the cap and the post's price.
    for figure in ["$9.900", "$10.00", "$0.200"] {
        assert!(d.reason.contains(figure), "{figure} in {}", d.reason);
    }
    // Without the link the post costs 0.015 and fits.
    s.text.no_link = true;
    let d = decide(&post("x"), &s, &ctx, ts(NOW));
    assert_eq!(d.verdict, Verdict::PostNow);
    assert!((d.estimated_cost_usd() - 0.015).abs() < 1e-9);
    s.text.no_link = false;
    s.cost.on_cap = OverCap::Skip;
    assert_eq!(decide(&post("x"), &s, &ctx, ts(NOW)).verdict, Verdict::Skip);
}

#[test]
fn audience_has_link_defaults_and_per_tag_overrides() {
    let mut s = LinkSettings::default();
    s.audience.reply_settings = ReplySettings::Verified;
    s.audience.tags.insert(
        "#Friends".into(),
        AudienceOverride {
            reply_settings: Some(ReplySettings::Following),
            community_id: None,
        },
    );
    assert_eq!(
        run(&post("hello"), &s).audience.reply_settings,
        ReplySettings::Verified
    );
    assert_eq!(
        run(&post("party #friends"), &s).audience.reply_settings,
        ReplySettings::Following
    );
}

#[test]
fn the_repeated_hour_is_held_until_the_same_night() {
    let mut s = LinkSettings::default();
    s.schedule.time_zone = Tz::new("Europe/Paris").unwrap();
    s.schedule.quiet_hours = vec![Window::new(time(23, 0, 0, 0), time(2, 30, 0, 0))];
    let mut p = post("late");
    // 01:10Z on 2025-10-26 is the second 02:10 in Paris (CET, after the fall-back).
    p.timestamp = ts("2025-10-26T01:00:00Z");
    let d = decide(&p, &s, &Context::default(), ts("2025-10-26T01:10:00Z"));
    assert_eq!(
        (d.verdict, d.rule),
        (
            Verdict::PostAt(ts("2025-10-26T01:30:00Z")),
            Rule::QuietHours
        )
    );
    // Spring forward: 02:30 does not exist on 2025-03-30; the night ends at 03:00 CEST.
    p.timestamp = ts("2025-03-30T00:00:00Z");
    let d = decide(&p, &s, &Context::default(), ts("2025-03-30T00:10:00Z"));
    assert_eq!(d.verdict, Verdict::PostAt(ts("2025-03-30T01:00:00Z")));
}

#[test]
fn max_age_holds_at_the_decided_time_too() {
    let mut s = LinkSettings::default();
    s.filters.max_age = Some(SignedDuration::from_hours(6));
    s.schedule.quiet_hours = vec![Window::new(time(13, 0, 0, 0), time(23, 0, 0, 0))];
    let mut p = post("x");
    p.timestamp = ts("2025-07-01T10:00:00Z");
    // At 13:00 it is quiet until 23:00, 13 hours after it was published.
    let d = decide(&p, &s, &Context::default(), ts("2025-07-01T13:00:00Z"));
    assert_eq!((d.verdict, d.rule), (Verdict::Skip, Rule::MaxAge));
    assert!(d.reason.contains("2025-07-01T16:00:00Z"), "{}", d.reason);
    // Before the quiet hours it goes at once.
    let d = decide(&p, &s, &Context::default(), ts("2025-07-01T12:00:00Z"));
    assert_eq!(d.verdict, Verdict::PostNow);
}

#[test]
fn a_backfill_bypasses_max_age() {
    let mut s = LinkSettings::default();
    s.filters.max_age = Some(SignedDuration::from_mins(2));
    let backfill = Context {
        backfill: true,
        ..Context::default()
    };
    assert_eq!(run(&post("x"), &s).rule, Rule::MaxAge);
    assert_eq!(
        decide(&post("x"), &s, &backfill, ts(NOW)).verdict,
        Verdict::PostNow
    );
    s.schedule.quiet_hours = vec![Window::new(time(12, 0, 0, 0), time(13, 0, 0, 0))];
    let d = decide(&post("x"), &s, &backfill, ts(NOW));
    assert_eq!(d.verdict, Verdict::PostAt(ts("2025-07-01T13:00:00Z")));
}

#[test]
fn a_post_dearer_than_the_whole_cap_is_skipped_not_held_forever() {
    let mut s = LinkSettings::default();
    s.cost.monthly_cap_usd = Some(0.21);
    s.text.thread = true;
    s.text.permalink_in = xpost_policy::settings::PermalinkPlacement::First;
    let long = "A sentence that goes on for a while. ".repeat(12);
    let d = run(&post(&long), &s);
    assert_eq!((d.verdict, d.rule), (Verdict::Skip, Rule::MonthlyCap));
    assert!(d.reason.contains("could never go"), "{}", d.reason);
}

#[test]
fn needs_review_carries_the_posts_and_an_approval_posts_them() {
    let mut s = LinkSettings::default();
    s.privacy.blocked_words = vec!["address".into()];
    s.audience.reply_settings = ReplySettings::Following;
    let p = post("my new Address is ...");
    let d = run(&p, &s);
    assert_eq!(d.verdict, Verdict::NeedsReview);
    let rendered = d.rendered.expect("a reviewer sees the posts");
    assert!(rendered.posts[0].text.starts_with("my new Address"));
    assert_eq!(d.audience.reply_settings, ReplySettings::Following);

    let approved = Context {
        approved: true,
        ..Context::default()
    };
    let d = decide(&p, &s, &approved, ts(NOW));
    assert_eq!(d.verdict, Verdict::PostNow);
    assert_eq!(d.rendered.unwrap().posts, rendered.posts);
    // Approval lifts only the review: other rules still apply.
    let d = decide(&post("my Address #noxpost"), &s, &approved, ts(NOW));
    assert_eq!(d.rule, Rule::OptOutTag);
}

#[test]
fn the_delay_counts_from_the_post_when_first_seen_is_unknown() {
    let mut s = LinkSettings::default();
    s.schedule.delay = Some(SignedDuration::from_mins(10));
    // Published 11:55, so the delay ends 12:05 however late it is decided.
    let d = run(&post("x"), &s);
    assert_eq!(d.verdict, Verdict::PostAt(ts("2025-07-01T12:05:00Z")));
    let d = decide(
        &post("x"),
        &s,
        &Context::default(),
        ts("2025-07-01T12:07:00Z"),
    );
    assert_eq!(d.verdict, Verdict::PostNow);
}

fn video_carousel(caption: Option<&str>) -> SourcePost {
    let mut p = post("");
    p.caption = caption.map(str::to_owned);
    p.media_type = MediaType::Carousel;
    p.media = vec![
        MediaItem::new(MediaKind::Video),
        MediaItem::new(MediaKind::Video),
    ];
    p
}

#[test]
fn a_carousel_x_cannot_take_is_skipped_or_posts_text_only_when_asked() {
    let s = LinkSettings::default();
    let d = run(&video_carousel(None), &s);
    assert_eq!(
        (d.verdict, d.rule),
        (Verdict::Skip, Rule::UnsupportedCarousel)
    );
    assert!(d.reason.contains("no caption"), "{}", d.reason);
    let d = run(&video_carousel(Some("Clips from the trip")), &s);
    assert_eq!(
        (d.verdict, d.rule),
        (Verdict::Skip, Rule::UnsupportedCarousel)
    );

    let mut s = LinkSettings::default();
    s.content.unsupported_carousel = CarouselFallback::Text;
    assert_eq!(run(&video_carousel(None), &s).verdict, Verdict::Skip);
    let d = run(&video_carousel(Some("Clips from the trip")), &s);
    assert_eq!(d.verdict, Verdict::PostNow);
    let rendered = d.rendered.unwrap();
    assert!(rendered.posts[0].media.is_empty());
    assert!(rendered.posts[0].text.starts_with("Clips from the trip"));
    assert!(matches!(
        rendered.notes[0],
        RenderNote::MediaDropped { count: 2, .. }
    ));
}

#[test]
fn the_trace_lists_each_rule_looked_at() {
    let mut s = LinkSettings::default();
    s.schedule.delay = Some(SignedDuration::from_mins(10));
    let d = run(&post("x"), &s);
    let rules: Vec<Rule> = d.trace.iter().map(|t| t.rule).collect();
    assert_eq!(
        rules,
        vec![Rule::ContentType, Rule::OptOutTag, Rule::Text, Rule::Delay]
    );
    assert_eq!(d.trace[3].outcome, Outcome::Held);
    assert_eq!(d.trace[3].until, Some(ts("2025-07-01T12:05:00Z")));
}
