//! What every store writes the same way: timestamps as integer microseconds,
//! records as JSON, unit enums by name, and credentials sealed with the store's
//! [`SealingKey`] bound to their link and side. One format, so that the SQLite and
//! PostgreSQL stores read each other's values and seal alike.

use crate::{Credentials, LinkId, OAuth1Token, SealingKey, Secret, Side, StoreError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A timestamp as stored: integer microseconds since the epoch.
pub fn micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

/// A stored microsecond timestamp read back.
pub fn from_micros(what: &str, value: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(value).map_err(|e| StoreError::Corrupt {
        what: what.into(),
        message: e.to_string(),
    })
}

/// The name of a unit enum value as it serializes (`"posted"` → `posted`), for
/// the columns that queries filter on.
pub fn name<T: Serialize>(what: &str, value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        _ => Err(StoreError::Corrupt {
            what: what.into(),
            message: "does not serialize as a name".into(),
        }),
    }
}

/// A unit enum value read back from its name column (the inverse of [`name`]).
pub fn from_name<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|e| {
        StoreError::Corrupt {
            what: what.into(),
            message: e.to_string(),
        }
    })
}

/// A counter as a signed 64-bit column (saturating: no platform counts that high).
pub fn count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A counter column read back (a negative value, written by hand, reads as 0).
pub fn uncount(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Maps an error reading a stored value back (an id, say) to
/// [`StoreError::Corrupt`] naming `what`.
pub fn corrupt<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> StoreError {
    move |e| StoreError::Corrupt {
        what: what.into(),
        message: e.to_string(),
    }
}

/// A value as its JSON column.
pub fn to_json<T: Serialize>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt {
        what: what.into(),
        message: e.to_string(),
    })
}

/// A JSON column read back.
pub fn from_json<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        what: what.into(),
        message: e.to_string(),
    })
}

/// The plaintext of sealed credentials. Only ever serialized straight into
/// [`SealingKey::seal`], so the tokens exist in the clear only in memory.
#[derive(Serialize, Deserialize)]
struct CredentialsPlain {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<Timestamp>,
    scopes: Vec<String>,
    obtained_at: Timestamp,
}

/// The associated data binding sealed credentials to their row.
fn context(link: &LinkId, side: Side) -> Vec<u8> {
    format!("credentials/{link}/{side}").into_bytes()
}

/// Seals credentials for `link`'s `side`.
pub fn seal_credentials(
    key: &SealingKey,
    link: &LinkId,
    side: Side,
    credentials: &Credentials,
) -> Result<Vec<u8>, StoreError> {
    let plain = CredentialsPlain {
        access_token: credentials.access_token.expose().to_owned(),
        refresh_token: credentials
            .refresh_token
            .as_ref()
            .map(|r| r.expose().to_owned()),
        expires_at: credentials.expires_at,
        scopes: credentials.scopes.clone(),
        obtained_at: credentials.obtained_at,
    };
    let json = serde_json::to_vec(&plain).map_err(|e| StoreError::Corrupt {
        what: "credentials".into(),
        message: e.to_string(),
    })?;
    Ok(key.seal(&json, &context(link, side)))
}

/// Opens sealed credentials of `link`'s `side`.
pub fn open_credentials(
    key: &SealingKey,
    link: &LinkId,
    side: Side,
    sealed: &[u8],
) -> Result<Credentials, StoreError> {
    let json = key
        .open(sealed, &context(link, side))
        .map_err(|e| StoreError::WrongKey {
            reason: format!("credentials of link {link} ({side}): {e}"),
        })?;
    let plain: CredentialsPlain =
        serde_json::from_slice(&json).map_err(|e| StoreError::Corrupt {
            what: format!("credentials of link {link} ({side})"),
            // Never the serde message: it may quote a value, and values are tokens.
            message: format!("{:?} error at column {}", e.classify(), e.column()),
        })?;
    Ok(Credentials {
        access_token: Secret::new(plain.access_token),
        refresh_token: plain.refresh_token.map(Secret::new),
        expires_at: plain.expires_at,
        scopes: plain.scopes,
        obtained_at: plain.obtained_at,
    })
}

/// The plaintext of a sealed OAuth 1.0a token, serialized only into
/// [`SealingKey::seal`].
#[derive(Serialize, Deserialize)]
struct OAuth1Plain {
    token: String,
    token_secret: String,
    user_id: Option<String>,
    screen_name: Option<String>,
    obtained_at: Timestamp,
}

/// The associated data binding a sealed OAuth 1.0a token to its link.
fn oauth1_context(link: &LinkId) -> Vec<u8> {
    format!("oauth1/{link}").into_bytes()
}

/// Seals `link`'s OAuth 1.0a token.
pub fn seal_oauth1(
    key: &SealingKey,
    link: &LinkId,
    token: &OAuth1Token,
) -> Result<Vec<u8>, StoreError> {
    let plain = OAuth1Plain {
        token: token.token.expose().to_owned(),
        token_secret: token.token_secret.expose().to_owned(),
        user_id: token.user_id.clone(),
        screen_name: token.screen_name.clone(),
        obtained_at: token.obtained_at,
    };
    let json = serde_json::to_vec(&plain).map_err(|e| StoreError::Corrupt {
        what: "OAuth 1.0a token".into(),
        message: e.to_string(),
    })?;
    Ok(key.seal(&json, &oauth1_context(link)))
}

/// Opens `link`'s sealed OAuth 1.0a token.
pub fn open_oauth1(
    key: &SealingKey,
    link: &LinkId,
    sealed: &[u8],
) -> Result<OAuth1Token, StoreError> {
    let json = key
        .open(sealed, &oauth1_context(link))
        .map_err(|e| StoreError::WrongKey {
            reason: format!("OAuth 1.0a token of link {link}: {e}"),
        })?;
    let plain: OAuth1Plain = serde_json::from_slice(&json).map_err(|e| StoreError::Corrupt {
        what: format!("OAuth 1.0a token of link {link}"),
        // Never the serde message: it may quote a value, and values are tokens.
        message: format!("{:?} error at column {}", e.classify(), e.column()),
    })?;
    Ok(OAuth1Token {
        token: Secret::new(plain.token),
        token_secret: Secret::new(plain.token_secret),
        user_id: plain.user_id,
        screen_name: plain.screen_name,
        obtained_at: plain.obtained_at,
    })
}
