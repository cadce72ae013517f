//! Loading settings files: the example file, and errors that name file, line and key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use jiff::SignedDuration;
use xpost_core::{LinkId, ReplySettings};
use xpost_policy::settings::{CaptionUrls, CarouselFallback, CarouselMode, HashtagSource, OverCap};
use xpost_policy::{LinkSettings, PolicyConfig, PolicyError};

fn example() -> PolicyConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/xpost.toml");
    PolicyConfig::load(&path).unwrap()
}

fn load_err(text: &str) -> (usize, String, String) {
    match PolicyConfig::from_toml_str(text, "test.toml") {
        Err(PolicyError::Config {
            file,
            line,
            key,
            message,
            ..
        }) => {
            assert_eq!(file, "test.toml");
            (line, key, message)
        }
        other => panic!("expected a located error, got {other:?}"),
    }
}

#[test]
fn the_example_file_loads_with_its_values() {
    let config = example();
    let d = config.defaults();
    assert!(!d.content.stories);
    assert_eq!(d.content.carousel, CarouselMode::UpTo4);
    assert_eq!(d.content.unsupported_carousel, CarouselFallback::Skip);
    assert_eq!(d.filters.max_age, Some(SignedDuration::from_hours(36)));
    assert_eq!(d.schedule.time_zone.name(), "Europe/Paris");
    assert_eq!(d.schedule.quiet_hours.len(), 1);
    assert_eq!(d.cost.monthly_cap_usd, Some(25.0));
    assert_eq!(
        d.audience.tags["friends"].reply_settings,
        Some(ReplySettings::Following)
    );

    let brand = config.defined_link("brand").unwrap();
    // Own keys override, the rest comes from [defaults].
    assert_eq!(brand.filters.opt_in_tag, "x");
    assert_eq!(brand.filters.max_posts_per_day, Some(4));
    assert_eq!(brand.filters.max_age, Some(SignedDuration::from_hours(36)));
    assert_eq!(brand.filters.on_daily_cap, OverCap::Wait);
    assert_eq!(brand.text.hashtags, HashtagSource::Fixed);
    assert!(brand.text.no_link);
    assert_eq!(brand.text.caption_urls, CaptionUrls::Remove);
    assert_eq!(brand.schedule.time_zone.name(), "Europe/Paris");
    assert_eq!(brand.schedule.peak_hours.len(), 2);
    assert_eq!(
        brand.schedule.min_spacing,
        Some(SignedDuration::from_hours(1))
    );
    assert_eq!(brand.text.utm.as_ref().unwrap().source, "x");

    // A link the file does not name gets the defaults.
    assert_eq!(config.link(&LinkId::new("other").unwrap()), d);
    assert!(matches!(
        config.defined_link("nope"),
        Err(PolicyError::UnknownLink(..))
    ));
}

#[test]
fn no_file_means_the_documented_defaults() {
    let config = PolicyConfig::from_toml_str("", "empty.toml").unwrap();
    let d = config.defaults();
    assert_eq!(d, &LinkSettings::default());
    assert!(d.content.feed_images && d.content.carousels && d.content.videos && d.content.reels);
    assert!(!d.content.stories);
    assert_eq!(d.filters.opt_out_tag, "noxpost");
    assert!(d.schedule.quiet_hours.is_empty() && d.schedule.delay.is_none());
    assert!(d.privacy.strip_metadata);
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let (line, key, message) =
        load_err("[defaults.filters]\nopt_out_tag = \"no\"\nexclude_tags = [\"a\"]\n");
    assert_eq!(line, 3);
    assert_eq!(key, "defaults.filters.exclude_tags");
    assert!(message.contains("unknown field"), "{message}");
}

#[test]
fn an_unknown_key_in_a_link_is_named() {
    let (line, key, _) = load_err("[links.main]\ncontent = { stories = true, storys = false }\n");
    assert_eq!(line, 2);
    assert_eq!(key, "links.main.content.storys");
}

#[test]
fn a_wrong_type_is_named() {
    let (line, key, message) = load_err("\n[defaults.content]\nstories = \"yes\"\n");
    assert_eq!(line, 3);
    assert_eq!(key, "defaults.content.stories");
    assert!(message.contains("bool"), "{message}");
}

#[test]
fn a_bad_time_zone_and_a_bad_regex_are_named() {
    let (line, key, message) = load_err("[defaults.schedule]\ntime_zone = \"Mars/Olympus\"\n");
    assert_eq!((line, key.as_str()), (2, "defaults.schedule.time_zone"));
    assert!(message.contains("Mars/Olympus"), "{message}");
    let (line, key, _) = load_err("[links.a.filters]\n\nexclude_regex = [\"ok\", \"(\"]\n");
    assert_eq!(line, 3);
    assert!(key.starts_with("links.a.filters.exclude_regex"), "{key}");
}

#[test]
fn quiet_hours_covering_the_day_are_refused() {
    let (line, key, message) = load_err(
        "[defaults.schedule]\ntime_zone = \"UTC\"\nquiet_hours = [{ start = \"00:00\", end = \"12:00\" }, { start = \"12:00\", end = \"00:00\" }]\n",
    );
    assert_eq!(line, 3);
    assert_eq!(key, "defaults.schedule.quiet_hours");
    assert!(message.contains("whole day"), "{message}");
}

#[test]
fn an_impossible_value_inherited_from_defaults_points_at_the_link_that_breaks() {
    // The windows are fine alone; the link's quiet hours close its only window.
    let text = "[defaults.schedule]\nposting_windows = [{ start = \"09:00\", end = \"17:00\" }]\n\n[links.night.schedule]\nquiet_hours = [{ start = \"08:00\", end = \"18:00\" }]\n";
    let (line, key, message) = load_err(text);
    assert_eq!(key, "defaults.schedule.posting_windows");
    assert_eq!(line, 2);
    assert!(message.contains("links.night"), "{message}");
}

#[test]
fn a_template_over_280_is_refused() {
    let long = "x".repeat(281);
    let (line, key, message) = load_err(&format!(
        "[links.a.text]\ntemplate = \"{long}{{caption}}\"\n"
    ));
    assert_eq!((line, key.as_str()), (2, "links.a.text.template"));
    assert!(message.contains("281"), "{message}");
}

#[test]
fn other_impossible_values_are_refused() {
    let cases = [
        (
            "[defaults.filters]\nmax_posts_per_day = 0\n",
            "defaults.filters.max_posts_per_day",
        ),
        (
            "[defaults.filters]\nmin_age = \"2h\"\nmax_age = \"1h\"\n",
            "defaults.filters.max_age",
        ),
        (
            "[defaults.filters]\nopt_in_tag = \"#NoXPost\"\n",
            "defaults.filters.opt_in_tag",
        ),
        (
            "[defaults.cost]\nmonthly_cap_usd = -1.0\n",
            "defaults.cost.monthly_cap_usd",
        ),
        (
            "[defaults.text]\nmax_thread_posts = 0\n",
            "defaults.text.max_thread_posts",
        ),
        (
            "[defaults.text]\ntemplate = \"{caption\"\n",
            "defaults.text.template",
        ),
        (
            "[defaults.schedule]\nquiet_hours = [{ start = \"10:00\", end = \"10:00\" }]\n",
            "defaults.schedule.quiet_hours",
        ),
        (
            "[defaults.audience]\nreply_settings = \"friends\"\n",
            "defaults.audience.reply_settings",
        ),
        (
            "[defaults.content]\ncarousel = \"all\"\n",
            "defaults.content.carousel",
        ),
        (
            "[defaults.privacy]\nmentions = \"keep\"\nmention_map = { a = \"b\" }\n",
            "defaults.privacy.mention_map",
        ),
        ("[links.\"bad name\"]\n", "links.bad name"),
        ("[general]\n", "general"),
    ];
    for (text, want) in cases {
        let (_, key, _) = load_err(text);
        assert_eq!(key, want, "for {text:?}");
    }
}

#[test]
fn bad_toml_is_located() {
    let (line, _, _) = load_err("[defaults]\n\nstories = = true\n");
    assert_eq!(line, 3);
}

#[test]
fn a_missing_file_says_which() {
    let err = PolicyConfig::load(Path::new("/nonexistent/xpost.toml")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/xpost.toml"), "{err}");
}

#[test]
fn a_monthly_cap_below_one_post_is_a_configuration_error() {
    for cap in ["0.0", "0.10"] {
        let (line, key, message) = load_err(&format!("[defaults.cost]\nmonthly_cap_usd = {cap}\n"));
        assert_eq!((line, key.as_str()), (2, "defaults.cost.monthly_cap_usd"));
        assert!(message.contains("below the price of one post"), "{message}");
    }
    // Without links, one post costs per_post_usd, so a small cap works.
    let ok = "[defaults.cost]\nmonthly_cap_usd = 0.10\n[defaults.text]\nno_link = true\n";
    assert!(PolicyConfig::from_toml_str(ok, "test.toml").is_ok());
}

#[test]
fn new_keys_load_from_toml() {
    let text = "[defaults.content]\nunsupported_carousel = \"text\"\n[defaults.text]\nno_link = true\ncaption_urls = \"keep\"\n";
    let config = PolicyConfig::from_toml_str(text, "test.toml").unwrap();
    let d = config.defaults();
    assert_eq!(d.content.unsupported_carousel, CarouselFallback::Text);
    assert_eq!(d.text.caption_urls, CaptionUrls::Keep);
}

#[test]
fn every_toml_example_in_the_configuration_guide_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md");
    let guide = std::fs::read_to_string(path).unwrap();
    let blocks: Vec<&str> = guide
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    assert!(blocks.len() >= 5, "found {}", blocks.len());
    for block in blocks {
        if let Err(e) = PolicyConfig::from_toml_str(block, "configuration.md") {
            panic!("{e}\n{block}");
        }
    }
}

#[test]
fn backlog_and_stories_settings_load_and_bad_values_name_their_key() {
    let d = example().defaults().clone();
    assert_eq!(d.backlog.mode, xpost_policy::backlog::BacklogMode::Spread);
    assert_eq!(d.backlog.spread, SignedDuration::from_hours(6));
    assert_eq!(d.stories.poll_within, SignedDuration::from_hours(1));
    let fresh = LinkSettings::default();
    assert_eq!(fresh.backlog.mode, xpost_policy::backlog::BacklogMode::All);

    let (_, key, message) = load_err("[defaults.backlog]\nmode = \"newest\"\nnewest = 0\n");
    assert!(key.ends_with("backlog.newest"), "{key}: {message}");
    let (_, key, _) = load_err("[defaults.stories]\npoll_within = \"25h\"\n");
    assert!(key.ends_with("stories.poll_within"), "{key}");
    let (_, key, message) = load_err("[defaults.privacy]\nclose_friends = true\n");
    assert!(key.ends_with("privacy.close_friends"), "{key}");
    assert!(message.contains("never shared"), "{message}");
    assert!(
        PolicyConfig::from_toml_str("[defaults.backlog]\nmode = \"flood\"\n", "test.toml").is_err()
    );
    // Days are written as the docs write them, in backlog as in sync.
    let week = PolicyConfig::from_toml_str(
        "[defaults.backlog]\nspread = \"7d\"\nafter_gap = \"1d 12h\"\n",
        "test.toml",
    )
    .unwrap();
    assert_eq!(
        week.defaults().backlog.spread,
        SignedDuration::from_hours(168)
    );
    assert_eq!(
        week.defaults().backlog.after_gap,
        SignedDuration::from_hours(36)
    );
    let (_, key, _) = load_err("[defaults.backlog]\nspread = \"8d\"\n");
    assert!(key.ends_with("backlog.spread"), "{key}");
}
