//! Reading an exported ledger and filling it in as a person would: by editing the cells of
//! the sheet's XML in the exported file, so everything else (hidden columns, protection,
//! names) stays exactly as exported. Shared by the ledger tests of shishi-docs, the command
//! line and the web (which include this file by path); needs `calamine` and `zip`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use std::collections::HashMap;
use std::io::{Cursor, Read, Write};

pub struct Sheet {
    pub cells: Vec<Vec<Data>>,
    pub columns: HashMap<String, usize>,
}

impl Sheet {
    pub fn read(bytes: &[u8]) -> Self {
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
        let range = book.worksheet_range("台账").unwrap();
        let cells: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        let header_row = cells
            .iter()
            .position(|r| r.iter().any(|c| c == &Data::String("目标编号".into())))
            .unwrap();
        let columns = cells[header_row]
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                Data::String(s) => Some((s.clone(), i)),
                _ => None,
            })
            .collect();
        Self { cells, columns }
    }

    pub fn col(&self, header: &str) -> usize {
        *self
            .columns
            .get(header)
            .unwrap_or_else(|| panic!("no column {header}"))
    }

    /// The row number a person sees (1-based) of a target's row.
    pub fn row_of(&self, target: i64) -> u32 {
        let c = self.col("目标编号");
        let i = self
            .cells
            .iter()
            .position(|r| matches!(r.get(c), Some(Data::Float(f)) if *f == target as f64))
            .unwrap_or_else(|| panic!("no row for target {target}"));
        i as u32 + 1
    }

    pub fn text(&self, row: u32, header: &str) -> String {
        match &self.cells[row as usize - 1][self.col(header)] {
            Data::String(s) => s.clone(),
            Data::Float(f) => f.to_string(),
            Data::Empty => String::new(),
            other => format!("{other:?}"),
        }
    }

    /// A1-style reference of a cell.
    pub fn cell_ref(&self, row: u32, header: &str) -> String {
        let mut n = self.col(header) + 1;
        let mut letters = Vec::new();
        while n > 0 {
            letters.push(b'A' + ((n - 1) % 26) as u8);
            n = (n - 1) / 26;
        }
        letters.reverse();
        format!("{}{row}", String::from_utf8(letters).unwrap())
    }
}

#[derive(Clone, Copy)]
pub enum Fill<'a> {
    Text(&'a str),
    Number(f64),
}

/// A copy of `xlsx` with the given cells of the ledger sheet set. Cells the export wrote
/// (every data row's fill-in and hidden cells) are replaced in place, keeping their style;
/// cells of rows past the end are added in new rows.
pub fn filled(xlsx: &[u8], cells: &[(String, Fill<'_>)]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx.to_vec())).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().to_owned();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let mut xml = String::from_utf8(content).unwrap();
            for (reference, value) in cells {
                xml = set_cell(&xml, reference, *value);
            }
            content = xml.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn set_cell(xml: &str, reference: &str, value: Fill<'_>) -> String {
    let body = |style: &str| match value {
        Fill::Text(t) => format!(
            r#"<c r="{reference}"{style} t="inlineStr"><is><t>{}</t></is></c>"#,
            escape(t)
        ),
        Fill::Number(n) => format!(r#"<c r="{reference}"{style}><v>{n}</v></c>"#),
    };
    let open = format!(r#"<c r="{reference}""#);
    if let Some(start) = xml.find(&open) {
        let head_end = start + xml[start..].find('>').unwrap();
        let end = if xml.as_bytes()[head_end - 1] == b'/' {
            head_end + 1
        } else {
            head_end + xml[head_end..].find("</c>").unwrap() + "</c>".len()
        };
        let head = &xml[start..head_end];
        let style = head
            .find(" s=\"")
            .map(|s| {
                let rest = &head[s + 4..];
                format!(r#" s="{}""#, &rest[..rest.find('"').unwrap()])
            })
            .unwrap_or_default();
        return format!("{}{}{}", &xml[..start], body(&style), &xml[end..]);
    }
    // A new row below the table, as a person typing under the last line would make; its
    // cells come in column order, so each goes at the row's end.
    let row: String = reference.chars().filter(char::is_ascii_digit).collect();
    if let Some(start) = xml.find(&format!(r#"<row r="{row}""#)) {
        let at = start + xml[start..].find("</row>").unwrap();
        return format!("{}{}{}", &xml[..at], body(""), &xml[at..]);
    }
    let at = xml.find("</sheetData>").unwrap();
    format!(
        r#"{}<row r="{row}">{}</row>{}"#,
        &xml[..at],
        body(""),
        &xml[at..]
    )
}

pub fn fills<'a>(sheet: &Sheet, row: u32, values: &[(&str, Fill<'a>)]) -> Vec<(String, Fill<'a>)> {
    values
        .iter()
        .map(|(header, v)| (sheet.cell_ref(row, header), *v))
        .collect()
}
