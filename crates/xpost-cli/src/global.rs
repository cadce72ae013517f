//! Options every command takes.

use std::path::PathBuf;

use clap::ArgAction;

/// Where xpost keeps its state and which platforms it talks to.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GlobalArgs {
    /// SQLite database file [default: xpost.db in the user's data directory].
    #[arg(long, global = true, env = "XPOST_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Use PostgreSQL instead of SQLite (postgres://USER@HOST/DB).
    #[arg(
        long,
        global = true,
        env = "XPOST_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,
    /// Point every Instagram and X endpoint at an emulator (http://127.0.0.1:PORT).
    #[arg(long, global = true, env = "XPOST_EMULATOR", value_name = "URL")]
    pub emulator: Option<String>,
    /// TOML link settings (see docs/configuration.md). Given before the command;
    /// commands that use settings also take it after their name.
    #[arg(long, env = "XPOST_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// More detail on stderr (-v, -vv); RUST_LOG overrides it.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}
