//! WEBP and GIF metadata stripping on files the `image` crate writes and reads back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::codecs::webp::WebPEncoder;
use image::metadata::Orientation;
use image::{ImageDecoder, ImageFormat, ImageReader, Rgba, RgbaImage};
use std::io::Cursor;
use xpost_engine::media::{ImageType, strip_image_metadata};

fn picture() -> RgbaImage {
    RgbaImage::from_fn(9, 5, |x, y| {
        Rgba([
            u8::try_from(x * 25).unwrap(),
            u8::try_from(y * 40).unwrap(),
            7,
            255,
        ])
    })
}

fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = kind.to_vec();
    c.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    c.extend_from_slice(data);
    if data.len() % 2 == 1 {
        c.push(0);
    }
    c
}

/// An extended WEBP: VP8X, the lossless image, a GPS-laden EXIF with orientation 3, XMP.
fn extended_webp() -> Vec<u8> {
    let mut simple = Vec::new();
    WebPEncoder::new_lossless(&mut simple)
        .encode(picture().as_raw(), 9, 5, image::ExtendedColorType::Rgba8)
        .unwrap();
    let vp8l = &simple[12..];
    assert_eq!(&vp8l[..4], b"VP8L");
    // Flags EXIF (0x08) and XMP (0x04); canvas width and height minus one, 24-bit little-endian.
    let vp8x = riff_chunk(b"VP8X", &[0x0C, 0, 0, 0, 8, 0, 0, 4, 0, 0]);
    let mut exif = b"II\x2A\x00\x08\x00\x00\x00\x02\x00".to_vec();
    exif.extend_from_slice(b"\x12\x01\x03\x00\x01\x00\x00\x00\x03\x00\x00\x00");
    exif.extend_from_slice(b"\x25\x88\x04\x00\x01\x00\x00\x00\x2A\x00\x00\x00");
    exif.extend_from_slice(b"\x00\x00\x00\x00GPS 51N 0W");
    let body = [
        vp8x,
        vp8l.to_vec(),
        riff_chunk(b"EXIF", &exif),
        riff_chunk(b"XMP ", b"<x:xmpmeta>home</x:xmpmeta>"),
    ]
    .concat();
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&u32::try_from(body.len() + 4).unwrap().to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn webp_loses_exif_and_xmp_keeps_pixels_and_orientation() {
    let dirty = extended_webp();
    let before = image::load_from_memory_with_format(&dirty, ImageFormat::WebP)
        .unwrap()
        .to_rgba8();
    let stripped = strip_image_metadata(&dirty, ImageType::Webp).unwrap();
    assert!(!contains(&stripped, b"GPS"));
    assert!(!contains(&stripped, b"xmpmeta"));
    assert!(!contains(&stripped, b"XMP "));
    let after = image::load_from_memory_with_format(&stripped, ImageFormat::WebP)
        .unwrap()
        .to_rgba8();
    assert_eq!(after, before);
    assert_eq!(after, picture());
    let mut decoder = ImageReader::with_format(Cursor::new(&stripped), ImageFormat::WebP)
        .into_decoder()
        .unwrap();
    assert_eq!(decoder.orientation().unwrap(), Orientation::Rotate180);
}

#[test]
fn gif_loses_comments_and_keeps_pixels() {
    let mut gif = Vec::new();
    picture()
        .write_to(&mut Cursor::new(&mut gif), ImageFormat::Gif)
        .unwrap();
    // A comment extension right after the header and global colour table.
    let table = 3usize << ((gif[10] & 0x07) + 1);
    let head = if gif[10] & 0x80 == 0 { 13 } else { 13 + table };
    let dirty = [&gif[..head], b"\x21\xFE\x07at home\x00", &gif[head..]].concat();
    let stripped = strip_image_metadata(&dirty, ImageType::Gif).unwrap();
    assert_eq!(stripped, gif);
    let before = image::load_from_memory(&dirty).unwrap().to_rgba8();
    let after = image::load_from_memory(&stripped).unwrap().to_rgba8();
    assert_eq!(after, before);
}
