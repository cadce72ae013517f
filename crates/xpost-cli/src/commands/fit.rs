//! `xpost text fit`: fit a caption read on stdin into one post, or split it
//! into a thread.
//!
//! The caption is all of stdin, which must be UTF-8; one trailing line break
//! (as `echo` adds) is dropped. Output, by default plain text:
//!
//! * a single post: its text, then a line break;
//! * a thread (`--thread`): each part followed by a line break, parts
//!   separated by a line holding only `---`.
//!
//! With `--json`, one JSON object instead: for a single post
//! `{"text", "truncated", "dropped_hashtags", "weighted_length"}`, for a thread
//! `{"parts": [{"text", "weighted_length"}, ...]}`. Plain output is for
//! people; a caption can itself contain a `---` line, so scripts should use
//! `--json`.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;

use serde::Serialize;
use xpost_transform::fit::{FitOptions, fit};
use xpost_transform::mention_map::MentionMap;
use xpost_transform::template::{Template, Vars};
use xpost_transform::thread::{PermalinkPlacement, ThreadOptions, split};
use xpost_transform::{Config, weighted_length};

/// Where `--thread` puts the permalink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PermalinkIn {
    /// At the end of the first part.
    First,
    /// At the end of the last part.
    Last,
    /// Left out.
    None,
}

/// Options of `xpost text fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// Largest weighted length of the post, or of each part with --thread.
    /// Above the config's maximum (280) it allows a long post (X's longest: 25,000).
    #[arg(long, default_value_t = 280, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=25_000))]
    pub budget: usize,
    /// Template of the post: {caption}, {permalink}, {username}, {hashtags},
    /// {date}; {{ and }} for braces. Not used with --thread.
    #[arg(long, default_value = "{caption}")]
    pub template: String,
    /// twitter-text configuration to count with: v1, v2 or v3.
    #[arg(long, default_value = "v3")]
    pub config: String,
    /// The Instagram post's URL, for {permalink} or the thread.
    #[arg(long)]
    pub permalink: Option<String>,
    /// The Instagram username, for {username}.
    #[arg(long, default_value = "")]
    pub username: String,
    /// Comma-separated hashtags for {hashtags} (rendered as `#a #b`).
    #[arg(long, value_delimiter = ',')]
    pub hashtags: Vec<String>,
    /// Comma-separated hashtags appended when the whole caption fits, dropped
    /// from the end when they do not.
    #[arg(long, value_delimiter = ',')]
    pub append_hashtags: Vec<String>,
    /// The date, already formatted, for {date}.
    #[arg(long, default_value = "")]
    pub date: String,
    /// What marks a cut caption.
    #[arg(long, default_value = "…")]
    pub ellipsis: String,
    /// Split into a thread instead of cutting.
    #[arg(long)]
    pub thread: bool,
    /// Number the parts of a thread (` 1/3`).
    #[arg(long, requires = "thread")]
    pub numbering: bool,
    /// Which part of a thread gets the permalink.
    #[arg(long, value_enum, default_value = "last", requires = "thread")]
    pub permalink_in: PermalinkIn,
    /// JSON file mapping Instagram handles to X handles (`{"ig.name": "XName"}`).
    /// Mapped @handles become X mentions; all others are always made inert,
    /// so that an Instagram handle never pings a stranger on X.
    #[arg(long)]
    pub map_mentions: Option<PathBuf>,
    /// Leave @handles as written (they may then mention whoever holds that
    /// name on X). Off by default.
    #[arg(long, conflicts_with = "map_mentions")]
    pub keep_mentions: bool,
    /// Print one JSON object instead of plain text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct JsonPost<'a> {
    text: &'a str,
    truncated: bool,
    dropped_hashtags: &'a [String],
    weighted_length: usize,
}

#[derive(Serialize)]
struct JsonPart<'a> {
    text: &'a str,
    weighted_length: usize,
}

#[derive(Serialize)]
struct JsonThread<'a> {
    parts: Vec<JsonPart<'a>>,
}

/// Reads the caption from stdin, fits or splits it, and prints the result.
///
/// # Errors
/// A one-line reason: bad options, stdin unreadable or not UTF-8, an
/// unreadable mention map, or a caption that cannot be fitted.
pub fn run(args: FitArgs) -> Result<(), String> {
    let config = Config::by_name(&args.config).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    std::io::stdin()
        .read_to_end(&mut raw)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    let caption = String::from_utf8(raw).map_err(|e| {
        format!(
            "stdin is not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let caption = caption
        .strip_suffix('\n')
        .map(|c| c.strip_suffix('\r').unwrap_or(c))
        .unwrap_or(&caption);
    let map = match &args.map_mentions {
        Some(path) => load_mention_map(path)?,
        None => MentionMap::new(),
    };
    let caption = if args.keep_mentions {
        caption.to_owned()
    } else {
        map.apply(caption)
    };

    let output = if args.thread {
        thread_output(&args, config, &caption)?
    } else {
        post_output(&args, config, &caption, &map)?
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(output.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write stdout: {e}"))
}

fn post_output(
    args: &FitArgs,
    config: &Config,
    caption: &str,
    map: &MentionMap,
) -> Result<String, String> {
    let template = Template::parse(&args.template).map_err(|e| e.to_string())?;
    let vars = Vars::default()
        .mentions(map)
        .caption(caption)
        .permalink(args.permalink.as_deref().unwrap_or(""))
        .username(&args.username)
        .hashtags(&args.hashtags)
        .date(&args.date);
    let options = FitOptions::default()
        .budget(args.budget)
        .config(config)
        .ellipsis(args.ellipsis.as_str())
        .append_hashtags(args.append_hashtags.iter().map(String::as_str));
    let fitted = fit(&template, &vars, &options).map_err(|e| e.to_string())?;
    if args.json {
        let json = serde_json::to_string(&JsonPost {
            text: &fitted.text,
            truncated: fitted.truncated,
            dropped_hashtags: &fitted.dropped_hashtags,
            weighted_length: fitted.weighted_length,
        })
        .map_err(|e| e.to_string())?;
        Ok(json + "\n")
    } else {
        Ok(fitted.text + "\n")
    }
}

fn thread_output(args: &FitArgs, config: &Config, caption: &str) -> Result<String, String> {
    let placement = match args.permalink_in {
        PermalinkIn::First => PermalinkPlacement::First,
        PermalinkIn::Last => PermalinkPlacement::Last,
        PermalinkIn::None => PermalinkPlacement::None,
    };
    let options = ThreadOptions::default()
        .budget(args.budget)
        .config(config)
        .numbering(args.numbering)
        .permalink(placement);
    let parts = split(caption, args.permalink.as_deref(), &options).map_err(|e| e.to_string())?;
    if args.json {
        let thread = JsonThread {
            parts: parts
                .iter()
                .map(|text| JsonPart {
                    text,
                    weighted_length: weighted_length(text, config),
                })
                .collect(),
        };
        let json = serde_json::to_string(&thread).map_err(|e| e.to_string())?;
        Ok(json + "\n")
    } else {
        Ok(parts.join("\n---\n") + "\n")
    }
}

fn load_mention_map(path: &PathBuf) -> Result<MentionMap, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read mention map {}: {e}", path.display()))?;
    let pairs: HashMap<String, String> = serde_json::from_str(&text).map_err(|e| {
        format!(
            "mention map {} must be a JSON object of strings: {e}",
            path.display()
        )
    })?;
    MentionMap::try_from(pairs).map_err(|e| format!("mention map {}: {e}", path.display()))
}
