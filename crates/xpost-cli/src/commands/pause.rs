//! `xpost pause [LINK]` and `xpost resume [LINK]`: hold a link, and let it go
//! again. A pause keeps the link connected; status shows it as `paused`.

use jiff::Timestamp;
use xpost_core::Store;
use xpost_engine::pause;

use crate::commands::links::known_link;
use crate::error::CliError;

/// Options of `xpost pause` and `xpost resume`.
#[derive(Debug, Clone, clap::Args)]
pub struct PauseArgs {
    /// The link (default `default`).
    #[arg(default_value = "default")]
    pub link: String,
}

/// Runs `xpost pause`.
///
/// # Errors
/// [`CliError`] for an unknown link or a store failure.
pub async fn pause(store: &dyn Store, args: &PauseArgs) -> Result<(), CliError> {
    let id = known_link(store, &args.link).await?;
    pause::pause(store, &id, Timestamp::now()).await?;
    println!("paused link {id}: nothing is polled or posted until: xpost resume {id}");
    Ok(())
}

/// Runs `xpost resume`.
///
/// # Errors
/// [`CliError`] for an unknown link or a store failure.
pub async fn resume(store: &dyn Store, args: &PauseArgs) -> Result<(), CliError> {
    let id = known_link(store, &args.link).await?;
    pause::resume(store, &id, Timestamp::now()).await?;
    println!(
        "resumed link {id}: its next pass polls again (what it finds is handled as its [backlog] settings say)"
    );
    Ok(())
}
