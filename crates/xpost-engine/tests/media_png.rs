//! PNG metadata stripping: text, EXIF and time chunks go, everything else is untouched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::{ImageFormat, Rgba, RgbaImage};
use std::io::Cursor;
use xpost_engine::media::{ImageType, MediaError, strip_image_metadata};

mod media_support;
use media_support::png_chunk as chunk;

fn picture() -> Vec<u8> {
    let img = RgbaImage::from_fn(12, 7, |x, y| {
        Rgba([
            u8::try_from(x * 20).unwrap(),
            u8::try_from(y * 30).unwrap(),
            99,
            200,
        ])
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

/// `png` with `extra` chunks spliced in right after IHDR (8 + 25 bytes in).
fn with_chunks(png: &[u8], extra: &[Vec<u8>]) -> Vec<u8> {
    [&png[..33], &extra.concat(), &png[33..]].concat()
}

#[test]
fn text_exif_and_time_chunks_go_and_the_rest_is_byte_identical() {
    let clean = picture();
    let kept = [
        chunk(b"gAMA", &45455u32.to_be_bytes()),
        chunk(b"pHYs", &[0, 0, 11, 19, 0, 0, 11, 19, 1]),
    ];
    let dirty = with_chunks(
        &clean,
        &[
            kept[0].clone(),
            chunk(b"tEXt", b"Comment\0at home"),
            chunk(b"eXIf", b"MM\x00\x2A\x00\x00\x00\x08\x00\x00"),
            chunk(b"tIME", &[7, 234, 11, 30, 12, 0, 0]),
            chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x/>"),
            chunk(b"zTXt", b"Raw profile\0\0x"),
            kept[1].clone(),
        ],
    );
    assert!(
        image::load_from_memory(&dirty).is_ok(),
        "the test input must be a valid PNG"
    );
    let stripped = strip_image_metadata(&dirty, ImageType::Png).unwrap();
    assert_eq!(stripped, with_chunks(&clean, &kept));
    let before = image::load_from_memory(&dirty).unwrap().to_rgba8();
    let after = image::load_from_memory(&stripped).unwrap().to_rgba8();
    assert_eq!(after, before);
}

#[test]
fn cut_or_foreign_pngs_are_malformed_errors() {
    let clean = picture();
    for cut in [0, 8, 20, 40, clean.len() - 1] {
        let err = strip_image_metadata(&clean[..cut], ImageType::Png).unwrap_err();
        assert!(
            matches!(err, MediaError::Malformed { format: "PNG", .. }),
            "{cut}: {err}"
        );
    }
}
