//! `xpost policy explain`: what the policy would do with one post, and why.

use std::path::PathBuf;

use jiff::Timestamp;
use xpost_core::SourcePost;
use xpost_policy::{Context, PolicyConfig, explain};

/// `xpost policy ...`
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: PolicyCommand,
}

/// The `policy` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// Print the decision for one post, the rule behind it and the posts it would make.
    Explain(ExplainArgs),
}

/// `xpost policy explain`
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// TOML link settings (defaults apply when left out).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The post as xpost JSON (`{"id", "media_type", "product_type", "caption",
    /// "permalink", "timestamp", ...}`), or `@FILE` to read it from a file.
    #[arg(long)]
    pub post: String,
    /// The link whose settings apply (it must be defined in the file); the
    /// `[defaults]` when left out.
    #[arg(long)]
    pub link: Option<String>,
    /// The current time (RFC 3339); the real clock when left out.
    #[arg(long)]
    pub now: Option<Timestamp>,
    /// When the link became active (RFC 3339); older posts are then skipped.
    #[arg(long)]
    pub linked_at: Option<Timestamp>,
    /// When the post was first seen (RFC 3339); the post's timestamp when left out.
    #[arg(long)]
    pub first_seen: Option<Timestamp>,
    /// When an earlier post of the link went out (RFC 3339); repeat for each.
    #[arg(long = "recent-post")]
    pub recent_posts: Vec<Timestamp>,
    /// US dollars the link has spent this month.
    #[arg(long, default_value_t = 0.0)]
    pub spent_usd: f64,
    /// Decide as for a backfill the user asked for.
    #[arg(long)]
    pub backfill: bool,
    /// Decide as after a reviewer approved the post.
    #[arg(long)]
    pub approved: bool,
    /// Print the explanation as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `xpost policy ...`, printing to stdout.
///
/// # Errors
/// A one-line cause when the settings, the post or a time cannot be used.
pub fn run(args: PolicyArgs) -> Result<(), String> {
    match args.command {
        PolicyCommand::Explain(explain) => {
            let report = explain_report(&explain)?;
            print!("{report}");
            Ok(())
        }
    }
}

/// The text `explain` prints.
pub fn explain_report(args: &ExplainArgs) -> Result<String, String> {
    let config = match &args.config {
        Some(path) => PolicyConfig::load(path).map_err(|e| e.to_string())?,
        None => PolicyConfig::default(),
    };
    let json = match args.post.strip_prefix('@') {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?
        }
        None => args.post.clone(),
    };
    let post: SourcePost =
        serde_json::from_str(&json).map_err(|e| format!("invalid --post JSON: {e}"))?;
    let ctx = Context {
        linked_at: args.linked_at,
        first_seen: args.first_seen,
        recent_posts: args.recent_posts.clone(),
        spent_this_month_usd: args.spent_usd,
        backfill: args.backfill,
        approved: args.approved,
        link: None,
    };
    let now = args.now.unwrap_or_else(Timestamp::now);
    let explanation =
        explain(&config, args.link.as_deref(), &post, &ctx, now).map_err(|e| e.to_string())?;
    if args.json {
        let mut out = serde_json::to_string_pretty(&explanation).map_err(|e| e.to_string())?;
        out.push('\n');
        return Ok(out);
    }
    Ok(explanation.to_string())
}
