//! Turns the block structure of HTML and Word documents into the text lines the reader
//! works on; table rows become one line with cells joined by " | ".

/// Cells of a data row are joined with this, as plain-text exports of tables write them.
pub const CELL_SEPARATOR: &str = " | ";

/// A row is read as data (one line) unless one of its cells holds more paragraphs than
/// this; then the table is taken for page layout and its cells are read as running text.
const MAX_PARAGRAPHS_IN_DATA_CELL: usize = 12;

#[derive(Debug, Default)]
struct Cell {
    paragraphs: Vec<String>,
    current: String,
}

impl Cell {
    fn close_paragraph(&mut self) {
        let text = tidy(&self.current);
        self.current.clear();
        if !text.is_empty() {
            self.paragraphs.push(text);
        }
    }
}

#[derive(Debug, Default)]
struct Table {
    row: Vec<Cell>,
    cell: Option<Cell>,
    in_row: bool,
    /// Columns the cell of the current row covers beyond its own.
    cell_colspan: usize,
    /// Cells merged down from rows above: (column, rows still covered).
    row_spans: Vec<(usize, usize)>,
}

impl Table {
    /// Puts an empty cell wherever a cell from a row above reaches down into this one,
    /// so that every row's cells stand under their own headers.
    fn fill_spanned_columns(&mut self) {
        while let Some(span) = self
            .row_spans
            .iter_mut()
            .find(|(column, left)| *column == self.row.len() && *left > 0)
        {
            span.1 -= 1;
            self.row.push(Cell::default());
        }
    }
}

/// Collects text and block boundaries from a document walker.
#[derive(Debug, Default)]
pub struct LineBuilder {
    lines: Vec<String>,
    current: String,
    tables: Vec<Table>,
}

impl LineBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends running text to the current paragraph.
    pub fn text(&mut self, text: &str) {
        match self.tables.last_mut() {
            Some(Table {
                cell: Some(cell), ..
            }) => cell.current.push_str(text),
            // Text between cells (stray whitespace in markup) belongs to no cell.
            Some(_) => {}
            None => self.current.push_str(text),
        }
    }

    /// Ends the current paragraph (a `<p>`, `<br>`, `<div>`, a Word paragraph).
    pub fn paragraph_break(&mut self) {
        match self.tables.last_mut() {
            Some(Table {
                cell: Some(cell), ..
            }) => cell.close_paragraph(),
            Some(_) => {}
            None => self.close_line(),
        }
    }

    pub fn table_start(&mut self) {
        self.paragraph_break();
        self.tables.push(Table::default());
    }

    pub fn row_start(&mut self) {
        self.row_end();
        if let Some(table) = self.tables.last_mut() {
            table.in_row = true;
        }
    }

    pub fn cell_start(&mut self) {
        self.cell_start_spanning(1, 1);
    }

    /// Opens a cell that covers `rows` rows (HTML rowspan) and `columns` columns (HTML
    /// colspan, Word gridSpan).
    pub fn cell_start_spanning(&mut self, rows: usize, columns: usize) {
        self.cell_end();
        if let Some(table) = self.tables.last_mut() {
            table.in_row = true;
            table.fill_spanned_columns();
            if rows > 1 {
                let column = table.row.len();
                table.row_spans.retain(|(c, _)| *c != column);
                table.row_spans.push((column, rows - 1));
            }
            table.cell_colspan = columns.max(1) - 1;
            table.cell = Some(Cell::default());
        }
    }

    /// Widens the open cell across `columns` columns (Word says so inside the cell).
    pub fn span_cell_across(&mut self, columns: usize) {
        if let Some(table) = self.tables.last_mut() {
            if table.cell.is_some() {
                table.cell_colspan = columns.clamp(1, 1000) - 1;
            }
        }
    }

    pub fn cell_end(&mut self) {
        if let Some(table) = self.tables.last_mut() {
            if let Some(mut cell) = table.cell.take() {
                cell.close_paragraph();
                table.row.push(cell);
                for _ in 0..std::mem::take(&mut table.cell_colspan) {
                    table.row.push(Cell::default());
                }
            }
        }
    }

    pub fn row_end(&mut self) {
        self.cell_end();
        let Some(table) = self.tables.last_mut() else {
            return;
        };
        if !table.row.is_empty() {
            table.fill_spanned_columns();
        }
        table.row_spans.retain(|(_, left)| *left > 0);
        let row = std::mem::take(&mut table.row);
        table.in_row = false;
        if row.is_empty() {
            return;
        }
        let is_data = row.len() > 1
            && row
                .iter()
                .all(|cell| cell.paragraphs.len() <= MAX_PARAGRAPHS_IN_DATA_CELL);
        let mut out = Vec::new();
        if is_data {
            let cells: Vec<String> = row
                .iter()
                .map(|cell| join_paragraphs(&cell.paragraphs))
                .collect();
            if cells.iter().any(|c| !c.is_empty()) {
                out.push(cells.join(CELL_SEPARATOR).trim().to_string());
            }
        } else {
            for cell in row {
                out.extend(cell.paragraphs);
            }
        }
        for line in out {
            self.emit_line(line);
        }
    }

    pub fn table_end(&mut self) {
        self.row_end();
        self.tables.pop();
    }

    /// Puts a finished line into whatever encloses the innermost open table: the
    /// enclosing cell, or the document.
    fn emit_line(&mut self, line: String) {
        let enclosing = self.tables.len().checked_sub(1);
        // The row's own table is still on the stack; its parent is one below.
        let parent = enclosing.and_then(|i| i.checked_sub(1));
        match parent.and_then(|i| self.tables.get_mut(i)) {
            Some(Table {
                cell: Some(cell), ..
            }) => {
                cell.close_paragraph();
                cell.paragraphs.push(line);
            }
            _ => {
                self.close_line();
                self.lines.push(line);
            }
        }
    }

    fn close_line(&mut self) {
        let text = tidy(&self.current);
        self.current.clear();
        if !text.is_empty() {
            self.lines.push(text);
        }
    }

    pub fn finish(mut self) -> Vec<String> {
        while !self.tables.is_empty() {
            self.table_end();
        }
        self.close_line();
        self.lines
    }
}

/// Joins the paragraphs of one cell. After a sentence or clause mark nothing is needed
/// (Chinese has no spaces); otherwise a space keeps apart what the cell broke apart, such
/// as two unit names on two lines.
pub fn join_paragraphs(paragraphs: &[String]) -> String {
    let mut out = String::new();
    for paragraph in paragraphs {
        let ends_clause = out
            .chars()
            .next_back()
            .is_some_and(|c| "。，；：、！？,;:".contains(c));
        if !out.is_empty() && !ends_clause {
            out.push(' ');
        }
        out.push_str(paragraph);
    }
    out
}

/// Collapses runs of whitespace (including no-break and ideographic spaces) into one
/// space and trims the ends.
pub fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '\u{a0}' || c == '\u{feff}' || c == '\u{200b}' {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_row_becomes_one_line_with_cells_joined() {
        let mut b = LineBuilder::new();
        b.text("before");
        b.table_start();
        b.row_start();
        for cell in ["1", "改善办学条件", "新建中小学6所", "区教育局"] {
            b.cell_start();
            b.text(cell);
            b.cell_end();
        }
        b.row_end();
        b.table_end();
        b.text("after");
        assert_eq!(
            b.finish(),
            [
                "before",
                "1 | 改善办学条件 | 新建中小学6所 | 区教育局",
                "after"
            ]
        );
    }

    #[test]
    fn cells_merged_down_and_across_keep_the_others_under_their_headers() {
        let mut b = LineBuilder::new();
        b.table_start();
        for (k, row) in [["1", "教育", "新建幼儿园"], ["2", "", "改造学校"]]
            .iter()
            .enumerate()
        {
            b.row_start();
            for (column, text) in row.iter().enumerate() {
                if column == 1 && k == 1 {
                    continue; // covered by the rowspan above
                }
                let rows = if column == 1 { 2 } else { 1 };
                b.cell_start_spanning(rows, 1);
                b.text(text);
                b.cell_end();
            }
            b.row_end();
        }
        b.row_start();
        b.cell_start_spanning(1, 3);
        b.text("注：合计");
        b.row_end();
        b.table_end();
        assert_eq!(
            b.finish(),
            ["1 | 教育 | 新建幼儿园", "2 |  | 改造学校", "注：合计 |  |"]
        );
    }

    #[test]
    fn a_layout_table_holding_the_article_is_read_as_running_text() {
        let mut b = LineBuilder::new();
        b.table_start();
        b.row_start();
        b.cell_start();
        b.text("导航");
        b.cell_end();
        b.cell_start();
        for i in 0..20 {
            b.text(&format!("第{i}段"));
            b.paragraph_break();
        }
        b.table_start();
        b.row_start();
        b.cell_start();
        b.text("索引号");
        b.cell_start();
        b.text("001");
        b.table_end();
        b.table_end();
        let lines = b.finish();
        assert_eq!(lines[0], "导航");
        assert_eq!(lines[1], "第0段");
        assert_eq!(lines[20], "第19段");
        assert_eq!(lines[21], "索引号 | 001");
    }
}
