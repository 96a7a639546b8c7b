//! Reads the text of an HTML page (a notice saved from a government website) as lines,
//! dropping scripts, styles and markup, keeping block and table structure.

use crate::lines::LineBuilder;

/// Elements whose content is never part of the notice.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "title", "select", "iframe", "svg", "object",
    "textarea", "button",
];

/// Elements that end a line of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "blockquote",
    "pre",
    "hr",
    "form",
    "center",
    "address",
    "figure",
    "figcaption",
    "caption",
    "body",
    "html",
];

/// The text of the page, as lines.
pub fn html_to_lines(html: &str) -> Vec<String> {
    let mut out = LineBuilder::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.text(&decode_entities(&rest[..lt]));
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(tag) = read_tag(rest) else {
            // A lone '<' in text.
            out.text("<");
            rest = &rest[1..];
            continue;
        };
        rest = &rest[tag.len..];
        if tag.closing {
            close_element(&mut out, &tag.name);
            continue;
        }
        if SKIPPED.contains(&tag.name.as_str()) && !tag.self_closing {
            rest = skip_past_close(rest, &tag.name);
            continue;
        }
        if matches!(tag.name.as_str(), "td" | "th") {
            out.cell_start_spanning(tag.span("rowspan"), tag.span("colspan"));
            continue;
        }
        open_element(&mut out, &tag.name);
    }
    out.text(&decode_entities(rest));
    out.finish()
}

fn open_element(out: &mut LineBuilder, name: &str) {
    match name {
        "table" => out.table_start(),
        "tr" => out.row_start(),
        "td" | "th" => out.cell_start(),
        _ if BLOCKS.contains(&name) => out.paragraph_break(),
        _ => {}
    }
}

fn close_element(out: &mut LineBuilder, name: &str) {
    match name {
        "table" => out.table_end(),
        "tr" => out.row_end(),
        "td" | "th" => out.cell_end(),
        _ if BLOCKS.contains(&name) => out.paragraph_break(),
        _ => {}
    }
}

struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
    /// Bytes from the '<' to just past the '>'.
    len: usize,
    /// The text between the name and the '>', lowercased: where attributes are.
    attributes: String,
}

impl Tag {
    /// A rowspan or colspan attribute's value; 1 when absent or not a number. Capped, as a
    /// page may say anything.
    fn span(&self, name: &str) -> usize {
        const MAX_SPAN: usize = 1000;
        let Some(at) = self.attributes.find(name) else {
            return 1;
        };
        let value = self.attributes[at + name.len()..]
            .trim_start()
            .strip_prefix('=')
            .map(|v| v.trim_start().trim_start_matches(['"', '\'']))
            .unwrap_or("");
        let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap_or(1).clamp(1, MAX_SPAN)
    }
}

/// Reads the tag at the start of `s` (which starts with '<'), or None when the '<' does
/// not open a tag.
fn read_tag(s: &str) -> Option<Tag> {
    let body = &s[1..];
    let (closing, body) = match body.strip_prefix('/') {
        Some(b) => (true, b),
        None => (false, body),
    };
    let first = body.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '!' || first == '?') {
        return None;
    }
    let name_len = body
        .find(|c: char| {
            !(c.is_ascii_alphanumeric() || c == ':' || c == '-' || c == '!' || c == '?')
        })
        .unwrap_or(body.len());
    let name = body[..name_len].to_ascii_lowercase();
    // Find the closing '>' outside quoted attribute values.
    let mut quote = None;
    let mut end = None;
    for (i, c) in body.char_indices().skip(name_len) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                end = Some(i);
                break;
            }
            _ => {}
        }
    }
    let prefix = s.len() - body.len();
    let len = match end {
        Some(i) => prefix + i + 1,
        None => s.len(),
    };
    let self_closing = end.is_some_and(|i| body[..i].ends_with('/'));
    let attributes = body[name_len..end.unwrap_or(body.len())].to_ascii_lowercase();
    Some(Tag {
        name,
        closing,
        self_closing,
        len,
        attributes,
    })
}

/// Skips to just past `</name>` (case-insensitively), or to the end.
fn skip_past_close<'a>(s: &'a str, name: &str) -> &'a str {
    let needle = format!("</{name}");
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(pos) = s[from..].find("</") {
        let at = from + pos;
        let candidate = &bytes[at..(at + needle.len()).min(bytes.len())];
        if candidate.eq_ignore_ascii_case(needle.as_bytes()) {
            return s[at..].find('>').map_or("", |gt| &s[at + gt + 1..]);
        }
        from = at + 2;
    }
    ""
}

/// Replaces character references. Unknown named references stay as written.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let semi = rest[1..]
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i + 1);
        let decoded = semi.and_then(|semi| decode_entity(&rest[1..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "middot" => '·',
        "bull" => '•',
        "times" => '×',
        "divide" => '÷',
        "copy" => '©',
        "reg" => '®',
        "yen" => '¥',
        "deg" => '°',
        "permil" => '‰',
        "sup2" => '²',
        "sup3" => '³',
        "laquo" => '«',
        "raquo" => '»',
        _ => return None,
    })
}

/// The charset a page declares in a `<meta>` tag, if any (lowercased).
pub fn declared_charset(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = text.find("charset")?;
    let value = text[at + "charset".len()..].trim_start();
    let value = value.strip_prefix('=')?.trim_start();
    let value = value.trim_start_matches(['"', '\'']);
    let end = value
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(value.len());
    (end > 0).then(|| value[..end].to_string())
}

/// Whether the start of a document looks like HTML.
pub fn looks_like_html(head: &str) -> bool {
    let lower = head.trim_start().to_ascii_lowercase();
    [
        "<!doctype html",
        "<html",
        "<head",
        "<body",
        "<meta",
        "<div",
        "<p>",
        "<p ",
        "<table",
    ]
    .iter()
    .any(|marker| lower.contains(marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_styles_and_comments_are_dropped_and_paragraphs_become_lines() {
        let html = r#"<html><head><title>t</title><style>p{x:1}</style>
            <script>var a = "<p>no</p>";</script></head>
            <body><!-- nav --><div>首页&nbsp;&gt; 政务公开</div>
            <p>1.改善办学条件。新建<span style="a">中小学</span>6所。</p><p>二&amp;三<br/>四</p></body></html>"#;
        assert_eq!(
            html_to_lines(html),
            [
                "首页 > 政务公开",
                "1.改善办学条件。新建中小学6所。",
                "二&三",
                "四"
            ]
        );
    }

    #[test]
    fn a_metadata_table_becomes_cells_on_one_line() {
        let html = "<table><tr><td>索 引 号：</td><td>0142/2020-1</td></tr>\
                    <tr><th>发文日期</th><td></td></tr></table>";
        assert_eq!(
            html_to_lines(html),
            ["索 引 号： | 0142/2020-1", "发文日期 |"]
        );
    }

    #[test]
    fn the_declared_charset_is_found_in_either_meta_form() {
        assert_eq!(
            declared_charset(
                br#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#
            ),
            Some("gb2312".into())
        );
        assert_eq!(
            declared_charset(br#"<meta charset="UTF-8">"#),
            Some("utf-8".into())
        );
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for s in [
            "<",
            "<p",
            "<!--",
            "&#xFFFFFFFF;",
            "&#",
            "<script>",
            "<a href='>",
            "</",
        ] {
            let _ = html_to_lines(s);
        }
    }
}
