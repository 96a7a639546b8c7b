//! Satisfaction surveys (满意度测评): the survey rows, the hashes of its invitation codes, and
//! one row per item rated. Opening, generating codes and closing are audit events; single
//! ratings are not (see [`Store::rate`]). The rule of one rating per item per browser, code or
//! deputy is checked here and held by unique keys in the database as well.

use crate::audit::{self, now_rfc3339, sm3_hex, Actor, Change};
use crate::error::{Result, StoreError};
use crate::plans::{format_date, parse_date};
use crate::sql::{args, Tx};
use crate::Store;
use serde::Serialize;
use shishi_core::{
    Audience, Group, InvitationCode, ItemId, Level, NewSurvey, PlanId, Rater, Rating, RatingCount,
    StoredSurvey, Survey, SurveyId, SurveyName, SurveyResults, SurveyState, SurveySummary, UserId,
};
use std::collections::BTreeSet;
use time::Date;

/// The audit log's name for a survey.
const ENTITY: &str = "survey";

/// The most codes one request generates: a sampled panel is hundreds, not more.
pub const MAX_CODES_AT_ONCE: usize = 5000;

#[derive(Debug, sqlx::FromRow)]
struct SurveyRow {
    id: i64,
    plan: i64,
    name: String,
    audience: String,
    opened_on: String,
    closes_on: Option<String>,
    state: String,
    closed_on: Option<String>,
}

const SURVEY_COLUMNS: &str = "id, plan, name, audience, opened_on, closes_on, state, closed_on";

impl SurveyRow {
    fn into_survey(self) -> Result<Survey> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("survey {}: {what}", self.id));
        let state = match (self.state.as_str(), &self.closed_on) {
            ("open", None) => SurveyState::Open,
            ("closed", Some(on)) => SurveyState::Closed {
                on: parse_date(on)?,
            },
            _ => return Err(corrupt("state")),
        };
        let audience = Audience::parse(&self.audience).ok_or_else(|| corrupt("audience"))?;
        let name = SurveyName::parse(&self.name).map_err(|_| corrupt("name"))?;
        Survey::restore(StoredSurvey {
            id: SurveyId::new(self.id),
            plan: PlanId::new(self.plan),
            name,
            audience,
            opened_on: parse_date(&self.opened_on)?,
            closes_on: self.closes_on.as_deref().map(parse_date).transpose()?,
            state,
        })
        .map_err(|e| corrupt(&e.to_string()))
    }
}

/// A remark left with a rating, for the supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveyComment {
    pub item: ItemId,
    pub group: Group,
    pub level: Level,
    pub comment: String,
    /// RFC 3339, UTC.
    pub at: String,
}

/// What became of a submission of ratings. Only `Stored` wrote anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatingOutcome {
    /// Every rating of the submission stored.
    Stored { ratings: usize },
    /// The survey is closed or past its closing day.
    Closed,
    /// This rater may not take part: the public without a code on a survey by invitation,
    /// or with one on an open survey.
    NotAdmitted,
    /// The code is not one of this survey's.
    UnknownCode,
    /// Items of the submission this rater had rated already (您已评价过此项): nothing of
    /// the submission is stored.
    AlreadyRated(Vec<ItemId>),
    /// Items that are not the survey's plan's.
    NotInPlan(Vec<ItemId>),
}

/// The hash a browser's random id is kept as. Salted with the survey, so one browser's
/// ratings in different surveys cannot be joined by the stored hashes.
fn browser_hash(survey: SurveyId, key: &str) -> String {
    sm3_hex([
        b"shishi survey browser\0".as_slice(),
        survey.get().to_string().as_bytes(),
        b"\0",
        key.as_bytes(),
    ])
}

/// The hash an invitation code is kept as.
fn code_hash(survey: SurveyId, code: &InvitationCode) -> String {
    sm3_hex([
        b"shishi survey code\0".as_slice(),
        survey.get().to_string().as_bytes(),
        b"\0",
        code.as_str().as_bytes(),
    ])
}

/// The column that keys `rater`, and its value.
fn rater_key(survey: SurveyId, rater: &Rater) -> (&'static str, RaterValue) {
    match rater {
        Rater::Browser(key) => ("browser_hash", RaterValue::Text(browser_hash(survey, key))),
        Rater::Code(code) => ("code_hash", RaterValue::Text(code_hash(survey, code))),
        Rater::Deputy(user) => ("deputy", RaterValue::User(*user)),
    }
}

enum RaterValue {
    Text(String),
    User(UserId),
}

impl From<&RaterValue> for crate::sql::Arg {
    fn from(v: &RaterValue) -> Self {
        match v {
            RaterValue::Text(t) => crate::sql::Arg::from(t),
            RaterValue::User(u) => crate::sql::Arg::from(u.get()),
        }
    }
}

async fn load(tx: &mut Tx, id: SurveyId) -> Result<Survey> {
    let row: Option<SurveyRow> = tx
        .fetch_optional(
            &format!("select {SURVEY_COLUMNS} from surveys where id = $1"),
            args![id.get()],
        )
        .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("survey {id}")))?
        .into_survey()
}

async fn open(tx: &mut Tx, actor: Actor, new: NewSurvey, today: Date) -> Result<Survey> {
    let plan: Option<(i64,)> = tx
        .fetch_optional("select id from plans where id = $1", args![new.plan.get()])
        .await?;
    if plan.is_none() {
        return Err(StoreError::NotFound(format!("plan {}", new.plan)));
    }
    // Checked before the row is written, so a refused survey takes no id.
    Survey::open(SurveyId::new(0), new.clone(), today)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let opened_by = actor.user().map(|id| id.get());
    let id = tx
        .insert(
            "insert into surveys (plan, name, audience, opened_on, closes_on, state, closed_on, \
             opened_by, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
            args![
                new.plan.get(),
                new.name.as_str(),
                new.audience.as_str(),
                format_date(today)?,
                new.closes_on.map(format_date).transpose()?,
                SurveyState::Open.name(),
                None::<String>,
                opened_by,
                now_rfc3339()?,
            ],
        )
        .await?;
    let survey = Survey::open(SurveyId::new(id), new, today)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    audit::record(tx, actor, Change::new("open", ENTITY, id).after(&survey)?).await?;
    Ok(survey)
}

async fn close(tx: &mut Tx, actor: Actor, id: SurveyId, today: Date) -> Result<Survey> {
    let mut survey = load(tx, id).await?;
    let before = survey.clone();
    survey
        .close(today)
        .map_err(|e| StoreError::Conflict(e.to_string()))?;
    let closed_on = match survey.state() {
        SurveyState::Closed { on } => Some(format_date(on)?),
        SurveyState::Open => None,
    };
    tx.execute(
        "update surveys set state = $1, closed_on = $2 where id = $3",
        args![survey.state().name(), closed_on, id.get()],
    )
    .await?;
    let event = Change::new("close", ENTITY, id)
        .before(&before)?
        .after(&survey)?;
    audit::record(tx, actor, event).await?;
    Ok(survey)
}

async fn code_count(tx: &mut Tx, id: SurveyId) -> Result<u64> {
    let (n,): (i64,) = tx
        .fetch_one(
            "select count(*) from survey_codes where survey = $1",
            args![id.get()],
        )
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

async fn add_codes(
    tx: &mut Tx,
    actor: Actor,
    id: SurveyId,
    codes: Vec<InvitationCode>,
) -> Result<u64> {
    let survey = load(tx, id).await?;
    if survey.is_closed() {
        return Err(StoreError::Conflict(
            "该测评已结束，不能再生成邀请码。".to_owned(),
        ));
    }
    if survey.audience() != Audience::Invited {
        return Err(StoreError::Invalid(
            "该测评面向公众公开参与，不需要邀请码。".to_owned(),
        ));
    }
    if codes.is_empty() || codes.len() > MAX_CODES_AT_ONCE {
        return Err(StoreError::Invalid(format!(
            "每次可生成1至{MAX_CODES_AT_ONCE}个邀请码。"
        )));
    }
    let before = code_count(tx, id).await?;
    let at = now_rfc3339()?;
    for code in &codes {
        // A repeat (one in 2^50) would fail the primary key and the whole batch with it;
        // the caller draws fresh codes and tries again.
        tx.execute(
            "insert into survey_codes (survey, code_hash, created_at) values ($1, $2, $3)",
            args![id.get(), code_hash(id, code), at.as_str()],
        )
        .await?;
    }
    let after = before + codes.len() as u64;
    // The event counts the codes; neither the codes nor their hashes go into the log, which
    // more people read than the codes' holders should be known to.
    let event = Change::new("generate_codes", ENTITY, id)
        .before(&serde_json::json!({ "codes": before }))?
        .after(&serde_json::json!({ "codes": after, "generated": codes.len() }))?;
    audit::record(tx, actor, event).await?;
    Ok(after)
}

async fn rated(tx: &mut Tx, id: SurveyId, rater: &Rater) -> Result<Vec<ItemId>> {
    let (column, value) = rater_key(id, rater);
    let rows: Vec<(i64,)> = tx
        .fetch_all(
            &format!(
                "select item from survey_ratings where survey = $1 and {column} = $2 \
                 order by item"
            ),
            vec![id.get().into(), (&value).into()],
        )
        .await?;
    Ok(rows.into_iter().map(|(i,)| ItemId::new(i)).collect())
}

async fn code_known(tx: &mut Tx, id: SurveyId, code: &InvitationCode) -> Result<bool> {
    let found: Option<(String,)> = tx
        .fetch_optional(
            "select code_hash from survey_codes where survey = $1 and code_hash = $2",
            args![id.get(), code_hash(id, code)],
        )
        .await?;
    Ok(found.is_some())
}

async fn rate(
    tx: &mut Tx,
    id: SurveyId,
    rater: Rater,
    ratings: Vec<Rating>,
    today: Date,
) -> Result<RatingOutcome> {
    let survey = load(tx, id).await?;
    if !survey.accepts_ratings(today) {
        return Ok(RatingOutcome::Closed);
    }
    if !survey.admits(&rater) {
        return Ok(RatingOutcome::NotAdmitted);
    }
    if let Rater::Code(code) = &rater {
        if !code_known(tx, id, code).await? {
            return Ok(RatingOutcome::UnknownCode);
        }
    }
    let of_plan: BTreeSet<i64> = tx
        .fetch_all::<(i64,)>(
            "select id from items where plan = $1",
            args![survey.plan().get()],
        )
        .await?
        .into_iter()
        .map(|(i,)| i)
        .collect();
    let mut seen = BTreeSet::new();
    let mut outside = Vec::new();
    for r in &ratings {
        if !of_plan.contains(&r.item.get()) {
            outside.push(r.item);
        }
        if !seen.insert(r.item) {
            return Err(StoreError::Invalid(
                "同一次提交中同一项目评价了两次，评价没有保存。".to_owned(),
            ));
        }
    }
    if !outside.is_empty() {
        return Ok(RatingOutcome::NotInPlan(outside));
    }
    let already: Vec<ItemId> = rated(tx, id, &rater)
        .await?
        .into_iter()
        .filter(|i| seen.contains(i))
        .collect();
    if !already.is_empty() {
        return Ok(RatingOutcome::AlreadyRated(already));
    }
    let (column, value) = rater_key(id, &rater);
    let group = rater.group();
    let at = now_rfc3339()?;
    let sql = format!(
        "insert into survey_ratings (survey, item, grp, {column}, level, comment, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7)"
    );
    for r in &ratings {
        tx.execute(
            &sql,
            vec![
                id.get().into(),
                r.item.get().into(),
                group.as_str().into(),
                (&value).into(),
                r.level.as_str().into(),
                r.comment.as_ref().map(|c| c.as_str()).into(),
                at.as_str().into(),
            ],
        )
        .await?;
    }
    Ok(RatingOutcome::Stored {
        ratings: ratings.len(),
    })
}

#[derive(Debug, sqlx::FromRow)]
struct CountRow {
    item: i64,
    grp: String,
    level: String,
    n: i64,
}

async fn counts(tx: &mut Tx, id: SurveyId) -> Result<Vec<RatingCount>> {
    let rows: Vec<CountRow> = tx
        .fetch_all(
            "select item, grp, level, count(*) as n from survey_ratings where survey = $1 \
             group by item, grp, level order by item, grp, level",
            args![id.get()],
        )
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(RatingCount {
                item: ItemId::new(row.item),
                group: Group::parse(&row.grp)
                    .ok_or_else(|| StoreError::Corrupt(format!("rating group {:?}", row.grp)))?,
                level: Level::parse(&row.level)
                    .map_err(|_| StoreError::Corrupt(format!("rating level {:?}", row.level)))?,
                count: u64::try_from(row.n).unwrap_or(0),
            })
        })
        .collect()
}

impl Store {
    /// Opens a satisfaction survey of a plan on `today`.
    pub async fn open_survey(&self, actor: Actor, new: NewSurvey, today: Date) -> Result<Survey> {
        self.writer
            .write_aside(move |tx| Box::pin(open(tx, actor, new, today)))
            .await
    }

    /// Closes a survey on `today`: no more ratings, its results final. A closed survey
    /// cannot be closed again (a `Conflict`).
    pub async fn close_survey(&self, actor: Actor, id: SurveyId, today: Date) -> Result<Survey> {
        self.writer
            .write_aside(move |tx| Box::pin(close(tx, actor, id, today)))
            .await
    }

    /// Keeps the hashes of freshly drawn invitation codes for a survey by invitation, which
    /// must still be open: how many codes it has now.
    pub async fn add_survey_codes(
        &self,
        actor: Actor,
        id: SurveyId,
        codes: Vec<InvitationCode>,
    ) -> Result<u64> {
        self.writer
            .write_aside(move |tx| Box::pin(add_codes(tx, actor, id, codes)))
            .await
    }

    /// Stores one submission of ratings on `today`, all of it or nothing.
    ///
    /// No audit event per rating: at year end a district's public gives tens of thousands
    /// of them, each a row of its own that is never changed; an event each would grow the
    /// hash chain many times over for no added proof. The survey's opening, codes and
    /// closing are events, and closing freezes what was rated.
    pub async fn rate(
        &self,
        id: SurveyId,
        rater: Rater,
        ratings: Vec<Rating>,
        today: Date,
    ) -> Result<RatingOutcome> {
        self.writer
            .write_aside(move |tx| Box::pin(rate(tx, id, rater, ratings, today)))
            .await
    }

    pub async fn survey(&self, id: SurveyId) -> Result<Survey> {
        let mut tx = self.backend.read().await?;
        let survey = load(&mut tx, id).await;
        tx.commit().await?;
        survey
    }

    /// A plan's surveys, newest first, with their numbers of ratings and codes.
    pub async fn surveys(&self, plan: PlanId) -> Result<Vec<SurveySummary>> {
        let mut tx = self.backend.read().await?;
        let rows: Vec<SurveyRow> = tx
            .fetch_all(
                &format!("select {SURVEY_COLUMNS} from surveys where plan = $1 order by id desc"),
                args![plan.get()],
            )
            .await?;
        let mut summaries = Vec::with_capacity(rows.len());
        for row in rows {
            let survey = row.into_survey()?;
            let (ratings,): (i64,) = tx
                .fetch_one(
                    "select count(*) from survey_ratings where survey = $1",
                    args![survey.id().get()],
                )
                .await?;
            let codes = code_count(&mut tx, survey.id()).await?;
            summaries.push(SurveySummary {
                survey,
                ratings: u64::try_from(ratings).unwrap_or(0),
                codes,
            });
        }
        tx.commit().await?;
        Ok(summaries)
    }

    /// The items of the survey `rater` has rated already.
    pub async fn rated_items(&self, id: SurveyId, rater: &Rater) -> Result<Vec<ItemId>> {
        let mut tx = self.backend.read().await?;
        let items = rated(&mut tx, id, rater).await;
        tx.commit().await?;
        items
    }

    /// Whether `code` is one of the survey's invitation codes.
    pub async fn survey_code_is_known(&self, id: SurveyId, code: &InvitationCode) -> Result<bool> {
        let mut tx = self.backend.read().await?;
        let known = code_known(&mut tx, id, code).await;
        tx.commit().await?;
        known
    }

    /// A survey's results: per item of its plan and per lead unit, counts per level, by
    /// group. Read at any time; once the survey is closed they no longer change.
    pub async fn survey_results(&self, id: SurveyId) -> Result<SurveyResults> {
        let mut tx = self.backend.read().await?;
        let survey = load(&mut tx, id).await;
        let counts = match &survey {
            Ok(_) => counts(&mut tx, id).await,
            Err(e) => Err(e.clone()),
        };
        tx.commit().await?;
        let (survey, counts) = (survey?, counts?);
        let detail = self.plan(survey.plan()).await?;
        let items: Vec<_> = detail.items.iter().map(|d| d.item.clone()).collect();
        Ok(SurveyResults::tally(survey, &items, &detail.units, &counts))
    }

    /// The remarks left with a survey's ratings, oldest first: for the supervisor only.
    pub async fn survey_comments(&self, id: SurveyId) -> Result<Vec<SurveyComment>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            item: i64,
            grp: String,
            level: String,
            comment: String,
            created_at: String,
        }
        let mut tx = self.backend.read().await?;
        let rows: Vec<Row> = tx
            .fetch_all(
                "select item, grp, level, comment, created_at from survey_ratings \
                 where survey = $1 and comment is not null order by id",
                args![id.get()],
            )
            .await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|r| {
                Ok(SurveyComment {
                    item: ItemId::new(r.item),
                    group: Group::parse(&r.grp)
                        .ok_or_else(|| StoreError::Corrupt(format!("rating group {:?}", r.grp)))?,
                    level: Level::parse(&r.level)
                        .map_err(|_| StoreError::Corrupt(format!("rating level {:?}", r.level)))?,
                    comment: r.comment,
                    at: r.created_at,
                })
            })
            .collect()
    }
}
