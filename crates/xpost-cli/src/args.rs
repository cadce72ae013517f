//! The command line's shape: the top-level parser and its subcommands.

use clap::{Parser, Subcommand};

use crate::commands::{demo, emulator, fit, log, parse, policy, report, review, run, status, sync};
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
    /// How cross-posted posts perform on Instagram and X, as one HTML file
    /// with charts (self-contained: no network needed to view it).
    Report(report::ReportArgs),
}

/// `xpost text ...`
#[derive(Debug, Subcommand)]
pub enum TextCommand {
    /// Count and extract entities: JSON Lines `{"text": ...}` on stdin, one report per line on stdout.
    Parse(parse::ParseArgs),
    /// Fit a caption (stdin) into a tweet, or split it into a thread.
    Fit(Box<fit::FitArgs>),
}
