//! Videos checked against X's limits from their MP4 index alone.

use super::error::MediaError;
use super::mp4::{self, fourcc};
use std::io::{Read, Seek};
use std::time::Duration;

/// What X needs to know about a video.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VideoInfo {
    /// How long the movie plays.
    pub duration: Duration,
    /// Width of the first video track, in pixels (as stored, before any rotation).
    pub width: u32,
    /// Height of the first video track, in pixels.
    pub height: u32,
    /// The video sample entry's four-character code (`avc1` for H.264).
    pub codec: String,
    /// The first audio track's four-character code (`mp4a` for AAC), if any.
    pub audio_codec: Option<String>,
}

/// X's limits for a video.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VideoLimits {
    /// Largest file, in bytes (default 512 MiB).
    pub max_bytes: u64,
    /// Shortest duration (default 0.5 s).
    pub min_duration: Duration,
    /// Longest duration (default 140 s).
    pub max_duration: Duration,
    /// Narrowest (default 32).
    pub min_width: u32,
    /// Shortest (default 32).
    pub min_height: u32,
    /// Widest (default 1280).
    pub max_width: u32,
    /// Tallest (default 1024).
    pub max_height: u32,
    /// Most elongated aspect ratio either way, as N for 1:N and N:1 (default 3).
    pub max_aspect: u32,
}

impl Default for VideoLimits {
    fn default() -> Self {
        Self {
            max_bytes: u64::try_from(x_client::media::MAX_VIDEO_BYTES).unwrap_or(u64::MAX),
            min_duration: x_client::media::MIN_VIDEO_DURATION,
            max_duration: x_client::media::MAX_VIDEO_DURATION,
            min_width: 32,
            min_height: 32,
            max_width: 1280,
            max_height: 1024,
            max_aspect: 3,
        }
    }
}

/// H.264 sample entries (parameter sets out of band, or in band).
const H264: &[&[u8; 4]] = &[b"avc1", b"avc3"];
/// AAC.
const AAC: &[u8; 4] = b"mp4a";

impl VideoLimits {
    /// Checks what the index said against these limits.
    ///
    /// # Errors
    /// The first limit broken: [`MediaError::TooLarge`],
    /// [`MediaError::UnsupportedCodec`], [`MediaError::TooShort`],
    /// [`MediaError::TooLong`], [`MediaError::DimensionsTooSmall`],
    /// [`MediaError::DimensionsTooLarge`] or [`MediaError::AspectRatio`].
    pub fn check(&self, info: &VideoInfo, size: u64) -> Result<(), MediaError> {
        self.check_size(size)?;
        if !H264.iter().any(|c| c[..] == *info.codec.as_bytes()) {
            return Err(MediaError::UnsupportedCodec {
                track: "video",
                codec: info.codec.clone(),
                expected: "H.264 (avc1)",
            });
        }
        if let Some(audio) = info.audio_codec.as_ref().filter(|a| a.as_bytes() != AAC) {
            return Err(MediaError::UnsupportedCodec {
                track: "audio",
                codec: audio.clone(),
                expected: "AAC (mp4a)",
            });
        }
        if info.duration < self.min_duration {
            return Err(MediaError::TooShort {
                duration: info.duration,
                min: self.min_duration,
            });
        }
        if info.duration > self.max_duration {
            return Err(MediaError::TooLong {
                duration: info.duration,
                max: self.max_duration,
            });
        }
        let (width, height) = (info.width, info.height);
        if width < self.min_width || height < self.min_height {
            return Err(MediaError::DimensionsTooSmall {
                width,
                height,
                min_width: self.min_width,
                min_height: self.min_height,
            });
        }
        if width > self.max_width || height > self.max_height {
            return Err(MediaError::DimensionsTooLarge {
                width,
                height,
                max_width: self.max_width,
                max_height: self.max_height,
            });
        }
        let (long, short) = (width.max(height), width.min(height));
        if u64::from(long) > u64::from(short) * u64::from(self.max_aspect) {
            return Err(MediaError::AspectRatio {
                width,
                height,
                max_ratio: self.max_aspect,
            });
        }
        Ok(())
    }

    fn check_size(&self, size: u64) -> Result<(), MediaError> {
        if size > self.max_bytes {
            return Err(MediaError::TooLarge {
                bytes: size,
                max: self.max_bytes,
            });
        }
        Ok(())
    }
}

/// Reads an MP4's index: duration, the first video track's size and codec, the first
/// audio track's codec. `size` is the file's length; `moov` is found by seeking past
/// the other top-level boxes, so it may come before or after the media data.
///
/// # Errors
/// [`MediaError::Malformed`] for a file that is not MP4, is cut short or has lying
/// box sizes, [`MediaError::NoVideoTrack`], [`MediaError::Io`] when reading fails.
pub fn read_video_info<R: Read + Seek>(mut reader: R, size: u64) -> Result<VideoInfo, MediaError> {
    let movie = mp4::read_movie(&mut reader, size)?;
    let video = movie
        .tracks
        .iter()
        .find(|t| &t.handler == b"vide")
        .ok_or(MediaError::NoVideoTrack)?;
    let audio_codec = movie
        .tracks
        .iter()
        .find(|t| &t.handler == b"soun")
        .map(|t| fourcc(&t.codec));
    Ok(VideoInfo {
        duration: movie.duration,
        width: video.width,
        height: video.height,
        codec: fourcc(&video.codec),
        audio_codec,
    })
}

/// Reads an MP4's index and checks it against X's limits ([`VideoLimits::default`]);
/// the size is checked before anything is read.
///
/// The reads are blocking but few (box headers, then `moov`); async callers run it
/// on a blocking thread, for example over [`super::SpooledMedia::reader`].
///
/// # Errors
/// Those of [`read_video_info`] and [`VideoLimits::check`].
pub fn check_video<R: Read + Seek>(reader: R, size: u64) -> Result<VideoInfo, MediaError> {
    let limits = VideoLimits::default();
    limits.check_size(size)?;
    let info = read_video_info(reader, size)?;
    limits.check(&info, size)?;
    Ok(info)
}
