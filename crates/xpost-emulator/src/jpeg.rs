//! A small, real baseline JPEG with an EXIF GPS position, written byte by byte.
//!
//! The picture is a flat grey square whose shade and GPS position come from the post,
//! so every post's bytes differ and a privacy filter that must strip location has
//! something real to strip. It uses one-symbol Huffman tables, which every baseline
//! decoder accepts, to stay a few hundred bytes long.

/// Side of the square picture, in pixels (Instagram's minimum width).
pub const SIDE: u16 = 320;

/// A GPS position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gps {
    /// Latitude, −90..=90.
    pub lat: f64,
    /// Longitude, −180..=180.
    pub lon: f64,
}

/// The JPEG for a post: `shade` picks the grey (0..=127 above mid-grey), `gps` goes in EXIF.
pub fn jpeg(shade: u8, gps: Gps) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(&[0xFF, 0xD8]);
    segment(&mut out, 0xE1, &exif(gps));
    // Quantization: all ones, so coefficients are stored as they are.
    let mut dqt = vec![0x00];
    dqt.extend_from_slice(&[1u8; 64]);
    segment(&mut out, 0xDB, &dqt);
    let [h1, h0] = SIDE.to_be_bytes();
    segment(&mut out, 0xC0, &[8, h1, h0, h1, h0, 1, 1, 0x11, 0]);
    // DC table: category 0 is "0", category 8 is "10". AC table: only end-of-block, "0".
    let mut dht = vec![0x00, 1, 1];
    dht.extend_from_slice(&[0u8; 14]);
    dht.extend_from_slice(&[0, 8]);
    dht.push(0x10);
    dht.push(1);
    dht.extend_from_slice(&[0u8; 15]);
    dht.push(0x00);
    segment(&mut out, 0xC4, &dht);
    segment(&mut out, 0xDA, &[1, 1, 0x00, 0, 63, 0]);
    out.extend_from_slice(&scan(shade));
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

fn segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
    out.push(0xFF);
    out.push(marker);
    let len = u16::try_from(payload.len() + 2).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
}

/// Entropy-coded data: the first block carries the DC difference, the rest repeat it.
fn scan(shade: u8) -> Vec<u8> {
    let blocks = usize::from(SIDE / 8) * usize::from(SIDE / 8);
    let mut bits = BitWriter::default();
    // DC difference 128..=255 (category 8): grey level 144..=159.
    let diff = 128u32 + u32::from(shade & 0x7F);
    bits.put(0b10, 2);
    bits.put(diff, 8);
    bits.put(0, 1);
    for _ in 1..blocks {
        bits.put(0, 2);
    }
    bits.finish()
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl BitWriter {
    fn put(&mut self, value: u32, len: u32) {
        for i in (0..len).rev() {
            self.acc = (self.acc << 1) | ((value >> i) & 1);
            self.n += 1;
            if self.n == 8 {
                self.emit();
            }
        }
    }

    fn emit(&mut self) {
        let byte = u8::try_from(self.acc & 0xFF).unwrap_or(0);
        self.out.push(byte);
        if byte == 0xFF {
            self.out.push(0x00);
        }
        self.acc = 0;
        self.n = 0;
    }

    fn finish(mut self) -> Vec<u8> {
        while self.n != 0 {
            self.put(1, 1);
        }
        self.out
    }
}

/// `Exif\0\0` + a little-endian TIFF with IFD0 → GPS IFD (version, lat, lon).
fn exif(gps: Gps) -> Vec<u8> {
    let mut t = Vec::with_capacity(160);
    t.extend_from_slice(b"Exif\0\0");
    let base = t.len();
    t.extend_from_slice(b"II\x2A\x00");
    t.extend_from_slice(&8u32.to_le_bytes());
    // IFD0: one entry, the GPS IFD pointer (tag 0x8825, LONG), at offset 26.
    t.extend_from_slice(&1u16.to_le_bytes());
    entry(&mut t, 0x8825, 4, 1, 26);
    t.extend_from_slice(&0u32.to_le_bytes());
    // GPS IFD: five entries; the rationals follow at offset 26 + 2 + 60 + 4 = 92.
    let lat_ref = if gps.lat < 0.0 { b'S' } else { b'N' };
    let lon_ref = if gps.lon < 0.0 { b'W' } else { b'E' };
    t.extend_from_slice(&5u16.to_le_bytes());
    entry(&mut t, 0x0000, 1, 4, u32::from_le_bytes([2, 3, 0, 0]));
    entry(&mut t, 0x0001, 2, 2, u32::from(lat_ref));
    entry(&mut t, 0x0002, 5, 3, 92);
    entry(&mut t, 0x0003, 2, 2, u32::from(lon_ref));
    entry(&mut t, 0x0004, 5, 3, 116);
    t.extend_from_slice(&0u32.to_le_bytes());
    debug_assert_eq!(t.len() - base, 92);
    for value in [gps.lat.abs(), gps.lon.abs()] {
        let (d, m, s100) = dms(value);
        for (num, den) in [(d, 1u32), (m, 1), (s100, 100)] {
            t.extend_from_slice(&num.to_le_bytes());
            t.extend_from_slice(&den.to_le_bytes());
        }
    }
    t
}

fn entry(t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32) {
    t.extend_from_slice(&tag.to_le_bytes());
    t.extend_from_slice(&kind.to_le_bytes());
    t.extend_from_slice(&count.to_le_bytes());
    t.extend_from_slice(&value.to_le_bytes());
}

/// Degrees, minutes and hundredths of seconds.
fn dms(value: f64) -> (u32, u32, u32) {
    let total = (value * 360_000.0).round();
    let total = if total.is_finite() && total >= 0.0 {
        // In range: at most 180 * 360 000.
        total as u32
    } else {
        0
    };
    (total / 360_000, (total / 6_000) % 60, total % 6_000)
}

/// Reads the GPS position back from bytes made by [`jpeg`] (or any little-endian EXIF
/// laid out the same way); `None` when there is none.
pub fn read_gps(bytes: &[u8]) -> Option<Gps> {
    let start = bytes.windows(6).position(|w| w == b"Exif\0\0")? + 6;
    let tiff = bytes.get(start..)?;
    let u16_at = |o: usize| Some(u16::from_le_bytes([*tiff.get(o)?, *tiff.get(o + 1)?]));
    let u32_at = |o: usize| {
        Some(u32::from_le_bytes([
            *tiff.get(o)?,
            *tiff.get(o + 1)?,
            *tiff.get(o + 2)?,
            *tiff.get(o + 3)?,
        ]))
    };
    let ifd0 = usize::try_from(u32_at(4)?).ok()?;
    let n = usize::from(u16_at(ifd0)?);
    let gps_ifd = (0..n)
        .map(|i| ifd0 + 2 + i * 12)
        .find(|&e| u16_at(e) == Some(0x8825))
        .and_then(|e| u32_at(e + 8))?;
    let gps_ifd = usize::try_from(gps_ifd).ok()?;
    let n = usize::from(u16_at(gps_ifd)?);
    let mut lat = None;
    let mut lon = None;
    let mut lat_neg = false;
    let mut lon_neg = false;
    for i in 0..n {
        let e = gps_ifd + 2 + i * 12;
        let read = |off: usize| -> Option<f64> {
            let mut v = 0.0;
            for (k, div) in [1.0, 60.0, 3600.0].into_iter().enumerate() {
                let num = f64::from(u32_at(off + k * 8)?);
                let den = f64::from(u32_at(off + k * 8 + 4)?.max(1));
                v += num / den / div;
            }
            Some(v)
        };
        match u16_at(e)? {
            0x0001 => lat_neg = tiff.get(e + 8) == Some(&b'S'),
            0x0002 => lat = read(usize::try_from(u32_at(e + 8)?).ok()?),
            0x0003 => lon_neg = tiff.get(e + 8) == Some(&b'W'),
            0x0004 => lon = read(usize::try_from(u32_at(e + 8)?).ok()?),
            _ => {}
        }
    }
    let (lat, lon) = (lat?, lon?);
    Some(Gps {
        lat: if lat_neg { -lat } else { lat },
        lon: if lon_neg { -lon } else { lon },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_has_markers_and_round_trips_gps() {
        let gps = Gps {
            lat: -33.8568,
            lon: 151.2153,
        };
        let bytes = jpeg(17, gps);
        assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0xFF, 0xD9]);
        assert!(bytes.len() < 1024, "{}", bytes.len());
        let back = read_gps(&bytes).unwrap();
        assert!((back.lat - gps.lat).abs() < 1e-5, "{back:?}");
        assert!((back.lon - gps.lon).abs() < 1e-5, "{back:?}");
        assert_ne!(jpeg(1, gps), jpeg(2, gps));
    }
}
