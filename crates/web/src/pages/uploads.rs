//! The files a unit sends with a report: what each really is (read from its bytes; the name
//! and the browser's Content-Type are not trusted), whether it is within the limits, and the
//! photo's own capture time. Nothing here writes anything: a refused file refuses the form.

use std::io::Cursor;

/// Photos are resized by phones already; 10 MiB is a generous single shot.
pub(crate) const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// Scanned signed documents and spreadsheets can be larger.
pub(crate) const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;
/// As many as fit one row of a phone's picker and a 3×3 grid on the report page.
pub(crate) const MAX_FILES: usize = 9;
/// The whole multipart body: nine files cannot all be at their limit, a report with a few
/// photos and a document fits.
pub(crate) const MAX_BODY_BYTES: usize = 60 * 1024 * 1024;

/// What a file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Jpeg,
    Png,
    WebP,
    Pdf,
    Docx,
    Xlsx,
    /// The old binary Office formats (an OLE compound file): .doc and .xls.
    Doc,
    Xls,
}

impl Kind {
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::WebP => "image/webp",
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Doc => "application/msword",
            Kind::Xls => "application/vnd.ms-excel",
        }
    }

    pub(crate) fn is_photo(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png | Kind::WebP)
    }

    fn limit(self) -> usize {
        if self.is_photo() {
            MAX_PHOTO_BYTES
        } else {
            MAX_DOCUMENT_BYTES
        }
    }
}

/// A file that passed every check.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub kind: Kind,
    /// EXIF DateTimeOriginal as ISO 8601 local time (`2020-07-10T09:30:00`).
    pub captured_at: Option<String>,
}

const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// What `bytes` are, from their first bytes (and, for Office files, their zip directory).
/// `name` is only used to tell a .doc from a .xls: both are the same container, and the
/// container alone is what makes them safe to offer as a download.
pub(crate) fn sniff(name: &str, bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Kind::Jpeg);
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some(Kind::Png);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(Kind::WebP);
    }
    if bytes.starts_with(b"%PDF-") {
        return Some(Kind::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return office_zip(bytes);
    }
    if bytes.starts_with(OLE_MAGIC) {
        let lower = name.to_lowercase();
        if lower.ends_with(".doc") {
            return Some(Kind::Doc);
        }
        if lower.ends_with(".xls") {
            return Some(Kind::Xls);
        }
    }
    None
}

/// A .docx or .xlsx: a zip with `[Content_Types].xml` and the `word/` or `xl/` part. Any
/// other zip (an archive of who knows what) is refused.
fn office_zip(bytes: &[u8]) -> Option<Kind> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let names: Vec<&str> = archive.file_names().collect();
    if !names.contains(&"[Content_Types].xml") {
        return None;
    }
    if names.iter().any(|n| n.starts_with("word/")) {
        Some(Kind::Docx)
    } else if names.iter().any(|n| n.starts_with("xl/")) {
        Some(Kind::Xlsx)
    } else {
        None
    }
}

/// Checks one file; the error is the sentence shown by the file field, naming the file.
pub(crate) fn check(name: &str, bytes: &[u8]) -> Result<Checked, String> {
    let shown = if name.trim().is_empty() {
        "（未命名文件）"
    } else {
        name.trim()
    };
    if bytes.is_empty() {
        return Err(format!("文件“{shown}”是空的。"));
    }
    let Some(kind) = sniff(name, bytes) else {
        return Err(format!(
            "文件“{shown}”不是可接受的格式：只能上传照片（JPEG、PNG、WebP）或文档（PDF、Word、Excel）。"
        ));
    };
    if bytes.len() > kind.limit() {
        let what = if kind.is_photo() { "照片" } else { "文档" };
        return Err(format!(
            "文件“{shown}”有 {}，超过{what}每个 {} MiB 的上限。",
            size_words(bytes.len() as u64),
            kind.limit() / (1024 * 1024)
        ));
    }
    let captured_at = if kind.is_photo() {
        capture_time(bytes)
    } else {
        None
    };
    Ok(Checked { kind, captured_at })
}

/// The photo's own time (EXIF DateTimeOriginal), when it carries a valid one. The camera's
/// clock is local time without a zone, which is how it is kept.
pub(crate) fn capture_time(bytes: &[u8]) -> Option<String> {
    let exif = exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()?;
    let field = exif
        .get_field(exif::Tag::DateTimeOriginal, exif::In::PRIMARY)
        .or_else(|| exif.get_field(exif::Tag::DateTime, exif::In::PRIMARY))?;
    let exif::Value::Ascii(ref parts) = field.value else {
        return None;
    };
    let at = exif::DateTime::from_ascii(parts.first()?).ok()?;
    let month = time::Month::try_from(at.month).ok()?;
    let date = time::Date::from_calendar_date(i32::from(at.year), month, at.day).ok()?;
    let clock = time::Time::from_hms(at.hour, at.minute, at.second).ok()?;
    Some(format!(
        "{}T{:02}:{:02}:{:02}",
        date,
        clock.hour(),
        clock.minute(),
        clock.second()
    ))
}

/// A size as a person reads it: "850 KB", "3.2 MB".
pub(crate) fn size_words(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{:.1} MB", bytes as f64 / MIB as f64)
    } else {
        format!("{} KB", bytes.div_ceil(1024).max(1))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    /// A JPEG that is only its markers: SOI, an EXIF APP1 with DateTimeOriginal, EOI.
    pub(crate) fn jpeg_with_time(when: &[u8; 19]) -> Vec<u8> {
        // TIFF, little endian: IFD0 with one entry (ExifIFDPointer), the Exif IFD with one
        // entry (DateTimeOriginal, ASCII, 20 bytes), then the string.
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"II*\0");
        tiff.extend_from_slice(&8u32.to_le_bytes());
        // IFD0 at 8: 1 entry.
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&0x8769u16.to_le_bytes());
        tiff.extend_from_slice(&4u16.to_le_bytes()); // LONG
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&26u32.to_le_bytes()); // Exif IFD offset
        tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
                                                     // Exif IFD at 26: 1 entry.
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&0x9003u16.to_le_bytes());
        tiff.extend_from_slice(&2u16.to_le_bytes()); // ASCII
        tiff.extend_from_slice(&20u32.to_le_bytes());
        tiff.extend_from_slice(&44u32.to_le_bytes()); // string offset
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(when);
        tiff.push(0);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
        jpeg.extend_from_slice(&u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
        jpeg.extend_from_slice(&app1);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        jpeg
    }

    fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            for name in names {
                zip.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                zip.write_all(b"<x/>").unwrap();
            }
            zip.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn the_type_comes_from_the_bytes_not_the_name() {
        assert_eq!(sniff("a.pdf", &[0xFF, 0xD8, 0xFF, 0xE0]), Some(Kind::Jpeg));
        assert_eq!(sniff("photo.jpg", b"just some text"), None);
        assert_eq!(sniff("x", b"%PDF-1.7\n"), Some(Kind::Pdf));
        assert_eq!(sniff("x", b"RIFF\0\0\0\0WEBPVP8 "), Some(Kind::WebP));
        assert_eq!(
            sniff("x", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(Kind::Png)
        );
        assert_eq!(
            sniff(
                "a.zip",
                &zip_with(&["[Content_Types].xml", "word/document.xml"])
            ),
            Some(Kind::Docx)
        );
        assert_eq!(
            sniff(
                "a.docx",
                &zip_with(&["[Content_Types].xml", "xl/workbook.xml"])
            ),
            Some(Kind::Xlsx)
        );
        assert_eq!(sniff("a.docx", &zip_with(&["word/document.xml"])), None);
        assert_eq!(sniff("a.docx", b"PK\x03\x04broken"), None);
        assert_eq!(sniff("old.DOC", OLE_MAGIC), Some(Kind::Doc));
        assert_eq!(sniff("old.exe", OLE_MAGIC), None);
    }

    #[test]
    fn a_refused_file_is_named_in_the_message() {
        let error = check("photo.jpg", b"hello").unwrap_err();
        assert!(error.contains("photo.jpg"), "{error}");
        let big = [&[0xFF, 0xD8, 0xFF][..], &vec![0; MAX_PHOTO_BYTES]].concat();
        let error = check("big.jpg", &big).unwrap_err();
        assert!(error.contains("10 MiB"), "{error}");
    }

    #[test]
    fn the_capture_time_is_read_from_exif() {
        let jpeg = jpeg_with_time(b"2020:07:10 09:30:05");
        assert_eq!(capture_time(&jpeg).as_deref(), Some("2020-07-10T09:30:05"));
        assert_eq!(
            check("p.jpg", &jpeg).unwrap().captured_at.as_deref(),
            Some("2020-07-10T09:30:05")
        );
        assert_eq!(capture_time(&jpeg_with_time(b"2020:13:10 09:30:05")), None);
        assert_eq!(capture_time(&[0xFF, 0xD8, 0xFF, 0xD9]), None);
    }
}
