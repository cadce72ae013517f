//! `xpost unlink`: stops a link, revokes what X lets it revoke, deletes the
//! stored tokens and keeps the history; with `--purge` it first deletes every
//! post it published on X; with `--forget` it deletes everything stored about
//! the link instead of keeping the history (what Meta's data-deletion callback
//! does), leaving its posts on X unless `--purge` is given too.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use xpost_core::{Event, EventKind, LinkId, PostQuery, Store, Target};
use xpost_engine::Limits;
use xpost_engine::adapters::{AdapterConfig, x_target};

use crate::commands::links::known_link;
use crate::context::{adapter_config, engine};
use crate::error::CliError;
use crate::global::GlobalArgs;
use crate::store;

/// Options of `xpost unlink`.
#[derive(Debug, Clone, clap::Args)]
pub struct UnlinkArgs {
    /// The link to disconnect.
    #[arg(value_name = "LINK", default_value = "default")]
    pub link: String,
    /// First delete from X every post this link published there (asks for
    /// confirmation on a terminal).
    #[arg(long)]
    pub purge: bool,
    /// Delete everything stored about the link (tokens, post records, events,
    /// metrics, the link itself) instead of keeping the history; its posts on
    /// X stay unless --purge is given too (asks for confirmation on a terminal).
    #[arg(long)]
    pub forget: bool,
    /// Do not ask before purging or forgetting (needed when not on a terminal).
    #[arg(long)]
    pub yes: bool,
}

/// What [`purge`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Source posts whose cross-posts were deleted.
    pub posts: usize,
    /// Posts deleted on X (a thread counts each part).
    pub parts: usize,
}

/// How many posts and parts of `link` are on X.
pub(crate) async fn published(
    store: &dyn Store,
    link: &LinkId,
) -> Result<(usize, usize), CliError> {
    let records = store
        .posts(&PostQuery {
            link: Some(link.clone()),
            ..PostQuery::default()
        })
        .await?;
    let parts: Vec<usize> = records
        .iter()
        .map(|r| r.target_ids().len())
        .filter(|&n| n > 0)
        .collect();
    Ok((parts.len(), parts.iter().sum()))
}

/// Deletes from X every part of every post `link` published there, through the
/// link's X account, and appends an `EventKind::Deleted` event per post. The
/// records stay (the history is kept). Run it before the link's credentials are
/// deleted; deleting a post already gone succeeds, so it can be run again after
/// a failure.
///
/// # Errors
/// [`CliError`] when the link has no X credentials, X refuses a deletion (the
/// posts deleted so far stay deleted and recorded), or the store fails.
pub async fn purge(
    store: Arc<dyn Store>,
    config: &AdapterConfig,
    link: &LinkId,
) -> Result<PurgeReport, CliError> {
    let records = store
        .posts(&PostQuery {
            link: Some(link.clone()),
            ..PostQuery::default()
        })
        .await?;
    let mut report = PurgeReport::default();
    if records.iter().all(|r| r.target_ids().is_empty()) {
        return Ok(report);
    }
    let target = x_target(Arc::clone(&store), link, config)
        .await
        .map_err(|e| CliError::Input(format!("cannot purge link {link}: {e}")))?;
    for record in records {
        let ids = record.target_ids();
        if ids.is_empty() {
            continue;
        }
        for id in &ids {
            target.delete(id).await.map_err(|e| {
                CliError::Input(format!(
                    "deleting X post {id} (from Instagram post {}) failed: {e}; {} posts deleted so far; run the purge again",
                    record.source_id, report.posts
                ))
            })?;
        }
        report.posts += 1;
        report.parts += ids.len();
        let now = config.clock.now();
        store
            .append_events(&[Event::new(
                now,
                link.clone(),
                EventKind::Deleted,
                format!(
                    "deleted from X: {}",
                    ids.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            )
            .for_post(record.source_id.clone())])
            .await?;
    }
    Ok(report)
}

/// Asks on the terminal whether to go on; false unless the answer is yes.
fn confirm(question: &str) -> Result<bool, CliError> {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::Input(format!("cannot read the answer: {e}")))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Runs `xpost unlink`.
///
/// # Errors
/// [`CliError`] for an unknown link, a purge that is refused (no terminal and no
/// `--yes`, or the answer was not yes: exit 2 and nothing changed), a failed
/// purge (the link stays as it was), or a store failure.
pub async fn run(global: &GlobalArgs, args: &UnlinkArgs) -> Result<(), CliError> {
    let store = store::open(global).await?;
    let link = known_link(&*store, &args.link).await?;
    if (args.purge || args.forget) && !args.yes && !std::io::stdin().is_terminal() {
        let flag = if args.forget { "--forget" } else { "--purge" };
        return Err(CliError::Input(format!(
            "{flag} deletes {} and needs confirmation: add --yes when not on a terminal; nothing was changed",
            if args.forget {
                "everything stored about the link"
            } else {
                "what the link posted on X"
            }
        )));
    }
    let (posts, parts) = published(&*store, &link).await?;
    if !args.yes && (args.forget || posts > 0 && args.purge) {
        let question = match (args.purge, args.forget) {
            (true, true) => format!(
                "Delete {parts} posts on X ({posts} cross-posted Instagram posts) of link {link}, then everything stored about it?"
            ),
            (false, true) => {
                format!("Delete everything stored about link {link} (its {parts} posts on X stay)?")
            }
            _ => format!(
                "Delete {parts} posts on X ({posts} cross-posted Instagram posts) of link {link}, then unlink it?"
            ),
        };
        if !confirm(&question)? {
            return Err(CliError::Input(
                "not confirmed; nothing was deleted or unlinked".into(),
            ));
        }
    }
    if args.purge {
        let report = purge(Arc::clone(&store), &adapter_config(global), &link).await?;
        println!(
            "deleted {} posts on X ({} cross-posted Instagram posts)",
            report.parts, report.posts
        );
    }
    let engine = engine(global, store, Limits::default())?;
    if args.forget {
        let report = engine.forget(&link).await?;
        let on_x = if args.purge || parts == 0 {
            String::new()
        } else {
            format!("; its {parts} posts on X were left in place (delete them on X)")
        };
        println!("forgot {link}: cross-posting stopped, deleted {report}{on_x}");
        return Ok(());
    }
    engine.unlink(&link).await?;
    println!(
        "unlinked {link}: cross-posting stopped, stored tokens deleted (revoked on X where it allows), history kept (xpost log {link} shows it)"
    );
    Ok(())
}
