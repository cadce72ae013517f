//! What the commands that talk to the platforms share: the store, the
//! platforms' apps and hosts, the link settings, and the engine built on them.

use std::sync::Arc;

use xpost_core::{Secret, Store};
use xpost_engine::adapters::{AdapterConfig, PlatformConnector};
use xpost_engine::notify::{LogNotifier, WebhookNotifier};
use xpost_engine::{Engine, Limits};
use xpost_policy::PolicyConfig;

use crate::error::CliError;
use crate::global::GlobalArgs;

/// The emulator's registered app, used with `--emulator` unless the
/// environment names another.
pub const EMULATOR_CLIENT_ID: &str = "xpost-emulator";
/// The emulator app's secret.
pub const EMULATOR_CLIENT_SECRET: &str = "xpost-emulator-secret";

/// Environment variables that hold the apps' credentials (see docs/setup.md).
pub mod env {
    /// The Instagram app id.
    pub const INSTAGRAM_APP_ID: &str = "XPOST_INSTAGRAM_APP_ID";
    /// The Instagram app secret.
    pub const INSTAGRAM_APP_SECRET: &str = "XPOST_INSTAGRAM_APP_SECRET";
    /// The X OAuth 2.0 client id.
    pub const X_CLIENT_ID: &str = "XPOST_X_CLIENT_ID";
    /// The X OAuth 2.0 client secret (confidential clients only).
    pub const X_CLIENT_SECRET: &str = "XPOST_X_CLIENT_SECRET";
    /// The X app's OAuth 1.0a API key (consumer key), for `xpost link x-oauth1`
    /// and the v1.1 profile endpoints.
    pub const X_API_KEY: &str = "XPOST_X_API_KEY";
    /// The X app's OAuth 1.0a API key secret (consumer secret).
    pub const X_API_SECRET: &str = "XPOST_X_API_SECRET";
    /// A URL to POST notices to.
    pub const WEBHOOK_URL: &str = "XPOST_WEBHOOK_URL";
    /// The secret that signs webhook notices.
    pub const WEBHOOK_SECRET: &str = "XPOST_WEBHOOK_SECRET";
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// One platform app's credentials, from the environment or, with an emulator,
/// the emulator's own app.
fn app(global: &GlobalArgs, id_var: &str, secret_var: &str) -> Option<(String, Option<String>)> {
    match (var(id_var), var(secret_var)) {
        (Some(id), secret) => Some((id, secret)),
        (None, _) if global.emulator.is_some() => Some((
            EMULATOR_CLIENT_ID.to_owned(),
            Some(EMULATOR_CLIENT_SECRET.to_owned()),
        )),
        (None, _) => None,
    }
}

/// The adapters' settings for these options.
pub fn adapter_config(global: &GlobalArgs) -> AdapterConfig {
    let mut config = AdapterConfig::default();
    config.emulator = global
        .emulator
        .as_ref()
        .map(|u| u.trim_end_matches('/').to_owned());
    config.instagram_app = app(global, env::INSTAGRAM_APP_ID, env::INSTAGRAM_APP_SECRET)
        .and_then(|(id, secret)| secret.map(|s| ig_client::AppCredentials::new(id, s)));
    config.x_app = app(global, env::X_CLIENT_ID, env::X_CLIENT_SECRET).map(|(id, secret)| {
        x_client::OAuthApp {
            client_id: id,
            client_secret: secret.map(x_client::ClientSecret::new),
            // Refreshing does not send it; `xpost link x` sets its own listener's.
            redirect_uri: "http://127.0.0.1/callback".into(),
        }
    });
    config.x_consumer = app(global, env::X_API_KEY, env::X_API_SECRET)
        .and_then(|(key, secret)| secret.map(|s| x_client::OAuth1Consumer::new(key, s)));
    config
}

/// The link settings from `--config`, or the defaults.
///
/// # Errors
/// [`CliError::Input`] naming the file, line and key of a bad setting.
pub fn policy(global: &GlobalArgs) -> Result<PolicyConfig, CliError> {
    match &global.config {
        Some(path) => PolicyConfig::load(path).map_err(|e| CliError::Input(e.to_string())),
        None => Ok(PolicyConfig::default()),
    }
}

/// An engine over `store` for these options: the real platforms (or the
/// emulator), the link settings, and notices to the log (and to a webhook when
/// `XPOST_WEBHOOK_URL` and `XPOST_WEBHOOK_SECRET` are set).
///
/// # Errors
/// [`CliError::Input`] for bad settings or a bad webhook URL.
pub fn engine(
    global: &GlobalArgs,
    store: Arc<dyn Store>,
    limits: Limits,
) -> Result<Engine, CliError> {
    let config = adapter_config(global);
    let connector = Arc::new(PlatformConnector::new(Arc::clone(&store), config));
    let mut builder = Engine::builder()
        .store(store)
        .connector(connector)
        .policy(policy(global)?)
        .limits(limits);
    builder = match (var(env::WEBHOOK_URL), var(env::WEBHOOK_SECRET)) {
        (Some(url), Some(secret)) => {
            let webhook = WebhookNotifier::builder(url, Secret::new(secret))
                .build()
                .map_err(|e| CliError::Input(format!("{}: {e}", env::WEBHOOK_URL)))?;
            builder.notifier(Arc::new(webhook))
        }
        (Some(_), None) => {
            return Err(CliError::Input(format!(
                "{} is set but {} is not: webhook notices are always signed",
                env::WEBHOOK_URL,
                env::WEBHOOK_SECRET
            )));
        }
        _ => builder.notifier(Arc::new(LogNotifier::new())),
    };
    Ok(builder.build()?)
}

/// Starts logging to stderr at the level `-v`/`-q` ask for; `RUST_LOG` wins.
pub fn init_logging(global: &GlobalArgs) {
    let level = if global.quiet {
        "error"
    } else {
        match global.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        // Colours only for a person at a terminal, never into a file or a pipe.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
