//! URLs, as `extractUrlsWithIndices` with `extractUrlsWithoutProtocol: true`.
//!
//! The library runs one global regex, `preceding char, optional scheme,
//! domain, port, path, query`. Every URL holds a `.` in its domain, so the
//! scan jumps from dot to dot with `memchr` and, for each dot, considers only
//! the match starts whose first domain label ends at that dot, in the order
//! the regex would try them. A domain is a chain of labels ending in a TLD;
//! the regex's greedy `subdomain*` picks the last label in the chain that is
//! followed by a TLD, which this module finds with one walk per chain (cached,
//! so text like `a.a.a.a…` stays linear).

use std::ops::Range;

use memchr::{memchr, memrchr};

use super::chars::{
    char_at, char_before, is_ascii_domain_char, is_domain_char, is_invalid_url_preceding,
    is_label_char, is_path_char, is_path_end_char, is_query_char, is_query_end_char,
};
use super::tld::tld_at;
use crate::entity::{Entity, EntityKind};

/// Longest URL the library accepts, in UTF-16 units, scheme included.
const MAX_URL_LENGTH: usize = 4096;
/// Longest t.co slug the library accepts.
const MAX_TCO_SLUG_LENGTH: usize = 40;
/// Longest domain label after IDNA encoding.
const MAX_LABEL_LENGTH: usize = 63;

/// One match of the library's URL regex (before its post-checks).
struct RawMatch {
    /// Start of the URL (scheme included).
    start: usize,
    /// Length of the scheme (`http://` or `https://`), 0 without one.
    scheme_len: usize,
    /// The domain; when `mid` it starts at the low half of its first character.
    domain: Range<usize>,
    /// The match starts inside an astral character (after its high surrogate).
    mid: bool,
    /// The character consumed before the URL, if one was.
    before: Option<char>,
    /// Whether a path (`/…`) follows the domain and port.
    has_path: bool,
    /// End of the URL.
    end: usize,
}

/// What is known about the chain of labels after one dot.
#[derive(Default)]
struct ChainCache {
    /// The dot the chain was computed from.
    first_dot: usize,
    /// The dot ending the chain's last label.
    last_dot: usize,
    /// Start of the chain's last label followed by a TLD, and that TLD's end.
    best: Option<(usize, usize)>,
    /// Whether the fields above are filled.
    filled: bool,
}

/// Appends the URLs of `text` to `out` (indices not yet filled).
pub(crate) fn find(text: &str, out: &mut Vec<Entity>) {
    let bytes = text.as_bytes();
    let mut last_end = 0;
    let mut at_start = true;
    let mut from = 0;
    let mut cache = ChainCache::default();
    while let Some(off) = bytes.get(from..).and_then(|b| memchr(b'.', b)) {
        let dot = from + off;
        from = dot + 1;
        if let Some(m) = match_at_dot(text, dot, last_end, at_start, &mut cache) {
            last_end = m.end;
            at_start = false;
            from = from.max(m.end);
            accept(text, &m, out);
        }
    }
}

/// Whether `text` has any chance of holding a URL: every domain ends in a
/// dot followed by its top-level domain, which begins with a letter (ASCII
/// or not), so text without such a dot has none.
pub(crate) fn has_candidate(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'.', bytes).any(|at| {
        bytes
            .get(at + 1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b >= 0x80)
    })
}

/// The rest of the chain after `dot`: the end of the domain if a label after
/// `dot` (in the same chain) is followed by a TLD.
fn rest_best(text: &str, dot: usize, cache: &mut ChainCache) -> Option<usize> {
    if cache.filled && cache.first_dot < dot && dot <= cache.last_dot {
        return cache
            .best
            .filter(|(start, _)| *start > dot)
            .map(|(_, end)| end);
    }
    let bytes = text.as_bytes();
    let mut pos = dot + 1;
    let mut best = None;
    let mut last_dot = dot;
    loop {
        let end = label_run_end(text, pos);
        if end == pos || bytes.get(end) != Some(&b'.') {
            break;
        }
        let first_ok = char_at(text, pos).is_some_and(is_domain_char);
        let last_ok = char_before(text, end).is_some_and(|(_, c)| is_domain_char(c));
        if !(first_ok && last_ok) {
            break;
        }
        if memchr(b'_', &bytes[pos..end]).is_none() {
            if let Some(tld_end) = tld_at(text, end + 1) {
                best = Some((pos, tld_end));
            }
        }
        last_dot = end;
        pos = end + 1;
    }
    *cache = ChainCache {
        first_dot: dot,
        last_dot,
        best,
        filled: true,
    };
    best.map(|(_, end)| end)
}

/// End of the run of label characters starting at `pos`.
fn label_run_end(text: &str, pos: usize) -> usize {
    let rest = text.get(pos..).unwrap_or("");
    let len = rest.find(|c: char| !is_label_char(c)).unwrap_or(rest.len());
    pos + len
}

/// Whether the match may consume `prev` (starting at `prev_start`) as its
/// preceding character.
fn can_precede(prev_start: usize, prev: char, last_end: usize) -> bool {
    prev_start >= last_end && !is_invalid_url_preceding(prev)
}

/// The regex match whose first domain label ends at `dot`, if any.
fn match_at_dot(
    text: &str,
    dot: usize,
    last_end: usize,
    at_start: bool,
    cache: &mut ChainCache,
) -> Option<RawMatch> {
    let bytes = text.as_bytes();
    // The run of label characters before the dot, not reaching into the last match.
    let mut run = dot;
    while let Some((start, c)) = char_before(text, run) {
        if start < last_end || !is_label_char(c) {
            break;
        }
        run = start;
    }
    if run == dot || !char_before(text, dot).is_some_and(|(_, c)| is_domain_char(c)) {
        return None;
    }
    let tld_after_dot = tld_at(text, dot + 1);
    let domain_end_any = rest_best(text, dot, cache);
    if domain_end_any.is_none() && tld_after_dot.is_none() {
        return None;
    }
    let underscore = memrchr(b'_', &bytes[run..dot]).map(|i| run + i);
    // The domain's end when its first label starts at `start`, if it matches.
    let domain_end = |start: usize| -> Option<usize> {
        domain_end_any.or_else(|| {
            let clean = underscore.is_none_or(|u| u < start);
            if clean { tld_after_dot } else { None }
        })
    };
    let first_is_domain_char = |start: usize| char_at(text, start).is_some_and(is_domain_char);

    // With a scheme: `https?://` right before the run.
    if let Some(scheme_len) = scheme_before(bytes, run) {
        let start = run - scheme_len;
        let before = char_before(text, start);
        let allowed = match before {
            None => at_start,
            Some((s, c)) => can_precede(s, c, last_end),
        };
        if allowed && first_is_domain_char(run) {
            if let Some(end) = domain_end(run) {
                return Some(finish(
                    text,
                    start,
                    scheme_len,
                    run..end,
                    false,
                    before.map(|b| b.1),
                ));
            }
        }
    }

    // Without a scheme, in the order the regex tries the starts.
    let mut pos = run;
    if at_start && run == 0 {
        let first = char_at(text, 0)?;
        if first.len_utf8() == 4 {
            // Position 0 consumes the high surrogate; the URL starts at the low one.
            if let Some(end) = domain_end(0) {
                return Some(finish(text, 0, 0, 0..end, true, None));
            }
            pos = 4;
        } else {
            let second = first.len_utf8();
            if !is_invalid_url_preceding(first) && second < dot && first_is_domain_char(second) {
                if let Some(end) = domain_end(second) {
                    return Some(finish(text, second, 0, second..end, false, Some(first)));
                }
            }
            if first_is_domain_char(0) {
                if let Some(end) = domain_end(0) {
                    return Some(finish(text, 0, 0, 0..end, false, None));
                }
            }
            // A start that fails here fails the same way when the loop retries it.
            pos = second;
        }
    }
    while pos < dot {
        let c = char_at(text, pos)?;
        let prev = char_before(text, pos);
        let full = prev.is_some_and(|(s, p)| can_precede(s, p, last_end));
        if full {
            if is_domain_char(c) {
                if let Some(end) = domain_end(pos) {
                    return Some(finish(text, pos, 0, pos..end, false, prev.map(|p| p.1)));
                }
            }
        } else if c.len_utf8() == 4 && pos >= last_end {
            if let Some(end) = domain_end(pos) {
                return Some(finish(text, pos, 0, pos..end, true, None));
            }
        }
        pos += c.len_utf8();
    }
    None
}

/// Length of `http://` or `https://` (any case) ending at `pos`, if present.
fn scheme_before(bytes: &[u8], pos: usize) -> Option<usize> {
    let head = bytes.get(..pos)?;
    if !head.ends_with(b"://") {
        return None;
    }
    let name = &head[..pos - 3];
    if name.len() >= 5 && name[name.len() - 5..].eq_ignore_ascii_case(b"https") {
        Some(8)
    } else if name.len() >= 4 && name[name.len() - 4..].eq_ignore_ascii_case(b"http") {
        Some(7)
    } else {
        None
    }
}

/// Completes a match after its domain: port, path and query.
fn finish(
    text: &str,
    start: usize,
    scheme_len: usize,
    domain: Range<usize>,
    mid: bool,
    before: Option<char>,
) -> RawMatch {
    let bytes = text.as_bytes();
    let mut end = domain.end;
    if bytes.get(end) == Some(&b':') {
        let digits = bytes[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits > 0 {
            end += 1 + digits;
        }
    }
    let has_path = bytes.get(end) == Some(&b'/');
    if has_path {
        end = path_end(text, end + 1);
    }
    if bytes.get(end) == Some(&b'?') {
        if let Some(q) = query_end(text, end + 1, text.len()) {
            end = q;
        }
    }
    RawMatch {
        start,
        scheme_len,
        domain,
        mid,
        before,
        has_path,
        end,
    }
}

/// End of `validUrlPath*` starting at `pos`.
///
/// The library splices `validUrlPathEndingChars` (a class `|` a parenthesised
/// group) into `validUrlPath` without brackets, so one iteration is either
/// path characters and parenthesised groups ending in an ending character,
/// or a parenthesised group on its own. The path therefore runs to the last
/// ending character of the run of path tokens, plus the groups that directly
/// follow it.
fn path_end(text: &str, start: usize) -> usize {
    let mut pos = start;
    let mut end = start;
    loop {
        match char_at(text, pos) {
            Some('(') => match balanced_parens(text, pos) {
                Some(e) => pos = e,
                None => break,
            },
            Some(c) if is_path_char(c) => {
                pos += c.len_utf8();
                if is_path_end_char(c) {
                    end = pos;
                }
            }
            _ => break,
        }
    }
    while text.as_bytes().get(end) == Some(&b'(') {
        match balanced_parens(text, end) {
            Some(e) => end = e,
            None => break,
        }
    }
    end
}

/// End of the run of path characters starting at `pos`.
fn path_run_end(text: &str, pos: usize) -> usize {
    let rest = text.get(pos..).unwrap_or("");
    pos + rest.find(|c: char| !is_path_char(c)).unwrap_or(rest.len())
}

/// `validUrlBalancedParens` at `pos` (which holds `(`): its end.
fn balanced_parens(text: &str, pos: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let inner = pos + 1;
    let a = path_run_end(text, inner);
    match bytes.get(a) {
        Some(b')') if a > inner => Some(a + 1),
        Some(b'(') => {
            let b = path_run_end(text, a + 1);
            if b == a + 1 || bytes.get(b) != Some(&b')') {
                return None;
            }
            let c = path_run_end(text, b + 1);
            (bytes.get(c) == Some(&b')')).then_some(c + 1)
        }
        _ => None,
    }
}

/// `validUrlQueryChars*validUrlQueryEndingChars` from `pos` (after `?`),
/// not past `limit`: its end.
fn query_end(text: &str, pos: usize, limit: usize) -> Option<usize> {
    let mut last = None;
    for (i, c) in text.get(pos..limit)?.char_indices() {
        if !is_query_char(c) {
            break;
        }
        if is_query_end_char(c) {
            last = Some(pos + i + 1);
        }
    }
    last
}

/// Applies the library's checks to a regex match and records what it keeps.
fn accept(text: &str, m: &RawMatch, out: &mut Vec<Entity>) {
    let domain = &text[m.domain.clone()];
    let scheme_len = if m.scheme_len == 0 { 8 } else { m.scheme_len };
    // Both lengths are in UTF-16 units; bytes are an upper bound.
    let url_bytes = m.end - m.start;
    if scheme_len + url_bytes > MAX_URL_LENGTH {
        let units = crate::utf16::len(&text[m.start..m.end]) - usize::from(m.mid);
        if scheme_len + units > MAX_URL_LENGTH {
            return;
        }
    }
    if !idna_ok(domain, m.mid) {
        return;
    }
    if m.scheme_len > 0 {
        let end = tco_end(text, m).unwrap_or(Some(m.end));
        if let Some(end) = end {
            out.push(url_entity(m.start..end, m.start..end));
        }
        return;
    }
    if m.before.is_some_and(|c| matches!(c, '-' | '_' | '.' | '/')) {
        return;
    }
    let found = out.len();
    let base = m.domain.start;
    // The library places each match with `indexOf` from the end of the one
    // before, so a repeated domain is reported at its first occurrence.
    let mut search_from = 0;
    ascii_domains(domain, |r| {
        let found = &domain[r.clone()];
        let at = domain[search_from..]
            .find(found)
            .map_or(r.start, |i| search_from + i);
        search_from = at + found.len();
        let abs = base + at..base + search_from;
        out.push(url_entity(abs.clone(), abs));
    });
    if m.has_path && out.len() > found {
        if let Some(e) = out.last_mut() {
            // The library's URL is the last ASCII domain followed by the path.
            // When the domain goes on past that ASCII part, the text between
            // is inside the indices but not in the library's URL string.
            e.range.end = m.end;
            e.value.end = m.end;
        }
    }
}

/// A URL entity with indices still to fill.
fn url_entity(range: Range<usize>, value: Range<usize>) -> Entity {
    Entity {
        kind: EntityKind::Url,
        range,
        value,
        indices: (0, 0),
    }
}

/// For `https?://t.co/slug…` URLs: `Some(Some(end))` cuts the URL after the
/// slug (and its query), `Some(None)` drops it (slug too long), `None` when
/// the URL is not a t.co one.
fn tco_end(text: &str, m: &RawMatch) -> Option<Option<usize>> {
    let bytes = text.as_bytes();
    let host = m.start + m.scheme_len;
    let head = bytes.get(host..host + 5)?;
    if !(head[0].eq_ignore_ascii_case(&b't')
        && head[1] == b'.'
        && head[2..4].eq_ignore_ascii_case(b"co")
        && head[4] == b'/')
    {
        return None;
    }
    let slug_start = host + 5;
    let slug = bytes
        .get(slug_start..m.end)?
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if slug == 0 {
        return None;
    }
    if slug > MAX_TCO_SLUG_LENGTH {
        return Some(None);
    }
    let mut end = slug_start + slug;
    if bytes.get(end) == Some(&b'?') && end < m.end {
        if let Some(q) = query_end(text, end + 1, m.end) {
            end = q;
        }
    }
    Some(Some(end))
}

/// Runs `validAsciiDomain` (global) over `domain`, calling `f` with each match.
pub(crate) fn ascii_domains(domain: &str, mut f: impl FnMut(Range<usize>)) {
    let bytes = domain.as_bytes();
    let mut q = 0;
    while q < domain.len() {
        let Some(c) = char_at(domain, q) else { return };
        if !is_ascii_domain_char(c) {
            q += c.len_utf8();
            continue;
        }
        let run = ascii_run_end(domain, q);
        if bytes.get(run) != Some(&b'.') {
            q = run;
            continue;
        }
        // Walk the chain of labels; the last dot followed by a TLD wins.
        let mut best = None;
        let mut dot = run;
        loop {
            if let Some(end) = tld_at(domain, dot + 1) {
                best = Some(end);
            }
            let next = ascii_run_end(domain, dot + 1);
            if next == dot + 1 || bytes.get(next) != Some(&b'.') {
                break;
            }
            dot = next;
        }
        match best {
            Some(end) => {
                f(q..end);
                q = end;
            }
            None => q = run,
        }
    }
}

/// End of the run of `validAsciiDomain` label characters from `pos`.
fn ascii_run_end(s: &str, pos: usize) -> usize {
    let rest = s.get(pos..).unwrap_or("");
    pos + rest
        .find(|c: char| !is_ascii_domain_char(c))
        .unwrap_or(rest.len())
}

/// `idna.toAscii` succeeds: no `xn--` domain without an ASCII domain in it,
/// and every label 1 to 63 characters long once IDNA-encoded.
fn idna_ok(domain: &str, mid: bool) -> bool {
    if !mid && domain.starts_with("xn--") {
        let mut any = false;
        ascii_domains(domain, |_| any = true);
        if !any {
            return false;
        }
    }
    let mut first = mid;
    domain.split('.').all(|label| {
        let len = encoded_label_len(label, first);
        first = false;
        (1..=MAX_LABEL_LENGTH).contains(&len)
    })
}

/// Length of `punycode.toASCII(label)`: the label split at `.`-like dots,
/// each non-ASCII part encoded as `xn--…`. `low_half_first` replaces the
/// first character by its low surrogate (a match that began mid-character).
/// Parts of more than 63 code points are not encoded: any length above 63
/// is as good as the exact one.
fn encoded_label_len(label: &str, low_half_first: bool) -> usize {
    let mut total = 0;
    let mut first = low_half_first;
    for (i, part) in label
        .split(['\u{3002}', '\u{FF0E}', '\u{FF61}'])
        .enumerate()
    {
        if i > 0 {
            total += 1;
        }
        if part.is_ascii() {
            total += part.len();
            first = false;
            continue;
        }
        let mut cps = [0u32; MAX_LABEL_LENGTH];
        let mut n = 0;
        for c in part.chars() {
            if n == MAX_LABEL_LENGTH {
                return MAX_LABEL_LENGTH + 1;
            }
            let mut cp = c as u32;
            if first {
                cp = 0xDC00 | ((cp - 0x1_0000) & 0x3FF);
                first = false;
            }
            cps[n] = cp;
            n += 1;
        }
        total += 4 + punycode_len(&cps[..n]);
    }
    total
}

/// Length of the Punycode (RFC 3492) encoding of `cps`.
fn punycode_len(cps: &[u32]) -> usize {
    const BASE: u64 = 36;
    let basic = cps.iter().filter(|&&c| c < 0x80).count();
    let mut out = basic + usize::from(basic > 0);
    let mut handled = basic;
    let mut n: u32 = 0x80;
    let mut delta: u64 = 0;
    let mut bias: u64 = 72;
    while handled < cps.len() {
        let Some(m) = cps.iter().copied().filter(|&c| c >= n).min() else {
            break;
        };
        delta += u64::from(m - n) * (handled as u64 + 1);
        n = m;
        for &c in cps {
            if c < n {
                delta += 1;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        1
                    } else if k >= bias + 26 {
                        26
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out += 1;
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out += 1;
                bias = adapt(delta, handled as u64 + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    out
}

/// Punycode's bias adaptation.
fn adapt(delta: u64, points: u64, first: bool) -> u64 {
    let mut delta = if first { delta / 700 } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > 455 {
        delta /= 35;
        k += 36;
    }
    k + 36 * delta / (delta + 38)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punycode_lengths_match_known_encodings() {
        // "ü" -> "xn--tda", "bücher" -> "xn--bcher-kva", "日本" -> "xn--wgv71a".
        assert_eq!(encoded_label_len("ü", false), 7);
        assert_eq!(encoded_label_len("bücher", false), 13);
        assert_eq!(encoded_label_len("日本", false), 10);
        assert_eq!(encoded_label_len("a。b", false), 3);
        assert_eq!(encoded_label_len("", false), 0);
    }

    #[test]
    fn path_keeps_balanced_parens_and_drops_trailing_punctuation() {
        let t = "/wiki/Primer_(film)).";
        assert_eq!(path_end(t, 1), t.len() - 2);
        let t = "/a.b,";
        assert_eq!(path_end(t, 1), 4);
        let t = "/x/(a(b)c)y!";
        assert_eq!(path_end(t, 1), t.len() - 1);
        // A group is an ending only right after another ending.
        let t = "/z.html.(example.com)";
        assert_eq!(path_end(t, 1), 7);
        let t = "/a(b).(c)";
        assert_eq!(path_end(t, 1), 5);
        let t = "/(a)(b).";
        assert_eq!(path_end(t, 1), 7);
    }
}
