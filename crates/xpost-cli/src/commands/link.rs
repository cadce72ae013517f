//! `xpost link instagram|x`: connects one side of a link through the
//! platform's OAuth flow and a loopback callback.
//!
//! The flow is the same for both platforms: bind a [`CallbackListener`] on
//! `127.0.0.1`, build the consent URL with that listener as `redirect_uri` (X
//! adds an S256 PKCE challenge), hand the URL to the browser, wait for the
//! redirect, exchange the code, store the tokens, read the account, and record
//! it on the [`Link`]. [`connect`] is that flow for any front-end; `xpost demo`
//! calls it with [`Browser::Drive`].

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use xpost_core::{
    Account, AccountId, Credentials, Event, EventKind, Link, LinkId, LinkState, Platform, Secret,
    Side, Store,
};
use xpost_engine::adapters::AdapterConfig;
use xpost_engine::tokens::x_credentials;

use crate::callback::{Callback, CallbackListener, Outcome, Redirect};
use crate::context::{adapter_config, env};
use crate::error::CliError;
use crate::global::GlobalArgs;
use crate::output::json;
use crate::store;

/// How long `xpost link` waits for the browser by default: five minutes.
pub const DEFAULT_TIMEOUT_SECS: u64 = 300;

/// Which side to connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LinkPlatform {
    /// The Instagram account posts are read from (the link's source).
    Instagram,
    /// The X account posts go to (the link's target).
    X,
    /// An OAuth 1.0a token for the link's X account, which X's v1.1 profile
    /// endpoints need when its v2 routes refuse a profile change.
    #[value(name = "x-oauth1")]
    XOauth1,
}

impl Flow {
    /// The `state` this flow sent with its consent URL.
    pub(crate) fn state(&self) -> &str {
        match self {
            Flow::Instagram { state, .. } => state,
            Flow::X { request, .. } => request.state(),
        }
    }
}

impl LinkPlatform {
    /// The side of the link this platform connects.
    pub fn side(self) -> Side {
        match self {
            LinkPlatform::Instagram => Side::Source,
            LinkPlatform::X | LinkPlatform::XOauth1 => Side::Target,
        }
    }

    /// The platform as core names it.
    pub fn platform(self) -> Platform {
        match self {
            LinkPlatform::Instagram => Platform::Instagram,
            LinkPlatform::X | LinkPlatform::XOauth1 => Platform::X,
        }
    }

    /// The name people know it by.
    pub fn display_name(self) -> &'static str {
        match self {
            LinkPlatform::Instagram => "Instagram",
            LinkPlatform::X => "X",
            LinkPlatform::XOauth1 => "X (OAuth 1.0a)",
        }
    }
}

/// Options of `xpost link`.
#[derive(Debug, Clone, clap::Args)]
pub struct LinkArgs {
    /// Which account to connect: `instagram` (the source), `x` (the target), or
    /// `x-oauth1` (an OAuth 1.0a token for the target's v1.1 profile endpoints).
    #[arg(value_enum)]
    pub platform: LinkPlatform,
    /// Do not open a browser: print the authorize URL alone on one line of
    /// stdout (progress goes to stderr).
    #[arg(long)]
    pub no_browser: bool,
    /// The link to connect it to.
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub link: String,
    /// How long to wait for the browser's answer, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Print the linked account as JSON.
    #[arg(long)]
    pub json: bool,
}

/// How the authorize URL reaches a browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    /// Print the URL on stdout and try to open the system browser
    /// (`xdg-open`, or `open` on macOS); if it cannot start, the printed URL
    /// is the way.
    Open,
    /// Print the URL alone on one line of stdout, and nothing else there.
    Print,
    /// Play the browser in-process: GET the authorize URL without following
    /// redirects, then GET its `Location` (the callback). This works where the
    /// consent page redirects at once, as the emulator's does once a session is
    /// set through its admin API; nothing is printed.
    Drive,
}

/// A scope the link needs but the platform did not grant.
#[derive(Debug, Clone, Serialize)]
pub struct MissingScope {
    /// The scope's name.
    pub scope: String,
    /// What does not work without it.
    pub disables: &'static str,
}

/// What [`connect`] linked.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedAccount {
    /// The link, as stored after the connection.
    #[serde(skip)]
    pub link: Link,
    /// The link's name.
    pub link_id: String,
    /// `source` (Instagram) or `target` (X).
    pub side: Side,
    /// The account connected.
    pub account: Account,
    /// The scopes granted (empty when the platform does not say).
    pub granted: Vec<String>,
    /// The scopes asked for.
    pub needed: Vec<String>,
    /// Needed scopes that were not granted, with what they disable.
    pub missing: Vec<MissingScope>,
    /// When the access token expires, when known.
    pub expires_at: Option<Timestamp>,
    /// The link's state afterwards.
    pub state: LinkState,
}

/// Runs `xpost link`.
///
/// # Errors
/// [`CliError`] with the cause when the flow did not link the account: a bad
/// link name, no app credentials, denied consent, a wrong `state`, a failed
/// exchange, no answer within `--timeout`, or a store failure.
pub async fn run(global: &GlobalArgs, args: &LinkArgs) -> Result<(), CliError> {
    let link = LinkId::new(args.link.as_str()).map_err(|_| {
        CliError::Input(format!(
            "--link {:?}: a link name is 1 to 64 ASCII letters, digits, '-' or '_'",
            args.link
        ))
    })?;
    let store = store::open(global).await?;
    let browser = if args.no_browser {
        Browser::Print
    } else {
        Browser::Open
    };
    let linked = connect(
        global,
        store,
        args.platform,
        &link,
        browser,
        Duration::from_secs(args.timeout),
    )
    .await?;
    if args.json {
        return json(&linked);
    }
    if args.platform == LinkPlatform::XOauth1 {
        println!(
            "linked an OAuth 1.0a token for X account @{} (id {}) on link {}: profile changes X refuses on v2 go through v1.1",
            linked.account.username, linked.account.user_id, linked.link_id
        );
        return Ok(());
    }
    println!(
        "linked {} account @{} (id {}) as the {} of link {}",
        args.platform.display_name(),
        linked.account.username,
        linked.account.user_id,
        linked.side,
        linked.link_id
    );
    if linked.granted.is_empty() {
        println!(
            "scopes: the platform did not list them; asked for {}",
            linked.needed.join(", ")
        );
    } else {
        println!("scopes granted: {}", linked.granted.join(", "));
    }
    for m in &linked.missing {
        println!("missing scope {}: {}", m.scope, m.disables);
    }
    match linked.state {
        LinkState::Active => println!(
            "link {} is active: new posts are cross-posted",
            linked.link_id
        ),
        _ => {
            let missing = if linked.link.source.is_none() {
                "instagram"
            } else {
                "x"
            };
            println!(
                "link {} is not active yet: connect the other side with: xpost link {missing} --link {}",
                linked.link_id, linked.link_id
            );
        }
    }
    Ok(())
}

/// One platform's side of the flow, between the consent URL and the tokens.
pub(crate) enum Flow {
    Instagram {
        oauth: ig_client::OAuth,
        state: String,
    },
    X {
        oauth: Box<x_client::OAuthClient>,
        request: x_client::AuthorizeRequest,
    },
}

/// Connects `platform`'s account to `link` through the platform's OAuth flow
/// and a loopback callback, stores its tokens (as `link`'s source for
/// Instagram, its target for X) and records the account on the link, which
/// becomes active once both sides are connected. An `EventKind::Linked` event
/// is appended.
///
/// The platforms' apps and hosts come from `global` (see
/// [`crate::context::adapter_config`]); `browser` says how the consent URL
/// reaches a browser, and `timeout` bounds the wait for its answer.
///
/// # Errors
/// [`CliError`] with the cause: no app credentials, the listener cannot bind,
/// consent denied, a `state` that is not the one sent, a failed exchange or
/// account read, no answer within `timeout`, or a store failure. Nothing is
/// stored unless the whole flow succeeded.
pub async fn connect(
    global: &GlobalArgs,
    store: Arc<dyn Store>,
    platform: LinkPlatform,
    link: &LinkId,
    browser: Browser,
    timeout: Duration,
) -> Result<LinkedAccount, CliError> {
    if platform == LinkPlatform::XOauth1 {
        return super::link_oauth1::connect(global, store, link, browser, timeout).await;
    }
    let config = adapter_config(global);
    let listener = CallbackListener::bind().await?;
    let redirect_uri = listener.redirect_uri();
    let (flow, url) = start(&config, platform, &redirect_uri)?;
    let state = match &flow {
        Flow::Instagram { state, .. } => state.clone(),
        Flow::X { request, .. } => request.state().to_owned(),
    };
    let callback = browse(listener.wait(&state), url, browser, platform, link, timeout).await?;
    finish(
        &config,
        store,
        platform,
        link,
        flow,
        &redirect_uri,
        callback,
    )
    .await
}

/// Hands `url` to the browser as `browser` says and waits (up to `timeout`)
/// for `waiting`, the listener's wait for the redirect.
pub(crate) async fn browse(
    waiting: impl Future<Output = Result<Callback, CliError>>,
    url: url::Url,
    browser: Browser,
    platform: LinkPlatform,
    link: &LinkId,
    timeout: Duration,
) -> Result<Callback, CliError> {
    let wait = async {
        tokio::pin!(waiting);
        match browser {
            Browser::Drive => {
                let driver = tokio::spawn(drive(url));
                tokio::pin!(driver);
                tokio::select! {
                    callback = &mut waiting => callback,
                    driven = &mut driver => match driven {
                        Ok(Err(cause)) => Err(CliError::Input(cause)),
                        _ => waiting.await,
                    },
                }
            }
            Browser::Open | Browser::Print => {
                show(&url, browser, platform, timeout);
                waiting.await
            }
        }
    };
    tokio::time::timeout(timeout, wait)
        .await
        .map_err(|_| {
            CliError::Input(format!(
                "no answer from the browser within {} s; nothing was linked (run xpost link {} --link {link} again{})",
                timeout.as_secs(),
                platform_arg(platform),
                if timeout.as_secs() < DEFAULT_TIMEOUT_SECS { ", with a longer --timeout" } else { "" }
            ))
        })?
}

fn platform_arg(platform: LinkPlatform) -> &'static str {
    match platform {
        LinkPlatform::Instagram => "instagram",
        LinkPlatform::X => "x",
        LinkPlatform::XOauth1 => "x-oauth1",
    }
}

/// Builds the consent URL and what the callback needs to finish.
pub(crate) fn start(
    config: &AdapterConfig,
    platform: LinkPlatform,
    redirect_uri: &str,
) -> Result<(Flow, url::Url), CliError> {
    match platform {
        LinkPlatform::Instagram => {
            if config.instagram_app.is_none() {
                return Err(CliError::Input(format!(
                    "no Instagram app: set {} and {} (see docs/cli.md), or pass --emulator URL",
                    env::INSTAGRAM_APP_ID,
                    env::INSTAGRAM_APP_SECRET
                )));
            }
            let oauth = config
                .instagram_oauth()
                .map_err(|e| CliError::Input(format!("Instagram: {e}")))?;
            let authorize = oauth
                .authorize_url(
                    redirect_uri,
                    &instagram_scopes(),
                    &ig_client::AuthorizeOptions::default(),
                )
                .map_err(|e| CliError::Input(format!("Instagram: {e}")))?;
            Ok((
                Flow::Instagram {
                    oauth,
                    state: authorize.state,
                },
                authorize.url,
            ))
        }
        LinkPlatform::X | LinkPlatform::XOauth1 => {
            let Some(app) = &config.x_app else {
                return Err(CliError::Input(format!(
                    "no X app: set {} (and {} for a confidential client; see docs/cli.md), or pass --emulator URL",
                    env::X_CLIENT_ID,
                    env::X_CLIENT_SECRET
                )));
            };
            let app = x_client::OAuthApp {
                redirect_uri: redirect_uri.to_owned(),
                ..app.clone()
            };
            let x_config = config
                .x_config()
                .map_err(|e| CliError::Input(format!("X: {e}")))?;
            let http = x_http(config, &x_config)?;
            let oauth =
                x_client::OAuthClient::new(&app, &x_config, http, Arc::new(config.clock.clone()))
                    .map_err(|e| CliError::Input(format!("X: {e}")))?;
            let request = oauth.authorize(&x_client::Scope::cross_posting());
            let url = request.url.clone();
            Ok((
                Flow::X {
                    oauth: Box::new(oauth),
                    request,
                },
                url,
            ))
        }
    }
}

/// What cross-posting needs from Instagram: reading the profile and the media.
/// Publishing on Instagram (`instagram_business_content_publish`) is not needed.
fn instagram_scopes() -> Vec<ig_client::Scope> {
    vec![ig_client::Scope::BusinessBasic]
}

pub(crate) fn x_http(
    config: &AdapterConfig,
    x_config: &x_client::Config,
) -> Result<reqwest::Client, CliError> {
    match &config.http {
        Some(http) => Ok(http.clone()),
        None => x_client::default_http(x_config).map_err(|e| CliError::Input(format!("X: {e}"))),
    }
}

/// Hands `url` to the person at the terminal.
fn show(url: &url::Url, browser: Browser, platform: LinkPlatform, timeout: Duration) {
    println!("{url}");
    let opened = browser == Browser::Open && open_browser(url.as_str());
    if opened {
        eprintln!(
            "xpost: opened your browser to authorize {}; waiting up to {} s for its answer (if no browser appeared, open the URL above)",
            platform.display_name(),
            timeout.as_secs()
        );
    } else {
        eprintln!(
            "xpost: open the URL above in a browser to authorize {}; waiting up to {} s for its answer",
            platform.display_name(),
            timeout.as_secs()
        );
    }
}

/// Starts the system's URL opener without waiting for it; false when it cannot start.
fn open_browser(url: &str) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

/// Plays the browser: the consent page's redirect, then the callback.
async fn drive(url: url::Url) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot start an HTTP client: {}", e.without_url()))?;
    let consent = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("the consent page cannot be reached: {}", e.without_url()))?;
    let location = consent
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    let Some(location) = location.filter(|_| consent.status().is_redirection()) else {
        return Err(format!(
            "the consent page answered {} instead of redirecting (is a session set on the emulator?)",
            consent.status()
        ));
    };
    http.get(location)
        .send()
        .await
        .map_err(|e| format!("the callback cannot be reached: {}", e.without_url()))?;
    Ok(())
}

/// Checks the redirect, exchanges the code and records the account, telling the
/// browser how it ended.
async fn finish(
    config: &AdapterConfig,
    store: Arc<dyn Store>,
    platform: LinkPlatform,
    link: &LinkId,
    flow: Flow,
    redirect_uri: &str,
    callback: Callback,
) -> Result<LinkedAccount, CliError> {
    let name = platform.display_name();
    let url = match &callback.redirect {
        Redirect::Code(url) => url.clone(),
        Redirect::StateMismatch => {
            callback.answer(&Outcome::StateMismatch).await;
            return Err(CliError::Input(format!(
                "the {name} redirect carried a state that is not the one sent (a forged or stale answer); nothing was linked"
            )));
        }
        Redirect::Denied(why) => {
            let why = why.clone();
            callback.answer(&Outcome::Denied).await;
            return Err(CliError::Input(format!(
                "{name} consent was refused ({why}); nothing was linked"
            )));
        }
    };
    let result = exchange(config, &*store, platform, link, flow, redirect_uri, &url).await;
    match result {
        Ok(linked) => {
            callback
                .answer(&Outcome::Linked {
                    platform: name.to_owned(),
                    username: linked.account.username.clone(),
                })
                .await;
            Ok(linked)
        }
        Err(e) => {
            callback.answer(&Outcome::Failed).await;
            Err(e)
        }
    }
}

/// The tokens, the account and the link, once the redirect carried a code.
pub(crate) async fn exchange(
    config: &AdapterConfig,
    store: &dyn Store,
    platform: LinkPlatform,
    link: &LinkId,
    flow: Flow,
    redirect_uri: &str,
    url: &url::Url,
) -> Result<LinkedAccount, CliError> {
    let (credentials, user_id, username, needed) = match flow {
        Flow::Instagram { oauth, state } => {
            let fail = |step: &str, e: ig_client::Error| {
                CliError::Input(format!("Instagram {step} failed: {e}; nothing was linked"))
            };
            let code = ig_client::OAuth::code_from_redirect(url, &state)
                .map_err(|e| fail("authorization", e))?;
            let short = oauth
                .exchange_code(&code, redirect_uri)
                .await
                .map_err(|e| fail("code exchange", e))?;
            let long = oauth
                .exchange_long_lived(&short)
                .await
                .map_err(|e| fail("long-lived token exchange", e))?;
            let client = config
                .instagram_client()
                .map_err(|e| CliError::Input(format!("Instagram: {e}")))?;
            let me = client
                .user(ig_client::AccessToken::new(long.access_token.expose()))
                .me()
                .await
                .map_err(|e| fail("account read", e))?;
            let user_id = me
                .user_id
                .clone()
                .or_else(|| short.user_id.clone())
                .unwrap_or_else(|| me.id.clone())
                .to_string();
            let username = me.username.clone().unwrap_or_else(|| user_id.clone());
            let credentials = Credentials {
                access_token: Secret::new(long.access_token.expose()),
                refresh_token: None,
                expires_at: Some(long.expires_at),
                scopes: long.permissions.clone(),
                obtained_at: long.issued_at,
            };
            let needed = instagram_scopes()
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect::<Vec<_>>();
            (credentials, user_id, username, needed)
        }
        Flow::X { oauth, request } => {
            let fail = |step: &str, e: x_client::Error| {
                CliError::Input(format!("X {step} failed: {e}; nothing was linked"))
            };
            let code = request
                .code_from_callback(url)
                .map_err(|e| fail("authorization", e))?;
            let needed = request
                .scopes()
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect::<Vec<_>>();
            let tokens = oauth
                .exchange_code(request, &code)
                .await
                .map_err(|e| fail("code exchange", e))?;
            let x_config = config
                .x_config()
                .map_err(|e| CliError::Input(format!("X: {e}")))?;
            let client = x_client::XClient::builder()
                .config(x_config.clone())
                .http_client(x_http(config, &x_config)?)
                .clock(Arc::new(config.clock.clone()))
                .session(Arc::new(x_client::UserSession::new(tokens.clone())))
                .build()
                .map_err(|e| CliError::Input(format!("X: {e}")))?;
            let me = client.me(&[]).await.map_err(|e| fail("account read", e))?;
            (
                x_credentials(&tokens, config.clock.now()),
                me.id.to_string(),
                me.username,
                needed,
            )
        }
    };
    let user_id = AccountId::new(user_id.as_str())
        .map_err(|e| CliError::Input(format!("the platform answered a bad account id: {e}")))?;
    let account = Account {
        platform: platform.platform(),
        user_id,
        username,
    };
    let side = platform.side();
    let now = config.clock.now();
    store.put_credentials(link, side, &credentials).await?;
    let mut stored = match store.link(link).await? {
        // An unlinked link starts over: its other side has no tokens any more.
        Some(old) if old.state == LinkState::Disconnected => Link {
            created_at: old.created_at,
            ..Link::new(link.clone(), now)
        },
        Some(old) => old,
        None => Link::new(link.clone(), now),
    };
    stored.connect(side, account.clone(), now);
    store.put_link(&stored).await?;
    store
        .append_events(&[Event::new(
            now,
            link.clone(),
            EventKind::Linked,
            format!(
                "{} account @{} linked as the {side}",
                platform.display_name(),
                account.username
            ),
        )])
        .await?;
    let missing = if credentials.scopes.is_empty() {
        Vec::new()
    } else {
        needed
            .iter()
            .filter(|n| !credentials.scopes.iter().any(|g| g == *n))
            .map(|n| MissingScope {
                scope: n.clone(),
                disables: disables(n),
            })
            .collect()
    };
    Ok(LinkedAccount {
        link_id: link.to_string(),
        side,
        state: stored.state,
        link: stored,
        account,
        granted: credentials.scopes.clone(),
        needed,
        missing,
        expires_at: credentials.expires_at,
    })
}

/// What does not work without `scope`.
pub fn disables(scope: &str) -> &'static str {
    match scope {
        "instagram_business_basic" => "reading the Instagram posts (nothing can be cross-posted)",
        "tweet.read" => "reading the X account's own posts (duplicates cannot be detected)",
        "tweet.write" => "posting to X (nothing can be cross-posted)",
        "users.read" => "reading the X account",
        "media.write" => "uploading images and videos (media posts fail)",
        "offline.access" => {
            "staying linked past the access token's life (no refresh token: link again when it expires)"
        }
        _ => "part of cross-posting",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_needed_scope_says_what_it_disables() {
        for scope in x_client::Scope::cross_posting() {
            assert_ne!(disables(scope.as_str()), "part of cross-posting", "{scope}");
        }
        for scope in instagram_scopes() {
            assert_ne!(disables(scope.as_str()), "part of cross-posting");
        }
    }
}
