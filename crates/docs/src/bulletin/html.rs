//! The bulletin as an HTML fragment for a page to embed: every text escaped, no styles or
//! scripts and nothing fetched from elsewhere, so it passes a `default-src 'self'` policy
//! and the embedding page's stylesheet decides its look (class names are `bulletin-*`).

use super::{attachment_label, date_zh, Attachment, Block, Bulletin, BulletinItem, COLUMNS};
use std::fmt::Write as _;

/// The bulletin as an `<article>` element.
pub fn to_html(b: &Bulletin) -> String {
    let mut h = String::new();
    h.push_str("<article class=\"bulletin\" lang=\"zh-CN\">\n");
    h.push_str("<header class=\"bulletin-masthead\">\n");
    line(&mut h, "p", "bulletin-issuer", &b.issuer);
    line(&mut h, "p", "bulletin-number", &b.doc_number);
    h.push_str("</header>\n");
    line(&mut h, "h1", "bulletin-title", &b.title);
    line(
        &mut h,
        "p",
        "bulletin-recipients",
        &format!("{}：", b.recipients),
    );
    for block in &b.body {
        match block {
            Block::Heading(text) => line(&mut h, "h2", "bulletin-heading", text),
            Block::Subheading(text) => line(&mut h, "h3", "bulletin-subheading", text),
            Block::Paragraph(text) => line(&mut h, "p", "bulletin-text", text),
        }
    }
    let labels: Vec<String> = b
        .attachments()
        .iter()
        .map(|a| escape(&attachment_label(a)))
        .collect();
    let _ = writeln!(
        h,
        "<p class=\"bulletin-attachments\">附件：{}</p>",
        labels.join("<br>")
    );
    let _ = writeln!(
        h,
        "<p class=\"bulletin-signature\">{}<br>{}</p>",
        escape(&b.issuer),
        escape(&date_zh(b.date))
    );
    for attachment in b.attachments() {
        attachment_html(&mut h, attachment);
    }
    h.push_str("</article>\n");
    h
}

fn line(h: &mut String, tag: &str, class: &str, text: &str) {
    let _ = writeln!(h, "<{tag} class=\"{class}\">{}</{tag}>", escape(text));
}

fn attachment_html(h: &mut String, a: &Attachment) {
    let _ = writeln!(
        h,
        "<section class=\"bulletin-attachment\" id=\"bulletin-attachment-{}\">",
        a.number
    );
    let _ = writeln!(h, "<h2 class=\"bulletin-heading\">附件{}</h2>", a.number);
    line(h, "h3", "bulletin-attachment-title", &a.title);
    line(h, "p", "bulletin-attachment-subtitle", &a.subtitle);
    if a.groups.is_empty() {
        h.push_str("<p class=\"bulletin-text\">本期无此类项目。</p>\n</section>\n");
        return;
    }
    h.push_str("<table class=\"bulletin-table\">\n<thead><tr>");
    for name in COLUMNS {
        let _ = write!(h, "<th scope=\"col\">{name}</th>");
    }
    h.push_str("</tr></thead>\n");
    for group in &a.groups {
        let _ = writeln!(
            h,
            "<tbody>\n<tr class=\"bulletin-unit\"><th colspan=\"{}\" scope=\"rowgroup\">牵头单位：{}（{}件）</th></tr>",
            COLUMNS.len(),
            escape(&group.unit),
            group.items.len()
        );
        for item in &group.items {
            item_rows(h, item);
        }
        h.push_str("</tbody>\n");
    }
    h.push_str("</table>\n</section>\n");
}

/// One row per target; the item's own cells span its rows.
fn item_rows(h: &mut String, item: &BulletinItem) {
    let rows = item.targets.len().max(1);
    let span = if rows > 1 {
        format!(" rowspan=\"{rows}\"")
    } else {
        String::new()
    };
    let mut title = escape(&item.title);
    if item.lead_units.len() > 1 {
        let _ = write!(
            title,
            "<br>（牵头：{}）",
            escape(&item.lead_units.join("、"))
        );
    }
    for row in 0..rows {
        let _ = write!(h, "<tr class=\"bulletin-status-{}\">", status_class(item));
        if row == 0 {
            let _ = write!(h, "<td{span}>{}</td><td{span}>{title}</td>", item.seq);
        }
        match item.targets.get(row) {
            Some(t) => {
                let _ = write!(
                    h,
                    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                    escape(&t.text),
                    escape(&t.planned_text()),
                    escape(&t.actual_text()),
                    escape(&t.completion_text())
                );
            }
            None => h.push_str("<td>—</td><td>—</td><td>—</td><td>—</td>"),
        }
        if row == 0 {
            let _ = write!(
                h,
                "<td{span}>{}</td><td{span}>{}</td>",
                escape(item.status_word()),
                escape(&item.problems_text())
            );
        }
        h.push_str("</tr>\n");
    }
}

fn status_class(item: &BulletinItem) -> &'static str {
    use shishi_core::Status;
    match item.status {
        Some(Status::Completed) => "completed",
        Some(Status::OnSchedule) => "on_schedule",
        Some(Status::Behind) => "behind",
        Some(Status::SeriouslyBehind) => "seriously_behind",
        None => "none",
    }
}

/// Text made safe between tags and inside quoted attributes; line breaks are kept as
/// `<br>`, and control characters, which no page needs, are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}
