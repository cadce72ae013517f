//! Profile sync: the Instagram name, biography, website and picture copied to
//! the X profile, each field only when the link's `[profile_sync]` asks for it.
//!
//! A change is found by comparing the source profile with what was last applied
//! (the store's [`ProfileSnapshot`]), never with the target: X rewrites links in
//! a description and re-encodes avatars, so the target never reads back as sent.
//! The picture is compared by the SHA-256 of its bytes, because Instagram signs
//! its CDN URLs and changes them while the picture stays the same.
//!
//! Each applied field is recorded in the snapshot right after the target took
//! it, with one event per field. The changes are idempotent on X, so a crash
//! between the two only means the same value is sent once more.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use xpost_core::{
    Event, EventKind, FailureClass, Lease, Link, ProfileChange, ProfileSnapshot, RemoteError,
    Source, Store, StoreError, Target,
};
use xpost_policy::LinkSettings;
use xpost_policy::profile_sync::{description_for, name_for, url_for};

/// The task name under which the last check is recorded.
pub(crate) const TASK: &str = "profile_sync";

/// The largest profile picture downloaded (Instagram serves 320 px JPEGs of a
/// few dozen kilobytes; anything far larger is not a profile picture).
const MAX_PICTURE_BYTES: usize = 5 * 1024 * 1024;

/// Why a profile sync stopped.
#[derive(Debug)]
pub(crate) enum Trouble {
    /// A platform failed or refused.
    Remote(RemoteError),
    /// The store failed (a lost lease included).
    Store(StoreError),
}

impl From<StoreError> for Trouble {
    fn from(e: StoreError) -> Self {
        Trouble::Store(e)
    }
}

/// Lower-case hex SHA-256 of `bytes`.
fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The picture at `url`, whole (bounded), with its content type.
async fn picture(source: &dyn Source, url: &str) -> Result<(Bytes, String), RemoteError> {
    let body = source.picture(url).await?;
    if body.length.is_some_and(|n| n > MAX_PICTURE_BYTES as u64) {
        return Err(RemoteError::Media {
            message: format!(
                "profile picture of {} bytes is too large",
                body.length.unwrap_or(0)
            ),
        });
    }
    let content_type = body.content_type.clone();
    let mut stream = body.bytes;
    let mut bytes = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if bytes.len() + chunk.len() > MAX_PICTURE_BYTES {
            return Err(RemoteError::Media {
                message: format!("profile picture larger than {MAX_PICTURE_BYTES} bytes"),
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.is_empty() {
        return Err(RemoteError::Media {
            message: "profile picture is empty".into(),
        });
    }
    Ok((bytes.freeze(), content_type))
}

/// What one check did: the events of the fields it applied, and the error
/// that stopped it after some were applied (the picture failing after the
/// name went through, say).
pub(crate) struct Applied {
    pub(crate) events: Vec<Event>,
    pub(crate) stopped: Option<RemoteError>,
}

/// One check of `link`'s profile: applies what changed on the source since the
/// last sync, for the fields `settings` opt into.
pub(crate) async fn sync(
    store: &dyn Store,
    lease: &Lease,
    link: &Link,
    settings: &LinkSettings,
    source: &dyn Source,
    target: &dyn Target,
    now: jiff::Timestamp,
) -> Result<Applied, Trouble> {
    let wanted = &settings.profile_sync;
    let profile = source.profile().await.map_err(Trouble::Remote)?;
    let before = store.profile_snapshot(&link.id).await?.unwrap_or_default();
    let mut next = before.clone();
    let mut change = ProfileChange::default();
    let mut events = Vec::new();
    let event =
        |message: String| Event::new(now, link.id.clone(), EventKind::ProfileSynced, message);

    if wanted.name {
        if let Some(name) = profile.name.as_ref().filter(|n| !n.trim().is_empty()) {
            if before.name.as_ref() != Some(name) {
                change.name = Some(name_for(name));
                next.name = Some(name.clone());
            }
        }
    }
    if wanted.bio {
        let bio = profile.bio.clone().unwrap_or_default();
        if before.bio.as_deref().unwrap_or_default() != bio || before.bio.is_none() {
            let description = description_for(&bio, settings).map_err(|e| {
                Trouble::Remote(RemoteError::Rejected {
                    message: format!("the biography cannot become an X description: {e}"),
                })
            })?;
            change.description = Some(description);
            next.bio = Some(bio);
        }
    }
    if wanted.website {
        let website = profile.website.clone().unwrap_or_default();
        if before.website.as_deref().unwrap_or_default() != website || before.website.is_none() {
            match url_for(&website) {
                Some(url) => {
                    change.url = Some(url);
                    next.website = Some(website);
                }
                None => {
                    return Err(Trouble::Remote(RemoteError::Rejected {
                        message: format!(
                            "the website has {} characters; X takes at most 100",
                            website.chars().count()
                        ),
                    }));
                }
            }
        }
    }
    if !change.is_empty() {
        let applied = target
            .update_profile(&change)
            .await
            .map_err(Trouble::Remote)?;
        for (field, value) in [
            ("name", &change.name),
            ("description", &change.description),
            ("website", &change.url),
        ] {
            if let Some(value) = value {
                events.push(event(format!(
                    "X {field} set to {value:?} (via {})",
                    applied.via
                )));
            }
        }
        let texts = ProfileSnapshot {
            picture_sha256: before.picture_sha256.clone(),
            ..next.clone()
        };
        store.put_profile_snapshot(lease, &texts, now).await?;
    }

    if wanted.picture {
        if let Some(url) = profile.picture_url.as_deref() {
            let (bytes, content_type) = match picture(source, url).await {
                Ok(got) => got,
                Err(error) => return stopped(events, error),
            };
            let sha = sha256_hex(&bytes);
            if before.picture_sha256.as_deref() != Some(sha.as_str()) {
                let applied = match target.update_avatar(bytes, &content_type).await {
                    Ok(applied) => applied,
                    Err(error) => return stopped(events, error),
                };
                events.push(event(format!(
                    "X avatar set to the Instagram picture sha256:{} (via {})",
                    &sha[..12],
                    applied.via
                )));
                next.picture_sha256 = Some(sha);
                store.put_profile_snapshot(lease, &next, now).await?;
            }
        }
    }
    Ok(Applied {
        events,
        stopped: None,
    })
}

/// A check stopped by `error`: with nothing applied yet it is simply the
/// error; otherwise the applied fields' events are kept with it.
fn stopped(events: Vec<Event>, error: RemoteError) -> Result<Applied, Trouble> {
    if events.is_empty() {
        return Err(Trouble::Remote(error));
    }
    Ok(Applied {
        events,
        stopped: Some(error),
    })
}

/// The failure event of a check that stopped on `error`.
pub(crate) fn failure_event(link: &Link, error: &RemoteError, now: jiff::Timestamp) -> Event {
    let hint = match error {
        RemoteError::Rejected { .. } | RemoteError::MissingScope { .. } => Some(
            "X may take profile changes only through v1.1 for this app: set XPOST_X_API_KEY and \
             XPOST_X_API_SECRET and link OAuth 1.0a with `xpost link x-oauth1`, or turn the \
             field off in [profile_sync]"
                .to_owned(),
        ),
        _ => None,
    };
    let class: FailureClass = error.class();
    Event::new(
        now,
        link.id.clone(),
        EventKind::ProfileSyncFailed,
        format!("profile sync failed: {error}"),
    )
    .failure(class, hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
