//! Media upload: simple (images), chunked (initialize → append → finalize), status with
//! processing that advances on the emulator clock, and alt text.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::{self, Caller};
use crate::mp4::looks_like_mp4;
use crate::respond::{json, x_invalid, x_not_found};
use crate::state::{Shared, UploadState, World, XMedia};

/// A media id can be attached for this long after upload (X says about a day).
const EXPIRES_AFTER_S: i64 = 86_400;
/// Image size limit.
const IMAGE_MAX: usize = 5 * 1024 * 1024;
/// Animated GIF size limit.
const GIF_MAX: usize = 15 * 1024 * 1024;
/// Video size limit.
const VIDEO_MAX: usize = 512 * 1024 * 1024;
/// Highest append `segment_index`.
const MAX_SEGMENT: usize = 999;

const CATEGORIES: &[&str] = &[
    "tweet_image",
    "tweet_gif",
    "tweet_video",
    "amplify_video",
    "dm_image",
    "dm_gif",
    "dm_video",
    "subtitles",
];

/// The MIME type that `bytes` really are, by their magic numbers.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"BM") {
        Some("image/bmp")
    } else if looks_like_mp4(bytes) {
        Some("video/mp4")
    } else {
        None
    }
}

/// Width and height of a JPEG or PNG, when they can be read.
fn dimensions(bytes: &[u8]) -> (u32, u32) {
    if bytes.starts_with(b"\x89PNG") && bytes.len() >= 24 {
        let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
        return (w, h);
    }
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            break;
        }
        let marker = bytes[i + 1];
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if (0xC0..=0xC3).contains(&marker) {
            let h = u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]));
            let w = u32::from(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]));
            return (w, h);
        }
        i += 2 + len;
    }
    (0, 0)
}

fn key_prefix(category: &str, mime: &str) -> &'static str {
    if category == "amplify_video" {
        "13_"
    } else if category.ends_with("_video") || mime.starts_with("video/") {
        "7_"
    } else if category.ends_with("_gif") {
        "16_"
    } else {
        "3_"
    }
}

fn size_limit(prefix: &str) -> usize {
    match prefix {
        "7_" | "13_" => VIDEO_MAX,
        "16_" => GIF_MAX,
        _ => IMAGE_MAX,
    }
}

/// `(state, progress_percent, check_after_secs)` of an upload at `now_ms`.
pub fn processing_state(shared: &Shared, m: &XMedia, now_ms: i64) -> (&'static str, u32, i64) {
    let UploadState::Finalized(at) = m.state else {
        return ("pending", 0, 1);
    };
    if !m.is_async() {
        return ("succeeded", 100, 0);
    }
    let step = shared.config.x_processing_step_s.max(0) * 1000;
    let elapsed = now_ms - at;
    let check = shared.config.x_processing_step_s.max(1);
    if elapsed < step {
        ("pending", 0, check)
    } else if elapsed < 2 * step {
        ("in_progress", if m.fails { 12 } else { 50 }, check)
    } else if m.fails {
        ("failed", 12, 0)
    } else {
        ("succeeded", 100, 0)
    }
}

fn processing_json(shared: &Shared, m: &XMedia, now_ms: i64) -> Value {
    let (state, progress, check) = processing_state(shared, m, now_ms);
    let mut o = Map::new();
    o.insert("state".into(), json!(state));
    if state == "pending" || state == "in_progress" {
        o.insert("check_after_secs".into(), json!(check));
    }
    o.insert("progress_percent".into(), json!(progress));
    if state == "failed" {
        o.insert(
            "error".into(),
            json!({"code": 1, "name": "InvalidMedia", "message": "Unsupported video format"}),
        );
    }
    Value::Object(o)
}

fn store(world: &mut World, media: XMedia, max_bytes: usize) {
    world.x_media_bytes += media.bytes.len();
    world.x_media_order.push_back(media.id.clone());
    world.x_media.insert(media.id.clone(), media);
    evict_bytes(world, max_bytes);
}

fn evict_bytes(world: &mut World, max_bytes: usize) {
    // Oldest uploads give up their bytes first; their records stay so posts keep keys.
    while world.x_media_bytes > max_bytes {
        let Some(old) = world.x_media_order.pop_front() else {
            break;
        };
        if let Some(m) = world.x_media.get_mut(&old) {
            world.x_media_bytes -= m.bytes.len();
            m.bytes = Bytes::new();
        }
    }
}

/// Fields of a simple upload or an append, from JSON (base64) or multipart.
async fn upload_fields(
    req: Request,
) -> Result<(HashMap<String, String>, Option<Bytes>), &'static str> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    let mut fields = HashMap::new();
    if is_multipart {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|_| "malformed multipart body")?;
        let mut media = None;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|_| "malformed multipart body")?
        {
            let name = field.name().unwrap_or("").to_owned();
            let data = field
                .bytes()
                .await
                .map_err(|_| "malformed multipart body")?;
            if name == "media" {
                media = Some(data);
            } else if name == "media_data" {
                media = Some(Bytes::from(
                    STANDARD
                        .decode(&data)
                        .map_err(|_| "media_data is not base64")?,
                ));
            } else {
                fields.insert(name, String::from_utf8_lossy(&data).into_owned());
            }
        }
        return Ok((fields, media));
    }
    let body = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .map_err(|_| "body too large")?;
    let v: Value =
        serde_json::from_slice(&body).map_err(|_| "JSON doesn't match expected schema")?;
    let Value::Object(map) = v else {
        return Err("JSON doesn't match expected schema");
    };
    let mut media = None;
    for (k, v) in map {
        if k == "media" {
            let b64 = v.as_str().ok_or("media must be a base64 string")?;
            media = Some(Bytes::from(
                STANDARD.decode(b64).map_err(|_| "media is not base64")?,
            ));
        } else {
            let s = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            fields.insert(k, s);
        }
    }
    Ok((fields, media))
}

fn base_json(m: &XMedia, now_ms: i64) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("id".into(), json!(m.id));
    o.insert("media_key".into(), json!(m.media_key));
    o.insert("size".into(), json!(m.total_bytes));
    o.insert(
        "expires_after_secs".into(),
        json!(((m.expires_ms - now_ms) / 1000).max(0)),
    );
    o
}

/// `POST /x/api/2/media/upload`: one-shot image upload.
pub async fn simple(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let caller = match auth::authorize(&shared, req.headers(), auth::UPLOAD) {
        Ok(c) => c,
        Err(resp) => return *resp,
    };
    let resp = match upload_fields(req).await {
        Err(msg) => x_invalid("media", msg),
        Ok((fields, media)) => simple_inner(&shared, &caller, &fields, media),
    };
    caller.decorate(resp)
}

fn simple_inner(
    shared: &Shared,
    caller: &Caller,
    f: &HashMap<String, String>,
    media: Option<Bytes>,
) -> Response {
    let Some(category) = f.get("media_category") else {
        return x_invalid(
            "media_category",
            "The `media_category` parameter is required.",
        );
    };
    if !matches!(
        category.as_str(),
        "tweet_image" | "dm_image" | "subtitles" | "tweet_gif" | "dm_gif"
    ) {
        return x_invalid(
            "media_category",
            "This endpoint takes images only; use the chunked upload for video.",
        );
    }
    let Some(bytes) = media.filter(|b| !b.is_empty()) else {
        return x_invalid("media", "The `media` parameter is required.");
    };
    let Some(mime) = sniff(&bytes).filter(|m| m.starts_with("image/")) else {
        return x_invalid("media", "media type unrecognized.");
    };
    let prefix = key_prefix(category, mime);
    if bytes.len() > size_limit(prefix) {
        return x_invalid(
            "media",
            "File size exceeds the limit for this media category.",
        );
    }
    let now = shared.clock.now_ms();
    let (w, h) = dimensions(&bytes);
    let mut world = shared.world();
    let id = world.snowflakes.next(now).to_string();
    let m = XMedia {
        id: id.clone(),
        media_key: format!("{prefix}{id}"),
        owner: caller.user_id.clone(),
        category: category.clone(),
        mime: mime.to_owned(),
        total_bytes: bytes.len(),
        segments: Vec::new(),
        bytes,
        state: UploadState::Finalized(now),
        fails: false,
        alt_text: None,
        expires_ms: now + EXPIRES_AFTER_S * 1000,
    };
    let mut o = base_json(&m, now);
    o.insert("image".into(), json!({"image_type": mime, "w": w, "h": h}));
    if m.is_async() {
        o.insert("processing_info".into(), processing_json(shared, &m, now));
    }
    store(&mut world, m, shared.config.max_x_media_bytes);
    json(StatusCode::OK, json!({ "data": o }))
}

#[derive(Debug, Deserialize)]
struct InitBody {
    media_type: Option<String>,
    total_bytes: Option<i64>,
    media_category: Option<String>,
}

/// `POST /x/api/2/media/upload/initialize`.
pub async fn initialize(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    auth::guarded(&shared, &headers, auth::CHUNKED, |caller| {
        initialize_inner(&shared, caller, &body)
    })
}

fn initialize_inner(shared: &Shared, caller: &Caller, body: &[u8]) -> Response {
    let Ok(init) = serde_json::from_slice::<InitBody>(body) else {
        return x_invalid("body", "JSON doesn't match expected schema");
    };
    let Some(category) = init
        .media_category
        .filter(|c| CATEGORIES.contains(&c.as_str()))
    else {
        return x_invalid(
            "media_category",
            "The `media_category` parameter is required.",
        );
    };
    let Some(mime) = init.media_type else {
        return x_invalid("media_type", "The `media_type` parameter is required.");
    };
    let total = match init.total_bytes.map(usize::try_from) {
        Some(Ok(n)) if n > 0 => n,
        _ => {
            return x_invalid(
                "total_bytes",
                "The `total_bytes` parameter must be a positive integer.",
            );
        }
    };
    let prefix = key_prefix(&category, &mime);
    if total > size_limit(prefix) {
        return x_invalid(
            "total_bytes",
            "File size exceeds the limit for this media category.",
        );
    }
    if total > shared.config.max_x_media_bytes {
        return x_invalid(
            "total_bytes",
            "File size exceeds what this emulator stores (max_x_media_bytes).",
        );
    }
    let now = shared.clock.now_ms();
    let mut world = shared.world();
    let id = world.snowflakes.next(now).to_string();
    let m = XMedia {
        id: id.clone(),
        media_key: format!("{prefix}{id}"),
        owner: caller.user_id.clone(),
        category,
        mime,
        total_bytes: total,
        segments: Vec::new(),
        bytes: Bytes::new(),
        state: UploadState::Uploading,
        fails: false,
        alt_text: None,
        expires_ms: now + EXPIRES_AFTER_S * 1000,
    };
    let body = json!({"data": {"id": id, "media_key": m.media_key, "expires_after_secs": EXPIRES_AFTER_S}});
    store(&mut world, m, shared.config.max_x_media_bytes);
    json(StatusCode::OK, body)
}

/// `POST /x/api/2/media/upload/{id}/append`.
pub async fn append(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let caller = match auth::authorize(&shared, req.headers(), auth::CHUNKED) {
        Ok(c) => c,
        Err(resp) => return *resp,
    };
    let resp = match upload_fields(req).await {
        Err(msg) => x_invalid("media", msg),
        Ok((fields, media)) => append_inner(&shared, &caller, &id, &fields, media),
    };
    caller.decorate(resp)
}

fn append_inner(
    shared: &Shared,
    caller: &Caller,
    id: &str,
    f: &HashMap<String, String>,
    media: Option<Bytes>,
) -> Response {
    let Some(index) = f.get("segment_index").and_then(|s| s.parse::<usize>().ok()) else {
        return x_invalid(
            "segment_index",
            "The `segment_index` parameter is required.",
        );
    };
    if index > MAX_SEGMENT {
        return x_invalid("segment_index", "segment_index must be between 0 and 999.");
    }
    let Some(chunk) = media else {
        return x_invalid("media", "The `media` parameter is required.");
    };
    let mut world = shared.world();
    let Some(m) = world
        .x_media
        .get_mut(id)
        .filter(|m| m.owner == caller.user_id)
    else {
        return x_not_found("media", id);
    };
    if m.state != UploadState::Uploading {
        return x_invalid("media_id", "The media was already finalized.");
    }
    if index > m.segments.len() {
        return x_invalid(
            "segment_index",
            "Segments must be appended in order, starting at 0.",
        );
    }
    let held: usize = m.segments.iter().flatten().map(Bytes::len).sum();
    let replaced = m
        .segments
        .get(index)
        .and_then(|s| s.as_ref())
        .map_or(0, Bytes::len);
    if held - replaced + chunk.len() > m.total_bytes {
        return x_invalid("media", "Segments exceed the declared total_bytes.");
    }
    if index == m.segments.len() {
        m.segments.push(Some(chunk));
    } else {
        m.segments[index] = Some(chunk);
    }
    let expires_at = m.expires_ms / 1000;
    json(StatusCode::OK, json!({"data": {"expires_at": expires_at}}))
}

/// `POST /x/api/2/media/upload/{id}/finalize`.
pub async fn finalize(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    auth::guarded(&shared, &headers, auth::CHUNKED, |caller| {
        let now = shared.clock.now_ms();
        let mut world = shared.world();
        let mut added = 0;
        let resp = match world
            .x_media
            .get_mut(&id)
            .filter(|m| m.owner == caller.user_id)
        {
            None => x_not_found("media", &id),
            Some(m) if m.state != UploadState::Uploading => {
                x_invalid("media_id", "The media was already finalized.")
            }
            Some(m) => {
                let size: usize = m.segments.iter().flatten().map(Bytes::len).sum();
                if size != m.total_bytes {
                    x_invalid(
                        "media",
                        "Segments do not add up to provided total file size.",
                    )
                } else {
                    let mut all = Vec::with_capacity(size);
                    for s in m.segments.drain(..).flatten() {
                        all.extend_from_slice(&s);
                    }
                    let sniffed = sniff(&all);
                    // Processing fails, as X's does, when the bytes are not what was declared.
                    m.fails = match m.kind() {
                        "video" => sniffed != Some("video/mp4"),
                        "animated_gif" => sniffed != Some("image/gif"),
                        _ => !sniffed.is_some_and(|s| s.starts_with("image/")),
                    };
                    added = all.len();
                    m.bytes = Bytes::from(all);
                    m.state = UploadState::Finalized(now);
                    let mut o = base_json(m, now);
                    if m.is_async() {
                        o.insert("processing_info".into(), processing_json(&shared, m, now));
                    }
                    json(StatusCode::OK, json!({ "data": o }))
                }
            }
        };
        world.x_media_bytes += added;
        evict_bytes(&mut world, shared.config.max_x_media_bytes);
        drop(world);
        resp
    })
}

/// `GET /x/api/2/media/upload?command=STATUS&media_id=`.
pub async fn status(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    auth::guarded(&shared, &headers, auth::STATUS, |caller| {
        if q.get("command").map(String::as_str) != Some("STATUS") {
            return x_invalid("command", "The `command` parameter must be STATUS.");
        }
        let id = q.get("media_id").cloned().unwrap_or_default();
        let now = shared.clock.now_ms();
        let world = shared.world();
        let resp = match world.x_media.get(&id).filter(|m| m.owner == caller.user_id) {
            None => x_not_found("media", &id),
            Some(m) => {
                let mut o = base_json(m, now);
                o.insert("processing_info".into(), processing_json(&shared, m, now));
                if m.kind() == "video" {
                    o.insert("video".into(), json!({"video_type": m.mime}));
                }
                json(StatusCode::OK, json!({ "data": o }))
            }
        };
        drop(world);
        resp
    })
}

#[derive(Debug, Deserialize)]
struct MetadataBody {
    id: String,
    metadata: Option<MetadataInner>,
}

#[derive(Debug, Deserialize)]
struct MetadataInner {
    alt_text: Option<AltText>,
}

#[derive(Debug, Deserialize)]
struct AltText {
    text: String,
}

/// `POST /x/api/2/media/metadata`: alt text up to 1 000 characters.
pub async fn metadata(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    auth::guarded(
        &shared,
        &headers,
        auth::METADATA,
        |caller| match serde_json::from_slice::<MetadataBody>(&body) {
            Err(_) => x_invalid("body", "JSON doesn't match expected schema"),
            Ok(req) => {
                let text = req.metadata.and_then(|m| m.alt_text).map(|a| a.text);
                let mut world = shared.world();
                match (
                    world
                        .x_media
                        .get_mut(&req.id)
                        .filter(|m| m.owner == caller.user_id),
                    text,
                ) {
                    (None, _) => x_not_found("media", &req.id),
                    (Some(_), None) => {
                        x_invalid("metadata.alt_text.text", "alt_text.text is required.")
                    }
                    (Some(_), Some(t)) if t.chars().count() > 1000 => x_invalid(
                        "metadata.alt_text.text",
                        "alt_text.text must be at most 1000 characters.",
                    ),
                    (Some(m), Some(t)) => {
                        m.alt_text = Some(t.clone());
                        json(
                            StatusCode::OK,
                            json!({"data": {"id": req.id, "associated_metadata": {"alt_text": {"text": t}}}}),
                        )
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_and_dimensions_read_our_own_jpeg() {
        let j = crate::jpeg::jpeg(3, crate::jpeg::Gps { lat: 1.0, lon: 2.0 });
        assert_eq!(sniff(&j), Some("image/jpeg"));
        assert_eq!(dimensions(&j), (320, 320));
        assert_eq!(sniff(&crate::mp4::mp4(1)), Some("video/mp4"));
        assert_eq!(sniff(b"hello"), None);
    }
}
