//! The loopback listener that receives an OAuth redirect.
//!
//! `xpost link` sends the browser to a platform's consent page with a
//! `redirect_uri` of `http://127.0.0.1:PORT/callback`, where this listener
//! waits. It binds the loopback interface only, on a port the system picks, and
//! is single use: the first request to `/callback` that carries `code` or
//! `error` ends the wait; every other path answers 404 and the wait goes on.
//! The `state` parameter is compared in constant time here, before anything
//! else reads the query, so a forged redirect never reaches a code exchange.
//!
//! The HTTP it speaks is the smallest part of HTTP/1.1 a browser needs: one
//! `GET` request line, headers up to a fixed size, one response, then the
//! connection is closed. The page it answers with says what happened and never
//! contains the code, the state or a token.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::error::CliError;

/// The most a request line and its headers may take.
const MAX_HEAD: usize = 8 * 1024;

/// How long one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A bound loopback listener waiting for one OAuth redirect.
#[derive(Debug)]
pub struct CallbackListener {
    listener: TcpListener,
    addr: SocketAddr,
}

/// What the redirect said, once its `state` was checked. `Debug` never shows
/// the redirect URL, which carries the code.
pub enum Redirect {
    /// Consent was given: the redirect URL, to read the code from.
    Code(url::Url),
    /// The user or the platform refused (`error` and `error_description`).
    Denied(String),
    /// The `state` parameter is missing or is not the one sent.
    StateMismatch,
}

impl std::fmt::Debug for Redirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Redirect::Code(_) => f.write_str("Code(<redacted>)"),
            Redirect::Denied(why) => f.debug_tuple("Denied").field(why).finish(),
            Redirect::StateMismatch => f.write_str("StateMismatch"),
        }
    }
}

/// One redirect request, still waiting for its answer page.
#[derive(Debug)]
pub struct Callback {
    /// What the redirect carried.
    pub redirect: Redirect,
    stream: TcpStream,
}

/// What the browser is told at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The account `@username` on `platform` is linked.
    Linked {
        /// `Instagram` or `X`.
        platform: String,
        /// The handle, without `@`.
        username: String,
    },
    /// Consent was refused.
    Denied,
    /// The redirect did not carry the `state` this flow sent.
    StateMismatch,
    /// The code exchange or a later step failed; the terminal has the cause.
    Failed,
}

impl CallbackListener {
    /// Binds `127.0.0.1` on a free port.
    ///
    /// # Errors
    /// [`CliError::Input`] when no loopback port can be bound.
    pub async fn bind() -> Result<Self, CliError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| CliError::Input(format!("cannot listen on 127.0.0.1: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| CliError::Input(format!("cannot read the listener's address: {e}")))?;
        Ok(Self { listener, addr })
    }

    /// The `redirect_uri` to register for this flow.
    pub fn redirect_uri(&self) -> String {
        format!("http://{}/callback", self.addr)
    }

    /// Waits for the redirect, answering 404 to every other request, and
    /// checks its `state` against `expected`.
    ///
    /// # Errors
    /// [`CliError::Input`] when the listener itself fails.
    pub async fn wait(&self, expected: &str) -> Result<Callback, CliError> {
        self.wait_for(|url, _| classify_url(url, expected)).await
    }

    /// Waits for an OAuth 1.0a redirect (`oauth_token` and `oauth_verifier`, or
    /// `denied`), answering 404 to every other request; the request token plays
    /// the part of `state` and must be `request_token`.
    ///
    /// # Errors
    /// [`CliError::Input`] when the listener itself fails.
    pub async fn wait_oauth1(&self, request_token: &str) -> Result<Callback, CliError> {
        self.wait_for(|url, param| {
            if let Some(denied) = param("denied") {
                return Some(if same(denied.as_bytes(), request_token.as_bytes()) {
                    Redirect::Denied("the authorization was declined".into())
                } else {
                    Redirect::StateMismatch
                });
            }
            let token = param("oauth_token")?;
            param("oauth_verifier")?;
            Some(if same(token.as_bytes(), request_token.as_bytes()) {
                Redirect::Code(url.clone())
            } else {
                Redirect::StateMismatch
            })
        })
        .await
    }

    /// Accepts requests until `classify` recognises one as the redirect.
    async fn wait_for(
        &self,
        classify: impl Fn(&url::Url, &dyn Fn(&str) -> Option<String>) -> Option<Redirect>,
    ) -> Result<Callback, CliError> {
        loop {
            let (mut stream, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| CliError::Input(format!("the callback listener failed: {e}")))?;
            let target = match tokio::time::timeout(READ_TIMEOUT, read_target(&mut stream)).await {
                Ok(Ok(target)) => target,
                Ok(Err(status)) => {
                    let _ = respond(&mut stream, status, "Bad request", "").await;
                    continue;
                }
                Err(_) => continue,
            };
            let Some(url) = url::Url::parse(&format!("http://{}{target}", self.addr))
                .ok()
                .filter(|u| u.path() == "/callback")
            else {
                let _ = respond(&mut stream, "404 Not Found", "Not found", "").await;
                continue;
            };
            let param = |name: &str| {
                url.query_pairs()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
            };
            match classify(&url, &param) {
                Some(redirect) => return Ok(Callback { redirect, stream }),
                None => {
                    let _ = respond(&mut stream, "404 Not Found", "Not found", "").await;
                }
            }
        }
    }
}

impl Callback {
    /// Answers the browser with the page for `outcome` and closes the connection.
    pub async fn answer(mut self, outcome: &Outcome) {
        let status = match outcome {
            Outcome::StateMismatch => "400 Bad Request",
            Outcome::Linked { .. } | Outcome::Denied | Outcome::Failed => "200 OK",
        };
        let (title, body) = page(outcome);
        let _ = respond(&mut self.stream, status, &title, &body).await;
    }
}

/// Reads the request head and answers the request target of a `GET`, or the
/// status line to refuse it with.
async fn read_target(stream: &mut TcpStream) -> Result<String, &'static str> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return Err("431 Request Header Fields Too Large");
        }
        let n = stream.read(&mut buf).await.map_err(|_| "400 Bad Request")?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    request_target(&head).map(str::to_owned)
}

/// The request target of a request head that starts with a `GET` line, or the
/// status line to refuse the request with.
///
/// # Errors
/// The status line: 405 for another method, 400 for anything unreadable.
pub fn request_target(head: &[u8]) -> Result<&str, &'static str> {
    let line = head
        .split(|&b| b == b'\r' || b == b'\n')
        .next()
        .and_then(|l| std::str::from_utf8(l).ok())
        .ok_or("400 Bad Request")?;
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Ok(target),
        (Some(_), Some(_)) => Err("405 Method Not Allowed"),
        _ => Err("400 Bad Request"),
    }
}

/// What a request for `target` on the listener at `addr` says: `None` when it
/// is not the redirect (another path, or neither `code` nor `error`), else the
/// redirect, its `state` compared with `expected` before anything else.
pub fn classify(addr: SocketAddr, target: &str, expected: &str) -> Option<Redirect> {
    let url = url::Url::parse(&format!("http://{addr}{target}"))
        .ok()
        .filter(|u| u.path() == "/callback")?;
    classify_url(&url, expected)
}

/// The OAuth 2.0 redirect that `url` (already known to be the callback path)
/// carries, if any: `state` is compared with `expected` before anything else.
fn classify_url(url: &url::Url, expected: &str) -> Option<Redirect> {
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let (code, error) = (param("code"), param("error"));
    if code.is_none() && error.is_none() {
        return None;
    }
    let state_ok = param("state").is_some_and(|s| same(s.as_bytes(), expected.as_bytes()));
    Some(if !state_ok {
        Redirect::StateMismatch
    } else if let Some(error) = error {
        Redirect::Denied(match param("error_description") {
            Some(d) if !d.is_empty() => format!("{error}: {d}"),
            _ => error,
        })
    } else {
        Redirect::Code(url.clone())
    })
}

/// Writes one complete HTML response and shuts the connection down.
async fn respond(
    stream: &mut TcpStream,
    status: &str,
    title: &str,
    body: &str,
) -> std::io::Result<()> {
    let html = html(title, body);
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{html}",
        html.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Compares two byte strings in time that depends on their lengths only.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The title and the message for `outcome`.
pub fn page(outcome: &Outcome) -> (String, String) {
    match outcome {
        Outcome::Linked { platform, username } => (
            "Linked".into(),
            format!(
                "Linked {} as @{}. You can close this window.",
                escape(platform),
                escape(username)
            ),
        ),
        Outcome::Denied => (
            "Not linked".into(),
            "Consent was refused, so nothing was linked. Run xpost link again to retry.".into(),
        ),
        Outcome::StateMismatch => (
            "Not linked".into(),
            "This answer does not belong to the login xpost started (state mismatch), so it was ignored and nothing was linked.".into(),
        ),
        Outcome::Failed => (
            "Not linked".into(),
            "Linking failed; the terminal running xpost says why.".into(),
        ),
    }
}

/// A whole self-contained page.
fn html(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>xpost: {t}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
         <h1>xpost: {t}</h1><p>{body}</p></body></html>",
        t = escape(title)
    )
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    async fn get(uri: &str, target: &str) -> String {
        let addr = uri
            .trim_start_matches("http://")
            .trim_end_matches("/callback")
            .to_owned();
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn the_page_never_shows_the_code_or_state() {
        let listener = CallbackListener::bind().await.unwrap();
        let uri = listener.redirect_uri();
        assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
        let browser = tokio::spawn({
            let uri = uri.clone();
            async move {
                let other = get(&uri, "/favicon.ico").await;
                assert!(other.starts_with("HTTP/1.1 404"), "{other}");
                let empty = get(&uri, "/callback").await;
                assert!(empty.starts_with("HTTP/1.1 404"), "{empty}");
                get(&uri, "/callback?code=SECRET-CODE-123&state=STATE-456").await
            }
        });
        let callback = listener.wait("STATE-456").await.unwrap();
        let Redirect::Code(url) = &callback.redirect else {
            panic!("{:?}", callback.redirect)
        };
        assert!(url.as_str().contains("SECRET-CODE-123"));
        assert!(!format!("{callback:?}").contains("SECRET-CODE-123"));
        callback
            .answer(&Outcome::Linked {
                platform: "X".into(),
                username: "<bob>".into(),
            })
            .await;
        let page = browser.await.unwrap();
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("@&lt;bob&gt;"), "{page}");
        assert!(!page.contains("SECRET-CODE-123"), "{page}");
        assert!(!page.contains("STATE-456"), "{page}");
    }

    #[tokio::test]
    async fn a_wrong_state_and_a_denial_are_told_apart() {
        let listener = CallbackListener::bind().await.unwrap();
        let uri = listener.redirect_uri();
        let browser = tokio::spawn({
            let uri = uri.clone();
            async move { get(&uri, "/callback?code=C&state=forged").await }
        });
        let callback = listener.wait("expected").await.unwrap();
        assert!(matches!(callback.redirect, Redirect::StateMismatch));
        callback.answer(&Outcome::StateMismatch).await;
        let page = browser.await.unwrap();
        assert!(page.starts_with("HTTP/1.1 400"), "{page}");
        assert!(page.contains("state mismatch"), "{page}");

        let browser = tokio::spawn(async move {
            get(
                &uri,
                "/callback?error=access_denied&error_description=no&state=expected",
            )
            .await
        });
        let callback = listener.wait("expected").await.unwrap();
        match &callback.redirect {
            Redirect::Denied(why) => assert_eq!(why, "access_denied: no"),
            other => panic!("{other:?}"),
        }
        callback.answer(&Outcome::Denied).await;
        assert!(browser.await.unwrap().contains("refused"));
    }

    #[test]
    fn comparison_needs_equal_bytes() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }
}
