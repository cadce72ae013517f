//! Downloads spooled to a capped temporary file that is removed on every path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream};
use std::io;
use xpost_engine::media::{MediaError, check_video, spool_to_temp, spool_to_temp_in};

fn chunks(parts: &[&'static [u8]]) -> impl futures_util::Stream<Item = Result<Bytes, io::Error>> {
    stream::iter(
        parts
            .iter()
            .map(|p| Ok(Bytes::from_static(p)))
            .collect::<Vec<_>>(),
    )
}

fn files_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

#[tokio::test]
async fn the_file_holds_the_stream_and_is_removed_on_drop() {
    let spooled = spool_to_temp(chunks(&[b"hello ", b"spooled ", b"world"]), 1024)
        .await
        .unwrap();
    assert_eq!(spooled.len(), 19);
    let path = spooled.path().to_path_buf();
    assert_eq!(std::fs::read(&path).unwrap(), b"hello spooled world");
    drop(spooled);
    assert!(!path.exists());
}

#[tokio::test]
async fn the_cap_is_enforced_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = spool_to_temp_in(dir.path(), chunks(&[b"12345", b"67890", b"x"]), 10)
        .await
        .unwrap_err();
    assert!(
        matches!(err, MediaError::TooLarge { bytes: 11, max: 10 }),
        "{err:?}"
    );
    assert_eq!(files_in(dir.path()), 0);
    let exact = spool_to_temp_in(dir.path(), chunks(&[b"12345", b"67890"]), 10)
        .await
        .unwrap();
    assert_eq!(exact.len(), 10);
}

#[tokio::test]
async fn a_failing_source_leaves_no_file_and_is_retryable() {
    let dir = tempfile::tempdir().unwrap();
    let failing = stream::iter(vec![
        Ok(Bytes::from_static(b"part")),
        Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset")),
    ]);
    let err = spool_to_temp_in(dir.path(), failing, 100)
        .await
        .unwrap_err();
    assert!(matches!(err, MediaError::Source(_)), "{err:?}");
    assert!(err.retry_kind().is_retryable());
    assert_eq!(files_in(dir.path()), 0);
}

#[tokio::test]
async fn a_spooled_video_is_checked_from_disk_then_streamed_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let video = xpost_emulator::mp4::mp4(12);
    let body = stream::iter(
        video
            .chunks(100)
            .map(|c| Ok::<_, io::Error>(Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    let spooled = spool_to_temp_in(dir.path(), body, 1 << 20).await.unwrap();
    // The emulator's clip is checked from the file on disk.
    let info = check_video(spooled.reader().unwrap(), spooled.len()).unwrap();
    assert_eq!((info.width, info.height), (48, 48));
    let mut stream = Box::pin(spooled.into_stream(64).unwrap());
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.len(), 64);
    assert_eq!(
        files_in(dir.path()),
        1,
        "the file lives while the stream does"
    );
    let rest: Vec<Bytes> = stream.as_mut().try_collect().await.unwrap();
    assert_eq!([first.to_vec(), rest.concat()].concat(), video);
    drop(stream);
    assert_eq!(files_in(dir.path()), 0);
}
