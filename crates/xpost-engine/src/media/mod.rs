//! The media pipeline: what is fetched from the source is made fit for the target.
//!
//! Everything here is a pure function over bytes or a reader, except [`spool_to_temp`],
//! which writes a local temporary file. Nothing here touches the network.
//!
//! - [`strip_image_metadata`] removes location, camera and other metadata without
//!   re-encoding: JPEG segments, PNG chunks, WEBP chunks and GIF extensions are copied
//!   or dropped whole, so the pixels stay exactly as they were. A rotated JPEG or WEBP
//!   keeps a minimal EXIF block holding only its orientation, so it still shows the
//!   right way up.
//! - [`prepare_image`] strips first and decodes only when the result is still over
//!   X's limits; then it applies the orientation, resizes and re-encodes. Declared
//!   dimensions are checked before any pixel is decoded, so a tiny file that claims
//!   to be enormous costs nothing.
//! - [`check_video`] reads an MP4's index (wherever in the file it is) and checks
//!   duration, dimensions, aspect and codecs against X's limits. The box walker is
//!   our own: the four boxes needed do not justify a parser that reads the whole
//!   sample tables into memory, and ours turns every lying size into an error.
//! - [`spool_to_temp`] lands a download on disk under a byte cap, so a video can be
//!   checked and then streamed to X without being held in memory.

mod error;
mod exif;
mod gif;
mod image;
mod jpeg;
mod kind;
mod mp4;
mod png;
mod read;
mod spool;
mod video;
mod webp;

pub use self::image::{ImageLimits, PreparedImage, prepare_image};
pub use error::MediaError;
pub use kind::ImageType;
pub use spool::{SpooledMedia, spool_to_temp, spool_to_temp_in};
pub use video::{VideoInfo, VideoLimits, check_video, read_video_info};

/// The image without metadata: lossless for every type (no pixel is re-encoded).
///
/// JPEG loses EXIF, XMP, IPTC, comments and other APPn segments but keeps JFIF, ICC
/// and Adobe colour segments, and a non-default orientation as a minimal EXIF
/// segment. PNG loses text, EXIF, time and unknown ancillary chunks. WEBP loses
/// `EXIF` and `XMP ` chunks (keeping a non-default orientation) with the RIFF size
/// and VP8X flags fixed. GIF loses comments and metadata application extensions.
/// Bytes after the end of the picture are dropped in every type.
///
/// # Errors
/// [`MediaError::Malformed`] when the bytes do not follow the type's layout.
pub fn strip_image_metadata(bytes: &[u8], kind: ImageType) -> Result<Vec<u8>, MediaError> {
    match kind {
        ImageType::Jpeg => jpeg::strip(bytes),
        ImageType::Png => png::strip(bytes),
        ImageType::Webp => webp::strip(bytes),
        ImageType::Gif => gif::strip(bytes),
    }
}
