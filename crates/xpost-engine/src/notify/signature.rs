//! The webhook signature: HMAC-SHA256 over `<timestamp>.<body>`, shared by
//! the sender and any Rust receiver.
//!
//! See [the scheme](super::webhook#signing) for what a receiver in another
//! language computes.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use sha2::Sha256;
use xpost_core::Secret;

/// The header holding the delivery's Unix time in seconds.
pub const TIMESTAMP_HEADER: &str = "X-Xpost-Timestamp";
/// The header holding `sha256=<hex>`, the signature of the delivery.
pub const SIGNATURE_HEADER: &str = "X-Xpost-Signature";
/// How far a receiver should let a delivery's timestamp stray from its own
/// clock before it refuses the delivery as a replay.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Signs deliveries, or checks them, with one shared secret.
///
/// Its `Debug` shows nothing of the secret.
#[derive(Clone)]
pub struct WebhookSigner {
    keyed: Hmac<Sha256>,
}

impl WebhookSigner {
    /// A signer keyed with `secret`; `None` when the secret is empty, which
    /// would let anyone sign.
    pub fn new(secret: &Secret) -> Option<Self> {
        let key = secret.expose().as_bytes();
        if key.is_empty() {
            return None;
        }
        // HMAC takes keys of any length; this only fails on an empty one
        // for some hashes, which is refused above anyway.
        let keyed = Hmac::<Sha256>::new_from_slice(key).ok()?;
        Some(Self { keyed })
    }

    /// The `X-Xpost-Signature` value for a delivery of `body` at `timestamp`
    /// (Unix seconds): `sha256=` and the lowercase hex HMAC-SHA256 of
    /// `<timestamp>.<body>`.
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        let digest = self.mac(timestamp, body).finalize().into_bytes();
        let mut value = String::with_capacity(7 + digest.len() * 2);
        value.push_str("sha256=");
        for byte in digest {
            value.push(hex_digit(byte >> 4));
            value.push(hex_digit(byte & 0x0f));
        }
        value
    }

    /// Whether a delivery is genuine and fresh: `signature` (the
    /// `X-Xpost-Signature` value) matches `timestamp` (the
    /// `X-Xpost-Timestamp` value) and `body` (the exact bytes received), and
    /// the timestamp lies within `tolerance` of `now`.
    ///
    /// The comparison takes the same time however many bytes match.
    pub fn verify(
        &self,
        timestamp: &str,
        signature: &str,
        body: &[u8],
        now: Timestamp,
        tolerance: Duration,
    ) -> bool {
        let Ok(seconds) = timestamp.trim().parse::<i64>() else {
            return false;
        };
        let skew = now.as_second().abs_diff(seconds);
        if skew > tolerance.as_secs() {
            return false;
        }
        let Some(expected) = signature
            .trim()
            .strip_prefix("sha256=")
            .and_then(decode_hex)
        else {
            return false;
        };
        self.mac(seconds, body).verify_slice(&expected).is_ok()
    }

    fn mac(&self, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl fmt::Debug for WebhookSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSigner([REDACTED])")
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0x0f)])
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| {
            let high = char::from(pair[0]).to_digit(16)?;
            let low = char::from(pair[1]).to_digit(16)?;
            u8::try_from(high * 16 + low).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Option<WebhookSigner> {
        WebhookSigner::new(&Secret::new("key"))
    }

    #[test]
    fn signatures_are_the_hmac_of_timestamp_dot_body() {
        // Computed here straight from the hmac crate, over `<timestamp>.<body>`.
        let Some(signer) = signer() else {
            panic!("a non-empty key signs");
        };
        let signed = signer.sign(0, b"");
        assert!(signed.starts_with("sha256="));
        assert_eq!(signed.len(), 7 + 64);
        let mut textbook = Hmac::<Sha256>::new_from_slice(b"key").ok();
        if let Some(mac) = textbook.as_mut() {
            mac.update(b"0.");
        }
        let expected: String = textbook
            .map(|mac| mac.finalize().into_bytes().to_vec())
            .unwrap_or_default()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(signed, format!("sha256={expected}"));
    }

    #[test]
    fn verify_accepts_its_own_and_refuses_tampering_and_replays() {
        let Some(signer) = signer() else {
            panic!("a non-empty key signs");
        };
        let now = Timestamp::from_second(1_700_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let at = now.as_second();
        let body = br#"{"link":"default"}"#;
        let signature = signer.sign(at, body);
        let tolerance = DEFAULT_TOLERANCE;
        assert!(signer.verify(&at.to_string(), &signature, body, now, tolerance));
        assert!(!signer.verify(&at.to_string(), &signature, b"{}", now, tolerance));
        assert!(!signer.verify(&(at + 1).to_string(), &signature, body, now, tolerance));
        let late = Timestamp::from_second(at + 301).unwrap_or(now);
        assert!(!signer.verify(&at.to_string(), &signature, body, late, tolerance));
        assert!(!signer.verify(&at.to_string(), "sha256=zz", body, now, tolerance));
        assert!(!signer.verify("soon", &signature, body, now, tolerance));
    }

    #[test]
    fn empty_secrets_are_refused_and_debug_hides_the_key() {
        assert!(WebhookSigner::new(&Secret::new("")).is_none());
        let Some(signer) = WebhookSigner::new(&Secret::new("hunter2-hunter2")) else {
            panic!("a non-empty key signs");
        };
        assert!(!format!("{signer:?}").contains("hunter2"));
    }
}
