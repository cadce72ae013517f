//! Media upload: one-shot for images, initialize / append / finalize / status for
//! GIFs and videos, alt text, and the size, format and duration limits checked before
//! a byte is sent.

use crate::client::{Auth, Body, Call, Part, XClient};
use crate::error::Error;
use crate::ids::{MediaId, MediaKey, XUserId};
use crate::model::Envelope;
use crate::posts::enc;
use crate::rate_limit::Endpoint;
use crate::segments::Segments;
use crate::token::Scope;
use bytes::Bytes;
use futures::{Stream, stream};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::convert::Infallible;
use std::time::Duration;

const MEDIA: &[Scope] = &[Scope::MEDIA_WRITE];

/// Largest image: 5 MB.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// Largest animated GIF: 15 MB.
pub const MAX_GIF_BYTES: usize = 15 * 1024 * 1024;
/// Largest video: 512 MB.
pub const MAX_VIDEO_BYTES: usize = 512 * 1024 * 1024;
/// Shortest video: 0.5 s.
pub const MIN_VIDEO_DURATION: Duration = Duration::from_millis(500);
/// Longest video: 140 s.
pub const MAX_VIDEO_DURATION: Duration = Duration::from_secs(140);
/// Longest alt text, in characters.
pub const MAX_ALT_TEXT_CHARS: usize = 1000;
/// Most append segments (indices 0–999).
pub const MAX_SEGMENTS: usize = 1000;

const IMAGE_TYPES: &[&str] = &[
    "image/jpeg",
    "image/pjpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/bmp",
    "image/tiff",
];
const VIDEO_TYPES: &[&str] = &["video/mp4", "video/quicktime", "video/webm", "video/mp2t"];

/// What kind of media an upload is, which decides its limits and whether it may share
/// a post with other media.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// A still image (up to four per post).
    Image,
    /// An animated GIF (alone in its post).
    Gif,
    /// A video (alone in its post).
    Video,
}

impl MediaKind {
    /// The `media_category` X expects for a post attachment.
    pub fn category(self) -> &'static str {
        match self {
            Self::Image => "tweet_image",
            Self::Gif => "tweet_gif",
            Self::Video => "tweet_video",
        }
    }

    fn max_bytes(self) -> usize {
        match self {
            Self::Image => MAX_IMAGE_BYTES,
            Self::Gif => MAX_GIF_BYTES,
            Self::Video => MAX_VIDEO_BYTES,
        }
    }
}

/// What X needs to know about media before its bytes arrive: type, kind, total
/// length, duration, alt text and extra owners. With a byte stream it is a streamed
/// upload ([`XClient::upload_media_stream`]); with bytes in memory, a [`MediaUpload`].
#[derive(Clone, Debug, PartialEq)]
pub struct MediaSpec {
    media_type: String,
    kind: MediaKind,
    total_bytes: u64,
    duration: Option<Duration>,
    alt_text: Option<String>,
    additional_owners: Vec<XUserId>,
}

impl MediaSpec {
    /// A still image of MIME type `media_type` and `total_bytes` bytes.
    pub fn image(media_type: impl Into<String>, total_bytes: u64) -> Self {
        Self::new(media_type.into(), MediaKind::Image, total_bytes, None)
    }

    /// An animated GIF of `total_bytes` bytes.
    pub fn gif(total_bytes: u64) -> Self {
        Self::new("image/gif".into(), MediaKind::Gif, total_bytes, None)
    }

    /// A video of MIME type `media_type` and `total_bytes` bytes; give its `duration`
    /// when known so the 0.5–140 s rule is checked before uploading.
    pub fn video(
        media_type: impl Into<String>,
        total_bytes: u64,
        duration: Option<Duration>,
    ) -> Self {
        Self::new(media_type.into(), MediaKind::Video, total_bytes, duration)
    }

    fn new(
        media_type: String,
        kind: MediaKind,
        total_bytes: u64,
        duration: Option<Duration>,
    ) -> Self {
        Self {
            media_type,
            kind,
            total_bytes,
            duration,
            alt_text: None,
            additional_owners: Vec::new(),
        }
    }

    /// Alt text (≤1000 characters), set once the upload is done.
    pub fn alt_text(mut self, text: impl Into<String>) -> Self {
        self.alt_text = Some(text.into());
        self
    }

    /// Lets another account attach this media too.
    pub fn additional_owner(mut self, id: impl Into<XUserId>) -> Self {
        self.additional_owners.push(id.into());
        self
    }

    /// The kind of media.
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// The length the bytes must have.
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// Checks X's documented limits.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the broken rule: empty, too large for its kind,
    /// a format X does not take, a video outside 0.5–140 s, alt text over 1000
    /// characters.
    pub fn validate(&self) -> Result<(), Error> {
        let size = self.total_bytes;
        if size == 0 {
            return Err(Error::invalid("media", "no bytes"));
        }
        let allowed: &[&str] = match self.kind {
            MediaKind::Image => IMAGE_TYPES,
            MediaKind::Gif => &["image/gif"],
            MediaKind::Video => VIDEO_TYPES,
        };
        if !allowed.contains(&self.media_type.as_str()) {
            return Err(Error::invalid(
                "media type",
                format!(
                    "{} is not accepted for {:?} (accepted: {})",
                    self.media_type,
                    self.kind,
                    allowed.join(", ")
                ),
            ));
        }
        let max = self.kind.max_bytes();
        if size > max as u64 {
            return Err(Error::invalid(
                "media size",
                format!("{size} bytes; a {:?} may have at most {max}", self.kind),
            ));
        }
        if let Some(d) = self.duration {
            if !(MIN_VIDEO_DURATION..=MAX_VIDEO_DURATION).contains(&d) {
                return Err(Error::invalid(
                    "video duration",
                    format!("{:.1} s; X takes 0.5 to 140 s", d.as_secs_f64()),
                ));
            }
        }
        if let Some(alt) = &self.alt_text {
            check_alt_text(alt)?;
        }
        Ok(())
    }
}

/// Bytes in memory plus what X needs to know about them.
#[derive(Clone, PartialEq)]
pub struct MediaUpload {
    data: Bytes,
    spec: MediaSpec,
}

impl std::fmt::Debug for MediaUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaUpload")
            .field("bytes", &self.data.len())
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl MediaUpload {
    /// A still image of MIME type `media_type` (`image/jpeg`, `image/png`...).
    pub fn image(data: impl Into<Bytes>, media_type: impl Into<String>) -> Self {
        let data = data.into();
        let spec = MediaSpec::image(media_type, data.len() as u64);
        Self { data, spec }
    }

    /// An animated GIF.
    pub fn gif(data: impl Into<Bytes>) -> Self {
        let data = data.into();
        let spec = MediaSpec::gif(data.len() as u64);
        Self { data, spec }
    }

    /// A video of MIME type `media_type`; give its `duration` when known so the
    /// 0.5–140 s rule is checked before uploading.
    pub fn video(
        data: impl Into<Bytes>,
        media_type: impl Into<String>,
        duration: Option<Duration>,
    ) -> Self {
        let data = data.into();
        let spec = MediaSpec::video(media_type, data.len() as u64, duration);
        Self { data, spec }
    }

    /// Alt text (≤1000 characters), set once the upload is done.
    pub fn alt_text(mut self, text: impl Into<String>) -> Self {
        self.spec = self.spec.alt_text(text);
        self
    }

    /// Lets another account attach this media too.
    pub fn additional_owner(mut self, id: impl Into<XUserId>) -> Self {
        self.spec = self.spec.additional_owner(id);
        self
    }

    /// The kind of media.
    pub fn kind(&self) -> MediaKind {
        self.spec.kind
    }

    /// What X is told about the bytes.
    pub fn spec(&self) -> &MediaSpec {
        &self.spec
    }

    /// Checks X's documented limits (see [`MediaSpec::validate`]).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the broken rule.
    pub fn validate(&self) -> Result<(), Error> {
        self.spec.validate()
    }
}

fn check_alt_text(alt: &str) -> Result<(), Error> {
    let chars = alt.chars().count();
    if chars > MAX_ALT_TEXT_CHARS {
        return Err(Error::invalid(
            "alt text",
            format!("{chars} characters; at most {MAX_ALT_TEXT_CHARS}"),
        ));
    }
    Ok(())
}

/// Media that is uploaded, processed and ready to attach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadedMedia {
    /// The id to put in `media.media_ids`.
    pub id: MediaId,
    /// The media key, when X sent one.
    pub media_key: Option<MediaKey>,
    /// The kind uploaded.
    pub kind: MediaKind,
    /// Seconds the id stays usable, counted from the answer.
    pub expires_after_secs: Option<u64>,
}

#[cfg(test)]
impl UploadedMedia {
    pub(crate) fn for_tests(id: &str, kind: MediaKind) -> Self {
        Self {
            id: MediaId::new(id),
            media_key: None,
            kind,
            expires_after_secs: None,
        }
    }
}

/// The media object of upload, finalize and status answers (v2 `data`, or a v1.1
/// body, whose string id is `media_id_string`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct MediaInfo {
    /// The media id.
    #[serde(alias = "media_id_string")]
    pub id: MediaId,
    /// The media key (`3_` image, `7_` video, `16_` GIF).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_key: Option<MediaKey>,
    /// Bytes received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Seconds the id stays usable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_after_secs: Option<u64>,
    /// Present while (or after) X processes a video or GIF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_info: Option<ProcessingInfo>,
    /// Fields not modelled above (`image`, `video`, v1.1 `media_id`...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where processing stands.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct ProcessingInfo {
    /// The state.
    pub state: ProcessingState,
    /// Seconds to wait before asking again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_after_secs: Option<u64>,
    /// Progress, 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_percent: Option<u8>,
    /// Why processing failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ProcessingError>,
}

/// Processing states, in the order X moves through them.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingState {
    /// Queued.
    Pending,
    /// Being processed.
    InProgress,
    /// Ready to attach.
    Succeeded,
    /// Rejected; see the error.
    Failed,
    /// A state this client does not know yet (treated as still processing).
    #[serde(other)]
    Unknown,
}

/// X's reason for failed processing.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct ProcessingError {
    /// Numeric code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// Short name, such as `InvalidMedia`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Explanation.
    #[serde(default)]
    pub message: String,
}

impl XClient {
    /// Uploads media held in memory and waits until it can be attached (see
    /// [`XClient::upload_media_stream`], which this wraps).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when a limit is broken (nothing is sent),
    /// [`Error::MediaProcessingFailed`], [`Error::MediaProcessingTimeout`], API and
    /// transport errors.
    pub async fn upload_media(&self, upload: &MediaUpload) -> Result<UploadedMedia, Error> {
        let body = stream::iter([Ok::<_, Infallible>(upload.data.clone())]);
        self.upload_media_stream(&upload.spec, body).await
    }

    /// Uploads media whose bytes arrive as a stream of `spec.total_bytes()` bytes and
    /// waits until it can be attached: an image is gathered (at most 5 MB) and sent in
    /// one request; a GIF or video goes through initialize / append / finalize, each
    /// append sent as soon as a chunk of [`Config::chunk_size`] has arrived, so no
    /// more than one chunk is held at a time. Then the processing wait and the alt
    /// text.
    ///
    /// A source that ends before or runs past the declared length, or fails, stops
    /// the upload before finalize: the half-sent media is left to expire.
    ///
    /// [`Config::chunk_size`]: crate::Config::chunk_size
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when a limit is broken (nothing is sent),
    /// [`Error::MediaLengthMismatch`], [`Error::MediaSource`],
    /// [`Error::MediaProcessingFailed`], [`Error::MediaProcessingTimeout`], API and
    /// transport errors.
    pub async fn upload_media_stream<S, E>(
        &self,
        spec: &MediaSpec,
        body: S,
    ) -> Result<UploadedMedia, Error>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        spec.validate()?;
        let body = std::pin::pin!(body);
        let info = match spec.kind {
            MediaKind::Image => {
                let size = usize::try_from(spec.total_bytes).unwrap_or(usize::MAX);
                let mut whole = Segments::new(body, size, spec.total_bytes);
                let data = whole.next().await?.unwrap_or_default();
                // Reading on proves the source ends at the declared length.
                whole.next().await?;
                self.upload_simple(spec, data).await?
            }
            MediaKind::Gif | MediaKind::Video => self.upload_chunked(spec, body).await?,
        };
        let info = self.wait_for_processing(info).await?;
        if let Some(alt) = &spec.alt_text {
            self.set_alt_text(&info.id, alt).await?;
        }
        Ok(UploadedMedia {
            id: info.id,
            media_key: info.media_key,
            kind: spec.kind,
            expires_after_secs: info.expires_after_secs,
        })
    }

    /// Asks where processing of `id` stands.
    ///
    /// # Errors
    /// API and transport errors.
    pub async fn media_status(&self, id: &MediaId) -> Result<MediaInfo, Error> {
        let mut call = Call::new(
            Endpoint::MediaStatus,
            Method::GET,
            self.upload_url("/2/media/upload"),
            Auth::User(MEDIA),
        );
        call.timeout = self.inner.config.request_timeout;
        call.query.push(("command", "STATUS".into()));
        call.query.push(("media_id", id.to_string()));
        data(self.execute(call).await?.json()?)
    }

    /// Sets the alt text of uploaded media.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] over 1000 characters, API and transport errors.
    pub async fn set_alt_text(&self, id: &MediaId, text: &str) -> Result<(), Error> {
        check_alt_text(text)?;
        let call = Call::new(
            Endpoint::MediaMetadata,
            Method::POST,
            self.upload_url("/2/media/metadata"),
            Auth::User(MEDIA),
        )
        .json(&json!({"id": id, "metadata": {"alt_text": {"text": text}}}));
        let mut call = call;
        call.idempotent = true;
        call.timeout = self.inner.config.request_timeout;
        self.execute(call).await?;
        Ok(())
    }

    async fn upload_simple(&self, upload: &MediaSpec, bytes: Bytes) -> Result<MediaInfo, Error> {
        let mut parts = vec![
            Part::File {
                name: "media",
                data: bytes,
                mime: upload.media_type.clone(),
            },
            Part::Text("media_category", upload.kind.category().into()),
        ];
        if !upload.additional_owners.is_empty() {
            let owners: Vec<&str> = upload
                .additional_owners
                .iter()
                .map(XUserId::as_str)
                .collect();
            parts.push(Part::Text("additional_owners", owners.join(",")));
        }
        let mut call = Call::new(
            Endpoint::MediaUpload,
            Method::POST,
            self.upload_url("/2/media/upload"),
            Auth::User(MEDIA),
        );
        call.body = Body::Multipart(parts);
        call.idempotent = true;
        call.timeout = self.inner.config.upload_timeout;
        data(self.execute(call).await?.json()?)
    }

    async fn upload_chunked<S, E>(&self, upload: &MediaSpec, body: S) -> Result<MediaInfo, Error>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let chunk = self.inner.config.chunk_size;
        let segments = upload.total_bytes.div_ceil(chunk as u64);
        if segments > MAX_SEGMENTS as u64 {
            return Err(Error::invalid(
                "media size",
                format!("{segments} chunks of {chunk} bytes; at most {MAX_SEGMENTS}"),
            ));
        }
        let mut init = json!({
            "media_type": upload.media_type,
            "total_bytes": upload.total_bytes,
            "media_category": upload.kind.category(),
        });
        if !upload.additional_owners.is_empty() {
            init["additional_owners"] = json!(upload.additional_owners);
        }
        let mut call = Call::new(
            Endpoint::MediaInitialize,
            Method::POST,
            self.upload_url("/2/media/upload/initialize"),
            Auth::User(MEDIA),
        )
        .json(&init);
        call.idempotent = true;
        call.timeout = self.inner.config.request_timeout;
        let started: MediaInfo = data(self.execute(call).await?.json()?)?;
        let id = started.id;
        let id_path = enc(id.as_str());

        let mut segments = Segments::new(body, chunk, upload.total_bytes);
        let mut index = 0usize;
        while let Some(segment) = segments.next().await? {
            let mut call = Call::new(
                Endpoint::MediaAppend,
                Method::POST,
                self.upload_url(&format!("/2/media/upload/{id_path}/append")),
                Auth::User(MEDIA),
            );
            call.body = Body::Multipart(vec![
                Part::File {
                    name: "media",
                    data: segment,
                    mime: "application/octet-stream".into(),
                },
                Part::Text("segment_index", index.to_string()),
            ]);
            index += 1;
            // Re-sending a segment under the same index replaces it.
            call.idempotent = true;
            call.timeout = self.inner.config.upload_timeout;
            self.execute(call).await?;
        }

        let mut call = Call::new(
            Endpoint::MediaFinalize,
            Method::POST,
            self.upload_url(&format!("/2/media/upload/{id_path}/finalize")),
            Auth::User(MEDIA),
        );
        call.idempotent = true;
        call.timeout = self.inner.config.request_timeout;
        data(self.execute(call).await?.json()?)
    }

    /// Polls STATUS, waiting `check_after_secs` each time, until processing ends or
    /// the configured wait is used up.
    async fn wait_for_processing(&self, mut info: MediaInfo) -> Result<MediaInfo, Error> {
        let inner = &self.inner;
        let mut waited = Duration::ZERO;
        loop {
            let Some(processing) = &info.processing_info else {
                return Ok(info);
            };
            match processing.state {
                ProcessingState::Succeeded => return Ok(info),
                ProcessingState::Failed => {
                    return Err(Error::MediaProcessingFailed {
                        media_id: info.id,
                        error: processing.error.clone(),
                    });
                }
                ProcessingState::Pending
                | ProcessingState::InProgress
                | ProcessingState::Unknown => {}
            }
            let delay = Duration::from_secs(processing.check_after_secs.unwrap_or(1).max(1));
            if waited + delay > inner.config.max_processing_wait {
                return Err(Error::MediaProcessingTimeout {
                    media_id: info.id,
                    waited,
                });
            }
            inner.clock.sleep(delay).await;
            waited += delay;
            let id = info.id.clone();
            info = self.media_status(&id).await?;
        }
    }
}

fn data(env: Envelope<MediaInfo>) -> Result<MediaInfo, Error> {
    env.data.ok_or(Error::NoData { errors: env.errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked_before_upload() {
        let ok = MediaUpload::image(vec![1u8; 10], "image/png");
        assert!(ok.validate().is_ok());
        let big = MediaUpload::image(vec![0u8; MAX_IMAGE_BYTES + 1], "image/jpeg");
        assert!(
            big.validate()
                .unwrap_err()
                .to_string()
                .contains("media size")
        );
        let odd = MediaUpload::image(vec![1u8], "image/heic");
        assert!(
            odd.validate()
                .unwrap_err()
                .to_string()
                .contains("image/heic")
        );
        let long = MediaUpload::video(vec![1u8], "video/mp4", Some(Duration::from_secs(141)));
        assert!(long.validate().unwrap_err().to_string().contains("140"));
        let short = MediaUpload::video(vec![1u8], "video/mp4", Some(Duration::from_millis(400)));
        assert!(short.validate().is_err());
        let alt = MediaUpload::gif(vec![1u8]).alt_text("é".repeat(1001));
        assert!(alt.validate().unwrap_err().to_string().contains("1001"));
        assert!(
            MediaUpload::gif(vec![1u8])
                .alt_text("é".repeat(1000))
                .validate()
                .is_ok()
        );
        assert!(
            MediaUpload::image(Vec::new(), "image/png")
                .validate()
                .is_err()
        );
    }

    #[test]
    fn reads_v1_and_v2_media_objects() {
        let v1: MediaInfo = serde_json::from_str(
            r#"{"media_id":1726870404957175808,"media_id_string":"1726870404957175808","processing_info":{"state":"pending","check_after_secs":1}}"#,
        )
        .unwrap();
        assert_eq!(v1.id.as_str(), "1726870404957175808");
        let failed: ProcessingInfo = serde_json::from_str(
            r#"{"state":"failed","progress_percent":12,"error":{"code":1,"name":"InvalidMedia","message":"Unsupported video format"}}"#,
        )
        .unwrap();
        assert_eq!(failed.state, ProcessingState::Failed);
        let odd: ProcessingInfo = serde_json::from_str(r#"{"state":"queued"}"#).unwrap();
        assert_eq!(odd.state, ProcessingState::Unknown);
    }
}
