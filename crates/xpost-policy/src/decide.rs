//! `decide`: whether a post goes, when, and the rule behind it.

use jiff::{SignedDuration, Timestamp, ToSpan, Unit, Zoned};
use xpost_core::{MediaType, ProductType, ReplySettings, SourcePost};

use crate::render::{self, Rendered, VideoCheck};
use crate::rule::Rule;
use crate::settings::{LinkSettings, OverCap, normalize_tag};
use crate::window::{Window, is_open, next_matching};

/// What `decide` needs to know about the link's past, handed in by the caller
/// (the engine reads it from its store). Everything defaults to "nothing known".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// When the link became active; older posts are not cross-posted unless
    /// `privacy.older_than_link` or `backfill` says so.
    pub linked_at: Option<Timestamp>,
    /// When this post was first seen; `schedule.delay` counts from it (from
    /// `now` when unknown).
    pub first_seen: Option<Timestamp>,
    /// When this link's earlier posts went out, at least those of the last
    /// 31 days (for the daily cap and spacing).
    pub recent_posts: Vec<Timestamp>,
    /// US dollars spent by this link in the current calendar month (UTC).
    pub spent_this_month_usd: f64,
    /// The user asked for older posts explicitly (a backfill).
    pub backfill: bool,
}

/// The outcome of `decide`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Post it now.
    PostNow,
    /// Post it at this instant (it waits; it is not dropped).
    PostAt(Timestamp),
    /// Never post it.
    Skip,
    /// Hold it until a human approves it.
    NeedsReview,
}

/// Who may see and answer the X post.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Audience {
    /// Who may reply.
    pub reply_settings: ReplySettings,
    /// The X community to post into, if any.
    pub community_id: Option<String>,
}

/// A decision and the rule behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Post now, later, never, or after review.
    pub verdict: Verdict,
    /// The rule that settled it (`Rule::Default` when nothing held the post).
    pub rule: Rule,
    /// One human-readable sentence saying why.
    pub reason: String,
    /// Who may see and answer the post.
    pub audience: Audience,
    /// The posts it would make, when it got as far as rendering.
    pub rendered: Option<Rendered>,
}

impl Decision {
    fn new(verdict: Verdict, rule: Rule, reason: impl Into<String>) -> Self {
        Self {
            verdict,
            rule,
            reason: reason.into(),
            audience: Audience::default(),
            rendered: None,
        }
    }

    fn skip(rule: Rule, reason: impl Into<String>) -> Self {
        Self::new(Verdict::Skip, rule, reason)
    }

    /// The estimated cost in US dollars of the posts it would make (0 when
    /// nothing is posted).
    pub fn estimated_cost_usd(&self) -> f64 {
        match (&self.verdict, &self.rendered) {
            (Verdict::PostNow | Verdict::PostAt(_), Some(r)) => r.estimated_cost_usd,
            _ => 0.0,
        }
    }
}

/// Decides whether `post` goes out on this link, when, and why.
///
/// Pure: the same inputs give the same decision. Rules are applied in a
/// fixed order — privacy, content type, age, opt-out before every include
/// rule, blocked words, rendering, spend — and the first that refuses the post
/// settles it. Timing rules (age, delay, spacing, daily cap, quiet hours,
/// posting and peak windows) only ever move a post later, never drop it,
/// except a daily cap set to `skip`.
pub fn decide(
    post: &SourcePost,
    settings: &LinkSettings,
    ctx: &Context,
    now: Timestamp,
) -> Decision {
    if let Some(refusal) = refuse(post, settings, ctx, now) {
        return refusal;
    }
    let audience = audience_for(post, settings);
    let rendered = match render::render(post, settings) {
        Ok(r) => r,
        Err(e) => return Decision::skip(Rule::Text, e.to_string()),
    };
    let mut decision = schedule(post, settings, ctx, now, rendered.estimated_cost_usd);
    decision.audience = audience;
    if matches!(decision.verdict, Verdict::PostNow | Verdict::PostAt(_)) {
        decision.rendered = Some(rendered);
    }
    decision
}

/// The first rule that refuses the post outright, if any.
fn refuse(
    post: &SourcePost,
    settings: &LinkSettings,
    ctx: &Context,
    now: Timestamp,
) -> Option<Decision> {
    let content = &settings.content;
    let privacy = &settings.privacy;
    let filters = &settings.filters;
    if post.product_type == ProductType::Story && !content.stories {
        return Some(Decision::skip(
            Rule::Stories,
            "stories are not cross-posted (content.stories = false)",
        ));
    }
    if post.close_friends && !privacy.close_friends {
        return Some(Decision::skip(
            Rule::CloseFriends,
            "close-friends content is never shared (privacy.close_friends = false)",
        ));
    }
    let (enabled, kind) = match (post.product_type, post.media_type) {
        (ProductType::Story, _) => (true, "stories"),
        (ProductType::Reels, _) => (content.reels, "reels"),
        (_, MediaType::Carousel) => (content.carousels, "carousels"),
        (_, MediaType::Video) => (content.videos, "videos"),
        (_, _) => (content.feed_images, "feed images"),
    };
    if !enabled {
        return Some(Decision::skip(
            Rule::ContentType,
            format!("{kind} are turned off for this link"),
        ));
    }
    if let Some(linked_at) = ctx.linked_at {
        if post.timestamp < linked_at && !privacy.older_than_link && !ctx.backfill {
            return Some(Decision::skip(
                Rule::OlderThanLink,
                format!(
                    "published {} before the link became active at {linked_at}",
                    post.timestamp
                ),
            ));
        }
    }
    if let Some(max) = filters.max_age {
        let age = now.duration_since(post.timestamp);
        if age > max {
            return Some(Decision::skip(
                Rule::MaxAge,
                format!(
                    "the post is {:#} old, more than max_age {max:#}",
                    round(age)
                ),
            ));
        }
    }
    let caption = post.caption_text();
    let tags: Vec<String> = xpost_transform::extract::hashtags(caption)
        .iter()
        .map(|e| normalize_tag(e.value_in(caption)))
        .collect();
    let opt_out = normalize_tag(&filters.opt_out_tag);
    if !opt_out.is_empty() && tags.contains(&opt_out) {
        return Some(Decision::skip(
            Rule::OptOutTag,
            format!("the caption carries the opt-out tag #{opt_out}"),
        ));
    }
    let opt_in = normalize_tag(&filters.opt_in_tag);
    if !opt_in.is_empty() && !tags.contains(&opt_in) {
        return Some(Decision::skip(
            Rule::OptInTag,
            format!("the caption lacks the opt-in tag #{opt_in}"),
        ));
    }
    if let Some(tag) = filters
        .exclude_hashtags
        .iter()
        .map(|t| normalize_tag(t))
        .find(|t| tags.contains(t))
    {
        return Some(Decision::skip(
            Rule::ExcludeHashtags,
            format!("the caption carries the excluded hashtag #{tag}"),
        ));
    }
    if let Some(word) = filters
        .exclude_keywords
        .iter()
        .find(|w| has_word(caption, w))
    {
        return Some(Decision::skip(
            Rule::ExcludeKeywords,
            format!("the caption contains the excluded keyword {word:?}"),
        ));
    }
    if let Some(p) = filters.exclude_regex.iter().find(|p| p.is_match(caption)) {
        return Some(Decision::skip(
            Rule::ExcludeRegex,
            format!(
                "the caption matches the excluded expression {:?}",
                p.as_str()
            ),
        ));
    }
    if !filters.include_hashtags.is_empty()
        && !filters
            .include_hashtags
            .iter()
            .any(|t| tags.contains(&normalize_tag(t)))
    {
        return Some(Decision::skip(
            Rule::IncludeHashtags,
            "the caption carries none of the included hashtags",
        ));
    }
    if !filters.include_keywords.is_empty()
        && !filters
            .include_keywords
            .iter()
            .any(|w| has_word(caption, w))
    {
        return Some(Decision::skip(
            Rule::IncludeKeywords,
            "the caption contains none of the included keywords",
        ));
    }
    if !filters.include_regex.is_empty()
        && !filters.include_regex.iter().any(|p| p.is_match(caption))
    {
        return Some(Decision::skip(
            Rule::IncludeRegex,
            "the caption matches none of the included expressions",
        ));
    }
    if let Some(word) = privacy.blocked_words.iter().find(|w| has_word(caption, w)) {
        return Some(Decision::new(
            Verdict::NeedsReview,
            Rule::BlockedWords,
            format!("the caption contains the blocked word {word:?}; a human must approve it"),
        ));
    }
    if let VideoCheck::Unsupported(why) = render::video_check(post) {
        if settings.content.unsupported_video == crate::settings::VideoFallback::Skip {
            return Some(Decision::skip(
                Rule::UnsupportedVideo,
                format!("X cannot take this video: {why}"),
            ));
        }
    }
    None
}

/// Whether `text` contains `word` as a whole word, ignoring case.
fn has_word(text: &str, word: &str) -> bool {
    let word = word.trim();
    !word.is_empty()
        && regex::RegexBuilder::new(&format!(r"(?:^|\W){}(?:$|\W)", regex::escape(word)))
            .case_insensitive(true)
            .build()
            .is_ok_and(|re| re.is_match(text))
}

/// The link's audience, replaced by the first caption hashtag that has an override.
fn audience_for(post: &SourcePost, settings: &LinkSettings) -> Audience {
    let audience = &settings.audience;
    let mut out = Audience {
        reply_settings: audience.reply_settings,
        community_id: audience.community_id.clone(),
    };
    let caption = post.caption_text();
    let overrides = xpost_transform::extract::hashtags(caption)
        .into_iter()
        .find_map(|e| {
            let tag = normalize_tag(e.value_in(caption));
            audience
                .tags
                .iter()
                .find(|(k, _)| normalize_tag(k) == tag)
                .map(|(_, o)| o)
        });
    if let Some(o) = overrides {
        if let Some(r) = o.reply_settings {
            out.reply_settings = r;
        }
        if o.community_id.is_some() {
            out.community_id = o.community_id.clone();
        }
    }
    out
}

/// The earliest time every timing rule allows, or a skip for a cap set to skip.
fn schedule(
    post: &SourcePost,
    settings: &LinkSettings,
    ctx: &Context,
    now: Timestamp,
    cost: f64,
) -> Decision {
    let s = &settings.schedule;
    let tz = s.time_zone.zone();
    let mut at = now;
    let mut rule = Rule::Default;
    let bump = |at: &mut Timestamp, rule: &mut Rule, candidate: Timestamp, by: Rule| {
        if candidate > *at {
            *at = candidate;
            *rule = by;
        }
    };
    if let Some(cap) = settings.cost.monthly_cap_usd {
        if ctx.spent_this_month_usd + cost > cap + 1e-9 {
            let why = format!(
                "posting would cost ${cost:.3}, over the monthly cap of ${cap:.2} (${:.3} spent)",
                ctx.spent_this_month_usd
            );
            match settings.cost.on_cap {
                OverCap::Skip => return Decision::skip(Rule::MonthlyCap, why),
                _ => bump(&mut at, &mut rule, next_month(now), Rule::MonthlyCap),
            }
        }
    }
    if let Some(min_age) = settings.filters.min_age {
        bump(
            &mut at,
            &mut rule,
            add(post.timestamp, min_age),
            Rule::MinAge,
        );
    }
    let seen = ctx.first_seen.unwrap_or(now);
    if let Some(delay) = s.delay {
        bump(&mut at, &mut rule, add(seen, delay), Rule::Delay);
    }
    let open_bounds: Vec<&Window> = s.quiet_hours.iter().chain(&s.posting_windows).collect();
    let peak_bounds: Vec<&Window> = open_bounds.iter().copied().chain(&s.peak_hours).collect();
    let peak_deadline = add(seen, s.peak_max_wait);
    let last = ctx.recent_posts.iter().max().copied();
    for _ in 0..64 {
        let before = at;
        if let (Some(last), Some(spacing)) = (last, s.min_spacing) {
            bump(&mut at, &mut rule, add(last, spacing), Rule::MinSpacing);
        }
        if let Some(cap) = settings.filters.max_posts_per_day {
            let day = at.to_zoned(tz.clone()).date();
            let count = ctx
                .recent_posts
                .iter()
                .filter(|p| p.to_zoned(tz.clone()).date() == day)
                .count();
            if count >= cap as usize {
                if settings.filters.on_daily_cap == OverCap::Skip {
                    return Decision::skip(
                        Rule::DailyCap,
                        format!("{count} posts already on {day}, the daily cap is {cap}"),
                    );
                }
                let next = day
                    .checked_add(1.day())
                    .ok()
                    .and_then(|d| d.to_zoned(tz.clone()).ok())
                    .map(|z| z.timestamp());
                if let Some(next) = next {
                    bump(&mut at, &mut rule, next, Rule::DailyCap);
                }
            }
        }
        let local = at.to_zoned(tz.clone()).time();
        if !is_open(local, &s.quiet_hours, &s.posting_windows) {
            let by = if s.quiet_hours.iter().any(|w| w.contains(local)) {
                Rule::QuietHours
            } else {
                Rule::PostingWindows
            };
            match next_matching(at, tz, &open_bounds, |t| {
                is_open(t, &s.quiet_hours, &s.posting_windows)
            }) {
                Some(next) => bump(&mut at, &mut rule, next, by),
                None => return Decision::skip(by, "no time of day is open for posting"),
            }
        }
        if !s.peak_hours.is_empty() {
            let in_peak = |t| {
                is_open(t, &s.quiet_hours, &s.posting_windows)
                    && s.peak_hours.iter().any(|w: &Window| w.contains(t))
            };
            if let Some(next) = next_matching(at, tz, &peak_bounds, in_peak) {
                if next <= peak_deadline {
                    bump(&mut at, &mut rule, next, Rule::PeakHours);
                }
            }
        }
        if at == before {
            break;
        }
    }
    if at <= now {
        return Decision::new(Verdict::PostNow, Rule::Default, "every rule passed");
    }
    let local: Zoned = at.to_zoned(tz.clone());
    let reason = format!(
        "held by {rule} until {} ({})",
        local.strftime("%Y-%m-%d %H:%M %Z"),
        at
    );
    Decision::new(Verdict::PostAt(at), rule, reason)
}

/// `ts + d`, saturating at the end of time.
fn add(ts: Timestamp, d: SignedDuration) -> Timestamp {
    ts.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// A duration rounded to the minute, for messages.
fn round(d: SignedDuration) -> SignedDuration {
    d.round(Unit::Minute).unwrap_or(d)
}

/// The first instant of the next calendar month in UTC.
fn next_month(now: Timestamp) -> Timestamp {
    let date = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    date.first_of_month()
        .checked_add(1.month())
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map_or(Timestamp::MAX, |z| z.timestamp())
}
