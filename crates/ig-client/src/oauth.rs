//! Business Login for Instagram: authorize URL, code exchange, long-lived
//! tokens and refresh.
//!
//! The authorize URL is built with the `oauth2` crate. The three token calls
//! are made with reqwest directly, because none of them fits an RFC 6749
//! client: the code exchange answers `{"data":[{access_token, user_id,
//! permissions}]}` (or a flat variant) with no `token_type`, and fails with
//! a legacy `{error_type, code, error_message}` body instead of `{error}`;
//! the long-lived exchange and the refresh are GET requests with the
//! non-standard grants `ig_exchange_token` and `ig_refresh_token`.

use std::fmt;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use oauth2::basic::BasicClient;
use oauth2::{AuthUrl, AuthorizationCode, ClientId, CsrfToken, RedirectUrl};
use serde::{Deserialize, Deserializer, Serialize};
use url::Url;

use crate::client::{IgClient, endpoint};
use crate::error::Error;
use crate::ids::{IgUserId, string_or_number};
use crate::secret::{AccessToken, AppCredentials};

/// Lifetime of a short-lived token when the answer does not say.
pub const SHORT_LIVED_TTL: Duration = Duration::from_secs(3600);

/// Instagram Login permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// Profile and media reads; required, also for refresh.
    BusinessBasic,
    /// Containers, `media_publish`, `content_publishing_limit`.
    ContentPublish,
    /// Comments and mentions.
    ManageComments,
    /// Direct messages.
    ManageMessages,
    /// Insights.
    ManageInsights,
}

impl Scope {
    /// The scope's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BusinessBasic => "instagram_business_basic",
            Self::ContentPublish => "instagram_business_content_publish",
            Self::ManageComments => "instagram_business_manage_comments",
            Self::ManageMessages => "instagram_business_manage_messages",
            Self::ManageInsights => "instagram_business_manage_insights",
        }
    }
}

/// Whether a token is short-lived (1 h) or long-lived (60 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// From the code exchange.
    ShortLived,
    /// From `ig_exchange_token` or a refresh.
    LongLived,
}

/// An access token with what Instagram said about it.
///
/// It serializes for a token store: serializing is the one deliberate
/// exposure of the secret, which is written in clear text, so the store
/// must protect what it writes. `Debug` stays redacted.
#[derive(Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Token {
    /// The token.
    #[serde(serialize_with = "crate::secret::serialize_exposed")]
    pub access_token: AccessToken,
    /// Short- or long-lived.
    pub kind: TokenKind,
    /// The professional account id from the code exchange.
    #[serde(default)]
    pub user_id: Option<IgUserId>,
    /// Permissions granted at consent (empty when unknown).
    #[serde(default)]
    pub permissions: Vec<String>,
    /// When this token was issued (by our clock).
    pub issued_at: Timestamp,
    /// When it expires.
    pub expires_at: Timestamp,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &self.access_token)
            .field("kind", &self.kind)
            .field("user_id", &self.user_id)
            .field("permissions", &self.permissions)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Token {
    /// Restores a stored token.
    pub fn new(
        access_token: AccessToken,
        kind: TokenKind,
        issued_at: Timestamp,
        expires_at: Timestamp,
    ) -> Self {
        Self {
            access_token,
            kind,
            user_id: None,
            permissions: Vec::new(),
            issued_at,
            expires_at,
        }
    }

    /// Whether the token has expired at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }

    /// Whether `permission` was granted (`None` when permissions are unknown).
    pub fn has_permission(&self, permission: Scope) -> Option<bool> {
        if self.permissions.is_empty() {
            None
        } else {
            Some(self.permissions.iter().any(|p| p == permission.as_str()))
        }
    }

    /// Instagram's refresh rule: long-lived, at least `min_age` old (24 h in
    /// production), not expired, and holding `instagram_business_basic`.
    ///
    /// # Errors
    /// [`Error::RefreshNotAllowed`] naming the rule that fails.
    pub fn check_refresh(&self, now: Timestamp, min_age: Duration) -> Result<(), Error> {
        if self.kind != TokenKind::LongLived {
            return Err(Error::RefreshNotAllowed(
                "only long-lived tokens can be refreshed",
            ));
        }
        if self.is_expired(now) {
            return Err(Error::RefreshNotAllowed(
                "token already expired; the user must log in again",
            ));
        }
        if now.duration_since(self.issued_at) < signed(min_age) {
            return Err(Error::RefreshNotAllowed(
                "token is younger than the minimum refresh age",
            ));
        }
        if self.has_permission(Scope::BusinessBasic) == Some(false) {
            return Err(Error::RefreshNotAllowed(
                "instagram_business_basic was not granted",
            ));
        }
        Ok(())
    }

    /// Whether a refresh is allowed and the token expires within `window`.
    pub fn refresh_due(&self, now: Timestamp, min_age: Duration, window: Duration) -> bool {
        self.check_refresh(now, min_age).is_ok()
            && self.expires_at.duration_since(now) <= signed(window)
    }
}

/// A std span as jiff's signed one; spans beyond its range (about 292 billion
/// years) saturate, which no comparison here can tell apart.
fn signed(span: Duration) -> SignedDuration {
    SignedDuration::try_from(span).unwrap_or(SignedDuration::MAX)
}

/// `issued_at + ttl`, saturating: `expires_in` is network data and must not
/// be able to overflow the clock.
fn expiry(issued_at: Timestamp, ttl: Duration) -> Timestamp {
    issued_at.saturating_add(ttl).unwrap_or(Timestamp::MAX)
}

/// An authorize URL and the `state` to expect back.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthorizeUrl {
    /// Where to send the browser.
    pub url: Url,
    /// The CSRF `state` the redirect must carry.
    pub state: String,
}

/// Optional authorize parameters.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeOptions {
    /// A fixed `state` instead of a random one.
    pub state: Option<String>,
    /// `enable_fb_login`.
    pub enable_fb_login: Option<bool>,
    /// `force_authentication`.
    pub force_authentication: Option<bool>,
}

/// The OAuth flows of one app. Obtain it from [`IgClient::oauth`].
#[derive(Clone)]
pub struct OAuth {
    client: IgClient,
    credentials: AppCredentials,
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum CodeExchangeBody {
    Wrapped { data: Vec<CodeGrant> },
    Flat(CodeGrant),
}

#[derive(Deserialize)]
pub(crate) struct CodeGrant {
    access_token: String,
    #[serde(deserialize_with = "string_or_number")]
    user_id: String,
    #[serde(default, deserialize_with = "permission_list")]
    permissions: Vec<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

fn permission_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Joined(String),
        List(Vec<String>),
    }
    Ok(match Option::<Raw>::deserialize(deserializer)? {
        None => Vec::new(),
        Some(Raw::Joined(text)) => text
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Raw::List(list)) => list,
    })
}

#[derive(Deserialize)]
pub(crate) struct LongLivedBody {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Token bodies are never copied into errors: they may hold a token. Nor is
/// the parser's error kept: its message quotes the value it choked on, which
/// may be the token (`"expires_in": "<token>"`); only where it failed is.
pub(crate) fn parse_token_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::UnexpectedResponse {
        status: 200,
        body: format!(
            "[withheld: token endpoint body; {:?} error at line {} column {}]",
            e.classify(),
            e.line(),
            e.column()
        ),
        source: None,
    })
}

impl OAuth {
    pub(crate) fn new(client: IgClient, credentials: AppCredentials) -> Self {
        Self {
            client,
            credentials,
        }
    }

    /// The app credentials.
    pub fn credentials(&self) -> &AppCredentials {
        &self.credentials
    }

    /// The authorize URL on the www host, with a random `state` unless one is given.
    ///
    /// # Errors
    /// [`Error::BadInput`] if `redirect_uri` is not a URL.
    pub fn authorize_url(
        &self,
        redirect_uri: &str,
        scopes: &[Scope],
        options: &AuthorizeOptions,
    ) -> Result<AuthorizeUrl, Error> {
        let auth = endpoint(&self.client.config.www_base, ["oauth", "authorize"]);
        let auth = AuthUrl::from_url(auth);
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| Error::BadInput(format!("redirect_uri: {e}")))?;
        let oauth = BasicClient::new(ClientId::new(self.credentials.client_id().to_owned()))
            .set_auth_uri(auth)
            .set_redirect_uri(redirect);
        let state = options.state.clone();
        let mut request =
            oauth.authorize_url(move || state.map_or_else(CsrfToken::new_random, CsrfToken::new));
        // Instagram accepts a comma-separated scope list; one comma-joined
        // value avoids relying on how spaces get encoded.
        let scope = scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",");
        request = request.add_scope(oauth2::Scope::new(scope));
        if let Some(flag) = options.enable_fb_login {
            request = request.add_extra_param("enable_fb_login", if flag { "1" } else { "0" });
        }
        if let Some(flag) = options.force_authentication {
            request = request.add_extra_param("force_authentication", if flag { "1" } else { "0" });
        }
        let (url, state) = request.url();
        Ok(AuthorizeUrl {
            url,
            state: state.secret().clone(),
        })
    }

    /// Reads the code from the redirect the browser came back with.
    ///
    /// # Errors
    /// [`Error::AuthorizationDenied`] when the user cancelled,
    /// [`Error::StateMismatch`] when `state` differs, [`Error::BadInput`]
    /// when there is no code.
    pub fn code_from_redirect(
        redirect: &Url,
        expected_state: &str,
    ) -> Result<AuthorizationCode, Error> {
        let param = |name: &str| {
            redirect
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        if let Some(error) = param("error") {
            return Err(Error::AuthorizationDenied {
                error,
                description: param("error_description"),
            });
        }
        if param("state").as_deref() != Some(expected_state) {
            return Err(Error::StateMismatch);
        }
        let code =
            param("code").ok_or_else(|| Error::BadInput("redirect has no code".to_owned()))?;
        Ok(AuthorizationCode::new(
            code.trim_end_matches("#_").to_owned(),
        ))
    }

    /// Exchanges an authorization code for a short-lived token.
    ///
    /// # Errors
    /// [`Error::OAuth`] for a bad, used or expired code, or any transport error.
    pub async fn exchange_code(
        &self,
        code: &AuthorizationCode,
        redirect_uri: &str,
    ) -> Result<Token, Error> {
        let url = endpoint(&self.client.config.api_base, ["oauth", "access_token"]);
        let code = code.secret().trim_end_matches("#_");
        let form = [
            ("client_id", self.credentials.client_id()),
            ("client_secret", self.credentials.client_secret()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", redirect_uri),
            ("code", code),
        ];
        let body = self
            .client
            .send(self.client.http.post(url).form(&form), None)
            .await?;
        let grant = match parse_token_body::<CodeExchangeBody>(&body)? {
            CodeExchangeBody::Flat(grant) => grant,
            CodeExchangeBody::Wrapped { data } => {
                data.into_iter()
                    .next()
                    .ok_or_else(|| Error::UnexpectedResponse {
                        status: 200,
                        body: "[withheld: token endpoint body]".to_owned(),
                        source: None,
                    })?
            }
        };
        let issued_at = self.client.config.clock.now();
        let ttl = grant
            .expires_in
            .map_or(SHORT_LIVED_TTL, Duration::from_secs);
        Ok(Token {
            access_token: AccessToken::new(grant.access_token),
            kind: TokenKind::ShortLived,
            user_id: Some(IgUserId::new(grant.user_id)),
            permissions: grant.permissions,
            issued_at,
            expires_at: expiry(issued_at, ttl),
        })
    }

    /// Exchanges a short-lived token for a long-lived one (60 days).
    ///
    /// # Errors
    /// Any [`Error`]; an invalid token is [`Error::TokenInvalid`].
    pub async fn exchange_long_lived(&self, short: &Token) -> Result<Token, Error> {
        let query = [
            ("grant_type", "ig_exchange_token"),
            ("client_secret", self.credentials.client_secret()),
            ("access_token", short.access_token.expose()),
        ];
        self.long_lived_call("access_token", &query, short).await
    }

    /// Refreshes a long-lived token, after checking Instagram's rule locally
    /// (the minimum age comes from [`crate::ConfigBuilder::refresh_min_age`]).
    ///
    /// # Errors
    /// [`Error::RefreshNotAllowed`] before any request when the rule fails;
    /// otherwise any [`Error`].
    pub async fn refresh(&self, token: &Token) -> Result<Token, Error> {
        token.check_refresh(
            self.client.config.clock.now(),
            self.client.config.refresh_min_age,
        )?;
        let query = [
            ("grant_type", "ig_refresh_token"),
            ("access_token", token.access_token.expose()),
        ];
        self.long_lived_call("refresh_access_token", &query, token)
            .await
    }

    async fn long_lived_call(
        &self,
        path: &str,
        query: &[(&str, &str)],
        from: &Token,
    ) -> Result<Token, Error> {
        // Unversioned, as documented; the token is in the query, so errors
        // drop the URL (see `Error::network`).
        let url = self.client.graph_url(&[path], false);
        let body = self
            .client
            .send(self.client.http.get(url).query(query), None)
            .await?;
        let parsed: LongLivedBody = parse_token_body(&body)?;
        let issued_at = self.client.config.clock.now();
        let ttl = Duration::from_secs(parsed.expires_in.unwrap_or(60 * 24 * 3600));
        Ok(Token {
            access_token: AccessToken::new(parsed.access_token),
            kind: TokenKind::LongLived,
            user_id: from.user_id.clone(),
            permissions: from.permissions.clone(),
            issued_at,
            expires_at: expiry(issued_at, ttl),
        })
    }

    /// Verifies a deauthorize or data-deletion `signed_request`.
    ///
    /// # Errors
    /// [`Error::InvalidSignedRequest`].
    pub fn verify_signed_request(
        &self,
        signed_request: &str,
    ) -> Result<crate::SignedRequest, Error> {
        crate::signed_request::verify(signed_request, &self.credentials)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn long(issued_at: Timestamp, permissions: &[&str]) -> Token {
        let mut token = Token::new(
            AccessToken::new("IGAAx"),
            TokenKind::LongLived,
            issued_at,
            issued_at + Duration::from_secs(60 * 24 * 3600),
        );
        token.permissions = permissions.iter().map(|p| (*p).to_owned()).collect();
        token
    }

    #[test]
    fn refresh_rule() {
        let day = Duration::from_secs(24 * 3600);
        let issued = at("2026-01-01T00:00:00Z");
        let token = long(issued, &["instagram_business_basic"]);
        assert!(
            token
                .check_refresh(issued + Duration::from_secs(3600), day)
                .is_err()
        );
        assert!(token.check_refresh(issued + day, day).is_ok());
        assert!(token.check_refresh(issued + day * 61, day).is_err());
        let no_basic = long(issued, &["instagram_business_content_publish"]);
        assert!(no_basic.check_refresh(issued + day * 2, day).is_err());
        assert!(
            long(issued, &[])
                .check_refresh(issued + day * 2, day)
                .is_ok()
        );
        let mut short = long(issued, &[]);
        short.kind = TokenKind::ShortLived;
        assert!(short.check_refresh(issued + day * 2, day).is_err());

        assert!(!token.refresh_due(issued + day * 2, day, day * 7));
        assert!(token.refresh_due(issued + day * 54, day, day * 7));
    }

    #[test]
    fn code_exchange_accepts_both_shapes() {
        let wrapped: CodeExchangeBody = serde_json::from_str(
            r#"{"data":[{"access_token":"IGAA1","user_id":"1020","permissions":"instagram_business_basic,instagram_business_content_publish"}]}"#,
        )
        .unwrap();
        let CodeExchangeBody::Wrapped { data } = wrapped else {
            panic!("wrapped")
        };
        assert_eq!(data[0].permissions.len(), 2);
        let flat: CodeExchangeBody = serde_json::from_str(
            r#"{"access_token":"IGAA1","user_id":1020,"permissions":["instagram_business_basic"]}"#,
        )
        .unwrap();
        let CodeExchangeBody::Flat(grant) = flat else {
            panic!("flat")
        };
        assert_eq!(grant.user_id, "1020");
        assert_eq!(grant.permissions, vec!["instagram_business_basic"]);
    }

    #[test]
    fn redirect_parsing() {
        let ok = Url::parse("http://127.0.0.1:1/cb?code=AQBx&state=s1#_").unwrap();
        assert_eq!(
            OAuth::code_from_redirect(&ok, "s1").unwrap().secret(),
            "AQBx"
        );
        assert!(matches!(
            OAuth::code_from_redirect(&ok, "s2"),
            Err(Error::StateMismatch)
        ));
        let denied = Url::parse(
            "http://127.0.0.1:1/cb?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request&state=s1",
        )
        .unwrap();
        assert!(matches!(
            OAuth::code_from_redirect(&denied, "s1"),
            Err(Error::AuthorizationDenied { ref error, .. }) if error == "access_denied"
        ));
    }

    #[test]
    fn a_token_answer_that_fails_to_parse_never_quotes_a_value() {
        let body = br#"{"access_token":"IGQVJtoken-0123456789abcdef","expires_in":"IGQVJtoken-0123456789abcdef"}"#;
        let Err(error) = parse_token_body::<LongLivedBody>(body) else {
            panic!("a string expiry parsed")
        };
        let mut shown = format!("{error:?} {error}");
        let mut source = std::error::Error::source(&error);
        while let Some(e) = source {
            shown.push_str(&e.to_string());
            source = e.source();
        }
        assert!(!shown.contains("IGQVJtoken"), "{shown}");
        assert!(shown.contains("line 1 column"), "{shown}");
    }

    #[test]
    fn token_debug_is_redacted() {
        let token = long(at("2026-01-01T00:00:00Z"), &[]);
        assert!(!format!("{token:?}").contains("IGAAx"));
    }
}
