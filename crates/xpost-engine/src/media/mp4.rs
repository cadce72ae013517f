//! A small ISO-BMFF box walker: finds `moov` among the top-level boxes by seeking
//! (so a 500 MB `mdat` is skipped, not read, wherever it sits) and reads the few
//! boxes inside it that describe the tracks.

use super::error::MediaError;
use super::read::{be_u16, be_u32, be_u64, index, slice};
use std::io::{self, Read, Seek, SeekFrom};
use std::time::Duration;

const FORMAT: &str = "MP4";
/// The largest `moov` read into memory; a 140 s clip's index is a few hundred KB.
const MAX_MOOV_BYTES: u64 = 32 * 1024 * 1024;

/// What the index says about one track.
#[derive(Debug, Default)]
pub(crate) struct Track {
    /// `vide`, `soun`, …
    pub handler: [u8; 4],
    /// The first sample entry's four-character code.
    pub codec: [u8; 4],
    pub width: u32,
    pub height: u32,
}

/// What the index says about the file.
#[derive(Debug)]
pub(crate) struct Movie {
    pub duration: Duration,
    pub tracks: Vec<Track>,
}

/// Reads the movie's index from a file of `size` bytes.
pub(crate) fn read_movie<R: Read + Seek>(reader: &mut R, size: u64) -> Result<Movie, MediaError> {
    let moov = find_moov(reader, size)?;
    parse_moov(&moov)
}

fn malformed(reason: impl Into<String>) -> MediaError {
    MediaError::malformed(FORMAT, reason)
}

fn read_exact<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<(), MediaError> {
    reader.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => malformed("truncated: the file ends inside a box"),
        _ => MediaError::Io(e),
    })
}

/// Walks every top-level box, so a file cut anywhere (even inside `mdat`, after the
/// index) is caught, and returns the payload of `moov`.
fn find_moov<R: Read + Seek>(reader: &mut R, size: u64) -> Result<Vec<u8>, MediaError> {
    let mut moov = None;
    let mut has_media = false;
    let mut at = 0u64;
    while at < size {
        if size - at < 8 {
            return Err(malformed(format!(
                "truncated: {} stray bytes at {at}",
                size - at
            )));
        }
        reader.seek(SeekFrom::Start(at)).map_err(MediaError::Io)?;
        let mut header = [0u8; 8];
        read_exact(reader, &mut header)?;
        let kind: [u8; 4] = [header[4], header[5], header[6], header[7]];
        if at == 0 && &kind != b"ftyp" {
            return Err(malformed("does not start with an ftyp box"));
        }
        let (header_len, box_len) =
            match u32::from_be_bytes([header[0], header[1], header[2], header[3]]) {
                0 => (8, size - at),
                1 => {
                    let mut large = [0u8; 8];
                    read_exact(reader, &mut large)?;
                    (16, u64::from_be_bytes(large))
                }
                n => (8, u64::from(n)),
            };
        if box_len < header_len {
            return Err(malformed(format!("box at {at} is shorter than its header")));
        }
        let end = at
            .checked_add(box_len)
            .filter(|&end| end <= size)
            .ok_or_else(|| {
                malformed(format!(
                    "truncated: {} box at {at} runs past the end",
                    fourcc(&kind)
                ))
            })?;
        if &kind == b"moov" && moov.is_none() {
            let len = box_len - header_len;
            if len > MAX_MOOV_BYTES {
                return Err(malformed(format!(
                    "moov of {len} bytes is over {MAX_MOOV_BYTES}"
                )));
            }
            let mut payload =
                vec![0u8; usize::try_from(len).map_err(|_| malformed("moov too large"))?];
            read_exact(reader, &mut payload)?;
            moov = Some(payload);
        }
        has_media |= &kind == b"mdat";
        at = end;
    }
    // A file cut right after its index still has consistent boxes, but no samples.
    if !has_media {
        return Err(malformed("truncated: no mdat box holds the media data"));
    }
    moov.ok_or_else(|| malformed("no moov box"))
}

/// A child box: its type and payload.
type Child<'a> = ([u8; 4], &'a [u8]);

/// The child boxes of a box's payload.
fn children(data: &[u8]) -> Result<Vec<Child<'_>>, MediaError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < data.len() {
        let size = be_u32(data, at).ok_or_else(|| malformed(format!("box header cut at {at}")))?;
        let kind: [u8; 4] = slice(data, at + 4, 4)
            .and_then(|k| k.try_into().ok())
            .ok_or_else(|| malformed(format!("box header cut at {at}")))?;
        let (header_len, len) = match size {
            0 => (8, data.len() - at),
            1 => {
                let large = be_u64(data, at + 8)
                    .ok_or_else(|| malformed(format!("box header cut at {at}")))?;
                (
                    16,
                    usize::try_from(large).map_err(|_| malformed("box too large"))?,
                )
            }
            n => (8, index(n).ok_or_else(|| malformed("box too large"))?),
        };
        let payload = len
            .checked_sub(header_len)
            .and_then(|body| slice(data, at + header_len, body))
            .ok_or_else(|| {
                malformed(format!(
                    "{} box at {at} runs past its parent",
                    fourcc(&kind)
                ))
            })?;
        out.push((kind, payload));
        at += len;
    }
    Ok(out)
}

fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Result<Option<&'a [u8]>, MediaError> {
    Ok(children(data)?
        .into_iter()
        .find(|(k, _)| k == kind)
        .map(|(_, p)| p))
}

fn need<'a>(data: &'a [u8], kind: &[u8; 4], parent: &str) -> Result<&'a [u8], MediaError> {
    child(data, kind)?.ok_or_else(|| malformed(format!("{parent} has no {} box", fourcc(kind))))
}

pub(crate) fn fourcc(kind: &[u8; 4]) -> String {
    String::from_utf8_lossy(kind).into_owned()
}

fn parse_moov(moov: &[u8]) -> Result<Movie, MediaError> {
    let mvhd = need(moov, b"mvhd", "moov")?;
    let cut = || malformed("mvhd is cut short");
    let (timescale, duration) = if mvhd.first() == Some(&1) {
        (
            be_u32(mvhd, 20).ok_or_else(cut)?,
            be_u64(mvhd, 24).ok_or_else(cut)?,
        )
    } else {
        (
            be_u32(mvhd, 12).ok_or_else(cut)?,
            be_u32(mvhd, 16).map(u64::from).ok_or_else(cut)?,
        )
    };
    if timescale == 0 {
        return Err(malformed("mvhd timescale is zero"));
    }
    let tracks = children(moov)?
        .into_iter()
        .filter(|(kind, _)| kind == b"trak")
        .map(|(_, trak)| parse_trak(trak))
        .collect::<Result<_, _>>()?;
    Ok(Movie {
        duration: ticks(duration, timescale),
        tracks,
    })
}

/// `ticks / timescale` seconds, exact to the nanosecond.
fn ticks(ticks: u64, timescale: u32) -> Duration {
    let scale = u64::from(timescale);
    let nanos = u128::from(ticks % scale) * 1_000_000_000 / u128::from(scale);
    Duration::new(ticks / scale, u32::try_from(nanos).unwrap_or(0))
}

fn parse_trak(trak: &[u8]) -> Result<Track, MediaError> {
    let tkhd = need(trak, b"tkhd", "trak")?;
    // Width and height are 16.16 fixed point after the matrix; where depends on the version.
    let dims_at = if tkhd.first() == Some(&1) { 88 } else { 76 };
    let cut = || malformed("tkhd is cut short");
    let mut track = Track {
        width: be_u32(tkhd, dims_at).ok_or_else(cut)? >> 16,
        height: be_u32(tkhd, dims_at + 4).ok_or_else(cut)? >> 16,
        ..Track::default()
    };
    let mdia = need(trak, b"mdia", "trak")?;
    let hdlr = need(mdia, b"hdlr", "mdia")?;
    track.handler = slice(hdlr, 8, 4)
        .and_then(|h| h.try_into().ok())
        .ok_or_else(|| malformed("hdlr is cut short"))?;
    if &track.handler != b"vide" && &track.handler != b"soun" {
        // Timecode, metadata and hint tracks do not matter to X; their layout may vary.
        return Ok(track);
    }
    let minf = need(mdia, b"minf", "mdia")?;
    let stbl = need(minf, b"stbl", "minf")?;
    let stsd = need(stbl, b"stsd", "stbl")?;
    // Version and flags, entry count, then the first sample entry box.
    let entry = stsd
        .get(8..)
        .ok_or_else(|| malformed("stsd is cut short"))?;
    let (codec, sample_entry) = children(entry)?
        .into_iter()
        .next()
        .ok_or_else(|| malformed("stsd has no sample entry"))?;
    track.codec = codec;
    if &track.handler == b"vide" && (track.width == 0 || track.height == 0) {
        // Some muxers leave tkhd's size empty; the visual sample entry has the coded size.
        let cut = || malformed("visual sample entry is cut short");
        track.width = u32::from(be_u16(sample_entry, 24).ok_or_else(cut)?);
        track.height = u32::from(be_u16(sample_entry, 26).ok_or_else(cut)?);
    }
    Ok(track)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_convert_exactly() {
        assert_eq!(ticks(3000, 1000), Duration::from_secs(3));
        assert_eq!(ticks(1, 3), Duration::new(0, 333_333_333));
        assert_eq!(ticks(u64::MAX, 1), Duration::from_secs(u64::MAX));
    }

    #[test]
    fn child_boxes_that_overrun_their_parent_are_malformed() {
        let mut data = 100u32.to_be_bytes().to_vec();
        data.extend_from_slice(b"trak");
        assert!(children(&data).is_err());
        let mut data = 4u32.to_be_bytes().to_vec();
        data.extend_from_slice(b"trak");
        assert!(children(&data).is_err());
        let mut data = 1u32.to_be_bytes().to_vec();
        data.extend_from_slice(b"trak");
        data.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(children(&data).is_err());
    }
}
