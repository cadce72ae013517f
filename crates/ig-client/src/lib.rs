//! Typed SDK for the Instagram API with Instagram Login.
//!
//! `ig-client` reads an Instagram professional account (Business or Creator)
//! through `graph.instagram.com`: the profile, media as a cursor-following
//! [`Stream`](futures::Stream), single media with carousel children, live
//! stories, and the media bytes themselves. It also links accounts (Business
//! Login for Instagram: authorize URL, code exchange, long-lived tokens,
//! refresh, `signed_request` checks) and publishes (containers, status
//! polling, `media_publish`, the 24-hour limit). It depends on no other
//! xpost crate.
//!
//! # Design
//!
//! * **Every host is configuration.** [`Config`] names the Graph host, the
//!   OAuth host, the authorize host, the API version and the CDN allow-list,
//!   so one call ([`ConfigBuilder::emulator`]) points everything at a local
//!   emulator. Each request carries the configured timeout; bodies are read
//!   within a size limit.
//! * **One error type, one retry decision.** [`Error`] maps the Graph error
//!   JSON on `code`/`error_subcode` (not on the HTTP status, which is nearly
//!   always 400) to what a caller acts on: token dead, permission missing,
//!   rate limited until a time, transient, bad request, unexpected shape.
//!   [`Error::retry_kind`] is the only place retryability is decided; the
//!   client itself retries idempotent reads on [`RetryKind::Backoff`] a
//!   bounded number of times with jitter, and never retries a POST or a
//!   rate limit: a throttle (Graph codes 4/17/32/613/80002…, or a bare 429)
//!   always waits the usage headers' regain time or, when none is given,
//!   [`DEFAULT_THROTTLE_WAIT`], because calls made while throttled extend
//!   the block. A rejected paging cursor asks for a restart from a time
//!   bound, and an expired or failed container for a new container.
//! * **Tokens are secrets.** [`AccessToken`] and [`AppCredentials`] never
//!   print, and a [`Token`] serializes for a store only through one explicit
//!   exposure of the secret. Graph calls send the token in an `Authorization` header, and
//!   network errors have their URL removed because the token endpoints need
//!   it in the query.
//! * **Cursors are safe to store.** A [`Page`] keeps only the position
//!   parameters of Instagram's `next` link (an `after` cursor, or the
//!   `since`/`until` bounds of time-based paging), never the URL itself
//!   (which embeds the token), and the next request is rebuilt against the
//!   configured host. A listing can also start from a time bound
//!   ([`Cursor::since`]).
//! * **Time is [`jiff::Timestamp`].** Media timestamps, token issue and
//!   expiry, and the [`Clock`] all use it; spans are `std::time::Duration`.
//! * **Downloads cannot be steered.** A `media_url` is network data; a
//!   download only goes to https CDN hosts on the allow-list (or below an
//!   explicitly allowed base), every redirect is re-checked, the content
//!   type must be an image or video, and the size is bounded.
//! * **Rate budgets are visible.** `X-App-Usage` and
//!   `X-Business-Use-Case-Usage` are parsed into a [`RateBudget`] after every
//!   call ([`UserClient::rate_budget`]); a throttle error carries their
//!   estimated time to regain access.
//!
//! # Example: link an account and list its media
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use ig_client::{AppCredentials, AuthorizeOptions, Config, IgClient, MediaQuery, OAuth, Scope};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::builder().emulator("http://127.0.0.1:8080").build()?;
//! let ig = IgClient::new(config)?;
//! let oauth = ig.oauth(AppCredentials::new("xpost-emulator", "xpost-emulator-secret"));
//!
//! let redirect_uri = "http://127.0.0.1:9000/callback";
//! let authorize = oauth.authorize_url(redirect_uri, &[Scope::BusinessBasic], &AuthorizeOptions::default())?;
//! println!("open {}", authorize.url);
//! // ... the browser comes back to the redirect URI ...
//! let redirect = url::Url::parse("http://127.0.0.1:9000/callback?code=AQB&state=s")?;
//! let code = OAuth::code_from_redirect(&redirect, &authorize.state)?;
//! let short = oauth.exchange_code(&code, redirect_uri).await?;
//! let token = oauth.exchange_long_lived(&short).await?;
//!
//! let user = ig.user(token.access_token.clone());
//! let profile = user.me().await?;
//! println!("@{}", profile.username.unwrap_or_default());
//! let mut media = std::pin::pin!(user.media_stream(MediaQuery::new().limit(25), None));
//! while let Some(item) = media.try_next().await? {
//!     println!("{} {:?} {:?}", item.id, item.media_type, item.caption);
//! }
//! # Ok(())
//! # }
//! ```

mod client;
mod config;
mod download;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod ids;
mod media;
mod oauth;
pub mod page;
mod profile;
mod publish;
mod read;
mod secret;
pub mod signed_request;
pub mod timestamp;
mod usage;

pub use client::{IgClient, UserClient};
pub use config::{
    API_BASE, CdnPolicy, Clock, Config, ConfigBuilder, DEFAULT_API_VERSION,
    DEFAULT_CDN_HOST_SUFFIXES, GRAPH_BASE, RetryPolicy, SystemClock, WWW_BASE,
};
pub use download::MediaDownload;
pub use error::{DEFAULT_THROTTLE_WAIT, Error, GraphError, RetryKind, TokenProblem};
pub use ids::{IgContainerId, IgMediaId, IgUserId};
pub use media::{Media, MediaProductType, MediaType, Owner};
pub use oauth::{AuthorizeOptions, AuthorizeUrl, OAuth, SHORT_LIVED_TTL, Scope, Token, TokenKind};
pub use oauth2::AuthorizationCode;
pub use page::{Cursor, Page};
pub use profile::{AccountType, Profile};
pub use publish::{
    ContainerKind, ContainerStatus, Created, MAX_CAPTION_CHARS, NewContainer, PollPolicy,
    PublishingLimit, StatusCode,
};
pub use read::{CHILD_FIELDS, MEDIA_FIELDS, MediaQuery, PROFILE_FIELDS, STORY_FIELDS};
pub use secret::{AccessToken, AppCredentials};
pub use signed_request::{DataDeletionResponse, SignedRequest};
pub use usage::{AppUsage, BusinessUseCaseUsage, RateBudget};
