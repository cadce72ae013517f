//! Corrupt input of every kind gives an error or a result, never a panic: every
//! prefix and every single-byte flip of a real file goes through the parsers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::{ImageFormat, Rgba, RgbaImage};
use std::io::Cursor;
use xpost_emulator::jpeg::{Gps, jpeg};
use xpost_engine::media::{ImageType, read_video_info, strip_image_metadata};

fn encoded(format: ImageFormat) -> Vec<u8> {
    let img = RgbaImage::from_fn(6, 4, |x, y| {
        Rgba([
            u8::try_from(x * 40).unwrap(),
            u8::try_from(y * 60).unwrap(),
            3,
            255,
        ])
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

/// Every prefix, and every byte flipped in turn.
fn mutations(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let prefixes = (0..bytes.len()).map(|cut| bytes[..cut].to_vec());
    let flips = (0..bytes.len()).flat_map(move |at| {
        [0xFF, 0x80, 0x01].map(|mask| {
            let mut bad = bytes.to_vec();
            bad[at] ^= mask;
            bad
        })
    });
    prefixes.chain(flips)
}

#[test]
fn image_strippers_survive_every_prefix_and_flip() {
    let samples = [
        (
            ImageType::Jpeg,
            jpeg(
                5,
                Gps {
                    lat: 1.5,
                    lon: -2.5,
                },
            ),
        ),
        (ImageType::Png, encoded(ImageFormat::Png)),
        (ImageType::Gif, encoded(ImageFormat::Gif)),
        (ImageType::Webp, encoded(ImageFormat::WebP)),
    ];
    for (kind, bytes) in &samples {
        for bad in mutations(bytes) {
            let _ = strip_image_metadata(&bad, *kind);
        }
    }
}

#[test]
fn the_mp4_reader_survives_every_prefix_and_flip() {
    let bytes = xpost_emulator::mp4::mp4(9);
    for bad in mutations(&bytes) {
        let _ = read_video_info(Cursor::new(&bad), u64::try_from(bad.len()).unwrap());
    }
}
