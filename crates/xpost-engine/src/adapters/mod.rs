//! The only place where a platform client's ids, errors and times become core's.
//!
//! [`InstagramSource`] and [`XTarget`] implement core's [`xpost_core::Source`]
//! and [`xpost_core::Target`] over `ig-client` and `x-client`; [`errors`]
//! sorts both clients' errors into [`xpost_core::RemoteError`]; [`connect`]
//! builds a link's pair from the store's credentials, with every host taken
//! from one [`AdapterConfig`] so that a single emulator URL can stand in for
//! both platforms.

pub mod clock;
pub mod connect;
pub mod errors;
pub mod instagram;
mod matching;
mod platforms;
pub mod x;

pub use clock::SharedClock;
pub use connect::{AdapterConfig, AdapterError, instagram_source, x_target};
pub use instagram::InstagramSource;
pub use platforms::PlatformConnector;
pub use x::XTarget;
