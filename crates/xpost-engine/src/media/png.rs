//! Lossless PNG metadata stripping: chunks are copied whole (with their CRCs) or
//! dropped whole; pixel data is never touched.

use super::error::MediaError;
use super::read::{be_u32, index, slice};

const FORMAT: &str = "PNG";
const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Ancillary chunks that change how the pixels look or animate. Any other ancillary
/// chunk (text, EXIF, timestamps, vendor data) is metadata and is dropped: a list of
/// what to keep cannot leak a chunk nobody thought of.
const KEPT_ANCILLARY: &[&[u8; 4]] = &[
    b"iCCP", b"sRGB", b"gAMA", b"cHRM", b"cICP", b"mDCV", b"cLLI", b"sBIT", b"pHYs", b"tRNS",
    b"bKGD", b"acTL", b"fcTL", b"fdAT",
];

/// The PNG without `tEXt`, `zTXt`, `iTXt`, `eXIf`, `tIME` or other non-rendering
/// ancillary chunks.
pub(crate) fn strip(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    if bytes.get(..8) != Some(SIGNATURE) {
        return Err(MediaError::malformed(FORMAT, "no PNG signature"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(SIGNATURE);
    let mut at = 8;
    loop {
        let len = be_u32(bytes, at).and_then(index).ok_or_else(|| {
            MediaError::malformed(FORMAT, format!("no chunk header at {at}, and no IEND"))
        })?;
        // Length, type, data, CRC.
        let chunk = len
            .checked_add(12)
            .and_then(|total| slice(bytes, at, total))
            .ok_or_else(|| {
                MediaError::malformed(FORMAT, format!("chunk at {at} runs past the end"))
            })?;
        let kind = &chunk[4..8];
        if at == 8 && kind != b"IHDR" {
            return Err(MediaError::malformed(FORMAT, "first chunk is not IHDR"));
        }
        if keep(kind) {
            out.extend_from_slice(chunk);
        }
        at += chunk.len();
        if kind == b"IEND" {
            return Ok(out);
        }
    }
}

fn keep(kind: &[u8]) -> bool {
    // Critical chunks have an upper-case first letter.
    kind.first().is_some_and(u8::is_ascii_uppercase)
        || KEPT_ANCILLARY.iter().any(|k| k[..] == *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_exif_and_time_go_colour_and_animation_stay() {
        for kind in [b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME", b"caBX"] {
            assert!(!keep(kind), "{}", String::from_utf8_lossy(kind));
        }
        for kind in [
            b"IHDR", b"PLTE", b"IDAT", b"IEND", b"iCCP", b"sRGB", b"gAMA", b"pHYs", b"acTL",
        ] {
            assert!(keep(kind), "{}", String::from_utf8_lossy(kind));
        }
    }

    #[test]
    fn a_chunk_length_past_the_end_is_malformed() {
        let mut bytes = SIGNATURE.to_vec();
        bytes.extend_from_slice(&u32::MAX.to_be_bytes());
        bytes.extend_from_slice(b"IHDR");
        assert!(matches!(strip(&bytes), Err(MediaError::Malformed { .. })));
        assert!(strip(&bytes[..10]).is_err());
        assert!(strip(b"GIF89a").is_err());
    }
}
