//! Moving one media item from the source to the target.

use bytes::BytesMut;
use futures_util::StreamExt;
use xpost_core::{
    MediaBody, MediaItem, MediaKind, MediaUpload, RemoteError, Side, Source, SourcePost, Target,
    TargetMediaId,
};

/// The largest image read into memory (X takes 5 MB, GIFs 15 MB).
const MAX_IMAGE_BYTES: usize = 16 * 1024 * 1024;

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
    let upload = prepare(body, item).await.map_err(|e| (Side::Source, e))?;
    target.upload(upload).await.map_err(|e| (Side::Target, e))
}

/// Makes a fetched body ready for upload: images are read whole (they are small)
/// so their exact length is known; a video must declare its length and is
/// streamed through.
async fn prepare(body: MediaBody, item: &MediaItem) -> Result<MediaUpload, RemoteError> {
    let alt_text = None;
    match (body.kind, body.length) {
        (MediaKind::Video, Some(length)) => Ok(MediaUpload {
            body,
            length,
            alt_text,
        }),
        (MediaKind::Video, None) => Err(RemoteError::Media {
            message: format!(
                "the video {} has no declared length",
                item.id
                    .as_ref()
                    .map_or("of the post".to_owned(), ToString::to_string)
            ),
        }),
        _ => {
            let MediaBody {
                kind,
                content_type,
                mut bytes,
                ..
            } = body;
            let mut buffer = BytesMut::new();
            while let Some(chunk) = bytes.next().await {
                let chunk = chunk?;
                if buffer.len() + chunk.len() > MAX_IMAGE_BYTES {
                    return Err(RemoteError::Media {
                        message: format!("an image over {MAX_IMAGE_BYTES} bytes"),
                    });
                }
                buffer.extend_from_slice(&chunk);
            }
            let data = buffer.freeze();
            let length = data.len() as u64;
            Ok(MediaUpload {
                body: MediaBody {
                    kind,
                    content_type,
                    length: Some(length),
                    bytes: futures_util::stream::once(async move { Ok(data) }).boxed(),
                },
                length,
                alt_text,
            })
        }
    }
}
