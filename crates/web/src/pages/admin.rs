//! The supervisor's editing: items (title, category, units), targets (figures, deadline and
//! schedule, with the reason the public will read), the unit registry (aliases, merging two
//! spellings of one bureau), users, and importing a notice with a preview of the reading
//! before anything is saved. Admin only; every form carries its CSRF token, and a form with
//! a mistake comes back with what was typed and a message by each wrong field, having
//! changed nothing.

use super::chrome::Chrome;
use super::error::PageError;
use super::form::FieldErrors;
use super::paths;
use super::session::Viewer;
use crate::password::{self, Password};
use crate::standing::{commitment, number};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use shishi_core::{
    Action, Checkpoint, Checkpoints, Curve, ItemId, Login, Measure, Op, PlanId, Quantity, Reason,
    Resource, Role, Share, TargetId, TargetValue, Unit, UnitId, User, UserId,
};
use shishi_store::{
    Actor, ImportOutcome, ItemChange, ItemEdit, ItemField, NewUser, PlanDiff, StoreError,
    TargetChange, TargetEdit, TargetSpec, UserEdit,
};
use sm3::{Digest, Sm3};
use std::collections::{BTreeMap, HashMap};
use time::{Date, OffsetDateTime, UtcOffset};

/// The largest notice the reader takes, and what a multipart body carrying one may add.
const MAX_NOTICE: usize = shishi_plan::MAX_INPUT_BYTES;
const UPLOAD_LIMIT: usize = MAX_NOTICE + 64 * 1024;
/// The confirmation carries the notice back as hex: twice its size, and the other fields.
const CONFIRM_LIMIT: usize = 2 * MAX_NOTICE + 64 * 1024;
/// Shortest password an admin may set: the sign-in lockout limits guessing, not this.
const MIN_PASSWORD_CHARS: usize = 8;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/items/{id}", get(item_page).post(item_save))
        .route("/admin/targets/{id}", get(target_page).post(target_save))
        .route(paths::ADMIN_UNITS, get(units_page))
        .route("/admin/units/{id}/aliases", post(unit_aliases))
        .route(paths::ADMIN_UNITS_MERGE, post(units_merge))
        .route(paths::ADMIN_USERS, get(users_page).post(user_add))
        .route("/admin/users/{id}", post(user_change))
        .route(
            paths::ADMIN_IMPORT,
            get(import_page)
                .post(import_preview)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            paths::ADMIN_IMPORT_CONFIRM,
            post(import_confirm).layer(DefaultBodyLimit::max(CONFIRM_LIMIT)),
        )
}

/// An option of a `<select>`.
#[derive(Debug, Clone)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices<'a>(
    options: impl IntoIterator<Item = (&'a str, &'a str)>,
    selected: &str,
) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, label)| Choice {
            value: value.to_owned(),
            label: label.to_owned(),
            selected: value == selected,
        })
        .collect()
}

/// `?done=…`: which confirmation a page shows after a form it redirected from.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    done: String,
}

fn with_done(path: &str, what: &str) -> String {
    format!("{path}?done={what}")
}

/// A form's fields as sent, repeated names kept (checkbox and radio groups).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

// ---------------------------------------------------------------------------------------
// Items

struct UnitChoice {
    id: i64,
    name: String,
    /// none, lead or support.
    role: &'static str,
}

struct TargetLink {
    href: String,
    text: String,
    commitment: String,
    deadline: String,
    curve: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_item.html")]
struct ItemPage {
    chrome: Chrome,
    action: String,
    public_href: String,
    seq: u32,
    plan_title: String,
    title: String,
    category: String,
    units: Vec<UnitChoice>,
    targets: Vec<TargetLink>,
    saved: bool,
    errors: FieldErrors,
}

/// What the item form needs besides what was typed: the item's place and its targets.
/// The item form as typed; `units` none to show the item's stored units.
struct ItemTyped {
    title: String,
    category: String,
    units: Option<(Vec<UnitId>, Vec<UnitId>)>,
}

async fn item_page_for(
    state: &AppState,
    viewer: &Viewer,
    id: ItemId,
    typed: ItemTyped,
    saved: bool,
    errors: FieldErrors,
) -> Result<ItemPage, PageError> {
    let ItemTyped {
        title,
        category,
        units: chosen,
    } = typed;
    let plan = state.store.item_plan(id).await?;
    let detail = state.store.plan(plan).await?;
    let entry = detail
        .items
        .iter()
        .find(|e| e.item.id == id)
        .ok_or_else(|| PageError::NotFound(format!("item {id}")))?;
    let (lead, support) = chosen.unwrap_or_else(|| {
        (
            entry.item.lead_units.clone(),
            entry.item.support_units.clone(),
        )
    });
    let registry = state.store.units().await?;
    Ok(ItemPage {
        chrome: viewer.chrome(format!("编辑项目 {}", entry.item.seq)),
        action: paths::admin_item(id.get()),
        public_href: paths::item(id.get()),
        seq: entry.item.seq,
        plan_title: detail.plan.title().to_owned(),
        title,
        category,
        units: unit_choices(&registry, &lead, &support),
        targets: entry
            .targets
            .iter()
            .map(|t| TargetLink {
                href: paths::admin_target(t.id.get()),
                text: t.text.clone(),
                commitment: commitment(&t.measure),
                deadline: t.schedule.deadline().to_string(),
                curve: match t.schedule.curve() {
                    Curve::Linear => "均匀推进",
                    Curve::Checkpoints(_) => "按节点",
                },
            })
            .collect(),
        saved,
        errors,
    })
}

/// The registry as rows of a choice (none, lead, support): the item's own units first, in
/// their order, then the rest by name.
fn unit_choices(registry: &[Unit], lead: &[UnitId], support: &[UnitId]) -> Vec<UnitChoice> {
    let by_id: HashMap<UnitId, &Unit> = registry.iter().map(|u| (u.id, u)).collect();
    let mut rows: Vec<UnitChoice> = lead
        .iter()
        .map(|id| (id, "lead"))
        .chain(support.iter().map(|id| (id, "support")))
        .filter_map(|(id, role)| {
            by_id.get(id).map(|u| UnitChoice {
                id: u.id.get(),
                name: u.name.clone(),
                role,
            })
        })
        .collect();
    let mut rest: Vec<&Unit> = registry
        .iter()
        .filter(|u| !lead.contains(&u.id) && !support.contains(&u.id))
        .collect();
    rest.sort_by(|a, b| a.name.cmp(&b.name));
    rows.extend(rest.into_iter().map(|u| UnitChoice {
        id: u.id.get(),
        name: u.name.clone(),
        role: "none",
    }));
    rows
}

/// `GET /admin/items/{id}`.
pub(crate) async fn item_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    viewer.require(Action::EditPlan, &Resource::System, &paths::admin_item(id))?;
    let item_id = ItemId::new(id);
    let plan = state.store.item_plan(item_id).await?;
    let detail = state.store.plan(plan).await?;
    let item = detail
        .items
        .iter()
        .find(|e| e.item.id == item_id)
        .map(|e| e.item.clone())
        .ok_or_else(|| PageError::NotFound(format!("item {id}")))?;
    let page = item_page_for(
        &state,
        &viewer,
        item_id,
        ItemTyped {
            title: item.title,
            category: item.category.unwrap_or_default(),
            units: None,
        },
        done.done == "saved",
        FieldErrors::default(),
    )
    .await?;
    Ok(page.into_response())
}

/// `POST /admin/items/{id}`: title, category and for each unit `unit-{id}` = lead, support
/// or none.
pub(crate) async fn item_save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = Fields(fields);
    viewer.check_csrf(fields.get("csrf"))?;
    let user = viewer.require(Action::EditPlan, &Resource::System, &paths::admin_item(id))?;
    let item_id = ItemId::new(id);
    let plan = state.store.item_plan(item_id).await?;
    let detail = state.store.plan(plan).await?;
    let before = detail
        .items
        .iter()
        .find(|e| e.item.id == item_id)
        .map(|e| e.item.clone())
        .ok_or_else(|| PageError::NotFound(format!("item {id}")))?;
    let registry = state.store.units().await?;

    let title = fields.get("title").trim().to_owned();
    let category = fields.get("category").trim().to_owned();
    // Units keep their order where they already were (the first lead unit is the one named
    // first), new ones follow in the registry's order.
    let mut chosen: BTreeMap<(usize, usize), (UnitId, &str)> = BTreeMap::new();
    for (key, value) in &fields.0 {
        let Some(unit) = key
            .strip_prefix("unit-")
            .and_then(|n| n.parse::<i64>().ok())
        else {
            continue;
        };
        let unit = UnitId::new(unit);
        if !registry.iter().any(|u| u.id == unit) {
            return Err(PageError::BadRequest("所选单位不在单位名录中。".to_owned()));
        }
        let role = match value.as_str() {
            "lead" => "lead",
            "support" => "support",
            _ => continue,
        };
        let was = before
            .lead_units
            .iter()
            .chain(&before.support_units)
            .position(|u| *u == unit);
        let place = registry.iter().position(|u| u.id == unit).unwrap_or(0);
        let order = match was {
            Some(at) => (0, at),
            None => (1, place),
        };
        chosen.insert(order, (unit, role));
    }
    let pick = |role: &str| -> Vec<UnitId> {
        chosen
            .values()
            .filter(|(_, r)| *r == role)
            .map(|(u, _)| *u)
            .collect()
    };
    let (lead, support) = (pick("lead"), pick("support"));

    let mut errors = FieldErrors::default();
    if title.is_empty() {
        errors.add("title", "请填写项目名称。");
    }
    if errors.is_empty() {
        let edit = ItemEdit {
            title: title.clone(),
            category: (!category.is_empty()).then(|| category.clone()),
            lead_units: lead.clone(),
            support_units: support.clone(),
        };
        match state
            .store
            .update_item(Actor::User(user.id), item_id, edit)
            .await
        {
            Ok(_) => {
                return Ok(Redirect::to(&with_done(&paths::admin_item(id), "saved")).into_response())
            }
            Err(StoreError::Invalid(_) | StoreError::Domain(_)) => {
                errors.add("units", "同一单位不能既是牵头单位又是配合单位。");
            }
            Err(other) => return Err(other.into()),
        }
    }
    let page = item_page_for(
        &state,
        &viewer,
        item_id,
        ItemTyped {
            title,
            category,
            units: Some((lead, support)),
        },
        false,
        errors,
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

// ---------------------------------------------------------------------------------------
// Targets

/// The target form as typed (or as stored, on first showing).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TargetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    op: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    curve: String,
    #[serde(default)]
    checkpoints: String,
    #[serde(default)]
    reason: String,
}

const OPS: [(&str, &str); 6] = [
    ("eq", "完成（等于）"),
    ("ge", "不少于"),
    ("le", "不超过"),
    ("inc", "增加"),
    ("dec", "减少"),
    ("milestone", "节点目标（按完成百分比）"),
];

const CURVES: [(&str, &str); 2] = [
    ("linear", "均匀推进（1月1日至完成时限）"),
    ("checkpoints", "按节点"),
];

#[derive(Template, WebTemplate)]
#[template(path = "admin_target.html")]
struct TargetPage {
    chrome: Chrome,
    action: String,
    item_href: String,
    admin_item_href: String,
    item_title: String,
    year: i32,
    form: TargetForm,
    ops: Vec<Choice>,
    curves: Vec<Choice>,
    saved: bool,
    errors: FieldErrors,
}

async fn target_page_for(
    state: &AppState,
    viewer: &Viewer,
    id: TargetId,
    form: TargetForm,
    saved: bool,
    errors: FieldErrors,
) -> Result<TargetPage, PageError> {
    let scope = state.store.target_scope(id).await?;
    let item = scope.target.item;
    let detail = state.store.plan(scope.plan.id()).await?;
    let item_title = detail
        .items
        .iter()
        .find(|e| e.item.id == item)
        .map(|e| format!("{}. {}", e.item.seq, e.item.title))
        .unwrap_or_default();
    Ok(TargetPage {
        chrome: viewer.chrome("编辑目标"),
        action: paths::admin_target(id.get()),
        item_href: paths::item(item.get()),
        admin_item_href: paths::admin_item(item.get()),
        item_title,
        year: scope.plan.year().get(),
        ops: choices(OPS, &form.op),
        curves: choices(CURVES, &form.curve),
        form,
        saved,
        errors,
    })
}

/// `GET /admin/targets/{id}`: the form filled from the stored target.
pub(crate) async fn target_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    viewer.require(
        Action::EditPlan,
        &Resource::System,
        &paths::admin_target(id),
    )?;
    let target = state.store.target(TargetId::new(id)).await?;
    let (value, unit, op) = match &target.measure {
        Measure::Quantity(q) => (
            number(q.value().get()),
            q.unit().to_owned(),
            op_name(q.op()).to_owned(),
        ),
        Measure::Milestone => (String::new(), String::new(), "milestone".to_owned()),
    };
    let (curve, checkpoints) = match target.schedule.curve() {
        Curve::Linear => ("linear", String::new()),
        Curve::Checkpoints(points) => ("checkpoints", checkpoint_lines(points)),
    };
    let form = TargetForm {
        csrf: String::new(),
        text: target.text.clone(),
        value,
        unit,
        op,
        deadline: target.schedule.deadline().to_string(),
        curve: curve.to_owned(),
        checkpoints,
        reason: String::new(),
    };
    let page = target_page_for(
        &state,
        &viewer,
        target.id,
        form,
        done.done == "saved",
        FieldErrors::default(),
    )
    .await?;
    Ok(page.into_response())
}

/// `POST /admin/targets/{id}`: every field read into the domain's types first; one wrong
/// field and nothing is saved.
pub(crate) async fn target_save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TargetForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer.require(
        Action::EditPlan,
        &Resource::System,
        &paths::admin_target(id),
    )?;
    let target_id = TargetId::new(id);
    let scope = state.store.target_scope(target_id).await?;
    let (edit, reason, errors) = read_target_form(&form, &scope.plan, &scope.target.measure);
    if let (Some(edit), Some(reason), true) = (edit, reason, errors.is_empty()) {
        match state
            .store
            .update_target(Actor::User(user.id), target_id, edit, reason)
            .await
        {
            Ok(_) => {
                return Ok(
                    Redirect::to(&with_done(&paths::admin_target(id), "saved")).into_response()
                )
            }
            Err(StoreError::Domain(e)) => {
                let mut errors = FieldErrors::default();
                errors.add("deadline", schedule_error(&e));
                let page = target_page_for(&state, &viewer, target_id, form, false, errors).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
            Err(other) => return Err(other.into()),
        }
    }
    let page = target_page_for(&state, &viewer, target_id, form, false, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The edit and the reason the form asks for, or the message for each wrong field.
fn read_target_form(
    form: &TargetForm,
    plan: &shishi_core::Plan,
    before: &Measure,
) -> (Option<TargetEdit>, Option<Reason>, FieldErrors) {
    let mut errors = FieldErrors::default();
    let text = form.text.trim().to_owned();
    if text.is_empty() {
        errors.add("text", "请填写目标内容。");
    }

    let measure = match form.op.as_str() {
        "milestone" => Some(Measure::Milestone),
        op_text => {
            let op = match op_text {
                "eq" => Some(Op::Eq),
                "ge" => Some(Op::Ge),
                "le" => Some(Op::Le),
                "inc" => Some(Op::Inc),
                "dec" => Some(Op::Dec),
                _ => {
                    errors.add("op", "请选择目标类型。");
                    None
                }
            };
            let value = match shishi_plan::numbers::parse_number(&form.value) {
                None if form.value.trim().is_empty() => {
                    errors.add("value", "请填写目标值。");
                    None
                }
                None => {
                    errors.add("value", "目标值应为一个数，如 6、1.2万、六千。");
                    None
                }
                Some(v) => match TargetValue::new(v) {
                    Ok(v) => Some(v),
                    Err(_) => {
                        errors.add("value", "目标值不能为负数。");
                        None
                    }
                },
            };
            let unit = form.unit.trim().to_owned();
            if unit.is_empty() {
                errors.add("unit", "请填写计量单位，如 所、万平方米、%。");
            }
            match (op, value) {
                (Some(op), Some(value)) if !unit.is_empty() => {
                    // A baseline belongs to a raise or a cut; it stays while the target
                    // remains one.
                    let baseline = match before {
                        Measure::Quantity(q) if matches!(op, Op::Inc | Op::Dec) => q.baseline(),
                        _ => None,
                    };
                    match Quantity::new(value, unit, op, baseline) {
                        Ok(q) => Some(Measure::Quantity(q)),
                        Err(_) => {
                            errors.add("value", "目标值须大于 0（只有“不超过”类目标可以为 0）。");
                            None
                        }
                    }
                }
                _ => None,
            }
        }
    };

    let deadline = match Date::parse(
        form.deadline.trim(),
        &time::macros::format_description!("[year]-[month]-[day]"),
    ) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add("deadline", "请按 年-月-日 填写完成时限，如 2020-12-31。");
            None
        }
    };

    let year = plan.year().get();
    let curve = match form.curve.as_str() {
        "linear" => Some(Curve::Linear),
        "checkpoints" => match parse_checkpoints(&form.checkpoints, year) {
            Ok(points) => match Checkpoints::new(points) {
                Ok(points) => Some(Curve::Checkpoints(points)),
                Err(e) => {
                    errors.add("checkpoints", schedule_error(&e));
                    None
                }
            },
            Err(message) => {
                errors.add("checkpoints", message);
                None
            }
        },
        _ => {
            errors.add("curve", "请选择进度方式。");
            None
        }
    };

    // The schedule as the domain checks it: the same rules the store applies.
    if let (Some(deadline), Some(curve)) = (deadline, &curve) {
        if let Err(e) = plan.schedule(Some(deadline), curve.clone()) {
            let field = match curve {
                Curve::Checkpoints(_) if schedule_error_is_about_checkpoints(&e) => "checkpoints",
                _ => "deadline",
            };
            errors.add(field, schedule_error(&e));
        }
    }

    let reason = match Reason::parse(&form.reason) {
        Ok(r) => Some(r),
        Err(_) => {
            errors.add(
                "reason",
                "请填写调整原因：它将与调整前后的目标一起公开在项目页面。",
            );
            None
        }
    };

    let edit = match (measure, deadline, curve) {
        (Some(measure), Some(deadline), Some(curve)) if !text.is_empty() => Some(TargetEdit {
            text,
            measure,
            deadline,
            curve,
        }),
        _ => None,
    };
    (edit, reason, errors)
}

/// Checkpoints one per line, "03-31 20%" (the plan's year) or "2020-03-31 20%".
fn parse_checkpoints(text: &str, year: i32) -> Result<Vec<Checkpoint>, String> {
    let mut points = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let wrong = || {
            format!(
                "第 {} 行“{line}”看不懂：每行写一个节点，月-日 加百分比，如 03-31 20%。",
                n + 1
            )
        };
        let mut parts = line.split_whitespace();
        let (Some(day), Some(share), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(wrong());
        };
        let full = if day.matches('-').count() == 1 {
            format!("{year}-{day}")
        } else {
            day.to_owned()
        };
        let date = Date::parse(
            &full,
            &time::macros::format_description!("[year]-[month padding:none]-[day padding:none]"),
        )
        .map_err(|_| wrong())?;
        let percent: f64 = share
            .trim_end_matches(['%', '％'])
            .parse()
            .map_err(|_| wrong())?;
        let share = Share::new(percent / 100.0)
            .map_err(|_| format!("第 {} 行：百分比应在 0% 到 100% 之间。", n + 1))?;
        points.push(Checkpoint { date, share });
    }
    Ok(points)
}

fn checkpoint_lines(points: &Checkpoints) -> String {
    points
        .points()
        .iter()
        .map(|p| {
            format!(
                "{:02}-{:02} {}%",
                u8::from(p.date.month()),
                p.date.day(),
                number(p.share.get() * 100.0)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn schedule_error_is_about_checkpoints(error: &shishi_core::Error) -> bool {
    matches!(error, shishi_core::Error::InvalidSchedule(why) if why.contains("checkpoint"))
}

/// The domain's reasons for refusing a schedule, in the words of the form.
fn schedule_error(error: &shishi_core::Error) -> String {
    match error {
        shishi_core::Error::InvalidSchedule(why) => match *why {
            "a checkpoint curve needs at least one checkpoint" => {
                "按节点推进须至少填写一个节点。".to_owned()
            }
            "the last checkpoint must be 100%" => "最后一个节点须为 100%。".to_owned(),
            "checkpoint dates must be strictly increasing" => "节点日期须一个比一个晚。".to_owned(),
            "checkpoint shares must not fall" => "后一个节点的百分比不能低于前一个。".to_owned(),
            "the deadline must come after the start" => {
                "完成时限须晚于计划年度的 1 月 1 日。".to_owned()
            }
            "checkpoints must fall after the start" => {
                "节点日期须晚于计划年度的 1 月 1 日。".to_owned()
            }
            "the last checkpoint must not fall after the deadline" => {
                "最后一个节点不能晚于完成时限。".to_owned()
            }
            _ => "进度安排不成立，请检查完成时限和节点。".to_owned(),
        },
        _ => "进度安排不成立，请检查完成时限和节点。".to_owned(),
    }
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Eq => "eq",
        Op::Ge => "ge",
        Op::Le => "le",
        Op::Inc => "inc",
        Op::Dec => "dec",
    }
}

// ---------------------------------------------------------------------------------------
// Units

struct UnitRow {
    id: i64,
    name: String,
    aliases: String,
    aliases_lines: String,
    aliases_action: String,
    led: String,
    led_count: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_units.html")]
struct UnitsPage {
    chrome: Chrome,
    done: Option<&'static str>,
    units: Vec<UnitRow>,
    keep: Vec<Choice>,
    merged: Vec<Choice>,
    merge_error: Option<String>,
}

async fn units_page_for(
    state: &AppState,
    viewer: &Viewer,
    done: Option<&'static str>,
    merge: Option<(&str, &str, String)>,
) -> Result<UnitsPage, PageError> {
    let mut registry = state.store.units().await?;
    registry.sort_by(|a, b| a.name.cmp(&b.name));
    // The items each unit leads, plan by plan.
    let mut led: HashMap<UnitId, Vec<String>> = HashMap::new();
    let mut counts: HashMap<UnitId, usize> = HashMap::new();
    for plan in state.store.plans().await? {
        let detail = state.store.plan(plan.id()).await?;
        let mut seqs: BTreeMap<UnitId, Vec<String>> = BTreeMap::new();
        for entry in &detail.items {
            for unit in &entry.item.lead_units {
                seqs.entry(*unit)
                    .or_default()
                    .push(entry.item.seq.to_string());
                *counts.entry(*unit).or_default() += 1;
            }
        }
        for (unit, list) in seqs {
            led.entry(unit).or_default().push(format!(
                "{}年第 {} 项",
                plan.year().get(),
                list.join("、")
            ));
        }
    }
    let (keep, merged, merge_error) = match merge {
        Some((keep, merged, error)) => (keep.to_owned(), merged.to_owned(), Some(error)),
        None => (String::new(), String::new(), None),
    };
    let options = |selected: &str| -> Vec<Choice> {
        std::iter::once(Choice {
            value: String::new(),
            label: "请选择".to_owned(),
            selected: selected.is_empty(),
        })
        .chain(registry.iter().map(|u| Choice {
            value: u.id.get().to_string(),
            label: u.name.clone(),
            selected: u.id.get().to_string() == selected,
        }))
        .collect()
    };
    Ok(UnitsPage {
        chrome: viewer.chrome("单位名录"),
        done,
        keep: options(&keep),
        merged: options(&merged),
        merge_error,
        units: registry
            .iter()
            .map(|u| UnitRow {
                id: u.id.get(),
                name: u.name.clone(),
                aliases: u.aliases.join("、"),
                aliases_lines: u.aliases.join("\n"),
                aliases_action: paths::admin_unit_aliases(u.id.get()),
                led: led.get(&u.id).map(|l| l.join("；")).unwrap_or_default(),
                led_count: counts.get(&u.id).copied().unwrap_or(0),
            })
            .collect(),
    })
}

/// `GET /admin/units`.
pub(crate) async fn units_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    viewer.require(Action::EditPlan, &Resource::System, paths::ADMIN_UNITS)?;
    let done = match done.done.as_str() {
        "aliases" => Some("别名已保存。"),
        "merged" => Some("已合并：被合并单位的项目和用户已归入保留的单位，其名称已记为别名。"),
        _ => None,
    };
    Ok(units_page_for(&state, &viewer, done, None)
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct AliasesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    aliases: String,
}

/// `POST /admin/units/{id}/aliases`: one alias a line; the list replaces the old one.
pub(crate) async fn unit_aliases(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<AliasesForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer.require(Action::EditPlan, &Resource::System, paths::ADMIN_UNITS)?;
    let mut aliases: Vec<String> = Vec::new();
    for line in form
        .aliases
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if !aliases.iter().any(|a| a == line) {
            aliases.push(line.to_owned());
        }
    }
    state
        .store
        .set_unit_aliases(Actor::User(user.id), UnitId::new(id), aliases)
        .await?;
    Ok(Redirect::to(&with_done(paths::ADMIN_UNITS, "aliases")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct MergeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    keep: String,
    #[serde(default)]
    merged: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /admin/units/merge`: only with the box ticked that says it cannot be undone.
pub(crate) async fn units_merge(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<MergeForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer.require(Action::EditPlan, &Resource::System, paths::ADMIN_UNITS)?;
    let keep = form.keep.trim().parse::<i64>().ok();
    let merged = form.merged.trim().parse::<i64>().ok();
    let problem = match (keep, merged) {
        (None, _) | (_, None) => Some("请选择保留的单位和被合并的单位。"),
        (Some(a), Some(b)) if a == b => Some("保留的单位和被合并的单位不能是同一个。"),
        _ if form.confirm != "yes" => Some("请勾选确认：合并后不能撤销。"),
        _ => None,
    };
    if let (None, Some(keep), Some(merged)) = (problem, keep, merged) {
        state
            .store
            .merge_units(Actor::User(user.id), UnitId::new(keep), UnitId::new(merged))
            .await?;
        return Ok(Redirect::to(&with_done(paths::ADMIN_UNITS, "merged")).into_response());
    }
    let message = problem.unwrap_or_default().to_owned();
    let page = units_page_for(
        &state,
        &viewer,
        None,
        Some((&form.keep, &form.merged, message)),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

// ---------------------------------------------------------------------------------------
// Users

const ROLES: [(&str, &str); 5] = [
    ("admin", "督查管理员"),
    ("leader", "区领导"),
    ("deputy", "人大代表"),
    ("unit_head", "单位负责人"),
    ("reporter", "填报员"),
];

fn role_value(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Leader => "leader",
        Role::Deputy => "deputy",
        Role::UnitHead => "unit_head",
        Role::Reporter => "reporter",
    }
}

fn parse_role(text: &str) -> Option<Role> {
    Some(match text {
        "admin" => Role::Admin,
        "leader" => Role::Leader,
        "deputy" => Role::Deputy,
        "unit_head" => Role::UnitHead,
        "reporter" => Role::Reporter,
        _ => return None,
    })
}

struct UserRow {
    id: i64,
    action: String,
    login: String,
    name: String,
    role_label: &'static str,
    unit_name: String,
    /// Where reminders go by e-mail; empty when none is set.
    email: String,
    locked: Option<String>,
    failures: u32,
    roles: Vec<Choice>,
    units: Vec<Choice>,
    error: Option<String>,
    is_self: bool,
}

/// The add-user form as typed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
struct UsersPage {
    chrome: Chrome,
    done: Option<&'static str>,
    users: Vec<UserRow>,
    form: NewUserForm,
    roles: Vec<Choice>,
    units: Vec<Choice>,
    errors: FieldErrors,
    min_password: usize,
}

fn unit_options(registry: &[Unit], selected: &str) -> Vec<Choice> {
    std::iter::once(Choice {
        value: String::new(),
        label: "无（不属于任何单位）".to_owned(),
        selected: selected.is_empty(),
    })
    .chain(registry.iter().map(|u| Choice {
        value: u.id.get().to_string(),
        label: u.name.clone(),
        selected: u.id.get().to_string() == selected,
    }))
    .collect()
}

async fn users_page_for(
    state: &AppState,
    viewer: &Viewer,
    me: &User,
    done: Option<&'static str>,
    form: NewUserForm,
    errors: FieldErrors,
    row_error: Option<(i64, String)>,
) -> Result<UsersPage, PageError> {
    let mut registry = state.store.units().await?;
    registry.sort_by(|a, b| a.name.cmp(&b.name));
    let names: HashMap<UnitId, &str> = registry.iter().map(|u| (u.id, u.name.as_str())).collect();
    let mut emails: HashMap<UserId, String> =
        state.store.user_emails().await?.into_iter().collect();
    let now = OffsetDateTime::now_utc();
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|account| {
            let user = &account.user;
            let unit_value = user.unit.map(|u| u.get().to_string()).unwrap_or_default();
            UserRow {
                id: user.id.get(),
                action: paths::admin_user(user.id.get()),
                login: user.login.to_string(),
                name: user.name.clone(),
                role_label: user.role.label_zh(),
                unit_name: user
                    .unit
                    .and_then(|u| names.get(&u).copied())
                    .unwrap_or("")
                    .to_owned(),
                email: emails.remove(&user.id).unwrap_or_default(),
                locked: account
                    .locked_until
                    .filter(|until| *until > now)
                    .map(beijing_time),
                failures: account.failed_logins,
                roles: choices(ROLES, role_value(user.role)),
                units: unit_options(&registry, &unit_value),
                error: row_error
                    .as_ref()
                    .filter(|(id, _)| *id == user.id.get())
                    .map(|(_, m)| m.clone()),
                is_self: user.id == me.id,
            }
        })
        .collect();
    Ok(UsersPage {
        chrome: viewer.chrome("用户管理"),
        done,
        users,
        roles: choices(
            ROLES,
            if form.role.is_empty() {
                "reporter"
            } else {
                &form.role
            },
        ),
        units: unit_options(&registry, &form.unit),
        form: NewUserForm {
            password: String::new(),
            ..form
        },
        errors,
        min_password: MIN_PASSWORD_CHARS,
    })
}

fn beijing_time(at: OffsetDateTime) -> String {
    let beijing = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    let local = at.to_offset(beijing);
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    )
}

/// `GET /admin/users`.
pub(crate) async fn users_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let me = viewer.require(Action::ManageUsers, &Resource::System, paths::ADMIN_USERS)?;
    let done = match done.done.as_str() {
        "added" => Some("用户已添加。请将用户名和初始密码告知本人，并提醒其登录后妥善保管。"),
        "saved" => Some("用户信息已保存。"),
        "unlocked" => Some("账号已解锁。"),
        "reset" => Some("密码已重设，该用户已登录的会话均已退出。"),
        _ => None,
    };
    let page = users_page_for(
        &state,
        &viewer,
        me,
        done,
        NewUserForm::default(),
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(page.into_response())
}

/// The unit a form chose, checked against the registry, and whether the role needs one.
fn read_unit(
    text: &str,
    role: Option<Role>,
    registry: &[Unit],
) -> Result<Option<UnitId>, &'static str> {
    let unit = match text.trim() {
        "" => None,
        id => {
            let id = id.parse::<i64>().map_err(|_| "请从名录中选择单位。")?;
            let unit = UnitId::new(id);
            if !registry.iter().any(|u| u.id == unit) {
                return Err("请从名录中选择单位。");
            }
            Some(unit)
        }
    };
    if unit.is_none() && matches!(role, Some(Role::Reporter | Role::UnitHead)) {
        return Err("填报员和单位负责人须选择所属单位。");
    }
    Ok(unit)
}

fn read_password(text: &str) -> Result<Password, String> {
    if text.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("密码至少 {MIN_PASSWORD_CHARS} 个字符。"));
    }
    Password::new(text.to_owned()).map_err(|_| "请填写密码。".to_owned())
}

/// `POST /admin/users`: add a user with an initial password.
pub(crate) async fn user_add(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewUserForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let me = viewer.require(Action::ManageUsers, &Resource::System, paths::ADMIN_USERS)?;
    let registry = state.store.units().await?;
    let mut errors = FieldErrors::default();
    let login = Login::parse(form.login.trim())
        .map_err(|_| {
            errors.add(
                "login",
                "用户名为 3 至 32 个字符，只能用小写字母、数字和 _ . -。",
            )
        })
        .ok();
    let name = form.name.trim().to_owned();
    if name.is_empty() {
        errors.add("name", "请填写姓名。");
    }
    let role = parse_role(&form.role);
    if role.is_none() {
        errors.add("role", "请选择角色。");
    }
    let unit = read_unit(&form.unit, role, &registry)
        .map_err(|m| errors.add("unit", m))
        .ok()
        .flatten();
    let password = read_password(&form.password)
        .map_err(|m| errors.add("password", m))
        .ok();
    if let (Some(login), Some(role), Some(password), true) =
        (login, role, password, errors.is_empty())
    {
        let password_hash = password::hash(password)
            .await
            .map_err(PageError::internal)?;
        let new = NewUser {
            login,
            name,
            role,
            unit,
            password_hash,
        };
        match state.store.add_user(Actor::User(me.id), new).await {
            Ok(_) => {
                return Ok(Redirect::to(&with_done(paths::ADMIN_USERS, "added")).into_response())
            }
            Err(StoreError::Conflict(_)) => errors.add("login", "该用户名已被使用。"),
            Err(other) => return Err(other.into()),
        }
    }
    let page = users_page_for(&state, &viewer, me, None, form, errors, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct UserChangeForm {
    #[serde(default)]
    csrf: String,
    /// edit, unlock or reset.
    #[serde(default)]
    action: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    /// Empty clears the address.
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /admin/users/{id}`: edit name, role, unit and e-mail; unlock; or set a new password.
pub(crate) async fn user_change(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<UserChangeForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let me = viewer.require(Action::ManageUsers, &Resource::System, paths::ADMIN_USERS)?;
    let user_id = UserId::new(id);
    let target = state.store.user(user_id).await?;
    let actor = Actor::User(me.id);
    let refused = match form.action.as_str() {
        "edit" => {
            let registry = state.store.units().await?;
            let role = parse_role(&form.role);
            let name = form.name.trim().to_owned();
            let unit = read_unit(&form.unit, role, &registry);
            let email = form.email.trim().to_owned();
            match (role, unit) {
                _ if name.is_empty() => Some("请填写姓名。".to_owned()),
                // Checked before anything is written, so a bad address changes nothing.
                _ if !email.is_empty() && !shishi_store::valid_email(&email) => Some(
                    "电子邮箱格式不对，应如 zhangsan@example.gov.cn；不用邮件提醒请留空。"
                        .to_owned(),
                ),
                (None, _) => Some("请选择角色。".to_owned()),
                (_, Err(message)) => Some(message.to_owned()),
                // Keeps at least the admin doing this able to manage users.
                (Some(role), _) if target.id == me.id && role != Role::Admin => {
                    Some("不能取消自己的管理员角色，请由另一位管理员办理。".to_owned())
                }
                (Some(role), Ok(unit)) => {
                    state
                        .store
                        .update_user(actor, user_id, UserEdit { name, role, unit })
                        .await?;
                    let before = state
                        .store
                        .user_emails()
                        .await?
                        .into_iter()
                        .find(|(id, _)| *id == user_id)
                        .map(|(_, e)| e)
                        .unwrap_or_default();
                    if before != email {
                        let email = Some(email).filter(|e| !e.is_empty());
                        state.store.set_user_email(actor, user_id, email).await?;
                    }
                    return Ok(
                        Redirect::to(&with_done(paths::ADMIN_USERS, "saved")).into_response()
                    );
                }
            }
        }
        "unlock" => {
            state.store.unlock_user(actor, user_id).await?;
            return Ok(Redirect::to(&with_done(paths::ADMIN_USERS, "unlocked")).into_response());
        }
        "reset" => match read_password(&form.password) {
            Ok(password) => {
                let hash = password::hash(password)
                    .await
                    .map_err(PageError::internal)?;
                state.store.set_password(actor, user_id, hash).await?;
                return Ok(Redirect::to(&with_done(paths::ADMIN_USERS, "reset")).into_response());
            }
            Err(message) => Some(message),
        },
        _ => return Err(PageError::BadRequest("未知的操作。".to_owned())),
    };
    let page = users_page_for(
        &state,
        &viewer,
        me,
        None,
        NewUserForm::default(),
        FieldErrors::default(),
        refused.map(|m| (id, m)),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

// ---------------------------------------------------------------------------------------
// Import

struct MetaRow {
    label: &'static str,
    value: String,
}

struct PreviewTarget {
    text: String,
    figure: String,
}

struct PreviewItem {
    seq: u32,
    category: String,
    title: String,
    lead_units: String,
    support_units: String,
    targets: Vec<PreviewTarget>,
}

struct Preview {
    file_name: String,
    size: String,
    meta: Vec<MetaRow>,
    items: Vec<PreviewItem>,
    warnings: Vec<String>,
    /// A plan already stored that this notice would revise or repeat.
    existing: Option<String>,
    notice_hex: String,
    sm3: String,
}

struct Outcome {
    /// created, unchanged, revised or applied.
    kind: &'static str,
    message: String,
    plan_href: String,
    dashboard_href: String,
    diff: Vec<String>,
    /// For a revision not yet applied: the notice again, to apply it.
    apply_plan: Option<i64>,
    notice_hex: String,
    sm3: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_import.html")]
struct ImportPage {
    chrome: Chrome,
    error: Option<String>,
    preview: Option<Preview>,
    outcome: Option<Outcome>,
    max_mib: usize,
}

impl ImportPage {
    fn new(viewer: &Viewer) -> Self {
        Self {
            chrome: viewer.chrome("导入计划"),
            error: None,
            preview: None,
            outcome: None,
            max_mib: MAX_NOTICE / (1024 * 1024),
        }
    }
}

/// `GET /admin/import`.
pub(crate) async fn import_page(viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Action::ImportPlan, &Resource::System, paths::ADMIN_IMPORT)?;
    Ok(ImportPage::new(&viewer).into_response())
}

/// `POST /admin/import`: reads the uploaded notice and shows the reading; nothing is saved.
pub(crate) async fn import_preview(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (csrf, file) = read_upload(multipart).await;
    viewer.check_csrf(&csrf)?;
    viewer.require(Action::ImportPlan, &Resource::System, paths::ADMIN_IMPORT)?;
    let mut page = ImportPage::new(&viewer);
    let (name, bytes) = match file {
        Ok(Some(file)) => file,
        Ok(None) => {
            page.error = Some("请选择要导入的通知文件。".to_owned());
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(message) => {
            page.error = Some(message);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let plan = match parse_notice(bytes.clone()).await? {
        Ok(plan) => plan,
        Err(message) => {
            page.error = Some(message);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let existing = state.store.plans().await?.into_iter().find(|p| {
        match (p.doc_number(), plan.meta.doc_number.as_deref()) {
            (Some(a), Some(b)) => a == b,
            _ => {
                Some(p.title()) == plan.meta.title.as_deref()
                    && Some(p.year().get()) == plan.meta.year
            }
        }
    });
    page.preview = Some(preview(&name, &bytes, &plan, existing.as_ref()));
    Ok(page.into_response())
}

/// The form's token and the file, or why the file could not be received.
async fn read_upload(
    mut multipart: Multipart,
) -> (String, Result<Option<(String, Vec<u8>)>, String>) {
    let mut csrf = String::new();
    let mut file = Ok(None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                file = Err(upload_error(e.status()));
                break;
            }
        };
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_owned();
                match field.bytes().await {
                    // A file input left empty still sends a part, with no name and no bytes.
                    Ok(bytes) if bytes.is_empty() && name.is_empty() => {}
                    Ok(bytes) => file = Ok(Some((name, bytes.to_vec()))),
                    Err(e) => {
                        file = Err(upload_error(e.status()));
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    (csrf, file)
}

fn upload_error(status: StatusCode) -> String {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "文件超过 {} MiB 的上限。通知一般只有几十 KB，请检查是否选错了文件。",
            MAX_NOTICE / (1024 * 1024)
        )
    } else {
        "文件没有完整上传，请重试。".to_owned()
    }
}

/// Reads a notice off the executor (a large Word file takes a while); the reader's refusal
/// as a sentence in Chinese.
async fn parse_notice(bytes: Vec<u8>) -> Result<Result<shishi_plan::Plan, String>, PageError> {
    let parsed = tokio::task::spawn_blocking(move || shishi_plan::parse(&bytes))
        .await
        .map_err(PageError::internal)?;
    Ok(parsed.map_err(|e| parse_error(&e)))
}

fn parse_error(error: &shishi_plan::ParseError) -> String {
    use shishi_plan::{DecodeError, ParseError, ReadError};
    let why = match error {
        ParseError::Decode(DecodeError::Empty) => "文件是空的。".to_owned(),
        ParseError::Decode(DecodeError::TooLarge { .. }) => format!(
            "文件超过 {} MiB 的上限。",
            MAX_NOTICE / (1024 * 1024)
        ),
        ParseError::Decode(DecodeError::Binary) => {
            "这不是文本、网页或 Word（.docx）格式的文件，无法读取。".to_owned()
        }
        ParseError::Decode(DecodeError::Docx(_)) => "Word 文件已损坏或无法打开。".to_owned(),
        ParseError::Read(ReadError::NoItems) => "没有在文件中找到实事项目的编号列表（如“1.”“一、”“（一）”或带“序号”的表格），这可能不是一份实事项目通知。".to_owned(),
    };
    format!("无法读取这份通知：{why}没有保存任何内容。")
}

fn sm3_hex(bytes: &[u8]) -> String {
    hex::encode(Sm3::digest(bytes))
}

fn preview(
    name: &str,
    bytes: &[u8],
    plan: &shishi_plan::Plan,
    existing: Option<&shishi_core::Plan>,
) -> Preview {
    let meta = &plan.meta;
    let missing = || "（未读到）".to_owned();
    let rows = vec![
        MetaRow {
            label: "标题",
            value: meta.title.clone().unwrap_or_else(missing),
        },
        MetaRow {
            label: "文号",
            value: meta.doc_number.clone().unwrap_or_else(missing),
        },
        MetaRow {
            label: "发文机关",
            value: meta.issuer.clone().unwrap_or_else(missing),
        },
        MetaRow {
            label: "成文日期",
            value: meta.date.clone().unwrap_or_else(missing),
        },
        MetaRow {
            label: "年度",
            value: meta.year.map(|y| y.to_string()).unwrap_or_else(missing),
        },
        MetaRow {
            label: "项目数",
            value: format!("{} 项", plan.items.len()),
        },
    ];
    Preview {
        file_name: if name.is_empty() {
            "（未命名）".to_owned()
        } else {
            name.to_owned()
        },
        size: format!("{} KB", bytes.len().div_ceil(1024)),
        meta: rows,
        items: plan
            .items
            .iter()
            .map(|item| PreviewItem {
                seq: item.seq,
                category: item.category.clone().unwrap_or_default(),
                title: item.title.clone(),
                lead_units: item.lead_units.join("、"),
                support_units: item.support_units.join("、"),
                targets: item
                    .targets
                    .iter()
                    .map(|t| PreviewTarget {
                        text: t.text.clone(),
                        figure: figure_words(t.op, t.value, &t.unit),
                    })
                    .collect(),
            })
            .collect(),
        warnings: plan.warnings.iter().map(|w| w.message.clone()).collect(),
        existing: existing.map(|p| {
            format!(
                "已有同一份计划“{}”（{}年）：确认后若内容相同将不作改动，若有修订将先列出差异，待您再次确认。",
                p.title(),
                p.year().get()
            )
        }),
        notice_hex: hex::encode(bytes),
        sm3: sm3_hex(bytes),
    }
}

fn figure_words(op: Op, value: f64, unit: &str) -> String {
    let word = match op {
        Op::Eq => "",
        Op::Ge => "不少于 ",
        Op::Le => "不超过 ",
        Op::Inc => "增加 ",
        Op::Dec => "减少 ",
    };
    format!("{word}{} {unit}", number(value))
}

#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    sm3: String,
    /// Set on the second confirmation: apply the revision to this plan.
    #[serde(default)]
    apply: String,
}

/// `POST /admin/import/confirm`: reads the notice again and stores it; a revision of a
/// stored plan is shown as its diff, and applied only on a second confirmation.
pub(crate) async fn import_confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer.require(Action::ImportPlan, &Resource::System, paths::ADMIN_IMPORT)?;
    let bytes = hex::decode(form.notice.trim())
        .ok()
        .filter(|b| !b.is_empty() && sm3_hex(b) == form.sm3.trim())
        .ok_or_else(|| {
            PageError::BadRequest(
                "确认时收到的文件与预览时不一致（可能没有传完整），没有保存任何内容。请重新上传。"
                    .to_owned(),
            )
        })?;
    let mut page = ImportPage::new(&viewer);
    let plan = match parse_notice(bytes.clone()).await? {
        Ok(plan) => plan,
        Err(message) => {
            page.error = Some(message);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let items = plan.items.len();
    let actor = Actor::User(user.id);
    let sm3 = sm3_hex(&bytes);
    let outcome = |kind, message: String, plan: PlanId, diff: Vec<String>, apply| Outcome {
        kind,
        message,
        plan_href: paths::plan(plan.get()),
        dashboard_href: format!("{}?plan={}", paths::DASHBOARD, plan.get()),
        diff,
        apply_plan: apply,
        notice_hex: if apply.is_some() {
            hex::encode(&bytes)
        } else {
            String::new()
        },
        sm3: sm3.clone(),
    };
    let result = if let Ok(plan_id) = form.apply.trim().parse::<i64>() {
        let plan_id = PlanId::new(plan_id);
        match state.store.apply_plan_revision(actor, plan_id, plan).await {
            Ok(diff) => Ok(outcome(
                "applied",
                "已按修订后的通知更新计划。已有的报送仍归属原目标。".to_owned(),
                plan_id,
                diff_lines(&diff),
                None,
            )),
            Err(e) => Err(e),
        }
    } else {
        match state.store.import_plan(actor, plan).await {
            Ok(ImportOutcome::Created(id)) => Ok(outcome(
                "created",
                format!("已导入，共 {items} 项。"),
                id,
                Vec::new(),
                None,
            )),
            Ok(ImportOutcome::Unchanged(id)) => Ok(outcome(
                "unchanged",
                "这份通知与已导入的计划相同，未作任何改动。".to_owned(),
                id,
                Vec::new(),
                None,
            )),
            Ok(ImportOutcome::Revised { plan: id, diff }) => Ok(outcome(
                "revised",
                "这是已导入计划的修订版。以下是差异，尚未保存；确认无误后请点“应用修订”。"
                    .to_owned(),
                id,
                diff_lines(&diff),
                Some(id.get()),
            )),
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(outcome) => {
            page.outcome = Some(outcome);
            Ok(page.into_response())
        }
        Err(StoreError::Conflict(_)) => {
            page.error = Some(
                "无法应用修订：修订会删除已有报送的目标。请先处理这些目标的报送，或在编辑页面中调整目标。没有保存任何内容。"
                    .to_owned(),
            );
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(StoreError::Invalid(_) | StoreError::Domain(_)) => {
            page.error = Some(
                "这份通知读到的内容不足以建立计划（例如没有读到年度或标题），没有保存任何内容。"
                    .to_owned(),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// A plan's diff as sentences, item by item.
fn diff_lines(diff: &PlanDiff) -> Vec<String> {
    let mut lines = Vec::new();
    let seqs = |list: &[u32]| {
        list.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join("、")
    };
    if !diff.items_added.is_empty() {
        lines.push(format!("新增项目：第 {} 项", seqs(&diff.items_added)));
    }
    if !diff.items_removed.is_empty() {
        lines.push(format!("删除项目：第 {} 项", seqs(&diff.items_removed)));
    }
    for change in &diff.items_changed {
        lines.extend(item_change_lines(change));
    }
    if lines.is_empty() {
        lines.push("没有差异。".to_owned());
    }
    lines
}

fn item_change_lines(change: &ItemChange) -> Vec<String> {
    let mut lines = Vec::new();
    if !change.fields.is_empty() {
        let fields: Vec<&str> = change
            .fields
            .iter()
            .map(|f| match f {
                ItemField::Title => "名称",
                ItemField::Category => "类别",
                ItemField::Text => "正文",
                ItemField::LeadUnits => "牵头单位",
                ItemField::SupportUnits => "配合单位",
            })
            .collect();
        lines.push(format!("第 {} 项：{}有改动", change.seq, fields.join("、")));
    }
    let spec = |t: &TargetSpec| format!("{}（{}）", t.text, commitment(&t.measure));
    for target in &change.targets {
        lines.push(match target {
            TargetChange::Added { target, .. } => {
                format!("第 {} 项：新增目标 {}", change.seq, spec(target))
            }
            TargetChange::Removed { target, .. } => {
                format!("第 {} 项：删除目标 {}", change.seq, spec(target))
            }
            TargetChange::Changed { before, after, .. } => format!(
                "第 {} 项：目标 {} 改为 {}",
                change.seq,
                spec(before),
                spec(after)
            ),
        });
    }
    lines
}
