//! Downloads landed on disk under a byte cap, so a large video is never held in
//! memory: it is checked from the file, then streamed from it.

use super::error::MediaError;
use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream};
use std::io;
use std::path::Path;
use tempfile::NamedTempFile;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A temporary file holding one downloaded media file.
///
/// The file is removed when this value (or the stream from
/// [`SpooledMedia::into_stream`]) is dropped, on success and error paths alike.
#[derive(Debug)]
pub struct SpooledMedia {
    file: NamedTempFile,
    len: u64,
}

impl SpooledMedia {
    /// How many bytes the file holds.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where the file is, while this value lives.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// A new blocking reader from the start of the file, for [`super::check_video`].
    ///
    /// # Errors
    /// [`MediaError::Io`] when the file cannot be opened again.
    pub fn reader(&self) -> Result<std::fs::File, MediaError> {
        self.file.reopen().map_err(MediaError::Io)
    }

    /// The file's bytes in chunks of up to `chunk_size` bytes; the file is removed
    /// when the stream is dropped.
    ///
    /// # Errors
    /// [`MediaError::Io`] when the file cannot be opened again.
    pub fn into_stream(
        self,
        chunk_size: usize,
    ) -> Result<impl Stream<Item = io::Result<Bytes>> + Send + 'static, MediaError> {
        let reader = tokio::fs::File::from_std(self.reader()?);
        let chunk_size = chunk_size.max(1);
        // The temporary file rides along in the state, so it lives as long as the stream.
        Ok(stream::try_unfold(
            (reader, self.file),
            move |(mut reader, file)| async move {
                let mut buf = vec![0u8; chunk_size];
                let n = reader.read(&mut buf).await?;
                if n == 0 {
                    return Ok(None);
                }
                buf.truncate(n);
                Ok(Some((Bytes::from(buf), (reader, file))))
            },
        ))
    }
}

/// Writes `stream` to a new temporary file in the system's temporary directory,
/// refusing more than `max_bytes`.
///
/// # Errors
/// [`MediaError::TooLarge`] as soon as the stream passes `max_bytes`,
/// [`MediaError::Source`] when the stream fails, [`MediaError::Io`] when the file
/// cannot be written. The file is removed on every error.
pub async fn spool_to_temp<S, E>(stream: S, max_bytes: u64) -> Result<SpooledMedia, MediaError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    spool_to_temp_in(&tempfile::env::temp_dir(), stream, max_bytes).await
}

/// [`spool_to_temp`], with the temporary file in `dir`.
///
/// # Errors
/// As [`spool_to_temp`].
pub async fn spool_to_temp_in<S, E>(
    dir: &Path,
    stream: S,
    max_bytes: u64,
) -> Result<SpooledMedia, MediaError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let file = NamedTempFile::new_in(dir).map_err(MediaError::Io)?;
    let mut writer = tokio::fs::File::from_std(file.reopen().map_err(MediaError::Io)?);
    let mut stream = std::pin::pin!(stream);
    let mut len = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| MediaError::Source(e.into()))?;
        len = len.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        if len > max_bytes {
            return Err(MediaError::TooLarge {
                bytes: len,
                max: max_bytes,
            });
        }
        writer.write_all(&chunk).await.map_err(MediaError::Io)?;
    }
    writer.flush().await.map_err(MediaError::Io)?;
    Ok(SpooledMedia { file, len })
}
