//! Instagram: `www` (authorize), `api` (code exchange), `graph` (profile, media,
//! tokens) and `cdn` (media bytes).

mod auth;
mod cdn;
mod fields;
mod graph;
mod oauth;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::{get, post};

use crate::state::{Platform, Shared};

/// The Instagram routes under `/instagram/...`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/instagram/www/oauth/authorize", get(oauth::authorize))
        .route(
            "/instagram/api/oauth/access_token",
            post(oauth::exchange_code),
        )
        .route(
            "/instagram/graph/{*path}",
            axum::routing::any(graph::dispatch),
        )
        .route("/instagram/cdn/{*file}", get(cdn::serve))
}

/// The professional account behind the request's token, if it is a known Instagram token.
pub(crate) fn token_owner(shared: &Shared, req: &Request<Body>) -> Option<String> {
    let token = auth::token_of(req.uri().query(), req.headers())?;
    let world = shared.world();
    world
        .tokens
        .get(&token)
        .filter(|t| t.platform == Platform::Instagram)
        .map(|t| t.user_id.clone())
}
