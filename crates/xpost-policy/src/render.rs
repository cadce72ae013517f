//! `render`: the exact X posts for a source post, X's rules enforced.

use std::ops::Range;

use serde::Serialize;
use xpost_core::{MediaKind, MediaType, SourcePost};
use xpost_transform::fit::{FitOptions, fit};
use xpost_transform::mention_map::MentionMap;
use xpost_transform::template::{Template, Variable, Vars};
use xpost_transform::thread::{self, ThreadOptions, split};
use xpost_transform::{Config, TransformError, extract};

use crate::error::PolicyError;
pub use crate::note::RenderNote;
use crate::settings::{
    CaptionUrls, CarouselMode, HashtagSource, LinkSettings, MentionMode, PermalinkPlacement, Utm,
    normalize_tag,
};

/// X takes at most this many images in one post.
pub const MAX_IMAGES: usize = 4;
/// X takes videos of at most this many milliseconds.
pub const MAX_VIDEO_MS: u64 = 140_000;
/// X takes videos of at least this many milliseconds.
pub const MIN_VIDEO_MS: u64 = 500;
/// X takes videos of at most this many bytes (512 MB).
pub const MAX_VIDEO_BYTES: u64 = 512 * 1024 * 1024;
/// The largest weighted length of one post.
pub const MAX_WEIGHTED_LENGTH: usize = 280;

/// The posts to make for one source post: the first is the head of the
/// thread, each later one answers the one before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rendered {
    /// The posts, in order.
    pub posts: Vec<RenderedPost>,
    /// Strip location and EXIF/XMP metadata from images before upload.
    pub strip_metadata: bool,
    /// What the posts will cost, in US dollars, by the link's cost model.
    pub estimated_cost_usd: f64,
    /// What rendering changed on the way (a cut caption, dropped media...).
    pub notes: Vec<RenderNote>,
}

/// One X post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedPost {
    /// The exact text (may be empty only when media is attached).
    pub text: String,
    /// Indices into [`SourcePost::items`] of the media to attach: up to 4
    /// images, or one video, never mixed.
    pub media: Vec<usize>,
    /// Whether the text holds a URL (X bills those at a higher rate).
    pub has_url: bool,
}

/// Whether X can take a post's video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoCheck {
    /// The post is not a single video.
    NotVideo,
    /// X can take it (or nothing known says it cannot).
    Supported,
    /// X cannot take it, and why.
    Unsupported(String),
}

/// Checks a single-video post against X's limits (duration 0.5–140 s, at most
/// 512 MB, MP4 or QuickTime). Unknown details pass.
pub fn video_check(post: &SourcePost) -> VideoCheck {
    if post.media_type != MediaType::Video {
        return VideoCheck::NotVideo;
    }
    let Some(video) = post
        .items()
        .into_iter()
        .find(|i| i.kind == MediaKind::Video)
    else {
        return VideoCheck::Supported;
    };
    if let Some(ms) = video.duration_ms {
        if ms > MAX_VIDEO_MS {
            return VideoCheck::Unsupported(format!(
                "it lasts {:.1} s, X takes at most 140 s",
                ms as f64 / 1000.0
            ));
        }
        if ms < MIN_VIDEO_MS {
            return VideoCheck::Unsupported(format!("it lasts {ms} ms, X takes at least 0.5 s"));
        }
    }
    if let Some(size) = video.size_bytes {
        if size > MAX_VIDEO_BYTES {
            return VideoCheck::Unsupported(format!(
                "it is {} MB, X takes at most 512 MB",
                size / (1024 * 1024)
            ));
        }
    }
    if let Some(mime) = &video.mime_type {
        if !matches!(mime.as_str(), "video/mp4" | "video/quicktime") {
            return VideoCheck::Unsupported(format!("its format {mime} is not MP4 or QuickTime"));
        }
    }
    VideoCheck::Supported
}

/// Renders `post` into the exact X posts under `settings`.
///
/// Every post it returns is valid on X: at most 280 weighted characters, at
/// most one cashtag (later ones lose their `$`), up to four images or one
/// video and never both. A caption too long is shortened, or split into a
/// thread when `text.thread` is on (the first post keeps the template's
/// fixed text, and the thread places the permalink). [`Rendered::notes`]
/// say what was cut, dropped or neutralised on the way.
///
/// The text carries [`link_for`] as it is; to post a shortened link instead
/// (`text.shortener`), use [`render_with_link`].
///
/// # Errors
/// [`PolicyError::Render`] when the text cannot fit (e.g. a template longer
/// than a post) or nothing would be posted at all.
pub fn render(post: &SourcePost, settings: &LinkSettings) -> Result<Rendered, PolicyError> {
    render_with_link(post, settings, link_for(post, settings).as_deref())
}

/// Renders like [`render`], with `link` in place of the permalink.
///
/// Shortening is I/O, so it stays out of the policy: the engine takes
/// [`link_for`] (the permalink with its UTM parameters), passes it through
/// the link's `Shortener` when `text.shortener` names one, and hands the
/// result in here. `None` (or an empty link) posts no link; `text.no_link`
/// still leaves every link out.
///
/// # Errors
/// As [`render`].
pub fn render_with_link(
    post: &SourcePost,
    settings: &LinkSettings,
    link: Option<&str>,
) -> Result<Rendered, PolicyError> {
    let text = &settings.text;
    let template = Template::parse(&text.template)?;
    let mut notes = Vec::new();
    let caption = caption_for(post, settings, &mut notes);
    // Later cashtags lose their `$` before fitting, not after: without it a
    // word can become a URL (`$https://...`) and weigh more than was fitted.
    let caption = one_cashtag(&mentions_for(&caption, settings, &mut notes)?);
    let permalink = link
        .map(str::trim)
        .filter(|l| !l.is_empty() && !text.no_link)
        .map(str::to_owned);
    let date = post
        .timestamp
        .to_zoned(settings.schedule.time_zone.zone().clone())
        .strftime("%Y-%m-%d")
        .to_string();
    let username = post.username.clone().unwrap_or_default();
    // Handles that template variables bring in follow the caption's mention rule:
    // mapped when the map knows them, otherwise made inert.
    let mention_map = MentionMap::from_pairs(&settings.privacy.mention_map)?;
    let base = Vars::default()
        .caption(&caption)
        .permalink(permalink.as_deref().unwrap_or(""))
        .username(&username)
        .date(&date)
        .mentions(&mention_map);
    let hashtags = hashtags_for(&caption, settings, &template.render(&base));
    let mut vars = base;
    let mut options = FitOptions::default().budget(MAX_WEIGHTED_LENGTH);
    if template.uses(Variable::Hashtags) {
        vars = vars.hashtags(&hashtags);
    } else {
        options = options.append_hashtags(hashtags.iter().cloned());
    }
    let (chunks, dropped) = media_for(post, settings);
    notes.extend(dropped);
    let has_media = chunks.first().is_some_and(|c| !c.is_empty());

    let mut texts = match fit(&template, &vars, &options) {
        Ok(fitted) if fitted.truncated && text.thread => {
            match thread_for(&template, &vars, &caption, permalink.as_deref(), settings) {
                Some(parts) if parts.len() <= text.max_thread_posts => parts,
                found => {
                    if let Some(parts) = found {
                        notes.push(RenderNote::ThreadCut {
                            needed: parts.len(),
                            max: text.max_thread_posts,
                        });
                    }
                    notes.push(RenderNote::Truncated);
                    vec![fitted.text]
                }
            }
        }
        Ok(fitted) => {
            if fitted.truncated {
                notes.push(RenderNote::Truncated);
            }
            if !fitted.dropped_hashtags.is_empty() {
                notes.push(RenderNote::HashtagsDropped {
                    tags: fitted.dropped_hashtags,
                });
            }
            vec![fitted.text]
        }
        Err(TransformError::EmptyText) if has_media => vec![String::new()],
        Err(e) => return Err(e.into()),
    };
    while texts.len() < chunks.len() {
        texts.push(String::new());
    }
    let posts: Vec<RenderedPost> = texts
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            // An empty variable (no link, no hashtags) must not leave the
            // template's separators dangling at either end. The caption holds
            // one cashtag already; this catches one written in the template.
            let text = one_cashtag(t.trim());
            let has_url = !extract::urls(&text).is_empty();
            RenderedPost {
                text,
                media: chunks.get(i).cloned().unwrap_or_default(),
                has_url,
            }
        })
        .collect();
    let estimated_cost_usd = posts
        .iter()
        .map(|p| {
            if p.has_url {
                settings.cost.per_post_with_url_usd
            } else {
                settings.cost.per_post_usd
            }
        })
        .sum();
    Ok(Rendered {
        posts,
        strip_metadata: settings.privacy.strip_metadata,
        estimated_cost_usd,
        notes,
    })
}

/// The caption split into a thread, the template's fixed text (a disclosure
/// such as `#ad`, `{hashtags}`, `{username}`) kept in the first post. `None`
/// when it cannot be split.
fn thread_for(
    template: &Template,
    vars: &Vars<'_>,
    caption: &str,
    permalink: Option<&str>,
    settings: &LinkSettings,
) -> Option<Vec<String>> {
    let text = &settings.text;
    let placement = match text.permalink_in {
        PermalinkPlacement::First => thread::PermalinkPlacement::First,
        PermalinkPlacement::Last => thread::PermalinkPlacement::Last,
    };
    // The permalink goes where the thread places it, not where the template does.
    let frame = |part: &str| template.render(&vars.caption(part).permalink(""));
    let fixed = frame("");
    let overhead = xpost_transform::weighted_length(&fixed, Config::v3());
    let has_fixed = !fixed.trim().is_empty();
    let budget = if has_fixed {
        MAX_WEIGHTED_LENGTH.checked_sub(overhead)?
    } else {
        MAX_WEIGHTED_LENGTH
    };
    let options = ThreadOptions::default()
        .budget(budget)
        .numbering(text.numbering)
        .permalink(placement);
    let mut parts = split(caption, permalink, &options).ok()?;
    if has_fixed {
        let first = parts.first_mut()?;
        *first = frame(first);
    }
    Some(parts)
}

/// The caption as posted: the opt-in tag removed and, with `text.no_link`,
/// its URLs removed unless `text.caption_urls = "keep"`.
pub(crate) fn caption_for(
    post: &SourcePost,
    settings: &LinkSettings,
    notes: &mut Vec<RenderNote>,
) -> String {
    let caption = post.caption_text();
    let opt_in = normalize_tag(&settings.filters.opt_in_tag);
    let mut cut: Vec<Range<usize>> = Vec::new();
    if !opt_in.is_empty() {
        cut.extend(
            extract::hashtags(caption)
                .into_iter()
                .filter(|tag| normalize_tag(tag.value_in(caption)) == opt_in)
                .map(|tag| tag.range),
        );
    }
    if settings.text.no_link && settings.text.caption_urls == CaptionUrls::Remove {
        let urls = extract::urls(caption);
        if !urls.is_empty() {
            notes.push(RenderNote::UrlsRemoved { count: urls.len() });
        }
        cut.extend(urls.into_iter().map(|url| url.range));
    }
    if cut.is_empty() {
        return caption.to_owned();
    }
    cut.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(caption.len());
    let mut at = 0;
    for range in cut {
        if range.start >= at {
            out.push_str(caption.get(at..range.start).unwrap_or(""));
            at = range.end;
        }
    }
    out.push_str(caption.get(at..).unwrap_or(""));
    out.lines()
        .map(|l| {
            l.split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// The caption with @mentions mapped and the rest neutralised, unless
/// `privacy.mentions = "keep"`.
fn mentions_for(
    caption: &str,
    settings: &LinkSettings,
    notes: &mut Vec<RenderNote>,
) -> Result<String, PolicyError> {
    if settings.privacy.mentions == MentionMode::Keep {
        return Ok(caption.to_owned());
    }
    let out = MentionMap::from_pairs(&settings.privacy.mention_map)?.apply(caption);
    let inert = |t: &str| t.matches(INERT_MENTION).count();
    let count = inert(&out).saturating_sub(inert(caption));
    if count > 0 {
        notes.push(RenderNote::MentionsNeutralised { count });
    }
    Ok(out)
}

/// How the mention map makes a mention inert: a word joiner after the `@`.
const INERT_MENTION: &str = "@\u{2060}";

/// The link the text carries: the post's permalink with the `text.utm`
/// parameters, or `None` when `text.no_link` is on or the post has none. The
/// engine shortens this one when `text.shortener` names a service.
pub fn link_for(post: &SourcePost, settings: &LinkSettings) -> Option<String> {
    if settings.text.no_link {
        return None;
    }
    let link = post.permalink.as_deref()?.trim();
    if link.is_empty() {
        return None;
    }
    Some(match &settings.text.utm {
        Some(utm) => with_utm(link, utm),
        None => link.to_owned(),
    })
}

/// `link` with `utm_*` query parameters appended.
fn with_utm(link: &str, utm: &Utm) -> String {
    let (base, fragment) = match link.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (link, None),
    };
    let mut out = base.to_owned();
    let params = [
        ("utm_source", Some(utm.source.as_str())),
        ("utm_medium", utm.medium.as_deref()),
        ("utm_campaign", utm.campaign.as_deref()),
    ];
    for (key, value) in params {
        if let Some(value) = value {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(key);
            out.push('=');
            out.push_str(&encode_query(value));
        }
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// Percent-encodes everything but unreserved characters.
fn encode_query(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The hashtags for `{hashtags}` (or to append): those already in `text`
/// (the template rendered without them) left out case-insensitively, then
/// capped.
fn hashtags_for(caption: &str, settings: &LinkSettings, text: &str) -> Vec<String> {
    let settings = &settings.text;
    let mut tags: Vec<String> = match settings.hashtags {
        HashtagSource::None => Vec::new(),
        HashtagSource::Fixed => settings
            .fixed_hashtags
            .iter()
            .map(|t| normalize_keep_case(t))
            .collect(),
        HashtagSource::Caption => extract::hashtags(caption)
            .iter()
            .map(|e| e.value_in(caption).to_owned())
            .collect(),
    };
    let mut seen: Vec<String> = extract::hashtags(text)
        .iter()
        .map(|e| normalize_tag(e.value_in(text)))
        .collect();
    tags.retain(|t| {
        let key = normalize_tag(t);
        let fresh = !key.is_empty() && !seen.contains(&key);
        seen.push(key);
        fresh
    });
    tags.truncate(settings.max_hashtags);
    tags
}

fn normalize_keep_case(tag: &str) -> String {
    tag.trim().trim_start_matches(['#', '＃']).to_owned()
}

/// Media per post (indices into `post.items()`: images in groups of up to
/// 4, or one video alone), and a note for what is left out.
fn media_for(post: &SourcePost, settings: &LinkSettings) -> (Vec<Vec<usize>>, Vec<RenderNote>) {
    let items = post.items();
    let images: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.kind == MediaKind::Image)
        .map(|(n, _)| n)
        .collect();
    let video = items.iter().position(|i| i.kind == MediaKind::Video);
    let dropped = |count: usize, reason: &str| {
        (count > 0).then(|| RenderNote::MediaDropped {
            count,
            reason: reason.to_owned(),
        })
    };
    match post.media_type {
        MediaType::Video => match (video_check(post), video) {
            (VideoCheck::Unsupported(why), Some(_)) => (
                Vec::new(),
                dropped(1, &format!("X cannot take the video: {why}"))
                    .into_iter()
                    .collect(),
            ),
            (_, None) => (Vec::new(), Vec::new()),
            (_, Some(v)) => (vec![vec![v]], Vec::new()),
        },
        MediaType::Image => (
            images.first().map(|&i| vec![vec![i]]).unwrap_or_default(),
            Vec::new(),
        ),
        MediaType::Carousel => {
            let videos = items.len() - images.len();
            let mixed = "X cannot mix images and a video in one post";
            let Some(&first) = images.first() else {
                return (Vec::new(), dropped(videos, mixed).into_iter().collect());
            };
            let (chunks, beyond) = match settings.content.carousel {
                CarouselMode::FirstImage => (
                    vec![vec![first]],
                    dropped(images.len() - 1, "content.carousel = \"first_image\""),
                ),
                CarouselMode::UpTo4 => (
                    vec![images.iter().copied().take(MAX_IMAGES).collect()],
                    dropped(
                        images.len().saturating_sub(MAX_IMAGES),
                        "X takes at most 4 images per post (content.carousel = \"up_to_4\")",
                    ),
                ),
                CarouselMode::Thread => (
                    images.chunks(MAX_IMAGES).map(<[usize]>::to_vec).collect(),
                    None,
                ),
            };
            let notes = [dropped(videos, mixed), beyond];
            (chunks, notes.into_iter().flatten().collect())
        }
        _ => (Vec::new(), Vec::new()),
    }
}

/// Whether a carousel has nothing X can take: none of its items is an image.
pub(crate) fn carousel_without_media(post: &SourcePost) -> bool {
    post.media_type == MediaType::Carousel
        && !post.items().iter().any(|i| i.kind == MediaKind::Image)
}

/// `text` with the `$` removed from every cashtag after the first, since X
/// takes at most one per post.
fn one_cashtag(text: &str) -> String {
    let tags = extract::cashtags(text);
    if tags.len() < 2 {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for tag in tags.iter().skip(1) {
        out.push_str(text.get(at..tag.range.start).unwrap_or(""));
        at = tag.range.start + '$'.len_utf8();
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

/// Refuses a template that cannot be parsed, or whose fixed text alone is
/// over the length of a post.
pub(crate) fn check_template(settings: &LinkSettings) -> Result<(), PolicyError> {
    let privacy = &settings.privacy;
    if privacy.mentions == MentionMode::Keep && !privacy.mention_map.is_empty() {
        return Err(PolicyError::invalid(
            "privacy.mention_map",
            "a mention map needs mentions = \"neutralize\" (with \"keep\" the caption is left as it is)",
        ));
    }
    MentionMap::from_pairs(&privacy.mention_map)
        .map_err(|e| PolicyError::invalid("privacy.mention_map", e.to_string()))?;
    let template = Template::parse(&settings.text.template)
        .map_err(|e| PolicyError::invalid("text.template", e.to_string()))?;
    let sample_link = "https://www.instagram.com/p/C0000000000/";
    let tags: Vec<String> = settings.text.fixed_hashtags.clone();
    let vars = Vars::default()
        .permalink(sample_link)
        .hashtags(&tags)
        .date("2025-01-01");
    let bare = template.render(&vars);
    let needed = xpost_transform::weighted_length(&bare, Config::v3());
    if needed > MAX_WEIGHTED_LENGTH {
        return Err(PolicyError::invalid(
            "text.template",
            format!(
                "the template alone is {needed} weighted characters, over the {MAX_WEIGHTED_LENGTH} of a post"
            ),
        ));
    }
    Ok(())
}
