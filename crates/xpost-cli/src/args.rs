//! The command line's shape: the top-level parser and its subcommands.

use clap::{Parser, Subcommand};

use crate::commands::{
    demo, doctor, emulator, fit, link, links, log, parse, pause, policy, preview, report, review,
    run, serve, status, sync, unlink,
};
use crate::global::GlobalArgs;

/// Cross-post an Instagram account to X.
#[derive(Debug, Parser)]
#[command(name = "xpost", version, about)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// See it work: an emulated Instagram and X, both accounts linked, sample
    /// posts of every kind, one sync and what happened to each post.
    Demo(demo::DemoArgs),
    /// Text tools: exact twitter-text counting, extraction and fitting.
    #[command(subcommand)]
    Text(TextCommand),
    /// Serve a local Instagram and X with an admin API until SIGINT/SIGTERM.
    Emulator(emulator::EmulatorArgs),
    /// Link policy: see what the settings decide for a post, and why.
    Policy(policy::PolicyArgs),
    /// One pass over every link: new posts found, decided, cross-posted, recorded.
    Sync(sync::SyncArgs),
    /// Cross-post continuously, polling each link on its schedule, until Ctrl-C.
    Run(run::RunArgs),
    /// Every link and post, with its state and, for skips and failures, why.
    Status(status::StatusArgs),
    /// The event log, newest first.
    Log(log::LogArgs),
    /// Posts held for review: list, approve, reject.
    Review(review::ReviewArgs),
    /// Hold a link: nothing is polled or posted until it is resumed.
    Pause(pause::PauseArgs),
    /// Let a paused link go again.
    Resume(pause::PauseArgs),
    /// What needs attention: tokens, scopes, rate limits, platforms, the store.
    ///
    /// Prints one line per check and, under each problem, the line that fixes
    /// it. Exits 0 when nothing needs attention, 1 when something does, 2 when
    /// doctor itself cannot run.
    Doctor(doctor::DoctorArgs),
    /// The exact posts a link would make of a caption (stdin) or of an Instagram post.
    Preview(preview::PreviewArgs),
    /// Connect one side of a link: `instagram` (the source) or `x` (the target).
    Link(link::LinkArgs),
    /// Every link with both accounts, state, scopes and token expiry.
    Links(links::LinksArgs),
    /// Disconnect a link (optionally deleting what it posted on X); history is kept.
    Unlink(unlink::UnlinkArgs),
    /// How cross-posted posts perform on Instagram and X, as one HTML file
    /// with charts (self-contained: no network needed to view it).
    Report(report::ReportArgs),
    /// The web dashboard and the platforms' callbacks (optionally cross-posting
    /// too, with --with-run), until SIGINT/SIGTERM.
    Serve(serve::ServeArgs),
}

/// `xpost text ...`
#[derive(Debug, Subcommand)]
pub enum TextCommand {
    /// Count and extract entities: JSON Lines `{"text": ...}` on stdin, one report per line on stdout.
    Parse(parse::ParseArgs),
    /// Fit a caption (stdin) into a tweet, or split it into a thread.
    Fit(Box<fit::FitArgs>),
}
