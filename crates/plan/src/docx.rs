//! Reads the text of a Word (.docx) document as lines: paragraphs, tables as rows of
//! cells, and the numbers Word draws for numbered paragraphs (they are not in the text).

use crate::lines::LineBuilder;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::HashMap;
use std::io::{Read, Seek};

/// The decompressed XML of one part may not exceed this: a guard against zip bombs.
const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("not a readable .docx (zip) file: {0}")]
    Zip(String),
    #[error("the .docx has no word/document.xml")]
    NoDocument,
    #[error("word/document.xml is larger than {} MiB", MAX_PART_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("word/document.xml is not well-formed XML: {0}")]
    Xml(String),
}

/// The text of the document body, as lines.
pub fn docx_to_lines(bytes: &[u8]) -> Result<Vec<String>, DocxError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| DocxError::Zip(e.to_string()))?;
    let document = read_part(&mut archive, "word/document.xml")?.ok_or(DocxError::NoDocument)?;
    // Missing or broken numbering only costs the drawn numbers, not the text.
    let mut numbering = match read_part(&mut archive, "word/numbering.xml") {
        Ok(Some(xml)) => Numbering::parse(&xml),
        _ => Numbering::default(),
    };
    if let Ok(Some(xml)) = read_part(&mut archive, "word/styles.xml") {
        numbering.style_lists = style_lists(&xml);
    }
    walk_document(&document, numbering)
}

fn read_part<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Option<String>, DocxError> {
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(DocxError::Zip(e.to_string())),
    };
    let mut bytes = Vec::new();
    file.take(MAX_PART_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DocxError::Zip(e.to_string()))?;
    if bytes.len() as u64 > MAX_PART_BYTES {
        return Err(DocxError::TooLarge);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| DocxError::Xml("not UTF-8".into()))
}

fn walk_document(xml: &str, mut numbering: Numbering) -> Result<Vec<String>, DocxError> {
    let mut reader = Reader::from_str(xml);
    let mut out = LineBuilder::new();
    let mut in_text = false;
    // Inside mc:Fallback Word repeats what mc:Choice already holds.
    let mut fallback_depth = 0usize;
    let mut num_id: Option<String> = None;
    let mut num_level = 0usize;
    let mut style_id: Option<String> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| DocxError::Xml(e.to_string()))?;
        match event {
            Event::Start(e) => {
                let name = e.name();
                if name.as_ref() == b"mc:Fallback" {
                    fallback_depth += 1;
                }
                if fallback_depth > 0 {
                    continue;
                }
                match name.as_ref() {
                    b"w:p" => {
                        num_id = None;
                        num_level = 0;
                        style_id = None;
                    }
                    b"w:t" => in_text = true,
                    b"w:tbl" => out.table_start(),
                    b"w:tr" => out.row_start(),
                    b"w:tc" => out.cell_start(),
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if fallback_depth > 0 {
                    continue;
                }
                match e.name().as_ref() {
                    b"w:tab" | b"w:ptab" => out.text(" "),
                    b"w:br" | b"w:cr" => out.paragraph_break(),
                    b"w:numId" => num_id = attribute(&e, b"w:val"),
                    b"w:pStyle" => style_id = attribute(&e, b"w:val"),
                    b"w:gridSpan" => {
                        if let Some(columns) = attribute(&e, b"w:val").and_then(|v| v.parse().ok())
                        {
                            out.span_cell_across(columns);
                        }
                    }
                    b"w:ilvl" => {
                        num_level = attribute(&e, b"w:val")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0)
                    }
                    b"w:pPr" | b"w:rPr" => {}
                    _ => {}
                }
            }
            Event::End(e) => {
                let name = e.name();
                if name.as_ref() == b"mc:Fallback" {
                    fallback_depth = fallback_depth.saturating_sub(1);
                    continue;
                }
                if fallback_depth > 0 {
                    continue;
                }
                match name.as_ref() {
                    b"w:pPr" => {
                        // A list style (List Number) numbers its paragraphs unless the
                        // paragraph names a list of its own.
                        let list = num_id.clone().map(|id| (id, num_level)).or_else(|| {
                            style_id
                                .as_ref()
                                .and_then(|s| numbering.style_lists.get(s).cloned())
                        });
                        if let Some(label) =
                            list.and_then(|(id, level)| numbering.next_label(&id, level))
                        {
                            out.text(&label);
                        }
                    }
                    b"w:t" => in_text = false,
                    b"w:p" => out.paragraph_break(),
                    b"w:tc" => out.cell_end(),
                    b"w:tr" => out.row_end(),
                    b"w:tbl" => out.table_end(),
                    _ => {}
                }
            }
            Event::Text(t) if in_text && fallback_depth == 0 => {
                let text = t.unescape().map_err(|e| DocxError::Xml(e.to_string()))?;
                out.text(&text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out.finish())
}

fn attribute(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.try_get_attribute(key)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok())
        .map(|v| v.into_owned())
}

/// How one level of a Word list draws its number.
#[derive(Debug, Clone, Default)]
struct Level {
    start: u32,
    format: String,
    text: String,
}

/// The list definitions of numbering.xml and the running counters of each list.
#[derive(Debug, Default)]
struct Numbering {
    abstract_levels: HashMap<String, HashMap<usize, Level>>,
    num_to_abstract: HashMap<String, String>,
    counters: HashMap<String, [u32; 9]>,
    /// Paragraph styles that number their paragraphs: style id → (numId, level).
    style_lists: HashMap<String, (String, usize)>,
}

impl Numbering {
    fn parse(xml: &str) -> Self {
        let mut numbering = Numbering::default();
        let mut reader = Reader::from_str(xml);
        let mut abstract_id: Option<String> = None;
        let mut num_id: Option<String> = None;
        let mut level: Option<(usize, Level)> = None;
        while let Ok(event) = reader.read_event() {
            match event {
                Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                    b"w:abstractNum" => abstract_id = attribute(&e, b"w:abstractNumId"),
                    b"w:num" => num_id = attribute(&e, b"w:numId"),
                    b"w:abstractNumId" => {
                        if let (Some(num), Some(abs)) = (&num_id, attribute(&e, b"w:val")) {
                            numbering.num_to_abstract.insert(num.clone(), abs);
                        }
                    }
                    b"w:lvl" => {
                        let ilvl = attribute(&e, b"w:ilvl")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                        level = Some((
                            ilvl,
                            Level {
                                start: 1,
                                ..Level::default()
                            },
                        ));
                    }
                    b"w:start" => {
                        if let Some((_, l)) = level.as_mut() {
                            l.start = attribute(&e, b"w:val")
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(1);
                        }
                    }
                    b"w:numFmt" => {
                        if let Some((_, l)) = level.as_mut() {
                            l.format = attribute(&e, b"w:val").unwrap_or_default();
                        }
                    }
                    b"w:lvlText" => {
                        if let Some((_, l)) = level.as_mut() {
                            l.text = attribute(&e, b"w:val").unwrap_or_default();
                        }
                    }
                    _ => {}
                },
                Event::End(e) => match e.name().as_ref() {
                    b"w:lvl" => {
                        if let (Some(abs), Some((ilvl, l))) = (&abstract_id, level.take()) {
                            numbering
                                .abstract_levels
                                .entry(abs.clone())
                                .or_default()
                                .insert(ilvl, l);
                        }
                    }
                    b"w:abstractNum" => abstract_id = None,
                    b"w:num" => num_id = None,
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        numbering
    }

    /// Advances the list's counter at `level` and returns the label Word would draw.
    fn next_label(&mut self, num_id: &str, level: usize) -> Option<String> {
        let abstract_id = self.num_to_abstract.get(num_id)?;
        let levels = self.abstract_levels.get(abstract_id)?;
        let this = levels.get(&level)?;
        if this.format == "none" || this.format == "bullet" || level >= 9 {
            return None;
        }
        let counters = self.counters.entry(abstract_id.clone()).or_insert_with(|| {
            let mut c = [0u32; 9];
            for (i, slot) in c.iter_mut().enumerate() {
                *slot = levels.get(&i).map_or(1, |l| l.start).saturating_sub(1);
            }
            c
        });
        counters[level] = counters[level].saturating_add(1);
        for (deeper, counter) in counters.iter_mut().enumerate().skip(level + 1) {
            *counter = levels.get(&deeper).map_or(1, |l| l.start).saturating_sub(1);
        }
        let mut label = this.text.clone();
        for (i, count) in counters.iter().enumerate().take(level + 1) {
            let format = levels.get(&i).map_or("decimal", |l| l.format.as_str());
            label = label.replace(&format!("%{}", i + 1), &format_number(*count, format));
        }
        Some(label)
    }
}

/// The list each paragraph style numbers with, from styles.xml.
fn style_lists(xml: &str) -> HashMap<String, (String, usize)> {
    let mut lists = HashMap::new();
    let mut reader = Reader::from_str(xml);
    let mut style: Option<String> = None;
    let mut level = 0usize;
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"w:style" => {
                    style = attribute(&e, b"w:styleId");
                    level = 0;
                }
                b"w:ilvl" => {
                    level = attribute(&e, b"w:val")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0)
                }
                b"w:numId" => {
                    if let (Some(style), Some(id)) = (&style, attribute(&e, b"w:val")) {
                        lists.insert(style.clone(), (id, level));
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    lists
}

fn format_number(n: u32, format: &str) -> String {
    match format {
        "chineseCounting"
        | "chineseCountingThousand"
        | "japaneseCounting"
        | "ideographDigital"
        | "taiwaneseCounting"
        | "taiwaneseCountingThousand" => chinese_numeral(n),
        _ => n.to_string(),
    }
}

/// Writes 1..=9999 in Chinese numerals as lists draw them (十一, 二十, 一百零五).
pub(crate) fn chinese_numeral(n: u32) -> String {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    if n == 0 || n > 9999 {
        return n.to_string();
    }
    let places = [(1000, '千'), (100, '百'), (10, '十'), (1, ' ')];
    let mut out = String::new();
    let mut zero_pending = false;
    for (value, mark) in places {
        let digit = (n / value % 10) as usize;
        if digit == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        if zero_pending {
            out.push('零');
            zero_pending = false;
        }
        // 十一, not 一十一, when the number starts at the tens.
        if !(value == 10 && digit == 1 && out.is_empty()) {
            out.push(DIGITS[digit]);
        }
        if mark != ' ' {
            out.push(mark);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_list_numbers_are_drawn_as_word_draws_them() {
        let drawn: Vec<String> = [1, 10, 11, 20, 21, 105, 110].map(chinese_numeral).into();
        assert_eq!(
            drawn,
            ["一", "十", "十一", "二十", "二十一", "一百零五", "一百一十"]
        );
    }

    /// A .docx with the given document and numbering parts, as Word would zip them.
    fn docx(document: &str, numbering: &str) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        for (name, body) in [
            ("word/document.xml", document),
            ("word/numbering.xml", numbering),
        ] {
            zip.start_file(name, options).unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn paragraphs_numbered_by_word_get_their_drawn_numbers() {
        let numbered = |text: &str| {
            format!(
                r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="3"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
            )
        };
        let document = format!(
            r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>通知</w:t></w:r></w:p>{}{}<w:tbl><w:tr><w:tc><w:p><w:r><w:t>序号</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>项目</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#,
            numbered("改善办学条件。"),
            numbered("均衡城乡教育。")
        );
        let numbering = r#"<w:numbering xmlns:w="w"><w:abstractNum w:abstractNumId="7"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%1）"/></w:lvl></w:abstractNum><w:num w:numId="3"><w:abstractNumId w:val="7"/></w:num></w:numbering>"#;
        let lines = docx_to_lines(&docx(&document, numbering)).unwrap();
        assert_eq!(
            lines,
            [
                "通知",
                "（一）改善办学条件。",
                "（二）均衡城乡教育。",
                "序号 | 项目"
            ]
        );
    }

    #[test]
    fn a_zip_without_a_document_is_refused() {
        let bytes = docx("", "");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("other.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        let other = zip.finish().unwrap().into_inner();
        assert!(matches!(docx_to_lines(&other), Err(DocxError::NoDocument)));
        assert!(docx_to_lines(&bytes).is_ok());
    }

    #[test]
    fn bytes_that_are_not_a_zip_are_refused() {
        assert!(matches!(
            docx_to_lines(b"PK\x03\x04broken"),
            Err(DocxError::Zip(_))
        ));
    }
}
