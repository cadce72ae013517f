//! Lossless GIF metadata stripping: comment and application extensions go (XMP
//! travels in one), except those that drive looping or colour.

use super::error::MediaError;
use super::read::slice;

const FORMAT: &str = "GIF";
const EXTENSION: u8 = 0x21;
const IMAGE: u8 = 0x2C;
const TRAILER: u8 = 0x3B;
const COMMENT: u8 = 0xFE;
const APPLICATION: u8 = 0xFF;

/// Application extensions that change how the picture plays or looks.
const KEPT_APPLICATIONS: &[&[u8; 11]] = &[b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012"];

/// The GIF without comments or metadata application extensions (such as XMP).
pub(crate) fn strip(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    let header = slice(bytes, 0, 13)
        .ok_or_else(|| MediaError::malformed(FORMAT, "shorter than its header"))?;
    if &header[..6] != b"GIF87a" && &header[..6] != b"GIF89a" {
        return Err(MediaError::malformed(FORMAT, "no GIF signature"));
    }
    let mut at = 13 + color_table_len(header[10]);
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(
        slice(bytes, 0, at).ok_or_else(|| {
            MediaError::malformed(FORMAT, "global colour table runs past the end")
        })?,
    );
    loop {
        let start = at;
        match bytes.get(at).copied() {
            Some(EXTENSION) => {
                let label = bytes.get(at + 1).copied();
                let first_block = slice(bytes, at + 3, 11);
                at = sub_blocks_end(bytes, at + 2)?;
                let keep = match label {
                    Some(COMMENT) => false,
                    Some(APPLICATION) => {
                        first_block.is_some_and(|id| KEPT_APPLICATIONS.iter().any(|k| k[..] == *id))
                    }
                    _ => true,
                };
                if keep {
                    out.extend_from_slice(&bytes[start..at]);
                }
            }
            Some(IMAGE) => {
                let packed = slice(bytes, at + 9, 1)
                    .and_then(<[u8]>::first)
                    .copied()
                    .ok_or_else(|| {
                        MediaError::malformed(
                            FORMAT,
                            format!("image descriptor at {at} runs past the end"),
                        )
                    })?;
                // Descriptor, local colour table, LZW code size, then the data blocks.
                at = sub_blocks_end(bytes, at + 10 + color_table_len(packed) + 1)?;
                out.extend_from_slice(&bytes[start..at]);
            }
            Some(TRAILER) => {
                out.push(TRAILER);
                return Ok(out);
            }
            Some(other) => {
                return Err(MediaError::malformed(
                    FORMAT,
                    format!("unknown block 0x{other:02X} at {at}"),
                ));
            }
            None => return Err(MediaError::malformed(FORMAT, "no trailer")),
        }
    }
}

/// Bytes in the colour table announced by a packed field (none without its flag).
fn color_table_len(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 0x07) + 1)
    }
}

/// The position after the zero-length block that ends a run of sub-blocks at `at`.
fn sub_blocks_end(bytes: &[u8], mut at: usize) -> Result<usize, MediaError> {
    loop {
        let len = usize::from(
            *bytes
                .get(at)
                .ok_or_else(|| MediaError::malformed(FORMAT, "data blocks run past the end"))?,
        );
        at += 1 + len;
        if len == 0 {
            return Ok(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gif(blocks: &[&[u8]]) -> Vec<u8> {
        let mut g = b"GIF89a\x01\x00\x01\x00\x80\x00\x00".to_vec();
        g.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        for b in blocks {
            g.extend_from_slice(b);
        }
        g.push(TRAILER);
        g
    }

    const LOOP: &[u8] = b"\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00";
    const XMP: &[u8] = b"\x21\xFF\x0BXMP DataXMP\x05<x/>!\x00";
    const NOTE: &[u8] = b"\x21\xFE\x04shot\x00";
    const PICTURE: &[u8] = b"\x2C\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00";

    #[test]
    fn comments_and_xmp_go_looping_and_pixels_stay() {
        assert_eq!(
            strip(&gif(&[LOOP, XMP, NOTE, PICTURE])).unwrap(),
            gif(&[LOOP, PICTURE])
        );
    }

    #[test]
    fn truncation_anywhere_is_an_error() {
        let whole = gif(&[LOOP, XMP, PICTURE]);
        for cut in 0..whole.len() {
            assert!(strip(&whole[..cut]).is_err(), "prefix of {cut} bytes");
        }
    }
}
