//! `xpost emulator`: a local Instagram and X (see `docs/emulator.md`).
//!
//! The front-end parses [`EmulatorArgs`] and calls [`run`] (blocking) or
//! [`serve`] (inside its own runtime). Once the socket accepts connections, one line
//! `listening on http://127.0.0.1:PORT` goes to stdout; the server then runs until
//! SIGINT or SIGTERM.

use std::fmt;
use std::future::Future;
use std::io::Write;

use xpost_emulator::{Emulator, EmulatorError};

/// Options of `xpost emulator`.
#[derive(Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Seed for ids and tokens, so runs repeat.
    #[arg(long)]
    pub seed: Option<u64>,
    /// The registered app's client id on both platforms.
    #[arg(long, default_value = "xpost-emulator")]
    pub client_id: String,
    /// The registered app's client secret on both platforms.
    #[arg(long, default_value = "xpost-emulator-secret")]
    pub client_secret: String,
    /// Life of every access token issued, in seconds (default: each platform's own).
    #[arg(long)]
    pub access_token_ttl: Option<i64>,
}

impl fmt::Debug for EmulatorArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorArgs")
            .field("listen", &self.listen)
            .field("seed", &self.seed)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("access_token_ttl", &self.access_token_ttl)
            .finish()
    }
}

impl EmulatorArgs {
    /// The emulator these options describe.
    ///
    /// # Errors
    /// [`EmulatorError::InvalidConfig`] for an out-of-range option.
    pub fn emulator(&self) -> Result<Emulator, EmulatorError> {
        let mut b = Emulator::builder()
            .client_id(self.client_id.clone())
            .client_secret(self.client_secret.clone());
        if let Some(seed) = self.seed {
            b = b.seed(seed);
        }
        if let Some(ttl) = self.access_token_ttl {
            b = b.access_token_ttl(ttl);
        }
        b.build()
    }
}

/// Serves until `shutdown` completes; `announce` gets the base URL once connections
/// are accepted.
///
/// # Errors
/// [`EmulatorError::BadAddress`], [`EmulatorError::Bind`] or a configuration error.
pub async fn serve(
    args: EmulatorArgs,
    announce: impl FnOnce(&str),
    shutdown: impl Future<Output = ()>,
) -> Result<(), EmulatorError> {
    let addr = args
        .listen
        .parse()
        .map_err(|source| EmulatorError::BadAddress {
            input: args.listen.clone(),
            source,
        })?;
    let running = args.emulator()?.spawn(addr).await?;
    announce(&running.base_url);
    shutdown.await;
    running.shutdown().await;
    Ok(())
}

/// Serves as `xpost emulator` does: prints `listening on …`, runs until a signal.
///
/// # Errors
/// As [`serve`].
pub async fn serve_until_signal(args: EmulatorArgs) -> Result<(), EmulatorError> {
    serve(
        args,
        |url| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening on {url}");
            let _ = out.flush();
        },
        crate::commands::run::shutdown_signal(),
    )
    .await
}

/// Blocking entry point for a synchronous `main`: builds a runtime and serves.
///
/// # Errors
/// As [`serve`], or [`EmulatorError::Io`] when no runtime can be built.
pub fn run(args: EmulatorArgs) -> Result<(), EmulatorError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve_until_signal(args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: EmulatorArgs,
    }

    #[test]
    fn defaults_are_the_documented_ones_and_debug_hides_the_secret() {
        let cli = Cli::parse_from(["xpost", "--client-secret", "s3cr3t-value"]);
        assert_eq!(cli.args.listen, "127.0.0.1:0");
        assert_eq!(cli.args.client_id, "xpost-emulator");
        assert!(!format!("{:?}", cli.args).contains("s3cr3t"));
        let cli = Cli::parse_from(["xpost", "--access-token-ttl", "30", "--seed", "9"]);
        assert_eq!(cli.args.access_token_ttl, Some(30));
        assert_eq!(cli.args.seed, Some(9));
    }
}
