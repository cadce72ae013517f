//! JPEG metadata stripping on the emulator's real JPEG: location gone, scan intact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::{ImageDecoder, ImageFormat, ImageReader};
use std::io::Cursor;
use xpost_emulator::jpeg::{Gps, jpeg, read_gps};
use xpost_engine::media::{ImageType, MediaError, strip_image_metadata};

const SYDNEY: Gps = Gps {
    lat: -33.8568,
    lon: 151.2153,
};

/// The segments before the first scan, as (marker, payload), and the bytes from SOS on.
fn split(bytes: &[u8]) -> (Vec<(u8, Vec<u8>)>, Vec<u8>) {
    let mut segments = Vec::new();
    let mut at = 2;
    loop {
        assert_eq!(bytes[at], 0xFF, "marker expected at {at}");
        let marker = bytes[at + 1];
        if marker == 0xDA {
            return (segments, bytes[at..].to_vec());
        }
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        segments.push((marker, bytes[at + 4..at + 2 + len].to_vec()));
        at += 2 + len;
    }
}

fn join(segments: &[(u8, Vec<u8>)], scan: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    for (marker, payload) in segments {
        out.extend_from_slice(&[0xFF, *marker]);
        out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(payload);
    }
    out.extend_from_slice(scan);
    out
}

fn luma(bytes: &[u8]) -> Vec<u8> {
    image::load_from_memory_with_format(bytes, ImageFormat::Jpeg)
        .unwrap()
        .to_luma8()
        .into_raw()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A little-endian EXIF block: Make, Orientation and a GPS IFD with a latitude ref.
fn camera_exif(orientation: u16) -> Vec<u8> {
    let mut t = b"Exif\0\0II\x2A\x00".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&kind.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value);
    };
    // IFD0 at 8 with three entries ends at 8 + 2 + 36 + 4 = 50; Make's text, then the GPS IFD.
    t.extend_from_slice(&3u16.to_le_bytes());
    entry(&mut t, 0x010F, 2, 10, 50u32.to_le_bytes());
    entry(
        &mut t,
        0x0112,
        3,
        1,
        [u8::try_from(orientation).unwrap(), 0, 0, 0],
    );
    entry(&mut t, 0x8825, 4, 1, 60u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(b"SpyCam 9\0\0");
    t.extend_from_slice(&1u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, [b'S', 0, 0, 0]);
    t.extend_from_slice(&0u32.to_le_bytes());
    t
}

#[test]
fn emulator_jpeg_loses_its_gps_and_keeps_its_scan_and_pixels() {
    let original = jpeg(42, SYDNEY);
    assert!(read_gps(&original).is_some());
    let stripped = strip_image_metadata(&original, ImageType::Jpeg).unwrap();
    assert!(!contains(&stripped, b"Exif"));
    assert!(read_gps(&stripped).is_none());
    let (_, scan_before) = split(&original);
    let (segments, scan_after) = split(&stripped);
    assert_eq!(scan_after, scan_before, "SOS to EOI must be byte-identical");
    assert!(segments.iter().all(|(m, _)| *m != 0xE1));
    assert_eq!(luma(&stripped), luma(&original));
}

#[test]
fn xmp_iptc_comments_go_while_jfif_and_icc_stay_in_place() {
    let (mut segments, scan) = split(&jpeg(7, SYDNEY));
    segments.insert(0, (0xE0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0".to_vec()));
    segments.push((
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPS</x:xmpmeta>".to_vec(),
    ));
    segments.push((0xED, b"Photoshop 3.0\08BIM\x04\x04".to_vec()));
    segments.push((0xFE, b"shot at home".to_vec()));
    segments.push((0xE2, b"ICC_PROFILE\0\x01\x01profile".to_vec()));
    let stripped = strip_image_metadata(&join(&segments, &scan), ImageType::Jpeg).unwrap();
    let (kept, kept_scan) = split(&stripped);
    let markers: Vec<u8> = kept.iter().map(|(m, _)| *m).collect();
    assert_eq!(markers, [0xE0, 0xDB, 0xC0, 0xC4, 0xE2]);
    assert_eq!(kept_scan, scan);
    for gone in [&b"xmpmeta"[..], b"Photoshop", b"shot at home", b"Exif"] {
        assert!(
            !contains(&stripped, gone),
            "{}",
            String::from_utf8_lossy(gone)
        );
    }
}

#[test]
fn orientation_six_survives_alone_after_jfif() {
    let (mut segments, scan) = split(&jpeg(9, SYDNEY));
    segments[0] = (0xE1, camera_exif(6));
    segments.insert(0, (0xE0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0".to_vec()));
    let stripped = strip_image_metadata(&join(&segments, &scan), ImageType::Jpeg).unwrap();
    let (kept, kept_scan) = split(&stripped);
    assert_eq!(kept[0].0, 0xE0);
    assert_eq!(kept[1].0, 0xE1);
    // Exif header, big-endian TIFF, one IFD entry: Orientation (SHORT, 1) = 6, no next IFD.
    let mut want = b"Exif\0\0MM\x00\x2A\x00\x00\x00\x08\x00\x01".to_vec();
    want.extend_from_slice(b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00");
    assert_eq!(kept[1].1, want);
    assert_eq!(kept.iter().filter(|(m, _)| *m == 0xE1).count(), 1);
    assert!(!contains(&stripped, b"SpyCam"));
    assert_eq!(kept_scan, scan);
    let mut decoder = ImageReader::with_format(Cursor::new(&stripped), ImageFormat::Jpeg)
        .into_decoder()
        .unwrap();
    assert_eq!(
        decoder.orientation().unwrap(),
        image::metadata::Orientation::Rotate90
    );
}

#[test]
fn orientation_one_is_not_written_back() {
    let (mut segments, scan) = split(&jpeg(9, SYDNEY));
    segments[0] = (0xE1, camera_exif(1));
    let stripped = strip_image_metadata(&join(&segments, &scan), ImageType::Jpeg).unwrap();
    assert!(!contains(&stripped, b"Exif"));
}

#[test]
fn garbage_and_cut_jpegs_are_malformed_errors() {
    let original = jpeg(3, SYDNEY);
    for bad in [
        &b""[..],
        b"\xFF\xD8",
        b"not a jpeg",
        &original[..original.len() / 2],
    ] {
        let err = strip_image_metadata(bad, ImageType::Jpeg).unwrap_err();
        assert!(
            matches!(err, MediaError::Malformed { format: "JPEG", .. }),
            "{err}"
        );
    }
}
