//! Notice bytes to text lines: recognises .docx, HTML and plain text, and the text
//! encodings government sites still use (UTF-8, GB18030/GBK/GB2312, UTF-16 with BOM).

use crate::docx::{docx_to_lines, DocxError};
use crate::html::{declared_charset, html_to_lines, looks_like_html};
use encoding_rs::{Encoding, GB18030, UTF_8};

/// Notices are tens of kilobytes; a Word file with photos a few megabytes. Anything
/// larger than this is not a notice, and reading it would only cost memory.
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

/// The kinds of document the reader takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceForm {
    Text,
    Html,
    Docx,
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes, over the limit of {limit} bytes", limit = MAX_INPUT_BYTES)]
    TooLarge { size: usize },
    #[error("the file is binary, not a text, HTML or .docx notice")]
    Binary,
    #[error(transparent)]
    Docx(#[from] DocxError),
}

/// A document read into lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub form: SourceForm,
    pub lines: Vec<String>,
}

pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(DecodeError::TooLarge { size: bytes.len() });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DecodeError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let lines = docx_to_lines(bytes)?;
        return Ok(Decoded {
            form: SourceForm::Docx,
            lines,
        });
    }
    let text = decode_text(bytes)?;
    let head: String = text.chars().take(2048).collect();
    if looks_like_html(&head) {
        return Ok(Decoded {
            form: SourceForm::Html,
            lines: html_to_lines(&text),
        });
    }
    Ok(Decoded {
        form: SourceForm::Text,
        lines: text_lines(&text),
    })
}

/// Splits plain text on any line ending and tidies each line. A line with two or more
/// tabs is a table row copied from a spreadsheet or Word: its cells are joined as the
/// HTML and Word readers join them.
fn text_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut raw = text
        .split(['\n', '\r', '\u{2028}', '\u{2029}'])
        .filter(|l| !l.is_empty());
    while let Some(line) = raw.next() {
        if line.matches('\t').count() < 2 {
            out.push(crate::lines::tidy(line));
            continue;
        }
        // A spreadsheet quotes a cell that holds line breaks: the row goes on until the
        // quote closes.
        let mut row = line.to_string();
        while open_quote(&row) {
            match raw.next() {
                Some(more) => {
                    row.push('\n');
                    row.push_str(more);
                }
                None => break,
            }
        }
        out.push(tab_row_to_cells(&row));
    }
    out.retain(|line| !line.is_empty());
    out
}

/// Whether a tab-separated row ends inside a quoted cell: its quotes do not pair up
/// (a quote inside a quoted cell is written twice, which keeps the count even).
fn open_quote(row: &str) -> bool {
    row.matches('"').count() % 2 == 1
}

/// One tab-separated row as cells joined by the separator; quoted cells unquoted, lines
/// inside a cell joined as a table cell's paragraphs are, empty cells at the end dropped
/// (spreadsheets pad every row to the widest).
fn tab_row_to_cells(row: &str) -> String {
    let mut cells: Vec<String> = row
        .split('\t')
        .map(|cell| {
            let cell = cell.trim();
            let unquoted = cell
                .strip_prefix('"')
                .and_then(|c| c.strip_suffix('"'))
                .map_or_else(|| cell.to_string(), |c| c.replace("\"\"", "\""));
            let paragraphs: Vec<String> = unquoted
                .split('\n')
                .map(crate::lines::tidy)
                .filter(|p| !p.is_empty())
                .collect();
            crate::lines::join_paragraphs(&paragraphs)
        })
        .collect();
    while cells.last().is_some_and(|c| c.is_empty()) {
        cells.pop();
    }
    cells.join(crate::lines::CELL_SEPARATOR)
}

fn decode_text(bytes: &[u8]) -> Result<String, DecodeError> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return if had_errors && encoding != UTF_8 {
            Err(DecodeError::Binary)
        } else {
            Ok(text.into_owned())
        };
    }
    if bytes.contains(&0) {
        return Err(DecodeError::Binary);
    }
    // A page's own declaration wins over guessing, but only for a legacy Chinese
    // encoding: a page that says utf-8 and is not is read by the guess below.
    let declared = declared_charset(&bytes[..bytes.len().min(4096)])
        .and_then(|label| Encoding::for_label(label.as_bytes()));
    let encoding = match declared {
        Some(enc) if enc != UTF_8 && std::str::from_utf8(bytes).is_err() => enc,
        _ if std::str::from_utf8(bytes).is_ok() => UTF_8,
        // GB18030 is a superset of GBK and GB2312: one decoder reads all three.
        _ => GB18030,
    };
    let (text, _, had_errors) = encoding.decode(bytes);
    if had_errors && replacement_share(&text) > 0.01 {
        return Err(DecodeError::Binary);
    }
    if control_share(&text) > 0.01 {
        return Err(DecodeError::Binary);
    }
    Ok(text.into_owned())
}

fn replacement_share(text: &str) -> f64 {
    share(text, |c| c == '\u{fffd}')
}

fn control_share(text: &str) -> f64 {
    share(text, |c| {
        c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')
    })
}

fn share(text: &str, predicate: impl Fn(char) -> bool) -> f64 {
    let (mut hits, mut total) = (0usize, 0usize);
    for c in text.chars() {
        total += 1;
        hits += usize::from(predicate(c));
    }
    if total == 0 {
        0.0
    } else {
        hits as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_text_is_detected_and_read() {
        let (bytes, _, _) =
            GB18030.encode("1.改善办学条件。新建中小学6所。\r\n(牵头单位:区教育局)");
        let decoded = decode(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(decoded.form, SourceForm::Text);
        assert_eq!(
            decoded.lines,
            ["1.改善办学条件。新建中小学6所。", "(牵头单位:区教育局)"]
        );
    }

    #[test]
    fn tab_separated_rows_become_cells() {
        let decoded = decode("序号\t项目名称\t牵头单位\n1\t改善办学条件\t区教育局".as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            decoded.lines,
            ["序号 | 项目名称 | 牵头单位", "1 | 改善办学条件 | 区教育局"]
        );
    }

    #[test]
    fn a_quoted_cell_holding_line_breaks_stays_in_its_row() {
        let text = "序号\t项目名称\t内容\t单位\t\t\n3\t学有优教\t\"1.新建学校3所；\n2.改造校舍。\"\t县教育局\t\t\n";
        let decoded = decode(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            decoded.lines,
            [
                "序号 | 项目名称 | 内容 | 单位",
                "3 | 学有优教 | 1.新建学校3所；2.改造校舍。 | 县教育局"
            ]
        );
    }

    #[test]
    fn a_utf8_bom_is_dropped() {
        let decoded = decode("\u{feff}标题\n正文".as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(decoded.lines, ["标题", "正文"]);
    }

    #[test]
    fn a_gbk_page_declaring_gb2312_is_read_as_html() {
        let page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body><p>民生实事</p></body></html>";
        let (bytes, _, _) = GB18030.encode(page);
        let decoded = decode(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(decoded.form, SourceForm::Html);
        assert_eq!(decoded.lines, ["民生实事"]);
    }

    #[test]
    fn empty_binary_and_oversized_inputs_are_refused() {
        assert!(matches!(decode(b""), Err(DecodeError::Empty)));
        assert!(matches!(decode(b" \n\t"), Err(DecodeError::Empty)));
        assert!(matches!(
            decode(b"\x7fELF\x02\x01\x01\0\0\0"),
            Err(DecodeError::Binary)
        ));
        let big = vec![b'a'; MAX_INPUT_BYTES + 1];
        assert!(matches!(decode(&big), Err(DecodeError::TooLarge { .. })));
    }
}
