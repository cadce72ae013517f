//! The OAuth 1.0a three-legged flow, which gives the user access token that the
//! v1.1 `account/*` endpoints need:
//!
//! 1. [`OAuth1Flow::request_token`]: `POST /oauth/request_token` with the
//!    registered `oauth_callback`, signed with the consumer secret alone;
//! 2. [`OAuth1Flow::authorize_url`]: the user approves at
//!    `https://api.x.com/oauth/authorize?oauth_token=…`, and X redirects to the
//!    callback with `oauth_token` and `oauth_verifier`
//!    ([`RequestToken::verifier_from_callback`] checks and reads them);
//! 3. [`OAuth1Flow::access_token`]: `POST /oauth/access_token` with the
//!    verifier, signed with the request token's secret, answers the access token
//!    pair, which does not expire.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::config::Config;
use crate::error::Error;
use crate::ids::XUserId;
use crate::oauth1::{OAuth1Consumer, SignedRequest, new_nonce, timestamp};
use crate::redact;
use crate::token::OAuth1Secret;

/// A request token: what the user is sent to approve.
#[derive(Clone)]
pub struct RequestToken {
    /// `oauth_token`, which goes in the authorize URL (not a secret on its own).
    pub token: String,
    /// `oauth_token_secret`, which signs the access-token request.
    pub secret: OAuth1Secret,
}

impl fmt::Debug for RequestToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestToken")
            .field("token", &self.token)
            .field("secret", &self.secret)
            .finish()
    }
}

impl RequestToken {
    /// The `oauth_verifier` of the callback X redirected to after consent.
    ///
    /// # Errors
    /// [`Error::OAuth`] `access_denied` when the user declined (X sends
    /// `denied=…`), [`Error::StateMismatch`] when the callback is for another
    /// request token, [`Error::InvalidInput`] when the verifier is missing.
    pub fn verifier_from_callback(&self, callback: &url::Url) -> Result<String, Error> {
        let get = |name: &str| {
            callback
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        if get("denied").is_some() {
            return Err(Error::OAuth {
                error: "access_denied".into(),
                description: Some("the user declined the authorization".into()),
            });
        }
        if get("oauth_token").as_deref() != Some(self.token.as_str()) {
            return Err(Error::StateMismatch);
        }
        get("oauth_verifier")
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::invalid("oauth_verifier", "missing from the callback"))
    }
}

/// A user's OAuth 1.0a access token, as `POST /oauth/access_token` answers it.
#[derive(Clone)]
pub struct OAuth1Access {
    /// `oauth_token`.
    pub token: OAuth1Secret,
    /// `oauth_token_secret`.
    pub secret: OAuth1Secret,
    /// The account's id, when X says.
    pub user_id: Option<XUserId>,
    /// The account's handle, when X says.
    pub screen_name: Option<String>,
}

impl fmt::Debug for OAuth1Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Access")
            .field("token", &self.token)
            .field("secret", &self.secret)
            .field("user_id", &self.user_id)
            .field("screen_name", &self.screen_name)
            .finish()
    }
}

/// The three-legged flow for one app.
pub struct OAuth1Flow {
    consumer: OAuth1Consumer,
    api: String,
    authorize: String,
    http: reqwest::Client,
    timeout: Duration,
    max_body: usize,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for OAuth1Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Flow")
            .field("consumer", &self.consumer)
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl OAuth1Flow {
    /// The flow for `consumer`, using `config`'s API host, consent host (the same
    /// host as the API on X: `api.x.com/oauth/authorize`) and request timeout.
    pub fn new(
        consumer: OAuth1Consumer,
        config: &Config,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            consumer,
            api: config.endpoints.api().to_owned(),
            authorize: config.endpoints.authorize().to_owned(),
            http,
            timeout: config.request_timeout,
            max_body: config.max_response_bytes,
            clock,
        }
    }

    /// Step 1: a request token for `callback` (which must be registered with the app).
    ///
    /// # Errors
    /// [`Error::OAuth`] when X refuses (an unregistered callback, a bad consumer
    /// key or signature), [`Error::Timeout`] / [`Error::Network`] for transport
    /// failures, [`Error::InvalidInput`] for an answer without a token.
    pub async fn request_token(&self, callback: &str) -> Result<RequestToken, Error> {
        let signer = SignedRequest {
            consumer_key: &self.consumer.key,
            consumer_secret: self.consumer.secret.expose_secret(),
            token: None,
            token_secret: "",
            extra: &[("oauth_callback", callback)],
        };
        let answer = self.post("/oauth/request_token", &signer, &[]).await?;
        if answer.get("oauth_callback_confirmed").map(String::as_str) != Some("true") {
            return Err(Error::invalid(
                "oauth_callback_confirmed",
                "X did not confirm the callback",
            ));
        }
        Ok(RequestToken {
            token: take(&answer, "oauth_token")?,
            secret: OAuth1Secret::new(take(&answer, "oauth_token_secret")?),
        })
    }

    /// Step 2: where to send the user to approve `request`.
    ///
    /// # Errors
    /// [`Error::Config`] when the consent host is not a URL.
    pub fn authorize_url(&self, request: &RequestToken) -> Result<url::Url, Error> {
        let mut url =
            url::Url::parse(&format!("{}/oauth/authorize", self.authorize)).map_err(|e| {
                Error::Config {
                    reason: format!("authorize URL: {e}"),
                }
            })?;
        url.query_pairs_mut()
            .append_pair("oauth_token", &request.token);
        Ok(url)
    }

    /// Step 3: the access token for an approved `request` and its `verifier`.
    ///
    /// # Errors
    /// [`Error::OAuth`] when X refuses (an expired or used request token, a wrong
    /// verifier), transport errors, [`Error::InvalidInput`] for an answer without
    /// a token.
    pub async fn access_token(
        &self,
        request: &RequestToken,
        verifier: &str,
    ) -> Result<OAuth1Access, Error> {
        let signer = SignedRequest {
            consumer_key: &self.consumer.key,
            consumer_secret: self.consumer.secret.expose_secret(),
            token: Some(&request.token),
            token_secret: request.secret.expose_secret(),
            extra: &[("oauth_verifier", verifier)],
        };
        let answer = self.post("/oauth/access_token", &signer, &[]).await?;
        Ok(OAuth1Access {
            token: OAuth1Secret::new(take(&answer, "oauth_token")?),
            secret: OAuth1Secret::new(take(&answer, "oauth_token_secret")?),
            user_id: answer.get("user_id").map(|id| XUserId::new(id.as_str())),
            screen_name: answer.get("screen_name").cloned(),
        })
    }

    /// POSTs a signed, form-encoded request and reads the form-encoded answer.
    async fn post(
        &self,
        path: &str,
        signer: &SignedRequest<'_>,
        form: &[(String, String)],
    ) -> Result<std::collections::HashMap<String, String>, Error> {
        let url = url::Url::parse(&format!("{}{path}", self.api)).map_err(|e| Error::Config {
            reason: format!("{path}: {e}"),
        })?;
        let header = signer.header(
            "POST",
            &url,
            form,
            &new_nonce(),
            timestamp(self.clock.now()),
        );
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter())
            .finish();
        let call = async {
            let mut response = self
                .http
                .post(url.clone())
                .header(reqwest::header::AUTHORIZATION, header)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body)
                .send()
                .await?;
            let status = response.status();
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if bytes.len() + chunk.len() > self.max_body {
                    return Ok((status, None));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok::<_, reqwest::Error>((status, Some(bytes)))
        };
        let (status, bytes) = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| Error::Timeout {
                after: self.timeout,
            })?
            .map_err(|source| Error::Network {
                connect: source.is_connect(),
                source,
            })?;
        let Some(bytes) = bytes else {
            return Err(Error::ResponseTooLarge {
                limit: self.max_body,
            });
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if !status.is_success() {
            // X answers errors as JSON or as text; either way the secrets this
            // request carried stay out of the error.
            let secrets = [signer.token_secret, signer.consumer_secret];
            let detail = redact::scrub(&text, secrets.into_iter().filter(|s| !s.is_empty()));
            return Err(Error::OAuth {
                error: format!("http_{}", status.as_u16()),
                description: Some(detail.chars().take(300).collect()),
            });
        }
        Ok(url::form_urlencoded::parse(text.as_bytes())
            .into_owned()
            .collect())
    }
}

fn take(
    answer: &std::collections::HashMap<String, String>,
    key: &'static str,
) -> Result<String, Error> {
    answer
        .get(key)
        .filter(|v| !v.is_empty())
        .cloned()
        .ok_or_else(|| Error::invalid(key, "missing from X's answer"))
}
