//! A typed client for the X API v2, plus the v1.1 endpoints that still have no v2
//! equivalent.
//!
//! # Design
//!
//! The crate is a leaf: it knows X and nothing of the rest of xpost. Every
//! endpoint method builds a description of the call and hands it to one request loop
//! ([`XClient`]), which is the only code that touches the network. That loop
//!
//! * authenticates: an OAuth 2.0 user token ([`UserSession`]), refreshed shortly
//!   before expiry or once after a 401, or OAuth 1.0a signing ([`oauth1`]) when that is
//!   what the client was given or the endpoint needs (v1.1 `account/*`);
//! * checks granted scopes before sending, so a missing `media.write` is
//!   [`Error::MissingScope`] naming it rather than an opaque 403;
//! * consults the client-side limiter: a call on a window that the last answer showed
//!   at zero is refused without burning a call;
//! * leaves pacing to the caller: a spent window, a 429 or a server-named retry
//!   instant comes back at once as an error whose [`Error::retry_kind`] is
//!   [`RetryKind::At`] the reset, so a scheduler (or a throttling wrapper) decides
//!   what to do meanwhile. Sleeping inside the call is an explicit opt-in
//!   ([`ConfigBuilder::sleep_on_rate_limit`]);
//! * puts a timeout on every request and caps the size of every answer;
//! * maps failures to [`Error`], whose [`Error::retry_kind`] is the single place
//!   deciding whether to retry and when (a server-given reset wins over the status);
//! * retries within a bounded, jittered back-off, and never resends a post that X
//!   may already have received: duplicates are worse than a reported failure.
//!
//! Large things are never held whole: a GIF or video upload reads a byte stream of
//! declared length ([`XClient::upload_media_stream`]) and sends each chunk as soon as
//! it has filled, so a video can go from Instagram to X holding one chunk at a time;
//! a timeline is a stream of pages ([`XClient::user_posts_pages`]) whose cursors the
//! caller persists.
//!
//! OAuth 2.0 authorization code with PKCE, refresh and revoke are in [`oauth`], built
//! on the `oauth2` crate. An authorization waiting for its callback is a serializable
//! [`PendingAuthorization`], so the process that receives the callback need not be
//! the one that sent the user away. X's refresh tokens are single-use, so refresh goes
//! through a caller-supplied [`TokenHook`] that loads and compare-and-swaps the stored
//! tokens: two processes sharing a grant never lose a rotation unknowingly, and when
//! the store fails to take new tokens they are kept in the session and handed to the
//! caller in [`Error::TokenPersist`] rather than lost with the spent refresh token.
//! Token values never appear in an error or in `Debug` output.
//!
//! Every base URL (API, media upload, consent page) comes from [`Endpoints`], and the
//! `reqwest::Client` and [`Clock`] can be supplied, so tests and the emulator drive the
//! same code as production.
//!
//! # Example: the PKCE flow
//!
//! ```no_run
//! use std::sync::Arc;
//! use x_client::{Config, OAuthApp, OAuthClient, Scope, SystemClock, XClient};
//!
//! # async fn run() -> Result<(), x_client::Error> {
//! let config = Config::default();
//! let app = OAuthApp {
//!     client_id: "my-client-id".into(),
//!     client_secret: None, // a public (native) client
//!     redirect_uri: "http://127.0.0.1:8080/callback".into(),
//! };
//! let oauth = OAuthClient::new(&app, &config, reqwest::Client::new(), Arc::new(SystemClock))?;
//! let request = oauth.authorize(&Scope::cross_posting());
//! println!("open {}", request.url);
//! // ... the browser comes back to the redirect URI:
//! let callback = url::Url::parse("http://127.0.0.1:8080/callback?state=...&code=...")
//!     .map_err(|e| x_client::Error::Config { reason: e.to_string() })?;
//! let code = request.code_from_callback(&callback)?;
//! let tokens = oauth.exchange_code(request, &code).await?;
//! let client = XClient::builder().config(config).tokens(tokens).build()?;
//! println!("linked @{}", client.me(&[]).await?.username);
//! # Ok(())
//! # }
//! ```
//!
//! # Example: posting a photo
//!
//! ```no_run
//! use x_client::{MediaUpload, NewPost, XClient};
//!
//! # async fn run(client: XClient) -> Result<(), x_client::Error> {
//! let jpeg = std::fs::read("photo.jpg").map_err(|e| x_client::Error::Config { reason: e.to_string() })?;
//! let media = client
//!     .upload_media(&MediaUpload::image(jpeg, "image/jpeg").alt_text("A red bicycle"))
//!     .await?;
//! let post = NewPost::builder().text("New photo").media(&media).build()?;
//! let created = client.create_post(&post).await?;
//! println!("posted {}", created.id);
//! # Ok(())
//! # }
//! ```

mod client;
mod clock;
mod config;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod ids;
pub mod media;
pub mod model;
pub mod oauth;
pub mod oauth1;
pub mod oauth1_flow;
mod pending;
pub mod posts;
pub mod profile;
mod rate_limit;
mod redact;
mod segments;
mod session;
mod timeline;
mod token;

pub use client::{XClient, XClientBuilder, default_http};
pub use clock::{Clock, SystemClock};
pub use config::{Config, ConfigBuilder, Endpoints, MAX_CHUNK_BYTES, RetryPolicy};
pub use error::{ApiErrorItem, Error, Problem, RetryKind};
pub use ids::{MediaId, MediaKey, XPostId, XUserId};
pub use media::{MediaKind, MediaSpec, MediaUpload, UploadedMedia};
pub use oauth::{AuthorizeRequest, OAuthApp, OAuthClient};
pub use oauth1::{OAuth1Consumer, OAuth1Credentials};
pub use oauth1_flow::{OAuth1Access, OAuth1Flow, RequestToken};
pub use pending::PendingAuthorization;
pub use posts::{CreatedPost, NewPost, Page, PostFields, PostLookup, ReplySettings, TimelineQuery};
pub use profile::ProfileUpdate;
pub use rate_limit::{Endpoint, RateLimitInfo, RateWindow};
pub use session::{HookError, TokenHook, UserSession};
pub use token::{
    AccessToken, ClientSecret, OAuth1Secret, PkceVerifier, RefreshToken, Scope, Scopes, TokenSet,
};
