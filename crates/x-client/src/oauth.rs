//! OAuth 2.0 Authorization Code with PKCE, refresh and revoke, on top of the `oauth2`
//! crate. Requests go through this crate's own `reqwest` call so every one has a
//! timeout and a size limit like the API calls.

use crate::clock::Clock;
use crate::config::Config;
use crate::error::Error;
use crate::pending::PendingAuthorization;
use crate::redact;
use crate::token::{
    AccessToken, ClientSecret, PkceVerifier, RefreshToken, Scope, Scopes, TokenSet,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, EmptyExtraTokenFields, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError,
    StandardErrorResponse, StandardTokenResponse, TokenResponse, TokenUrl,
};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A registered X app: its client id, its secret if it is confidential, and the
/// redirect URI registered for it.
#[derive(Clone)]
pub struct OAuthApp {
    /// The OAuth 2.0 client id.
    pub client_id: String,
    /// The client secret; `None` for public clients (native and single-page apps).
    pub client_secret: Option<ClientSecret>,
    /// The callback URL, exactly as registered.
    pub redirect_uri: String,
}

impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// The first step of the flow: the URL to send the user to, and what the callback
/// needs to finish (see [`PendingAuthorization`], which can be stored so another
/// process finishes it).
pub struct AuthorizeRequest {
    /// The consent page URL with every parameter set.
    pub url: url::Url,
    pending: PendingAuthorization,
}

impl fmt::Debug for AuthorizeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeRequest")
            .field("url", &self.url.as_str())
            .field("pending", &self.pending)
            .finish()
    }
}

impl AuthorizeRequest {
    /// The `state` sent, to match against the callback's.
    pub fn state(&self) -> &str {
        self.pending.state()
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> &[Scope] {
        self.pending.scopes()
    }

    /// What finishing the flow needs, to store until the callback arrives.
    pub fn pending(&self) -> &PendingAuthorization {
        &self.pending
    }

    /// Gives up the URL and keeps what finishing the flow needs.
    pub fn into_pending(self) -> PendingAuthorization {
        self.pending
    }

    /// Reads the callback URL's query: the code when consent was given.
    ///
    /// # Errors
    /// As [`PendingAuthorization::code_from_callback`].
    pub fn code_from_callback(&self, callback: &url::Url) -> Result<String, Error> {
        self.pending.code_from_callback(callback)
    }
}

/// Runs the OAuth 2.0 endpoints for one app.
#[derive(Clone)]
pub struct OAuthClient {
    client: Client,
    app: OAuthApp,
    revoke_url: String,
    http: reqwest::Client,
    timeout: Duration,
    max_body: usize,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client.client_id().as_str())
            .field("token_url", &self.client.token_uri().as_str())
            .finish_non_exhaustive()
    }
}

/// Where an `oauth2` request failed inside our HTTP call.
#[derive(Debug, thiserror::Error)]
enum HttpFailure {
    #[error("timed out")]
    Timeout,
    #[error("response too large")]
    TooLarge,
    #[error("{0}")]
    Transport(#[from] reqwest::Error),
    #[error("{0}")]
    Http(#[from] oauth2::http::Error),
}

impl OAuthClient {
    /// An OAuth client for `app`, using the endpoints and timeouts of `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when a URL is malformed.
    pub fn new(
        app: &OAuthApp,
        config: &Config,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, Error> {
        let bad = |what: &str, e: url::ParseError| Error::Config {
            reason: format!("{what}: {e}"),
        };
        let ep = &config.endpoints;
        let mut client = BasicClient::new(ClientId::new(app.client_id.clone()))
            .set_auth_uri(AuthUrl::new(ep.authorize_url()).map_err(|e| bad("authorize URL", e))?)
            .set_token_uri(
                TokenUrl::new(ep.api_url("/2/oauth2/token")).map_err(|e| bad("token URL", e))?,
            )
            .set_redirect_uri(
                RedirectUrl::new(app.redirect_uri.clone()).map_err(|e| bad("redirect URI", e))?,
            );
        if let Some(secret) = &app.client_secret {
            // Confidential clients must authenticate with HTTP Basic, which is the
            // crate's default once a secret is set.
            client = client
                .set_client_secret(oauth2::ClientSecret::new(secret.expose_secret().to_owned()));
        }
        Ok(Self {
            client,
            app: app.clone(),
            revoke_url: ep.api_url("/2/oauth2/revoke"),
            http,
            timeout: config.request_timeout,
            max_body: config.max_response_bytes,
            clock,
        })
    }

    /// Builds the consent URL with a fresh `state` and an S256 PKCE challenge.
    pub fn authorize(&self, scopes: &[Scope]) -> AuthorizeRequest {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut req = self
            .client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge);
        for s in scopes {
            req = req.add_scope(oauth2::Scope::new(s.as_str().to_owned()));
        }
        let (url, state) = req.url();
        let pending = PendingAuthorization::new(
            state.into_secret(),
            PkceVerifier::new(verifier.into_secret()),
            self.app.redirect_uri.clone(),
            scopes.to_vec(),
            self.clock.now(),
        );
        AuthorizeRequest { url, pending }
    }

    /// Exchanges the callback's code (valid 30 seconds, once) for tokens.
    ///
    /// # Errors
    /// [`Error::OAuth`] when X refuses the code or the client, transport errors otherwise.
    pub async fn exchange_code(
        &self,
        request: AuthorizeRequest,
        code: &str,
    ) -> Result<TokenSet, Error> {
        self.exchange_pending(&request.pending, code).await
    }

    /// Finishes an authorization from its callback URL, possibly in another process
    /// than the one that started it: checks `state`, then exchanges the code with the
    /// stored verifier and redirect URI.
    ///
    /// # Errors
    /// [`Error::StateMismatch`], a refusal or a missing code as
    /// [`PendingAuthorization::code_from_callback`] says; then as
    /// [`OAuthClient::exchange_code`].
    pub async fn complete(
        &self,
        pending: &PendingAuthorization,
        callback: &url::Url,
    ) -> Result<TokenSet, Error> {
        let code = pending.code_from_callback(callback)?;
        self.exchange_pending(pending, &code).await
    }

    async fn exchange_pending(
        &self,
        pending: &PendingAuthorization,
        code: &str,
    ) -> Result<TokenSet, Error> {
        let redirect = RedirectUrl::new(pending.redirect_uri().to_owned())
            .map_err(|e| Error::invalid("redirect URI", e.to_string()))?;
        // The futures own a clone of the client: borrowing `self` in them makes
        // this call's future not provably `Send` to callers behind `async_trait`.
        let this = self.clone();
        let http = move |req| {
            let this = this.clone();
            async move { this.send(req).await }
        };
        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(
                pending.verifier().expose_secret().to_owned(),
            ))
            .set_redirect_uri(Cow::Owned(redirect))
            .request_async(&http)
            .await
            .map_err(|e| self.map_token_error(e, &[code]))?;
        Ok(self.token_set(&response, None, &Scopes::from(pending.scopes().to_vec())))
    }

    /// Spends `refresh_token` for a new token set. X rotates refresh tokens: the
    /// answer carries a new one and the old one stops working.
    ///
    /// # Errors
    /// [`Error::ReauthRequired`] when X says the refresh token is invalid (used,
    /// revoked or expired); [`Error::OAuth`] for other refusals.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet, Error> {
        // The futures own a clone of the client: borrowing `self` in them makes
        // this call's future not provably `Send` to callers behind `async_trait`.
        let this = self.clone();
        let http = move |req| {
            let this = this.clone();
            async move { this.send(req).await }
        };
        let token = oauth2::RefreshToken::new(refresh_token.expose_secret().to_owned());
        let response = self
            .client
            .exchange_refresh_token(&token)
            .request_async(&http)
            .await
            .map_err(
                |e| match self.map_token_error(e, &[refresh_token.expose_secret()]) {
                    Error::OAuth { error, description }
                        if error == "invalid_request" || error == "invalid_grant" =>
                    {
                        Error::ReauthRequired {
                            reason: description.unwrap_or(error),
                        }
                    }
                    other => other,
                },
            )?;
        Ok(self.token_set(&response, Some(refresh_token), &Scopes::default()))
    }

    /// Revokes an access token.
    ///
    /// # Errors
    /// [`Error::OAuth`] or transport errors.
    pub async fn revoke_access_token(&self, token: &AccessToken) -> Result<(), Error> {
        self.revoke(token.expose_secret(), "access_token").await
    }

    /// Revokes a refresh token (and with it the grant).
    ///
    /// # Errors
    /// [`Error::OAuth`] or transport errors.
    pub async fn revoke_refresh_token(&self, token: &RefreshToken) -> Result<(), Error> {
        self.revoke(token.expose_secret(), "refresh_token").await
    }

    // Sent by hand rather than through `oauth2`, which insists on an https revocation
    // URL and so could not reach a local emulator.
    async fn revoke(&self, token: &str, hint: &str) -> Result<(), Error> {
        use oauth2::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
        // The form encoder is not `Sync`: it must be gone before the first await,
        // so that this future can be sent across threads.
        let (builder, body) = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("token", token)
                .append_pair("token_type_hint", hint);
            let mut builder = oauth2::http::Request::builder()
                .method(oauth2::http::Method::POST)
                .uri(self.revoke_url.as_str())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(ACCEPT, "application/json");
            match &self.app.client_secret {
                Some(secret) => {
                    let pair = format!(
                        "{}:{}",
                        form_encode(&self.app.client_id),
                        form_encode(secret.expose_secret())
                    );
                    builder =
                        builder.header(AUTHORIZATION, format!("Basic {}", STANDARD.encode(pair)));
                }
                None => {
                    form.append_pair("client_id", &self.app.client_id);
                }
            }
            (builder, form.finish().into_bytes())
        };
        let request = builder.body(body).map_err(|e| self.map_failure(e.into()))?;
        let response = self.send(request).await.map_err(|e| self.map_failure(e))?;
        if response.status().is_success() {
            return Ok(());
        }
        let problem = crate::error::Problem::parse(response.status().as_u16(), response.body());
        // Whatever the server echoes, the token it was asked to revoke stays out of
        // the error.
        let clean = |text: &str| redact::scrub(text, [token]);
        Err(Error::OAuth {
            error: problem
                .error
                .as_deref()
                .map_or_else(|| format!("http_{}", response.status().as_u16()), clean),
            description: problem
                .error_description
                .as_deref()
                .map(clean)
                .or_else(|| Some(clean(&problem.summary()))),
        })
    }

    fn token_set(
        &self,
        response: &StandardTokenResponse<EmptyExtraTokenFields, BasicTokenType>,
        previous_refresh: Option<&RefreshToken>,
        requested: &Scopes,
    ) -> TokenSet {
        let scopes = match response.scopes() {
            Some(granted) => Scopes::from(granted.iter().map(|s| Scope::new(s.to_string()))),
            // RFC 6749: an absent `scope` means the requested scopes were granted.
            None => requested.clone(),
        };
        TokenSet {
            access_token: AccessToken::new(response.access_token().secret().clone()),
            refresh_token: response
                .refresh_token()
                .map(|r| RefreshToken::new(r.secret().clone()))
                .or_else(|| previous_refresh.cloned()),
            expires_at: response
                .expires_in()
                .and_then(|d| crate::clock::after(self.clock.now(), d)),
            scopes,
        }
    }

    async fn send(
        &self,
        request: oauth2::HttpRequest,
    ) -> Result<oauth2::HttpResponse, HttpFailure> {
        let (parts, body) = request.into_parts();
        let url = parts.uri.to_string();
        let mut builder = self
            .http
            .request(parts.method, url)
            .timeout(self.timeout)
            .body(body);
        for (name, value) in &parts.headers {
            builder = builder.header(name, value);
        }
        let call = async {
            let mut response = builder.send().await?;
            let status = response.status();
            let headers = response.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > self.max_body {
                    return Err(HttpFailure::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            let mut out = oauth2::http::Response::builder().status(status);
            for (name, value) in &headers {
                out = out.header(name, value);
            }
            Ok(out.body(body)?)
        };
        tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| HttpFailure::Timeout)?
    }
}

impl OAuthClient {
    /// Maps a token-endpoint failure; `sent` are the secrets the request carried,
    /// which the server might echo.
    fn map_token_error(
        &self,
        e: RequestTokenError<HttpFailure, StandardErrorResponse<BasicErrorResponseType>>,
        sent: &[&str],
    ) -> Error {
        match e {
            RequestTokenError::ServerResponse(r) => Error::OAuth {
                error: redact::scrub(r.error().as_ref(), sent.iter().copied()),
                description: r
                    .error_description()
                    .map(|d| redact::scrub(d, sent.iter().copied())),
            },
            RequestTokenError::Request(f) => self.map_failure(f),
            // The body may be a working token set in a shape we did not expect, and
            // the parser's message may quote one of its values.
            RequestTokenError::Parse(source, body) => {
                let path = source.path().to_string();
                token_decode_error(&path, &source.into_inner(), &body, sent)
            }
            RequestTokenError::Other(reason) => Error::OAuth {
                error: "invalid_response".into(),
                description: Some(reason),
            },
        }
    }

    fn map_failure(&self, f: HttpFailure) -> Error {
        match f {
            HttpFailure::Timeout => Error::Timeout {
                after: self.timeout,
            },
            HttpFailure::TooLarge => Error::ResponseTooLarge {
                limit: self.max_body,
            },
            HttpFailure::Transport(source) => {
                if source.is_timeout() {
                    Error::Timeout {
                        after: self.timeout,
                    }
                } else {
                    Error::Network {
                        connect: source.is_connect(),
                        source,
                    }
                }
            }
            HttpFailure::Http(e) => Error::Config {
                reason: e.to_string(),
            },
        }
    }
}

/// `application/x-www-form-urlencoded` encoding, which RFC 6749 applies to the client
/// id and secret before they go into HTTP Basic credentials.
/// The error for a token-endpoint body that did not parse, with every value of the
/// body that may be a secret removed from both the body and the parser's message.
pub(crate) fn token_decode_error(
    path: &str,
    source: &serde_json::Error,
    body: &[u8],
    sent: &[&str],
) -> Error {
    let is_json = serde_json::from_slice::<serde_json::Value>(body).is_ok();
    let (body, removed) = redact::token_body(body);
    let secrets = || {
        removed
            .iter()
            .map(String::as_str)
            .chain(sent.iter().copied())
    };
    // A harmless key's value is kept in the body, unless it repeats a secret.
    let body = redact::scrub(&body, secrets());
    // The parser's message quotes the value it choked on. In a JSON body that
    // value is one of those removed above; in anything else it could be any
    // part of the body, so only where it failed is kept.
    let message = if is_json {
        redact::scrub(&format!("{path}: {source}"), secrets())
    } else {
        format!(
            "{path}: {:?} error at line {} column {}",
            source.classify(),
            source.line(),
            source.column()
        )
    };
    Error::Decode {
        status: 0,
        body,
        source: <serde_json::Error as serde::de::Error>::custom(message),
    }
}

fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_repeated_under_a_harmless_key_is_still_removed() {
        let body = br#"{"token_type":"bearer","expires_in":"tok-0123456789abcdef","access_token":"tok-0123456789abcdef"}"#;
        let source = serde_json::from_slice::<serde_json::Value>(b"[1,")
            .map(drop)
            .unwrap_err();
        let error = token_decode_error(".", &source, body, &[]);
        let shown = format!("{error:?} {error}");
        assert!(!shown.contains("tok-0123456789abcdef"), "{shown}");
        assert!(shown.contains("bearer"), "harmless values stay: {shown}");
    }

    #[test]
    fn a_body_that_is_not_json_is_not_quoted_by_the_parser_message() {
        let body = b"49010955083122928 tok-0123456789abcdef";
        let source = serde_json::from_slice::<oauth2::basic::BasicTokenResponse>(body)
            .map(drop)
            .unwrap_err();
        let error = token_decode_error(".", &source, body, &[]);
        let shown = format!("{error:?} {error}");
        assert!(!shown.contains("49010955083122928"), "{shown}");
        assert!(!shown.contains("tok-0123456789abcdef"), "{shown}");
        assert!(shown.contains("line 1 column"), "{shown}");
    }
}
