//! Bulletins (督查通报) as the server and the command line make them: a stored plan to a
//! composed bulletin, and the bulletin to the bytes of a file. Blocking work: callers on an
//! async executor run it in `spawn_blocking`.

use askama::Template;
use shishi_core::{Item, Period, Target};
use shishi_docs::Sources;
use shishi_store::{PlanMeta, PlanSnapshot};

pub use shishi_docs::{Bulletin, Issue};

/// The stylesheet of a bulletin page, on the portal and inside a standalone file.
pub(crate) const STYLESHEET: &str = include_str!("../static/bulletin.css");

/// The three files a bulletin is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docx,
    Html,
    Md,
}

impl Format {
    /// `docx`, `html` or `md` (also `markdown`), as the command line and the forms name them.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "docx" => Some(Self::Docx),
            "html" | "htm" => Some(Self::Html),
            "md" | "markdown" => Some(Self::Md),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Docx => "docx",
            Self::Html => "html",
            Self::Md => "md",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Html => "text/html; charset=utf-8",
            Self::Md => "text/markdown; charset=utf-8",
        }
    }
}

/// Why a bulletin could not be made; the messages are in Chinese, for the supervisor.
#[derive(Debug, thiserror::Error)]
pub enum BulletinError {
    #[error(transparent)]
    Docs(#[from] shishi_docs::Error),
    #[error("生成网页失败：{0}")]
    Template(#[from] askama::Error),
}

/// The bulletin of `period` from a plan as the store hands it out.
pub fn compose(
    snapshot: &PlanSnapshot,
    period: Period,
    issue: &Issue,
) -> Result<Bulletin, BulletinError> {
    let detail = &snapshot.detail;
    let items: Vec<Item> = detail.items.iter().map(|d| d.item.clone()).collect();
    let targets: Vec<Target> = detail
        .items
        .iter()
        .flat_map(|d| d.targets.iter().cloned())
        .collect();
    let sources = Sources {
        plan: &detail.plan,
        items: &items,
        targets: &targets,
        units: &detail.units,
        reports: &snapshot.reports,
    };
    Ok(shishi_docs::compose(sources, period, issue)?)
}

/// The bulletin as a file of `format`. HTML is a whole page that stands alone (its style
/// inline), for a file saved or mailed; the portal embeds the fragment instead.
pub fn render(bulletin: &Bulletin, format: Format) -> Result<Vec<u8>, BulletinError> {
    Ok(match format {
        Format::Docx => shishi_docs::to_docx(bulletin)?,
        Format::Html => {
            standalone_page(&bulletin.title, &shishi_docs::to_html(bulletin))?.into_bytes()
        }
        Format::Md => shishi_docs::to_markdown(bulletin).into_bytes(),
    })
}

#[derive(Template)]
#[template(path = "bulletins_file.html")]
struct StandalonePage<'a> {
    title: &'a str,
    style: &'a str,
    article: &'a str,
}

/// A whole HTML page around a bulletin fragment (`shishi_docs::to_html`, already escaped).
pub fn standalone_page(title: &str, article: &str) -> Result<String, BulletinError> {
    Ok(StandalonePage {
        title,
        style: STYLESHEET,
        article,
    }
    .render()?)
}

/// The issuer a bulletin gets unless the supervisor names another: the supervision office of
/// the government that issued the plan (海州区 → 海州区人民政府督查室).
pub fn default_issuer(meta: &PlanMeta) -> String {
    match (&meta.place, &meta.issuer) {
        (Some(place), _) if !place.trim().is_empty() => format!("{}人民政府督查室", place.trim()),
        (_, Some(issuer)) if !issuer.trim().is_empty() => format!("{}督查室", issuer.trim()),
        _ => "人民政府督查室".to_owned(),
    }
}

/// The 文号 a bulletin gets unless the supervisor gives one: numbered by its month.
pub fn default_doc_number(period: Period) -> String {
    format!("督查通报〔{}〕{}号", period.year(), period.month())
}

/// The organisation code of the plan's own 索引号 (01426719-5/2020-00082 → 01426719-5): where
/// the supervision office belongs to the same government, the code its bulletins carry.
pub fn org_code_of(meta: &PlanMeta) -> Option<String> {
    let code = meta.index_no.as_deref()?.split('/').next()?.trim();
    shishi_store::valid_org_code(code).then(|| code.to_owned())
}

/// A file name for a bulletin: its title and the format's extension.
pub fn file_name(title: &str, format: Format) -> String {
    let stem: String = title
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    format!("{}.{}", stem.trim(), format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_read_by_name() {
        assert_eq!(Format::parse("DOCX"), Some(Format::Docx));
        assert_eq!(Format::parse("markdown"), Some(Format::Md));
        assert_eq!(Format::parse("pdf"), None);
    }

    #[test]
    fn the_plan_gives_the_defaults() {
        let meta = PlanMeta {
            issuer: Some("海州区人民政府".into()),
            index_no: Some("01426719-5/2020-00082".into()),
            date: None,
            place: Some("海州区".into()),
        };
        assert_eq!(default_issuer(&meta), "海州区人民政府督查室");
        assert_eq!(org_code_of(&meta).as_deref(), Some("01426719-5"));
        assert_eq!(org_code_of(&PlanMeta::default()), None);
        assert_eq!(file_name("关于/通报", Format::Md), "关于_通报.md");
    }
}
