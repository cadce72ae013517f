//! X bearer-token checks, scope enforcement and per-user / per-app rate windows.

use axum::http::HeaderMap;
use axum::response::Response;

use crate::http::bearer;
use crate::respond::{self, set_rate_headers};
use crate::state::{Platform, Shared, TokenKind, Window};

/// A rate-limited X endpoint and its ceilings.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// Key for the window map.
    pub name: &'static str,
    /// Scopes the token must hold.
    pub scopes: &'static [&'static str],
    /// Per-user calls per window (`0`: the configured post limit).
    pub user_limit: u32,
    /// Whether the app-wide 24-hour post ceiling applies too.
    pub app_24h: bool,
}

const READ: &[&str] = &["tweet.read", "users.read"];
const WRITE: &[&str] = &["tweet.read", "tweet.write", "users.read"];
const MEDIA: &[&str] = &["media.write"];

/// `POST /2/tweets`.
pub const CREATE: Endpoint = Endpoint {
    name: "POST /2/tweets",
    scopes: WRITE,
    user_limit: 0,
    app_24h: true,
};
/// `DELETE /2/tweets/:id`.
pub const DELETE: Endpoint = Endpoint {
    name: "DELETE /2/tweets/:id",
    scopes: WRITE,
    user_limit: 50,
    app_24h: false,
};
/// `GET /2/tweets`.
pub const LOOKUP: Endpoint = Endpoint {
    name: "GET /2/tweets",
    scopes: READ,
    user_limit: 5000,
    app_24h: false,
};
/// `GET /2/users/me`.
pub const ME: Endpoint = Endpoint {
    name: "GET /2/users/me",
    scopes: READ,
    user_limit: 75,
    app_24h: false,
};
/// `PUT /2/users/me` and its profile image.
pub const UPDATE_ME: Endpoint = Endpoint {
    name: "PUT /2/users/me",
    scopes: WRITE,
    user_limit: 50,
    app_24h: false,
};
/// `GET /2/users/:id/tweets`.
pub const TIMELINE: Endpoint = Endpoint {
    name: "GET /2/users/:id/tweets",
    scopes: READ,
    user_limit: 900,
    app_24h: false,
};
/// `POST /2/media/upload`.
pub const UPLOAD: Endpoint = Endpoint {
    name: "POST /2/media/upload",
    scopes: MEDIA,
    user_limit: 500,
    app_24h: false,
};
/// `GET /2/media/upload` (status).
pub const STATUS: Endpoint = Endpoint {
    name: "GET /2/media/upload",
    scopes: MEDIA,
    user_limit: 1000,
    app_24h: false,
};
/// `initialize`, `append`, `finalize`.
pub const CHUNKED: Endpoint = Endpoint {
    name: "POST /2/media/upload/chunked",
    scopes: MEDIA,
    user_limit: 1875,
    app_24h: false,
};
/// `POST /2/media/metadata`.
pub const METADATA: Endpoint = Endpoint {
    name: "POST /2/media/metadata",
    scopes: MEDIA,
    user_limit: 500,
    app_24h: false,
};

/// The per-user ceiling an injected 429 should report for a real path.
pub fn limit_hint(shared: &Shared, real_path: &str) -> u32 {
    if real_path.starts_with("/2/tweets") {
        shared.config.x_post_limit
    } else if real_path.starts_with("/2/users/me") {
        ME.user_limit
    } else if real_path.starts_with("/2/media") {
        UPLOAD.user_limit
    } else {
        TIMELINE.user_limit
    }
}

/// What a successful check leaves for the handler: the caller and the headers to send.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's account.
    pub user_id: String,
    limit: u32,
    remaining: u32,
    reset_s: i64,
    app: Option<(u32, u32, i64)>,
}

impl Caller {
    /// Adds `x-rate-limit-*` (and the 24-hour app headers where they apply).
    pub fn decorate(&self, mut resp: Response) -> Response {
        let h = resp.headers_mut();
        set_rate_headers(h, "x-rate-limit", self.limit, self.remaining, self.reset_s);
        if let Some((limit, remaining, reset)) = self.app {
            set_rate_headers(h, "x-app-limit-24hour", limit, remaining, reset);
        }
        resp
    }
}

const FIFTEEN_MIN: i64 = 900;
const DAY: i64 = 86_400;

fn tick(w: &mut Window, now_s: i64, len: i64) {
    if now_s >= w.reset_s {
        *w = Window {
            reset_s: now_s + len,
            used: 0,
        };
    }
}

/// Runs `handle` for an authorized caller and adds the rate headers to its answer;
/// without authorization, answers as [`authorize`] does.
pub fn guarded(
    shared: &Shared,
    headers: &HeaderMap,
    ep: Endpoint,
    handle: impl FnOnce(&Caller) -> Response,
) -> Response {
    match authorize(shared, headers, ep) {
        Ok(caller) => caller.decorate(handle(&caller)),
        Err(resp) => *resp,
    }
}

/// Checks the bearer token, its scopes and the rate windows, counting the call.
///
/// # Errors
/// The answer to send instead: 401, 403 not permitted, or 429 with headers.
pub fn authorize(
    shared: &Shared,
    headers: &HeaderMap,
    ep: Endpoint,
) -> Result<Caller, Box<Response>> {
    let now_ms = shared.clock.now_ms();
    let now_s = shared.clock.now_s();
    let token = bearer(headers).ok_or_else(|| Box::new(respond::x_unauthorized()))?;
    let mut world = shared.world();
    let t = world
        .tokens
        .get(&token)
        .filter(|t| t.platform == Platform::X && t.kind == TokenKind::Access)
        .filter(|t| t.revoked.is_none() && t.expires_ms.is_none_or(|e| now_ms < e))
        .ok_or_else(|| Box::new(respond::x_unauthorized()))?;
    if !ep.scopes.iter().all(|s| t.scopes.iter().any(|g| g == s)) {
        return Err(Box::new(respond::x_forbidden()));
    }
    let user_id = t.user_id.clone();
    let limit = if ep.user_limit == 0 {
        shared.config.x_post_limit
    } else {
        ep.user_limit
    };
    let app_limit = shared.config.x_app_post_limit_24h;
    let mut app = None;
    if ep.app_24h {
        let w = world
            .x_windows
            .entry(("app".to_owned(), ep.name))
            .or_default();
        tick(w, now_s, DAY);
        if w.used >= app_limit {
            let reset = w.reset_s;
            let mut resp = respond::x_too_many(limit, reset);
            set_rate_headers(
                resp.headers_mut(),
                "x-app-limit-24hour",
                app_limit,
                0,
                reset,
            );
            return Err(Box::new(resp));
        }
        app = Some(w);
    }
    let app_snapshot = app.map(|w| (w.used, w.reset_s));
    let w = world
        .x_windows
        .entry((user_id.clone(), ep.name))
        .or_default();
    tick(w, now_s, FIFTEEN_MIN);
    if w.used >= limit {
        return Err(Box::new(respond::x_too_many(limit, w.reset_s)));
    }
    w.used += 1;
    let (remaining, reset_s) = (limit - w.used, w.reset_s);
    let app = match app_snapshot {
        Some((used, reset)) => {
            if let Some(w) = world.x_windows.get_mut(&("app".to_owned(), ep.name)) {
                w.used += 1;
            }
            Some((app_limit, app_limit.saturating_sub(used + 1), reset))
        }
        None => None,
    };
    Ok(Caller {
        user_id,
        limit,
        remaining,
        reset_s,
        app,
    })
}
