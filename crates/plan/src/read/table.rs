//! Lists written as a table: a header row (序号 | 项目名称 | 建设内容 | 牵头单位 | 配合单位)
//! and one row per item, saved as text, as an HTML table or as a Word table.

use super::marker::{read_marker, Style};
use super::text::{squeeze, trim_punct};
use super::units::{label_at, take_clauses, Clauses, Role};
use super::{is_terminator, item_targets, item_warnings, meta, split_title, Notice, UnitContext};
use crate::model::{Item, Plan};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Seq,
    Category,
    Name,
    Content,
    Units(Role),
    Ignored,
}

const NAME_HEADERS: &[&str] = &[
    "项目名称",
    "实事名称",
    "名称",
    "项目",
    "事项",
    "实事项目",
    "工作任务",
    "任务名称",
];
const CONTENT_WORDS: &[&str] = &["内容", "目标", "任务", "规模"];
const CATEGORY_HEADERS: &[&str] = &["类别", "项目类别", "领域", "分类", "类型", "序列"];

fn column_of(header: &str) -> Column {
    let h = squeeze(header);
    let h = h.trim_end_matches([':', '：']);
    if matches!(h, "序号" | "编号" | "序") {
        return Column::Seq;
    }
    if CATEGORY_HEADERS.contains(&h) {
        return Column::Category;
    }
    if let Some((role, _)) = label_at(h) {
        return Column::Units(role);
    }
    if h.ends_with("单位") || h.ends_with("部门") {
        return Column::Units(if h.contains("配合") || h.contains("协") {
            Role::Support
        } else {
            Role::Responsible
        });
    }
    if NAME_HEADERS.contains(&h) {
        return Column::Name;
    }
    if h.contains("时限") || h.contains("时间") || h.contains("领导") || h.contains("备注")
    {
        return Column::Ignored;
    }
    if CONTENT_WORDS.iter().any(|w| h.contains(w)) {
        return Column::Content;
    }
    Column::Ignored
}

fn cells(line: &str) -> Vec<&str> {
    line.split('|').map(str::trim).collect()
}

/// The header row and what each column holds, if the list is a table.
fn find_header(lines: &[String]) -> Option<(usize, Vec<Column>)> {
    lines.iter().enumerate().find_map(|(i, line)| {
        if !line.contains('|') {
            return None;
        }
        let columns: Vec<Column> = cells(line).into_iter().map(column_of).collect();
        let has_seq = columns.contains(&Column::Seq);
        let has_units = columns.iter().any(|c| matches!(c, Column::Units(_)));
        let has_body = columns
            .iter()
            .any(|c| matches!(c, Column::Name | Column::Content));
        (has_seq && has_units && has_body).then_some((i, columns))
    })
}

#[derive(Debug, Default)]
struct Row {
    category: Option<String>,
    name: String,
    content: String,
    clauses: Clauses,
}

pub fn read_table_plan(lines: &[String]) -> Option<Plan> {
    let (header_line, columns) = find_header(lines)?;
    let meta = meta::read_meta(lines, header_line);
    let context = UnitContext::new(&meta, &Notice::new(lines));
    let mut rows: Vec<Row> = Vec::new();
    let mut heading: Option<String> = None;
    let mut column_category: Option<String> = None;
    for line in &lines[header_line + 1..] {
        if is_terminator(line) {
            break;
        }
        let row_cells = cells(line);
        if find_header(std::slice::from_ref(line)).is_some() {
            continue;
        }
        let non_empty: Vec<&str> = row_cells
            .iter()
            .copied()
            .filter(|c| !c.is_empty())
            .collect();
        if non_empty.len() == 1 && !non_empty[0].chars().all(|c| c.is_ascii_digit()) {
            // A row across the whole table, or a line between tables: a category heading.
            let text = non_empty[0];
            if text.chars().count() <= 30 && !text.contains('。') {
                heading = Some(trim_punct(text).to_string());
            }
            continue;
        }
        if row_cells.len() < 2 {
            continue;
        }
        // Cells merged across rows leave the row short on the left.
        let offset = columns.len().saturating_sub(row_cells.len());
        let mut row = Row::default();
        let mut seq_seen = false;
        for (k, cell) in row_cells.iter().enumerate() {
            match columns.get(k + offset) {
                Some(Column::Seq) => seq_seen = is_number(cell),
                Some(Column::Category) => {
                    if !cell.is_empty() {
                        column_category = Some(trim_punct(cell).to_string());
                    }
                }
                Some(Column::Name) => row.name.push_str(cell),
                Some(Column::Content) => {
                    let left = take_clauses(cell, &mut row.clauses);
                    row.content.push_str(left.trim());
                }
                Some(Column::Units(role)) => row.clauses.push(*role, cell),
                Some(Column::Ignored) | None => {}
            }
        }
        row.category = column_category.clone().or_else(|| heading.clone());
        if seq_seen {
            rows.push(row);
        } else if let Some(previous) = rows.last_mut() {
            // A row without a number continues the item above (a cell broken over rows).
            previous.name.push_str(&row.name);
            previous.content.push_str(&row.content);
            for (role, list) in row.clauses.into_lists() {
                previous.clauses.push(role, &list);
            }
        }
    }
    if rows.is_empty() {
        return None;
    }
    let mut items = Vec::with_capacity(rows.len());
    let mut warnings = Vec::new();
    for (k, row) in rows.into_iter().enumerate() {
        let (title, text) = if row.name.is_empty() {
            split_title(&[row.content])
        } else {
            (trim_punct(&row.name).to_string(), row.content)
        };
        let units = context.units(row.clauses);
        let item = Item {
            seq: k as u32 + 1,
            category: row.category,
            targets: item_targets(&title, &text),
            title,
            text,
            lead_units: units.lead,
            support_units: units.support,
        };
        warnings.extend(item_warnings(&item));
        items.push(item);
    }
    Some(Plan {
        meta,
        items,
        warnings,
    })
}

fn is_number(cell: &str) -> bool {
    !cell.is_empty()
        && (cell.chars().all(|c| c.is_ascii_digit())
            || read_marker(cell).is_some_and(|m| m.style != Style::TableRow))
}
