//! `xpost review`: posts held for a person to approve or reject.

use jiff::Timestamp;
use xpost_core::{LinkId, SourceId, Store};
use xpost_engine::review;

use crate::commands::links::known_link;
use crate::error::CliError;
use crate::output::{cell, json, table};

/// `xpost review ...`
#[derive(Debug, Clone, clap::Args)]
pub struct ReviewArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ReviewCommand,
}

/// The review subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ReviewCommand {
    /// The posts waiting for review, with the tweets they would make.
    List {
        /// Only this link's.
        #[arg(long)]
        link: Option<String>,
        /// As JSON, one post per line.
        #[arg(long)]
        json: bool,
    },
    /// Lets a held post go out (in the link's next pass).
    Approve {
        /// The Instagram post id.
        post: String,
        /// The link it belongs to.
        #[arg(long, default_value = "default")]
        link: String,
    },
    /// Keeps a held post from ever going out.
    Reject {
        /// The Instagram post id.
        post: String,
        /// The link it belongs to.
        #[arg(long, default_value = "default")]
        link: String,
    },
}

fn ids(link: &str, post: &str) -> Result<(LinkId, SourceId), CliError> {
    let link = LinkId::new(link).map_err(|e| CliError::Input(e.to_string()))?;
    let post = SourceId::new(post).map_err(|e| CliError::Input(e.to_string()))?;
    Ok((link, post))
}

/// Runs `xpost review ...`.
///
/// # Errors
/// [`CliError`] for bad ids, a post not held for review, or a store failure.
pub async fn run(store: &dyn Store, args: &ReviewArgs) -> Result<(), CliError> {
    match &args.command {
        ReviewCommand::List {
            link,
            json: as_json,
        } => {
            let link = match link {
                Some(name) => Some(known_link(store, name).await?),
                None => None,
            };
            let held = review::pending(store, link.as_ref()).await?;
            if *as_json {
                for record in &held {
                    json(&serde_json::json!({
                        "link_id": record.link,
                        "source_id": record.source_id,
                        "caption": record.post.caption,
                        "tweets": record.plan.as_ref().map(|p| p.parts.iter().map(|t| t.text.clone()).collect::<Vec<_>>()).unwrap_or_default(),
                        "reply_settings": record.plan.as_ref().map(|p| p.reply_settings),
                    }))?;
                }
                return Ok(());
            }
            if held.is_empty() {
                println!("Nothing is waiting for review.");
                return Ok(());
            }
            let mut out = table(&["link", "post", "would post"]);
            for record in &held {
                let tweets = record
                    .plan
                    .as_ref()
                    .map(|p| {
                        p.parts
                            .iter()
                            .map(|t| t.text.clone())
                            .collect::<Vec<_>>()
                            .join(" ⏵ ")
                    })
                    .unwrap_or_default();
                out.add_row(vec![
                    record.link.to_string(),
                    record.source_id.to_string(),
                    cell(&tweets, 120),
                ]);
            }
            println!("{out}");
            println!("Approve with: xpost review approve POST --link LINK (or reject)");
            Ok(())
        }
        ReviewCommand::Approve { post, link } => {
            let (link, post) = ids(link, post)?;
            review::approve(store, &link, &post, Timestamp::now()).await?;
            println!("approved {post} on link {link}: it goes out in the link's next pass");
            Ok(())
        }
        ReviewCommand::Reject { post, link } => {
            let (link, post) = ids(link, post)?;
            review::reject(store, &link, &post, Timestamp::now()).await?;
            println!("rejected {post} on link {link}: it will not be posted");
            Ok(())
        }
    }
}
