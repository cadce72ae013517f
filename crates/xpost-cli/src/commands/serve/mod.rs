//! `xpost serve`: the web dashboard and the platforms' callbacks.
//!
//! An axum server renders plain HTML on the server from templates embedded in
//! the binary ([`templates`]); there is no script, no build step and nothing
//! loaded from elsewhere. The pages reuse what the commands do: the links and
//! their tokens ([`crate::commands::links`]), the post log and its reasons
//! ([`crate::commands::status`]), the review queue, doctor, the report, linking
//! through the platforms' OAuth flows ([`crate::commands::link`]) and unlinking
//! with or without a purge ([`crate::commands::unlink`]).
//!
//! Access ([`auth`], [`csrf`]): on a loopback address anyone who can reach the
//! port is the operator, as for the other commands; anywhere else the server
//! refuses to start without an admin password, and every page but the
//! platforms' callbacks needs a login. Sessions live in the server (a random
//! id in an `HttpOnly`, `SameSite=Lax` cookie, `Secure` over TLS), every form
//! carries the session's CSRF token and every `POST` is also checked for its
//! `Origin` (or `Referer`). Pages never show a token or a secret.
//!
//! Meta's deauthorize and data-deletion callbacks ([`callbacks`]) are verified
//! with the Instagram app secret before anything changes.

pub mod auth;
pub mod callbacks;
pub mod csrf;
pub mod oauth;
pub mod routes;
pub mod settings;
pub mod templates;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use xpost_core::{Secret, Store};
use xpost_engine::adapters::AdapterConfig;
use xpost_engine::{Engine, Limits};
use xpost_policy::PolicyConfig;

use crate::context;
use crate::error::CliError;
use crate::global::GlobalArgs;

/// The environment variable that holds the admin password.
pub const PASSWORD_ENV: &str = "XPOST_ADMIN_PASSWORD";

/// The address `xpost serve` listens on by default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Options of `xpost serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on; anything but loopback needs an admin password.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Also cross-post, as `xpost run` does, in the same process.
    #[arg(long)]
    pub with_run: bool,
    /// The URL people and platforms reach this server at, when it is not
    /// `http://LISTEN` (behind a reverse proxy: `https://xpost.example.com`).
    /// It makes the OAuth and callback URLs, the expected `Origin` of forms and,
    /// for `https://`, `Secure` cookies.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// A file holding the admin password (first line), instead of
    /// `XPOST_ADMIN_PASSWORD`.
    #[arg(long, value_name = "FILE")]
    pub admin_password_file: Option<PathBuf>,
    /// TOML link settings (also accepted before the command).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// With `--with-run`: poll each link at most every SECONDS.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub poll_interval: u64,
}

/// How a server is reached and who may use it.
#[derive(Clone)]
pub struct ServeOptions {
    /// The URL the server is reached at, without a trailing `/`.
    pub public_url: url::Url,
    /// The admin password; when set, every page needs a login.
    pub password: Option<Secret>,
    /// How long a session lasts without use.
    pub session_ttl: Duration,
    /// The poll interval shown on the links page when the scheduler runs here.
    pub poll_interval: Option<Duration>,
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("public_url", &self.public_url.as_str())
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("session_ttl", &self.session_ttl)
            .field("poll_interval", &self.poll_interval)
            .finish()
    }
}

impl ServeOptions {
    /// Options for a server reached at `public_url`, without a password.
    ///
    /// # Errors
    /// [`CliError::Input`] for a URL that is not `http://` or `https://`, or
    /// that carries a path, query or credentials.
    pub fn new(public_url: &str) -> Result<Self, CliError> {
        Ok(Self {
            public_url: public_url_from(public_url)?,
            password: None,
            session_ttl: Duration::from_secs(12 * 3600),
            poll_interval: None,
        })
    }

    /// Whether cookies are marked `Secure` (the server is reached over TLS).
    pub fn secure(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The origin forms must come from, e.g. `https://xpost.example.com`.
    pub fn origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// An absolute URL on this server for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }
}

fn public_url_from(text: &str) -> Result<url::Url, CliError> {
    let bad = |why: &str| CliError::Input(format!("--public-url {text:?}: {why}"));
    let url = url::Url::parse(text.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("use an http:// or https:// URL"));
    }
    if url.host_str().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(bad("give a host and no credentials"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "give the origin only (serve it at the root of its host, e.g. https://xpost.example.com)",
        ));
    }
    Ok(url)
}

/// Refuses to serve beyond loopback without a password.
///
/// # Errors
/// [`CliError::Input`] saying how to set one.
pub fn check_access(listen: SocketAddr, password: Option<&Secret>) -> Result<(), CliError> {
    if listen.ip().is_loopback() || password.is_some() {
        return Ok(());
    }
    Err(CliError::Input(format!(
        "--listen {listen} is reachable from other machines: set {PASSWORD_ENV} (or --admin-password-file FILE) to require a login, or listen on 127.0.0.1; nothing was started"
    )))
}

/// Reads the admin password from `--admin-password-file` or the environment.
///
/// # Errors
/// [`CliError::Input`] for a file that cannot be read or an empty password.
pub fn admin_password(file: Option<&std::path::Path>) -> Result<Option<Secret>, CliError> {
    let text = match file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            CliError::Input(format!(
                "--admin-password-file {}: cannot read it: {e}",
                path.display()
            ))
        })?),
        None => std::env::var(PASSWORD_ENV).ok(),
    };
    match text {
        None => Ok(None),
        Some(text) => {
            let line = text.lines().next().unwrap_or("").trim().to_owned();
            if line.is_empty() {
                return Err(CliError::Input(format!(
                    "the admin password ({}) is empty",
                    file.map_or(PASSWORD_ENV.to_owned(), |p| p.display().to_string())
                )));
            }
            Ok(Some(Secret::new(line)))
        }
    }
}

/// What every request handler shares.
pub struct AppState {
    /// The options the server was started with.
    pub options: ServeOptions,
    /// The global options (store, emulator, settings file).
    pub global: GlobalArgs,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The engine (unlink, and the scheduler with `--with-run`).
    pub engine: Engine,
    /// The platforms' apps and hosts.
    pub adapters: AdapterConfig,
    /// The link settings.
    pub policy: PolicyConfig,
    /// Sessions and login attempts.
    pub sessions: auth::Sessions,
    /// OAuth flows started from the pages, waiting for their callback.
    pub flows: oauth::PendingFlows,
    /// The page templates.
    pub templates: templates::Templates,
}

/// A dashboard server, built and ready to serve.
pub struct Server {
    state: Arc<AppState>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("options", &self.state.options)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server over `store` for the platforms and settings `global` names.
    ///
    /// # Errors
    /// [`CliError::Input`] for bad settings or templates.
    pub fn new(
        global: &GlobalArgs,
        store: Arc<dyn Store>,
        options: ServeOptions,
    ) -> Result<Self, CliError> {
        let mut limits = Limits::default();
        if let Some(every) = options.poll_interval {
            limits.poll_interval = every;
        }
        let engine = context::engine(global, Arc::clone(&store), limits)?;
        let state = AppState {
            adapters: context::adapter_config(global),
            policy: context::policy(global)?,
            global: global.clone(),
            store,
            engine,
            sessions: auth::Sessions::new(options.session_ttl),
            flows: oauth::PendingFlows::default(),
            templates: templates::Templates::new()?,
            options,
        };
        Ok(Self {
            state: Arc::new(state),
        })
    }

    /// The engine the server works with (to run its scheduler beside it).
    pub fn engine(&self) -> Engine {
        self.state.engine.clone()
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the
    /// requests in flight.
    ///
    /// # Errors
    /// [`CliError::Input`] when the listener fails.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), CliError> {
        let router = routes::router(self.state);
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| CliError::Input(format!("the server failed: {e}")))
    }
}

/// Runs `xpost serve` until SIGINT or SIGTERM.
///
/// # Errors
/// [`CliError`] when the server cannot start: a non-loopback address without a
/// password, a bad `--public-url`, an address in use, bad settings or an
/// unusable store.
pub async fn run(global: &GlobalArgs, args: &ServeArgs) -> Result<(), CliError> {
    let password = admin_password(args.admin_password_file.as_deref())?;
    check_access(args.listen, password.as_ref())?;
    if let Some(public) = &args.public_url {
        ServeOptions::new(public)?;
    }
    let mut global = global.clone();
    if args.config.is_some() {
        global.config = args.config.clone();
    }
    let store = crate::store::open(&global).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| CliError::Input(format!("cannot listen on {}: {e}", args.listen)))?;
    let bound = listener
        .local_addr()
        .map_err(|e| CliError::Input(format!("cannot read the listener's address: {e}")))?;
    let public = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"));
    let mut options = ServeOptions::new(&public)?;
    options.password = password;
    if args.with_run {
        options.poll_interval = Some(Duration::from_secs(args.poll_interval));
    }
    let server = Server::new(&global, store, options)?;
    // The first line of stdout names the dashboard, for scripts that start it
    // on a port the system picks (`--listen 127.0.0.1:0`).
    println!("serving on {}", server.state.options.origin());
    eprintln!(
        "xpost: dashboard at {}/ (Ctrl-C stops{})",
        server.state.options.origin(),
        if args.with_run {
            ", after the cross-posting in flight"
        } else {
            ""
        }
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let signal = tokio::spawn(async move {
        crate::commands::run::shutdown_signal().await;
        eprintln!("xpost: stopping…");
        let _ = stop.send(true);
    });
    let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let scheduler = args.with_run.then(|| {
        let engine = server.engine();
        let stopped = wait(stopped.clone());
        tokio::spawn(async move { engine.run(stopped).await })
    });
    let served = server.serve(listener, wait(stopped)).await;
    signal.abort();
    if let Some(scheduler) = scheduler {
        match scheduler.await {
            Ok(Ok(summary)) => eprintln!(
                "xpost: stopped after {} passes: {} posted, {} failed",
                summary.passes, summary.posted, summary.failed
            ),
            Ok(Err(e)) => return Err(e.into()),
            Err(e) => return Err(CliError::Input(format!("the scheduler stopped: {e}"))),
        }
    }
    served
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn beyond_loopback_needs_a_password() {
        let open: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let err = check_access(open, None).unwrap_err().to_string();
        assert!(err.contains(PASSWORD_ENV), "{err}");
        assert!(check_access(open, Some(&Secret::new("pw"))).is_ok());
        assert!(check_access("127.0.0.1:8080".parse().unwrap(), None).is_ok());
        assert!(check_access("[::1]:8080".parse().unwrap(), None).is_ok());
    }

    #[test]
    fn public_urls_are_origins() {
        let options = ServeOptions::new("https://xpost.example.com").unwrap();
        assert!(options.secure());
        assert_eq!(options.origin(), "https://xpost.example.com");
        assert_eq!(
            options.url("/oauth/x/callback"),
            "https://xpost.example.com/oauth/x/callback"
        );
        for bad in [
            "ftp://h",
            "https://h/sub",
            "https://u:p@h",
            "https://h/?q",
            "nonsense",
        ] {
            assert!(ServeOptions::new(bad).is_err(), "{bad}");
        }
        let mut options = ServeOptions::new("http://127.0.0.1:8080").unwrap();
        options.password = Some(Secret::new("hunter2"));
        assert!(!options.secure());
        assert!(!format!("{options:?}").contains("hunter2"));
    }
}
