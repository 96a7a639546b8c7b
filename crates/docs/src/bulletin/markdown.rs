//! The bulletin as GitHub-flavoured Markdown: the body as paragraphs under headings, each
//! attachment as one table per lead unit.

use super::{attachment_label, date_zh, Attachment, Block, Bulletin, BulletinItem, COLUMNS};
use std::fmt::Write as _;

/// The bulletin as Markdown.
pub fn to_markdown(b: &Bulletin) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "**{}**\n", inline(&b.issuer));
    let _ = writeln!(m, "{}\n", inline(&b.doc_number));
    let _ = writeln!(m, "# {}\n", inline(&b.title));
    let _ = writeln!(m, "{}：\n", inline(&b.recipients));
    for block in &b.body {
        match block {
            Block::Heading(text) => {
                let _ = writeln!(m, "## {}\n", inline(text));
            }
            Block::Subheading(text) => {
                let _ = writeln!(m, "### {}\n", inline(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(m, "{}\n", inline(text));
            }
        }
    }
    // Two trailing spaces: a hard line break, so the second name sits under the first.
    let labels: Vec<String> = b
        .attachments()
        .iter()
        .map(|a| inline(&attachment_label(a)))
        .collect();
    let _ = writeln!(m, "附件：{}\n", labels.join("  \n　　　"));
    let _ = writeln!(m, "{}  \n{}\n", inline(&b.issuer), inline(&date_zh(b.date)));
    for attachment in b.attachments() {
        attachment_md(&mut m, attachment);
    }
    m
}

fn attachment_md(m: &mut String, a: &Attachment) {
    let _ = writeln!(m, "---\n\n## 附件{} {}\n", a.number, inline(&a.title));
    let _ = writeln!(m, "{}\n", inline(&a.subtitle));
    if a.groups.is_empty() {
        m.push_str("本期无此类项目。\n\n");
        return;
    }
    for group in &a.groups {
        let _ = writeln!(
            m,
            "### 牵头单位：{}（{}件）\n",
            inline(&group.unit),
            group.items.len()
        );
        let _ = writeln!(m, "| {} |", COLUMNS.join(" | "));
        let _ = writeln!(m, "|{}", " --- |".repeat(COLUMNS.len()));
        for item in &group.items {
            item_rows(m, item);
        }
        m.push('\n');
    }
}

/// One row per target; the item's own cells are written on its first row only, as a merged
/// cell would show them.
fn item_rows(m: &mut String, item: &BulletinItem) {
    let rows = item.targets.len().max(1);
    let mut title = cell(&item.title);
    if item.lead_units.len() > 1 {
        let _ = write!(title, "<br>（牵头：{}）", cell(&item.lead_units.join("、")));
    }
    for row in 0..rows {
        let first = row == 0;
        let (seq, name, status, problems) = if first {
            (
                item.seq.to_string(),
                title.clone(),
                cell(item.status_word()),
                cell(&item.problems_text()),
            )
        } else {
            Default::default()
        };
        let [text, planned, actual, completion] = match item.targets.get(row) {
            Some(t) => [
                cell(&t.text),
                cell(&t.planned_text()),
                cell(&t.actual_text()),
                cell(&t.completion_text()),
            ],
            None => [
                "—".to_owned(),
                "—".to_owned(),
                "—".to_owned(),
                "—".to_owned(),
            ],
        };
        let _ = writeln!(
            m,
            "| {seq} | {name} | {text} | {planned} | {actual} | {completion} | {status} | {problems} |"
        );
    }
}

/// Text inside a table cell: escaped, and on one line, since a line break ends the row.
fn cell(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(inline)
        .collect();
    lines.join("<br>")
}

/// Text with Markdown's active characters escaped, so a unit's words never become a table
/// column (|), emphasis, a link or raw HTML (<script>). Control characters are dropped.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}
