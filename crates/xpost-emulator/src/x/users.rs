//! `users/me`: read, update (name, bio, url, location) and profile image.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::auth;
use super::media::processing_state;
use super::params::{self, Check};
use super::tweets::x_timestamp;
use crate::respond::{json, x_invalid};
use crate::state::{Shared, XAccount};

/// A new profile image shows after this delay, as X processes it asynchronously.
const IMAGE_DELAY_MS: i64 = 5_000;

/// Applies a pending profile image whose delay has passed.
pub fn settle_image(account: &mut XAccount, now_ms: i64) {
    if let Some((at, _)) = &account.pending_image {
        if now_ms >= *at {
            account.profile_image_sha256 = account.pending_image.take().map(|(_, sha)| sha);
        }
    }
}

fn user_json(a: &XAccount, fields: &[&str]) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(a.user_id));
    o.insert("name".into(), json!(a.name));
    o.insert("username".into(), json!(a.username));
    for f in fields {
        let v = match *f {
            "created_at" => json!(x_timestamp(a.created_ms)),
            "description" => json!(a.description),
            "protected" => json!(false),
            "verified" => json!(false),
            "url" => json!(a.url),
            "location" => json!(""),
            "profile_image_url" => json!(match &a.profile_image_sha256 {
                Some(sha) => format!(
                    "https://pbs.twimg.com/profile_images/{}/{}_normal.jpg",
                    a.user_id,
                    &sha[..16]
                ),
                None =>
                    "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
                        .to_owned(),
            }),
            "public_metrics" => json!({
                "followers_count": 0, "following_count": 0,
                "tweet_count": a.tweets.len(), "listed_count": 0
            }),
            _ => continue,
        };
        o.insert((*f).to_owned(), v);
    }
    Value::Object(o)
}

/// `GET /x/api/2/users/me`.
pub async fn me(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    auth::guarded(&shared, &headers, auth::ME, |caller| {
        let check = Check::new(&q)
            .names("user.fields", params::USER_FIELDS)
            .names("tweet.fields", params::TWEET_FIELDS)
            .names("expansions", params::USER_EXPANSIONS);
        if let Some(resp) = check.refusal() {
            return resp;
        }
        let fields: Vec<&str> = q
            .get("user.fields")
            .map(|f| f.split(',').collect())
            .unwrap_or_default();
        let now = shared.clock.now_ms();
        let mut world = shared.world();
        let resp = match world.x_accounts.get_mut(&caller.user_id) {
            Some(a) => {
                settle_image(a, now);
                json(StatusCode::OK, json!({ "data": user_json(a, &fields) }))
            }
            None => crate::respond::x_unauthorized(),
        };
        drop(world);
        resp
    })
}

#[derive(Debug, Deserialize)]
struct UpdateBody {
    name: Option<String>,
    description: Option<String>,
    url: Option<String>,
    location: Option<String>,
}

/// `PUT /x/api/2/users/me`: partial profile update.
pub async fn update(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    auth::guarded(&shared, &headers, auth::UPDATE_ME, |caller| {
        let Ok(req) = serde_json::from_slice::<UpdateBody>(&body) else {
            return x_invalid("body", "JSON doesn't match expected schema");
        };
        let too_long =
            |v: &Option<String>, max: usize| v.as_ref().is_some_and(|s| s.chars().count() > max);
        for (name, value, max) in [
            ("name", &req.name, 50),
            ("description", &req.description, 160),
            ("url", &req.url, 100),
            ("location", &req.location, 30),
        ] {
            if too_long(value, max) {
                return x_invalid(name, &format!("{name} must be at most {max} characters."));
            }
        }
        let mut world = shared.world();
        let resp = match world.x_accounts.get_mut(&caller.user_id) {
            Some(a) if a.v2_profile_refused => crate::respond::x_client_not_enrolled(),
            Some(a) => {
                if let Some(n) = req.name {
                    a.name = n;
                }
                if let Some(d) = req.description {
                    a.description = d;
                }
                if let Some(u) = req.url {
                    a.url = u;
                }
                json(
                    StatusCode::OK,
                    json!({ "data": user_json(a, &["description"]) }),
                )
            }
            None => crate::respond::x_unauthorized(),
        };
        drop(world);
        resp
    })
}

#[derive(Debug, Deserialize)]
struct ImageBody {
    media_id: String,
}

/// `PUT /x/api/2/users/me/profile_image`: an uploaded image becomes the avatar a few
/// seconds later.
pub async fn profile_image(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    auth::guarded(&shared, &headers, auth::UPDATE_ME, |caller| {
        let Ok(req) = serde_json::from_slice::<ImageBody>(&body) else {
            return x_invalid("media_id", "JSON doesn't match expected schema");
        };
        let now = shared.clock.now_ms();
        let mut world = shared.world();
        if world
            .x_accounts
            .get(&caller.user_id)
            .is_some_and(|a| a.v2_profile_refused)
        {
            drop(world);
            return crate::respond::x_client_not_enrolled();
        }
        let sha = match world.x_media.get(&req.media_id) {
            Some(m)
                if m.owner == caller.user_id
                    && m.kind() == "photo"
                    && !m.bytes.is_empty()
                    && processing_state(&shared, m, now).0 == "succeeded" =>
            {
                Sha256::digest(&m.bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            }
            _ => {
                drop(world);
                return x_invalid("media_id", "Your media IDs are invalid.");
            }
        };
        let resp = match world.x_accounts.get_mut(&caller.user_id) {
            Some(a) => {
                a.pending_image = Some((now + IMAGE_DELAY_MS, sha));
                json(
                    StatusCode::OK,
                    json!({ "data": user_json(a, &["profile_image_url"]) }),
                )
            }
            None => crate::respond::x_unauthorized(),
        };
        drop(world);
        resp
    })
}
