//! Images fitted to X's limits: stripped always, re-encoded only when over a limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use std::io::Cursor;
use xpost_emulator::jpeg::{Gps, jpeg};
use xpost_engine::media::{
    ImageLimits, ImageType, MediaError, prepare_image, strip_image_metadata,
};

mod media_support;
use media_support::{orientation_app1, png_chunk};

const FIVE_MIB: usize = 5 * 1024 * 1024;

/// Pseudo-random pixels, which no codec can shrink much.
fn noise(width: u32, height: u32) -> RgbImage {
    let mut state = 0x2545_F491_u32;
    RgbImage::from_fn(width, height, |_, _| {
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        };
        Rgb([next(), next(), next()])
    })
}

#[test]
fn a_small_image_is_only_stripped() {
    let original = jpeg(
        5,
        Gps {
            lat: 48.85,
            lon: 2.35,
        },
    );
    let prepared = prepare_image(&original, ImageType::Jpeg, &ImageLimits::default()).unwrap();
    assert!(!prepared.reencoded);
    assert_eq!(
        prepared.bytes,
        strip_image_metadata(&original, ImageType::Jpeg).unwrap()
    );
    assert_eq!(
        (prepared.width, prepared.height, prepared.kind),
        (320, 320, ImageType::Jpeg)
    );
}

#[test]
fn a_six_megabyte_image_is_reencoded_under_five() {
    let picture = noise(1500, 1400);
    let mut png = Vec::new();
    picture
        .write_with_encoder(PngEncoder::new_with_quality(
            &mut png,
            CompressionType::Fast,
            FilterType::NoFilter,
        ))
        .unwrap();
    assert!(png.len() > 6_000_000, "{}", png.len());
    let prepared = prepare_image(&png, ImageType::Png, &ImageLimits::default()).unwrap();
    assert!(prepared.reencoded);
    assert!(prepared.bytes.len() <= FIVE_MIB, "{}", prepared.bytes.len());
    assert_eq!(prepared.kind, ImageType::Jpeg);
    let back = image::load_from_memory_with_format(&prepared.bytes, ImageFormat::Jpeg).unwrap();
    assert_eq!(
        (back.width(), back.height()),
        (prepared.width, prepared.height)
    );
}

#[test]
fn a_bomb_is_refused_from_its_header_before_decoding() {
    // 100 000 × 100 000 pixels declared, a few bytes of data: decoding would need 30 GB.
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let bomb = [
        &b"\x89PNG\r\n\x1a\n"[..],
        &png_chunk(b"IHDR", &ihdr),
        &png_chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        &png_chunk(b"IEND", &[]),
    ]
    .concat();
    assert!(bomb.len() < 100);
    let err = prepare_image(&bomb, ImageType::Png, &ImageLimits::default()).unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::TooManyPixels {
                width: 100_000,
                height: 100_000,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn input_over_the_input_cap_is_refused_unread() {
    let mut limits = ImageLimits::default();
    limits.max_input_bytes = 10;
    let err = prepare_image(&[0u8; 11], ImageType::Jpeg, &limits).unwrap_err();
    assert!(
        matches!(err, MediaError::TooLarge { bytes: 11, max: 10 }),
        "{err:?}"
    );
}

#[test]
fn an_oversized_rotated_jpeg_is_turned_upright_then_shrunk_keeping_its_aspect() {
    let mut plain = Vec::new();
    noise(64, 32)
        .write_with_encoder(JpegEncoder::new_with_quality(&mut plain, 90))
        .unwrap();
    // Orientation 6: stored 64 wide, shown 32 wide and 64 tall.
    let rotated = [&plain[..2], &orientation_app1(6), &plain[2..]].concat();
    let mut limits = ImageLimits::default();
    limits.max_width = 40;
    limits.max_height = 40;
    let prepared = prepare_image(&rotated, ImageType::Jpeg, &limits).unwrap();
    assert!(prepared.reencoded);
    assert_eq!((prepared.width, prepared.height), (20, 40));
    assert!(
        !prepared.bytes.windows(4).any(|w| w == b"Exif"),
        "orientation was applied, so no EXIF"
    );
    let back = image::load_from_memory(&prepared.bytes).unwrap();
    assert_eq!((back.width(), back.height()), (20, 40));
}

#[test]
fn transparency_survives_a_resize_as_png() {
    let img = RgbaImage::from_fn(12, 6, |x, _| Rgba([9, 9, 9, u8::try_from(x * 20).unwrap()]));
    let mut png = Vec::new();
    img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    let mut limits = ImageLimits::default();
    limits.max_width = 6;
    let prepared = prepare_image(&png, ImageType::Png, &limits).unwrap();
    assert_eq!(prepared.kind, ImageType::Png);
    assert_eq!((prepared.width, prepared.height), (6, 3));
    assert!(
        image::load_from_memory(&prepared.bytes)
            .unwrap()
            .color()
            .has_alpha()
    );
}

#[test]
fn a_gif_over_its_limits_is_refused_not_flattened() {
    let frame = RgbaImage::from_pixel(1300, 2, Rgba([1, 2, 3, 255]));
    let mut gif = Vec::new();
    frame
        .write_to(&mut Cursor::new(&mut gif), ImageFormat::Gif)
        .unwrap();
    let err = prepare_image(&gif, ImageType::Gif, &ImageLimits::default()).unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::DimensionsTooLarge {
                width: 1300,
                max_width: 1280,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_jpeg_declaring_60000_by_60000_is_refused_before_decoding() {
    // A real 16 × 16 JPEG whose frame header (SOF0) is rewritten to declare
    // 60 000 × 60 000 pixels: under a kilobyte that would decode to 10.8 GB.
    let mut bomb = Vec::new();
    JpegEncoder::new_with_quality(&mut bomb, 80)
        .encode_image(&noise(16, 16))
        .unwrap();
    let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    bomb[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
    assert!(bomb.len() < 1024);
    let err = prepare_image(&bomb, ImageType::Jpeg, &ImageLimits::default()).unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::TooManyPixels {
                width: 60_000,
                height: 60_000,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_png_declaring_60000_by_60000_is_refused_before_decoding() {
    let mut ihdr = 60_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let bomb = [
        &b"\x89PNG\r\n\x1a\n"[..],
        &png_chunk(b"IHDR", &ihdr),
        &png_chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        &png_chunk(b"IEND", &[]),
    ]
    .concat();
    let err = prepare_image(&bomb, ImageType::Png, &ImageLimits::default()).unwrap_err();
    assert!(
        matches!(err, MediaError::TooManyPixels { width: 60_000, .. }),
        "{err:?}"
    );
}
