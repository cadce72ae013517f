//! Instagram token checks and the per-account call budget.

use axum::http::HeaderMap;
use axum::response::Response;

use crate::http::{bearer, parse_pairs};
use crate::respond::{self, GraphError};
use crate::state::{Platform, Revocation, Shared, Token, Window};

/// The token from `access_token=` or a Bearer header.
pub fn token_of(query: Option<&str>, headers: &HeaderMap) -> Option<String> {
    query
        .and_then(|q| parse_pairs(q).remove("access_token"))
        .filter(|t| !t.is_empty())
        .or_else(|| bearer(headers))
}

/// Graph's "Session has expired on …" date, in Pacific time as Meta writes it (`PDT` in
/// summer, `PST` in winter).
fn pacific(ms: i64) -> String {
    let Ok(tz) = jiff::tz::TimeZone::get("America/Los_Angeles") else {
        return String::new();
    };
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(tz)
                .strftime("%A, %d-%b-%y %H:%M:%S %Z")
                .to_string()
        })
        .unwrap_or_default()
}

/// Checks an Instagram access token; the error is the Graph 190 answer to send.
pub fn check_token(shared: &Shared, token: Option<&str>) -> Result<Token, GraphError> {
    let now = shared.clock.now_ms();
    let invalid = || {
        GraphError::oauth(
            190,
            "Invalid OAuth access token - Cannot parse access token",
        )
    };
    let Some(token) = token else {
        return Err(GraphError::oauth(
            104,
            "An access token is required to request this resource.",
        ));
    };
    let world = shared.world();
    let Some(t) = world
        .tokens
        .get(token)
        .filter(|t| t.platform == Platform::Instagram)
    else {
        return Err(invalid());
    };
    match t.revoked {
        Some(Revocation::PasswordChanged) => {
            return Err(GraphError::oauth(
                190,
                "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
            )
            .subcode(460));
        }
        Some(Revocation::AppRemoved) => {
            return Err(GraphError::oauth(
                190,
                format!(
                    "Error validating access token: The user has not authorized application {}.",
                    shared.config.client_id
                ),
            )
            .subcode(458));
        }
        Some(_) => return Err(invalid()),
        None => {}
    }
    if let Some(exp) = t.expires_ms {
        if now >= exp {
            return Err(GraphError::oauth(
                190,
                format!(
                    "Error validating access token: Session has expired on {}. The current time is {}.",
                    pacific(exp),
                    pacific(now)
                ),
            )
            .subcode(463));
        }
    }
    Ok(t.clone())
}

/// Outcome of counting one call against the account's hourly budget.
pub enum Budget {
    /// Allowed; usage percent and minutes to regain (0).
    Ok(u32),
    /// Throttled: the answer to send.
    Throttled(Response),
}

/// Counts a call for `user_id`. Calls made while throttled extend the block by a minute,
/// as Meta documents that they keep adding to the count.
pub fn spend(shared: &Shared, user_id: &str) -> Budget {
    let now_s = shared.clock.now_s();
    let budget = shared.config.ig_hourly_calls;
    let mut world = shared.world();
    let usage = world.ig_usage.entry(user_id.to_owned()).or_default();
    if usage.blocked_until_s > now_s {
        usage.blocked_until_s = (usage.blocked_until_s + 60).min(now_s + 86_400);
        let wait = usage.blocked_until_s - now_s;
        drop(world);
        return Budget::Throttled(respond::ig_throttled(user_id, wait, shared.clock.now_ms()));
    }
    if now_s >= usage.window.reset_s {
        usage.window = Window {
            reset_s: now_s + 3600,
            used: 0,
        };
    }
    usage.window.used += 1;
    if usage.window.used > budget {
        usage.blocked_until_s = usage.window.reset_s;
        let wait = usage.blocked_until_s - now_s;
        drop(world);
        return Budget::Throttled(respond::ig_throttled(user_id, wait, shared.clock.now_ms()));
    }
    Budget::Ok(usage.window.used.saturating_mul(100) / budget)
}

#[cfg(test)]
mod tests {
    use super::pacific;

    #[test]
    fn expiry_dates_follow_pacific_daylight_saving() {
        // 2024-05-01T12:00:00Z and 2024-01-15T12:00:00Z.
        assert_eq!(
            pacific(1_714_564_800_000),
            "Wednesday, 01-May-24 05:00:00 PDT"
        );
        assert_eq!(pacific(1_705_320_000_000), "Monday, 15-Jan-24 04:00:00 PST");
    }
}
