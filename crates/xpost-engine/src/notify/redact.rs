//! Masks credentials that a platform's words might carry into a notice.
//!
//! A notice's message often quotes an error, and an error may quote a
//! request: a URL with `access_token=…` in its query, or an `Authorization:
//! Bearer …` header. Notices go to logs and to other hosts, so what looks
//! like a credential is masked on the way out, whatever wrote the message.

use std::borrow::Cow;

/// What replaces a masked value.
const MASK: &str = "[REDACTED]";

/// `text` with the values of credential-like `name=value` pairs and of
/// `Bearer` tokens masked; borrowed when there is nothing to mask.
pub(crate) fn redact(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut masked = String::new();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let value = if bytes[at] == b'=' && is_secret_name(name_before(bytes, at)) {
            Some((at + 1, 1))
        } else if starts_bearer(bytes, at) {
            Some((at + BEARER.len(), MIN_BEARER_TOKEN))
        } else {
            None
        };
        if let Some((start, least)) = value {
            let end = value_end(bytes, start);
            if end - start >= least {
                // `start` and `end` sit next to ASCII bytes, so both are
                // character boundaries.
                masked.push_str(&text[copied..start]);
                masked.push_str(MASK);
                copied = end;
                at = end;
                continue;
            }
        }
        at += 1;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    masked.push_str(&text[copied..]);
    Cow::Owned(masked)
}

const BEARER: &[u8] = b"bearer ";
/// A `Bearer` token is long; a short word after "bearer" is prose.
const MIN_BEARER_TOKEN: usize = 8;

/// Whether a `Bearer ` token starts at `at`, as a word of its own.
fn starts_bearer(bytes: &[u8], at: usize) -> bool {
    let word_start = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
    word_start
        && bytes
            .get(at..at + BEARER.len())
            .is_some_and(|word| word.eq_ignore_ascii_case(BEARER))
}

/// The parameter name that ends just before `equals`.
fn name_before(bytes: &[u8], equals: usize) -> &[u8] {
    let start = bytes[..equals]
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-'))
        .map_or(0, |delimiter| delimiter + 1);
    &bytes[start..equals]
}

fn is_secret_name(name: &[u8]) -> bool {
    let name = name.to_ascii_lowercase();
    let contains = |part: &[u8]| name.windows(part.len()).any(|window| window == part);
    contains(b"token")
        || contains(b"secret")
        || contains(b"password")
        || contains(b"signature")
        || matches!(
            name.as_slice(),
            b"key" | b"api_key" | b"apikey" | b"code" | b"sig"
        )
}

/// Where a value starting at `start` ends: at a delimiter or the end.
fn value_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|b| b.is_ascii_whitespace() || b"&\"',;)<>]}".contains(b))
        .map_or(bytes.len(), |offset| start + offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_queries_and_headers_are_masked() {
        assert_eq!(
            redact(
                "GET https://graph.instagram.com/me?fields=id&access_token=IGQVJ-abc.def failed"
            ),
            "GET https://graph.instagram.com/me?fields=id&access_token=[REDACTED] failed"
        );
        assert_eq!(
            redact("Authorization: Bearer AAAA%2Fxyz, retry"),
            "Authorization: Bearer [REDACTED], retry"
        );
        assert_eq!(
            redact("client_secret=s3cr3t&code=abc&state=ok"),
            "client_secret=[REDACTED]&code=[REDACTED]&state=ok"
        );
        assert_eq!(
            redact("REFRESH_TOKEN=é-ü ok"),
            "REFRESH_TOKEN=[REDACTED] ok"
        );
    }

    #[test]
    fn ordinary_words_are_left_alone() {
        for plain in [
            "authorization lost: password changed",
            "rate limited until 2026-11-30T21:00:00Z: x=1",
            "the bearer of bad news",
            "token=",
            "ünïcødé ≠ token",
        ] {
            assert!(matches!(redact(plain), Cow::Borrowed(_)), "{plain}");
        }
    }
}
