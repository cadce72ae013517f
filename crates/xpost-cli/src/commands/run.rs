//! `xpost run`: every link polled on its schedule until SIGINT or SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use xpost_core::Store;
use xpost_engine::Limits;

use crate::context;
use crate::error::CliError;
use crate::global::GlobalArgs;

/// Options of `xpost run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// TOML link settings (also accepted before the command).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Poll each link at most every SECONDS (the platforms' rate limits may
    /// stretch it).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub poll_interval: u64,
    /// Links worked at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub concurrency: u64,
    /// How long this worker's claim on a link lasts unless renewed: if the
    /// worker dies, other workers wait this long before taking its links over.
    #[arg(long, value_name = "SECONDS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(2..=3_600))]
    pub lease_ttl: u64,
}

/// Waits for SIGINT or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs `xpost run` until a shutdown signal, then lets the passes in flight
/// finish their current step.
///
/// # Errors
/// [`CliError`] when the store or the settings cannot be used.
pub async fn run(
    global: &GlobalArgs,
    store: Arc<dyn Store>,
    args: &RunArgs,
) -> Result<(), CliError> {
    let mut limits = Limits::default();
    limits.poll_interval = Duration::from_secs(args.poll_interval);
    limits.concurrency = usize::try_from(args.concurrency).unwrap_or(4);
    limits.lease_ttl = Duration::from_secs(args.lease_ttl);
    let engine = context::engine(global, store, limits)?;
    eprintln!(
        "xpost: running; every link is polled at most every {} s. Stop with Ctrl-C.",
        args.poll_interval
    );
    let summary = engine
        .run(async {
            shutdown_signal().await;
            eprintln!("xpost: stopping after the work in flight…");
        })
        .await?;
    eprintln!(
        "xpost: stopped after {} passes: {} posted, {} failed{}",
        summary.passes,
        summary.posted,
        summary.failed,
        if summary.errors > 0 {
            format!(
                ", {} passes hit a store error and were retried",
                summary.errors
            )
        } else {
            String::new()
        }
    );
    Ok(())
}
