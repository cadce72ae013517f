//! X: `x.com` (authorize), `api.x.com` (OAuth 2.0 token and revoke, v2 posts, users,
//! media), with `x-rate-limit-*` headers on every authenticated answer.

mod auth;
mod media;
mod oauth;
mod oauth1;
mod params;
mod tco;
mod tweets;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

use crate::state::Shared;

pub(crate) use auth::limit_hint;
pub use oauth1::{AccessToken as OAuth1AccessToken, RequestToken as OAuth1RequestToken};
pub(crate) use tweets::x_timestamp;
pub(crate) use users::settle_image;

/// Largest request body the media routes take (a 5 MB chunk or image as base64, with room).
const MEDIA_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The X routes under `/x/...`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    // The v2 media endpoints live on api.x.com; they are also answered under the
    // upload host's prefix, for clients configured with a separate upload base.
    let mut media = Router::new();
    for host in ["/x/api", "/x/upload"] {
        media = media
            .route(
                &format!("{host}/2/media/upload"),
                post(media::simple).get(media::status),
            )
            .route(
                &format!("{host}/2/media/upload/initialize"),
                post(media::initialize),
            )
            .route(
                &format!("{host}/2/media/upload/{{id}}/append"),
                post(media::append),
            )
            .route(
                &format!("{host}/2/media/upload/{{id}}/finalize"),
                post(media::finalize),
            )
            .route(&format!("{host}/2/media/metadata"), post(media::metadata));
    }
    let media = media.layer(DefaultBodyLimit::max(MEDIA_BODY_LIMIT));
    Router::new()
        .route("/x/www/i/oauth2/authorize", get(oauth::authorize))
        .route("/x/api/2/oauth2/token", post(oauth::token))
        .route("/x/api/2/oauth2/revoke", post(oauth::revoke))
        .route("/x/api/oauth/request_token", post(oauth1::request_token))
        .route("/x/api/oauth/authorize", get(oauth1::authorize))
        .route("/x/www/oauth/authorize", get(oauth1::authorize))
        .route("/x/api/oauth/access_token", post(oauth1::access_token))
        .route(
            "/x/api/1.1/account/update_profile.json",
            post(oauth1::update_profile),
        )
        .route(
            "/x/api/1.1/account/update_profile_image.json",
            post(oauth1::update_profile_image).layer(DefaultBodyLimit::max(MEDIA_BODY_LIMIT)),
        )
        .route("/x/api/2/tweets", post(tweets::create).get(tweets::lookup))
        .route(
            "/x/api/2/tweets/{id}",
            get(tweets::lookup_one).delete(tweets::delete),
        )
        .route("/x/api/2/users/me", get(users::me).put(users::update))
        .route("/x/api/2/users/me/profile_image", put(users::profile_image))
        .route("/x/api/2/users/{id}/tweets", get(tweets::timeline))
        .merge(media)
}
