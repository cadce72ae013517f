//! Moving one media item from the source to the target, through the media
//! pipeline: images are stripped of metadata (and refitted only when over the
//! target's limits), videos are spooled to a temporary file, checked from their
//! container, and streamed from disk, so a video is never held in memory.

use bytes::BytesMut;
use futures_util::{StreamExt, TryStreamExt};
use xpost_core::{
    MediaBody, MediaItem, MediaKind, MediaUpload, RemoteError, RetryKind, Side, Source, SourcePost,
    Target, TargetMediaId,
};

use crate::media::{ImageLimits, ImageType, MediaError, check_video, prepare_image, spool_to_temp};

/// The largest image read into memory (X takes 5 MB, GIFs 15 MB; larger ones are
/// refitted).
const MAX_IMAGE_BYTES: usize = 32 * 1024 * 1024;
/// The largest video spooled (X takes 512 MB).
const MAX_VIDEO_BYTES: u64 = 512 * 1024 * 1024;
/// Chunks read back from a spooled video.
const VIDEO_CHUNK: usize = 1024 * 1024;

/// Fetches `item` from the source and uploads it to the target. The error says
/// which side failed, so that lost credentials are blamed on the right account.
pub(crate) async fn upload_item(
    source: &dyn Source,
    target: &dyn Target,
    post: &SourcePost,
    item: &MediaItem,
) -> Result<TargetMediaId, (Side, RemoteError)> {
    let body = source
        .media(post, item)
        .await
        .map_err(|e| (Side::Source, e))?;
    let upload = prepare(body, item).await?;
    target.upload(upload).await.map_err(|e| (Side::Target, e))
}

/// A pipeline failure as the state machine sees it: transient trouble is
/// retried, media that cannot go to the target fail the post with the reason.
fn media_failure(error: MediaError) -> (Side, RemoteError) {
    let message = error.to_string();
    let remote = match error.retry_kind() {
        RetryKind::Backoff | RetryKind::After(_) => RemoteError::Unavailable { message },
        _ => RemoteError::Media { message },
    };
    (Side::Source, remote)
}

async fn prepare(body: MediaBody, item: &MediaItem) -> Result<MediaUpload, (Side, RemoteError)> {
    let alt_text = item.alt_text.clone();
    match body.kind {
        MediaKind::Video => {
            let spooled = spool_to_temp(body.bytes, MAX_VIDEO_BYTES)
                .await
                .map_err(media_failure)?;
            let reader = spooled.reader().map_err(media_failure)?;
            let length = spooled.len();
            tokio::task::spawn_blocking(move || check_video(reader, length))
                .await
                .map_err(|e| {
                    (
                        Side::Source,
                        RemoteError::Unavailable {
                            message: format!("video check stopped: {e}"),
                        },
                    )
                })?
                .map_err(media_failure)?;
            let stream = spooled.into_stream(VIDEO_CHUNK).map_err(media_failure)?;
            Ok(MediaUpload {
                body: MediaBody {
                    kind: MediaKind::Video,
                    content_type: "video/mp4".into(),
                    length: Some(length),
                    bytes: stream
                        .map_err(|e| RemoteError::Unavailable {
                            message: format!("reading the spooled video: {e}"),
                        })
                        .boxed(),
                },
                length,
                alt_text,
            })
        }
        // Images, and kinds added later, are read whole: they are small.
        _ => {
            let MediaBody {
                content_type,
                mut bytes,
                ..
            } = body;
            let mut buffer = BytesMut::new();
            while let Some(chunk) = bytes.next().await {
                let chunk = chunk.map_err(|e| (Side::Source, e))?;
                if buffer.len() + chunk.len() > MAX_IMAGE_BYTES {
                    return Err((
                        Side::Source,
                        RemoteError::Media {
                            message: format!("an image over {MAX_IMAGE_BYTES} bytes"),
                        },
                    ));
                }
                buffer.extend_from_slice(&chunk);
            }
            let kind = ImageType::from_mime(&content_type)
                .or_else(|_| sniff(&buffer))
                .map_err(media_failure)?;
            let raw = buffer.freeze();
            let prepared = tokio::task::spawn_blocking(move || {
                prepare_image(&raw, kind, &ImageLimits::default())
            })
            .await
            .map_err(|e| {
                (
                    Side::Source,
                    RemoteError::Unavailable {
                        message: format!("image preparation stopped: {e}"),
                    },
                )
            })?
            .map_err(media_failure)?;
            let data = bytes::Bytes::from(prepared.bytes);
            let length = data.len() as u64;
            Ok(MediaUpload {
                body: MediaBody {
                    kind: MediaKind::Image,
                    content_type: prepared.kind.mime().into(),
                    length: Some(length),
                    bytes: futures_util::stream::once(async move { Ok(data) }).boxed(),
                },
                length,
                alt_text,
            })
        }
    }
}

/// The image type from the first bytes, for a CDN that sends no useful type.
fn sniff(bytes: &[u8]) -> Result<ImageType, MediaError> {
    let mime = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(b"GIF8") {
        "image/gif"
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        "application/octet-stream"
    };
    ImageType::from_mime(mime)
}
