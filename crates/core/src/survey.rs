//! The satisfaction survey (群众满意度测评): the supervisor opens one for a plan, the public and
//! the deputies rate each item 满意 / 基本满意 / 不满意, and the results per item and per lead
//! unit, kept apart by group, feed the year-end assessment.
//!
//! The rules, stated once here and on the results page:
//!
//! - **满意率** of a set of ratings = (满意 + 基本满意) ÷ 有效评价 (every rating given; an item
//!   left blank is not a rating). This is how district 测评 usually count: 基本满意 is a pass.
//! - **A unit's ratings** are the ratings of every item it leads (牵头): an item with two lead
//!   units counts for both, as targets do in the assessment. Within a group the unit's
//!   ratings are pooled (each rating weighs the same, so an item many rated weighs more).
//! - **Groups** (群众, 人大代表) are counted apart. A unit's share for the assessment is the
//!   mean of its 满意率 in the groups that rated it, each group weighing the same: a
//!   handful of deputies count as much as hundreds of the public, since they speak for the
//!   people's congress that adopted the list. A group that gave the unit no rating is left
//!   out; a unit no group rated has no share and keeps the assessment's redistribution.

use crate::assessment::Satisfaction;
use crate::ids::{ItemId, PlanId, UnitId, UserId};
use crate::plan::Item;
use crate::schedule::Share;
use crate::unit::Unit;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use time::Date;

/// Why a survey, a rating or a code was refused. Messages are in Chinese: pages show them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SurveyError {
    #[error("请填写测评名称（{max}字以内）。", max = SurveyName::MAX_CHARS)]
    InvalidName,
    #[error("截止日期（{closes_on}）不能早于开始日期（{opened_on}）。")]
    ClosesBeforeOpening { closes_on: Date, opened_on: Date },
    #[error("该测评已结束，结果已固定，不能再改变。")]
    AlreadyClosed,
    #[error("意见不能超过{max}字。", max = Comment::MAX_CHARS)]
    CommentTooLong,
    #[error("请选择“满意”“基本满意”或“不满意”。")]
    InvalidLevel,
    #[error("邀请码格式不对：应为{len}位字母和数字（如 ABCDE-23456）。", len = InvitationCode::LEN)]
    InvalidCode,
    #[error("测评记录与其状态不符。")]
    InvalidStored,
}

/// A survey's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SurveyId(i64);

impl SurveyId {
    pub const fn new(raw: i64) -> Self {
        Self(raw)
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for SurveyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A survey's name (2020年民生实事项目群众满意度测评): not empty, at most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct SurveyName(String);

impl SurveyName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(input: &str) -> Result<Self, SurveyError> {
        let name = input.trim();
        if name.is_empty() || name.chars().count() > Self::MAX_CHARS {
            Err(SurveyError::InvalidName)
        } else {
            Ok(Self(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<SurveyName> for String {
    fn from(n: SurveyName) -> String {
        n.0
    }
}

/// Who of the public may rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Anyone, one rating per item per browser.
    Anyone,
    /// Only a sampled panel, one rating per item per invitation code the supervisor handed
    /// out. Deputies rate either way.
    Invited,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Anyone => "anyone",
            Audience::Invited => "invited",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "anyone" => Some(Audience::Anyone),
            "invited" => Some(Audience::Invited),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Audience::Anyone => "公开参与（每个浏览器每项评价一次）",
            Audience::Invited => "凭邀请码参与（每个邀请码每项评价一次）",
        }
    }
}

/// A rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 满意
    Satisfied,
    /// 基本满意
    Basic,
    /// 不满意
    Dissatisfied,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Satisfied, Level::Basic, Level::Dissatisfied];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Satisfied => "satisfied",
            Level::Basic => "basic",
            Level::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(text: &str) -> Result<Self, SurveyError> {
        match text.trim() {
            "satisfied" => Ok(Level::Satisfied),
            "basic" => Ok(Level::Basic),
            "dissatisfied" => Ok(Level::Dissatisfied),
            _ => Err(SurveyError::InvalidLevel),
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Level::Satisfied => "满意",
            Level::Basic => "基本满意",
            Level::Dissatisfied => "不满意",
        }
    }
}

/// Whose ratings: counted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// 群众: anyone not signed in (with a code when the survey asks for one).
    Public,
    /// 人大代表: signed in with the deputy role.
    Deputies,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Public => "public",
            Group::Deputies => "deputies",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "public" => Some(Group::Public),
            "deputies" => Some(Group::Deputies),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Group::Public => "群众",
            Group::Deputies => "人大代表",
        }
    }
}

/// An optional remark with a rating: at most 100 characters, seen by the supervisor only
/// (never published: comments are not moderated, and a survey is no place to name people).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Comment(String);

impl Comment {
    pub const MAX_CHARS: usize = 100;

    /// `None` for a blank comment.
    pub fn parse(input: &str) -> Result<Option<Self>, SurveyError> {
        let text = input.trim();
        if text.is_empty() {
            Ok(None)
        } else if text.chars().count() > Self::MAX_CHARS {
            Err(SurveyError::CommentTooLong)
        } else {
            Ok(Some(Self(text.to_owned())))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Comment> for String {
    fn from(c: Comment) -> String {
        c.0
    }
}

/// An invitation code handed to one member of a sampled panel: ten characters from an
/// alphabet without look-alikes (no 0/O, no 1/I), about 50 bits, written `ABCDE-23456`.
/// Read back forgivingly: case, spaces and dashes do not matter.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct InvitationCode(String);

impl InvitationCode {
    pub const LEN: usize = 10;
    /// 32 symbols, so 5 random bits pick one without bias.
    const ALPHABET: &'static [u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    /// A code from random bytes (the caller's randomness: the core reads none).
    pub fn from_random(random: [u8; Self::LEN]) -> Self {
        Self(
            random
                .iter()
                .map(|b| char::from(Self::ALPHABET[usize::from(b & 31)]))
                .collect(),
        )
    }

    pub fn parse(input: &str) -> Result<Self, SurveyError> {
        let code: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '－')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let fits = code.len() == Self::LEN && code.bytes().all(|b| Self::ALPHABET.contains(&b));
        if fits {
            Ok(Self(code))
        } else {
            Err(SurveyError::InvalidCode)
        }
    }

    /// The bare ten characters, as hashed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As printed for a person: `ABCDE-23456`.
    pub fn display(&self) -> String {
        let (a, b) = self.0.split_at(Self::LEN / 2);
        format!("{a}-{b}")
    }
}

impl fmt::Debug for InvitationCode {
    // A code is a credential: logs show that there was one, not which.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InvitationCode(…)")
    }
}

/// Who gives a rating, as the one-rating-per-item rule knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rater {
    /// The public, known by the random id its browser keeps in a cookie (stored hashed).
    Browser(String),
    /// The public, by an invitation code (stored hashed).
    Code(InvitationCode),
    /// A deputy, signed in.
    Deputy(UserId),
}

impl Rater {
    pub fn group(&self) -> Group {
        match self {
            Rater::Browser(_) | Rater::Code(_) => Group::Public,
            Rater::Deputy(_) => Group::Deputies,
        }
    }
}

/// One item rated in a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub item: ItemId,
    pub level: Level,
    pub comment: Option<Comment>,
}

/// Where a survey stands: open, then closed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SurveyState {
    Open,
    /// Closed on that day; its results are final.
    Closed {
        on: Date,
    },
}

impl SurveyState {
    pub fn name(self) -> &'static str {
        match self {
            SurveyState::Open => "open",
            SurveyState::Closed { .. } => "closed",
        }
    }
}

/// What the supervisor fills in to open a survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSurvey {
    pub plan: PlanId,
    pub name: SurveyName,
    pub audience: Audience,
    /// The last day ratings are taken, if the survey should stop by itself.
    pub closes_on: Option<Date>,
}

/// A satisfaction survey of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Survey {
    id: SurveyId,
    plan: PlanId,
    name: SurveyName,
    audience: Audience,
    opened_on: Date,
    closes_on: Option<Date>,
    #[serde(flatten)]
    state: SurveyState,
}

/// The stored fields of a survey, to rebuild it with [`Survey::restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSurvey {
    pub id: SurveyId,
    pub plan: PlanId,
    pub name: SurveyName,
    pub audience: Audience,
    pub opened_on: Date,
    pub closes_on: Option<Date>,
    pub state: SurveyState,
}

impl Survey {
    /// Opens `new` on `today`, any day of the year; a closing day must not be before it.
    pub fn open(id: SurveyId, new: NewSurvey, today: Date) -> Result<Self, SurveyError> {
        if let Some(closes_on) = new.closes_on {
            if closes_on < today {
                return Err(SurveyError::ClosesBeforeOpening {
                    closes_on,
                    opened_on: today,
                });
            }
        }
        Ok(Self {
            id,
            plan: new.plan,
            name: new.name,
            audience: new.audience,
            opened_on: today,
            closes_on: new.closes_on,
            state: SurveyState::Open,
        })
    }

    pub fn restore(stored: StoredSurvey) -> Result<Self, SurveyError> {
        let closing_fits = stored.closes_on.is_none_or(|c| c >= stored.opened_on);
        let closed_fits = match stored.state {
            SurveyState::Open => true,
            SurveyState::Closed { on } => on >= stored.opened_on,
        };
        if !closing_fits || !closed_fits {
            return Err(SurveyError::InvalidStored);
        }
        Ok(Self {
            id: stored.id,
            plan: stored.plan,
            name: stored.name,
            audience: stored.audience,
            opened_on: stored.opened_on,
            closes_on: stored.closes_on,
            state: stored.state,
        })
    }

    pub fn id(&self) -> SurveyId {
        self.id
    }

    pub fn plan(&self) -> PlanId {
        self.plan
    }

    pub fn name(&self) -> &SurveyName {
        &self.name
    }

    pub fn audience(&self) -> Audience {
        self.audience
    }

    pub fn opened_on(&self) -> Date {
        self.opened_on
    }

    pub fn closes_on(&self) -> Option<Date> {
        self.closes_on
    }

    pub fn state(&self) -> SurveyState {
        self.state
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.state, SurveyState::Closed { .. })
    }

    /// Whether ratings are taken on `today`: open, and not past its closing day.
    pub fn accepts_ratings(&self, today: Date) -> bool {
        self.state == SurveyState::Open && self.closes_on.is_none_or(|c| today <= c)
    }

    /// Whether `rater` may take part at all: on an invited survey the public needs a code,
    /// and a code is only for an invited survey.
    pub fn admits(&self, rater: &Rater) -> bool {
        matches!(
            (self.audience, rater),
            (_, Rater::Deputy(_))
                | (Audience::Anyone, Rater::Browser(_))
                | (Audience::Invited, Rater::Code(_))
        )
    }

    /// The state in words, as the pages show it on `today`.
    pub fn label_zh(&self, today: Date) -> &'static str {
        match self.state {
            SurveyState::Closed { .. } => "已结束",
            SurveyState::Open if self.accepts_ratings(today) => "进行中",
            SurveyState::Open => "已截止，待结束",
        }
    }

    /// Closes the survey on `today`: no more ratings; its results are final.
    pub fn close(&mut self, today: Date) -> Result<(), SurveyError> {
        if self.is_closed() {
            return Err(SurveyError::AlreadyClosed);
        }
        self.state = SurveyState::Closed {
            on: today.max(self.opened_on),
        };
        Ok(())
    }
}

/// How many ratings of each level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RatingTally {
    pub satisfied: u64,
    pub basic: u64,
    pub dissatisfied: u64,
}

impl RatingTally {
    pub fn add(&mut self, level: Level, count: u64) {
        match level {
            Level::Satisfied => self.satisfied += count,
            Level::Basic => self.basic += count,
            Level::Dissatisfied => self.dissatisfied += count,
        }
    }

    pub fn count(&self, level: Level) -> u64 {
        match level {
            Level::Satisfied => self.satisfied,
            Level::Basic => self.basic,
            Level::Dissatisfied => self.dissatisfied,
        }
    }

    /// 有效评价: every rating given.
    pub fn total(&self) -> u64 {
        self.satisfied + self.basic + self.dissatisfied
    }

    /// 满意率 = (满意 + 基本满意) ÷ 有效评价; none without a rating.
    pub fn share(&self) -> Option<Share> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        // Counts stay far below 2^52; the division is exact enough.
        Share::new((self.satisfied + self.basic) as f64 / total as f64).ok()
    }

    fn merge(&mut self, other: &RatingTally) {
        self.satisfied += other.satisfied;
        self.basic += other.basic;
        self.dissatisfied += other.dissatisfied;
    }
}

/// The two groups' tallies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByGroup {
    pub public: RatingTally,
    pub deputies: RatingTally,
}

impl ByGroup {
    pub fn of(&self, group: Group) -> &RatingTally {
        match group {
            Group::Public => &self.public,
            Group::Deputies => &self.deputies,
        }
    }

    fn of_mut(&mut self, group: Group) -> &mut RatingTally {
        match group {
            Group::Public => &mut self.public,
            Group::Deputies => &mut self.deputies,
        }
    }

    /// The combined share: the mean of the groups' 满意率 over the groups with ratings,
    /// each group weighing the same; none when neither group rated.
    pub fn share(&self) -> Option<Share> {
        let shares: Vec<f64> = [self.public.share(), self.deputies.share()]
            .into_iter()
            .flatten()
            .map(Share::get)
            .collect();
        if shares.is_empty() {
            return None;
        }
        Share::new(shares.iter().sum::<f64>() / shares.len() as f64).ok()
    }

    fn merge(&mut self, other: &ByGroup) {
        self.public.merge(&other.public);
        self.deputies.merge(&other.deputies);
    }
}

/// How many ratings one item got in one group at one level, as the store counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatingCount {
    pub item: ItemId,
    pub group: Group,
    pub level: Level,
    pub count: u64,
}

/// One item's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemResult {
    pub item: ItemId,
    pub seq: u32,
    pub title: String,
    pub lead_units: Vec<UnitId>,
    pub tally: ByGroup,
}

/// One lead unit's result: the pooled ratings of the items it leads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitResult {
    pub unit: UnitId,
    pub name: String,
    /// The items it leads, by id, in the plan's order.
    pub items: Vec<ItemId>,
    pub tally: ByGroup,
}

/// A survey's results: every item of the plan and every lead unit, by group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyResults {
    pub survey: Survey,
    /// In the plan's order.
    pub items: Vec<ItemResult>,
    /// By unit name.
    pub units: Vec<UnitResult>,
}

impl SurveyResults {
    /// Counts `counts` into the plan's `items`; `units` gives the lead units' names.
    /// Counts for items not in `items` are ignored.
    pub fn tally(survey: Survey, items: &[Item], units: &[Unit], counts: &[RatingCount]) -> Self {
        let mut by_item: BTreeMap<ItemId, ByGroup> = BTreeMap::new();
        for c in counts {
            by_item
                .entry(c.item)
                .or_default()
                .of_mut(c.group)
                .add(c.level, c.count);
        }
        let mut ordered: Vec<&Item> = items.iter().collect();
        ordered.sort_by_key(|i| (i.seq, i.id));
        let items: Vec<ItemResult> = ordered
            .into_iter()
            .map(|i| ItemResult {
                item: i.id,
                seq: i.seq,
                title: i.title.clone(),
                lead_units: i.lead_units.clone(),
                tally: by_item.get(&i.id).copied().unwrap_or_default(),
            })
            .collect();
        let mut by_unit: BTreeMap<UnitId, (Vec<ItemId>, ByGroup)> = BTreeMap::new();
        for item in &items {
            for unit in &item.lead_units {
                let (led, tally) = by_unit.entry(*unit).or_default();
                if !led.contains(&item.item) {
                    led.push(item.item);
                    tally.merge(&item.tally);
                }
            }
        }
        let names: BTreeMap<UnitId, &str> = units.iter().map(|u| (u.id, u.name.as_str())).collect();
        let mut units: Vec<UnitResult> = by_unit
            .into_iter()
            .map(|(unit, (items, tally))| UnitResult {
                unit,
                name: names
                    .get(&unit)
                    .map_or_else(|| format!("单位{unit}"), |n| (*n).to_owned()),
                items,
                tally,
            })
            .collect();
        units.sort_by(|a, b| a.name.cmp(&b.name).then(a.unit.cmp(&b.unit)));
        Self {
            survey,
            items,
            units,
        }
    }

    /// What the assessment takes: the combined share of every unit some group rated.
    pub fn satisfaction(&self) -> Satisfaction {
        Satisfaction {
            survey: self.survey.name().as_str().to_owned(),
            shares: self
                .units
                .iter()
                .filter_map(|u| u.tally.share().map(|s| (u.unit, s)))
                .collect(),
        }
    }

    /// Ratings given in all, per group.
    pub fn totals(&self) -> ByGroup {
        let mut all = ByGroup::default();
        for item in &self.items {
            all.merge(&item.tally);
        }
        all
    }
}

/// A survey as lists show it: with how many ratings and codes it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveySummary {
    pub survey: Survey,
    /// Ratings given, each item rated counting one.
    pub ratings: u64,
    /// Invitation codes handed out.
    pub codes: u64,
}

/// Of `surveys`, the one whose results the assessment uses: the latest closed (by closing
/// day, then the later opened).
pub fn latest_closed(surveys: &[SurveySummary]) -> Option<&Survey> {
    surveys
        .iter()
        .map(|s| &s.survey)
        .filter_map(|s| match s.state {
            SurveyState::Closed { on } => Some((on, s.id, s)),
            SurveyState::Open => None,
        })
        .max_by_key(|(on, id, _)| (*on, *id))
        .map(|(_, _, s)| s)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    const EDUCATION: UnitId = UnitId::new(1);
    const HEALTH: UnitId = UnitId::new(2);
    const WATER: UnitId = UnitId::new(3);

    fn survey(audience: Audience) -> Survey {
        Survey::open(
            SurveyId::new(1),
            NewSurvey {
                plan: PlanId::new(1),
                name: SurveyName::parse(" 2020年民生实事项目群众满意度测评 ").unwrap(),
                audience,
                closes_on: Some(date!(2020 - 12 - 31)),
            },
            date!(2020 - 12 - 10),
        )
        .unwrap()
    }

    fn item(id: i64, seq: u32, lead: &[UnitId]) -> Item {
        Item {
            id: ItemId::new(id),
            plan: PlanId::new(1),
            seq,
            title: format!("项目{seq}"),
            category: None,
            lead_units: lead.to_vec(),
            support_units: vec![],
        }
    }

    fn unit(id: UnitId, name: &str) -> Unit {
        Unit {
            id,
            name: name.into(),
            aliases: vec![],
        }
    }

    fn count(item: i64, group: Group, level: Level, count: u64) -> RatingCount {
        RatingCount {
            item: ItemId::new(item),
            group,
            level,
            count,
        }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn the_share_counts_satisfied_and_basically_satisfied_over_all_ratings() {
        let mut t = RatingTally::default();
        assert_eq!(t.share(), None);
        t.add(Level::Satisfied, 6);
        t.add(Level::Basic, 2);
        t.add(Level::Dissatisfied, 2);
        assert_eq!(t.total(), 10);
        close(t.share().unwrap().get(), 0.8);
        let mut all_no = RatingTally::default();
        all_no.add(Level::Dissatisfied, 3);
        close(all_no.share().unwrap().get(), 0.0);
    }

    #[test]
    fn the_groups_weigh_the_same_and_a_group_without_ratings_is_left_out() {
        let mut g = ByGroup::default();
        g.public.add(Level::Satisfied, 90);
        g.public.add(Level::Dissatisfied, 10);
        g.deputies.add(Level::Basic, 1);
        g.deputies.add(Level::Dissatisfied, 1);
        // (0.9 + 0.5) / 2, not (91 / 102).
        close(g.share().unwrap().get(), 0.7);
        let mut only_public = ByGroup::default();
        only_public.public.add(Level::Basic, 3);
        only_public.public.add(Level::Dissatisfied, 1);
        close(only_public.share().unwrap().get(), 0.75);
        assert_eq!(ByGroup::default().share(), None);
    }

    #[test]
    fn an_items_ratings_count_for_each_of_its_lead_units_by_group() {
        let items = [
            item(10, 1, &[EDUCATION]),
            item(11, 2, &[EDUCATION, HEALTH]),
            item(12, 3, &[WATER]),
        ];
        let units = [
            unit(EDUCATION, "区教育局"),
            unit(HEALTH, "区卫健委"),
            unit(WATER, "区水利局"),
        ];
        let counts = [
            count(10, Group::Public, Level::Satisfied, 3),
            count(10, Group::Public, Level::Dissatisfied, 1),
            count(11, Group::Public, Level::Basic, 1),
            count(11, Group::Deputies, Level::Dissatisfied, 2),
            // Not an item of the plan: ignored.
            count(99, Group::Public, Level::Satisfied, 5),
        ];
        let results = SurveyResults::tally(survey(Audience::Anyone), &items, &units, &counts);
        assert_eq!(
            results.items.iter().map(|i| i.seq).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(results.items[0].tally.public.satisfied, 3);
        assert_eq!(results.items[2].tally, ByGroup::default());

        let education = results.units.iter().find(|u| u.unit == EDUCATION).unwrap();
        assert_eq!(education.items, [ItemId::new(10), ItemId::new(11)]);
        assert_eq!(
            education.tally.public,
            RatingTally {
                satisfied: 3,
                basic: 1,
                dissatisfied: 1
            }
        );
        assert_eq!(education.tally.deputies.dissatisfied, 2);
        // Public 4/5 = 0.8, deputies 0/2 = 0: the mean 0.4.
        close(education.tally.share().unwrap().get(), 0.4);
        let health = results.units.iter().find(|u| u.unit == HEALTH).unwrap();
        close(health.tally.share().unwrap().get(), 0.5);

        let satisfaction = results.satisfaction();
        assert_eq!(satisfaction.survey, "2020年民生实事项目群众满意度测评");
        assert_eq!(
            satisfaction.shares.keys().copied().collect::<Vec<_>>(),
            [EDUCATION, HEALTH],
            "the water bureau was not rated and keeps the redistribution"
        );
        assert_eq!(results.totals().public.total(), 5);
        assert_eq!(results.totals().deputies.total(), 2);
        // Units by name.
        assert_eq!(
            results
                .units
                .iter()
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>(),
            ["区卫健委", "区教育局", "区水利局"]
        );
    }

    #[test]
    fn a_survey_takes_ratings_while_open_until_its_closing_day_and_closing_is_final() {
        let mut s = survey(Audience::Anyone);
        assert!(s.accepts_ratings(date!(2020 - 12 - 31)));
        assert!(!s.accepts_ratings(date!(2021 - 01 - 01)));
        assert_eq!(s.label_zh(date!(2021 - 01 - 01)), "已截止，待结束");
        s.close(date!(2020 - 12 - 20)).unwrap();
        assert_eq!(
            s.state(),
            SurveyState::Closed {
                on: date!(2020 - 12 - 20)
            }
        );
        assert!(!s.accepts_ratings(date!(2020 - 12 - 20)));
        assert_eq!(
            s.close(date!(2020 - 12 - 21)),
            Err(SurveyError::AlreadyClosed)
        );
        assert_eq!(s.label_zh(date!(2020 - 12 - 21)), "已结束");
    }

    #[test]
    fn a_survey_is_refused_without_a_name_or_closing_before_it_opens() {
        assert_eq!(SurveyName::parse("  "), Err(SurveyError::InvalidName));
        assert!(SurveyName::parse(&"测".repeat(101)).is_err());
        let refused = Survey::open(
            SurveyId::new(1),
            NewSurvey {
                plan: PlanId::new(1),
                name: SurveyName::parse("测评").unwrap(),
                audience: Audience::Anyone,
                closes_on: Some(date!(2020 - 12 - 09)),
            },
            date!(2020 - 12 - 10),
        );
        assert!(matches!(
            refused,
            Err(SurveyError::ClosesBeforeOpening { .. })
        ));
    }

    #[test]
    fn the_public_needs_a_code_exactly_when_the_survey_is_by_invitation() {
        let code = Rater::Code(InvitationCode::parse("abcde-23456").unwrap());
        let browser = Rater::Browser("ab".repeat(32));
        let deputy = Rater::Deputy(UserId::new(5));
        let open = survey(Audience::Anyone);
        let invited = survey(Audience::Invited);
        assert!(open.admits(&browser) && !open.admits(&code) && open.admits(&deputy));
        assert!(!invited.admits(&browser) && invited.admits(&code) && invited.admits(&deputy));
        assert_eq!(deputy.group(), Group::Deputies);
        assert_eq!(code.group(), Group::Public);
    }

    #[test]
    fn an_invitation_code_reads_back_forgivingly_and_refuses_look_alikes() {
        let code = InvitationCode::from_random([0, 1, 2, 31, 32, 63, 200, 7, 8, 9]);
        assert_eq!(code.as_str().len(), 10);
        let printed = code.display();
        assert_eq!(printed.len(), 11);
        assert_eq!(InvitationCode::parse(&printed).unwrap(), code);
        assert_eq!(
            InvitationCode::parse(&format!(" {} ", printed.to_lowercase())).unwrap(),
            code
        );
        for bad in [
            "",
            "ABCDE-2345",
            "ABCDE-234567",
            "ABCDE-0OOO1",
            "ABCDE-IIII2",
        ] {
            assert_eq!(
                InvitationCode::parse(bad),
                Err(SurveyError::InvalidCode),
                "{bad}"
            );
        }
        assert_eq!(format!("{code:?}"), "InvitationCode(…)");
    }

    #[test]
    fn a_comment_is_optional_and_short() {
        assert_eq!(Comment::parse("  "), Ok(None));
        assert_eq!(
            Comment::parse(" 路修好了 ").unwrap().unwrap().as_str(),
            "路修好了"
        );
        assert!(Comment::parse(&"字".repeat(100)).unwrap().is_some());
        assert_eq!(
            Comment::parse(&"字".repeat(101)),
            Err(SurveyError::CommentTooLong)
        );
        assert_eq!(Level::parse("basic"), Ok(Level::Basic));
        assert_eq!(Level::parse("great"), Err(SurveyError::InvalidLevel));
    }

    #[test]
    fn only_the_supervisor_runs_a_survey_and_only_deputies_rate_as_deputies() {
        use crate::permission::{can, Action, Resource};
        use crate::user::{Login, Role, User};
        let user = |role| User {
            id: UserId::new(1),
            login: Login::parse("someone").unwrap(),
            name: "某人".into(),
            role,
            unit: Some(EDUCATION),
        };
        let system = Resource::System;
        assert!(can(Some(&user(Role::Admin)), Action::RunSurvey, &system));
        assert!(!can(None, Action::RunSurvey, &system));
        for role in [Role::Leader, Role::Deputy, Role::UnitHead, Role::Reporter] {
            assert!(
                !can(Some(&user(role)), Action::RunSurvey, &system),
                "{role:?}"
            );
        }
        // The pages take part as a deputy by this right: the supervisor runs the survey and
        // does not rate in the deputies' group.
        assert!(can(Some(&user(Role::Deputy)), Action::DeputyVoice, &system));
        for role in [Role::Admin, Role::Leader, Role::UnitHead, Role::Reporter] {
            assert!(
                !can(Some(&user(role)), Action::DeputyVoice, &system),
                "{role:?}"
            );
        }
    }

    #[test]
    fn the_assessment_uses_the_latest_closed_survey() {
        let summary = |id: i64, closed: Option<Date>| {
            let mut s = survey(Audience::Anyone);
            s.id = SurveyId::new(id);
            if let Some(on) = closed {
                s.close(on).unwrap();
            }
            SurveySummary {
                survey: s,
                ratings: 0,
                codes: 0,
            }
        };
        assert_eq!(latest_closed(&[summary(1, None)]), None);
        let list = [
            summary(1, Some(date!(2020 - 12 - 20))),
            summary(2, Some(date!(2020 - 12 - 28))),
            summary(3, None),
        ];
        assert_eq!(latest_closed(&list).unwrap().id(), SurveyId::new(2));
    }
}
