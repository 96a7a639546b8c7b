//! Satisfaction surveys (满意度测评) as JSON: a plan's surveys, and a survey's results per
//! item and per lead unit, each group apart: what the results page shows. Results are
//! public once the survey is closed; while it runs only the supervisor's token reads them.
//! Ratings are given on the pages only: the public's form carries a challenge and a browser
//! id that an API client has no use for, and a deputy rates signed in.

use super::path_id;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use shishi_core::{
    can, Action, ByGroup, PlanId, RatingTally, Resource, Survey, SurveyId, SurveyState,
};
use utoipa::ToSchema;

/// How a share is computed, as the results page states it.
const RULE: &str =
    "满意率 =（满意 + 基本满意）÷ 有效评价。项目的评价计入其每个牵头单位，同一群体内按条合并。\
    群众和人大代表分开统计；综合满意率为有评价的群体满意率的平均数，各群体权重相同。";

/// A survey.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyView {
    pub id: i64,
    pub plan: i64,
    pub name: String,
    /// `anyone` (one rating per item per browser) or `invited` (per invitation code).
    pub audience: String,
    /// `open` or `closed`.
    pub state: String,
    /// `YYYY-MM-DD`.
    pub opened_on: String,
    /// `YYYY-MM-DD`: the last day ratings are taken, if set.
    pub closes_on: Option<String>,
    /// `YYYY-MM-DD`: the day it was closed and its results became final.
    pub closed_on: Option<String>,
}

impl SurveyView {
    fn new(survey: &Survey) -> Self {
        Self {
            id: survey.id().get(),
            plan: survey.plan().get(),
            name: survey.name().as_str().to_owned(),
            audience: survey.audience().as_str().to_owned(),
            state: survey.state().name().to_owned(),
            opened_on: survey.opened_on().to_string(),
            closes_on: survey.closes_on().map(|d| d.to_string()),
            closed_on: match survey.state() {
                SurveyState::Closed { on } => Some(on.to_string()),
                SurveyState::Open => None,
            },
        }
    }
}

/// One group's ratings.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    /// 满意
    pub satisfied: u64,
    /// 基本满意
    pub basic: u64,
    /// 不满意
    pub dissatisfied: u64,
    /// 有效评价: all three.
    pub total: u64,
    /// 满意率 from 0 to 1: (satisfied + basic) ÷ total; none without ratings.
    pub share: Option<f64>,
}

impl GroupView {
    fn new(t: &RatingTally) -> Self {
        Self {
            satisfied: t.satisfied,
            basic: t.basic,
            dissatisfied: t.dissatisfied,
            total: t.total(),
            share: t.share().map(|s| s.get()),
        }
    }
}

/// The two groups' ratings and their combination.
#[derive(Debug, Serialize, ToSchema)]
pub struct ByGroupView {
    /// 群众
    pub public: GroupView,
    /// 人大代表
    pub deputies: GroupView,
    /// The mean of the groups' shares over the groups with ratings; none when neither rated.
    pub combined: Option<f64>,
}

impl ByGroupView {
    fn new(g: &ByGroup) -> Self {
        Self {
            public: GroupView::new(&g.public),
            deputies: GroupView::new(&g.deputies),
            combined: g.share().map(|s| s.get()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResultView {
    pub item: i64,
    pub seq: u32,
    pub title: String,
    pub lead_units: Vec<i64>,
    pub ratings: ByGroupView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitResultView {
    pub unit: i64,
    pub name: String,
    /// The items it leads, whose ratings count for it.
    pub items: Vec<i64>,
    pub ratings: ByGroupView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyResultsView {
    pub survey: SurveyView,
    /// The rule the shares follow, in Chinese.
    pub rule: String,
    /// Every item of the plan, in its order.
    pub items: Vec<ItemResultView>,
    /// Every lead unit, by name.
    pub units: Vec<UnitResultView>,
}

/// A plan's surveys, newest first.
#[utoipa::path(
    get, path = "/api/v1/plans/{id}/surveys", tag = "surveys",
    params(("id" = i64, Path, description = "The plan's id")),
    responses(
        (status = 200, body = [SurveyView]),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Vec<SurveyView>>, ApiError> {
    let plan = PlanId::new(path_id(id, "plan")?);
    // An unknown plan is a 404, not an empty list.
    state.store.plan_snapshot(plan).await?;
    let surveys = state.store.surveys(plan).await?;
    Ok(Json(
        surveys.iter().map(|s| SurveyView::new(&s.survey)).collect(),
    ))
}

/// A survey's results per item and per lead unit, by group. Public once the survey is
/// closed; while it is open, for the supervisor's token only (409 for anyone else).
#[utoipa::path(
    get, path = "/api/v1/surveys/{id}/results", tag = "surveys",
    params(("id" = i64, Path, description = "The survey's id")),
    responses(
        (status = 200, body = SurveyResultsView),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The survey is still open", body = ErrorBody),
    ),
    security((), ("token" = []))
)]
pub async fn results(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<SurveyResultsView>, ApiError> {
    let id = SurveyId::new(path_id(id, "survey")?);
    let survey = state.store.survey(id).await?;
    if !survey.is_closed() && !can(caller.user(), Action::RunSurvey, &Resource::System) {
        return Err(ApiError::Conflict(
            "the survey is still open: its results are published once it is closed".to_owned(),
        ));
    }
    let results = state.store.survey_results(id).await?;
    Ok(Json(SurveyResultsView {
        survey: SurveyView::new(&results.survey),
        rule: RULE.to_owned(),
        items: results
            .items
            .iter()
            .map(|i| ItemResultView {
                item: i.item.get(),
                seq: i.seq,
                title: i.title.clone(),
                lead_units: i.lead_units.iter().map(|u| u.get()).collect(),
                ratings: ByGroupView::new(&i.tally),
            })
            .collect(),
        units: results
            .units
            .iter()
            .map(|u| UnitResultView {
                unit: u.unit.get(),
                name: u.name.clone(),
                items: u.items.iter().map(|i| i.get()).collect(),
                ratings: ByGroupView::new(&u.tally),
            })
            .collect(),
    }))
}
