//! OAuth 1.0a user-context signing (HMAC-SHA1), needed by the v1.1 `account/*`
//! endpoints and accepted by every v2 manage endpoint.
//!
//! The signature covers the method, the URL without its query, and every query and
//! form parameter plus the `oauth_*` ones; JSON and multipart bodies are not signed.

use crate::token::OAuth1Secret;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha1::Sha1;
use std::fmt;

/// An app's consumer key pair and a user's access token pair.
#[derive(Clone)]
pub struct OAuth1Credentials {
    /// The app's API key.
    pub consumer_key: String,
    /// The app's API key secret.
    pub consumer_secret: OAuth1Secret,
    /// The user's access token.
    pub token: String,
    /// The user's access token secret.
    pub token_secret: OAuth1Secret,
}

impl fmt::Debug for OAuth1Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Credentials")
            .field("consumer_key", &self.consumer_key)
            .field("consumer_secret", &self.consumer_secret)
            .field("token", &self.token)
            .field("token_secret", &self.token_secret)
            .finish()
    }
}

/// An app's OAuth 1.0a consumer key pair (the "API key" and "API key secret").
#[derive(Clone)]
pub struct OAuth1Consumer {
    /// The app's API key.
    pub key: String,
    /// The app's API key secret.
    pub secret: OAuth1Secret,
}

impl OAuth1Consumer {
    /// The consumer `key` with its `secret`.
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            secret: OAuth1Secret::new(secret.into()),
        }
    }

    /// This consumer with a user's access token pair: what signs that user's calls.
    pub fn with_token(
        &self,
        token: impl Into<String>,
        token_secret: impl Into<String>,
    ) -> OAuth1Credentials {
        OAuth1Credentials {
            consumer_key: self.key.clone(),
            consumer_secret: self.secret.clone(),
            token: token.into(),
            token_secret: OAuth1Secret::new(token_secret.into()),
        }
    }
}

impl fmt::Debug for OAuth1Consumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Consumer")
            .field("key", &self.key)
            .field("secret", &self.secret)
            .finish()
    }
}

/// Percent-encodes as RFC 3986 and OAuth 1.0a require: everything but
/// `A-Z a-z 0-9 - . _ ~`, with upper-case hex.
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The signature base string: `METHOD&enc(url)&enc(sorted, encoded k=v pairs)`.
pub fn signature_base_string(method: &str, base_url: &str, params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    encoded.sort();
    let joined = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode(base_url),
        percent_encode(&joined)
    )
}

/// HMAC-SHA1 of the base string keyed by `enc(consumer_secret)&enc(token_secret)`,
/// base64-encoded.
pub fn sign(base_string: &str, consumer_secret: &str, token_secret: &str) -> String {
    let key = format!(
        "{}&{}",
        percent_encode(consumer_secret),
        percent_encode(token_secret)
    );
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha1>::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(base_string.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Builds the `Authorization: OAuth ...` header value for one request.
///
/// `url` is the full request URL (its query is signed); `form` holds the
/// url-encoded body parameters, if the body is a form.
pub fn authorization_header(
    credentials: &OAuth1Credentials,
    method: &str,
    url: &url::Url,
    form: &[(String, String)],
    nonce: &str,
    timestamp: u64,
) -> String {
    let request = SignedRequest {
        consumer_key: &credentials.consumer_key,
        consumer_secret: credentials.consumer_secret.expose_secret(),
        token: Some(&credentials.token),
        token_secret: credentials.token_secret.expose_secret(),
        extra: &[],
    };
    request.header(method, url, form, nonce, timestamp)
}

/// One request to sign: who signs it, and `oauth_*` parameters beyond the
/// standard ones (`oauth_callback` on a request token, `oauth_verifier` on an
/// access token).
pub(crate) struct SignedRequest<'a> {
    pub(crate) consumer_key: &'a str,
    pub(crate) consumer_secret: &'a str,
    /// The token, absent when asking for a request token.
    pub(crate) token: Option<&'a str>,
    /// Its secret (empty without a token).
    pub(crate) token_secret: &'a str,
    pub(crate) extra: &'a [(&'a str, &'a str)],
}

impl SignedRequest<'_> {
    /// The `Authorization: OAuth ...` value.
    pub(crate) fn header(
        &self,
        method: &str,
        url: &url::Url,
        form: &[(String, String)],
        nonce: &str,
        timestamp: u64,
    ) -> String {
        let mut oauth: Vec<(String, String)> = vec![
            ("oauth_consumer_key".into(), self.consumer_key.to_owned()),
            ("oauth_nonce".into(), nonce.to_owned()),
            ("oauth_signature_method".into(), "HMAC-SHA1".into()),
            ("oauth_timestamp".into(), timestamp.to_string()),
        ];
        if let Some(token) = self.token {
            oauth.push(("oauth_token".into(), token.to_owned()));
        }
        oauth.push(("oauth_version".into(), "1.0".into()));
        for (k, v) in self.extra {
            oauth.push(((*k).to_owned(), (*v).to_owned()));
        }
        let mut params = oauth.clone();
        params.extend(
            url.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
        params.extend(form.iter().cloned());
        let mut base_url = url.clone();
        base_url.set_query(None);
        base_url.set_fragment(None);
        let base = signature_base_string(method, base_url.as_str(), &params);
        let signature = sign(&base, self.consumer_secret, self.token_secret);
        oauth.push(("oauth_signature".into(), signature));
        let fields = oauth
            .iter()
            .map(|(k, v)| format!("{}=\"{}\"", percent_encode(k), percent_encode(v)))
            .collect::<Vec<_>>()
            .join(", ");
        format!("OAuth {fields}")
    }
}

/// A fresh 32-character alphanumeric nonce.
pub fn new_nonce() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// Seconds since the epoch, as `oauth_timestamp` wants.
pub fn timestamp(now: Timestamp) -> u64 {
    u64::try_from(now.as_second()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The worked example of X's "Creating a signature" guide (the published sample
    // credentials, which belong to no account).
    fn sample() -> (OAuth1Credentials, url::Url, Vec<(String, String)>) {
        let creds = OAuth1Credentials {
            consumer_key: "xvz1evFS4wEEPTGEFPHBog".into(),
            consumer_secret: OAuth1Secret::new("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"),
            token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb".into(),
            token_secret: OAuth1Secret::new("LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"),
        };
        let url = url::Url::parse(
            "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
        )
        .unwrap();
        let form = vec![(
            "status".to_owned(),
            "Hello Ladies + Gentlemen, a signed OAuth request!".to_owned(),
        )];
        (creds, url, form)
    }

    #[test]
    fn percent_encoding_follows_rfc3986() {
        assert_eq!(
            percent_encode("Ladies + Gentlemen"),
            "Ladies%20%2B%20Gentlemen"
        );
        assert_eq!(
            percent_encode("An encoded string!"),
            "An%20encoded%20string%21"
        );
        assert_eq!(
            percent_encode("Dogs, Cats & Mice"),
            "Dogs%2C%20Cats%20%26%20Mice"
        );
        assert_eq!(percent_encode("☃"), "%E2%98%83");
        assert_eq!(percent_encode("a-b.c_d~e"), "a-b.c_d~e");
    }

    #[test]
    fn documented_signature_example() {
        let (creds, url, form) = sample();
        let header = authorization_header(
            &creds,
            "POST",
            &url,
            &form,
            "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
            1_318_622_958,
        );
        assert!(
            header.contains("oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\""),
            "{header}"
        );
        assert!(header.starts_with("OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\""));
    }

    #[test]
    fn documented_base_string() {
        let (creds, url, form) = sample();
        let mut params = form;
        params.push(("include_entities".into(), "true".into()));
        for (k, v) in [
            ("oauth_consumer_key", creds.consumer_key.as_str()),
            ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1318622958"),
            ("oauth_token", creds.token.as_str()),
            ("oauth_version", "1.0"),
        ] {
            params.push((k.into(), v.into()));
        }
        let mut base_url = url;
        base_url.set_query(None);
        let base = signature_base_string("post", base_url.as_str(), &params);
        assert_eq!(
            base,
            "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
        );
        assert_eq!(
            sign(
                &base,
                creds.consumer_secret.expose_secret(),
                creds.token_secret.expose_secret()
            ),
            "hCtSmYh+iHYCEqBWrE7C7hYmtUk="
        );
    }

    #[test]
    fn debug_hides_secrets_and_nonces_vary() {
        let (creds, _, _) = sample();
        let shown = format!("{creds:?}");
        assert!(!shown.contains("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"));
        assert!(!shown.contains("LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"));
        let (a, b) = (new_nonce(), new_nonce());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
