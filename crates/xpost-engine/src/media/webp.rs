//! Lossless WEBP metadata stripping: RIFF chunks are copied or dropped whole, then
//! the RIFF size and the VP8X flags are made to match what is left.

use super::error::MediaError;
use super::exif;
use super::read::{index, le_u32, slice};

const FORMAT: &str = "WEBP";
/// VP8X flag: an `EXIF` chunk follows the image data.
const EXIF_FLAG: u8 = 0x08;
/// VP8X flag: an `XMP ` chunk follows the image data.
const XMP_FLAG: u8 = 0x04;

/// Chunks that make up the picture; `EXIF`, `XMP ` and unknown chunks are dropped.
const KEPT: &[&[u8; 4]] = &[
    b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];

/// The WEBP without `EXIF`, `XMP ` or unknown chunks. A non-default orientation comes
/// back as a minimal `EXIF` chunk, which the format puts after the image data.
pub(crate) fn strip(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    if bytes.get(..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WEBP") {
        return Err(MediaError::malformed(FORMAT, "no RIFF/WEBP header"));
    }
    let riff_end = le_u32(bytes, 4)
        .and_then(index)
        .and_then(|size| size.checked_add(8))
        .filter(|&end| end <= bytes.len())
        .ok_or_else(|| MediaError::malformed(FORMAT, "RIFF size runs past the end"))?;
    let mut out = Vec::with_capacity(riff_end);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    let mut vp8x_flags_at = None;
    let mut orientation = None;
    let mut at = 12;
    while at < riff_end {
        let len = le_u32(bytes, at + 4)
            .and_then(index)
            .ok_or_else(|| MediaError::malformed(FORMAT, format!("no chunk header at {at}")))?;
        // Chunks are padded to an even length.
        let total = len
            .checked_add(8 + len % 2)
            .filter(|&total| at + total <= riff_end)
            .ok_or_else(|| {
                MediaError::malformed(FORMAT, format!("chunk at {at} runs past the RIFF end"))
            })?;
        let chunk = &bytes[at..at + total];
        let kind = &chunk[..4];
        if kind == b"EXIF" && orientation.is_none() {
            let tiff = &chunk[8..8 + len];
            // Some writers keep JPEG's `Exif\0\0` prefix inside the chunk.
            orientation = exif::orientation(tiff.strip_prefix(b"Exif\0\0").unwrap_or(tiff));
        }
        if KEPT.iter().any(|k| k[..] == *kind) {
            if kind == b"VP8X" {
                vp8x_flags_at = Some(out.len() + 8);
            }
            out.extend_from_slice(chunk);
        }
        at += total;
    }
    if let Some(flags_at) = vp8x_flags_at {
        let flags = slice(&out, flags_at, 1)
            .and_then(<[u8]>::first)
            .copied()
            .ok_or_else(|| MediaError::malformed(FORMAT, "VP8X chunk is empty"))?;
        let mut flags = flags & !(EXIF_FLAG | XMP_FLAG);
        if let Some(orientation) = orientation.filter(|&o| o != 1) {
            let tiff = exif::orientation_only(orientation);
            out.extend_from_slice(b"EXIF");
            out.extend_from_slice(&u32::try_from(tiff.len()).unwrap_or(0).to_le_bytes());
            out.extend_from_slice(&tiff);
            flags |= EXIF_FLAG;
        }
        out[flags_at] = flags;
    }
    let riff_size =
        u32::try_from(out.len() - 8).map_err(|_| MediaError::malformed(FORMAT, "over 4 GiB"))?;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = kind.to_vec();
        c.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body = chunks.concat();
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&u32::try_from(body.len() + 4).unwrap_or(0).to_le_bytes());
        out.extend_from_slice(b"WEBP");
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn exif_and_xmp_go_and_the_flags_and_size_follow() {
        let vp8x = chunk(
            b"VP8X",
            &[EXIF_FLAG | XMP_FLAG | 0x10, 0, 0, 0, 1, 0, 0, 1, 0, 0],
        );
        let image = chunk(b"VP8L", &[0x2F, 1, 2, 3, 4]);
        let gps_exif = chunk(b"EXIF", b"II\x2A\x00\x08\x00\x00\x00\x00\x00");
        let xmp = chunk(b"XMP ", b"<x:xmpmeta/>");
        let stripped = strip(&riff(&[vp8x.clone(), image.clone(), gps_exif, xmp])).unwrap();
        let mut want_vp8x = vp8x;
        want_vp8x[8] = 0x10;
        assert_eq!(stripped, riff(&[want_vp8x, image]));
    }

    #[test]
    fn a_rotated_picture_keeps_only_its_orientation() {
        let vp8x = chunk(b"VP8X", &[EXIF_FLAG, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
        let image = chunk(b"VP8L", &[0x2F, 1, 2, 3]);
        let mut tiff = b"Exif\0\0".to_vec();
        tiff.extend_from_slice(&exif::orientation_only(8));
        tiff.extend_from_slice(b"camera serial 1234");
        let stripped = strip(&riff(&[vp8x, image, chunk(b"EXIF", &tiff)])).unwrap();
        assert_eq!(stripped[20], EXIF_FLAG);
        let exif_at = stripped.windows(4).position(|w| w == b"EXIF").unwrap();
        assert_eq!(&stripped[exif_at + 8..], exif::orientation_only(8));
    }

    #[test]
    fn lying_sizes_are_malformed() {
        let mut bytes = riff(&[chunk(b"VP8L", &[1, 2, 3])]);
        bytes[4] = 0xFF;
        assert!(strip(&bytes).is_err());
        let mut bytes = riff(&[chunk(b"VP8L", &[1, 2, 3])]);
        bytes[16] = 0xFF;
        assert!(strip(&bytes).is_err());
        assert!(strip(b"RIFF").is_err());
    }
}
