//! Top-level domains, from the official list in `tests/conformance/tld_lib.yml`
//! (Apache-2.0, see `tests/conformance/LICENSE`), read once at first use.
//!
//! The library tries its TLD alternatives in an order where, whenever one TLD
//! is a prefix of another, the longer comes first (the table generator checks
//! this), so at any position the longest TLD that fits wins.

use std::sync::LazyLock;

use super::tables::TLD_CASE_FOLD;

struct Tlds {
    /// Pure `a-z` TLDs, sorted for binary search.
    ascii: Vec<&'static str>,
    /// TLDs with a non-ASCII character, longest first.
    other: Vec<&'static str>,
}

static TLDS: LazyLock<Tlds> = LazyLock::new(|| {
    let mut ascii = Vec::new();
    let mut other = Vec::new();
    for line in include_str!("../../tests/conformance/tld_lib.yml").lines() {
        let Some(item) = line.strip_prefix("- ") else {
            continue;
        };
        let item = item.trim();
        let item = item
            .strip_prefix('\'')
            .and_then(|i| i.strip_suffix('\''))
            .unwrap_or(item);
        if item.bytes().all(|b| b.is_ascii_lowercase()) {
            ascii.push(item);
        } else {
            other.push(item);
        }
    }
    ascii.sort_unstable();
    other.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
    Tlds { ascii, other }
});

/// Longest ASCII TLD, in bytes.
const MAX_ASCII_TLD: usize = 32;

/// Whether `t` (text) matches `c` (a TLD character) under the flag `i`.
fn same_char(t: char, c: char) -> bool {
    if t == c || (c.is_ascii_alphabetic() && t.eq_ignore_ascii_case(&c)) {
        return true;
    }
    let (c, t) = (c as u32, t as u32);
    TLD_CASE_FOLD
        .iter()
        .find(|(k, _)| *k == c)
        .is_some_and(|(_, eq)| eq.contains(&t))
}

/// The TLD lookahead `(?=[^0-9a-zA-Z@+-]|$)` at byte `pos` of `s`.
fn boundary_after(s: &str, pos: usize) -> bool {
    match s.as_bytes().get(pos) {
        None => true,
        Some(&b) => !(b.is_ascii_alphanumeric() || matches!(b, b'@' | b'+' | b'-')),
    }
}

/// A TLD with a non-ASCII character at byte `p` of `s`: its end.
fn other_at(s: &str, p: usize) -> Option<usize> {
    let rest = s.get(p..)?;
    'entries: for tld in &TLDS.other {
        let mut it = rest.char_indices();
        let mut end = rest.len();
        for c in tld.chars() {
            match it.next() {
                Some((_, t)) if same_char(t, c) => {}
                _ => continue 'entries,
            }
        }
        if let Some((i, _)) = it.next() {
            end = i;
        }
        if boundary_after(s, p + end) {
            return Some(p + end);
        }
    }
    None
}

/// `(?:validGTLD|validCCTLD|validPunycode)` at byte `p` of `s`, where the end
/// of `s` counts as `$`: the end of the TLD.
pub(crate) fn tld_at(s: &str, p: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let first = *bytes.get(p)?;
    if first >= 0x80 {
        return other_at(s, p);
    }
    if !first.is_ascii_alphabetic() {
        return None;
    }
    let run = bytes[p..]
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let q = p + run;
    if bytes.get(q).is_some_and(|&b| b >= 0x80) {
        if let Some(end) = other_at(s, p) {
            return Some(end);
        }
    }
    if run <= MAX_ASCII_TLD && boundary_after(s, q) {
        let mut buf = [0u8; MAX_ASCII_TLD];
        for (d, b) in buf.iter_mut().zip(&bytes[p..q]) {
            *d = b.to_ascii_lowercase();
        }
        let lower = std::str::from_utf8(&buf[..run]).unwrap_or("");
        if TLDS.ascii.binary_search(&lower).is_ok() {
            return Some(q);
        }
    }
    punycode_tld_at(bytes, p)
}

/// `xn--[\-0-9a-z]+` (flag i) at byte `p`.
fn punycode_tld_at(bytes: &[u8], p: usize) -> Option<usize> {
    let head = bytes.get(p..p + 4)?;
    if !(head[0].eq_ignore_ascii_case(&b'x')
        && head[1].eq_ignore_ascii_case(&b'n')
        && &head[2..] == b"--")
    {
        return None;
    }
    let run = bytes[p + 4..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .count();
    (run > 0).then_some(p + 4 + run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_complete() {
        assert_eq!(TLDS.ascii.len() + TLDS.other.len(), 1574);
        assert!(TLDS.ascii.contains(&"no") && TLDS.ascii.contains(&"off"));
    }

    #[test]
    fn tld_rules() {
        assert_eq!(tld_at("com", 0), Some(3));
        assert_eq!(tld_at("COM/x", 0), Some(3));
        assert_eq!(tld_at("comx", 0), None);
        assert_eq!(tld_at("com_", 0), Some(3));
        assert_eq!(tld_at("com-", 0), None);
        assert_eq!(tld_at("xn--p1ai", 0), Some(8));
        assert_eq!(tld_at("РФ", 0), Some("РФ".len()));
        assert_eq!(tld_at("भारतम्", 0), Some("भारतम्".len()));
        assert_eq!(
            tld_at("vermögensberatung", 0),
            Some("vermögensberatung".len())
        );
        assert_eq!(tld_at("comé", 0), Some(3));
    }
}
