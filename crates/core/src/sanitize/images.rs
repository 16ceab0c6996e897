//! Images and colour profiles: JPEG metadata segments and the text tags of ICC profiles.

use lopdf::{Document, Object};

/// A JPEG without its metadata segments: APP1–APP13 and APP15 (EXIF, XMP, IPTC,
/// Photoshop, ICC and vendor data) and COM (comments) go; APP0 (JFIF) and APP14 (Adobe
/// colour transform) stay, and everything from the start of scan on is copied. `None`
/// when the data is no JPEG this parser can walk, or nothing was removed.
pub fn strip_jpeg_metadata(data: &[u8]) -> Option<(Vec<u8>, usize)> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&data[..2]);
    let mut i = 2;
    let mut removed = 0;
    loop {
        // fill bytes before a marker
        while data.get(i) == Some(&0xFF) && data.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if data.get(i) != Some(&0xFF) {
            return None;
        }
        let marker = *data.get(i + 1)?;
        if marker == 0xD9 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            // end of image or a marker without a length before any scan: copy the rest
            out.extend_from_slice(&data[i..]);
            break;
        }
        let len = u16::from_be_bytes([*data.get(i + 2)?, *data.get(i + 3)?]) as usize;
        if len < 2 {
            return None;
        }
        let end = i.checked_add(2 + len)?;
        if end > data.len() {
            return None;
        }
        if marker == 0xDA {
            // start of scan: the entropy-coded data and the rest of the file stay
            out.extend_from_slice(&data[i..]);
            break;
        }
        let metadata = (0xE1..=0xED).contains(&marker) || marker == 0xEF || marker == 0xFE;
        if metadata {
            removed += 1;
        } else {
            out.extend_from_slice(&data[i..end]);
        }
        i = end;
    }
    (removed > 0).then_some((out, removed))
}

/// Strip metadata segments from every JPEG image (`/Filter /DCTDecode`, alone).
pub(super) fn strip_image_metadata(doc: &mut Document) -> usize {
    let mut removed = 0;
    for obj in doc.objects.values_mut() {
        let Object::Stream(s) = obj else { continue };
        let dct = match s.dict.get(b"Filter") {
            Ok(Object::Name(n)) => n == b"DCTDecode",
            Ok(Object::Array(a)) => a.len() == 1 && a[0].as_name().is_ok_and(|n| n == b"DCTDecode"),
            _ => false,
        };
        if !dct {
            continue;
        }
        if let Some((data, n)) = strip_jpeg_metadata(&s.content) {
            s.set_content(data);
            removed += n;
        }
    }
    removed
}

/// Text tags of an ICC profile: description, copyright, device manufacturer and model
/// descriptions, viewing conditions description.
const ICC_TEXT_TAGS: [&[u8; 4]; 5] = [b"desc", b"cprt", b"dmnd", b"dmdd", b"vued"];

/// An ICC profile with the characters of its text tags replaced by spaces (the tag
/// table, types, counts and lengths stay, so the profile still parses). Covers the three
/// text types: `desc` (ASCII part, and the Unicode and ScriptCode parts by length),
/// `text` and `mluc` (UTF-16BE records). `None` when the data is no ICC profile or no
/// text tag holds a character.
pub fn blank_icc_text(data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < 132 || &data[36..40] != b"acsp" {
        return None;
    }
    let be32 = |d: &[u8], at: usize| -> Option<usize> {
        Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let mut out = data.to_vec();
    let mut changed = false;
    let mut blank = |out: &mut Vec<u8>, from: usize, to: usize, step: usize| {
        let to = to.min(out.len());
        let mut i = from;
        while i + step <= to {
            // UTF-16BE: only code units 0x00xx with a graphic low byte are touched
            let high_zero = step == 1 || out[i] == 0;
            if high_zero && out[i + step - 1].is_ascii_graphic() {
                out[i + step - 1] = b' ';
                changed = true;
            }
            i += step;
        }
    };
    let count = be32(data, 128)?;
    for t in 0..count.min(1024) {
        let entry = 132 + 12 * t;
        let (Some(sig), Some(off), Some(size)) = (
            data.get(entry..entry + 4),
            be32(data, entry + 4),
            be32(data, entry + 8),
        ) else {
            break;
        };
        if !ICC_TEXT_TAGS.iter().any(|s| s.as_slice() == sig) {
            continue;
        }
        let end = off.saturating_add(size).min(data.len());
        let Some(kind) = data.get(off..off + 4) else {
            continue;
        };
        match kind {
            b"text" => blank(&mut out, off + 8, end, 1),
            b"desc" => {
                // ASCII count + string, then Unicode (language, count, UTF-16) and
                // ScriptCode parts: blank the ASCII string and the Unicode units
                let Some(n) = be32(data, off + 8) else {
                    continue;
                };
                let ascii_end = (off + 12).saturating_add(n).min(end);
                blank(&mut out, off + 12, ascii_end, 1);
                if let Some(un) = be32(data, ascii_end + 4) {
                    let u_start = ascii_end + 8;
                    blank(
                        &mut out,
                        u_start,
                        u_start.saturating_add(2 * un).min(end),
                        2,
                    );
                }
            }
            b"mluc" => {
                let (Some(records), Some(rsize)) = (be32(data, off + 8), be32(data, off + 12))
                else {
                    continue;
                };
                for r in 0..records.min(256) {
                    let rec = off + 16 + r * rsize.max(12);
                    let (Some(len), Some(at)) = (be32(data, rec + 4), be32(data, rec + 8)) else {
                        break;
                    };
                    let s = off.saturating_add(at);
                    blank(&mut out, s, s.saturating_add(len).min(end), 2);
                }
            }
            _ => {}
        }
    }
    changed.then_some(out)
}

/// Blank the text tags of every ICC profile stream (`/N` with ICC data).
pub(super) fn blank_icc_profiles(doc: &mut Document) -> usize {
    let mut blanked = 0;
    for obj in doc.objects.values_mut() {
        let Object::Stream(s) = obj else { continue };
        if !s.dict.has(b"N") {
            continue;
        }
        let Ok(data) = s.decompressed_content_with_limit(64 << 20) else {
            continue;
        };
        if let Some(clean) = blank_icc_text(&data) {
            s.dict.remove(b"Filter");
            s.dict.remove(b"DecodeParms");
            s.set_content(clean);
            blanked += 1;
        }
    }
    blanked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_metadata_segments_go_and_the_image_stays() {
        let seg = |m: u8, p: &[u8]| {
            let mut v = vec![0xFF, m];
            v.extend_from_slice(&((p.len() + 2) as u16).to_be_bytes());
            v.extend_from_slice(p);
            v
        };
        let mut j = vec![0xFF, 0xD8];
        j.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(seg(0xE1, b"Exif\0\0secret name"));
        j.extend(seg(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x>secret</x>"));
        j.extend(seg(0xEE, b"Adobe\0\x64\0\0\0\0\x01"));
        j.extend(seg(0xFE, b"secret comment"));
        j.extend(seg(0xDB, &[0u8; 65]));
        let scan = [
            0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9,
        ];
        j.extend_from_slice(&scan);
        let (out, n) = strip_jpeg_metadata(&j).expect("stripped");
        assert_eq!(n, 3);
        assert!(!out.windows(6).any(|w| w == b"secret"));
        assert!(out.windows(4).any(|w| w == b"JFIF"), "APP0 kept");
        assert!(out.windows(5).any(|w| w == b"Adobe"), "APP14 kept");
        assert!(out.ends_with(&scan), "the scan is copied as it was");
        // nothing to strip, or no JPEG: untouched
        assert!(strip_jpeg_metadata(&out).is_none());
        assert!(strip_jpeg_metadata(b"not a jpeg").is_none());
        assert!(strip_jpeg_metadata(&j[..40]).is_none(), "truncated");
    }
}
