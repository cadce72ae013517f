//! A faithful local Instagram and X: an axum server that tests, the demo and benchmarks
//! run against instead of the real platforms.
//!
//! # Design
//!
//! Each real host is served under its own path prefix (`/instagram/graph`,
//! `/instagram/api`, `/instagram/www`, `/instagram/cdn`, `/x/api`, `/x/www`), with the
//! real paths below it, so a client pointed at `{base}/instagram/graph` instead of
//! `https://graph.instagram.com` works unchanged. Answers copy the real platforms'
//! shapes — Graph errors with `code`/`error_subcode`/`fbtrace_id`, X problem JSON,
//! `+0000` and `.000Z` timestamps, string ids, usage and `x-rate-limit-*` headers, post
//! texts whose URLs and media come back as t.co links, 400s for malformed parameters — and
//! where the platforms' documents are unsure, the recorded responses in the shared
//! fixtures decide.
//!
//! All state lives in memory behind one mutex that handlers hold only for map work,
//! never across an await, so per-request cost stays small. Stored posts, media bytes and
//! tokens are capped (see [`Config`]), so a long benchmark cannot grow it without bound.
//! Time comes from an emulator [`Clock`] that tests advance (`POST /admin/clock`), so
//! token expiry, story expiry, rate windows and media processing can be reached in
//! milliseconds. With a seed, ids and tokens repeat from run to run.
//!
//! The server runs its own accept loop rather than `axum::serve`: faults injected with
//! `POST /admin/faults` are applied per connection before routing, which is what lets
//! a fault close a connection without writing a byte.
//!
//! The admin API (`/admin/...`) is stable and documented in `docs/emulator.md`; [`Admin`] offers the
//! same operations in process.
//!
//! # Example
//!
//! ```no_run
//! use xpost_emulator::{Emulator, EmulatorError, Platform};
//!
//! # async fn demo() -> Result<(), EmulatorError> {
//! let emulator = Emulator::builder().seed(7u64).access_token_ttl(60i64).build()?;
//! let running = emulator.spawn("127.0.0.1:0".parse().map_err(|source| {
//!     EmulatorError::BadAddress { input: "127.0.0.1:0".into(), source }
//! })?).await?;
//! let ig_user = running.admin().create_instagram_account("maria")?;
//! running.admin().set_session(Platform::Instagram, Some("maria"))?;
//! println!("Instagram {ig_user} at {}/instagram/graph", running.base_url);
//! running.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod admin;
mod callbacks;
mod clock;
mod config;
mod error;
mod faults;
mod http;
mod ids;
mod instagram;
pub mod jpeg;
pub mod mp4;
mod respond;
mod server;
mod state;
mod x;

pub use admin::{
    Admin, AdminToken, AdminTweet, AdminTweetMedia, AdminXAccount, IgEngagement, IgProfileChange,
    NewIgMedia, XAccountChange,
};
pub use callbacks::{CallbackAnswer, CallbackKind};
pub use clock::Clock;
pub use config::{Config, EmulatorBuilder};
pub use error::EmulatorError;
pub use faults::Fault;
pub use server::{Emulator, RunningEmulator};
pub use state::{IgMediaType, IgProduct, Platform, TokenKind, XTweetMetrics};
