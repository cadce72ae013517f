//! The one EXIF fact worth keeping, orientation: read it from a TIFF structure, and
//! write a TIFF structure that holds nothing else.

use super::read::{be_u16, be_u32, index, le_u16, le_u32};

/// The TIFF tag for orientation.
const ORIENTATION: u16 = 0x0112;
/// TIFF field type SHORT.
const SHORT: u16 = 3;

/// The orientation (1–8) in a TIFF structure's first IFD, if it holds a valid one.
///
/// EXIF that cannot be read is not an error: it is dropped anyway, and a picture
/// without a readable orientation is shown as stored.
pub(crate) fn orientation(tiff: &[u8]) -> Option<u16> {
    let little = match tiff.get(..4)? {
        b"II\x2A\x00" => true,
        b"MM\x00\x2A" => false,
        _ => return None,
    };
    let u16_at = |at| {
        if little {
            le_u16(tiff, at)
        } else {
            be_u16(tiff, at)
        }
    };
    let u32_at = |at| {
        if little {
            le_u32(tiff, at)
        } else {
            be_u32(tiff, at)
        }
    };
    let ifd = index(u32_at(4)?)?;
    let count = usize::from(u16_at(ifd)?);
    (0..count).find_map(|i| {
        let entry = ifd.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        if u16_at(entry)? != ORIENTATION || u16_at(entry + 2)? != SHORT {
            return None;
        }
        // A SHORT value sits left-justified in the 4-byte value field.
        let value = u16_at(entry + 8)?;
        (1..=8).contains(&value).then_some(value)
    })
}

/// A big-endian TIFF structure whose only IFD holds only `orientation`.
pub(crate) fn orientation_only(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\x00\x2A");
    tiff.extend_from_slice(&8u32.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&ORIENTATION.to_be_bytes());
    tiff.extend_from_slice(&SHORT.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    // No next IFD: no thumbnail, no sub-IFDs.
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_orientation_reads_back_and_holds_nothing_else() {
        let tiff = orientation_only(6);
        assert_eq!(tiff.len(), 26);
        assert_eq!(orientation(&tiff), Some(6));
    }

    #[test]
    fn little_endian_orientation_is_read_and_nonsense_is_ignored() {
        let mut tiff = b"II\x2A\x00".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes());
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&ORIENTATION.to_le_bytes());
        tiff.extend_from_slice(&SHORT.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&[3, 0, 0, 0]);
        assert_eq!(orientation(&tiff), Some(3));
        tiff[18] = 9;
        assert_eq!(orientation(&tiff), None);
        assert_eq!(orientation(b"II\x2A\x00\xFF\xFF\xFF\xFF"), None);
        assert_eq!(orientation(b"nope"), None);
    }
}
