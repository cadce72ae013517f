//! `xpost preview`: the exact posts a link's settings make of a caption (or of
//! one Instagram post), each with its weighted length and the rules and notes
//! that shaped it.
//!
//! It decides with [`xpost_policy::explain`], the very function `xpost policy
//! explain` and the engine's decisions go through, so what it shows is what
//! `xpost sync` would send; nothing is posted.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use xpost_core::{IgMediaId, LinkId, MediaType, ProductType, Source, SourceId, SourcePost, Store};
use xpost_engine::adapters::{AdapterConfig, instagram_source};
use xpost_policy::{Context, Explanation, Outcome, PolicyConfig, Verdict, explain};
use xpost_transform::{Config, weighted_length};

use crate::error::CliError;
use crate::output::json;

/// X's limit on one post's weighted length.
pub const MAX_WEIGHTED_LENGTH: usize = 280;

/// Options of `xpost preview`.
#[derive(Debug, Clone, clap::Args)]
pub struct PreviewArgs {
    /// The link whose settings apply (the `[defaults]` when the settings do not
    /// name it) and, with `--post`, whose Instagram account is read.
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub link: String,
    /// An Instagram post id to fetch through the link, instead of a caption on stdin.
    #[arg(long, value_name = "ID")]
    pub post: Option<String>,
    /// TOML link settings (defaults apply when left out).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Decide as for a backfill the user asked for (a `--post` older than the link).
    #[arg(long)]
    pub backfill: bool,
    /// Print `{"link", "tweets": [{"text", "weighted_length", "media"}], "explanation"}` as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One post as it would go to X.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewTweet {
    /// The exact text.
    pub text: String,
    /// Its length as X counts it (twitter-text v3 weights); at most 280.
    pub weighted_length: usize,
    /// Which of the source post's media it carries (indices).
    pub media: Vec<usize>,
}

/// What `xpost preview` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// The link whose settings applied.
    pub link: String,
    /// The posts, in order (a thread when more than one).
    pub tweets: Vec<PreviewTweet>,
    /// The decision, its rule, the notes and the trace of every rule looked at.
    pub explanation: Explanation,
}

/// A feed image published at `now` with `caption`: what a caption on stdin
/// stands for.
///
/// # Errors
/// [`CliError::Input`] if the post cannot be built (never for a caption).
pub fn caption_post(caption: &str, now: Timestamp) -> Result<SourcePost, CliError> {
    let id = IgMediaId::new("1").map_err(|e| CliError::Input(e.to_string()))?;
    Ok(SourcePost {
        id,
        media_type: MediaType::Image,
        product_type: ProductType::Feed,
        caption: Some(caption.to_owned()),
        permalink: None,
        timestamp: now,
        username: None,
        close_friends: false,
        media: Vec::new(),
    })
}

/// The posts `link`'s settings in `config` make of `post`, decided at `now`.
///
/// # Errors
/// [`CliError::Input`] when the settings cannot be applied.
pub fn preview(
    config: &PolicyConfig,
    link: &str,
    post: &SourcePost,
    ctx: &Context,
    now: Timestamp,
) -> Result<Preview, CliError> {
    // A link the file does not name gets the defaults, as in the engine.
    let named = config.defined_link(link).is_ok().then_some(link);
    let explanation =
        explain(config, named, post, ctx, now).map_err(|e| CliError::Input(e.to_string()))?;
    let tweets = explanation
        .posts
        .iter()
        .map(|p| PreviewTweet {
            text: p.text.clone(),
            weighted_length: weighted_length(&p.text, Config::v3()),
            media: p.media.clone(),
        })
        .collect();
    Ok(Preview {
        link: link.to_owned(),
        tweets,
        explanation,
    })
}

/// Reads the caption from stdin, without the final line break.
fn read_caption() -> Result<String, CliError> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Type or paste the caption, then Ctrl-D.");
    }
    let mut caption = String::new();
    stdin
        .read_to_string(&mut caption)
        .map_err(|e| CliError::Input(format!("cannot read the caption from stdin: {e}")))?;
    let trimmed = caption.strip_suffix('\n').unwrap_or(&caption);
    Ok(trimmed.strip_suffix('\r').unwrap_or(trimmed).to_owned())
}

/// The posts `link` would make of its Instagram post `id`, fetched through
/// the link's account and decided at `now` as a sync would (posts older than
/// the link are skipped unless `backfill`).
///
/// # Errors
/// [`CliError::Input`] for an unknown link or post, or one that cannot be
/// fetched; [`CliError::Engine`] when the store fails.
pub async fn post_preview(
    store: Arc<dyn Store>,
    adapters: &AdapterConfig,
    policy: &PolicyConfig,
    link: &str,
    id: &str,
    backfill: bool,
    now: Timestamp,
) -> Result<Preview, CliError> {
    let link_id = LinkId::new(link).map_err(|e| CliError::Input(format!("--link: {e}")))?;
    let Some(stored) = store.link(&link_id).await? else {
        return Err(CliError::Input(format!(
            "no link named {link:?}; xpost status lists them"
        )));
    };
    let source_id = SourceId::new(id).map_err(|e| CliError::Input(format!("--post: {e}")))?;
    let source = instagram_source(&*store, &link_id, adapters)
        .await
        .map_err(|e| {
            CliError::Input(format!("cannot read link {link}'s Instagram account: {e}"))
        })?;
    let post = match source.post(&source_id).await {
        Ok(Some(post)) => post,
        Ok(None) => {
            return Err(CliError::Input(format!(
                "Instagram post {id} does not exist (or is not {link}'s)"
            )));
        }
        Err(e) => {
            return Err(CliError::Input(format!(
                "cannot fetch Instagram post {id}: {e}"
            )));
        }
    };
    let ctx = Context {
        linked_at: stored.active_since,
        first_seen: Some(now),
        backfill,
        ..Context::default()
    };
    preview(policy, link, &post, &ctx, now)
}

/// Prints `preview` for people.
fn print(preview: &Preview) {
    let e = &preview.explanation;
    let verdict = match e.verdict {
        Verdict::PostNow => "post now".to_owned(),
        Verdict::PostAt(at) => format!("post at {at}"),
        Verdict::Skip => "skip".to_owned(),
        Verdict::NeedsReview => "needs review".to_owned(),
        _ => "undecided".to_owned(),
    };
    println!("link: {}", preview.link);
    println!("decision: {verdict} ({}: {})", e.rule, e.reason);
    let count = preview.tweets.len();
    for (i, tweet) in preview.tweets.iter().enumerate() {
        let media = if tweet.media.is_empty() {
            String::new()
        } else {
            format!(", {} media", tweet.media.len())
        };
        println!(
            "--- post {}/{count} ({}/{MAX_WEIGHTED_LENGTH}{media})",
            i + 1,
            tweet.weighted_length
        );
        println!("{}", tweet.text);
    }
    if count > 0 {
        println!("---");
        println!("estimated cost: ${:.3}", e.estimated_cost_usd);
    }
    if !e.notes.is_empty() {
        println!("notes:");
        for note in &e.notes {
            println!("  - {note}");
        }
    }
    println!("rules:");
    for step in &e.trace {
        let outcome = match (step.outcome, step.until) {
            (Outcome::Held, Some(until)) => format!("held until {until}"),
            (Outcome::Held, None) => "held".to_owned(),
            (Outcome::Passed, _) => "passed".to_owned(),
            (Outcome::Skipped, _) => "skipped".to_owned(),
            (Outcome::Review, _) => "needs review".to_owned(),
            _ => "looked at".to_owned(),
        };
        println!("  {}: {outcome}: {}", step.rule, step.detail);
    }
}

/// Runs `xpost preview`. `store` is opened only for `--post`.
///
/// # Errors
/// [`CliError`] for bad settings, an unreadable stdin, or a post that cannot
/// be fetched.
pub async fn run(
    args: &PreviewArgs,
    policy: &PolicyConfig,
    adapters: &AdapterConfig,
    store: impl std::future::Future<Output = Result<Arc<dyn Store>, CliError>>,
) -> Result<(), CliError> {
    let now = Timestamp::now();
    let preview = match &args.post {
        Some(id) => {
            post_preview(
                store.await?,
                adapters,
                policy,
                &args.link,
                id,
                args.backfill,
                now,
            )
            .await?
        }
        None => {
            let ctx = Context {
                backfill: args.backfill,
                ..Context::default()
            };
            preview(
                policy,
                &args.link,
                &caption_post(&read_caption()?, now)?,
                &ctx,
                now,
            )?
        }
    };
    if args.json {
        json(&preview)
    } else {
        print(&preview);
        Ok(())
    }
}
