//! Shortening permalinks through a self-hosted Shlink or YOURLS.
//!
//! # Design
//!
//! `xpost-core` owns the [`Shortener`](xpost_core::Shortener) trait and its
//! error, [`ShortenError`](xpost_core::ShortenError); this crate holds the
//! adapters that do the I/O, so that core and the policy stay pure. X wraps
//! every link as `t.co` and counts it as 23 characters, so shortening is off
//! by default ([`NoShortener`](xpost_core::NoShortener)); the adapters are
//! for users who want their own short domain or click counts.
//!
//! The engine's part, in order: take the link the text will carry with
//! `xpost_policy::render::link_for` (the permalink with its UTM parameters),
//! shorten it through the link's shortener, and render with
//! `xpost_policy::render::render_with_link`, so that the short URL is what
//! is posted. [`from_settings`] turns a link's `text.shortener*` settings
//! into the right adapter, reading the key from the environment variable
//! the settings name (never from the settings themselves).
//!
//! - [`Shlink`]: `POST {base}/rest/v3/short-urls` with `X-Api-Key`, asking
//!   `findIfExists` so the same long URL always gives the same short one.
//! - [`Yourls`]: `{base}/yourls-api.php`, `action=shorturl`, with the
//!   passwordless-API signature; a URL shortened before (`error:url`) gives
//!   back its existing short URL.
//!
//! Every request has a timeout (10 s by default, body included), answers
//! over 64 KiB are refused unread, and only http(s) URLs are accepted, as
//! base URLs and as URLs to shorten. Keys are `secrecy` types that never
//! show in `Debug` output or error messages.
//!
//! **Retries**: both calls are idempotent (see above), so an adapter retries
//! a transient failure — a 5xx without `Retry-After`, a timeout, a dropped
//! connection — itself, at most [`DEFAULT_MAX_RETRIES`] times by default,
//! after a jittered exponential back-off. It does *not* wait out a rate
//! limit or a server-given `Retry-After`: those come back at once as
//! [`RetryKind::After`](xpost_core::RetryKind::After), for the caller, which
//! owns the schedule, to act on. `max_retries(0)` leaves every retry to the
//! caller.
//!
//! ```no_run
//! use std::time::Duration;
//! use url::Url;
//! use xpost_core::Shortener;
//! use xpost_shortener::Shlink;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let shlink = Shlink::builder()
//!     .base_url("https://sho.rt")
//!     .api_key(std::env::var("XPOST_SHLINK_KEY")?)
//!     .timeout(Duration::from_secs(5))
//!     .tags(["xpost"])
//!     .build()?;
//! let long = Url::parse("https://www.instagram.com/p/B38Xyp6nqsS/?utm_source=x")?;
//! match shlink.shorten(&long).await {
//!     Ok(short) => println!("posting {short}"),
//!     Err(e) if e.is_retryable() => println!("try later: {e} ({:?})", e.retry_kind()),
//!     Err(e) => println!("fix the settings: {e}"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! From a link's settings:
//!
//! ```no_run
//! use xpost_policy::LinkSettings;
//! use xpost_policy::render::{link_for, render_with_link};
//! # async fn run(post: xpost_core::SourcePost, settings: LinkSettings)
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! let shortener = xpost_shortener::from_settings(&settings.text, |name| std::env::var(name).ok())?;
//! let link = match link_for(&post, &settings) {
//!     Some(long) => Some(shortener.shorten(&url::Url::parse(&long)?).await?.to_string()),
//!     None => None,
//! };
//! let rendered = render_with_link(&post, &settings, link.as_deref())?;
//! # let _ = rendered;
//! # Ok(())
//! # }
//! ```

mod error;
mod http;
mod response;
mod settings;
mod shlink;
mod yourls;

pub use error::BuildError;
pub use http::{
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT,
};
pub use settings::{from_settings, from_settings_with_client};
pub use shlink::{Shlink, ShlinkBuilder};
pub use yourls::{Yourls, YourlsBuilder};
