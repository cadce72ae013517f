//! Sealing secrets at rest: XChaCha20-Poly1305 under a 32-byte key.
//!
//! Stores never write a token in the clear. They seal each credentials record
//! with the [`SealingKey`], binding it to where it belongs (the associated data
//! names the link and side), so a sealed value copied to another row does not
//! open. A random 24-byte nonce per seal makes nonce reuse a non-issue, which is
//! why the extended-nonce variant of the cipher is used.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// The format byte in front of every sealed value, so the format can change.
const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;

/// Why a key or a sealed value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The key's text form is not 32 bytes in base64 or hex.
    #[error("a sealing key must be 32 bytes written as 44 base64 or 64 hex characters")]
    BadKey,
    /// The value does not open with this key (another key, or tampered data).
    #[error("sealed value does not open with this key (a different key, or altered data)")]
    WrongKey,
    /// The value is not in a sealed format this program knows.
    #[error("not a sealed value of a known format")]
    BadFormat,
}

/// The key that seals credentials at rest. `Debug` never shows it.
#[derive(Clone)]
pub struct SealingKey([u8; 32]);

impl SealingKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses the text form: 44 characters of standard base64, or 64 hex digits
    /// (surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`SealError::BadKey`].
    pub fn from_text(text: &str) -> Result<Self, SealError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| SealError::BadKey)?
        } else {
            STANDARD.decode(text).map_err(|_| SealError::BadKey)?
        };
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(Self(bytes))
    }

    /// The text form (standard base64) for a key file or an environment variable.
    pub fn to_text(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Seals `plaintext`, bound to `context` (which must be given again to open it).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext,
            aad: context,
        };
        // Encryption fails only for messages near 2^38 bytes; tokens are tiny.
        let ciphertext = cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(FORMAT_V1);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Opens a value sealed with this key and `context`.
    ///
    /// # Errors
    /// [`SealError::WrongKey`] for another key, another context or altered bytes;
    /// [`SealError::BadFormat`] for bytes that were never sealed.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, SealError> {
        let (&format, rest) = sealed.split_first().ok_or(SealError::BadFormat)?;
        if format != FORMAT_V1 || rest.len() < NONCE_LEN + 16 {
            return Err(SealError::BadFormat);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| SealError::WrongKey)
    }
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_with_the_same_key_and_context() {
        let key = SealingKey::generate();
        let sealed = key.seal(b"refresh-token-value", b"main/target");
        assert!(!sealed.windows(7).any(|w| w == b"refresh"), "no plaintext");
        assert_eq!(
            key.open(&sealed, b"main/target").unwrap(),
            b"refresh-token-value"
        );
        assert_eq!(key.open(&sealed, b"main/source"), Err(SealError::WrongKey));
        let other = SealingKey::generate();
        assert_eq!(
            other.open(&sealed, b"main/target"),
            Err(SealError::WrongKey)
        );
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(
            key.open(&tampered, b"main/target"),
            Err(SealError::WrongKey)
        );
        assert_eq!(
            key.open(b"plain", b"main/target"),
            Err(SealError::BadFormat)
        );
    }

    #[test]
    fn two_seals_of_one_value_differ() {
        let key = SealingKey::generate();
        assert_ne!(key.seal(b"x", b""), key.seal(b"x", b""));
    }

    #[test]
    fn text_forms_round_trip_and_bad_keys_are_refused() {
        let key = SealingKey::from_bytes([7; 32]);
        let back = SealingKey::from_text(&format!(" {}\n", key.to_text())).unwrap();
        assert_eq!(back.0, key.0);
        let hex = SealingKey::from_text(&"07".repeat(32)).unwrap();
        assert_eq!(hex.0, key.0);
        assert_eq!(
            SealingKey::from_text("short").err(),
            Some(SealError::BadKey)
        );
        assert!(!format!("{key:?}").contains("7"));
    }
}
