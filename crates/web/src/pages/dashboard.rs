//! The supervisor's dashboard: its first screen answers "what is lagging" (counts by status,
//! the seriously-behind and behind items, the reports overdue), then the same plan broken
//! down by lead unit and by category, as charts and as tables. Admins, leaders and deputies
//! read it; only admins get the links to edit.

use super::charts::{self, Chart, Row, STATUS_SERIES};
use super::chrome::Chrome;
use super::error::PageError;
use super::paths;
use super::session::Viewer;
use crate::standing::{joined_names, standings, status_words, unit_names, ItemStanding};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use shishi_core::{can, Action, PlanId, Resource, Status, UnitId};
use shishi_store::PlanDetail;
use std::collections::{BTreeMap, HashMap};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(paths::DASHBOARD, get(dashboard))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DashboardQuery {
    #[serde(default)]
    plan: String,
}

struct Card {
    class: &'static str,
    label: &'static str,
    count: usize,
    /// What is counted: items, or targets for overdue reports.
    noun: &'static str,
}

struct ItemRow {
    href: String,
    edit_href: Option<String>,
    /// The form to issue a supervision order (督办单) for the item, for the admin.
    order_href: Option<String>,
    seq: u32,
    title: String,
    lead_units: String,
    status_class: &'static str,
    status_label: &'static str,
    progress: u32,
}

struct OverdueRow {
    href: String,
    seq: u32,
    item: String,
    target: String,
    units: String,
    period: String,
}

struct Breakdown {
    heading: &'static str,
    /// The first column's header: 牵头单位 or 类别.
    key: &'static str,
    chart: Chart,
    rows: Vec<Row>,
}

struct PlanChoice {
    id: i64,
    label: String,
    selected: bool,
}

struct PlanView {
    title: String,
    doc_number: Option<String>,
    as_of: String,
    total: usize,
    cards: Vec<Card>,
    lagging: Vec<ItemRow>,
    overdue: Vec<OverdueRow>,
    breakdowns: Vec<Breakdown>,
    /// Every item, for the admin to reach its edit page.
    all_items: Vec<ItemRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    admin: bool,
    plans: Vec<PlanChoice>,
    plan: Option<PlanView>,
    series: Vec<charts::Series>,
    bulletins: Option<super::bulletins::Section>,
}

/// `GET /dashboard?plan=`: the newest plan unless another is asked for.
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let user = viewer.require(Action::ViewInternal, &Resource::System, paths::DASHBOARD)?;
    let admin = can(Some(user), Action::EditPlan, &Resource::System);
    let plans = state.store.plans().await?;
    let wanted = match query.plan.trim() {
        "" => plans.first().map(|p| p.id()),
        text => Some(PlanId::new(text.parse().map_err(|_| {
            PageError::BadRequest("计划编号应为数字。".to_owned())
        })?)),
    };
    let plan = match wanted {
        Some(id) => Some(plan_view(&state, id, admin).await?),
        None => None,
    };
    let page = DashboardPage {
        chrome: viewer.chrome("工作台"),
        admin,
        plans: plans
            .iter()
            .map(|p| PlanChoice {
                id: p.id().get(),
                label: format!("{}年 {}", p.year().get(), p.title()),
                selected: Some(p.id()) == wanted,
            })
            .collect(),
        plan,
        series: STATUS_SERIES.to_vec(),
        bulletins: super::bulletins::section(&state, wanted, admin).await?,
    };
    Ok(page.into_response())
}

async fn plan_view(state: &AppState, id: PlanId, admin: bool) -> Result<PlanView, PageError> {
    let today = state.clock.today();
    let snapshot = state.store.plan_snapshot(id).await?;
    let (detail, reports) = (&snapshot.detail, &snapshot.reports);
    let standing = standings(detail, reports, today);
    let names = unit_names(detail);

    let count = |status: Status| standing.iter().filter(|s| s.status == Some(status)).count();
    let overdue = overdue_rows(detail, &standing, &names);
    let mut cards: Vec<Card> = [
        Status::SeriouslyBehind,
        Status::Behind,
        Status::OnSchedule,
        Status::Completed,
    ]
    .into_iter()
    .map(|status| {
        let (class, label) = status_words(Some(status));
        Card {
            class,
            label,
            count: count(status),
            noun: "项",
        }
    })
    .collect();
    cards.push(Card {
        class: "overdue",
        label: "逾期未报",
        count: overdue.len(),
        noun: "个目标",
    });
    cards.push(Card {
        class: "overdue",
        label: "逾期督办单",
        count: super::orders::overdue_count(state, id, today).await?,
        noun: "件",
    });

    let row = |entry: &ItemStanding| item_row(detail, &names, entry, admin);
    // Worst first, then in the notice's order: the list reads as a to-do list.
    let mut lagging: Vec<&ItemStanding> = standing
        .iter()
        .filter(|s| matches!(s.status, Some(Status::SeriouslyBehind | Status::Behind)))
        .collect();
    lagging.sort_by_key(|s| (s.status, s.index));

    Ok(PlanView {
        title: detail.plan.title().to_owned(),
        doc_number: detail.plan.doc_number().map(str::to_owned),
        as_of: today.to_string(),
        total: detail.items.len(),
        cards,
        lagging: lagging.into_iter().map(row).collect(),
        overdue,
        breakdowns: vec![
            by_unit(detail, &standing, &names),
            by_category(detail, &standing),
        ],
        all_items: if admin {
            standing.iter().map(row).collect()
        } else {
            Vec::new()
        },
    })
}

fn item_row(
    detail: &PlanDetail,
    names: &HashMap<UnitId, String>,
    entry: &ItemStanding,
    admin: bool,
) -> ItemRow {
    let item = &detail.items[entry.index].item;
    let (status_class, status_label) = status_words(entry.status);
    ItemRow {
        href: paths::item(item.id.get()),
        edit_href: admin.then(|| paths::admin_item(item.id.get())),
        order_href: admin.then(|| paths::new_order(item.id.get())),
        seq: item.seq,
        title: item.title.clone(),
        lead_units: joined_names(names, &item.lead_units),
        status_class,
        status_label,
        progress: (entry.progress * 100.0).round() as u32,
    }
}

/// Every target whose latest due month has no report, by item.
fn overdue_rows(
    detail: &PlanDetail,
    standing: &[ItemStanding],
    names: &HashMap<UnitId, String>,
) -> Vec<OverdueRow> {
    standing
        .iter()
        .filter(|entry| entry.report_overdue)
        .flat_map(|entry| {
            let item = &detail.items[entry.index];
            item.targets
                .iter()
                .zip(&entry.targets)
                .filter_map(move |(target, st)| {
                    let period = st.status.overdue_period()?;
                    Some(OverdueRow {
                        href: paths::item(item.item.id.get()),
                        seq: item.item.seq,
                        item: item.item.title.clone(),
                        target: target.text.clone(),
                        units: joined_names(names, &item.item.lead_units),
                        period: period.to_string(),
                    })
                })
        })
        .collect()
}

/// Items by status for each lead unit; an item led by two units counts for both. The units
/// with the most lagging items come first.
fn by_unit(
    detail: &PlanDetail,
    standing: &[ItemStanding],
    names: &HashMap<UnitId, String>,
) -> Breakdown {
    let mut counts: HashMap<UnitId, Vec<u32>> = HashMap::new();
    for entry in standing {
        for unit in &detail.items[entry.index].item.lead_units {
            let row = counts
                .entry(*unit)
                .or_insert_with(|| vec![0; STATUS_SERIES.len()]);
            row[charts::series_index(entry.status)] += 1;
        }
    }
    let mut rows: Vec<Row> = counts
        .into_iter()
        .map(|(unit, counts)| Row {
            label: names.get(&unit).cloned().unwrap_or_default(),
            counts,
        })
        .collect();
    rows.sort_by(|a, b| {
        let lag = |r: &Row| (r.counts[0], r.counts[1]);
        lag(b).cmp(&lag(a)).then_with(|| a.label.cmp(&b.label))
    });
    breakdown("by-unit", "按牵头单位", "牵头单位", rows)
}

/// Items by status for each category, in the notice's order of categories.
fn by_category(detail: &PlanDetail, standing: &[ItemStanding]) -> Breakdown {
    let mut order: Vec<String> = Vec::new();
    let mut counts: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for entry in standing {
        let category = detail.items[entry.index]
            .item
            .category
            .clone()
            .unwrap_or_else(|| "未分类".to_owned());
        let place = match order.iter().position(|c| *c == category) {
            Some(place) => place,
            None => {
                order.push(category);
                order.len() - 1
            }
        };
        counts
            .entry(place)
            .or_insert_with(|| vec![0; STATUS_SERIES.len()])[charts::series_index(entry.status)] +=
            1;
    }
    let rows = counts
        .into_iter()
        .map(|(place, counts)| Row {
            label: order[place].clone(),
            counts,
        })
        .collect();
    breakdown("by-category", "按类别", "类别", rows)
}

fn breakdown(id: &str, heading: &'static str, key: &'static str, rows: Vec<Row>) -> Breakdown {
    let caption = format!("{heading}的项目状态（项）");
    Breakdown {
        heading,
        key,
        chart: charts::stacked(id, &caption, &STATUS_SERIES, &rows),
        rows,
    }
}
