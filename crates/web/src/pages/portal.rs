//! The public portal: the plan's items with their lights and progress, and each item's page
//! with its targets, approved updates, photos and the log of changes to its targets. Only
//! approved facts are shown here, whoever is looking.

use super::chrome::Chrome;
use super::error::PageError;
use super::paths;
use super::session::Viewer;
use super::shown::{photo_caption, shown_actual};
use crate::standing::{
    commitment, figure, joined_names, months_since, number, percent, standings, status_words,
    unit_names, ItemStanding,
};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shishi_core::{ItemId, PlanId, Report, ReportId, Status};
use shishi_store::{Attachment, PlanDetail};
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filter {
    #[serde(default)]
    category: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    status: String,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct Count {
    class: &'static str,
    label: &'static str,
    count: usize,
}

struct ItemRow {
    id: i64,
    seq: u32,
    title: String,
    category: Option<String>,
    lead_units: String,
    status_class: &'static str,
    status_label: &'static str,
    progress: u32,
    stale: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal.html")]
struct PortalPage {
    chrome: Chrome,
    plan_title: String,
    doc_number: Option<String>,
    issuer: Option<String>,
    as_of: String,
    plans: Vec<Choice>,
    categories: Vec<Choice>,
    units: Vec<Choice>,
    statuses: Vec<Choice>,
    counts: Vec<Count>,
    items: Vec<ItemRow>,
    total: usize,
    filtered: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "no_plan.html")]
struct NoPlanPage {
    chrome: Chrome,
}

/// `GET /`: the newest plan's portal.
pub(crate) async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let plans = state.store.plans().await?;
    match plans.first() {
        Some(plan) => portal(&state, &viewer, plan.id(), filter).await,
        None => Ok(NoPlanPage {
            chrome: viewer.chrome("项目清单"),
        }
        .into_response()),
    }
}

/// `GET /plans/{id}`: a plan's portal (earlier years stay readable).
pub(crate) async fn plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    portal(&state, &viewer, PlanId::new(id), filter).await
}

const STATUS_ORDER: [Status; 4] = [
    Status::SeriouslyBehind,
    Status::Behind,
    Status::OnSchedule,
    Status::Completed,
];

async fn portal(
    state: &AppState,
    viewer: &Viewer,
    id: PlanId,
    filter: Filter,
) -> Result<Response, PageError> {
    let today = state.clock.today();
    let snapshot = state.store.plan_snapshot(id).await?;
    let (detail, reports) = (&snapshot.detail, &snapshot.reports);
    let all_plans = state.store.plans().await?;
    let standing = standings(detail, reports, today);
    let names = unit_names(detail);

    let wanted_unit: Option<i64> = filter.unit.parse().ok();
    let keep = |entry: &ItemStanding| {
        let item = &detail.items[entry.index].item;
        (filter.category.is_empty() || item.category.as_deref() == Some(&filter.category))
            && wanted_unit.is_none_or(|unit| {
                item.lead_units
                    .iter()
                    .chain(&item.support_units)
                    .any(|u| u.get() == unit)
            })
            && (filter.status.is_empty() || status_words(entry.status).0 == filter.status)
    };
    let items: Vec<ItemRow> = standing
        .iter()
        .filter(|entry| keep(entry))
        .map(|entry| item_row(detail, &names, entry, today))
        .collect();

    let counts = STATUS_ORDER
        .iter()
        .map(|status| {
            let (class, label) = status_words(Some(*status));
            Count {
                class,
                label,
                count: standing
                    .iter()
                    .filter(|s| s.status == Some(*status))
                    .count(),
            }
        })
        .collect();
    let categories: BTreeSet<&str> = detail
        .items
        .iter()
        .filter_map(|entry| entry.item.category.as_deref())
        .collect();
    let lead: BTreeSet<i64> = detail
        .items
        .iter()
        .flat_map(|entry| entry.item.lead_units.iter().map(|u| u.get()))
        .collect();
    let mut units: Vec<Choice> = detail
        .units
        .iter()
        .filter(|unit| lead.contains(&unit.id.get()))
        .map(|unit| Choice {
            value: unit.id.get().to_string(),
            label: unit.name.clone(),
            selected: wanted_unit == Some(unit.id.get()),
        })
        .collect();
    units.sort_by(|a, b| a.label.cmp(&b.label));

    let page = PortalPage {
        chrome: viewer.chrome(detail.plan.title().to_owned()),
        plan_title: detail.plan.title().to_owned(),
        doc_number: detail.plan.doc_number().map(str::to_owned),
        issuer: detail.meta.issuer.clone(),
        as_of: today.to_string(),
        plans: all_plans
            .iter()
            .map(|plan| Choice {
                value: paths::plan(plan.id().get()),
                label: format!("{}年 {}", plan.year().get(), plan.title()),
                selected: plan.id() == id,
            })
            .collect(),
        categories: categories
            .into_iter()
            .map(|c| Choice {
                value: c.to_owned(),
                label: c.to_owned(),
                selected: filter.category == c,
            })
            .collect(),
        units,
        statuses: STATUS_ORDER
            .iter()
            .map(|status| {
                let (class, label) = status_words(Some(*status));
                Choice {
                    value: class.to_owned(),
                    label: label.to_owned(),
                    selected: filter.status == class,
                }
            })
            .collect(),
        counts,
        total: detail.items.len(),
        filtered: items.len() != detail.items.len(),
        items,
    };
    Ok(page.into_response())
}

fn item_row(
    detail: &PlanDetail,
    names: &HashMap<shishi_core::UnitId, String>,
    entry: &ItemStanding,
    today: time::Date,
) -> ItemRow {
    let item = &detail.items[entry.index].item;
    let (status_class, status_label) = status_words(entry.status);
    ItemRow {
        id: item.id.get(),
        seq: item.seq,
        title: item.title.clone(),
        category: item.category.clone(),
        lead_units: joined_names(names, &item.lead_units),
        status_class,
        status_label,
        progress: (entry.progress * 100.0).round() as u32,
        stale: stale_note(entry, today),
    }
}

/// "数据已 3 个月未更新" for a stale item: its light may no longer be true.
fn stale_note(entry: &ItemStanding, today: time::Date) -> Option<String> {
    if !entry.stale {
        return None;
    }
    Some(match entry.last_approved {
        Some(period) => format!("数据已 {} 个月未更新", months_since(period, today)),
        None => "尚无核实数据".to_owned(),
    })
}

struct TargetRow {
    text: String,
    commitment: String,
    deadline: String,
    actual: String,
    planned: String,
    completion: String,
    status_class: &'static str,
    status_label: &'static str,
    last_report: String,
}

struct Photo {
    src: String,
    alt: String,
    caption: String,
}

struct Document {
    href: String,
    name: String,
}

struct Update {
    period: String,
    target: String,
    actual: String,
    progress: String,
    photos: Vec<Photo>,
    documents: Vec<Document>,
}

struct ChangeRow {
    target: String,
    date: String,
    before: String,
    after: String,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "item.html")]
struct ItemPage {
    chrome: Chrome,
    plan_href: String,
    plan_title: String,
    seq: u32,
    title: String,
    category: Option<String>,
    lead_units: String,
    support_units: String,
    text: String,
    status_class: &'static str,
    status_label: &'static str,
    progress: u32,
    stale: Option<String>,
    as_of: String,
    targets: Vec<TargetRow>,
    updates: Vec<Update>,
    changes: Vec<ChangeRow>,
    /// The form to issue a supervision order (督办单) for the item, for the admin.
    order_href: Option<String>,
    /// The public's messages (群众留言) and the form to leave one.
    feedback: super::feedback::ItemFeedback,
    /// The deputies' comments (人大代表意见) and, for a deputy, the form to add one.
    deputy_comments: super::vote::ItemComments,
}

/// `GET /items/{id}`.
pub(crate) async fn item(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let item_id = ItemId::new(id);
    let plan_id = state.store.item_plan(item_id).await?;
    let snapshot = state.store.plan_snapshot(plan_id).await?;
    let detail = &snapshot.detail;
    let index = detail
        .items
        .iter()
        .position(|entry| entry.item.id == item_id)
        .ok_or_else(|| PageError::NotFound(format!("item {id}")))?;
    let entry = &detail.items[index];
    let target_ids: Vec<_> = entry.targets.iter().map(|t| t.id).collect();
    let reports: Vec<Report> = snapshot
        .reports
        .iter()
        .filter(|r| target_ids.contains(&r.target()))
        .cloned()
        .collect();
    let today = state.clock.today();
    let standing = standings(detail, &reports, today)
        .into_iter()
        .nth(index)
        .ok_or_else(|| PageError::NotFound(format!("item {id}")))?;
    let names = unit_names(detail);

    let targets = entry
        .targets
        .iter()
        .zip(&standing.targets)
        .map(|(target, st)| {
            let (status_class, status_label) = status_words(Some(st.status.status()));
            let shown = |a: f64| match &target.measure {
                shishi_core::Measure::Quantity(q) => figure(a, q.unit()),
                shishi_core::Measure::Milestone => format!("{}%", number(a)),
            };
            TargetRow {
                text: target.text.clone(),
                commitment: commitment(&target.measure),
                deadline: target.schedule.deadline().to_string(),
                actual: st.actual.map(shown).unwrap_or_else(|| "—".to_owned()),
                planned: percent(st.status.planned()),
                completion: percent(st.status.completion()),
                status_class,
                status_label,
                last_report: match st.status.last_approved() {
                    Some(period) => match months_since(period, today) {
                        0 => format!("{period}（本月）"),
                        n => format!("{period}（{n} 个月前）"),
                    },
                    None => "尚无核实数据".to_owned(),
                },
            }
        })
        .collect();

    let report_ids: Vec<ReportId> = reports
        .iter()
        .filter(|r| r.approved().is_some())
        .map(|r| r.id())
        .collect();
    // The page's other reads do not depend on each other: asked together, a view waits for
    // the slowest of them instead of their sum.
    let (attachments, changes, feedback, deputy_comments) = tokio::try_join!(
        async {
            state
                .store
                .attachments_for_reports(&report_ids)
                .await
                .map_err(PageError::from)
        },
        async {
            state
                .store
                .target_changes_for_item(item_id)
                .await
                .map_err(PageError::from)
        },
        super::feedback::for_item(&state, &viewer, item_id, &names),
        super::vote::ItemComments::load(&state, &viewer, item_id),
    )?;
    let updates = approved_updates(entry, &reports, &attachments);

    let changes = changes
        .into_iter()
        .map(|change| {
            let target = entry
                .targets
                .iter()
                .find(|t| t.id == change.target)
                .map(|t| t.text.clone())
                .unwrap_or_default();
            ChangeRow {
                target,
                date: change.at.get(..10).unwrap_or(&change.at).to_owned(),
                before: format!(
                    "{}，{} 前完成",
                    commitment(&change.before.measure),
                    change.before.deadline
                ),
                after: format!(
                    "{}，{} 前完成",
                    commitment(&change.after.measure),
                    change.after.deadline
                ),
                reason: change.reason,
            }
        })
        .collect();

    let item = &entry.item;
    let (status_class, status_label) = status_words(standing.status);
    let page = ItemPage {
        chrome: viewer.chrome(format!("{}. {}", item.seq, item.title)),
        plan_href: paths::plan(plan_id.get()),
        plan_title: detail.plan.title().to_owned(),
        seq: item.seq,
        title: item.title.clone(),
        category: item.category.clone(),
        lead_units: joined_names(&names, &item.lead_units),
        support_units: joined_names(&names, &item.support_units),
        text: entry.text.clone(),
        status_class,
        status_label,
        progress: (standing.progress * 100.0).round() as u32,
        stale: stale_note(&standing, today),
        as_of: today.to_string(),
        targets,
        updates,
        changes,
        order_href: viewer
            .user()
            .filter(|u| {
                shishi_core::can(
                    Some(u),
                    shishi_core::Action::IssueOrder,
                    &shishi_core::Resource::System,
                )
            })
            .map(|_| paths::new_order(item.id.get())),
        feedback,
        deputy_comments,
    };
    let cookie = page.feedback.cookie();
    Ok(super::feedback::with_cookie(page.into_response(), cookie))
}

/// Every approved report of the item, newest month first, with the evidence attached up to
/// the approved revision (a file added to a later, unapproved revision is not yet public).
fn approved_updates(
    entry: &shishi_store::ItemDetail,
    reports: &[Report],
    attachments: &[Attachment],
) -> Vec<Update> {
    let mut approved: Vec<&Report> = reports.iter().filter(|r| r.approved().is_some()).collect();
    approved.sort_by(|a, b| {
        b.period()
            .cmp(&a.period())
            .then(a.target().cmp(&b.target()))
    });
    approved
        .into_iter()
        .filter_map(|report| {
            let revision = report.approved()?;
            let target = entry.targets.iter().find(|t| t.id == report.target())?;
            let actual = shown_actual(&revision.content.actual, &target.measure);
            let public: Vec<&Attachment> = attachments
                .iter()
                .filter(|a| a.report == report.id() && a.revision <= revision.number)
                .collect();
            Some(Update {
                period: report.period().to_string(),
                target: target.text.clone(),
                actual,
                progress: revision.content.progress.clone(),
                photos: public
                    .iter()
                    .filter(|a| a.content_type.starts_with("image/"))
                    .map(|a| Photo {
                        src: paths::file(&a.hash),
                        alt: format!("{} 现场照片", report.period()),
                        caption: photo_caption(a),
                    })
                    .collect(),
                documents: public
                    .iter()
                    .filter(|a| !a.content_type.starts_with("image/"))
                    .map(|a| Document {
                        href: paths::file(&a.hash),
                        name: a.name.clone(),
                    })
                    .collect(),
            })
        })
        .collect()
}
