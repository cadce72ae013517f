//! Posts: create (with every validation the cross-poster meets), delete, lookup and
//! the user timeline.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::{self, Caller};
use super::media::processing_state;
use super::params;
use super::tco::{self, Attached, Wrapped};
use crate::respond::{self, json, problem, x_invalid, x_invalid_request, x_param_error};
use crate::state::{Shared, World, XTweet, XTweetMetrics};

/// X's timestamp: `2019-12-31T19:26:16.000Z` (X reports whole seconds).
pub fn x_timestamp(ms: i64) -> String {
    jiff::Timestamp::from_second(ms.div_euclid(1000))
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string())
        .unwrap_or_default()
}

#[derive(Debug, Deserialize)]
struct CreateBody {
    text: Option<String>,
    media: Option<MediaPart>,
    reply: Option<ReplyPart>,
    reply_settings: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MediaPart {
    #[serde(default)]
    media_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ReplyPart {
    in_reply_to_tweet_id: String,
}

/// Most weighted characters one post may have.
const MAX_WEIGHTED: usize = 280;

fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// `POST /x/api/2/tweets`.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    auth::guarded(&shared, &headers, auth::CREATE, |caller| {
        create_inner(&shared, caller, &body)
    })
}

fn create_inner(shared: &Shared, caller: &Caller, body: &[u8]) -> Response {
    let Ok(req) = serde_json::from_slice::<CreateBody>(body) else {
        return x_invalid("body", "JSON doesn't match expected schema");
    };
    let text = req.text.unwrap_or_default();
    let media_ids = req.media.map(|m| m.media_ids).unwrap_or_default();
    if text.trim().is_empty() && media_ids.is_empty() {
        return x_invalid("text", "You must specify either text or media.");
    }
    if let Some(c) = xpost_transform::has_invalid_characters(&text) {
        return x_invalid_request(vec![x_param_error(
            "text",
            &[&text],
            &format!(
                "Your Tweet text contains invalid characters (U+{:04X}).",
                u32::from(c)
            ),
        )]);
    }
    if !text.is_empty()
        && xpost_transform::weighted_length(&text, xpost_transform::Config::v3()) > MAX_WEIGHTED
    {
        return x_invalid_request(vec![x_param_error(
            "text",
            &[&text],
            "Your Tweet text is too long.",
        )]);
    }
    if let Some(rs) = &req.reply_settings {
        if !matches!(
            rs.as_str(),
            "following" | "mentionedUsers" | "subscribers" | "verified"
        ) {
            return x_invalid(
                "reply_settings",
                "reply_settings must be one of [following, mentionedUsers, subscribers, verified]",
            );
        }
    }
    if media_ids.len() > 4 {
        return x_invalid(
            "media.media_ids",
            "media.media_ids: size must be between 1 and 4",
        );
    }
    let now = shared.clock.now_ms();
    let mut world = shared.world();
    let mut keys = Vec::with_capacity(media_ids.len());
    let mut kinds = Vec::with_capacity(media_ids.len());
    for id in &media_ids {
        let usable = world
            .x_media
            .get(id)
            .filter(|m| m.owner == caller.user_id && now < m.expires_ms);
        let Some(m) = usable else {
            return x_invalid("media.media_ids", "Your media IDs are invalid.");
        };
        if processing_state(shared, m, now).0 != "succeeded" {
            return x_invalid("media.media_ids", "Your media IDs are invalid.");
        }
        keys.push(m.media_key.clone());
        kinds.push(m.kind());
    }
    let singles = kinds.iter().filter(|k| **k != "photo").count();
    if singles > 0 && kinds.len() > 1 {
        return x_invalid(
            "media.media_ids",
            "Your media IDs are invalid. A post holds up to 4 images, or 1 GIF, or 1 video.",
        );
    }
    if let Some(reply) = &req.reply {
        if world
            .x_tweets
            .get(&reply.in_reply_to_tweet_id)
            .is_none_or(|t| t.deleted)
        {
            return problem(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "You attempted to reply to a Tweet that is deleted or not visible to you.",
                "about:blank",
            );
        }
    }
    let dup_key = (caller.user_id.clone(), normalize(&text));
    if !text.trim().is_empty() {
        if let Some((at, _)) = world.x_recent_text.get(&dup_key) {
            if now - at < shared.config.x_duplicate_window_s * 1000 {
                return problem(
                    StatusCode::FORBIDDEN,
                    "Forbidden",
                    "You are not allowed to create a Tweet with duplicate content.",
                    "about:blank",
                );
            }
        }
    }
    let id = world.snowflakes.next(now).to_string();
    let tweet = XTweet {
        id: id.clone(),
        author_id: caller.user_id.clone(),
        text: text.clone(),
        media_keys: keys,
        in_reply_to: req.reply.map(|r| r.in_reply_to_tweet_id),
        reply_settings: req.reply_settings,
        created_ms: now,
        deleted: false,
        metrics: XTweetMetrics::default(),
    };
    if !text.trim().is_empty() {
        world.x_recent_text.insert(dup_key, (now, id.clone()));
    }
    if let Some(a) = world.x_accounts.get_mut(&caller.user_id) {
        a.tweets.push_back(id.clone());
    }
    let shown = wrapped(&world, &tweet).text;
    world.x_tweets.insert(id.clone(), tweet);
    world.x_tweet_order.push_back(id.clone());
    evict_tweets(&mut world, shared.config.max_x_posts);
    drop(world);
    let mut resp = json(
        StatusCode::CREATED,
        json!({"data": {"id": id, "text": shown, "edit_history_tweet_ids": [id]}}),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("https://api.x.com/2/tweets/{id}")) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

fn evict_tweets(world: &mut World, max: usize) {
    while world.x_tweet_order.len() > max {
        let Some(old) = world.x_tweet_order.pop_front() else {
            break;
        };
        if let Some(t) = world.x_tweets.remove(&old) {
            if let Some(a) = world.x_accounts.get_mut(&t.author_id) {
                if a.tweets.front() == Some(&old) {
                    a.tweets.pop_front();
                } else {
                    a.tweets.retain(|x| *x != old);
                }
            }
            let key = (t.author_id, normalize(&t.text));
            if world
                .x_recent_text
                .get(&key)
                .is_some_and(|(_, id)| *id == old)
            {
                world.x_recent_text.remove(&key);
            }
        }
    }
}

/// `DELETE /x/api/2/tweets/{id}`.
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    auth::guarded(&shared, &headers, auth::DELETE, |caller| {
        let mut world = shared.world();
        let resp = match world.x_tweets.get_mut(&id) {
            None => respond::x_not_found("tweet", &id),
            Some(t) if t.author_id != caller.user_id => respond::x_forbidden(),
            Some(t) => {
                t.deleted = true;
                let key = (t.author_id.clone(), normalize(&t.text));
                if world.x_recent_text.get(&key).is_some_and(|(_, x)| *x == id) {
                    world.x_recent_text.remove(&key);
                }
                json(StatusCode::OK, json!({"data": {"deleted": true}}))
            }
        };
        drop(world);
        resp
    })
}

/// Which optional fields and expansions a lookup asked for.
struct Selection {
    tweet: Vec<String>,
    media: Vec<String>,
    expand_media: bool,
}

impl Selection {
    /// The selection of a query that [`params::post_selection`] accepted.
    fn from(q: &HashMap<String, String>) -> Self {
        let list = |k: &str| -> Vec<String> {
            q.get(k)
                .map(|v| v.split(',').map(str::to_owned).collect())
                .unwrap_or_default()
        };
        let mut tweet = list("tweet.fields");
        tweet.extend(list("post.fields"));
        Self {
            tweet,
            media: list("media.fields"),
            expand_media: list("expansions")
                .iter()
                .any(|e| e == "attachments.media_keys"),
        }
    }
}

/// The post's text and URL entities as X answers them (see [`tco`]).
fn wrapped(world: &World, t: &XTweet) -> Wrapped {
    let username = world
        .x_accounts
        .get(&t.author_id)
        .map_or("i", |a| a.username.as_str());
    let attached: Vec<Attached<'_>> = t
        .media_keys
        .iter()
        .map(|key| Attached {
            media_key: key,
            kind: key
                .split_once('_')
                .and_then(|(_, id)| world.x_media.get(id))
                .map_or("photo", |m| m.kind()),
        })
        .collect();
    tco::wrap(&t.text, &t.id, username, &attached)
}

/// `entities`: the URLs with their t.co links, and hashtags, cashtags and mentions of
/// existing accounts, offsets in code points of the wrapped text.
fn entities(world: &World, shown: &Wrapped) -> Option<Value> {
    let text = &shown.text;
    let at = |byte: usize| text.get(..byte).map_or(0, |s| s.chars().count());
    let span = |e: &xpost_transform::Entity| (at(e.range.start), at(e.range.end));
    let tags = |found: Vec<xpost_transform::Entity>| -> Vec<Value> {
        found
            .iter()
            .map(|e| {
                let (start, end) = span(e);
                json!({"start": start, "end": end, "tag": e.value_in(text)})
            })
            .collect()
    };
    let mut o = Map::new();
    if !shown.urls.is_empty() {
        o.insert("urls".into(), Value::Array(shown.urls.clone()));
    }
    let hashtags = tags(xpost_transform::extract::hashtags(text));
    if !hashtags.is_empty() {
        o.insert("hashtags".into(), Value::Array(hashtags));
    }
    let cashtags = tags(xpost_transform::extract::cashtags(text));
    if !cashtags.is_empty() {
        o.insert("cashtags".into(), Value::Array(cashtags));
    }
    let mentions: Vec<Value> = xpost_transform::extract::mentions(text)
        .iter()
        .filter_map(|e| {
            let name = e.value_in(text);
            let account = world
                .x_accounts
                .values()
                .find(|a| a.username.eq_ignore_ascii_case(name))?;
            let (start, end) = span(e);
            Some(json!({"start": start, "end": end, "username": account.username, "id": account.user_id}))
        })
        .collect();
    if !mentions.is_empty() {
        o.insert("mentions".into(), Value::Array(mentions));
    }
    (!o.is_empty()).then_some(Value::Object(o))
}

fn tweet_json(world: &World, t: &XTweet, sel: &Selection) -> Value {
    let shown = wrapped(world, t);
    let mut o = Map::new();
    o.insert("id".into(), json!(t.id));
    o.insert("text".into(), json!(shown.text));
    o.insert("edit_history_tweet_ids".into(), json!([t.id]));
    for f in &sel.tweet {
        match f.as_str() {
            "entities" => {
                if let Some(e) = entities(world, &shown) {
                    o.insert("entities".into(), e);
                }
            }
            "created_at" => {
                o.insert("created_at".into(), json!(x_timestamp(t.created_ms)));
            }
            "author_id" => {
                o.insert("author_id".into(), json!(t.author_id));
            }
            "conversation_id" => {
                o.insert(
                    "conversation_id".into(),
                    json!(t.in_reply_to.as_ref().unwrap_or(&t.id)),
                );
            }
            "attachments" if !t.media_keys.is_empty() => {
                o.insert("attachments".into(), json!({"media_keys": t.media_keys}));
            }
            "reply_settings" => {
                let shown = match t.reply_settings.as_deref() {
                    None => "everyone",
                    Some("mentionedUsers") => "mentionedUsers",
                    Some(other) => other,
                };
                o.insert("reply_settings".into(), json!(shown));
            }
            "in_reply_to_user_id" => {
                let parent = t.in_reply_to.as_ref().and_then(|r| world.x_tweets.get(r));
                if let Some(p) = parent {
                    o.insert("in_reply_to_user_id".into(), json!(p.author_id));
                }
            }
            "referenced_tweets" => {
                if let Some(r) = &t.in_reply_to {
                    o.insert(
                        "referenced_tweets".into(),
                        json!([{"type": "replied_to", "id": r}]),
                    );
                }
            }
            "public_metrics" => {
                o.insert("public_metrics".into(), json!(t.metrics));
            }
            _ => {}
        }
    }
    Value::Object(o)
}

fn media_includes(world: &World, tweets: &[&XTweet], sel: &Selection) -> Vec<Value> {
    let mut out = Vec::new();
    for t in tweets {
        for key in &t.media_keys {
            let by_id = key
                .split_once('_')
                .and_then(|(_, id)| world.x_media.get(id));
            let Some(m) = by_id else {
                continue;
            };
            let mut o = Map::new();
            o.insert("media_key".into(), json!(m.media_key));
            o.insert("type".into(), json!(m.kind()));
            if sel.media.iter().any(|f| f == "alt_text") {
                if let Some(a) = &m.alt_text {
                    o.insert("alt_text".into(), json!(a));
                }
            }
            out.push(Value::Object(o));
        }
    }
    out
}

fn not_found_item(id: &str) -> Value {
    json!({
        "value": id, "detail": format!("Could not find tweet with ids: [{id}]."),
        "title": "Not Found Error", "resource_type": "tweet", "parameter": "ids",
        "resource_id": id, "type": "https://api.x.com/2/problems/resource-not-found"
    })
}

/// `GET /x/api/2/tweets?ids=`.
pub async fn lookup(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    auth::guarded(&shared, &headers, auth::LOOKUP, |_| {
        if !q.contains_key("ids") {
            return x_invalid("ids", "The `ids` query parameter can not be empty");
        }
        if let Some(resp) = params::post_selection(&q).ids("ids", 100).refusal() {
            return resp;
        }
        let ids: Vec<&str> = q
            .get("ids")
            .map(|v| v.split(',').collect())
            .unwrap_or_default();
        let sel = Selection::from(&q);
        let world = shared.world();
        let found: Vec<&XTweet> = ids
            .iter()
            .filter_map(|id| world.x_tweets.get(*id).filter(|t| !t.deleted))
            .collect();
        let errors: Vec<Value> = ids
            .iter()
            .filter(|id| world.x_tweets.get(**id).is_none_or(|t| t.deleted))
            .map(|id| not_found_item(id))
            .collect();
        let mut body = Map::new();
        if !found.is_empty() {
            body.insert(
                "data".into(),
                Value::Array(found.iter().map(|t| tweet_json(&world, t, &sel)).collect()),
            );
            if sel.expand_media {
                let media = media_includes(&world, &found, &sel);
                if !media.is_empty() {
                    body.insert("includes".into(), json!({ "media": media }));
                }
            }
        }
        if !errors.is_empty() {
            body.insert("errors".into(), Value::Array(errors));
        }
        drop(world);
        json(StatusCode::OK, Value::Object(body))
    })
}

/// `GET /x/api/2/tweets/{id}`.
pub async fn lookup_one(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    auth::guarded(&shared, &headers, auth::LOOKUP, |_| {
        let mut check = params::post_selection(&q);
        if !params::is_id(&id) {
            check.fail("id", &id, &params::id_message("id", &id));
        }
        if let Some(resp) = check.refusal() {
            return resp;
        }
        let sel = Selection::from(&q);
        let world = shared.world();
        let body = match world.x_tweets.get(&id).filter(|t| !t.deleted) {
            Some(t) => {
                let mut body = json!({ "data": tweet_json(&world, t, &sel) });
                if sel.expand_media {
                    let media = media_includes(&world, &[t], &sel);
                    if !media.is_empty() {
                        body["includes"] = json!({ "media": media });
                    }
                }
                body
            }
            None => json!({ "errors": [not_found_item(&id)] }),
        };
        drop(world);
        json(StatusCode::OK, body)
    })
}

/// The timeline reaches back this many posts, as X's does.
const TIMELINE_CAP: usize = 3200;

fn page_token(kind: &str, id: &str) -> String {
    format!("{kind}{id}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The direction (`true`: next) and post id a token names, if it is one the emulator
/// could have handed out.
fn decode_page_token(token: &str) -> Option<(bool, String)> {
    let bytes = token
        .as_bytes()
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let raw = String::from_utf8(bytes).ok()?;
    let next = match raw.get(..1)? {
        "n" => true,
        "p" => false,
        _ => return None,
    };
    let id = raw.get(1..)?;
    (token.len() % 2 == 0 && params::is_id(id)).then(|| (next, id.to_owned()))
}

fn parse_page_token(token: &str, ids: &[&String]) -> Option<(bool, usize)> {
    let (next, id) = decode_page_token(token)?;
    ids.iter().position(|x| **x == id).map(|i| (next, i))
}

/// `GET /x/api/2/users/{id}/tweets`.
pub async fn timeline(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    auth::guarded(&shared, &headers, auth::TIMELINE, |_| {
        timeline_inner(&shared, &user_id, &q)
    })
}

fn timeline_inner(shared: &Shared, user_id: &str, q: &HashMap<String, String>) -> Response {
    let mut check = params::post_selection(q)
        .id("since_id")
        .id("until_id")
        .range("max_results", 5, 100)
        .names("exclude", params::EXCLUDE)
        .time("start_time")
        .time("end_time");
    if !params::is_id(user_id) {
        check.fail("id", user_id, &params::id_message("id", user_id));
    }
    if let Some(token) = q.get("pagination_token") {
        if decode_page_token(token).is_none() {
            check.fail(
                "pagination_token",
                token,
                &format!("The `pagination_token` query parameter value [{token}] is not valid"),
            );
        }
    }
    if let Some(resp) = check.refusal() {
        return resp;
    }
    let max = q
        .get("max_results")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(10);
    let sel = Selection::from(q);
    let world = shared.world();
    let Some(account) = world.x_accounts.get(user_id) else {
        return respond::x_not_found("user", user_id);
    };
    let num = |s: &str| s.parse::<u64>().unwrap_or(0);
    let since = q.get("since_id").map(|s| num(s));
    let until = q.get("until_id").map(|s| num(s));
    let no_replies = q
        .get("exclude")
        .is_some_and(|e| e.split(',').any(|x| x == "replies"));
    let bound = |k: &str| {
        q.get(k)
            .and_then(|v| v.parse::<jiff::Timestamp>().ok())
            .map(|t| t.as_millisecond())
    };
    let (start_ms, end_ms) = (bound("start_time"), bound("end_time"));
    let ids: Vec<&String> = account
        .tweets
        .iter()
        .rev()
        .filter(|id| world.x_tweets.get(*id).is_some_and(|t| !t.deleted))
        .take(TIMELINE_CAP)
        .filter(|id| since.is_none_or(|s| num(id) > s) && until.is_none_or(|u| num(id) < u))
        .filter(|id| {
            world.x_tweets.get(*id).is_some_and(|t| {
                !(no_replies && t.in_reply_to.is_some())
                    && start_ms.is_none_or(|s| t.created_ms >= s)
                    && end_ms.is_none_or(|e| t.created_ms <= e)
            })
        })
        .collect();
    let (start, end) = match q.get("pagination_token") {
        None => (0, max.min(ids.len())),
        Some(tok) => match parse_page_token(tok, &ids) {
            Some((true, i)) => (i + 1, (i + 1 + max).min(ids.len())),
            Some((false, i)) => (i.saturating_sub(max), i),
            None => {
                return x_invalid(
                    "pagination_token",
                    "The `pagination_token` query parameter value is invalid",
                );
            }
        },
    };
    let page: Vec<&XTweet> = ids[start..end]
        .iter()
        .filter_map(|id| world.x_tweets.get(*id))
        .collect();
    let mut meta = Map::new();
    meta.insert("result_count".into(), json!(page.len()));
    let mut body = Map::new();
    if let (Some(first), Some(last)) = (page.first(), page.last()) {
        meta.insert("newest_id".into(), json!(first.id));
        meta.insert("oldest_id".into(), json!(last.id));
        if end < ids.len() {
            meta.insert("next_token".into(), json!(page_token("n", &last.id)));
        }
        if start > 0 {
            meta.insert("previous_token".into(), json!(page_token("p", &first.id)));
        }
        body.insert(
            "data".into(),
            Value::Array(page.iter().map(|t| tweet_json(&world, t, &sel)).collect()),
        );
        if sel.expand_media {
            let media = media_includes(&world, &page, &sel);
            if !media.is_empty() {
                body.insert("includes".into(), json!({ "media": media }));
            }
        }
    }
    body.insert("meta".into(), Value::Object(meta));
    json(StatusCode::OK, Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        assert_eq!(x_timestamp(1_577_820_376_789), "2019-12-31T19:26:16.000Z");
    }

    #[test]
    fn duplicate_detection_ignores_spacing_and_case() {
        assert_eq!(normalize("  Hello   World "), normalize("hello world"));
    }
}
