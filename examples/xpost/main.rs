//! The `xpost` command line: a thin front-end over the xpost crates.
//!
//! Every failure exits non-zero with one human-readable line on stderr.

mod emulator;
mod fit;
mod parse;
mod policy;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Cross-post an Instagram account to X.
#[derive(Debug, Parser)]
#[command(name = "xpost", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Text tools: exact twitter-text counting, extraction and fitting.
    #[command(subcommand)]
    Text(TextCommand),
    /// Serve a local Instagram and X (contract section 2) until SIGINT/SIGTERM.
    Emulator(emulator::EmulatorArgs),
    /// Link policy: see what the settings decide for a post, and why.
    Policy(policy::PolicyArgs),
}

#[derive(Debug, Subcommand)]
enum TextCommand {
    /// Count and extract entities: JSON Lines `{"text": ...}` on stdin, one report per line on stdout.
    Parse(parse::ParseArgs),
    /// Fit a caption (stdin) into a tweet, or split it into a thread.
    Fit(Box<fit::FitArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Text(TextCommand::Parse(args)) => parse::run(&args),
        Command::Text(TextCommand::Fit(args)) => fit::run(*args).map(|()| true),
        Command::Emulator(args) => emulator::run(args)
            .map(|()| true)
            .map_err(|e| e.to_string()),
        Command::Policy(args) => policy::run(args).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(cause) => {
            eprintln!("xpost: {cause}");
            ExitCode::from(2)
        }
    }
}
