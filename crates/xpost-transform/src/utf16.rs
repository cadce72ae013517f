//! UTF-16 lengths of UTF-8 text, the index unit of twitter-text.

/// Length of `s` in UTF-16 code units: one per scalar value, two for the
/// astral ones. Eight bytes at a time: a continuation byte (`10xxxxxx`)
/// adds nothing, a four-byte lead (`11110xxx`) adds a second unit.
#[inline]
pub(crate) fn len(s: &str) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let bytes = s.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    let mut units = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        if w & HIGH == 0 {
            units += 8;
            continue;
        }
        // Bit 7 of each byte of `w << k` is bit `7 - k` of the same byte.
        let continuation = w & !(w << 1) & HIGH;
        let astral_lead = w & (w << 1) & (w << 2) & (w << 3) & HIGH;
        units += 8 - bytes_set(continuation) + bytes_set(astral_lead);
    }
    units
        + chunks
            .remainder()
            .iter()
            .map(|&b| usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0))
            .sum::<usize>()
}

/// How many bytes of `mask` (each 0x80 or 0) are set; a multiply sums the
/// bytes without relying on a population-count instruction.
#[inline]
fn bytes_set(mask: u64) -> usize {
    ((mask >> 7).wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize
}

#[cfg(test)]
mod tests {
    use super::len;

    #[test]
    fn matches_encode_utf16_on_every_width() {
        let samples = [
            "",
            "a",
            "plain ascii text, long enough for chunks",
            "café naïve Straße",
            "東京の夜景、最高でした",
            "😀👨‍👩‍👧‍👦🇯🇵 mixed 𝓯𝓪𝓷𝓬𝔂 and \u{10FFFF}\u{FFFF}",
        ];
        for s in samples {
            assert_eq!(len(s), s.encode_utf16().count(), "{s:?}");
            for (i, _) in s.char_indices() {
                assert_eq!(
                    len(&s[i..]),
                    s[i..].encode_utf16().count(),
                    "{s:?} from {i}"
                );
            }
        }
    }
}
