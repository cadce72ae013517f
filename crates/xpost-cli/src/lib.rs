//! The `xpost` command line as a library.
//!
//! The binary (`examples/xpost`) is a few lines that call [`main`]; everything a
//! command does lives here, one module per command under [`commands`], so that the
//! commands can be tested in-process and embedded in other front-ends. Nothing
//! below this crate knows about `clap`: argument types are defined here and turned
//! into the lower crates' own configuration types.
//!
//! Every failure ends as one human-readable line on stderr and a non-zero exit
//! code (see [`ExitStatus`]); no command panics on bad input.
//!
//! ```
//! use clap::Parser;
//! use xpost_cli::Cli;
//!
//! let cli = Cli::try_parse_from(["xpost", "text", "parse", "--config", "v3"]);
//! assert!(cli.is_ok());
//! ```

pub mod args;
pub mod callback;
pub mod commands;
pub mod context;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod global;
pub mod output;
pub mod report;
pub mod store;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command, TextCommand};
pub use error::CliError;

/// How a command ended, as the process reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExitStatus {
    /// Everything succeeded (exit code 0).
    Success,
    /// The command ran, but some of its input was refused (exit code 1), e.g. a
    /// `text parse` line that is not valid JSON; for `doctor`, something needs
    /// attention; for `report`, a file written with some numbers missing (the
    /// file says which and why).
    Partial,
    /// The command could not do its job (exit code 2); the cause went to stderr.
    Failure,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Partial => ExitCode::from(1),
            ExitStatus::Failure => ExitCode::from(2),
        }
    }
}

/// Runs one parsed command line.
///
/// # Errors
/// [`CliError`] with the one-line cause when the command could not do its job.
pub fn run(cli: Cli) -> Result<ExitStatus, CliError> {
    let global = cli.global;
    context::init_logging(&global);
    let all_ok = match cli.command {
        Command::Text(TextCommand::Parse(args)) => commands::parse::run(&args)?,
        Command::Text(TextCommand::Fit(args)) => commands::fit::run(*args).map(|()| true)?,
        Command::Emulator(args) => commands::emulator::run(args).map(|()| true)?,
        Command::Policy(mut args) => {
            let commands::policy::PolicyCommand::Explain(explain) = &mut args.command;
            if explain.config.is_none() {
                explain.config = global.config.clone();
            }
            commands::policy::run(args).map(|()| true)?
        }
        Command::Demo(args) => block_on(commands::demo::run(&global, &args)).map(|()| true)?,
        Command::Sync(args) => block_on(async {
            let mut global = global.clone();
            if args.config.is_some() {
                global.config = args.config.clone();
            }
            let store = store::open(&global).await?;
            commands::sync::run(&global, store, &args).await
        })?,
        Command::Run(args) => block_on(async {
            let mut global = global.clone();
            if args.config.is_some() {
                global.config = args.config.clone();
            }
            let store = store::open(&global).await?;
            commands::run::run(&global, store, &args).await
        })
        .map(|()| true)?,
        Command::Status(args) => block_on(async {
            let store = store::open(&global).await?;
            commands::status::run(&*store, &args).await
        })
        .map(|()| true)?,
        Command::Log(args) => block_on(async {
            let store = store::open(&global).await?;
            commands::log::run(&*store, &args).await
        })
        .map(|()| true)?,
        Command::Review(args) => block_on(async {
            let store = store::open(&global).await?;
            commands::review::run(&*store, &args).await
        })
        .map(|()| true)?,
        Command::Pause(args) => block_on(async {
            let store = store::open(&global).await?;
            commands::pause::pause(&*store, &args).await
        })
        .map(|()| true)?,
        Command::Resume(args) => block_on(async {
            let store = store::open(&global).await?;
            commands::pause::resume(&*store, &args).await
        })
        .map(|()| true)?,
        Command::Doctor(args) => block_on(commands::doctor::run(&global, &args))?,
        Command::Preview(mut args) => {
            if args.config.is_none() {
                args.config = global.config.clone();
            }
            let settings = global::GlobalArgs {
                config: args.config.clone(),
                ..global.clone()
            };
            let policy = context::policy(&settings)?;
            let adapters = context::adapter_config(&global);
            block_on(commands::preview::run(
                &args,
                &policy,
                &adapters,
                store::open(&global),
            ))
            .map(|()| true)?
        }
        Command::Link(args) => block_on(commands::link::run(&global, &args)).map(|()| true)?,
        Command::Links(args) => block_on(async {
            let store = store::open(&global).await?;
            commands::links::run(&*store, &args).await
        })
        .map(|()| true)?,
        Command::Unlink(args) => block_on(commands::unlink::run(&global, &args)).map(|()| true)?,
        Command::Serve(args) => block_on(commands::serve::run(&global, &args)).map(|()| true)?,
        Command::Report(args) => {
            // A bad date is refused before a database file is created for nothing.
            if let Some(since) = &args.since {
                commands::report::parse_since(since)?;
            }
            block_on(async {
                let store = store::open(&global).await?;
                commands::report::run(store, &context::adapter_config(&global), &args).await
            })?
        }
    };
    Ok(if all_ok {
        ExitStatus::Success
    } else {
        ExitStatus::Partial
    })
}

/// Runs `work` on a new multi-threaded runtime.
fn block_on<T>(
    work: impl std::future::Future<Output = Result<T, CliError>>,
) -> Result<T, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Input(format!("cannot start the async runtime: {e}")))?
        .block_on(work)
}

/// The whole program: parses `std::env::args`, runs the command, prints a failure
/// as `xpost: CAUSE` on stderr and returns the exit code.
pub fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    match run(cli) {
        Ok(status) => status.into(),
        Err(cause) => {
            eprintln!("xpost: {}", one_line(&cause.to_string()));
            ExitStatus::Failure.into()
        }
    }
}

/// A reader that stops early (`xpost status | head -1`) closes our stdout; the
/// print that fails then is no error of the command: end quietly, as a Unix
/// filter does, instead of reporting a panic.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// `text` on one line with no control characters: causes can quote what a
/// platform or a browser sent, which must not move the terminal's cursor or
/// spread over lines.
pub fn one_line(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    const MAX: usize = 600;
    if out.chars().count() > MAX {
        out = out.chars().take(MAX).collect::<String>() + "…";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn causes_are_one_line_without_control_characters() {
        let hostile = "denied: \u{1b}[2J\u{1b}]0;pwned\u{7}FAKE\nnew line";
        let shown = one_line(&hostile.replace("\\u{1b}", "\u{1b}"));
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(!shown.contains('\n'));
        assert!(one_line(&"x".repeat(5_000)).chars().count() <= 601);
    }
}
