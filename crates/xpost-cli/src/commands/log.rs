//! `xpost log`: the event log, newest first.

use xpost_core::{EventQuery, LinkId, Store};

use crate::error::CliError;
use crate::output::{cell, json, name, table};

/// Options of `xpost log`.
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// Only this link's events.
    pub link: Option<String>,
    /// Only failures (and what they call for).
    #[arg(long)]
    pub failed: bool,
    /// At most this many events.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `xpost log`.
///
/// # Errors
/// [`CliError`] for a bad link name or a store failure.
pub async fn run(store: &dyn Store, args: &LogArgs) -> Result<(), CliError> {
    let link = args
        .link
        .as_deref()
        .map(LinkId::new)
        .transpose()
        .map_err(|e| CliError::Input(e.to_string()))?;
    let events = store
        .events(&EventQuery {
            link,
            failures_only: args.failed,
            limit: args.limit,
            ..EventQuery::default()
        })
        .await?;
    if args.json {
        for event in &events {
            json(event)?;
        }
        return Ok(());
    }
    if events.is_empty() {
        println!("No events yet.");
        return Ok(());
    }
    let mut out = table(&["time", "link", "post", "event", "what happened"]);
    for e in &events {
        let kind = name(&e.kind);
        let mut what = e.message.clone();
        if let Some(hint) = &e.hint {
            what.push_str(&format!(" — {hint}"));
        }
        out.add_row(vec![
            e.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            e.link.to_string(),
            e.source_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            kind,
            cell(&what, 100),
        ]);
    }
    println!("{out}");
    Ok(())
}
