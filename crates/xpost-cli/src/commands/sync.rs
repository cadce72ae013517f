//! `xpost sync --once`: one full pass over every link.

use std::sync::Arc;

use futures_util::StreamExt;

use xpost_core::Store;
use xpost_engine::{Limits, PassOutcome, PassReport, SyncOptions};

use crate::context;
use crate::error::CliError;
use crate::global::GlobalArgs;
use crate::output::{json, table};

/// Options of `xpost sync`.
#[derive(Debug, Clone, clap::Args)]
pub struct SyncArgs {
    /// TOML link settings (also accepted before the command).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// One pass over every link, then exit (the only mode; `xpost run` keeps going).
    #[arg(long)]
    pub once: bool,
    /// Also cross-post up to N of each link's newest posts from before it was
    /// linked (age rules do not hold them back).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub backfill: Option<u32>,
    /// Print each link's pass as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What an outcome means, in words.
pub fn outcome_text(outcome: PassOutcome) -> &'static str {
    match outcome {
        PassOutcome::Completed => "done",
        PassOutcome::Busy => "busy: another xpost process is working this link",
        PassOutcome::Inactive => "not active",
        PassOutcome::NeedsReauth => "needs a re-link (see xpost doctor)",
        PassOutcome::RateLimited => "rate limited: resumes after the reset",
        PassOutcome::LeaseLost => "taken over by another worker",
        PassOutcome::Unreachable => "platform unreachable: nothing done (see xpost log --failed)",
        PassOutcome::Paused => "paused: nothing done (xpost resume LINK)",
        _ => "stopped",
    }
}

/// Prints pass reports as a table.
pub fn print_reports(reports: &[PassReport]) {
    if reports.is_empty() {
        println!("No links yet. Connect one with: xpost link instagram, then xpost link x");
        return;
    }
    let mut out = table(&["link", "new", "posted", "skipped", "failed", "pass", "next"]);
    for r in reports {
        out.add_row(vec![
            r.link.to_string(),
            r.discovered.to_string(),
            r.posted.to_string(),
            r.skipped.to_string(),
            r.failed.to_string(),
            outcome_text(r.outcome).to_owned(),
            r.next_due
                .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
        ]);
    }
    println!("{out}");
    let synced: usize = reports.iter().map(|r| r.synced).sum();
    if synced > 0 {
        println!(
            "{synced} post(s) brought in step with an edit or a deletion on Instagram (xpost log shows how)"
        );
    }
    if reports.iter().any(|r| r.failed > 0) {
        println!("Some posts failed; the causes are in: xpost log --failed");
    }
}

/// Runs `xpost sync --once`. Single posts that fail are recorded with their
/// cause and do not make the command fail; answers `false` when a link's pass
/// could not be made (a platform unreachable, a link still busy elsewhere), which
/// the front-end reports as exit status 1.
///
/// # Errors
/// [`CliError`] when the store or the settings cannot be used.
pub async fn run(
    global: &GlobalArgs,
    store: Arc<dyn Store>,
    args: &SyncArgs,
) -> Result<bool, CliError> {
    let links = store.links().await?;
    let engine = context::engine(global, store, Limits::default())?;
    let options = SyncOptions {
        backfill: args.backfill.map(|n| n as usize),
    };
    // A bar over the links, drawn only when stderr is a terminal.
    let bar = indicatif::ProgressBar::new(links.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} syncing {pos}/{len} links {wide_bar} {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if links.len() < 2 && options.backfill.is_none() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let width = engine.limits().concurrency.max(1);
    let mut done: Vec<(usize, PassReport)> = futures_util::stream::iter(links.iter().enumerate())
        .map(|(i, link)| {
            let engine = engine.clone();
            let bar = bar.clone();
            async move {
                let report = engine.sync_link(&link.id, options).await;
                bar.inc(1);
                report.map(|r| (i, r))
            }
        })
        .buffer_unordered(width)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    bar.finish_and_clear();
    done.sort_by_key(|(i, _)| *i);
    let mut reports: Vec<PassReport> = done.into_iter().map(|(_, r)| r).collect();
    // A link another process holds is waited for, up to one lease: a live worker
    // releases it after its pass, a killed one's lease runs out.
    let patience = engine.limits().lease_ttl + std::time::Duration::from_secs(5);
    for report in reports
        .iter_mut()
        .filter(|r| r.outcome == PassOutcome::Busy)
    {
        eprintln!(
            "xpost: link {} is being worked by another xpost process; waiting up to {} s for it",
            report.link,
            patience.as_secs()
        );
        let started = std::time::Instant::now();
        while report.outcome == PassOutcome::Busy && started.elapsed() < patience {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            *report = engine.sync_link(&report.link, options).await?;
        }
    }
    if args.json {
        for report in &reports {
            json(report)?;
        }
    } else {
        print_reports(&reports);
    }
    Ok(!reports
        .iter()
        .any(|r| matches!(r.outcome, PassOutcome::Unreachable | PassOutcome::Busy)))
}
