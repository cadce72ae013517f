//! The settings of one link: every rule the policy applies, with defaults.
//!
//! Each section is a struct with public fields, `Default` (the documented
//! defaults of `docs/configuration.md`) and serde support with unknown keys
//! refused, so the same type is built in code by embedding apps and loaded
//! from TOML by [`crate::config`]. [`LinkSettings::validate`] refuses
//! impossible combinations; [`crate::decide()`] and [`crate::render()`] assume a
//! validated value.

use std::collections::BTreeMap;
use std::fmt;

use jiff::SignedDuration;
use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use xpost_core::ReplySettings;

use crate::error::PolicyError;
use crate::window::{Window, allowed_minutes};

/// Every setting of one link.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkSettings {
    /// Which kinds of Instagram posts are cross-posted, and in what form.
    pub content: ContentSettings,
    /// Tags, words and ages that select posts.
    pub filters: FilterSettings,
    /// What is never shared, and what needs a human first.
    pub privacy: PrivacySettings,
    /// Who may reply on X, and where the post goes.
    pub audience: AudienceSettings,
    /// How the text of the X post is made.
    pub text: TextSettings,
    /// What posting costs, and the monthly cap.
    pub cost: CostSettings,
    /// When posts go out.
    pub schedule: ScheduleSettings,
    /// What a backlog (after an outage, a pause, a re-link, a backfill) becomes.
    pub backlog: crate::backlog::BacklogSettings,
    /// How often a link that shares stories looks at them.
    pub stories: crate::backlog::StorySettings,
    /// What deletions and caption edits on Instagram do on X.
    pub sync: crate::sync::SyncSettings,
    /// Which profile fields follow the Instagram profile.
    pub profile_sync: crate::profile_sync::ProfileSyncSettings,
    /// Engagement sampling of cross-posted posts.
    pub analytics: crate::analytics::AnalyticsSettings,
}

/// Which kinds of Instagram posts are cross-posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContentSettings {
    /// Single feed images. Default `true`.
    pub feed_images: bool,
    /// Carousels. Default `true`.
    pub carousels: bool,
    /// Feed videos. Default `true`.
    pub videos: bool,
    /// Reels. Default `true`.
    pub reels: bool,
    /// Stories. Default `false`: they are opt-in.
    pub stories: bool,
    /// How a carousel becomes X posts. Default `up_to_4`.
    pub carousel: CarouselMode,
    /// What happens to a video X cannot take. Default `skip`.
    pub unsupported_video: VideoFallback,
    /// What happens to a captioned carousel none of whose media X can take.
    /// Default `skip`; one without a caption is always skipped.
    pub unsupported_carousel: CarouselFallback,
}

impl Default for ContentSettings {
    fn default() -> Self {
        Self {
            feed_images: true,
            carousels: true,
            videos: true,
            reels: true,
            stories: false,
            carousel: CarouselMode::UpTo4,
            unsupported_video: VideoFallback::Skip,
            unsupported_carousel: CarouselFallback::Skip,
        }
    }
}

/// How a carousel becomes X posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CarouselMode {
    /// One post with the first four images.
    #[default]
    #[serde(rename = "up_to_4")]
    UpTo4,
    /// A thread of posts with four images each.
    Thread,
    /// One post with the first image only.
    FirstImage,
}

/// What happens to a video that X cannot take (over 140 s, over 512 MB, not
/// MP4 or QuickTime).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VideoFallback {
    /// Skip the post, naming the reason.
    #[default]
    Skip,
    /// Post the text with the Instagram permalink instead of the video.
    Link,
}

/// What happens to a carousel none of whose media X can take (only videos,
/// which X cannot mix with images, or no media at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CarouselFallback {
    /// Skip the post, naming the reason.
    #[default]
    Skip,
    /// Post the caption (and the permalink) without media.
    Text,
}

/// What happens to URLs written in the caption when `text.no_link` is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CaptionUrls {
    /// Remove them, so the post is billed at the rate without a URL.
    #[default]
    Remove,
    /// Leave them in the text; the post is then billed at the URL rate.
    Keep,
}

/// What to do with a post beyond a cap (posts per day, monthly spend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OverCap {
    /// Hold it until the cap resets.
    #[default]
    Wait,
    /// Skip it for good.
    Skip,
}

/// Tags, words and ages that select posts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterSettings {
    /// A caption with this hashtag is never cross-posted. Default `noxpost`;
    /// `""` turns it off. The `#` is optional.
    pub opt_out_tag: String,
    /// When set, only captions with this hashtag are cross-posted, and the
    /// tag is removed from the text. Default `""` (off).
    pub opt_in_tag: String,
    /// When non-empty, only posts with at least one of these hashtags go.
    pub include_hashtags: Vec<String>,
    /// Posts with any of these hashtags are skipped.
    pub exclude_hashtags: Vec<String>,
    /// When non-empty, only captions containing one of these words go
    /// (case-insensitive, whole words).
    pub include_keywords: Vec<String>,
    /// Captions containing any of these words are skipped.
    pub exclude_keywords: Vec<String>,
    /// When non-empty, only captions matching one of these expressions go.
    pub include_regex: Vec<Pattern>,
    /// Captions matching any of these expressions are skipped.
    pub exclude_regex: Vec<Pattern>,
    /// A post waits until it is at least this old (e.g. `"10m"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_age: Option<SignedDuration>,
    /// A post older than this is skipped (e.g. `"2d"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<SignedDuration>,
    /// At most this many posts per day (in the link's time zone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_posts_per_day: Option<u32>,
    /// What happens beyond `max_posts_per_day`. Default `wait` (next day).
    pub on_daily_cap: OverCap,
}

impl Default for FilterSettings {
    fn default() -> Self {
        Self {
            opt_out_tag: "noxpost".to_owned(),
            opt_in_tag: String::new(),
            include_hashtags: Vec::new(),
            exclude_hashtags: Vec::new(),
            include_keywords: Vec::new(),
            exclude_keywords: Vec::new(),
            include_regex: Vec::new(),
            exclude_regex: Vec::new(),
            min_age: None,
            max_age: None,
            max_posts_per_day: None,
            on_daily_cap: OverCap::Wait,
        }
    }
}

/// What is never shared, and what needs a human first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacySettings {
    /// Share posts marked close-friends-only: always `false`, since close-friends
    /// content is never shared; `true` is refused by [`LinkSettings::validate`].
    pub close_friends: bool,
    /// Strip location and all EXIF/XMP metadata from images before upload.
    /// Default `true`. The policy carries it; the media pipeline applies it.
    pub strip_metadata: bool,
    /// A caption with any of these words is held as "needs review".
    pub blocked_words: Vec<String>,
    /// Cross-post content published before the link became active. Default
    /// `false`; a backfill asked for explicitly overrides it.
    pub older_than_link: bool,
    /// What happens to Instagram @mentions. Default `neutralize`.
    pub mentions: MentionMode,
    /// Instagram handle → X handle, applied before `mentions`.
    pub mention_map: BTreeMap<String, String>,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self {
            close_friends: false,
            strip_metadata: true,
            blocked_words: Vec::new(),
            older_than_link: false,
            mentions: MentionMode::Neutralize,
            mention_map: BTreeMap::new(),
        }
    }
}

/// What happens to Instagram @mentions that `mention_map` does not map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MentionMode {
    /// Keep them as they are (they then notify whoever owns that X handle).
    Keep,
    /// Make them inert so that they notify nobody on X.
    #[default]
    Neutralize,
}

/// Who may reply on X, and where the post goes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AudienceSettings {
    /// Who may reply. Default `everyone`.
    pub reply_settings: ReplySettings,
    /// Post into this X community instead of the timeline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_id: Option<String>,
    /// Per-hashtag overrides (key without `#`); the first tag of the caption
    /// that has one wins.
    pub tags: BTreeMap<String, AudienceOverride>,
}

/// Audience settings that replace the link's for posts with one hashtag.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AudienceOverride {
    /// Who may reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_settings: Option<ReplySettings>,
    /// Post into this X community.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_id: Option<String>,
}

/// How the text of the X post is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TextSettings {
    /// The template. Variables: `{caption}`, `{permalink}`, `{username}`,
    /// `{hashtags}`, `{date}`. Default `"{caption}\n\n{permalink}"`.
    pub template: String,
    /// Leave the permalink out, which X bills at the lower rate. Default
    /// `false`.
    pub no_link: bool,
    /// With `no_link`, what happens to URLs written in the caption. Default
    /// `remove`.
    pub caption_urls: CaptionUrls,
    /// Which hashtags `{hashtags}` holds. Default `none`.
    pub hashtags: HashtagSource,
    /// The fixed hashtags for `hashtags = "fixed"` (without `#`).
    pub fixed_hashtags: Vec<String>,
    /// At most this many hashtags in `{hashtags}`. Default 3.
    pub max_hashtags: usize,
    /// UTM parameters added to the permalink.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utm: Option<Utm>,
    /// A caption too long for one post becomes a thread instead of being
    /// shortened. Default `false`.
    pub thread: bool,
    /// Number thread posts `1/3`, `2/3`... Default `true`.
    pub numbering: bool,
    /// At most this many posts in a thread. Default 5.
    pub max_thread_posts: usize,
    /// Which post of a thread carries the permalink. Default `last`.
    pub permalink_in: PermalinkPlacement,
    /// The service the engine shortens the permalink through (after the UTM
    /// parameters are added). Default `none`: X wraps every link itself.
    pub shortener: ShortenerKind,
    /// The shortener's base URL, needed by `shlink` and `yourls`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortener_url: Option<String>,
    /// The name of the environment variable holding the shortener's API key
    /// (Shlink) or signature (YOURLS); the secret never goes in settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortener_key_env: Option<String>,
}

impl Default for TextSettings {
    fn default() -> Self {
        Self {
            template: "{caption}\n\n{permalink}".to_owned(),
            no_link: false,
            caption_urls: CaptionUrls::Remove,
            hashtags: HashtagSource::None,
            fixed_hashtags: Vec::new(),
            max_hashtags: 3,
            utm: None,
            thread: false,
            numbering: true,
            max_thread_posts: 5,
            permalink_in: PermalinkPlacement::Last,
            shortener: ShortenerKind::None,
            shortener_url: None,
            shortener_key_env: None,
        }
    }
}

/// Which hashtags `{hashtags}` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HashtagSource {
    /// None: `{hashtags}` is empty.
    #[default]
    None,
    /// The `fixed_hashtags` list.
    Fixed,
    /// The caption's own hashtags.
    Caption,
}

/// Which post of a thread carries the permalink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PermalinkPlacement {
    /// The first post.
    First,
    /// The last post.
    #[default]
    Last,
}

/// The service that shortens the permalink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ShortenerKind {
    /// No shortening: the permalink is posted as it is.
    #[default]
    None,
    /// A self-hosted Shlink (REST API v3).
    Shlink,
    /// A self-hosted YOURLS.
    Yourls,
}

impl ShortenerKind {
    /// The name as written in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            ShortenerKind::None => "none",
            ShortenerKind::Shlink => "shlink",
            ShortenerKind::Yourls => "yourls",
        }
    }
}

/// UTM tracking parameters for the permalink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Utm {
    /// `utm_source`, e.g. `x`.
    pub source: String,
    /// `utm_medium`, e.g. `social`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    /// `utm_campaign`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
}

/// What posting costs on X, and the monthly cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostSettings {
    /// US dollars per post without a URL. Default 0.015 (pay-per-use, 2026).
    pub per_post_usd: f64,
    /// US dollars per post with a URL. Default 0.20.
    pub per_post_with_url_usd: f64,
    /// At most this much spent per calendar month (UTC). Default: no cap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_cap_usd: Option<f64>,
    /// What happens beyond the cap. Default `wait` (next month).
    pub on_cap: OverCap,
}

impl Default for CostSettings {
    fn default() -> Self {
        Self {
            per_post_usd: 0.015,
            per_post_with_url_usd: 0.20,
            monthly_cap_usd: None,
            on_cap: OverCap::Wait,
        }
    }
}

/// When posts go out. Windows are daily, in `time_zone`; one whose end is
/// before its start runs past midnight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleSettings {
    /// The link's IANA time zone. Default `UTC`.
    pub time_zone: Tz,
    /// Nothing is posted inside these; posts wait for their end.
    pub quiet_hours: Vec<Window>,
    /// When non-empty, posts go out only inside one of these.
    pub posting_windows: Vec<Window>,
    /// When non-empty, posts are queued to the next of these windows, unless
    /// that would hold them longer than `peak_max_wait`.
    pub peak_hours: Vec<Window>,
    /// The longest a post waits for a peak window. Default `"24h"`.
    pub peak_max_wait: SignedDuration,
    /// At least this long between two posts of the link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_spacing: Option<SignedDuration>,
    /// Wait this long after first seeing a post, so that a quick edit or
    /// deletion on Instagram is taken into account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<SignedDuration>,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            time_zone: Tz::utc(),
            quiet_hours: Vec::new(),
            posting_windows: Vec::new(),
            peak_hours: Vec::new(),
            peak_max_wait: SignedDuration::from_hours(24),
            min_spacing: None,
            delay: None,
        }
    }
}

/// A compiled regular expression, written as a string in settings.
#[derive(Clone)]
pub struct Pattern(regex::Regex);

impl Pattern {
    /// Compiles `source`.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] when it is not a valid expression.
    pub fn new(source: &str) -> Result<Self, PolicyError> {
        regex::Regex::new(source)
            .map(Pattern)
            .map_err(|e| PolicyError::invalid("regex", e.to_string()))
    }

    /// Whether the expression matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.0.as_str())
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        regex::Regex::new(&raw)
            .map(Pattern)
            .map_err(|e| serde::de::Error::custom(format!("invalid regular expression: {e}")))
    }
}

/// An IANA time zone, written by name in settings.
#[derive(Clone)]
pub struct Tz {
    name: String,
    zone: TimeZone,
}

impl Tz {
    /// UTC.
    pub fn utc() -> Self {
        Self {
            name: "UTC".to_owned(),
            zone: TimeZone::UTC,
        }
    }

    /// Looks up `name` in the system's time zone database.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] when no zone has that name.
    pub fn new(name: &str) -> Result<Self, PolicyError> {
        TimeZone::get(name)
            .map(|zone| Self {
                name: name.to_owned(),
                zone,
            })
            .map_err(|e| PolicyError::invalid("schedule.time_zone", e.to_string()))
    }

    /// The zone.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The name as written.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for Tz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tz({:?})", self.name)
    }
}

impl PartialEq for Tz {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Serialize for Tz {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for Tz {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Tz::new(&raw).map_err(|_| {
            serde::de::Error::custom(format!(
                "unknown time zone {raw:?}: use an IANA name such as \"Europe/Paris\" or \"UTC\""
            ))
        })
    }
}

/// Why `raw` is not a usable shortener base URL: it must be an absolute http(s)
/// URL with a host, and no credentials, query or fragment.
fn check_shortener_url(raw: &str) -> Result<(), String> {
    let url = url::Url::parse(raw).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{raw:?} must be an http or https URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{raw:?} has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold credentials; the key comes from shortener_key_env".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{raw:?} must not have a query or fragment"));
    }
    Ok(())
}

/// Whether `name` is a portable environment variable name.
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 128
}

/// A tag as compared: without `#`, lower-case.
pub(crate) fn normalize_tag(tag: &str) -> String {
    tag.trim().trim_start_matches(['#', '＃']).to_lowercase()
}

impl LinkSettings {
    /// Checks for impossible values and combinations.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] naming the first offending key (dotted path
    /// inside the link, e.g. `schedule.quiet_hours`).
    pub fn validate(&self) -> Result<(), PolicyError> {
        self.validate_filters()?;
        self.validate_privacy()?;
        self.backlog.validate()?;
        self.stories.validate()?;
        self.validate_cost()?;
        self.validate_schedule()?;
        self.sync.validate()?;
        self.profile_sync.validate()?;
        self.analytics.validate()?;
        self.validate_text()
    }

    /// Close-friends content is never shared: the key exists only to say so.
    fn validate_privacy(&self) -> Result<(), PolicyError> {
        if self.privacy.close_friends {
            return Err(PolicyError::invalid(
                "privacy.close_friends",
                "close-friends content is never shared; remove this key or set it to false",
            ));
        }
        Ok(())
    }

    fn validate_filters(&self) -> Result<(), PolicyError> {
        let f = &self.filters;
        let (out, inn) = (normalize_tag(&f.opt_out_tag), normalize_tag(&f.opt_in_tag));
        if !inn.is_empty() && inn == out {
            return Err(PolicyError::invalid(
                "filters.opt_in_tag",
                "the opt-in tag equals the opt-out tag; no post could ever go",
            ));
        }
        for (key, age) in [
            ("filters.min_age", f.min_age),
            ("filters.max_age", f.max_age),
        ] {
            if age.is_some_and(|a| a.is_negative()) {
                return Err(PolicyError::invalid(key, "must not be negative"));
            }
        }
        if let (Some(min), Some(max)) = (f.min_age, f.max_age) {
            if min >= max {
                return Err(PolicyError::invalid(
                    "filters.max_age",
                    format!("must be more than min_age ({min:#}); no post could ever go"),
                ));
            }
        }
        if f.max_posts_per_day == Some(0) {
            return Err(PolicyError::invalid(
                "filters.max_posts_per_day",
                "must be at least 1 (turn content types off to post nothing)",
            ));
        }
        Ok(())
    }

    fn validate_text(&self) -> Result<(), PolicyError> {
        let t = &self.text;
        if t.max_thread_posts == 0 || t.max_thread_posts > 25 {
            return Err(PolicyError::invalid(
                "text.max_thread_posts",
                "must be between 1 and 25",
            ));
        }
        if t.hashtags == HashtagSource::Fixed && t.fixed_hashtags.is_empty() {
            return Err(PolicyError::invalid(
                "text.fixed_hashtags",
                "hashtags = \"fixed\" needs at least one fixed hashtag",
            ));
        }
        if let Some(utm) = &t.utm {
            if utm.source.trim().is_empty() {
                return Err(PolicyError::invalid("text.utm.source", "must not be empty"));
            }
        }
        self.validate_shortener()?;
        crate::render::check_template(self)
    }

    /// A shortener needs a base URL and the name of the variable holding its
    /// key. Either key, when written, must be usable even with `none`, so a
    /// mistake shows before the shortener is turned on.
    fn validate_shortener(&self) -> Result<(), PolicyError> {
        let t = &self.text;
        let kind = t.shortener.as_str();
        let url = t.shortener_url.as_deref().map(str::trim);
        let env = t.shortener_key_env.as_deref().map(str::trim);
        if t.shortener != ShortenerKind::None {
            if url.is_none_or(str::is_empty) {
                return Err(PolicyError::invalid(
                    "text.shortener_url",
                    format!("shortener = \"{kind}\" needs the service's base URL"),
                ));
            }
            if env.is_none_or(str::is_empty) {
                return Err(PolicyError::invalid(
                    "text.shortener_key_env",
                    format!(
                        "shortener = \"{kind}\" needs the name of the environment variable that holds its key"
                    ),
                ));
            }
        }
        if let Some(url) = url {
            check_shortener_url(url)
                .map_err(|reason| PolicyError::invalid("text.shortener_url", reason))?;
        }
        if let Some(name) = env {
            if !is_env_name(name) {
                return Err(PolicyError::invalid(
                    "text.shortener_key_env",
                    "must be the NAME of an environment variable (letters, digits and _, not starting with a digit); never put the key itself in the settings",
                ));
            }
        }
        Ok(())
    }

    fn validate_cost(&self) -> Result<(), PolicyError> {
        let c = &self.cost;
        let prices = [
            ("cost.per_post_usd", Some(c.per_post_usd)),
            ("cost.per_post_with_url_usd", Some(c.per_post_with_url_usd)),
            ("cost.monthly_cap_usd", c.monthly_cap_usd),
        ];
        for (key, value) in prices {
            if let Some(v) = value {
                if !v.is_finite() || !(0.0..=1_000_000.0).contains(&v) {
                    return Err(PolicyError::invalid(
                        key,
                        format!("{v} is not a usable amount: use 0 to 1000000 dollars"),
                    ));
                }
            }
        }
        if let Some(cap) = c.monthly_cap_usd {
            let (price, kind) = if self.text.no_link {
                (c.per_post_usd, "cost.per_post_usd")
            } else {
                (c.per_post_with_url_usd, "cost.per_post_with_url_usd")
            };
            if cap <= 0.0 || cap + 1e-9 < price {
                return Err(PolicyError::invalid(
                    "cost.monthly_cap_usd",
                    format!(
                        "a cap of ${cap:.2} is below the price of one post (${price:.3}, {kind}): no post could ever go; remove the cap or turn content types off to post nothing"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn validate_schedule(&self) -> Result<(), PolicyError> {
        let s = &self.schedule;
        let lists = [
            ("schedule.quiet_hours", &s.quiet_hours),
            ("schedule.posting_windows", &s.posting_windows),
            ("schedule.peak_hours", &s.peak_hours),
        ];
        for (key, windows) in lists {
            if let Some(w) = windows.iter().find(|w| w.start == w.end) {
                return Err(PolicyError::invalid(
                    key,
                    format!("window {w} is empty: start and end must differ"),
                ));
            }
        }
        let open = allowed_minutes(&s.quiet_hours, &s.posting_windows);
        if open == 0 {
            let key = if s.posting_windows.is_empty() {
                "schedule.quiet_hours"
            } else {
                "schedule.posting_windows"
            };
            return Err(PolicyError::invalid(
                key,
                "quiet hours cover the whole day (outside every posting window): nothing could ever be posted",
            ));
        }
        for (key, d) in [
            ("schedule.peak_max_wait", Some(s.peak_max_wait)),
            ("schedule.min_spacing", s.min_spacing),
            ("schedule.delay", s.delay),
        ] {
            if d.is_some_and(|d| d.is_negative()) {
                return Err(PolicyError::invalid(key, "must not be negative"));
            }
        }
        Ok(())
    }
}
