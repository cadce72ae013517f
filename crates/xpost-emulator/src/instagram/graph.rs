//! `graph.instagram.com`: profile, media, children, stories, with field selection,
//! cursor paging and usage headers.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::auth::{self, Budget};
use super::cdn::signed_url;
use super::fields::{self, Field};
use super::oauth;
use crate::http::{encode, origin, parse_pairs};
use crate::respond::{self, GraphError};
use crate::server::strip_version;
use crate::state::{IgAccount, IgMedia, IgMediaType, IgProduct, Shared, World};

/// Most items one page may hold.
const MAX_LIMIT: usize = 100;
/// A story is live for 24 hours.
const STORY_LIFE_MS: i64 = 86_400_000;

/// Instagram's timestamp: `2019-09-26T22:36:43+0000`.
pub fn ig_timestamp(ms: i64) -> String {
    jiff::Timestamp::from_second(ms.div_euclid(1000))
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S+0000").to_string())
        .unwrap_or_default()
}

struct Ctx<'a> {
    shared: &'a Shared,
    origin: String,
}

/// Every request below `/instagram/graph`.
pub async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().strip_prefix("/instagram/graph").unwrap_or("");
    let real = strip_version(path);
    let segs: Vec<&str> = real.split('/').filter(|s| !s.is_empty()).collect();
    let q = parse_pairs(uri.query().unwrap_or(""));
    let now = shared.clock.now_ms();
    match (method.clone(), segs.as_slice()) {
        (Method::GET, ["access_token"]) => return oauth::exchange_long(&shared, &q, &headers),
        (Method::GET, ["refresh_access_token"]) => return oauth::refresh(&shared, &q, &headers),
        _ => {}
    }
    let token = auth::token_of(uri.query(), &headers);
    let token = match auth::check_token(&shared, token.as_deref()) {
        Ok(t) => t,
        Err(e) => return e.into_response_at(now),
    };
    let percent = match auth::spend(&shared, &token.user_id) {
        Budget::Ok(p) => p,
        Budget::Throttled(resp) => return resp,
    };
    let ctx = Ctx {
        shared: &shared,
        origin: origin(&headers),
    };
    let result = if method != Method::GET {
        Err(GraphError::oauth(
            3,
            "(#3) Application does not have the capability to make this API call.",
        ))
    } else {
        match segs.as_slice() {
            [node] => node_get(&ctx, &token.user_id, node, &q),
            [node, "media"] => media_list(&ctx, &token.user_id, node, &q, path, false),
            [node, "stories"] => media_list(&ctx, &token.user_id, node, &q, path, true),
            [node, "children"] => children(&ctx, &token.user_id, node, &q),
            _ => Err(unknown_path(&segs)),
        }
    };
    let mut resp = match result {
        Ok(body) => respond::json(StatusCode::OK, body),
        Err(e) => e.into_response_at(now),
    };
    respond::set_ig_usage(resp.headers_mut(), &token.user_id, percent, 0);
    resp
}

fn unknown_path(segs: &[&str]) -> GraphError {
    let rest: String = segs.iter().skip(1).map(|s| format!("/{s}")).collect();
    GraphError::oauth(2500, format!("Unknown path components: {rest}")).kind("IGApiException")
}

fn unsupported_get(id: &str) -> GraphError {
    GraphError::oauth(
        100,
        format!("Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"),
    )
    .subcode(33)
    .kind("IGApiException")
}

/// Resolves `me`, the professional id or the app-scoped id to the caller's own account.
fn own_account<'w>(world: &'w World, me: &str, node: &str) -> Option<&'w IgAccount> {
    let id = if node == "me" {
        me
    } else {
        world.ig_scoped.get(node).map_or(node, String::as_str)
    };
    (id == me).then(|| world.ig_accounts.get(id)).flatten()
}

fn node_get(
    ctx: &Ctx<'_>,
    me: &str,
    node: &str,
    q: &HashMap<String, String>,
) -> Result<Value, GraphError> {
    let sel = fields::parse(q.get("fields").map(String::as_str).unwrap_or("id"));
    let world = ctx.shared.world();
    if let Some(account) = own_account(&world, me, node) {
        return user_json(ctx, &world, account, &sel);
    }
    match world.ig_media.get(node) {
        Some(m) if !m.deleted && m.owner == me && visible(ctx, m) => {
            media_json(ctx, &world, m, &sel)
        }
        _ => Err(unsupported_get(node)),
    }
}

fn visible(ctx: &Ctx<'_>, m: &IgMedia) -> bool {
    m.product != IgProduct::Story || ctx.shared.clock.now_ms() - m.created_ms < STORY_LIFE_MS
}

fn user_json(
    ctx: &Ctx<'_>,
    world: &World,
    a: &IgAccount,
    sel: &[Field],
) -> Result<Value, GraphError> {
    let mut out = Map::new();
    let media_count = a
        .media
        .iter()
        .filter_map(|id| world.ig_media.get(id))
        .filter(|m| !m.deleted && m.product != IgProduct::Story)
        .count();
    for f in sel {
        let v = match f.name.as_str() {
            "id" => json!(a.app_scoped_id),
            "user_id" => json!(a.user_id),
            "username" => json!(a.username),
            "name" => json!(a.name),
            "account_type" => json!("BUSINESS"),
            "profile_picture_url" => json!(signed_url(
                ctx.shared,
                &ctx.origin,
                &format!("v/t51.2885-19/{}_p{}.jpg", a.user_id, a.picture_version)
            )),
            "followers_count" => json!(0),
            "follows_count" => json!(0),
            "media_count" => json!(media_count),
            "biography" => json!(a.biography),
            "website" => json!(a.website),
            "has_profile_pic" => json!(true),
            "is_published" => json!(true),
            other => return Err(nonexisting(other, "IGUser")),
        };
        out.insert(f.name.clone(), v);
    }
    out.entry("id").or_insert_with(|| json!(a.app_scoped_id));
    Ok(Value::Object(out))
}

fn nonexisting(field: &str, node: &str) -> GraphError {
    GraphError::oauth(
        100,
        format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node})"),
    )
}

fn media_file(m: &IgMedia) -> String {
    let ext = if m.media_type == IgMediaType::Video {
        "mp4"
    } else {
        "jpg"
    };
    format!("v/t51.2885-15/{}_n.{ext}", m.id)
}

fn media_json(
    ctx: &Ctx<'_>,
    world: &World,
    m: &IgMedia,
    sel: &[Field],
) -> Result<Value, GraphError> {
    let owner = world.ig_accounts.get(&m.owner);
    let username = owner.map(|a| a.username.as_str()).unwrap_or("");
    let mut out = Map::new();
    for f in sel {
        let v = match f.name.as_str() {
            "id" => Some(json!(m.id)),
            "caption" => m.caption.as_ref().filter(|_| !m.is_child).map(|c| json!(c)),
            "media_type" => Some(json!(m.media_type)),
            "media_product_type" => Some(json!(m.product)),
            "media_url" => {
                let first = if m.media_type == IgMediaType::CarouselAlbum {
                    m.children.first().and_then(|c| world.ig_media.get(c))
                } else {
                    Some(m)
                };
                first.map(|c| json!(signed_url(ctx.shared, &ctx.origin, &media_file(c))))
            }
            "thumbnail_url" => (m.media_type == IgMediaType::Video).then(|| {
                json!(signed_url(
                    ctx.shared,
                    &ctx.origin,
                    &format!("v/t51.2885-15/{}_t.jpg", m.id)
                ))
            }),
            "permalink" => (!m.is_child).then(|| match m.product {
                IgProduct::Feed => json!(format!("https://www.instagram.com/p/{}/", m.shortcode)),
                IgProduct::Reels => {
                    json!(format!("https://www.instagram.com/reel/{}/", m.shortcode))
                }
                IgProduct::Story => {
                    json!(format!("https://instagram.com/stories/{username}/{}", m.id))
                }
            }),
            "shortcode" => Some(json!(m.shortcode)),
            "timestamp" => Some(json!(ig_timestamp(m.created_ms))),
            "username" => Some(json!(username)),
            "owner" => Some(json!({"id": m.owner})),
            "is_shared_to_feed" => (m.product == IgProduct::Reels).then_some(json!(true)),
            "is_comment_enabled" => Some(json!(true)),
            "comments_count" => Some(json!(m.comments_count)),
            "like_count" => Some(json!(m.like_count)),
            "alt_text" | "legacy_instagram_media_id" => None,
            "children" => {
                if m.media_type == IgMediaType::CarouselAlbum {
                    let sub = if f.sub.is_empty() {
                        fields::parse("id")
                    } else {
                        f.sub.clone()
                    };
                    let mut data = Vec::new();
                    for c in m.children.iter().filter_map(|c| world.ig_media.get(c)) {
                        data.push(media_json(ctx, world, c, &sub)?);
                    }
                    Some(json!({"data": data}))
                } else {
                    None
                }
            }
            other => return Err(nonexisting(other, "IGMedia")),
        };
        if let Some(v) = v {
            out.insert(f.name.clone(), v);
        }
    }
    out.entry("id").or_insert_with(|| json!(m.id));
    Ok(Value::Object(out))
}

/// Opaque paging cursor for a media id.
fn cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("AQH{id}"))
}

fn uncursor(c: &str) -> Option<String> {
    let raw = URL_SAFE_NO_PAD.decode(c).ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("AQH")
        .map(str::to_owned)
}

fn page_url(
    ctx: &Ctx<'_>,
    path: &str,
    q: &HashMap<String, String>,
    key: &str,
    cur: &str,
) -> String {
    let mut pairs: Vec<(&String, &String)> = q
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "after" | "before"))
        .collect();
    pairs.sort();
    let mut url = format!("{}/instagram/graph{path}?", ctx.origin);
    for (k, v) in pairs {
        url.push_str(&format!("{}={}&", encode(k), encode(v)));
    }
    url.push_str(&format!("{key}={cur}"));
    url
}

fn media_list(
    ctx: &Ctx<'_>,
    me: &str,
    node: &str,
    q: &HashMap<String, String>,
    path: &str,
    stories: bool,
) -> Result<Value, GraphError> {
    let world = ctx.shared.world();
    let Some(account) = own_account(&world, me, node) else {
        return Err(unsupported_get(node));
    };
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|&l| l > 0)
        .map_or(ctx.shared.config.ig_page_size, |l| l.min(MAX_LIMIT));
    let since = q.get("since").and_then(|s| s.parse::<i64>().ok());
    let until = q.get("until").and_then(|s| s.parse::<i64>().ok());
    let sel = fields::parse(q.get("fields").map(String::as_str).unwrap_or("id"));
    // Newest first; stories only on /stories, and only while live.
    let items: Vec<&IgMedia> = account
        .media
        .iter()
        .rev()
        .filter_map(|id| world.ig_media.get(id))
        .filter(|m| !m.deleted && (m.product == IgProduct::Story) == stories && visible(ctx, m))
        .filter(|m| since.is_none_or(|s| m.created_ms / 1000 >= s))
        .filter(|m| until.is_none_or(|u| m.created_ms / 1000 <= u))
        .collect();
    let (start, end) = if let Some(after) = q.get("after") {
        let id = uncursor(after).ok_or_else(|| bad_cursor(after))?;
        let pos = items
            .iter()
            .position(|m| m.id == id)
            .map_or(items.len(), |p| p + 1);
        (pos, (pos + limit).min(items.len()))
    } else if let Some(before) = q.get("before") {
        let id = uncursor(before).ok_or_else(|| bad_cursor(before))?;
        let pos = items.iter().position(|m| m.id == id).unwrap_or(0);
        (pos.saturating_sub(limit), pos)
    } else {
        (0, limit.min(items.len()))
    };
    let mut data = Vec::with_capacity(end - start);
    for m in &items[start..end] {
        data.push(media_json(ctx, &world, m, &sel)?);
    }
    let mut body = Map::new();
    body.insert("data".into(), Value::Array(data));
    if start < end {
        let first = cursor(&items[start].id);
        let last = cursor(&items[end - 1].id);
        let mut paging = Map::new();
        paging.insert("cursors".into(), json!({"before": first, "after": last}));
        if start > 0 {
            paging.insert(
                "previous".into(),
                json!(page_url(ctx, path, q, "before", &first)),
            );
        }
        if end < items.len() {
            paging.insert("next".into(), json!(page_url(ctx, path, q, "after", &last)));
        }
        body.insert("paging".into(), Value::Object(paging));
    }
    Ok(Value::Object(body))
}

fn bad_cursor(c: &str) -> GraphError {
    GraphError::oauth(
        100,
        format!("(#100) The parameter cursor value {c} is invalid"),
    )
}

fn children(
    ctx: &Ctx<'_>,
    me: &str,
    node: &str,
    q: &HashMap<String, String>,
) -> Result<Value, GraphError> {
    let world = ctx.shared.world();
    let Some(m) = world
        .ig_media
        .get(node)
        .filter(|m| !m.deleted && m.owner == me)
    else {
        return Err(unsupported_get(node));
    };
    let sel = fields::parse(q.get("fields").map(String::as_str).unwrap_or("id"));
    let mut data = Vec::new();
    for c in m.children.iter().filter_map(|c| world.ig_media.get(c)) {
        data.push(media_json(ctx, &world, c, &sel)?);
    }
    Ok(json!({ "data": data }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_use_plus_0000() {
        assert_eq!(ig_timestamp(1_569_537_403_000), "2019-09-26T22:36:43+0000");
    }

    #[test]
    fn cursors_round_trip_and_look_like_graph_cursors() {
        let c = cursor("17846368219941692");
        assert!(c.starts_with("QVFI"), "{c}");
        assert_eq!(uncursor(&c).as_deref(), Some("17846368219941692"));
        assert_eq!(uncursor("!!"), None);
    }
}
