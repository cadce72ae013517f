//! `xpost policy explain`: what the policy would do with one post, and why.

use std::path::PathBuf;

use jiff::Timestamp;
use xpost_core::{LinkId, SourcePost};
use xpost_policy::{Context, LinkSettings, PolicyConfig, Verdict, decide};

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
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The post as xpost JSON (`{"id", "media_type", "product_type", "caption",
    /// "permalink", "timestamp", ...}`), or `@FILE` to read it from a file.
    #[arg(long)]
    pub post: String,
    /// The link whose settings apply.
    #[arg(long, default_value = "default")]
    pub link: String,
    /// The current time (RFC 3339); the real clock when left out.
    #[arg(long)]
    pub now: Option<Timestamp>,
    /// When the link became active (RFC 3339); older posts are then skipped.
    #[arg(long)]
    pub linked_at: Option<Timestamp>,
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
    let link = LinkId::new(args.link.as_str()).map_err(|e| e.to_string())?;
    let settings: &LinkSettings = config.link(&link);
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
        ..Context::default()
    };
    let now = args.now.unwrap_or_else(Timestamp::now);
    let decision = decide(&post, settings, &ctx, now);
    let verdict = match decision.verdict {
        Verdict::PostNow => "post now".to_owned(),
        Verdict::PostAt(at) => format!("post at {at}"),
        Verdict::Skip => "skip".to_owned(),
        Verdict::NeedsReview => "needs review".to_owned(),
        _ => "undecided".to_owned(),
    };
    let mut out = format!(
        "decision: {verdict}\nrule: {}\nreason: {}\n",
        decision.rule, decision.reason
    );
    if let Some(rendered) = &decision.rendered {
        out.push_str(&format!(
            "reply_settings: {}\nestimated_cost_usd: {:.3}\n",
            decision.audience.reply_settings, rendered.estimated_cost_usd
        ));
        if let Some(community) = &decision.audience.community_id {
            out.push_str(&format!("community_id: {community}\n"));
        }
        for (i, p) in rendered.posts.iter().enumerate() {
            out.push_str(&format!(
                "post {}: {} (media: {:?})\n",
                i + 1,
                serde_json::to_string(&p.text).unwrap_or_default(),
                p.media
            ));
        }
    }
    Ok(out)
}
