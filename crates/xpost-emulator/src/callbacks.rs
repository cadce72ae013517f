//! Meta's app callbacks, sent on request: deauthorize and data deletion.
//!
//! A real Instagram app is told by Meta when a user removes it (deauthorize)
//! or asks for their data to be deleted, by a form-encoded `POST` carrying a
//! `signed_request`: `<b64url(HMAC-SHA256(payload))>.<b64url(payload)>`, keyed
//! with the app secret. The emulator signs that value with its own app secret
//! and delivers it to a URL the test names, so an app's callback routes can be
//! exercised end to end. Deliveries go to loopback addresses only: the
//! emulator never reaches beyond the machine it runs on.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use hyper_util::rt::TokioIo;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::EmulatorError;
use crate::state::{Platform, Revocation, Shared};

/// How long one delivery may take, connection to last byte.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The most of the callback's answer kept.
const MAX_ANSWER: usize = 64 * 1024;

/// Which callback Meta sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackKind {
    /// The user removed the app: its tokens no longer work.
    Deauthorize,
    /// The user asked for the data the app holds about them to be deleted.
    DataDeletion,
}

/// What the app's callback answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text (lossy UTF-8, at most 64 KiB).
    pub body: String,
}

/// The `signed_request` Meta would send about `user_id`, issued at `issued_at` (Unix seconds).
pub(crate) fn signed_request(secret: &str, user_id: &str, issued_at: i64) -> String {
    let payload = serde_json::json!({
        "algorithm": "HMAC-SHA256",
        "issued_at": issued_at,
        "user_id": user_id,
    });
    let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(payload.as_bytes());
    format!(
        "{}.{payload}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// The loopback address and request target of `url`, or why it cannot be used.
fn loopback_target(url: &str) -> Result<(SocketAddr, String, String), EmulatorError> {
    let bad = |why: &str| EmulatorError::BadInput(format!("callback url {url:?}: {why}"));
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| bad("only http:// loopback URLs are allowed"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = authority
        .rsplit_once(':')
        .ok_or_else(|| bad("give an explicit port"))?;
    let port: u16 = port.parse().map_err(|_| bad("the port is not a number"))?;
    let ip: IpAddr = match host {
        "localhost" => IpAddr::from([127, 0, 0, 1]),
        h => h
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| bad("the host must be a loopback address"))?,
    };
    if !ip.is_loopback() {
        return Err(bad("the host must be a loopback address"));
    }
    Ok((
        SocketAddr::new(ip, port),
        authority.to_owned(),
        path.to_owned(),
    ))
}

/// Signs a `kind` callback about `user_id` and POSTs it to `url`; for a
/// deauthorize, the user's Instagram tokens stop working first, as they do on
/// Instagram once the app is removed.
pub(crate) async fn send(
    shared: &Shared,
    kind: CallbackKind,
    user_id: &str,
    url: &str,
) -> Result<CallbackAnswer, EmulatorError> {
    if user_id.is_empty() || !user_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(EmulatorError::BadInput(format!(
            "user_id {user_id:?}: an Instagram user id is letters and digits"
        )));
    }
    let (addr, authority, path) = loopback_target(url)?;
    if kind == CallbackKind::Deauthorize {
        // As on Instagram: once the user removed the app, its tokens fail.
        let mut world = shared.world();
        if !world.ig_accounts.contains_key(user_id) {
            return Err(EmulatorError::NotFound {
                what: "instagram account",
                id: user_id.to_owned(),
            });
        }
        for t in world.tokens.values_mut() {
            if t.platform == Platform::Instagram && t.user_id == user_id && t.revoked.is_none() {
                t.revoked = Some(Revocation::AppRemoved);
            }
        }
    }
    let issued_at = shared.clock.now_ms() / 1000;
    let signed = signed_request(
        shared.config.client_secret.expose_secret(),
        user_id,
        issued_at,
    );
    let body = format!("signed_request={signed}");
    deliver(addr, &authority, &path, body, kind)
        .await
        .map_err(|why| EmulatorError::BadInput(format!("callback to {url} failed: {why}")))
}

/// One HTTP/1.1 POST with a bounded time and answer size.
async fn deliver(
    addr: SocketAddr,
    authority: &str,
    path: &str,
    body: String,
    kind: CallbackKind,
) -> Result<CallbackAnswer, String> {
    let work = async {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(connection);
        let request = axum::http::Request::post(path)
            .header(axum::http::header::HOST, authority)
            .header(
                axum::http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(
                "x-emulator-callback",
                match kind {
                    CallbackKind::Deauthorize => "deauthorize",
                    CallbackKind::DataDeletion => "data_deletion",
                },
            )
            .body(Body::from(body))
            .map_err(|e| format!("bad request: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(Body::new(response.into_body()), MAX_ANSWER)
            .await
            .map_err(|e| format!("unreadable answer: {e}"))?;
        Ok(CallbackAnswer {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    };
    tokio::time::timeout(DELIVERY_TIMEOUT, work)
        .await
        .map_err(|_| format!("no answer within {} s", DELIVERY_TIMEOUT.as_secs()))?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_loopback_urls_are_accepted() {
        let (addr, authority, path) =
            loopback_target("http://127.0.0.1:8080/callbacks/instagram/deauthorize").unwrap();
        assert_eq!(addr.port(), 8080);
        assert_eq!(authority, "127.0.0.1:8080");
        assert_eq!(path, "/callbacks/instagram/deauthorize");
        assert!(loopback_target("http://localhost:9/").is_ok());
        assert!(loopback_target("http://[::1]:9/x").is_ok());
        for bad in [
            "https://127.0.0.1:9/",
            "http://example.com:80/",
            "http://10.0.0.1:80/",
            "http://127.0.0.1/",
        ] {
            assert!(loopback_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn signature_matches_an_independent_vector() {
        // The same vector ig-client checks: key "secret", payload without issued_at.
        let payload = URL_SAFE_NO_PAD.encode(br#"{"algorithm":"HMAC-SHA256","user_id":"42"}"#);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(payload.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert_eq!(sig, "n6MsaRFMwEJYU9u41vCy-z-JG1PBzE0BgXlUCKO3CO0");
        let signed = signed_request("secret", "42", 7);
        let (_, body) = signed.split_once('.').unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap();
        assert_eq!(json["user_id"], "42");
        assert_eq!(json["issued_at"], 7);
    }
}
