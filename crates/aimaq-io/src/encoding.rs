//! Text that is not UTF-8: a Shapefile's `.dbf` without a code page (no `.cpg`, language
//! driver byte 0), which GDAL hands over byte for byte, so that Cyrillic ids arrive as
//! `�������-1` and different ids collapse into one; and `--encoding`, which names the
//! code page (GDAL's `ENCODING` open option for Shapefiles, iconv for `check`'s GeoJSON).

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

/// What a `.dbf` without a code page holds that is not UTF-8.
#[derive(Debug, Clone, PartialEq)]
pub struct Undecodable {
    /// The field of the first value that is not UTF-8.
    pub field: String,
    /// Its record, 1-based.
    pub record: u64,
    /// Its first bytes, in hex.
    pub bytes: String,
    /// Values of the id field that are not UTF-8, in all.
    pub values: u64,
    /// Distinct ids as stored, and as they would read decoded as UTF-8 (`�` for each bad
    /// byte run), with one id that would stand for several: different ids collapsing.
    pub collapse: Option<(usize, usize, String)>,
}

/// The language driver id of a `.dbf` (byte 29; 0 says nothing about the encoding).
pub fn dbf_ldid(dbf: &Path) -> std::io::Result<u8> {
    let mut head = [0u8; 32];
    std::fs::File::open(dbf)?.read_exact(&mut head)?;
    Ok(head[29])
}

/// Scans the text fields of `dbf` for values that are not UTF-8, and, for `id_field`,
/// whether decoding them as UTF-8 would make different ids one. `None`: all text is UTF-8.
pub fn scan_dbf(dbf: &Path, id_field: Option<&str>) -> std::io::Result<Option<Undecodable>> {
    let mut r = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(dbf)?);
    let mut head = [0u8; 32];
    r.read_exact(&mut head)?;
    let records = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as u64;
    let header_len = u16::from_le_bytes([head[8], head[9]]) as usize;
    let record_len = u16::from_le_bytes([head[10], head[11]]) as usize;
    if header_len < 33 || record_len == 0 {
        return Ok(None);
    }
    let mut rest = vec![0u8; header_len - 32];
    r.read_exact(&mut rest)?;
    // field descriptors: 32 bytes each, until 0x0D; values follow a deletion flag byte
    let mut fields = Vec::new();
    let mut offset = 1usize;
    for d in rest.chunks(32) {
        if d[0] == 0x0D || d.len() < 32 {
            break;
        }
        let name_end = d[..11].iter().position(|&b| b == 0).unwrap_or(11);
        let name = String::from_utf8_lossy(&d[..name_end]).into_owned();
        let len = d[16] as usize;
        if d[11] == b'C' {
            fields.push((name, offset, len));
        }
        offset += len;
    }
    let id = id_field.and_then(|f| {
        fields
            .iter()
            .position(|(n, _, _)| n.eq_ignore_ascii_case(f))
    });
    let mut found: Option<Undecodable> = None;
    let (mut raw_ids, mut read_ids) = (HashSet::new(), HashSet::new());
    let mut record = vec![0u8; record_len];
    for i in 0..records {
        if r.read_exact(&mut record).is_err() {
            break;
        }
        for (k, (name, at, len)) in fields.iter().enumerate() {
            let Some(value) = record.get(*at..at + len) else {
                continue;
            };
            let end = value
                .iter()
                .rposition(|&b| b != b' ' && b != 0)
                .map_or(0, |p| p + 1);
            let value = &value[..end];
            let bad = !value.is_ascii() && std::str::from_utf8(value).is_err();
            if Some(k) == id {
                read_ids.insert(String::from_utf8_lossy(value).into_owned());
                raw_ids.insert(value.to_vec());
            }
            if bad {
                let u = found.get_or_insert_with(|| Undecodable {
                    field: name.clone(),
                    record: i + 1,
                    bytes: value
                        .iter()
                        .take(8)
                        .map(|b| format!("{b:02X}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    values: 0,
                    collapse: None,
                });
                if Some(k) == id {
                    u.values += 1;
                }
            }
        }
    }
    if let Some(u) = &mut found {
        if read_ids.len() < raw_ids.len() {
            // an id read the same for several stored ones
            let mut seen = HashSet::new();
            let example = raw_ids
                .iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .find(|s| !seen.insert(s.clone()))
                .unwrap_or_default();
            u.collapse = Some((raw_ids.len(), read_ids.len(), example));
        }
    }
    Ok(found)
}

/// `bytes` in `encoding` (an iconv name: `CP1251`, `CP866`, `KOI8-R`, …) as UTF-8,
/// through GDAL's CPLRecode. `Err` names an encoding iconv does not know.
pub fn recode_to_utf8(bytes: &[u8], encoding: &str) -> Result<String, String> {
    if bytes.contains(&0) {
        return Err("the file holds NUL bytes: it is not text".into());
    }
    let src = std::ffi::CString::new(bytes).map_err(|e| e.to_string())?;
    let enc = std::ffi::CString::new(encoding).map_err(|e| e.to_string())?;
    let utf8 = std::ffi::CString::new("UTF-8").expect("no NUL");
    // SAFETY: NUL-terminated inputs; GDAL returns a new NUL-terminated string that the
    // caller frees with VSIFree, after copying it. Error state is thread-local.
    unsafe {
        gdal_sys::CPLErrorReset();
        let out = gdal_sys::CPLRecode(src.as_ptr(), enc.as_ptr(), utf8.as_ptr());
        let failed = gdal_sys::CPLGetLastErrorType() != gdal_sys::CPLErr::CE_None;
        if out.is_null() {
            return Err(format!("cannot decode from `{encoding}`"));
        }
        let text = std::ffi::CStr::from_ptr(out).to_string_lossy().into_owned();
        gdal_sys::VSIFree(out.cast());
        if failed {
            return Err(format!(
                "`{encoding}` is not an encoding iconv knows, or the text is not in it (e.g. CP1251, CP866, KOI8-R)"
            ));
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp1251_is_recoded_and_an_unknown_encoding_named() {
        let cp1251 = [0xD3, 0xF7, 0xE0, 0xF1, 0xF2, 0xEE, 0xEA, b'-', b'1'];
        assert_eq!(recode_to_utf8(&cp1251, "CP1251").unwrap(), "Участок-1");
        assert!(recode_to_utf8(&cp1251, "NO-SUCH-ENCODING").is_err());
    }
}
