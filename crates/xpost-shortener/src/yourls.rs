//! [`Yourls`]: the adapter for a self-hosted YOURLS.
//!
//! One call to `{base}/yourls-api.php` with `action=shorturl`, `format=json`,
//! the `url` and the passwordless-API `signature`. YOURLS takes its
//! parameters by GET or POST; they are sent as a POST form so that the
//! signature stays out of server access logs and of any URL an error could
//! show. The answer's `shorturl` is the result. A URL shortened before
//! comes back as `"status": "fail"` with `"code": "error:url"` and the
//! existing `shorturl` (with HTTP 200 or, in some versions, 400): that is a
//! success here, which also makes the call safe to retry when the server
//! refuses duplicate long URLs (its default).

use std::fmt;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;
use xpost_core::{ShortenError, Shortener};

use crate::error::BuildError;
use crate::http::{Answer, Common, Transport, check_long_url, common_setters, join};
use crate::response::{failure, short_url};

/// The API script, appended to the base URL unless the base already names it.
const API_SCRIPT: &str = "yourls-api.php";

/// Shortens URLs through a YOURLS server.
#[derive(Clone)]
pub struct Yourls {
    endpoint: Url,
    signature: SecretString,
    transport: Transport,
}

impl Yourls {
    /// A builder; the base URL and the signature are required.
    pub fn builder() -> YourlsBuilder {
        YourlsBuilder::default()
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }
}

impl fmt::Debug for Yourls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yourls")
            .field("endpoint", &self.endpoint.as_str())
            .field("signature", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Builds a [`Yourls`].
#[derive(Default, Clone)]
pub struct YourlsBuilder {
    common: Common,
    signature: Option<SecretString>,
}

impl fmt::Debug for YourlsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YourlsBuilder")
            .field("base_url", &self.common.base_url)
            .field("signature", &self.signature.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

impl YourlsBuilder {
    common_setters!();

    /// The signature token from the YOURLS admin's Tools page (required).
    pub fn signature(mut self, signature: impl Into<SecretString>) -> Self {
        self.signature = Some(signature.into());
        self
    }

    /// Checks the settings and builds the adapter. The base URL is the
    /// YOURLS site (`https://sho.rt`) or its API script
    /// (`https://sho.rt/yourls-api.php`).
    ///
    /// # Errors
    /// [`BuildError`] for a missing or unusable base URL, a missing or
    /// empty signature, a zero timeout or an invalid user agent.
    pub fn build(self) -> Result<Yourls, BuildError> {
        let signature = self
            .signature
            .filter(|s| !s.expose_secret().trim().is_empty())
            .ok_or(BuildError::MissingKey { what: "signature" })?;
        let (base, transport) = self.common.build()?;
        let endpoint = if base.path().ends_with(API_SCRIPT) {
            base
        } else {
            join(&base, &[API_SCRIPT])
        };
        Ok(Yourls {
            endpoint,
            signature,
            transport,
        })
    }
}

#[derive(Deserialize)]
struct YourlsAnswer {
    status: Option<String>,
    code: Option<String>,
    message: Option<String>,
    shorturl: Option<String>,
}

#[async_trait]
impl Shortener for Yourls {
    async fn shorten(&self, long_url: &Url) -> Result<Url, ShortenError> {
        check_long_url(long_url)?;
        self.transport
            .call(
                |client| {
                    client.post(self.endpoint.clone()).form(&[
                        ("signature", self.signature.expose_secret()),
                        ("action", "shorturl"),
                        ("format", "json"),
                        ("url", long_url.as_str()),
                    ])
                },
                interpret,
            )
            .await
    }
}

/// Maps YOURLS's answer to the short URL or an error.
fn interpret(answer: Answer) -> Result<Url, ShortenError> {
    let parsed: Result<YourlsAnswer, _> = serde_json::from_slice(&answer.body);
    let status_ok = (200..300).contains(&answer.status);
    let parsed = match parsed {
        Ok(p) => p,
        Err(_) if !status_ok => return Err(failure(&answer, None)),
        Err(e) => {
            return Err(ShortenError::BadResponse {
                status: answer.status,
                reason: "the body is not YOURLS's JSON".to_owned(),
                body: answer.text(),
                source: Some(Box::new(e)),
            });
        }
    };
    let success = parsed.status.as_deref() == Some("success");
    let existing = parsed.code.as_deref() == Some("error:url");
    if (status_ok || answer.status == 400) && (success || existing) {
        return short_url(&answer, parsed.shorturl.as_deref(), "shorturl");
    }
    let message = match (parsed.code, parsed.message) {
        (Some(c), Some(m)) if !c.is_empty() => Some(format!("{c}: {m}")),
        (c, m) => m.or(c),
    };
    if status_ok {
        // YOURLS reports some refusals with a success status.
        return Err(ShortenError::Rejected {
            status: answer.status,
            message: message.unwrap_or_else(|| answer.text()),
        });
    }
    Err(failure(&answer, message))
}
