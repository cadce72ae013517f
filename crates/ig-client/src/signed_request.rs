//! Verification of the deauthorize and data-deletion `signed_request`.
//!
//! The value is `<b64url(signature)>.<b64url(payload)>`, unpadded base64url;
//! the signature is HMAC-SHA256 of the encoded payload (as ASCII) keyed with
//! the app secret, compared in constant time.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::Error;
use crate::ids::string_or_number;
use crate::secret::AppCredentials;

/// A verified `signed_request` payload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct SignedRequest {
    /// Always `HMAC-SHA256` once verified.
    pub algorithm: String,
    /// When it was issued (Unix seconds on the wire).
    #[serde(default, with = "jiff::fmt::serde::timestamp::second::optional")]
    pub issued_at: Option<Timestamp>,
    /// When it expires (Unix seconds on the wire).
    #[serde(default, with = "jiff::fmt::serde::timestamp::second::optional")]
    pub expires: Option<Timestamp>,
    /// The user it concerns (whether the app-scoped `id` or the professional
    /// `user_id` is undocumented: match both).
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub user_id: Option<String>,
    /// Other payload fields.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn opt_string_or_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    string_or_number(deserializer).map(Some)
}

/// The JSON a data-deletion callback must answer with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataDeletionResponse {
    /// Where the user can check the deletion's status.
    pub url: String,
    /// The code that identifies the request.
    pub confirmation_code: String,
}

fn decode(part: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(part)
        .or_else(|_| URL_SAFE.decode(part))
        .map_err(|_| Error::InvalidSignedRequest("not base64url"))
}

/// Verifies a `signed_request` form value with the app secret.
///
/// # Errors
/// [`Error::InvalidSignedRequest`] when it is malformed, the signature does
/// not match, or the algorithm is not HMAC-SHA256.
pub fn verify(signed_request: &str, credentials: &AppCredentials) -> Result<SignedRequest, Error> {
    let (signature, payload) = signed_request
        .trim()
        .split_once('.')
        .ok_or(Error::InvalidSignedRequest("missing '.'"))?;
    let signature = decode(signature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(credentials.client_secret().as_bytes())
        .map_err(|_| Error::InvalidSignedRequest("unusable app secret"))?;
    mac.update(payload.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| Error::InvalidSignedRequest("signature mismatch"))?;
    let request: SignedRequest = serde_json::from_slice(&decode(payload)?)
        .map_err(|_| Error::InvalidSignedRequest("payload is not the expected JSON"))?;
    if !request.algorithm.eq_ignore_ascii_case("HMAC-SHA256") {
        return Err(Error::InvalidSignedRequest("algorithm is not HMAC-SHA256"));
    }
    Ok(request)
}

/// Signs a payload the way Meta does; for tests and emulators.
pub fn sign(payload: &serde_json::Value, credentials: &AppCredentials) -> Result<String, Error> {
    let payload = URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(payload).map_err(|_| Error::BadInput("payload".to_owned()))?);
    let mut mac = Hmac::<Sha256>::new_from_slice(credentials.client_secret().as_bytes())
        .map_err(|_| Error::InvalidSignedRequest("unusable app secret"))?;
    mac.update(payload.as_bytes());
    Ok(format!(
        "{}.{payload}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(secret: &str) -> AppCredentials {
        AppCredentials::new("123", secret)
    }

    #[test]
    fn verifies_and_rejects() {
        let payload = serde_json::json!({"algorithm":"HMAC-SHA256","issued_at":1291836800,"expires":1291840400,"user_id":"218471"});
        let signed = sign(&payload, &creds("app-secret")).unwrap();
        let request = verify(&signed, &creds("app-secret")).unwrap();
        assert_eq!(request.user_id.as_deref(), Some("218471"));
        assert_eq!(
            request.issued_at.map(Timestamp::as_second),
            Some(1_291_836_800)
        );
        assert_eq!(
            request.expires.map(Timestamp::as_second),
            Some(1_291_840_400)
        );

        assert!(matches!(
            verify(&signed, &creds("other")),
            Err(Error::InvalidSignedRequest("signature mismatch"))
        ));
        let (sig, _) = signed.split_once('.').unwrap();
        let forged = format!(
            "{sig}.{}",
            URL_SAFE_NO_PAD.encode(br#"{"algorithm":"HMAC-SHA256","user_id":"1"}"#)
        );
        assert!(verify(&forged, &creds("app-secret")).is_err());
        assert!(verify("no-dot", &creds("app-secret")).is_err());
        assert!(verify("!!.!!", &creds("app-secret")).is_err());

        let weak = sign(
            &serde_json::json!({"algorithm":"none","user_id":5}),
            &creds("k"),
        )
        .unwrap();
        assert!(matches!(
            verify(&weak, &creds("k")),
            Err(Error::InvalidSignedRequest("algorithm is not HMAC-SHA256"))
        ));
    }

    #[test]
    fn known_vector() {
        // Reference value from an independent HMAC-SHA256 implementation, key "secret".
        let signed = "n6MsaRFMwEJYU9u41vCy-z-JG1PBzE0BgXlUCKO3CO0.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsInVzZXJfaWQiOiI0MiJ9";
        assert_eq!(
            verify(signed, &creds("secret")).unwrap().user_id.as_deref(),
            Some("42")
        );
        let payload = signed.split_once('.').unwrap().1;
        let padded = format!("{}=.{payload}", signed.split_once('.').unwrap().0);
        assert_eq!(
            verify(&padded, &creds("secret"))
                .unwrap()
                .user_id
                .as_deref(),
            Some("42")
        );
    }
}
