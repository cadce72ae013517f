//! Images made fit for X: stripped always, decoded and re-encoded only when needed.

use super::error::MediaError;
use super::kind::ImageType;
use super::strip_image_metadata;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use std::io::Cursor;

/// JPEG quality for re-encoded images: visually clean at a fraction of the size.
const JPEG_QUALITY: u8 = 85;
/// Shrink attempts before giving up on the byte limit.
const FIT_ATTEMPTS: usize = 6;

/// The limits an image is fitted to, and the guards on what is decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageLimits {
    /// Largest still image X takes, in bytes (default 5 MiB).
    pub max_bytes: u64,
    /// Largest GIF X takes, in bytes (default 15 MiB).
    pub max_gif_bytes: u64,
    /// Widest still image sent (default 8192).
    pub max_width: u32,
    /// Tallest still image sent (default 8192).
    pub max_height: u32,
    /// Widest GIF X takes (default 1280).
    pub max_gif_width: u32,
    /// Tallest GIF X takes (default 1080).
    pub max_gif_height: u32,
    /// Largest input accepted at all, in bytes (default 64 MiB).
    pub max_input_bytes: u64,
    /// Most pixels decoded, checked against the declared size before decoding
    /// (default 64 megapixels, above any phone camera).
    pub max_decoded_pixels: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self {
            max_bytes: u64::try_from(x_client::media::MAX_IMAGE_BYTES).unwrap_or(u64::MAX),
            max_gif_bytes: u64::try_from(x_client::media::MAX_GIF_BYTES).unwrap_or(u64::MAX),
            max_width: 8192,
            max_height: 8192,
            max_gif_width: 1280,
            max_gif_height: 1080,
            max_input_bytes: 64 * 1024 * 1024,
            max_decoded_pixels: 64_000_000,
        }
    }
}

/// An image ready to upload.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreparedImage {
    /// The bytes to send.
    pub bytes: Vec<u8>,
    /// Their type (a re-encoded image may change type).
    pub kind: ImageType,
    /// Width in pixels as stored.
    pub width: u32,
    /// Height in pixels as stored.
    pub height: u32,
    /// Whether the pixels were decoded and encoded again (lossy) rather than only
    /// stripped of metadata (lossless).
    pub reencoded: bool,
}

/// Strips the image's metadata and, only if it is still over the limits, decodes it,
/// turns it the right way up, shrinks it to fit and encodes it again: JPEG at quality
/// 85, or PNG when it has transparency. GIFs are never re-encoded, as that would lose
/// their animation.
///
/// # Errors
/// [`MediaError::TooLarge`] for input over `max_input_bytes` or a GIF over its limit,
/// [`MediaError::TooManyPixels`] for a declared size over `max_decoded_pixels`,
/// [`MediaError::DimensionsTooLarge`] for a GIF over its dimensions,
/// [`MediaError::Malformed`] or [`MediaError::Decode`] for unreadable input,
/// [`MediaError::CannotFit`] when shrinking does not reach the byte limit.
pub fn prepare_image(
    bytes: &[u8],
    kind: ImageType,
    limits: &ImageLimits,
) -> Result<PreparedImage, MediaError> {
    let input = len_u64(bytes.len());
    if input > limits.max_input_bytes {
        return Err(MediaError::TooLarge {
            bytes: input,
            max: limits.max_input_bytes,
        });
    }
    let stripped = strip_image_metadata(bytes, kind)?;
    let (width, height) = reader(&stripped, kind, Limits::default())
        .into_dimensions()
        .map_err(MediaError::Decode)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_decoded_pixels {
        return Err(MediaError::TooManyPixels {
            width,
            height,
            max_pixels: limits.max_decoded_pixels,
        });
    }
    let (max_bytes, max_width, max_height) = match kind {
        ImageType::Gif => (
            limits.max_gif_bytes,
            limits.max_gif_width,
            limits.max_gif_height,
        ),
        _ => (limits.max_bytes, limits.max_width, limits.max_height),
    };
    let size = len_u64(stripped.len());
    if size <= max_bytes && width <= max_width && height <= max_height {
        return Ok(PreparedImage {
            bytes: stripped,
            kind,
            width,
            height,
            reencoded: false,
        });
    }
    if kind == ImageType::Gif {
        return Err(if size > max_bytes {
            MediaError::TooLarge {
                bytes: size,
                max: max_bytes,
            }
        } else {
            MediaError::DimensionsTooLarge {
                width,
                height,
                max_width,
                max_height,
            }
        });
    }
    let picture = decode(&stripped, kind, width, height, limits)?;
    fit(&picture, max_bytes, max_width, max_height)
}

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

fn reader(bytes: &[u8], kind: ImageType, limits: Limits) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    reader.limits(limits);
    reader
}

/// Decodes under limits that match the declared size, as a second guard should a
/// decoder find more than the header promised, and applies the orientation.
fn decode(
    bytes: &[u8],
    kind: ImageType,
    width: u32,
    height: u32,
    limits: &ImageLimits,
) -> Result<DynamicImage, MediaError> {
    let mut guard = Limits::default();
    guard.max_image_width = Some(width);
    guard.max_image_height = Some(height);
    // Room for the decoded picture at up to 16 bytes a pixel, plus the decoder's own.
    guard.max_alloc = Some(limits.max_decoded_pixels.saturating_mul(16));
    let mut decoder = reader(bytes, kind, guard)
        .into_decoder()
        .map_err(MediaError::Decode)?;
    let orientation = decoder.orientation().map_err(MediaError::Decode)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(MediaError::Decode)?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

/// Shrinks until the encoding fits, each step sized from how far over the last was.
fn fit(
    picture: &DynamicImage,
    max_bytes: u64,
    max_width: u32,
    max_height: u32,
) -> Result<PreparedImage, MediaError> {
    let (width, height) = (picture.width(), picture.height());
    let mut scale = 1f64
        .min(f64::from(max_width) / f64::from(width))
        .min(f64::from(max_height) / f64::from(height));
    let mut smallest = u64::MAX;
    for _ in 0..FIT_ATTEMPTS {
        let resized;
        let current = if scale < 1.0 {
            resized = picture.resize(
                scaled(width, scale),
                scaled(height, scale),
                FilterType::Lanczos3,
            );
            &resized
        } else {
            picture
        };
        let (bytes, kind) = encode(current)?;
        let size = len_u64(bytes.len());
        if size <= max_bytes {
            return Ok(PreparedImage {
                bytes,
                kind,
                width: current.width(),
                height: current.height(),
                reencoded: true,
            });
        }
        smallest = smallest.min(size);
        // Bytes grow with area, so the side shrinks with the square root; aim a bit low.
        #[allow(clippy::cast_precision_loss)]
        let over = max_bytes as f64 / size as f64;
        scale *= over.sqrt() * 0.9;
    }
    Err(MediaError::CannotFit {
        bytes: smallest,
        max: max_bytes,
    })
}

fn scaled(side: u32, scale: f64) -> u32 {
    let side = (f64::from(side) * scale).floor();
    // Clamped to 1..=u32::MAX first, so the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let side = side.clamp(1.0, f64::from(u32::MAX)) as u32;
    side
}

/// JPEG for opaque pictures; PNG keeps transparency JPEG cannot hold.
fn encode(picture: &DynamicImage) -> Result<(Vec<u8>, ImageType), MediaError> {
    let mut out = Vec::new();
    if picture.color().has_alpha() {
        let encoder =
            PngEncoder::new_with_quality(&mut out, CompressionType::Best, PngFilter::Adaptive);
        picture
            .write_with_encoder(encoder)
            .map_err(MediaError::Encode)?;
        Ok((out, ImageType::Png))
    } else {
        let encoder = JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
        picture
            .to_rgb8()
            .write_with_encoder(encoder)
            .map_err(MediaError::Encode)?;
        Ok((out, ImageType::Jpeg))
    }
}
