//! The bulletin as a Word document laid out per GB/T 9704-2012 (党政机关公文格式): A4,
//! its margins, a red 发文机关标志 and separator, 3号仿宋 body on 28.95 pt lines, numbered
//! headings in 黑体 and 楷体, signature and date, then the attachments on landscape pages.
//! Written by hand with quick-xml and zip: the parts Word and LibreOffice need, nothing else.

use super::{attachment_label, date_zh, Attachment, Block, Bulletin, BulletinItem, COLUMNS};
use crate::error::Error;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use std::io::{self, Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

type X = Writer<Vec<u8>>;

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const REL_DOC: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument";

/// A4 in twips (1/1440 inch).
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;

/// Millimetres to twips, rounded: GB/T 9704 gives its margins in millimetres.
const fn mm(v: u32) -> u32 {
    (v * 14400 + 127) / 254
}

/// GB/T 9704 7.1: 天头 37 mm, 订口 28 mm, leaving a 156 × 225 mm 版心; the bottom and right
/// margins are what A4 leaves (297 − 37 − 225 = 35, 210 − 28 − 156 = 26).
const TOP: u32 = mm(37);
const BOTTOM: u32 = mm(35);
const LEFT: u32 = mm(28);
const RIGHT: u32 = mm(26);
const TEXT_W: u32 = PAGE_W - LEFT - RIGHT;
/// The attachment tables are too wide for a portrait page; a landscape page turns the
/// portrait one a quarter turn, so the binding edge (订口) stays 28 mm and 天头 is now left.
const LAND_TOP: u32 = mm(28);
const LAND_BOTTOM: u32 = mm(26);
const LAND_LEFT: u32 = mm(37);
const LAND_RIGHT: u32 = mm(35);
const LAND_TEXT_W: u32 = PAGE_H - LAND_LEFT - LAND_RIGHT;

/// 22 lines of 28 characters on a 225 mm 版心: exactly 28.95 pt a line (579 twips).
const LINE: u32 = 579;

/// Font sizes in half-points, by their Chinese names.
const ER_HAO: u32 = 44; // 二号 22 pt: the title
const SAN_HAO: u32 = 32; // 三号 16 pt: the body
const SI_HAO: u32 = 28; // 四号 14 pt: page numbers
const XIAO_SI: u32 = 24; // 小四 12 pt: tables

/// A typeface as Word names it: `east_asia` for Chinese characters, `latin` for digits and
/// letters. Government PCs have 仿宋_GB2312 and 楷体_GB2312 installed beside Windows' own
/// 仿宋/楷体, but not every PC does, so Latin text uses the name Windows always has, and the
/// font table gives each name its fallbacks (仿宋_GB2312 → 仿宋 → FangSong) for Word to
/// substitute when the first is missing.
#[derive(Debug, Clone, Copy)]
struct Font {
    east_asia: &'static str,
    latin: &'static str,
}

const FANGSONG: Font = Font {
    east_asia: "仿宋_GB2312",
    latin: "仿宋",
};
const BIAOSONG: Font = Font {
    east_asia: "方正小标宋简体",
    latin: "方正小标宋简体",
};
const HEITI: Font = Font {
    east_asia: "黑体",
    latin: "黑体",
};
const KAITI: Font = Font {
    east_asia: "楷体_GB2312",
    latin: "楷体",
};
const SONGTI: Font = Font {
    east_asia: "宋体",
    latin: "宋体",
};

/// The font table: each name with the one Word tries when it is missing, chained so that
/// 仿宋_GB2312 falls to 仿宋 and 仿宋 to its English name FangSong. charset 86 is GB2312.
const FONT_TABLE: [(&str, &str, &str); 8] = [
    ("仿宋_GB2312", "仿宋", "modern"),
    ("仿宋", "FangSong", "modern"),
    ("方正小标宋简体", "华文中宋", "roman"),
    ("华文中宋", "宋体", "roman"),
    ("黑体", "SimHei", "modern"),
    ("楷体_GB2312", "楷体", "modern"),
    ("楷体", "KaiTi", "modern"),
    ("宋体", "SimSun", "roman"),
];

const RED: &str = "FF0000";

/// How a run looks.
#[derive(Debug, Clone, Copy)]
struct Rpr {
    font: Font,
    size: u32,
    color: Option<&'static str>,
}

const BODY: Rpr = Rpr {
    font: FANGSONG,
    size: SAN_HAO,
    color: None,
};

/// How a paragraph is set. Lengths in twips.
#[derive(Debug, Clone, Copy, Default)]
struct Ppr {
    jc: Option<&'static str>,
    /// Indent of the first line in characters (2 for body text).
    first_chars: u32,
    first_twips: u32,
    left: u32,
    right: u32,
    before: u32,
    /// Exact line height; auto (single) when 0.
    line: u32,
    page_break_before: bool,
    keep_next: bool,
    /// The red rule under the 文号 line.
    red_rule: bool,
}

impl Ppr {
    fn body() -> Self {
        Self {
            jc: Some("both"),
            first_chars: 200,
            first_twips: 2 * 320,
            line: LINE,
            ..Self::default()
        }
    }
}

/// The bulletin as a .docx file.
pub fn to_docx(bulletin: &Bulletin) -> Result<Vec<u8>, Error> {
    let parts: [(&str, Vec<u8>); 11] = [
        ("[Content_Types].xml", content_types()?),
        ("_rels/.rels", package_rels()?),
        ("docProps/core.xml", core_props(bulletin)?),
        ("docProps/app.xml", app_props(bulletin)?),
        ("word/document.xml", document(bulletin)?),
        ("word/styles.xml", styles()?),
        ("word/settings.xml", settings()?),
        ("word/fontTable.xml", font_table()?),
        ("word/footer1.xml", footer(false)?),
        ("word/footer2.xml", footer(true)?),
        ("word/_rels/document.xml.rels", document_rels()?),
    ];
    // The bulletin's own date, so the same bulletin always gives the same bytes.
    let stamp = DateTime::from_date_and_time(
        u16::try_from(bulletin.date.year()).unwrap_or(1980),
        u8::from(bulletin.date.month()),
        bulletin.date.day(),
        0,
        0,
        0,
    )
    .unwrap_or_default();
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(stamp);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in parts {
        zip.start_file(name, options)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

fn xml(root: impl FnOnce(&mut X) -> io::Result<()>) -> io::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::new());
    w.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        Some("yes"),
    )))?;
    root(&mut w)?;
    Ok(w.into_inner())
}

fn el(
    w: &mut X,
    name: &str,
    attrs: &[(&str, &str)],
    inner: impl FnOnce(&mut X) -> io::Result<()>,
) -> io::Result<()> {
    w.create_element(name)
        .with_attributes(attrs.iter().copied())
        .write_inner_content(inner)?;
    Ok(())
}

fn empty(w: &mut X, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
    w.create_element(name)
        .with_attributes(attrs.iter().copied())
        .write_empty()?;
    Ok(())
}

fn text_el(w: &mut X, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
    w.create_element(name)
        .with_attributes(attrs.iter().copied())
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

/// Characters XML 1.0 cannot carry even escaped; a report pasted from elsewhere may hold
/// them, and one would make Word refuse the whole file.
fn allowed(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

fn content_types() -> io::Result<Vec<u8>> {
    const CT: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    xml(|w| {
        el(
            w,
            "Types",
            &[(
                "xmlns",
                "http://schemas.openxmlformats.org/package/2006/content-types",
            )],
            |w| {
                empty(
                    w,
                    "Default",
                    &[
                        ("Extension", "rels"),
                        (
                            "ContentType",
                            "application/vnd.openxmlformats-package.relationships+xml",
                        ),
                    ],
                )?;
                empty(
                    w,
                    "Default",
                    &[("Extension", "xml"), ("ContentType", "application/xml")],
                )?;
                let overrides = [
                    ("/word/document.xml", format!("{CT}.document.main+xml")),
                    ("/word/styles.xml", format!("{CT}.styles+xml")),
                    ("/word/settings.xml", format!("{CT}.settings+xml")),
                    ("/word/fontTable.xml", format!("{CT}.fontTable+xml")),
                    ("/word/footer1.xml", format!("{CT}.footer+xml")),
                    ("/word/footer2.xml", format!("{CT}.footer+xml")),
                    (
                        "/docProps/core.xml",
                        "application/vnd.openxmlformats-package.core-properties+xml".to_owned(),
                    ),
                    (
                        "/docProps/app.xml",
                        "application/vnd.openxmlformats-officedocument.extended-properties+xml"
                            .to_owned(),
                    ),
                ];
                for (part, kind) in &overrides {
                    empty(w, "Override", &[("PartName", part), ("ContentType", kind)])?;
                }
                Ok(())
            },
        )
    })
}

fn relationships(w: &mut X, rels: &[(&str, &str, &str)]) -> io::Result<()> {
    el(w, "Relationships", &[("xmlns", REL_NS)], |w| {
        for (id, kind, target) in rels {
            empty(
                w,
                "Relationship",
                &[("Id", id), ("Type", kind), ("Target", target)],
            )?;
        }
        Ok(())
    })
}

fn package_rels() -> io::Result<Vec<u8>> {
    xml(|w| {
        relationships(
            w,
            &[
                ("rId1", REL_DOC, "word/document.xml"),
                (
                    "rId2",
                    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                    "docProps/core.xml",
                ),
                (
                    "rId3",
                    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties",
                    "docProps/app.xml",
                ),
            ],
        )
    })
}

fn document_rels() -> io::Result<Vec<u8>> {
    const BASE: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let styles = format!("{BASE}/styles");
    let settings = format!("{BASE}/settings");
    let fonts = format!("{BASE}/fontTable");
    let footer = format!("{BASE}/footer");
    xml(|w| {
        relationships(
            w,
            &[
                ("rId1", &styles, "styles.xml"),
                ("rId2", &settings, "settings.xml"),
                ("rId3", &fonts, "fontTable.xml"),
                ("rIdFooterOdd", &footer, "footer1.xml"),
                ("rIdFooterEven", &footer, "footer2.xml"),
            ],
        )
    })
}

fn core_props(b: &Bulletin) -> io::Result<Vec<u8>> {
    let created = format!("{}T00:00:00Z", b.date);
    xml(|w| {
        el(
            w,
            "cp:coreProperties",
            &[
                (
                    "xmlns:cp",
                    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
                ),
                ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
                ("xmlns:dcterms", "http://purl.org/dc/terms/"),
                ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ],
            |w| {
                text_el(w, "dc:title", &[], &clean(&b.title))?;
                text_el(w, "dc:subject", &[], "督查通报")?;
                text_el(w, "dc:creator", &[], &clean(&b.issuer))?;
                text_el(w, "cp:keywords", &[], &clean(&b.doc_number))?;
                text_el(w, "dc:language", &[], "zh-CN")?;
                text_el(
                    w,
                    "dcterms:created",
                    &[("xsi:type", "dcterms:W3CDTF")],
                    &created,
                )?;
                text_el(
                    w,
                    "dcterms:modified",
                    &[("xsi:type", "dcterms:W3CDTF")],
                    &created,
                )
            },
        )
    })
}

fn app_props(b: &Bulletin) -> io::Result<Vec<u8>> {
    xml(|w| {
        el(
            w,
            "Properties",
            &[(
                "xmlns",
                "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
            )],
            |w| {
                text_el(w, "Application", &[], "shishi")?;
                text_el(w, "Company", &[], &clean(&b.issuer))
            },
        )
    })
}

fn clean(text: &str) -> String {
    text.chars().filter(|c| allowed(*c)).collect()
}

fn rfonts(w: &mut X, font: Font) -> io::Result<()> {
    empty(
        w,
        "w:rFonts",
        &[
            ("w:ascii", font.latin),
            ("w:hAnsi", font.latin),
            ("w:eastAsia", font.east_asia),
            ("w:cs", font.latin),
            // Quotation marks and dashes are shared by both scripts; the hint sets them in
            // the Chinese face, as Chinese documents expect.
            ("w:hint", "eastAsia"),
        ],
    )
}

fn rpr(w: &mut X, r: &Rpr) -> io::Result<()> {
    el(w, "w:rPr", &[], |w| {
        rfonts(w, r.font)?;
        if let Some(color) = r.color {
            empty(w, "w:color", &[("w:val", color)])?;
        }
        let size = r.size.to_string();
        empty(w, "w:sz", &[("w:val", &size)])?;
        empty(w, "w:szCs", &[("w:val", &size)])?;
        empty(w, "w:lang", &[("w:val", "en-US"), ("w:eastAsia", "zh-CN")])
    })
}

fn ppr(w: &mut X, p: &Ppr, section: Option<Section>) -> io::Result<()> {
    el(w, "w:pPr", &[], |w| {
        if p.keep_next {
            empty(w, "w:keepNext", &[])?;
        }
        if p.page_break_before {
            empty(w, "w:pageBreakBefore", &[])?;
        }
        if p.red_rule {
            el(w, "w:pBdr", &[], |w| {
                // 2.25 pt (sz in eighths of a point), about 4 mm under the 文号 (space in
                // points), as 7.2.4 places it.
                empty(
                    w,
                    "w:bottom",
                    &[
                        ("w:val", "single"),
                        ("w:sz", "18"),
                        ("w:space", "11"),
                        ("w:color", RED),
                    ],
                )
            })?;
        }
        let before = p.before.to_string();
        let line = p.line.to_string();
        if p.line > 0 {
            empty(
                w,
                "w:spacing",
                &[
                    ("w:before", &before),
                    ("w:after", "0"),
                    ("w:line", &line),
                    ("w:lineRule", "exact"),
                ],
            )?;
        } else {
            empty(
                w,
                "w:spacing",
                &[
                    ("w:before", &before),
                    ("w:after", "0"),
                    ("w:line", "240"),
                    ("w:lineRule", "auto"),
                ],
            )?;
        }
        let (left, right) = (p.left.to_string(), p.right.to_string());
        let first = p.first_twips.to_string();
        let first_chars = p.first_chars.to_string();
        let mut ind: Vec<(&str, &str)> = vec![("w:left", &left), ("w:right", &right)];
        if p.first_chars > 0 {
            ind.push(("w:firstLineChars", &first_chars));
            ind.push(("w:firstLine", &first));
        }
        empty(w, "w:ind", &ind)?;
        if let Some(jc) = p.jc {
            empty(w, "w:jc", &[("w:val", jc)])?;
        }
        if let Some(section) = section {
            sect_pr(w, section)?;
        }
        Ok(())
    })
}

/// Writes runs for `text`: line breaks become `w:br`, tabs `w:tab`, and characters XML
/// cannot carry are dropped.
fn runs(w: &mut X, text: &str, r: &Rpr) -> io::Result<()> {
    for (i, line) in text.split('\n').enumerate() {
        el(w, "w:r", &[], |w| {
            rpr(w, r)?;
            if i > 0 {
                empty(w, "w:br", &[])?;
            }
            for (j, piece) in line.split('\t').enumerate() {
                if j > 0 {
                    empty(w, "w:tab", &[])?;
                }
                let piece = clean(piece.trim_end_matches('\r'));
                if !piece.is_empty() {
                    text_el(w, "w:t", &[("xml:space", "preserve")], &piece)?;
                }
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn para(w: &mut X, p: &Ppr, text: &str, r: &Rpr) -> io::Result<()> {
    el(w, "w:p", &[], |w| {
        ppr(w, p, None)?;
        runs(w, text, r)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Portrait,
    Landscape,
}

fn sect_pr(w: &mut X, section: Section) -> io::Result<()> {
    el(w, "w:sectPr", &[], |w| {
        empty(
            w,
            "w:footerReference",
            &[("w:type", "default"), ("r:id", "rIdFooterOdd")],
        )?;
        empty(
            w,
            "w:footerReference",
            &[("w:type", "even"), ("r:id", "rIdFooterEven")],
        )?;
        empty(w, "w:type", &[("w:val", "nextPage")])?;
        let (pw, ph) = (PAGE_W.to_string(), PAGE_H.to_string());
        let (top, bottom, left, right) = match section {
            Section::Portrait => (TOP, BOTTOM, LEFT, RIGHT),
            Section::Landscape => (LAND_TOP, LAND_BOTTOM, LAND_LEFT, LAND_RIGHT),
        };
        if section == Section::Portrait {
            empty(w, "w:pgSz", &[("w:w", &pw), ("w:h", &ph)])?;
        } else {
            empty(
                w,
                "w:pgSz",
                &[("w:w", &ph), ("w:h", &pw), ("w:orient", "landscape")],
            )?;
        }
        // The page number sits one line under the 版心 (7.5): the footer's distance from
        // the page edge leaves it about 7 mm below the last line.
        let footer = bottom.saturating_sub(mm(7) + 280).to_string();
        let (top, bottom, left, right) = (
            top.to_string(),
            bottom.to_string(),
            left.to_string(),
            right.to_string(),
        );
        empty(
            w,
            "w:pgMar",
            &[
                ("w:top", &top),
                ("w:right", &right),
                ("w:bottom", &bottom),
                ("w:left", &left),
                ("w:header", "851"),
                ("w:footer", &footer),
                ("w:gutter", "0"),
            ],
        )?;
        let pitch = LINE.to_string();
        empty(w, "w:docGrid", &[("w:linePitch", &pitch)])
    })
}

fn document(b: &Bulletin) -> io::Result<Vec<u8>> {
    xml(|w| {
        el(
            w,
            "w:document",
            &[("xmlns:w", W_NS), ("xmlns:r", R_NS)],
            |w| el(w, "w:body", &[], |w| body(w, b)),
        )
    })
}

fn body(w: &mut X, b: &Bulletin) -> io::Result<()> {
    masthead(w, b)?;

    // 主送机关: one line under the title, flush left (7.3.2).
    para(
        w,
        &Ppr {
            line: LINE,
            before: LINE,
            ..Ppr::default()
        },
        &format!("{}：", b.recipients),
        &BODY,
    )?;

    for block in &b.body {
        match block {
            Block::Heading(text) => para(
                w,
                &Ppr {
                    keep_next: true,
                    ..Ppr::body()
                },
                text,
                &Rpr {
                    font: HEITI,
                    ..BODY
                },
            )?,
            Block::Subheading(text) => para(
                w,
                &Ppr {
                    keep_next: true,
                    ..Ppr::body()
                },
                text,
                &Rpr {
                    font: KAITI,
                    ..BODY
                },
            )?,
            Block::Paragraph(text) => para(w, &Ppr::body(), text, &BODY)?,
        }
    }

    // 附件说明 (7.3.4): a line under the body, indented two characters; the second name
    // lines up under the first, after 附件：.
    let attachments = b.attachments();
    for (i, attachment) in attachments.iter().enumerate() {
        let label = attachment_label(attachment);
        if i == 0 {
            para(
                w,
                &Ppr {
                    before: LINE,
                    ..Ppr::body()
                },
                &format!("附件：{label}"),
                &BODY,
            )?;
        } else {
            para(
                w,
                &Ppr {
                    jc: Some("both"),
                    left: 5 * 320,
                    line: LINE,
                    ..Ppr::default()
                },
                &label,
                &BODY,
            )?;
        }
    }

    signature(w, b)?;

    for attachment in attachments {
        attachment_pages(w, attachment)?;
    }
    // The last section's properties close the body: the attachments' landscape pages.
    sect_pr(w, Section::Landscape)
}

/// 版头 (7.2): the 发文机关标志 in red, the 文号 two lines under it, the red rule 4 mm
/// under the 文号, and the title two lines under the rule.
fn masthead(w: &mut X, b: &Bulletin) -> io::Result<()> {
    // As large as 小初 to 初号 allows while the name fits within the 版心's width.
    let chars = b.issuer.chars().count().max(1) as u32;
    let fit = (TEXT_W / 20).saturating_sub(12) / chars; // points per character
    let size = fit.clamp(26, 42) * 2;
    para(
        w,
        &Ppr {
            jc: Some("center"),
            ..Ppr::default()
        },
        &b.issuer,
        &Rpr {
            font: BIAOSONG,
            size,
            color: Some(RED),
        },
    )?;
    para(
        w,
        &Ppr {
            jc: Some("center"),
            before: 2 * LINE,
            line: LINE,
            red_rule: true,
            ..Ppr::default()
        },
        &b.doc_number,
        &BODY,
    )?;
    // 标题 (7.3.1): 2号小标宋, centred, on lines a little taller than the body's.
    para(
        w,
        &Ppr {
            jc: Some("center"),
            before: 2 * LINE,
            line: 700,
            ..Ppr::default()
        },
        &break_title(&b.title),
        &Rpr {
            font: BIAOSONG,
            size: ER_HAO,
            color: None,
        },
    )
}

/// A title too long for one line, broken where the words allow (7.3.1 asks that a title
/// break between words, not inside one): after the break point closest to the middle among
/// those leaving both lines short enough. Left to wrap on its own when none fits.
fn break_title(title: &str) -> String {
    // 2号 is 22 pt: 440 twips a Chinese character, half for Latin.
    let w = |t: &str| width(t) * ER_HAO / SAN_HAO;
    if w(title) <= TEXT_W {
        return title.to_owned();
    }
    let half = w(title) / 2;
    let best = ["项目", "情况", "工作", "的", "于", "和", "与"]
        .iter()
        .flat_map(|word| title.match_indices(word).map(|(i, m)| i + m.len()))
        .filter(|&at| at < title.len())
        .filter(|&at| w(&title[..at]) <= TEXT_W && w(&title[at..]) <= TEXT_W)
        .min_by_key(|&at| w(&title[..at]).abs_diff(half));
    match best {
        Some(at) => format!("{}\n{}", &title[..at], &title[at..]),
        None => title.to_owned(),
    }
}

/// 发文机关署名 and 成文日期 for a document without a seal (7.3.5.2): the name two
/// characters from the right, the date on the next line starting two characters to the right
/// of the name's start; when the date is the longer, it keeps the two characters and the
/// name moves left instead. The portrait section ends here.
fn signature(w: &mut X, b: &Bulletin) -> io::Result<()> {
    let date = date_zh(b.date);
    let two = 2 * 320;
    let name_w = width(&b.issuer);
    let date_w = width(&date);
    let (name_right, date_right) = if name_w >= date_w + two {
        (two, two + name_w - two - date_w)
    } else {
        (two + date_w + two - name_w, two)
    };
    para(
        w,
        &Ppr {
            jc: Some("right"),
            before: LINE,
            right: name_right,
            line: LINE,
            ..Ppr::default()
        },
        &b.issuer,
        &BODY,
    )?;
    el(w, "w:p", &[], |w| {
        ppr(
            w,
            &Ppr {
                jc: Some("right"),
                right: date_right,
                line: LINE,
                ..Ppr::default()
            },
            Some(Section::Portrait),
        )?;
        runs(w, &date, &BODY)
    })
}

/// The width of `text` in 3号 on the page, in twips: a Chinese character is 16 pt, a Latin
/// letter or digit half of it.
fn width(text: &str) -> u32 {
    text.chars()
        .map(|c| if c.is_ascii() { 160 } else { 320 })
        .sum()
}

/// 附件 (7.3.4): "附件N" in 黑体 at the top left of a new page, the attachment's title
/// centred, then its table.
fn attachment_pages(w: &mut X, a: &Attachment) -> io::Result<()> {
    para(
        w,
        &Ppr {
            line: LINE,
            // The first attachment begins a new section, which starts its own page.
            page_break_before: a.number > 1,
            keep_next: true,
            ..Ppr::default()
        },
        &format!("附件{}", a.number),
        &Rpr {
            font: HEITI,
            ..BODY
        },
    )?;
    para(
        w,
        &Ppr {
            jc: Some("center"),
            line: 700,
            keep_next: true,
            ..Ppr::default()
        },
        &a.title,
        &Rpr {
            font: BIAOSONG,
            size: ER_HAO,
            color: None,
        },
    )?;
    para(
        w,
        &Ppr {
            jc: Some("center"),
            line: LINE,
            keep_next: true,
            ..Ppr::default()
        },
        &a.subtitle,
        &Rpr {
            font: KAITI,
            ..BODY
        },
    )?;
    if a.groups.is_empty() {
        return para(
            w,
            &Ppr {
                jc: Some("center"),
                line: LINE,
                ..Ppr::default()
            },
            "本期无此类项目。",
            &BODY,
        );
    }
    table(w, a)?;
    // Word needs a paragraph between a table and what follows it.
    para(w, &Ppr::default(), "", &BODY)
}

/// Column widths in twips, filling the landscape 版心 (225 mm).
const WIDTHS: [u32; 8] = [650, 1900, 2400, 1250, 1450, 1250, 1250, LAND_TEXT_W - 10150];

const CELL: Rpr = Rpr {
    font: FANGSONG,
    size: XIAO_SI,
    color: None,
};

fn table(w: &mut X, a: &Attachment) -> io::Result<()> {
    el(w, "w:tbl", &[], |w| {
        el(w, "w:tblPr", &[], |w| {
            let total = LAND_TEXT_W.to_string();
            empty(w, "w:tblW", &[("w:w", &total), ("w:type", "dxa")])?;
            empty(w, "w:jc", &[("w:val", "center")])?;
            el(w, "w:tblBorders", &[], |w| {
                for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
                    empty(
                        w,
                        &format!("w:{side}"),
                        &[
                            ("w:val", "single"),
                            ("w:sz", "6"),
                            ("w:space", "0"),
                            ("w:color", "000000"),
                        ],
                    )?;
                }
                Ok(())
            })?;
            empty(w, "w:tblLayout", &[("w:type", "fixed")])?;
            el(w, "w:tblCellMar", &[], |w| {
                empty(w, "w:left", &[("w:w", "85"), ("w:type", "dxa")])?;
                empty(w, "w:right", &[("w:w", "85"), ("w:type", "dxa")])
            })
        })?;
        el(w, "w:tblGrid", &[], |w| {
            for width in WIDTHS {
                empty(w, "w:gridCol", &[("w:w", &width.to_string())])?;
            }
            Ok(())
        })?;

        // The header row repeats at the top of every page the table runs onto.
        el(w, "w:tr", &[], |w| {
            el(w, "w:trPr", &[], |w| {
                empty(w, "w:tblHeader", &[])?;
                empty(w, "w:cantSplit", &[])
            })?;
            for (i, name) in COLUMNS.iter().enumerate() {
                cell(
                    w,
                    &Cell {
                        width: WIDTHS[i],
                        keep_next: true,
                        span: 1,
                        merge: Merge::None,
                        jc: "center",
                        font: HEITI,
                    },
                    name,
                )?;
            }
            Ok(())
        })?;

        for group in &a.groups {
            // The unit's own row, across the table, keeps with its first item.
            el(w, "w:tr", &[], |w| {
                el(w, "w:trPr", &[], |w| empty(w, "w:cantSplit", &[]))?;
                cell(
                    w,
                    &Cell {
                        width: LAND_TEXT_W,
                        keep_next: true,
                        span: WIDTHS.len() as u32,
                        merge: Merge::None,
                        jc: "left",
                        font: HEITI,
                    },
                    &format!("牵头单位：{}（{}件）", group.unit, group.items.len()),
                )
            })?;
            for item in &group.items {
                item_rows(w, item)?;
            }
        }
        Ok(())
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merge {
    None,
    Restart,
    Continue,
}

#[derive(Debug, Clone, Copy)]
struct Cell {
    width: u32,
    /// Keeps the row on the page of the next: a unit's row with its first item, an item's
    /// rows together.
    keep_next: bool,
    span: u32,
    merge: Merge,
    jc: &'static str,
    font: Font,
}

/// An item's rows: one per target, with the number, name, status and problems merged down
/// the item's rows so a reader sees one item, not several.
fn item_rows(w: &mut X, item: &BulletinItem) -> io::Result<()> {
    let seq = item.seq.to_string();
    let title = if item.lead_units.len() > 1 {
        format!("{}\n（牵头：{}）", item.title, item.lead_units.join("、"))
    } else {
        item.title.clone()
    };
    let problems = item.problems_text();
    let rows = item.targets.len().max(1);
    for row in 0..rows {
        let target = item.targets.get(row);
        let merge = match (rows, row) {
            (1, _) => Merge::None,
            (_, 0) => Merge::Restart,
            _ => Merge::Continue,
        };
        let columns: [(String, &str, Merge); 8] = [
            (seq.clone(), "center", merge),
            (title.clone(), "left", merge),
            (
                target.map_or("—".to_owned(), |t| t.text.clone()),
                "left",
                Merge::None,
            ),
            (
                target.map_or("—".to_owned(), |t| t.planned_text()),
                "center",
                Merge::None,
            ),
            (
                target.map_or("—".to_owned(), |t| t.actual_text()),
                "center",
                Merge::None,
            ),
            (
                target.map_or("—".to_owned(), |t| t.completion_text()),
                "center",
                Merge::None,
            ),
            (item.status_word().to_owned(), "center", merge),
            (problems.clone(), "left", merge),
        ];
        el(w, "w:tr", &[], |w| {
            el(w, "w:trPr", &[], |w| empty(w, "w:cantSplit", &[]))?;
            for (i, (text, jc, merge)) in columns.iter().enumerate() {
                let spec = Cell {
                    width: WIDTHS[i],
                    keep_next: row + 1 < rows,
                    span: 1,
                    merge: *merge,
                    jc,
                    font: FANGSONG,
                };
                // A continued merge cell holds an empty paragraph: its text is the first's.
                let text = if *merge == Merge::Continue { "" } else { text };
                cell(w, &spec, text)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn cell(w: &mut X, c: &Cell, text: &str) -> io::Result<()> {
    el(w, "w:tc", &[], |w| {
        el(w, "w:tcPr", &[], |w| {
            let width = c.width.to_string();
            empty(w, "w:tcW", &[("w:w", &width), ("w:type", "dxa")])?;
            if c.span > 1 {
                empty(w, "w:gridSpan", &[("w:val", &c.span.to_string())])?;
            }
            match c.merge {
                Merge::None => {}
                Merge::Restart => empty(w, "w:vMerge", &[("w:val", "restart")])?,
                Merge::Continue => empty(w, "w:vMerge", &[])?,
            }
            empty(w, "w:vAlign", &[("w:val", "center")])
        })?;
        el(w, "w:p", &[], |w| {
            el(w, "w:pPr", &[], |w| {
                if c.keep_next {
                    empty(w, "w:keepNext", &[])?;
                }
                // Off the page's 28.95 pt grid: a table line is as tall as its type needs.
                empty(w, "w:snapToGrid", &[("w:val", "0")])?;
                empty(
                    w,
                    "w:spacing",
                    &[
                        ("w:before", "40"),
                        ("w:after", "40"),
                        ("w:line", "340"),
                        ("w:lineRule", "exact"),
                    ],
                )?;
                empty(w, "w:jc", &[("w:val", c.jc)])
            })?;
            runs(
                w,
                text,
                &Rpr {
                    font: c.font,
                    ..CELL
                },
            )
        })
    })
}

fn styles() -> io::Result<Vec<u8>> {
    xml(|w| {
        el(w, "w:styles", &[("xmlns:w", W_NS)], |w| {
            el(w, "w:docDefaults", &[], |w| {
                el(w, "w:rPrDefault", &[], |w| rpr(w, &BODY))?;
                el(w, "w:pPrDefault", &[], |w| {
                    el(w, "w:pPr", &[], |w| {
                        let line = LINE.to_string();
                        empty(
                            w,
                            "w:spacing",
                            &[
                                ("w:before", "0"),
                                ("w:after", "0"),
                                ("w:line", &line),
                                ("w:lineRule", "exact"),
                            ],
                        )
                    })
                })
            })?;
            el(
                w,
                "w:style",
                &[
                    ("w:type", "paragraph"),
                    ("w:default", "1"),
                    ("w:styleId", "Normal"),
                ],
                |w| {
                    empty(w, "w:name", &[("w:val", "Normal")])?;
                    empty(w, "w:qFormat", &[])?;
                    el(w, "w:pPr", &[], |w| empty(w, "w:jc", &[("w:val", "both")]))?;
                    rpr(w, &BODY)
                },
            )?;
            el(
                w,
                "w:style",
                &[
                    ("w:type", "table"),
                    ("w:default", "1"),
                    ("w:styleId", "TableNormal"),
                ],
                |w| {
                    empty(w, "w:name", &[("w:val", "Normal Table")])?;
                    el(w, "w:tblPr", &[], |w| {
                        empty(w, "w:tblInd", &[("w:w", "0"), ("w:type", "dxa")])
                    })
                },
            )
        })
    })
}

fn settings() -> io::Result<Vec<u8>> {
    xml(|w| {
        el(w, "w:settings", &[("xmlns:w", W_NS)], |w| {
            empty(w, "w:zoom", &[("w:percent", "100")])?;
            // In the schema's order, which Word holds to: tab stop before odd/even footers.
            empty(w, "w:defaultTabStop", &[("w:val", "640")])?;
            // Odd pages number at the right, even pages at the left (7.5).
            empty(w, "w:evenAndOddHeaders", &[])?;
            empty(
                w,
                "w:characterSpacingControl",
                &[("w:val", "compressPunctuation")],
            )?;
            el(w, "w:compat", &[], |w| {
                empty(
                    w,
                    "w:compatSetting",
                    &[
                        ("w:name", "compatibilityMode"),
                        ("w:uri", "http://schemas.microsoft.com/office/word"),
                        ("w:val", "15"),
                    ],
                )
            })
        })
    })
}

fn font_table() -> io::Result<Vec<u8>> {
    xml(|w| {
        el(w, "w:fonts", &[("xmlns:w", W_NS)], |w| {
            for (name, alt, family) in FONT_TABLE {
                el(w, "w:font", &[("w:name", name)], |w| {
                    empty(w, "w:altName", &[("w:val", alt)])?;
                    empty(w, "w:charset", &[("w:val", "86")])?;
                    empty(w, "w:family", &[("w:val", family)])?;
                    empty(w, "w:pitch", &[("w:val", "variable")])
                })?;
            }
            Ok(())
        })
    })
}

/// The page number as 7.5 wants it: 4号 半角宋体 digits between one-character dashes
/// (— 1 —), one character in from the right on odd pages and from the left on even ones.
fn footer(even: bool) -> io::Result<Vec<u8>> {
    let number = Rpr {
        font: SONGTI,
        size: SI_HAO,
        color: None,
    };
    xml(|w| {
        el(w, "w:ftr", &[("xmlns:w", W_NS), ("xmlns:r", R_NS)], |w| {
            el(w, "w:p", &[], |w| {
                ppr(
                    w,
                    &Ppr {
                        jc: Some(if even { "left" } else { "right" }),
                        left: if even { 280 } else { 0 },
                        right: if even { 0 } else { 280 },
                        ..Ppr::default()
                    },
                    None,
                )?;
                runs(w, "— ", &number)?;
                el(w, "w:fldSimple", &[("w:instr", " PAGE ")], |w| {
                    runs(w, "1", &number)
                })?;
                runs(w, " —", &number)
            })
        })
    })
}
