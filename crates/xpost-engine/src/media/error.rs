//! What can go wrong while making media fit for X.

use std::time::Duration;
use xpost_core::RetryKind;

/// A media file that cannot be read, or breaks one of X's limits.
///
/// Almost every variant describes the file itself, so retrying cannot help; only
/// [`MediaError::Io`] and [`MediaError::Source`] come from the machine or the network.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The MIME type is not one this pipeline handles.
    #[error("unsupported media type {mime:?}")]
    UnsupportedType {
        /// The MIME type as given.
        mime: String,
    },
    /// The bytes do not follow their container's layout.
    #[error("malformed {format}: {reason}")]
    Malformed {
        /// The container: `JPEG`, `PNG`, `WEBP`, `GIF` or `MP4`.
        format: &'static str,
        /// What was wrong, and where.
        reason: String,
    },
    /// The file holds more bytes than the limit allows.
    #[error("{bytes} bytes is over the limit of {max} bytes")]
    TooLarge {
        /// The file's size.
        bytes: u64,
        /// The limit.
        max: u64,
    },
    /// The picture is wider or taller than the limit (for images, before any decoding).
    #[error("{width}×{height} is over the limit of {max_width}×{max_height}")]
    DimensionsTooLarge {
        /// Declared width in pixels.
        width: u32,
        /// Declared height in pixels.
        height: u32,
        /// The widest allowed.
        max_width: u32,
        /// The tallest allowed.
        max_height: u32,
    },
    /// The declared picture holds more pixels than it is safe to decode: refused
    /// before decoding, as a tiny file can claim gigapixels.
    #[error("{width}×{height} is over the decoding limit of {max_pixels} pixels")]
    TooManyPixels {
        /// Declared width in pixels.
        width: u32,
        /// Declared height in pixels.
        height: u32,
        /// The most pixels decoded.
        max_pixels: u64,
    },
    /// The picture is narrower or shorter than the limit.
    #[error("{width}×{height} is under the minimum of {min_width}×{min_height}")]
    DimensionsTooSmall {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The narrowest allowed.
        min_width: u32,
        /// The shortest allowed.
        min_height: u32,
    },
    /// The picture is more elongated than the allowed aspect ratio.
    #[error("aspect ratio {width}:{height} is outside 1:{max_ratio} to {max_ratio}:1")]
    AspectRatio {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The most elongated ratio allowed, either way.
        max_ratio: u32,
    },
    /// The video plays for less than the minimum.
    #[error("video lasts {duration:?}, under the minimum of {min:?}")]
    TooShort {
        /// The video's duration.
        duration: Duration,
        /// The minimum.
        min: Duration,
    },
    /// The video plays for longer than the maximum.
    #[error("video lasts {duration:?}, over the maximum of {max:?}")]
    TooLong {
        /// The video's duration.
        duration: Duration,
        /// The maximum.
        max: Duration,
    },
    /// A track uses a codec X does not take.
    #[error("{track} codec {codec:?} is not {expected}")]
    UnsupportedCodec {
        /// `video` or `audio`.
        track: &'static str,
        /// The sample entry's four-character code.
        codec: String,
        /// What X takes.
        expected: &'static str,
    },
    /// The container holds no video track.
    #[error("MP4 has no video track")]
    NoVideoTrack,
    /// The image could not be decoded for resizing.
    #[error("cannot decode image")]
    Decode(#[source] image::ImageError),
    /// The resized image could not be encoded.
    #[error("cannot encode image")]
    Encode(#[source] image::ImageError),
    /// Even after resizing, the image stays over the byte limit.
    #[error("re-encoded image is still {bytes} bytes, over the limit of {max} bytes")]
    CannotFit {
        /// The smallest size reached.
        bytes: u64,
        /// The limit.
        max: u64,
    },
    /// Reading or writing a local file failed.
    #[error("media file I/O failed")]
    Io(#[source] std::io::Error),
    /// The stream that fed a temporary file failed.
    #[error("media source stream failed")]
    Source(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl MediaError {
    /// Whether trying again can help: only local I/O and the source stream can fail
    /// transiently; every other variant is about the file and fails the same way again.
    pub fn retry_kind(&self) -> RetryKind {
        match self {
            Self::Io(_) | Self::Source(_) => RetryKind::Backoff,
            Self::UnsupportedType { .. }
            | Self::Malformed { .. }
            | Self::TooLarge { .. }
            | Self::DimensionsTooLarge { .. }
            | Self::TooManyPixels { .. }
            | Self::DimensionsTooSmall { .. }
            | Self::AspectRatio { .. }
            | Self::TooShort { .. }
            | Self::TooLong { .. }
            | Self::UnsupportedCodec { .. }
            | Self::NoVideoTrack
            | Self::Decode(_)
            | Self::Encode(_)
            | Self::CannotFit { .. } => RetryKind::Never,
        }
    }

    pub(crate) fn malformed(format: &'static str, reason: impl Into<String>) -> Self {
        Self::Malformed {
            format,
            reason: reason.into(),
        }
    }
}
