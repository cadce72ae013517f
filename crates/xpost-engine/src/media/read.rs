//! Bounds-checked reads from untrusted bytes: every container parser here goes
//! through these, so a lying length turns into `None`, never a panic.

/// `len` bytes at `at`, if they are all there.
pub(crate) fn slice(bytes: &[u8], at: usize, len: usize) -> Option<&[u8]> {
    bytes.get(at..at.checked_add(len)?)
}

fn array<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    slice(bytes, at, N)?.try_into().ok()
}

/// A big-endian `u16` at `at`.
pub(crate) fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    array(bytes, at).map(u16::from_be_bytes)
}

/// A big-endian `u32` at `at`.
pub(crate) fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    array(bytes, at).map(u32::from_be_bytes)
}

/// A big-endian `u64` at `at`.
pub(crate) fn be_u64(bytes: &[u8], at: usize) -> Option<u64> {
    array(bytes, at).map(u64::from_be_bytes)
}

/// A little-endian `u16` at `at`.
pub(crate) fn le_u16(bytes: &[u8], at: usize) -> Option<u16> {
    array(bytes, at).map(u16::from_le_bytes)
}

/// A little-endian `u32` at `at`.
pub(crate) fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    array(bytes, at).map(u32::from_le_bytes)
}

/// A `u32` length or offset as a `usize`.
pub(crate) fn index(value: u32) -> Option<usize> {
    usize::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_or_with_overflowing_offsets_are_none() {
        let b = [1u8, 2, 3, 4];
        assert_eq!(be_u32(&b, 0), Some(0x0102_0304));
        assert_eq!(le_u16(&b, 2), Some(0x0403));
        assert_eq!(be_u32(&b, 1), None);
        assert_eq!(slice(&b, usize::MAX, 2), None);
        assert_eq!(be_u64(&b, 0), None);
    }
}
