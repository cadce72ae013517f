//! The performance report as data and as one self-contained HTML page.
//!
//! [`Report`] is what `xpost report` measured; [`render`] turns it into a page
//! that needs no network to view: the charts are inline SVG drawn by `plotters`
//! ([`chart`]), the styles are inline, and there is no script, web font or
//! remote image. The page comes from a `minijinja` template with HTML
//! auto-escaping on, so captions and everything else the platforms return are
//! escaped; only the SVG that `plotters` drew is passed through as markup.

pub mod chart;

use std::collections::HashMap;

use jiff::Timestamp;
use minijinja::{Environment, Value, context};
use serde::Serialize;
use xpost_core::{MetricSample, Platform};

use crate::error::CliError;

/// The template, kept beside the crate's sources.
const TEMPLATE: &str = include_str!("../../templates/report.html");

/// One cross-posted Instagram post with its numbers on both platforms.
#[derive(Debug, Clone, Serialize)]
pub struct PostPerformance {
    /// The link it was cross-posted through.
    pub link: String,
    /// The Instagram media id.
    pub instagram_id: String,
    /// The Instagram permalink, when known (shown as text, never loaded).
    pub permalink: Option<String>,
    /// The caption, as Instagram had it when cross-posted.
    pub caption: String,
    /// When it was published on Instagram.
    pub published: Timestamp,
    /// The X posts it became (several for a thread), in order.
    pub x_ids: Vec<String>,
    /// Instagram likes; `None` when Instagram did not say (hidden or unreadable).
    pub ig_likes: Option<u64>,
    /// Instagram comments; `None` when Instagram did not say.
    pub ig_comments: Option<u64>,
    /// X's counters summed over every part, once X answered for at least one.
    pub x: Option<XNumbers>,
    /// What could not be read for this post, in words.
    pub notes: Vec<String>,
}

/// X public metrics, summed over the parts of a cross-post.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct XNumbers {
    /// Impressions.
    pub impressions: u64,
    /// Likes.
    pub likes: u64,
    /// Reposts.
    pub reposts: u64,
    /// Replies.
    pub replies: u64,
}

impl XNumbers {
    /// Adds `other`'s counters to these.
    pub fn add(&mut self, other: XNumbers) {
        self.impressions += other.impressions;
        self.likes += other.likes;
        self.reposts += other.reposts;
        self.replies += other.replies;
    }
}

/// Everything counted over the report's posts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Cross-posted posts in the report.
    pub posts: usize,
    /// Instagram likes.
    pub ig_likes: u64,
    /// Instagram comments.
    pub ig_comments: u64,
    /// X counters.
    pub x: XNumbers,
}

/// What `xpost report` measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// When it was measured.
    pub generated: Timestamp,
    /// Only posts published on Instagram from then on, when asked.
    pub since: Option<Timestamp>,
    /// The links it covers.
    pub links: Vec<String>,
    /// The posts, oldest first.
    pub posts: Vec<PostPerformance>,
    /// X posts read (each is billed on X's pay-per-use plans).
    pub x_posts_read: usize,
    /// X lookup requests made (up to 100 posts each).
    pub x_requests: usize,
    /// Problems that left numbers out, in words.
    pub warnings: Vec<String>,
    /// Engagement over time, from the samples `[analytics]` stored (empty when
    /// it is off): one point per sampling.
    pub series: Vec<SeriesPoint>,
}

/// The report's posts' engagement as it stood at one sampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeriesPoint {
    /// When it was sampled.
    pub at: Timestamp,
    /// X impressions of every post, as last sampled by then.
    pub x_impressions: u64,
    /// Instagram likes of every post, as last sampled by then.
    pub ig_likes: u64,
}

/// Totals over time from stored samples: at each sampling instant, the sum of
/// each post's latest known counters (so posts sampled at different times, or
/// links sampled on different schedules, still add up).
pub fn series(samples: &[MetricSample]) -> Vec<SeriesPoint> {
    let mut ordered: Vec<&MetricSample> = samples.iter().collect();
    ordered.sort_by_key(|s| s.at);
    let mut latest: HashMap<(&str, &str, Platform), u64> = HashMap::new();
    let mut points: Vec<SeriesPoint> = Vec::new();
    for sample in ordered {
        let value = match sample.platform {
            Platform::X => sample.metrics.impressions,
            _ => sample.metrics.likes,
        };
        if let Some(value) = value {
            latest.insert(
                (
                    sample.link.as_str(),
                    sample.source_id.as_str(),
                    sample.platform,
                ),
                value,
            );
        }
        let sum = |platform: Platform| -> u64 {
            latest
                .iter()
                .filter(|((_, _, p), _)| *p == platform)
                .map(|(_, v)| *v)
                .sum()
        };
        let point = SeriesPoint {
            at: sample.at,
            x_impressions: sum(Platform::X),
            ig_likes: sum(Platform::Instagram),
        };
        match points.last_mut() {
            Some(last) if last.at == point.at => *last = point,
            _ => points.push(point),
        }
    }
    points
}

impl Report {
    /// The sums over every post.
    pub fn totals(&self) -> Totals {
        let mut totals = Totals {
            posts: self.posts.len(),
            ..Totals::default()
        };
        for post in &self.posts {
            totals.ig_likes += post.ig_likes.unwrap_or(0);
            totals.ig_comments += post.ig_comments.unwrap_or(0);
            if let Some(x) = post.x {
                totals.x.add(x);
            }
        }
        totals
    }
}

/// A post as the template shows it.
#[derive(Serialize)]
struct Row<'a> {
    instagram_id: &'a str,
    link_name: &'a str,
    /// The permalink, only when it is an `https` address (never `javascript:`).
    link: Option<&'a str>,
    caption: &'a str,
    date: String,
    x_ids: &'a [String],
    ig_likes: Option<u64>,
    ig_comments: Option<u64>,
    x: Option<XNumbers>,
    notes: &'a [String],
}

/// Renders `report` as one self-contained HTML page.
///
/// # Errors
/// [`CliError::Input`] when a chart or the template cannot be drawn (a bug,
/// reported in one line).
pub fn render(report: &Report) -> Result<String, CliError> {
    let charts = if report.posts.is_empty() {
        Vec::new()
    } else {
        let mut charts = vec![
            Value::from_safe_string(chart::over_time(&report.posts)?),
            Value::from_safe_string(chart::totals(&report.totals())?),
        ];
        if report.series.len() > 1 {
            charts.push(Value::from_safe_string(chart::sampled(&report.series)?));
        }
        charts
    };
    let rows: Vec<Row<'_>> = report
        .posts
        .iter()
        .map(|post| Row {
            instagram_id: &post.instagram_id,
            link_name: &post.link,
            link: post
                .permalink
                .as_deref()
                .filter(|p| p.starts_with("https://")),
            caption: &post.caption,
            date: day_and_time(post.published),
            x_ids: &post.x_ids,
            ig_likes: post.ig_likes,
            ig_comments: post.ig_comments,
            x: post.x,
            notes: &post.notes,
        })
        .collect();
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| CliError::Input(format!("the report template is broken: {e}")))?;
    let template = env
        .get_template("report.html")
        .map_err(|e| CliError::Input(format!("the report template is missing: {e}")))?;
    template
        .render(context! {
            generated => day_and_time(report.generated),
            since => report.since.map(day_and_time),
            links => report.links,
            rows => rows,
            totals => report.totals(),
            charts => charts,
            x_posts_read => report.x_posts_read,
            x_requests => report.x_requests,
            warnings => report.warnings,
        })
        .map_err(|e| CliError::Input(format!("cannot render the report: {e}")))
}

/// `2024-05-01 14:03 UTC`.
fn day_and_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use xpost_core::{LinkId, Metrics, SourceId};

    fn sample(post: &str, platform: Platform, second: i64, value: u64) -> MetricSample {
        MetricSample {
            link: LinkId::new("default").unwrap(),
            source_id: SourceId::new(post).unwrap(),
            platform,
            at: Timestamp::from_second(1_700_000_000 + second).unwrap(),
            metrics: Metrics {
                likes: Some(value),
                impressions: (platform == Platform::X).then_some(value * 10),
                ..Metrics::default()
            },
        }
    }

    #[test]
    fn the_series_sums_each_posts_latest_counters_per_sampling() {
        let points = series(&[
            sample("1", Platform::X, 0, 1),
            sample("1", Platform::Instagram, 0, 5),
            sample("2", Platform::X, 0, 2),
            // Only post 1 sampled later: post 2 keeps its last value.
            sample("1", Platform::X, 60, 4),
            sample("1", Platform::Instagram, 60, 7),
        ]);
        let got: Vec<(i64, u64, u64)> = points
            .iter()
            .map(|p| {
                (
                    p.at.as_second() - 1_700_000_000,
                    p.x_impressions,
                    p.ig_likes,
                )
            })
            .collect();
        assert_eq!(got, vec![(0, 30, 5), (60, 60, 7)]);
    }

    #[test]
    fn the_sampled_chart_is_drawn_with_two_samplings_or_more() {
        let report = |series: Vec<SeriesPoint>| Report {
            generated: Timestamp::UNIX_EPOCH,
            since: None,
            links: vec!["default".into()],
            posts: vec![PostPerformance {
                link: "default".into(),
                instagram_id: "1".into(),
                permalink: None,
                caption: "c".into(),
                published: Timestamp::UNIX_EPOCH,
                x_ids: vec!["9".into()],
                ig_likes: Some(1),
                ig_comments: Some(0),
                x: None,
                notes: Vec::new(),
            }],
            x_posts_read: 0,
            x_requests: 0,
            warnings: Vec::new(),
            series,
        };
        let point = |s: i64, v: u64| SeriesPoint {
            at: Timestamp::from_second(s).unwrap(),
            x_impressions: v,
            ig_likes: v,
        };
        let title = "over time (sampled)";
        assert!(!render(&report(vec![point(0, 1)])).unwrap().contains(title));
        let html = render(&report(vec![point(0, 1), point(3600, 9)])).unwrap();
        assert!(html.contains(title));
    }
}
