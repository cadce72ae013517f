//! Cuts a byte stream into upload segments of a fixed size while holding at most one
//! segment, and checks that the stream delivers exactly the length declared up front.
//!
//! X is told the total size before the first append, so a source that ends early or
//! keeps going is an error here, before anything is finalized.

use crate::error::Error;
use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};

/// Segments of `size` bytes (the last one shorter) read from `source`.
pub(crate) struct Segments<S> {
    source: S,
    size: usize,
    declared: u64,
    received: u64,
    /// What the source gave last and is not yet in a segment.
    piece: Bytes,
    /// A segment being filled from pieces smaller than a segment.
    pending: BytesMut,
    ended: bool,
}

impl<S, E> Segments<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    /// `size` must be above zero.
    pub(crate) fn new(source: S, size: usize, declared: u64) -> Self {
        Self {
            source,
            size: size.max(1),
            declared,
            received: 0,
            piece: Bytes::new(),
            pending: BytesMut::new(),
            ended: false,
        }
    }

    /// The next segment; `None` once the source ended after exactly the declared
    /// length.
    ///
    /// # Errors
    /// [`Error::MediaLengthMismatch`] when the source ends short or runs long,
    /// [`Error::MediaSource`] when it fails.
    pub(crate) async fn next(&mut self) -> Result<Option<Bytes>, Error> {
        loop {
            if !self.piece.is_empty() {
                // A piece that fills a whole segment on its own goes out uncopied.
                if self.pending.is_empty() && self.piece.len() >= self.size {
                    return Ok(Some(self.piece.split_to(self.size)));
                }
                let take = (self.size - self.pending.len()).min(self.piece.len());
                self.pending.reserve(self.size - self.pending.len());
                self.pending.extend_from_slice(&self.piece[..take]);
                self.piece.advance(take);
                if self.pending.len() == self.size {
                    return Ok(Some(self.pending.split().freeze()));
                }
                continue;
            }
            if self.ended {
                return Ok((!self.pending.is_empty()).then(|| self.pending.split().freeze()));
            }
            match self.source.next().await {
                Some(Ok(bytes)) => {
                    self.received = self.received.saturating_add(bytes.len() as u64);
                    if self.received > self.declared {
                        return Err(self.mismatch());
                    }
                    self.piece = bytes;
                }
                Some(Err(e)) => {
                    return Err(Error::MediaSource {
                        received: self.received,
                        source: e.into(),
                    });
                }
                None if self.received < self.declared => return Err(self.mismatch()),
                None => self.ended = true,
            }
        }
    }

    fn mismatch(&self) -> Error {
        Error::MediaLengthMismatch {
            declared: self.declared,
            received: self.received,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;
    use std::convert::Infallible;

    fn source(pieces: &[&'static [u8]]) -> impl Stream<Item = Result<Bytes, Infallible>> + Unpin {
        stream::iter(
            pieces
                .iter()
                .map(|p| Ok(Bytes::from_static(p)))
                .collect::<Vec<_>>(),
        )
    }

    async fn all<S>(mut s: Segments<S>) -> Result<Vec<Bytes>, Error>
    where
        S: Stream<Item = Result<Bytes, Infallible>> + Unpin,
    {
        let mut out = Vec::new();
        while let Some(seg) = s.next().await? {
            out.push(seg);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn pieces_of_any_size_become_fixed_segments() {
        let pieces: &[&[u8]] = &[b"0", b"12", b"", b"3456789ab", b"c"];
        let segs = all(Segments::new(source(pieces), 4, 13)).await.unwrap();
        assert_eq!(segs, ["0123", "4567", "89ab", "c"].map(Bytes::from));
        let one = all(Segments::new(source(&[b"0123456789"]), 4, 10))
            .await
            .unwrap();
        assert_eq!(one, ["0123", "4567", "89"].map(Bytes::from));
    }

    #[tokio::test]
    async fn short_and_long_sources_are_refused() {
        let short = all(Segments::new(source(&[b"0123", b"45"]), 4, 7)).await;
        assert!(
            matches!(
                short,
                Err(Error::MediaLengthMismatch {
                    declared: 7,
                    received: 6
                })
            ),
            "{short:?}"
        );
        let long = all(Segments::new(source(&[b"0123", b"4567"]), 4, 6)).await;
        assert!(
            matches!(
                long,
                Err(Error::MediaLengthMismatch {
                    declared: 6,
                    received: 8
                })
            ),
            "{long:?}"
        );
        // Exactly the declared length, then more: still refused before the end.
        let mut s = Segments::new(source(&[b"0123", b"x"]), 4, 4);
        assert_eq!(s.next().await.unwrap(), Some(Bytes::from_static(b"0123")));
        assert!(s.next().await.is_err());
    }

    #[tokio::test]
    async fn a_failing_source_keeps_its_error() {
        let failing = stream::iter(vec![
            Ok(Bytes::from_static(b"01")),
            Err(std::io::Error::other("connection reset")),
        ]);
        let mut s = Segments::new(failing, 4, 8);
        let err = s.next().await.unwrap_err();
        assert!(
            matches!(err, Error::MediaSource { received: 2, .. }),
            "{err:?}"
        );
        assert!(
            std::error::Error::source(&err).is_some_and(|e| e.to_string() == "connection reset")
        );
    }
}
