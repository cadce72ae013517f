//! Where the engine gets a link's [`Source`] and [`Target`] from.

use std::sync::Arc;

use async_trait::async_trait;
use xpost_core::{Link, RemoteError, Side, Source, Target};

/// Builds the platform seams for a link from what the store holds for it (its
/// credentials, refreshed as needed). The Instagram-to-X connector lives in
/// [`crate::adapters`]; tests plug in fakes.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The link's source.
    ///
    /// # Errors
    /// [`RemoteError::Reauth`] when the source side has no usable credentials.
    async fn source(&self, link: &Link) -> Result<Arc<dyn Source>, RemoteError>;

    /// The link's target.
    ///
    /// # Errors
    /// [`RemoteError::Reauth`] when the target side has no usable credentials.
    async fn target(&self, link: &Link) -> Result<Arc<dyn Target>, RemoteError>;

    /// Revokes what the platform lets the app revoke for `side` (unlink).
    ///
    /// # Errors
    /// [`RemoteError`] when the platform could not be asked; unlinking goes on.
    async fn revoke(&self, link: &Link, side: Side) -> Result<(), RemoteError>;
}
