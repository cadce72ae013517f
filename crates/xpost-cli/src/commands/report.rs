//! `xpost report`: how cross-posted content performs, as one HTML file.
//!
//! For every post in state `posted` it reads Instagram's `like_count` and
//! `comments_count` through the link's Instagram token, and X's
//! `public_metrics` through the link's X token. X reads are billed per post on
//! pay-per-use plans, so only the ids xpost posted are looked up, 100 per
//! request, and the page says how many were read.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use xpost_core::{Link, LinkId, MetricQuery, PostQuery, PostRecord, PostState, Store};
use xpost_engine::adapters::{AdapterConfig, instagram_source, x_target};

use crate::error::CliError;
use crate::report::{PostPerformance, Report, XNumbers, render, series};

/// The file written when `--out` is not given, in the current directory.
pub const DEFAULT_OUT: &str = "xpost-report.html";

/// The Instagram media fields the report reads.
const IG_FIELDS: &str = "id,like_count,comments_count";

/// X's lookup limit per request.
const X_BATCH: usize = 100;

/// Options of `xpost report`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Only this link's posts [default: every link].
    #[arg(long, value_name = "NAME")]
    pub link: Option<String>,
    /// Only posts published on Instagram on or after DATE (YYYY-MM-DD, UTC, or
    /// an RFC 3339 time such as 2024-05-01T12:00:00Z).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Where to write the HTML file [default: xpost-report.html here].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Reads `--since`: a day (midnight UTC) or an RFC 3339 time.
///
/// # Errors
/// [`CliError::Input`] naming the value and the accepted forms.
pub fn parse_since(value: &str) -> Result<Timestamp, CliError> {
    let value = value.trim();
    if let Ok(at) = value.parse::<Timestamp>() {
        return Ok(at);
    }
    value
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|day| day.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|zoned| zoned.timestamp())
        .ok_or_else(|| {
            CliError::Input(format!(
                "--since {value:?} is not a date (hint: use YYYY-MM-DD, or a time such as 2024-05-01T12:00:00Z)"
            ))
        })
}

/// Measures every cross-posted post of `links` (published since `since`, when
/// given) on both platforms. Progress goes to stderr; what could not be read
/// becomes a note on the post or a warning, never a failure.
///
/// # Errors
/// [`CliError`] when the store fails.
pub async fn collect(
    store: Arc<dyn Store>,
    config: &AdapterConfig,
    links: &[Link],
    since: Option<Timestamp>,
    now: Timestamp,
) -> Result<Report, CliError> {
    let mut report = Report {
        generated: now,
        since,
        links: links.iter().map(|l| l.id.to_string()).collect(),
        posts: Vec::new(),
        x_posts_read: 0,
        x_requests: 0,
        warnings: Vec::new(),
        series: Vec::new(),
    };
    let mut samples = Vec::new();
    for link in links {
        let records: Vec<PostRecord> = store
            .posts(&PostQuery {
                link: Some(link.id.clone()),
                states: vec![PostState::Posted],
                limit: 0,
            })
            .await?
            .into_iter()
            .filter(|r| since.is_none_or(|s| r.post.timestamp >= s))
            .collect();
        if records.is_empty() {
            continue;
        }
        eprintln!(
            "link {}: {} cross-posted post{}",
            link.id,
            records.len(),
            plural(records.len())
        );
        // What [analytics] sampled of these posts, read from the store (no paid read).
        let ids: std::collections::HashSet<&str> =
            records.iter().map(|r| r.source_id.as_str()).collect();
        samples.extend(
            store
                .metrics(&MetricQuery {
                    link: Some(link.id.clone()),
                    ..MetricQuery::default()
                })
                .await?
                .into_iter()
                .filter(|s| ids.contains(s.source_id.as_str())),
        );
        let mut posts: Vec<PostPerformance> = records.iter().map(performance).collect();
        instagram_numbers(&*store, config, &link.id, &mut posts, &mut report).await;
        x_numbers(
            Arc::clone(&store),
            config,
            &link.id,
            &mut posts,
            &mut report,
        )
        .await;
        report.posts.extend(posts);
    }
    report.posts.sort_by_key(|p| p.published);
    report.series = series(&samples);
    Ok(report)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A posted record before any numbers are read.
fn performance(record: &PostRecord) -> PostPerformance {
    PostPerformance {
        link: record.link.to_string(),
        instagram_id: record.source_id.to_string(),
        permalink: record.post.permalink.clone(),
        caption: record.post.caption_text().to_owned(),
        published: record.post.timestamp,
        x_ids: record
            .target_ids()
            .iter()
            .map(ToString::to_string)
            .collect(),
        ig_likes: None,
        ig_comments: None,
        x: None,
        notes: Vec::new(),
    }
}

/// Fills in Instagram likes and comments, one media request per post.
async fn instagram_numbers(
    store: &dyn Store,
    config: &AdapterConfig,
    link: &LinkId,
    posts: &mut [PostPerformance],
    report: &mut Report,
) {
    let source = match instagram_source(store, link, config).await {
        Ok(source) => source,
        Err(e) => {
            report
                .warnings
                .push(format!("link {link}: Instagram numbers not read: {e}"));
            return;
        }
    };
    eprintln!("link {link}: reading Instagram likes and comments");
    for post in posts.iter_mut() {
        let id = ig_client::IgMediaId::new(post.instagram_id.as_str());
        match source.user().media_with_fields(&id, IG_FIELDS).await {
            Ok(media) => {
                // Hidden likes stay `None` and show as "-", which is not a failure.
                post.ig_likes = media.like_count;
                post.ig_comments = media.comments_count;
            }
            Err(e) => post.notes.push(format!("Instagram: {e}")),
        }
    }
}

/// Fills in X's public metrics, looking up only the posted ids, 100 per request.
async fn x_numbers(
    store: Arc<dyn Store>,
    config: &AdapterConfig,
    link: &LinkId,
    posts: &mut [PostPerformance],
    report: &mut Report,
) {
    let target = match x_target(store, link, config).await {
        Ok(target) => target,
        Err(e) => {
            report
                .warnings
                .push(format!("link {link}: X numbers not read: {e}"));
            return;
        }
    };
    let ids: Vec<x_client::XPostId> = posts
        .iter()
        .flat_map(|p| p.x_ids.iter())
        .map(|id| x_client::XPostId::new(id.as_str()))
        .collect();
    let fields = x_client::PostFields {
        tweet_fields: vec!["public_metrics"],
        expansions: Vec::new(),
        media_fields: Vec::new(),
    };
    let mut found: HashMap<String, XNumbers> = HashMap::new();
    let mut failed = false;
    for batch in ids.chunks(X_BATCH) {
        eprintln!(
            "link {link}: reading X metrics of {} post{} (billed per post read on pay-per-use)",
            batch.len(),
            plural(batch.len())
        );
        report.x_requests += 1;
        match target.client().lookup_posts(batch, &fields).await {
            Ok(lookup) => {
                report.x_posts_read += lookup.posts.len();
                for post in lookup.posts {
                    let m = post.public_metrics.unwrap_or_default();
                    found.insert(
                        post.id.as_str().to_owned(),
                        XNumbers {
                            impressions: m.impression_count.unwrap_or(0),
                            likes: m.like_count,
                            reposts: m.retweet_count,
                            replies: m.reply_count,
                        },
                    );
                }
            }
            Err(e) => {
                failed = true;
                report
                    .warnings
                    .push(format!("link {link}: X lookup failed: {e}"));
            }
        }
    }
    for post in posts.iter_mut() {
        let mut sum: Option<XNumbers> = None;
        let mut missing = 0;
        for id in &post.x_ids {
            match found.get(id) {
                Some(n) => sum.get_or_insert_with(XNumbers::default).add(*n),
                None => missing += 1,
            }
        }
        post.x = sum;
        if missing > 0 && !failed {
            post.notes.push(format!(
                "{missing} of {} X post{} no longer on X",
                post.x_ids.len(),
                plural(post.x_ids.len())
            ));
        }
    }
}

/// Writes `html` to `path` through a private (0600) temporary file beside it,
/// so an existing report is only replaced by a complete one.
///
/// # Errors
/// [`CliError::Input`] naming the file and the cause.
pub fn write_private(path: &Path, html: &str) -> Result<(), CliError> {
    let fail = |e: std::io::Error| {
        CliError::Input(format!(
            "cannot write {}: {e} (hint: --out FILE in a folder that exists and is writable)",
            path.display()
        ))
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    file.write_all(html.as_bytes()).map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// The links to report on: `name`'s, or every link.
///
/// # Errors
/// [`CliError::Input`] for a bad or unknown link name; store failures.
pub async fn links(store: &dyn Store, name: Option<&str>) -> Result<Vec<Link>, CliError> {
    match name {
        None => Ok(store.links().await?),
        Some(name) => {
            let id =
                LinkId::new(name).map_err(|_| {
                CliError::Input(format!(
                    "--link {name:?} is not a link name (hint: 1 to 64 ASCII letters, digits, '-' or '_'; xpost status lists the links)"
                ))
            })?;
            store.link(&id).await?.map(|l| vec![l]).ok_or_else(|| {
                CliError::Input(format!(
                    "no link named {name} (hint: xpost status lists the links)"
                ))
            })
        }
    }
}

/// Whether the report can be written at `out`: not a directory, in a folder that exists.
fn check_out(out: &std::path::Path) -> Result<(), CliError> {
    if out.is_dir() {
        return Err(CliError::Input(format!(
            "--out {} is a directory (hint: name a file, e.g. {}/{DEFAULT_OUT})",
            out.display(),
            out.display()
        )));
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent
        && !parent.is_dir()
    {
        return Err(CliError::Input(format!(
            "--out {}: the folder {} does not exist (hint: create it, or name a file in an existing folder)",
            out.display(),
            parent.display()
        )));
    }
    Ok(())
}

/// Runs `xpost report`: writes the HTML file and prints its path (the only
/// line on stdout). Answers `false` when some numbers could not be read (the
/// file is written all the same, with the reasons in it).
///
/// # Errors
/// [`CliError`] for bad options, a failing store or an unwritable file.
pub async fn run(
    store: Arc<dyn Store>,
    config: &AdapterConfig,
    args: &ReportArgs,
) -> Result<bool, CliError> {
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT));
    // Checked before anything is read: X reads cost money.
    check_out(&out)?;
    let links = links(&*store, args.link.as_deref()).await?;
    let now = config.clock.now();
    let report = collect(store, config, &links, since, now).await?;
    let html = render(&report)?;
    write_private(&out, &html)?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    eprintln!(
        "{} post{}; X reads: {} post{} in {} request{}",
        report.posts.len(),
        plural(report.posts.len()),
        report.x_posts_read,
        plural(report.x_posts_read),
        report.x_requests,
        plural(report.x_requests)
    );
    let shown = std::path::absolute(&out).unwrap_or(out);
    println!("{}", shown.display());
    let notes = report.posts.iter().any(|p| !p.notes.is_empty());
    Ok(report.warnings.is_empty() && !notes)
}

#[cfg(test)]
mod out_tests {
    use super::check_out;

    #[test]
    fn a_directory_or_a_missing_folder_is_refused_before_anything_is_read() {
        let dir = std::env::temp_dir();
        let err = check_out(&dir).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
        let err = check_out(&dir.join("no-such-folder-xpost").join("r.html"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not exist"), "{err}");
        assert!(check_out(&dir.join("xpost-report.html")).is_ok());
        assert!(check_out(std::path::Path::new("report.html")).is_ok());
    }
}
