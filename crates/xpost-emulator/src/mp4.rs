//! A small, real MP4: one H.264 video track of I_PCM frames, written byte by byte.
//!
//! Layout is `ftyp`, `moov` (so the index comes first, as Instagram asks), `mdat`.
//! The picture is 48×48 pixels (3×3 macroblocks, above X's 32×32 minimum), three one-second IDR frames (a 3 s clip, the shortest
//! reel), Baseline profile, no audio. I_PCM macroblocks carry raw samples, so the
//! bitstream needs no entropy coder and still decodes in any H.264 decoder.

/// Frame side in pixels: the smallest whole number of macroblocks that X accepts.
const SIDE: u16 = 48;
/// Frame side in macroblocks.
const MBS: u32 = SIDE as u32 / 16;
/// Frames, one per second.
const FRAMES: u32 = 3;
/// Media timescale (ticks per second).
const TIMESCALE: u32 = 1000;

/// The MP4 for a post; `shade` varies the luma so posts differ.
pub fn mp4(shade: u8) -> Vec<u8> {
    let sps = nal(0x67, &sps_rbsp());
    let pps = nal(0x68, &pps_rbsp());
    let samples: Vec<Vec<u8>> = (0..FRAMES)
        .map(|i| {
            let slice = nal(
                0x65,
                &idr_rbsp(i, shade.wrapping_add(u8::try_from(i).unwrap_or(0))),
            );
            let mut s = Vec::with_capacity(slice.len() + 4);
            s.extend_from_slice(&u32_len(slice.len()).to_be_bytes());
            s.extend_from_slice(&slice);
            s
        })
        .collect();
    let ftyp = boxed(
        b"ftyp",
        &[
            b"isom".as_slice(),
            &0x200u32.to_be_bytes(),
            b"isomiso2avc1mp41",
        ]
        .concat(),
    );
    // The chunk offset depends on the moov size, which does not depend on the offset value.
    let probe = moov(&sps, &pps, &samples, 0);
    let offset = ftyp.len() + probe.len() + 8;
    let moov = moov(&sps, &pps, &samples, u32_len(offset));
    let mdat = boxed(b"mdat", &samples.concat());
    [ftyp, moov, mdat].concat()
}

fn u32_len(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn boxed(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 8);
    out.extend_from_slice(&u32_len(payload.len() + 8).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(payload);
    out
}

fn full(kind: &[u8; 4], version_flags: u32, payload: &[u8]) -> Vec<u8> {
    boxed(kind, &[&version_flags.to_be_bytes()[..], payload].concat())
}

const MATRIX: [u32; 9] = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x4000_0000];

fn be32s(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

fn moov(sps: &[u8], pps: &[u8], samples: &[Vec<u8>], chunk_offset: u32) -> Vec<u8> {
    let duration = FRAMES * TIMESCALE;
    let mut mvhd = be32s(&[0, 0, TIMESCALE, duration, 0x10000]);
    mvhd.extend_from_slice(&0x0100u16.to_be_bytes());
    mvhd.extend_from_slice(&[0u8; 10]);
    mvhd.extend_from_slice(&be32s(&MATRIX));
    mvhd.extend_from_slice(&[0u8; 24]);
    mvhd.extend_from_slice(&2u32.to_be_bytes());
    let mvhd = full(b"mvhd", 0, &mvhd);

    let mut tkhd = be32s(&[0, 0, 1, 0, duration, 0, 0]);
    tkhd.extend_from_slice(&[0u8; 8]);
    tkhd.extend_from_slice(&be32s(&MATRIX));
    tkhd.extend_from_slice(&be32s(&[u32::from(SIDE) << 16, u32::from(SIDE) << 16]));
    let tkhd = full(b"tkhd", 3, &tkhd);

    let mut mdhd = be32s(&[0, 0, TIMESCALE, duration]);
    mdhd.extend_from_slice(&0x55C4u16.to_be_bytes());
    mdhd.extend_from_slice(&0u16.to_be_bytes());
    let mdhd = full(b"mdhd", 0, &mdhd);
    let hdlr = full(
        b"hdlr",
        0,
        &[&[0u8; 4][..], b"vide", &[0u8; 12], b"VideoHandler\0"].concat(),
    );

    let vmhd = full(b"vmhd", 1, &[0u8; 8]);
    let dref = full(
        b"dref",
        0,
        &[&1u32.to_be_bytes()[..], &full(b"url ", 1, &[])].concat(),
    );
    let dinf = boxed(b"dinf", &dref);

    let mut avcc = vec![1, 66, 0xC0, 10, 0xFF, 0xE1];
    avcc.extend_from_slice(&u16::try_from(sps.len()).unwrap_or(0).to_be_bytes());
    avcc.extend_from_slice(sps);
    avcc.push(1);
    avcc.extend_from_slice(&u16::try_from(pps.len()).unwrap_or(0).to_be_bytes());
    avcc.extend_from_slice(pps);
    let mut avc1 = vec![0u8; 6];
    avc1.extend_from_slice(&1u16.to_be_bytes());
    avc1.extend_from_slice(&[0u8; 16]);
    avc1.extend_from_slice(&SIDE.to_be_bytes());
    avc1.extend_from_slice(&SIDE.to_be_bytes());
    avc1.extend_from_slice(&be32s(&[0x0048_0000, 0x0048_0000, 0]));
    avc1.extend_from_slice(&1u16.to_be_bytes());
    avc1.extend_from_slice(&[0u8; 32]);
    avc1.extend_from_slice(&0x0018u16.to_be_bytes());
    avc1.extend_from_slice(&(-1i16).to_be_bytes());
    avc1.extend_from_slice(&boxed(b"avcC", &avcc));
    let stsd = full(
        b"stsd",
        0,
        &[&1u32.to_be_bytes()[..], &boxed(b"avc1", &avc1)].concat(),
    );
    let stts = full(b"stts", 0, &be32s(&[1, FRAMES, TIMESCALE]));
    let stsc = full(b"stsc", 0, &be32s(&[1, 1, FRAMES, 1]));
    let mut stsz = be32s(&[0, FRAMES]);
    for s in samples {
        stsz.extend_from_slice(&u32_len(s.len()).to_be_bytes());
    }
    let stsz = full(b"stsz", 0, &stsz);
    let stco = full(b"stco", 0, &be32s(&[1, chunk_offset]));
    let stbl = boxed(b"stbl", &[stsd, stts, stsc, stsz, stco].concat());
    let minf = boxed(b"minf", &[vmhd, dinf, stbl].concat());
    let mdia = boxed(b"mdia", &[mdhd, hdlr, minf].concat());
    let trak = boxed(b"trak", &[tkhd, mdia].concat());
    boxed(b"moov", &[mvhd, trak].concat())
}

/// A NAL unit: header byte plus the RBSP with emulation-prevention bytes inserted.
fn nal(header: u8, rbsp: &[u8]) -> Vec<u8> {
    let mut out = vec![header];
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    out
}

#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u8,
    n: u8,
}

impl Bits {
    fn u(&mut self, value: u32, len: u32) {
        for i in (0..len).rev() {
            self.acc = (self.acc << 1) | u8::from((value >> i) & 1 == 1);
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc);
                self.acc = 0;
                self.n = 0;
            }
        }
    }

    /// Unsigned Exp-Golomb.
    fn ue(&mut self, value: u32) {
        let v = value + 1;
        let len = 32 - v.leading_zeros();
        self.u(0, len - 1);
        self.u(v, len);
    }

    fn aligned(&self) -> bool {
        self.n == 0
    }

    /// `rbsp_trailing_bits`: a one, then zeros to the byte boundary.
    fn trailing(mut self) -> Vec<u8> {
        self.u(1, 1);
        while !self.aligned() {
            self.u(0, 1);
        }
        self.out
    }
}

fn sps_rbsp() -> Vec<u8> {
    let mut b = Bits::default();
    b.u(66, 8); // profile_idc: Baseline
    b.u(0xC0, 8); // constraint_set0 and set1
    b.u(10, 8); // level_idc 1.0
    b.ue(0); // seq_parameter_set_id
    b.ue(0); // log2_max_frame_num_minus4
    b.ue(2); // pic_order_cnt_type
    b.ue(1); // max_num_ref_frames
    b.u(0, 1); // gaps_in_frame_num_value_allowed_flag
    b.ue(MBS - 1); // pic_width_in_mbs_minus1
    b.ue(MBS - 1); // pic_height_in_map_units_minus1
    b.u(1, 1); // frame_mbs_only_flag
    b.u(1, 1); // direct_8x8_inference_flag
    b.u(0, 1); // frame_cropping_flag
    b.u(0, 1); // vui_parameters_present_flag
    b.trailing()
}

fn pps_rbsp() -> Vec<u8> {
    let mut b = Bits::default();
    b.ue(0); // pic_parameter_set_id
    b.ue(0); // seq_parameter_set_id
    b.u(0, 1); // entropy_coding_mode_flag: CAVLC
    b.u(0, 1); // bottom_field_pic_order_in_frame_present_flag
    b.ue(0); // num_slice_groups_minus1
    b.ue(0); // num_ref_idx_l0_default_active_minus1
    b.ue(0); // num_ref_idx_l1_default_active_minus1
    b.u(0, 1); // weighted_pred_flag
    b.u(0, 2); // weighted_bipred_idc
    b.ue(0); // pic_init_qp_minus26 (se 0 codes as ue 0)
    b.ue(0); // pic_init_qs_minus26
    b.ue(0); // chroma_qp_index_offset
    b.u(0, 1); // deblocking_filter_control_present_flag
    b.u(0, 1); // constrained_intra_pred_flag
    b.u(0, 1); // redundant_pic_cnt_present_flag
    b.trailing()
}

fn idr_rbsp(idr_pic_id: u32, luma: u8) -> Vec<u8> {
    let mut b = Bits::default();
    b.ue(0); // first_mb_in_slice
    b.ue(7); // slice_type: I (all slices)
    b.ue(0); // pic_parameter_set_id
    b.u(0, 4); // frame_num
    b.ue(idr_pic_id); // consecutive IDRs differ
    b.u(0, 1); // no_output_of_prior_pics_flag
    b.u(0, 1); // long_term_reference_flag
    b.ue(0); // slice_qp_delta
    // Samples of zero would need care; keep them in 16..=235 (video range).
    let y = u32::from(luma.clamp(16, 235));
    // An I slice codes every macroblock in turn, with no skip runs between them.
    for _ in 0..MBS * MBS {
        b.ue(25); // mb_type: I_PCM
        while !b.aligned() {
            b.u(0, 1); // pcm_alignment_zero_bit
        }
        for _ in 0..256 {
            b.u(y, 8);
        }
        for _ in 0..128 {
            b.u(128, 8);
        }
    }
    b.trailing()
}

/// Whether `bytes` start like an ISO-BMFF file (an `ftyp` box first).
pub fn looks_like_mp4(bytes: &[u8]) -> bool {
    bytes.get(4..8) == Some(b"ftyp".as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxes(data: &[u8]) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at + 8 <= data.len() {
            let size = u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
            let size = size as usize;
            out.push((
                String::from_utf8_lossy(&data[at + 4..at + 8]).into_owned(),
                size,
            ));
            assert!(size >= 8 && at + size <= data.len(), "box overruns at {at}");
            at += size;
        }
        assert_eq!(at, data.len());
        out
    }

    #[test]
    fn top_level_boxes_are_ftyp_moov_mdat_and_offsets_point_into_mdat() {
        let data = mp4(40);
        let top = boxes(&data);
        let names: Vec<&str> = top.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["ftyp", "moov", "mdat"]);
        let mdat_payload = top[0].1 + top[1].1 + 8;
        let stco = data.windows(4).position(|w| w == b"stco").unwrap();
        let off = u32::from_be_bytes([
            data[stco + 12],
            data[stco + 13],
            data[stco + 14],
            data[stco + 15],
        ]) as usize;
        assert_eq!(off, mdat_payload);
        // The first sample is a length-prefixed IDR slice.
        assert_eq!(data[off + 4], 0x65);
        // Nine raw macroblocks a frame, three frames: small enough to serve from memory.
        assert!(data.len() < 16 * 1024, "{}", data.len());
        assert!(looks_like_mp4(&data));
    }

    #[test]
    fn exp_golomb_matches_the_standard_table() {
        let mut b = Bits::default();
        b.ue(0); // 1
        b.ue(1); // 010
        b.ue(2); // 011
        b.ue(3); // 00100 -> total 12 bits
        let out = b.trailing();
        assert_eq!(out, vec![0b1010_0110, 0b0100_1000]);
    }
}
