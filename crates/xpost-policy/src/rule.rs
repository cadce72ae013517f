//! The rules a decision can rest on, named after the setting behind them.

use std::fmt;

use serde::{Serialize, Serializer};

/// The rule behind a [`crate::Decision`]. Its name is the settings key that
/// governs it, so a user reading `explain` knows what to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// Every rule passed: nothing held the post.
    Default,
    /// Stories are off (`content.stories`).
    Stories,
    /// Close-friends content is off (`privacy.close_friends`).
    CloseFriends,
    /// This kind of post is off (`content.*`).
    ContentType,
    /// A video X cannot take (`content.unsupported_video`).
    UnsupportedVideo,
    /// A carousel none of whose media X can take
    /// (`content.unsupported_carousel`).
    UnsupportedCarousel,
    /// Published before the link became active (`privacy.older_than_link`).
    OlderThanLink,
    /// Older than `filters.max_age`.
    MaxAge,
    /// Carries the opt-out tag (`filters.opt_out_tag`).
    OptOutTag,
    /// Lacks the opt-in tag (`filters.opt_in_tag`).
    OptInTag,
    /// Carries an excluded hashtag (`filters.exclude_hashtags`).
    ExcludeHashtags,
    /// Contains an excluded keyword (`filters.exclude_keywords`).
    ExcludeKeywords,
    /// Matches an excluded expression (`filters.exclude_regex`).
    ExcludeRegex,
    /// Lacks every included hashtag (`filters.include_hashtags`).
    IncludeHashtags,
    /// Lacks every included keyword (`filters.include_keywords`).
    IncludeKeywords,
    /// Matches no included expression (`filters.include_regex`).
    IncludeRegex,
    /// Contains a blocked word (`privacy.blocked_words`).
    BlockedWords,
    /// The text cannot be made into valid posts (`text.template`).
    Text,
    /// The month's spend would pass `cost.monthly_cap_usd`.
    MonthlyCap,
    /// The day already has `filters.max_posts_per_day` posts.
    DailyCap,
    /// Younger than `filters.min_age`.
    MinAge,
    /// Within `schedule.delay` of being first seen.
    Delay,
    /// Too close to the previous post (`schedule.min_spacing`).
    MinSpacing,
    /// Inside `schedule.quiet_hours`.
    QuietHours,
    /// Outside every `schedule.posting_windows`.
    PostingWindows,
    /// Queued to the next `schedule.peak_hours` window.
    PeakHours,
}

impl Rule {
    /// The settings key behind the rule.
    pub fn key(self) -> &'static str {
        match self {
            Rule::Default => "default",
            Rule::Stories => "content.stories",
            Rule::CloseFriends => "privacy.close_friends",
            Rule::ContentType => "content",
            Rule::UnsupportedVideo => "content.unsupported_video",
            Rule::UnsupportedCarousel => "content.unsupported_carousel",
            Rule::OlderThanLink => "privacy.older_than_link",
            Rule::MaxAge => "filters.max_age",
            Rule::OptOutTag => "filters.opt_out_tag",
            Rule::OptInTag => "filters.opt_in_tag",
            Rule::ExcludeHashtags => "filters.exclude_hashtags",
            Rule::ExcludeKeywords => "filters.exclude_keywords",
            Rule::ExcludeRegex => "filters.exclude_regex",
            Rule::IncludeHashtags => "filters.include_hashtags",
            Rule::IncludeKeywords => "filters.include_keywords",
            Rule::IncludeRegex => "filters.include_regex",
            Rule::BlockedWords => "privacy.blocked_words",
            Rule::Text => "text.template",
            Rule::MonthlyCap => "cost.monthly_cap_usd",
            Rule::DailyCap => "filters.max_posts_per_day",
            Rule::MinAge => "filters.min_age",
            Rule::Delay => "schedule.delay",
            Rule::MinSpacing => "schedule.min_spacing",
            Rule::QuietHours => "schedule.quiet_hours",
            Rule::PostingWindows => "schedule.posting_windows",
            Rule::PeakHours => "schedule.peak_hours",
        }
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}
