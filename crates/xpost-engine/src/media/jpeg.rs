//! Lossless JPEG metadata stripping: segments are copied or dropped whole, and the
//! entropy-coded scans are copied byte for byte, so no pixel changes.

use super::error::MediaError;
use super::exif;
use super::read::{be_u16, slice};

const FORMAT: &str = "JPEG";
const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const EXIF_HEADER: &[u8] = b"Exif\0\0";
/// A JFIF APP0 payload without a thumbnail: identifier, version, units, densities and
/// a zero thumbnail size.
const JFIF_LEN: u8 = 14;

/// The JPEG without EXIF, XMP, IPTC, comments or other application metadata; a
/// non-default EXIF orientation comes back as a minimal EXIF segment.
pub(crate) fn strip(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    if bytes.get(..2) != Some(&[0xFF, SOI][..]) {
        return Err(MediaError::malformed(FORMAT, "no start-of-image marker"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, SOI]);
    // EXIF belongs right after SOI, or right after a leading JFIF APP0.
    let mut exif_at = out.len();
    let mut orientation = None;
    let mut at = 2;
    let mut first = true;
    loop {
        let marker_at = next_marker(bytes, at)?;
        let marker = bytes
            .get(marker_at + 1)
            .copied()
            .ok_or_else(|| MediaError::malformed(FORMAT, "ends inside a marker"))?;
        if marker == EOI {
            // Anything after EOI (vendor trailers) is dropped with the rest of the metadata.
            out.extend_from_slice(&[0xFF, EOI]);
            break;
        }
        if is_standalone(marker) {
            out.extend_from_slice(&[0xFF, marker]);
            at = marker_at + 2;
            continue;
        }
        let len = be_u16(bytes, marker_at + 2)
            .map(usize::from)
            .filter(|&len| len >= 2)
            .ok_or_else(|| {
                MediaError::malformed(FORMAT, format!("bad segment length at {marker_at}"))
            })?;
        let segment = slice(bytes, marker_at, len + 2).ok_or_else(|| {
            MediaError::malformed(FORMAT, format!("segment at {marker_at} runs past the end"))
        })?;
        let payload = &segment[4..];
        at = marker_at + 2 + len;
        if marker == APP1 && orientation.is_none() {
            orientation = payload
                .strip_prefix(EXIF_HEADER)
                .and_then(exif::orientation);
        }
        if keep(marker, payload) {
            let jfif_len = usize::from(JFIF_LEN);
            if marker == APP0 && payload.len() > jfif_len {
                // A JFIF thumbnail is a copy of the photo: keep the header, zero its size.
                out.extend_from_slice(&[0xFF, APP0, 0, 2 + JFIF_LEN]);
                out.extend_from_slice(&payload[..jfif_len - 2]);
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(segment);
            }
            if first && marker == APP0 {
                exif_at = out.len();
            }
        }
        first = false;
        if marker == SOS {
            let end = scan_end(bytes, at)?;
            out.extend_from_slice(&bytes[at..end]);
            at = end;
        }
    }
    if let Some(orientation) = orientation.filter(|&o| o != 1) {
        let mut payload = EXIF_HEADER.to_vec();
        payload.extend_from_slice(&exif::orientation_only(orientation));
        let mut segment = vec![0xFF, APP1];
        segment.extend_from_slice(
            &u16::try_from(payload.len() + 2)
                .unwrap_or(u16::MAX)
                .to_be_bytes(),
        );
        segment.extend_from_slice(&payload);
        out.splice(exif_at..exif_at, segment);
    }
    Ok(out)
}

/// Where the marker at or after `at` starts, past any fill bytes.
fn next_marker(bytes: &[u8], at: usize) -> Result<usize, MediaError> {
    if bytes.get(at) != Some(&0xFF) {
        return Err(MediaError::malformed(
            FORMAT,
            format!("expected a marker at {at}"),
        ));
    }
    let mut at = at;
    // 0xFF fill bytes may precede any marker.
    while bytes.get(at + 1) == Some(&0xFF) {
        at += 1;
    }
    Ok(at)
}

/// Markers without a length: TEM and the restart markers.
fn is_standalone(marker: u8) -> bool {
    marker == 0x01 || (0xD0..=0xD7).contains(&marker)
}

/// Whether a segment affects decoding or colour (kept) or is metadata (dropped).
fn keep(marker: u8, payload: &[u8]) -> bool {
    match marker {
        // JFXX exists only to carry a thumbnail.
        APP0 => payload.starts_with(b"JFIF\0") && payload.len() >= usize::from(JFIF_LEN),
        APP2 => payload.starts_with(b"ICC_PROFILE\0"),
        APP14 => payload.starts_with(b"Adobe"),
        // Every other APPn (EXIF, XMP, IPTC, MPF, vendor blobs) and COM.
        0xE1..=0xEF | 0xFE => false,
        _ => true,
    }
}

/// The end of the entropy-coded data that starts at `at`: the first marker that is
/// neither a stuffed zero nor a restart marker.
fn scan_end(bytes: &[u8], at: usize) -> Result<usize, MediaError> {
    let mut i = at;
    while let Some(offset) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
    {
        let ff = i + offset;
        match bytes.get(ff + 1) {
            Some(0x00 | 0xD0..=0xD7) => i = ff + 2,
            Some(_) => return Ok(ff),
            None => break,
        }
    }
    Err(MediaError::malformed(FORMAT, "scan data has no end marker"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_of_a_jpeg_is_an_error_not_a_panic() {
        let gps = xpost_emulator::jpeg::Gps { lat: 1.0, lon: 2.0 };
        let jpeg = xpost_emulator::jpeg::jpeg(3, gps);
        for cut in 0..jpeg.len() {
            assert!(strip(&jpeg[..cut]).is_err(), "prefix of {cut} bytes");
        }
        assert!(strip(&jpeg).is_ok());
    }

    #[test]
    fn a_segment_length_under_two_is_malformed() {
        let bytes = [0xFF, SOI, 0xFF, 0xDB, 0x00, 0x01, 0xFF, EOI];
        assert!(matches!(strip(&bytes), Err(MediaError::Malformed { .. })));
    }

    #[test]
    fn a_jfif_thumbnail_is_cut_from_its_segment() {
        let mut jfif = b"JFIF\0\x01\x02\x00\x00\x01\x00\x01\x02\x01".to_vec();
        jfif.extend_from_slice(&[0xAB; 6]);
        let mut bytes = vec![0xFF, SOI, 0xFF, APP0, 0, 22];
        bytes.extend_from_slice(&jfif);
        bytes.extend_from_slice(&[0xFF, EOI]);
        let stripped = strip(&bytes).unwrap();
        assert_eq!(
            stripped,
            b"\xFF\xD8\xFF\xE0\x00\x10JFIF\0\x01\x02\x00\x00\x01\x00\x01\x00\x00\xFF\xD9"
        );
        assert!(!keep(APP0, b"JFXX\0\x10thumbnail"));
    }

    #[test]
    fn comments_and_xmp_go_while_jfif_icc_and_adobe_stay() {
        assert!(keep(APP0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0"));
        assert!(keep(APP2, b"ICC_PROFILE\0\x01\x01"));
        assert!(keep(APP14, b"Adobe\0"));
        assert!(!keep(APP1, b"http://ns.adobe.com/xap/1.0/\0<x/>"));
        assert!(!keep(0xED, b"Photoshop 3.0\0"));
        assert!(!keep(APP2, b"MPF\0"));
        assert!(!keep(0xFE, b"a comment"));
        assert!(keep(0xDB, &[0; 65]));
    }
}
