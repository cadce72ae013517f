//! What a link's profile sync last applied, so that each change of the source
//! profile reaches the target exactly once.

use serde::{Deserialize, Serialize};

/// The source profile's values as they were when last applied to the target.
///
/// The picture is known by the SHA-256 of its bytes, never by its URL: Instagram
/// signs its CDN URLs and changes them while the picture stays the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSnapshot {
    /// The display name last applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The biography last applied (as on the source, before rendering).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    /// The website last applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Lower-case hex SHA-256 of the picture bytes last applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture_sha256: Option<String>,
}
