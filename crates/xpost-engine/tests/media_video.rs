//! MP4 checks on the emulator's real MP4: duration, size and codec from the index.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;
use std::time::Duration;
use xpost_emulator::mp4::mp4;
use xpost_engine::media::{MediaError, VideoLimits, check_video, read_video_info};

fn info(bytes: &[u8]) -> Result<xpost_engine::media::VideoInfo, MediaError> {
    read_video_info(Cursor::new(bytes), u64::try_from(bytes.len()).unwrap())
}

fn check(bytes: &[u8]) -> Result<xpost_engine::media::VideoInfo, MediaError> {
    check_video(Cursor::new(bytes), u64::try_from(bytes.len()).unwrap())
}

fn find(bytes: &[u8], kind: &[u8; 4]) -> usize {
    bytes.windows(4).position(|w| w == kind).unwrap()
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

/// The emulator's MP4 with its display size, duration (ms) and codec rewritten.
fn variant(width: u32, height: u32, millis: u32, codec: &[u8; 4]) -> Vec<u8> {
    let mut bytes = mp4(40);
    // tkhd v0: the 16.16 width and height follow 76 bytes of payload.
    let tkhd = find(&bytes, b"tkhd") + 4;
    put_u32(&mut bytes, tkhd + 76, width << 16);
    put_u32(&mut bytes, tkhd + 80, height << 16);
    // mvhd v0: timescale at 12, duration at 16; the emulator's timescale is 1000.
    let mvhd = find(&bytes, b"mvhd") + 4;
    put_u32(&mut bytes, mvhd + 16, millis);
    // The last `avc1` is the sample entry; the first is a brand in `ftyp`.
    let entry = bytes.windows(4).rposition(|w| w == b"avc1").unwrap();
    bytes[entry..entry + 4].copy_from_slice(codec);
    bytes
}

/// Top-level boxes as (type, bytes).
fn top_level(bytes: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len =
            usize::try_from(u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap())).unwrap();
        out.push((
            bytes[at + 4..at + 8].try_into().unwrap(),
            bytes[at..at + len].to_vec(),
        ));
        at += len;
    }
    out
}

#[test]
fn the_emulator_mp4_is_three_seconds_of_48_by_48_h264() {
    let got = info(&mp4(40)).unwrap();
    assert_eq!(got.duration, Duration::from_secs(3));
    assert_eq!((got.width, got.height), (48, 48));
    assert_eq!(got.codec, "avc1");
    assert_eq!(got.audio_codec, None);
}

#[test]
fn moov_after_mdat_is_found_by_seeking() {
    let boxes = top_level(&mp4(41));
    let kinds: Vec<&[u8; 4]> = boxes.iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, [b"ftyp", b"moov", b"mdat"]);
    let moved = [boxes[0].1.clone(), boxes[2].1.clone(), boxes[1].1.clone()].concat();
    assert_eq!(info(&moved).unwrap(), info(&mp4(41)).unwrap());
}

#[test]
fn a_fitting_video_passes_the_x_check() {
    let got = check(&variant(640, 360, 3000, b"avc1")).unwrap();
    assert_eq!(
        (got.width, got.height, got.duration),
        (640, 360, Duration::from_secs(3))
    );
}

#[test]
fn the_emulator_mp4_passes_the_x_check() {
    let got = check(&mp4(40)).unwrap();
    assert_eq!((got.width, got.height), (48, 48));
}

#[test]
fn a_video_under_x_minimum_dimensions_is_named() {
    let err = check(&variant(16, 16, 3000, b"avc1")).unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::DimensionsTooSmall {
                width: 16,
                min_width: 32,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("32×32"), "{err}");
}

#[test]
fn each_broken_limit_is_named() {
    let err = check(&variant(640, 360, 140_001, b"avc1")).unwrap_err();
    assert!(matches!(err, MediaError::TooLong { .. }), "{err:?}");
    assert!(err.to_string().contains("140s"), "{err}");
    let err = check(&variant(640, 360, 499, b"avc1")).unwrap_err();
    assert!(matches!(err, MediaError::TooShort { .. }), "{err:?}");
    let err = check(&variant(640, 360, 3000, b"hvc1")).unwrap_err();
    assert!(
        matches!(err, MediaError::UnsupportedCodec { track: "video", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("H.264"), "{err}");
    let err = check(&variant(1920, 1080, 3000, b"avc1")).unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::DimensionsTooLarge {
                max_width: 1280,
                max_height: 1024,
                ..
            }
        ),
        "{err:?}"
    );
    let err = check(&variant(400, 100, 3000, b"avc1")).unwrap_err();
    assert!(
        matches!(err, MediaError::AspectRatio { max_ratio: 3, .. }),
        "{err:?}"
    );
}

#[test]
fn a_file_over_512_mib_is_refused_before_reading() {
    let err = check_video(Cursor::new(Vec::new()), 513 * 1024 * 1024).unwrap_err();
    assert!(
        matches!(err, MediaError::TooLarge { max, .. } if max == 512 * 1024 * 1024),
        "{err:?}"
    );
}

#[test]
fn custom_limits_apply_to_what_the_index_says() {
    let bytes = variant(16, 16, 3000, b"avc1");
    let mut limits = VideoLimits::default();
    assert!(limits.check(&info(&bytes).unwrap(), 1000).is_err());
    limits.min_width = 16;
    limits.min_height = 16;
    limits.check(&info(&bytes).unwrap(), 1000).unwrap();
}

#[test]
fn truncated_or_garbage_mp4s_are_clear_errors_never_panics() {
    let whole = mp4(40);
    for cut in 0..whole.len() {
        let err = info(&whole[..cut]).unwrap_err();
        assert!(
            matches!(err, MediaError::Malformed { format: "MP4", .. }),
            "{cut}: {err:?}"
        );
    }
    let err = info(&whole[..whole.len() - 10]).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    let err = info(b"garbage, not a movie at all").unwrap_err();
    assert!(err.to_string().contains("ftyp"), "{err}");
    // Every single-byte corruption of the index is an error or a result, never a panic.
    let moov = find(&whole, b"moov") - 4;
    for at in moov..moov + 600 {
        let mut bad = whole.clone();
        bad[at] ^= 0xFF;
        let _ = info(&bad);
    }
}

#[test]
fn a_movie_whose_only_track_is_not_video_has_no_video_track() {
    let mut bytes = mp4(40);
    let handler = find(&bytes, b"vide");
    bytes[handler..handler + 4].copy_from_slice(b"meta");
    let err = info(&bytes).unwrap_err();
    assert!(matches!(err, MediaError::NoVideoTrack), "{err:?}");
}

#[test]
fn an_index_claiming_gigabytes_is_refused_before_it_is_read() {
    // `ftyp`, then a `moov` whose 64-bit size claims 3 GiB: refused from the
    // header, before any buffer is allocated for it.
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&16u32.to_be_bytes());
    bytes.extend_from_slice(b"ftypisom");
    bytes.extend_from_slice(&0u32.to_be_bytes());
    bytes.extend_from_slice(&1u32.to_be_bytes());
    bytes.extend_from_slice(b"moov");
    bytes.extend_from_slice(&(3u64 << 30).to_be_bytes());
    let err = read_video_info(Cursor::new(&bytes), 4 << 30).unwrap_err();
    assert!(
        matches!(err, MediaError::Malformed { format: "MP4", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("over"), "{err}");
}

#[test]
fn absurd_declared_durations_and_sizes_are_refused_from_the_index() {
    // 4 294 967 295 ms (49 days) in `mvhd`.
    let err = check(&variant(640, 360, u32::MAX, b"avc1")).unwrap_err();
    assert!(matches!(err, MediaError::TooLong { .. }), "{err:?}");
    // 60 000 × 60 000 pixels in `tkhd`.
    let err = check(&variant(60_000, 60_000, 3000, b"avc1")).unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::DimensionsTooLarge {
                width: 60_000,
                height: 60_000,
                ..
            }
        ),
        "{err:?}"
    );
}
