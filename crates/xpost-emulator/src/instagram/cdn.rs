//! The CDN that `media_url` and `profile_picture_url` point at: signed, expiring URLs
//! that serve real JPEG and MP4 bytes.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::jpeg::{self, Gps};
use crate::mp4;
use crate::state::{IgMediaType, Shared};

/// How long a signed CDN URL works (real ones last a few days).
const URL_LIFE_S: i64 = 3 * 86_400;

fn signature(shared: &Shared, file: &str, oe: &str) -> String {
    let mut h = Sha256::new();
    h.update(shared.config.client_secret.expose_secret().as_bytes());
    h.update(b"|");
    h.update(file.as_bytes());
    h.update(b"|");
    h.update(oe.as_bytes());
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A signed URL for `file` (below `/instagram/cdn/`), valid for a few days from now.
pub fn signed_url(shared: &Shared, origin: &str, file: &str) -> String {
    let oe = format!("{:X}", shared.clock.now_s() + URL_LIFE_S);
    let oh = signature(shared, file, &oe);
    format!(
        "{origin}/instagram/cdn/{file}?_nc_cat=1&_nc_sid=8ae9d6&_nc_ht=scontent.cdninstagram.com&oh={oh}&oe={oe}"
    )
}

/// The GPS position and grey shade baked into a post's picture, derived from its id.
pub fn media_gps(id: &str) -> (Gps, u8) {
    let d = Sha256::digest(id.as_bytes());
    let word = |i: usize| f64::from(u32::from_be_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]));
    let max = f64::from(u32::MAX);
    let gps = Gps {
        lat: ((word(0) / max * 160.0 - 80.0) * 1e4).round() / 1e4,
        lon: ((word(4) / max * 360.0 - 180.0) * 1e4).round() / 1e4,
    };
    (gps, d[8])
}

/// The bytes of an account's profile picture at `version`.
pub fn profile_picture_bytes(user_id: &str, version: u32) -> Vec<u8> {
    let (gps, shade) = media_gps(&format!("{user_id}/{version}"));
    jpeg::jpeg(shade, gps)
}

/// `GET /instagram/cdn/{file}`.
pub async fn serve(
    State(shared): State<Arc<Shared>>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let forbidden = |why: &'static str| (StatusCode::FORBIDDEN, why).into_response();
    let (Some(oe), Some(oh)) = (q.get("oe"), q.get("oh")) else {
        return forbidden("Bad URL hash");
    };
    if signature(&shared, &file, oe) != *oh {
        return forbidden("Bad URL hash");
    }
    match i64::from_str_radix(oe, 16) {
        Ok(exp) if exp > shared.clock.now_s() => {}
        _ => return forbidden("URL signature expired"),
    }
    let name = file.rsplit('/').next().unwrap_or("");
    let not_found = || (StatusCode::NOT_FOUND, "Not Found").into_response();
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let Some((id, kind)) = stem.rsplit_once('_') else {
        return not_found();
    };
    let world = shared.world();
    if let Some(version) = kind.strip_prefix('p') {
        let Some(account) = world.ig_accounts.get(id) else {
            return not_found();
        };
        if version != account.picture_version.to_string() {
            return not_found();
        }
        let bytes = profile_picture_bytes(id, account.picture_version);
        return bytes_answer("image/jpeg", bytes);
    }
    let Some(media) = world.ig_media.get(id).filter(|m| !m.deleted) else {
        return not_found();
    };
    let video = media.media_type == IgMediaType::Video;
    drop(world);
    let (gps, shade) = media_gps(id);
    match (kind, ext, video) {
        ("n", "mp4", true) => bytes_answer("video/mp4", mp4::mp4(shade)),
        ("n", "jpg", false) | ("t", "jpg", true) => {
            bytes_answer("image/jpeg", jpeg::jpeg(shade, gps))
        }
        _ => not_found(),
    }
}

fn bytes_answer(content_type: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "max-age=1209600, no-transform"),
        ],
        bytes,
    )
        .into_response()
}
