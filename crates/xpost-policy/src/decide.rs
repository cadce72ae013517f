//! `decide`: whether a post goes, when, and the rule behind it.

use jiff::Timestamp;
use serde::Serialize;
use xpost_core::{MediaType, ProductType, ReplySettings, SourcePost};

use crate::render::{self, Rendered, VideoCheck};
use crate::rule::Rule;
use crate::schedule::{add, round, schedule};
use crate::settings::{CarouselFallback, LinkSettings, VideoFallback, normalize_tag};
use crate::trace::{Trace, TraceStep};

/// What `decide` needs to know about the link's past, handed in by the caller
/// (the engine reads it from its store). Everything defaults to "nothing known".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// When the link became active; older posts are not cross-posted unless
    /// `privacy.older_than_link` or `backfill` says so.
    pub linked_at: Option<Timestamp>,
    /// When this post was first seen; `schedule.delay` and
    /// `schedule.peak_max_wait` count from it (from the post's own timestamp
    /// when unknown, so that a restart never delays a post again).
    pub first_seen: Option<Timestamp>,
    /// When this link's earlier posts went out, at least those of the last
    /// 31 days (for the daily cap and spacing).
    pub recent_posts: Vec<Timestamp>,
    /// US dollars spent by this link in the current calendar month (UTC).
    pub spent_this_month_usd: f64,
    /// The user asked for older posts explicitly (a backfill): neither
    /// `privacy.older_than_link` nor `filters.max_age` hold them back.
    pub backfill: bool,
    /// A reviewer approved this post after a [`Verdict::NeedsReview`]: the
    /// blocked words no longer hold it, every other rule still applies.
    pub approved: bool,
    /// The link to render in place of the permalink (with its UTM parameters),
    /// when the caller shortened it; `None` renders [`crate::render::link_for`].
    pub link: Option<String>,
}

/// The outcome of `decide`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict", content = "at")]
#[non_exhaustive]
pub enum Verdict {
    /// Post it now.
    PostNow,
    /// Post it at this instant (it waits; it is not dropped).
    PostAt(Timestamp),
    /// Never post it.
    Skip,
    /// Hold it until a human approves it; decide again with
    /// [`Context::approved`] set once they do.
    NeedsReview,
}

/// Who may see and answer the X post.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
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
    /// The posts it would make, when it got as far as rendering (also for
    /// [`Verdict::NeedsReview`], so that a reviewer sees what would go out).
    pub rendered: Option<Rendered>,
    /// Every rule looked at, in order, and what it did.
    pub trace: Vec<TraceStep>,
}

impl Decision {
    pub(crate) fn new(verdict: Verdict, rule: Rule, reason: impl Into<String>) -> Self {
        Self {
            verdict,
            rule,
            reason: reason.into(),
            audience: Audience::default(),
            rendered: None,
            trace: Vec::new(),
        }
    }

    pub(crate) fn skip(rule: Rule, reason: impl Into<String>) -> Self {
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
/// rule, media X cannot take, rendering, blocked words, spend — and the first
/// that refuses the post settles it. Timing rules (age, delay, spacing, daily
/// cap, quiet hours, posting and peak windows) only ever move a post later,
/// never drop it, except a cap set to `skip` and `filters.max_age`, which
/// also holds at the time the post would go. [`Decision::trace`] lists every
/// rule looked at.
pub fn decide(
    post: &SourcePost,
    settings: &LinkSettings,
    ctx: &Context,
    now: Timestamp,
) -> Decision {
    let mut trace = Trace::default();
    let mut decision = decide_traced(post, settings, ctx, now, &mut trace);
    decision.trace = trace.steps;
    decision
}

fn decide_traced(
    post: &SourcePost,
    settings: &LinkSettings,
    ctx: &Context,
    now: Timestamp,
    trace: &mut Trace,
) -> Decision {
    if let Some(refusal) = refuse(post, settings, ctx, now, trace) {
        return refusal;
    }
    let audience = audience_for(post, settings);
    let rendered = match match &ctx.link {
        Some(link) => render::render_with_link(post, settings, Some(link)),
        None => render::render(post, settings),
    } {
        Ok(r) => r,
        Err(e) => {
            trace.skipped(Rule::Text, e.to_string());
            return Decision::skip(Rule::Text, e.to_string());
        }
    };
    trace.passed(
        Rule::Text,
        format!("{} post(s) rendered", rendered.posts.len()),
    );
    let caption = post.caption_text();
    if let Some(word) = settings
        .privacy
        .blocked_words
        .iter()
        .find(|w| has_word(caption, w))
    {
        if !ctx.approved {
            let why =
                format!("the caption contains the blocked word {word:?}; a human must approve it");
            trace.review(Rule::BlockedWords, why.clone());
            let mut review = Decision::new(Verdict::NeedsReview, Rule::BlockedWords, why);
            review.audience = audience;
            review.rendered = Some(rendered);
            return review;
        }
        trace.passed(
            Rule::BlockedWords,
            format!("contains the blocked word {word:?}, approved by a reviewer"),
        );
    }
    let mut decision = schedule(post, settings, ctx, now, rendered.estimated_cost_usd, trace);
    if let Verdict::PostAt(at) = decision.verdict {
        if let Some(expired) = expiry(post, settings, ctx, at, decision.rule) {
            trace.skipped(Rule::MaxAge, expired.clone());
            return Decision::skip(Rule::MaxAge, expired);
        }
    }
    decision.audience = audience;
    if matches!(decision.verdict, Verdict::PostNow | Verdict::PostAt(_)) {
        decision.rendered = Some(rendered);
    }
    decision
}

/// Why the post is too old to go at `at` (`filters.max_age`), unless the
/// user asked for it in a backfill.
fn expiry(
    post: &SourcePost,
    settings: &LinkSettings,
    ctx: &Context,
    at: Timestamp,
    held_by: Rule,
) -> Option<String> {
    let max = settings.filters.max_age?;
    if ctx.backfill {
        return None;
    }
    let age = at.duration_since(post.timestamp);
    (age > max).then(|| {
        let expires = add(post.timestamp, max);
        format!(
            "held by {held_by} until {at}, {:#} after it was published, but it expires at {expires} (max_age {max:#})",
            round(age)
        )
    })
}

/// The first rule that refuses the post outright, if any.
fn refuse(
    post: &SourcePost,
    settings: &LinkSettings,
    ctx: &Context,
    now: Timestamp,
    trace: &mut Trace,
) -> Option<Decision> {
    let skip = |trace: &mut Trace, rule: Rule, why: String| {
        trace.skipped(rule, why.clone());
        Some(Decision::skip(rule, why))
    };
    let content = &settings.content;
    let privacy = &settings.privacy;
    let filters = &settings.filters;
    if post.product_type == ProductType::Story && !content.stories {
        return skip(
            trace,
            Rule::Stories,
            "stories are not cross-posted (content.stories = false)".into(),
        );
    }
    // Absolute: no setting, approval or backfill shares close-friends content.
    if post.close_friends {
        return skip(
            trace,
            Rule::CloseFriends,
            "close-friends content is never shared".into(),
        );
    }
    let (enabled, kind) = match (post.product_type, post.media_type) {
        (ProductType::Story, _) => (true, "stories"),
        (ProductType::Reels, _) => (content.reels, "reels"),
        (_, MediaType::Carousel) => (content.carousels, "carousels"),
        (_, MediaType::Video) => (content.videos, "videos"),
        (_, _) => (content.feed_images, "feed images"),
    };
    if !enabled {
        return skip(
            trace,
            Rule::ContentType,
            format!("{kind} are turned off for this link"),
        );
    }
    trace.passed(Rule::ContentType, format!("{kind} are cross-posted"));
    if let Some(linked_at) = ctx.linked_at {
        if post.timestamp < linked_at && !privacy.older_than_link && !ctx.backfill {
            return skip(
                trace,
                Rule::OlderThanLink,
                format!(
                    "published {} before the link became active at {linked_at}",
                    post.timestamp
                ),
            );
        }
        trace.passed(
            Rule::OlderThanLink,
            format!(
                "published {} (link active since {linked_at})",
                post.timestamp
            ),
        );
    }
    if let Some(max) = filters.max_age {
        let age = now.duration_since(post.timestamp);
        if ctx.backfill {
            trace.passed(
                Rule::MaxAge,
                "a backfill asked for by the user ignores max_age",
            );
        } else if age > max {
            return skip(
                trace,
                Rule::MaxAge,
                format!(
                    "the post is {:#} old, more than max_age {max:#}",
                    round(age)
                ),
            );
        } else {
            trace.passed(Rule::MaxAge, format!("the post is {:#} old", round(age)));
        }
    }
    let caption = post.caption_text();
    let tags: Vec<String> = xpost_transform::extract::hashtags(caption)
        .iter()
        .map(|e| normalize_tag(e.value_in(caption)))
        .collect();
    let opt_out = normalize_tag(&filters.opt_out_tag);
    if !opt_out.is_empty() && tags.contains(&opt_out) {
        return skip(
            trace,
            Rule::OptOutTag,
            format!("the caption carries the opt-out tag #{opt_out}"),
        );
    }
    let opt_in = normalize_tag(&filters.opt_in_tag);
    if !opt_in.is_empty() && !tags.contains(&opt_in) {
        return skip(
            trace,
            Rule::OptInTag,
            format!("the caption lacks the opt-in tag #{opt_in}"),
        );
    }
    if let Some(tag) = filters
        .exclude_hashtags
        .iter()
        .map(|t| normalize_tag(t))
        .find(|t| tags.contains(t))
    {
        return skip(
            trace,
            Rule::ExcludeHashtags,
            format!("the caption carries the excluded hashtag #{tag}"),
        );
    }
    if let Some(word) = filters
        .exclude_keywords
        .iter()
        .find(|w| has_word(caption, w))
    {
        return skip(
            trace,
            Rule::ExcludeKeywords,
            format!("the caption contains the excluded keyword {word:?}"),
        );
    }
    if let Some(p) = filters.exclude_regex.iter().find(|p| p.is_match(caption)) {
        return skip(
            trace,
            Rule::ExcludeRegex,
            format!(
                "the caption matches the excluded expression {:?}",
                p.as_str()
            ),
        );
    }
    if !filters.include_hashtags.is_empty()
        && !filters
            .include_hashtags
            .iter()
            .any(|t| tags.contains(&normalize_tag(t)))
    {
        return skip(
            trace,
            Rule::IncludeHashtags,
            "the caption carries none of the included hashtags".into(),
        );
    }
    if !filters.include_keywords.is_empty()
        && !filters
            .include_keywords
            .iter()
            .any(|w| has_word(caption, w))
    {
        return skip(
            trace,
            Rule::IncludeKeywords,
            "the caption contains none of the included keywords".into(),
        );
    }
    if !filters.include_regex.is_empty()
        && !filters.include_regex.iter().any(|p| p.is_match(caption))
    {
        return skip(
            trace,
            Rule::IncludeRegex,
            "the caption matches none of the included expressions".into(),
        );
    }
    // Reaching here, every configured caption filter let the post through.
    let configured = [
        (Rule::OptOutTag, !opt_out.is_empty()),
        (Rule::OptInTag, !opt_in.is_empty()),
        (Rule::ExcludeHashtags, !filters.exclude_hashtags.is_empty()),
        (Rule::ExcludeKeywords, !filters.exclude_keywords.is_empty()),
        (Rule::ExcludeRegex, !filters.exclude_regex.is_empty()),
        (Rule::IncludeHashtags, !filters.include_hashtags.is_empty()),
        (Rule::IncludeKeywords, !filters.include_keywords.is_empty()),
        (Rule::IncludeRegex, !filters.include_regex.is_empty()),
    ];
    for (rule, _) in configured.iter().filter(|(_, set)| *set) {
        trace.passed(*rule, "the caption passes");
    }
    if let VideoCheck::Unsupported(why) = render::video_check(post) {
        if settings.content.unsupported_video == VideoFallback::Skip {
            return skip(
                trace,
                Rule::UnsupportedVideo,
                format!("X cannot take this video: {why}"),
            );
        }
        trace.passed(
            Rule::UnsupportedVideo,
            format!("X cannot take this video ({why}): the text and the permalink go instead"),
        );
    }
    if render::carousel_without_media(post) {
        let why = "X can take none of the carousel's media (only images can go, and it has none)";
        let caption = render::caption_for(post, settings, &mut Vec::new());
        if caption.trim().is_empty() {
            return skip(
                trace,
                Rule::UnsupportedCarousel,
                format!("{why}, and it has no caption to post instead"),
            );
        }
        if settings.content.unsupported_carousel == CarouselFallback::Skip {
            return skip(
                trace,
                Rule::UnsupportedCarousel,
                format!("{why}; content.unsupported_carousel = \"text\" posts the caption alone"),
            );
        }
        trace.passed(
            Rule::UnsupportedCarousel,
            format!("{why}: the caption goes without media"),
        );
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
