//! `shishi demo`: a ready-to-try server on the visible notice (Haizhou 2020), with a user for
//! every role and months of sample reports, so that every status shows on the day the demo
//! runs as.
//!
//! The sample is deterministic: every figure and word is derived from the item's number,
//! the target's place in it and the month, so two runs on the same day build the same world
//! and a person can point at "item 6" in a bug report.

use crate::import_cmd::open;
use crate::serve_cmd::{init_logging, shutdown_signal};
use anyhow::{bail, Context};
use shishi_core::{
    item_status, target_status, Actual, Login, Measure, Op, Percent, Period, Plan, PlanId, Reason,
    Report, ReportContent, ReportValue, Role, Status, Target, UnitId, UserId,
};
use shishi_store::{Actor, ImportOutcome, NewUser, PlanDetail, Store};
use shishi_web::password::{self, Password};
use shishi_web::{AppState, Clock};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use time::Date;

/// The visible notice, inside the binary so the demo runs from anywhere.
const NOTICE: &[u8] = include_bytes!("../../../testdata/haizhou-2020-notice.txt");

/// Every demo user's password.
pub const PASSWORD: &str = "shishi-demo";

/// The day the demo runs as when none is given: late September 2020, when the Haizhou plan
/// is three quarters through its year.
pub const DEFAULT_TODAY: &str = "2020-09-28";

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// `--today` as a date.
pub fn parse_today(text: &str) -> anyhow::Result<Date> {
    // The parser's own words ("the 'month' component could not be parsed") add nothing.
    Date::parse(text, DATE)
        .map_err(|_| anyhow::anyhow!("--today {text:?} is not a date YYYY-MM-DD"))
}

pub async fn demo(addr: &str, data: &Path, today: Date) -> anyhow::Result<()> {
    init_logging();
    let notice = shishi_plan::parse(NOTICE).context("the embedded notice does not read")?;
    std::fs::create_dir_all(data)
        .with_context(|| format!("cannot create the directory {}", data.display()))?;
    // Bound before anything is built, so a port in use fails at once rather than after the
    // seeding.
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;

    let database = data.join("shishi.db");
    if !database.exists() {
        eprintln!("正在生成演示数据（{}）…", database.display());
        seed(&database, notice.clone(), today).await?;
    }
    let store = open(&sqlite_url(&database)).await?;
    let result = async {
        let plan = demo_plan(&store, &notice, &database).await?;
        let detail = store.plan(plan).await?;
        let reports = store.reports_for_plan(plan).await?;
        // On stdout and flushed: with port 0, the first line is how a caller learns the port.
        let mut out = std::io::stdout().lock();
        writeln!(out, "shishi demo: http://{local}/")?;
        write_welcome(&mut out, &detail, &reports, today)?;
        out.flush()?;
        drop(out);
        tracing::info!(%local, %today, "serving the demo");
        let state = AppState::new(store.clone()).with_clock(Clock::fixed(today));
        shishi_web::serve(listener, state, shutdown_signal())
            .await
            .context("the server failed")
    }
    .await;
    store.close().await;
    result
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// The plan of the notice in an existing database, which must be a demo database: another
/// database is never written to, whatever it holds.
async fn demo_plan(
    store: &Store,
    notice: &shishi_plan::Plan,
    database: &Path,
) -> anyhow::Result<PlanId> {
    let not_demo = || {
        format!(
            "{} is not a shishi demo database; give another --data directory, or remove it \
             to build a fresh demo",
            database.display()
        )
    };
    let plan = store
        .plans()
        .await?
        .into_iter()
        .find(|plan| {
            plan.doc_number() == notice.meta.doc_number.as_deref()
                && Some(plan.title()) == notice.meta.title.as_deref()
        })
        .with_context(not_demo)?;
    let admin = Login::parse("admin")?;
    if store.account_by_login(&admin).await?.is_none() {
        bail!(not_demo());
    }
    Ok(plan.id())
}

/// Builds the demo database at `database`: into a file beside it first, moved into place
/// only when complete, so an interrupted run leaves no half-built demo to be reused.
async fn seed(database: &Path, notice: shishi_plan::Plan, today: Date) -> anyhow::Result<()> {
    let building = database.with_extension("db.building");
    for leftover in sidecars(&building) {
        if leftover.exists() {
            std::fs::remove_file(&leftover)
                .with_context(|| format!("cannot remove {}", leftover.display()))?;
        }
    }
    let store = open(&sqlite_url(&building)).await?;
    let seeded = seed_into(&store, notice, today).await;
    store.close().await;
    seeded?;
    // Closing the last connection checkpoints the write-ahead log into the file; a log left
    // behind (another process holding it) moves along with it.
    for (from, to) in sidecars(&building).into_iter().zip(sidecars(database)) {
        if from.exists() {
            std::fs::rename(&from, &to)
                .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
        }
    }
    Ok(())
}

/// The database file with its write-ahead log and shared-memory index; the log comes before
/// the file, so the file appears last when they are moved.
fn sidecars(database: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [with("-wal"), with("-shm"), database.to_owned()]
}

async fn seed_into(store: &Store, notice: shishi_plan::Plan, today: Date) -> anyhow::Result<()> {
    let plan = match store.import_plan(Actor::System, notice).await? {
        ImportOutcome::Created(id) => id,
        other => bail!("the demo plan was not created afresh: {other:?}"),
    };
    let detail = store.plan(plan).await?;
    let users = add_users(store, &detail).await?;
    add_reports(store, &detail, &users, today).await?;
    add_feedback(store, &detail, &users, today).await?;
    add_vote(store, &detail, &users, today).await
}

/// The deputies' vote for next year (人大代表票决): proposals (one from the public waiting for
/// moderation, one from a deputy published) and a candidate list of four, so the supervisor
/// can open a session and the deputies d01…d10 vote. No session is held: the demo keeps its
/// one plan.
async fn add_vote(
    store: &Store,
    detail: &PlanDetail,
    users: &DemoUsers,
    today: Date,
) -> anyhow::Result<()> {
    use shishi_core::{Proposer, VoteText};
    use shishi_store::{CandidateInput, NewProposal};
    let year = today.year() + 1;
    let admin = Actor::User(users.admin);
    let text = |t: &str| VoteText::optional(t, VoteText::BODY_MAX);
    let deputy = store
        .account_by_login(&Login::parse("d01")?)
        .await?
        .context("no demo deputy d01")?
        .user;
    store
        .submit_proposal(
            Actor::Public,
            NewProposal {
                plan_year: year,
                title: VoteText::title("在老旧小区加装电梯")?,
                description: text("多层老旧小区老人上下楼困难，建议分批加装电梯并给予补贴。")?,
                lead_unit: text("住建局")?,
                proposer_name: text("居民王先生")?,
                proposer_contact: text("13900000009")?,
                proposer: Proposer::Public,
            },
        )
        .await?;
    let by_deputy = store
        .submit_proposal(
            Actor::User(deputy.id),
            NewProposal {
                plan_year: year,
                title: VoteText::title("建设社区嵌入式养老服务站")?,
                description: text("每个街道至少建成一处社区养老服务站，提供助餐、日间照料。")?,
                lead_unit: text("民政局")?,
                proposer_name: text(&deputy.name)?,
                proposer_contact: text("")?,
                proposer: Proposer::Deputy { user: deputy.id },
            },
        )
        .await?;
    let units = lead_units(detail);
    let unit = |n: usize| units.get(n % units.len().max(1)).map(|(id, _)| *id);
    let candidates = [
        ("新建社区养老服务站10个", "民生保障", Some(by_deputy.id)),
        ("新增公共停车泊位2000个", "城市建设", None),
        ("改造农贸市场5个", "城市建设", None),
        ("新建口袋公园8个", "生态环境", None),
    ];
    for (n, (title, category, proposal)) in candidates.into_iter().enumerate() {
        let unit = unit(n).context("the demo plan has no lead units")?;
        store
            .add_candidate(
                admin,
                year,
                CandidateInput {
                    title: VoteText::title(title)?,
                    description: text("")?,
                    category: Some(category.to_owned()),
                    lead_units: vec![unit],
                },
                proposal,
            )
            .await?;
    }
    Ok(())
}

/// The public's messages (群众留言) on the first items: three published (two answered, the
/// answers approved; one waiting for its unit's answer) and one waiting for moderation, so the
/// item pages, the supervisor's queue and a unit's list all show something.
async fn add_feedback(
    store: &Store,
    detail: &PlanDetail,
    users: &DemoUsers,
    today: Date,
) -> anyhow::Result<()> {
    use shishi_core::{AnswerText, NewFeedback};
    const MESSAGES: [(&str, &str, &str, Option<&str>); 4] = [
        (
            "孩子明年秋季上学，新学校什么时候能建好投用？希望能按时完工。",
            "家长李女士",
            "13900000001",
            Some("感谢您的关注。该项目正按计划推进，主体工程已基本完成，预计按期投入使用。进展将在本页面持续公布。"),
        ),
        (
            "建议在项目里多设几处无障碍通道和休息座椅，方便老年人。",
            "老年居民",
            "",
            Some("您的建议已转交设计和施工单位，将在下一阶段增设无障碍坡道和休息座椅。"),
        ),
        (
            "附近施工晚上十点以后还有噪音，希望能管一管。",
            "",
            "zhou@example.cn",
            None,
        ),
        ("这个项目的进展能不能每月在网上公布一下？", "", "", None),
    ];
    let admin = Actor::User(users.admin);
    let days = |n: i64| {
        today
            .checked_sub(time::Duration::days(n))
            .context("the demo day is too early for its sample messages")
    };
    let items = detail
        .items
        .iter()
        .filter(|e| !e.item.lead_units.is_empty());
    for (n, (entry, (text, name, contact, answer))) in items.zip(MESSAGES).enumerate() {
        let n = i64::try_from(n)?;
        let new = NewFeedback::parse(entry.item.id, text, name, contact, None)
            .map_err(|e| anyhow::anyhow!("a demo message does not parse: {e:?}"))?;
        let message = store
            .post_feedback(Actor::Public, new, days(20 - 5 * n)?)
            .await?;
        if n == 3 {
            // Left for the supervisor to moderate.
            continue;
        }
        store
            .publish_feedback(admin, message.id(), days(19 - 5 * n)?)
            .await?;
        let Some(answer) = answer else { continue };
        let unit = entry.item.lead_units[0];
        let head = store
            .account_by_login(&Login::parse(&unit_login('h', unit))?)
            .await?
            .context("no demo unit head")?;
        store
            .answer_feedback(
                Actor::User(head.user.id),
                message.id(),
                unit,
                AnswerText::parse(answer)?,
                days(17 - 5 * n)?,
            )
            .await?;
        store
            .approve_feedback_answer(admin, message.id(), days(16 - 5 * n)?)
            .await?;
    }
    Ok(())
}

/// The users made for the demo, by what the reports need.
struct DemoUsers {
    admin: UserId,
    reporters: HashMap<UnitId, UserId>,
}

/// A demo login: who, in what role, for which unit.
struct DemoLogin {
    login: String,
    role: Role,
    unit: Option<UnitId>,
    name: String,
    /// The unit's name, or for a user without one the office they stand for.
    office: String,
}

/// The lead units of the plan, in the order the notice first names them.
fn lead_units(detail: &PlanDetail) -> Vec<(UnitId, String)> {
    let names: HashMap<UnitId, &str> = detail
        .units
        .iter()
        .map(|u| (u.id, u.name.as_str()))
        .collect();
    let mut units: Vec<(UnitId, String)> = Vec::new();
    for entry in &detail.items {
        for id in &entry.item.lead_units {
            if !units.iter().any(|(u, _)| u == id) {
                let name = names.get(id).copied().unwrap_or("（未知单位）");
                units.push((*id, name.to_owned()));
            }
        }
    }
    units
}

/// A unit user's login: the unit's id after a letter, padded to two digits because a login
/// has at least three characters.
fn unit_login(prefix: char, unit: UnitId) -> String {
    format!("{prefix}{:02}", unit.get())
}

fn logins(detail: &PlanDetail) -> Vec<DemoLogin> {
    let mut all = vec![
        DemoLogin {
            login: "admin".into(),
            role: Role::Admin,
            unit: None,
            name: "区政府督查室".into(),
            office: "区政府督查室".into(),
        },
        DemoLogin {
            login: "leader".into(),
            role: Role::Leader,
            unit: None,
            name: "区领导".into(),
            office: "区领导".into(),
        },
        DemoLogin {
            login: "deputy".into(),
            role: Role::Deputy,
            unit: None,
            name: "区人大代表".into(),
            office: "区人大代表".into(),
        },
    ];
    // Ten more deputies, so a vote (票决) has a roll worth a quorum.
    for n in 1..=10 {
        all.push(DemoLogin {
            login: format!("d{n:02}"),
            role: Role::Deputy,
            unit: None,
            name: format!("人大代表{n:02}"),
            office: "区人大代表".into(),
        });
    }
    for (unit, name) in lead_units(detail) {
        all.push(DemoLogin {
            login: unit_login('r', unit),
            role: Role::Reporter,
            unit: Some(unit),
            name: format!("{name}填报员"),
            office: name.clone(),
        });
        all.push(DemoLogin {
            login: unit_login('h', unit),
            role: Role::UnitHead,
            unit: Some(unit),
            name: format!("{name}负责人"),
            office: name,
        });
    }
    all
}

async fn add_users(store: &Store, detail: &PlanDetail) -> anyhow::Result<DemoUsers> {
    // One hash for everyone: argon2 takes tens of milliseconds of CPU on purpose, and some
    // fifty users would make the demo slow to start. Sharing a salt is harmless here, as
    // every demo password is the same published one anyway. (`password::hash` runs on a
    // blocking thread, off the async executor.)
    let hash = password::hash(Password::new(PASSWORD.to_owned())?).await?;
    let mut admin = None;
    let mut reporters = HashMap::new();
    for login in logins(detail) {
        let user = store
            .add_user(
                Actor::System,
                NewUser {
                    login: Login::parse(&login.login)?,
                    name: login.name,
                    role: login.role,
                    unit: login.unit,
                    password_hash: hash.clone(),
                },
            )
            .await?;
        match (login.role, login.unit) {
            (Role::Admin, _) => admin = Some(user.id),
            (Role::Reporter, Some(unit)) => {
                reporters.insert(unit, user.id);
            }
            _ => {}
        }
    }
    Ok(DemoUsers {
        admin: admin.context("no demo admin")?,
        reporters,
    })
}

/// How an item's work goes through the months.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Course {
    /// Done by its `k`-th month of reports (counted from 1).
    Completed {
        by: usize,
    },
    OnSchedule,
    Behind,
    SeriouslyBehind,
}

/// What happens to an item's reports beyond the course of the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Twists {
    /// The last month's reports are submitted and wait for review.
    pending: bool,
    /// The last month's report of the first target was returned with a reason.
    returned: bool,
    /// The last `n` months have no report: overdue.
    missing: usize,
    /// A report some months back was returned, then corrected and approved.
    corrected: bool,
}

/// The course of item `seq` when `months` months have been reported: two in ten complete,
/// five on schedule, two behind, one seriously behind.
fn course(seq: u32, months: usize) -> Course {
    match (seq + 9) % 10 {
        1 | 7 => {
            // Finished one to three months before the last report.
            let early = 1 + usize::try_from(seq / 10 % 3).unwrap_or(0);
            Course::Completed {
                by: months.saturating_sub(early).max(1),
            }
        }
        3 | 8 => Course::Behind,
        5 => Course::SeriouslyBehind,
        _ => Course::OnSchedule,
    }
}

fn twists(seq: u32) -> Twists {
    let mut twists = Twists::default();
    match seq {
        // Completed and on-schedule items whose last figures wait for the supervisor.
        2 | 12 | 3 | 15 | 27 => twists.pending = true,
        21 => twists.returned = true,
        // Laggards that also report late; one of them two months running.
        6 | 19 | 36 => twists.missing = 1,
        46 => twists.missing = 2,
        1 | 5 | 33 => twists.corrected = true,
        _ => {}
    }
    twists
}

/// The share of the target done by the last reported month, against the share the schedule
/// asks for on `today`: ahead for on-schedule, short by a margin inside each band otherwise,
/// so that rounding never moves a target across a threshold.
fn final_share(course: Course, plan: &Plan, target: &Target, today: Date, vary: u32) -> f64 {
    let planned = target.schedule.planned(today);
    let thresholds = plan.settings().thresholds;
    let step = f64::from(vary % 5);
    let share = match course {
        Course::Completed { .. } => 1.0,
        Course::OnSchedule => (planned + 0.01 + 0.02 * step).min(0.97),
        Course::Behind => planned - thresholds.tolerance() - 0.07 - 0.025 * step,
        Course::SeriouslyBehind => planned - thresholds.red_line() - 0.08 - 0.04 * step,
    };
    share.clamp(0.0, 1.0)
}

/// The share done by month `k` of `n` (1-based): growing to the final share along a curve
/// that is a little different per target, as real works start slow or fast.
fn share_at(course: Course, final_share: f64, k: usize, n: usize, vary: u32) -> f64 {
    let power = [1.0, 1.2, 0.85][usize::try_from(vary % 3).unwrap_or(0)];
    let ratio = |a: usize, b: usize| (a as f64 / b.max(1) as f64).min(1.0);
    match course {
        Course::Completed { by } => ratio(k, by).powf(power),
        _ => final_share * ratio(k, n).powf(power),
    }
}

/// How a share becomes a figure a unit would write, in steps of `1 / scale` (whole schools
/// and classrooms, rates to a tenth): rounded up for work on schedule and down for work
/// seriously behind, so that the figure stays in the status band the share was chosen for.
fn round_to(course: Course, x: f64, scale: f64) -> f64 {
    let scaled = x * scale;
    let rounded = match course {
        Course::Completed { .. } | Course::OnSchedule => (scaled - 1e-9).ceil(),
        Course::Behind => scaled.round(),
        Course::SeriouslyBehind => (scaled + 1e-9).floor(),
    };
    rounded / scale
}

/// The figure for a target at a share done.
fn actual(course: Course, measure: &Measure, share: f64) -> anyhow::Result<Actual> {
    Ok(match measure {
        Measure::Milestone => Actual::Percent(Percent::new(
            round_to(course, share * 100.0, 1.0).min(100.0),
        )?),
        Measure::Quantity(q) => {
            let goal = q.value().get();
            let value = match q.op() {
                // Staying under a limit: comfortably under it.
                Op::Le => goal * 0.9,
                Op::Eq | Op::Ge | Op::Inc | Op::Dec => {
                    let scale = if goal.fract() == 0.0 && !is_rate(q.unit()) {
                        1.0
                    } else if goal >= 10.0 {
                        10.0
                    } else {
                        100.0
                    };
                    if share >= 1.0 {
                        goal
                    } else {
                        round_to(course, goal * share, scale).min(goal)
                    }
                }
            };
            Actual::Value(ReportValue::new(value)?)
        }
    })
}

fn is_rate(unit: &str) -> bool {
    matches!(unit, "%" | "个百分点" | "‰")
}

/// An amount with its unit as a report writes it: sums of money in 万元.
fn amount(value: f64, unit: &str) -> String {
    if unit == "元" && value >= 10_000.0 {
        format!("{}万元", number(value / 10_000.0))
    } else {
        format!("{}{unit}", number(value))
    }
}

/// A number as a person writes it: no trailing zeros.
fn number(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The words of one report: what was done, the problems, the next steps, the money.
struct Words<'a> {
    seq: u32,
    position: u32,
    month: u8,
    title: &'a str,
    target: &'a Target,
    course: Course,
    actual: Actual,
    share: f64,
    /// Finished before this month.
    finished_before: bool,
}

impl Words<'_> {
    fn content(&self) -> ReportContent {
        ReportContent {
            actual: self.actual,
            progress: self.progress(),
            problems: self.problems(),
            next_steps: self.next_steps(),
            funds: self.funds(),
        }
    }

    /// Where the target stands, as a clause: 累计完成5所, 达到71.3%, 总体形象进度达到68%.
    fn reached(&self) -> String {
        match (&self.target.measure, self.actual) {
            (Measure::Quantity(q), Actual::Value(v)) => {
                let amount = amount(v.get(), q.unit());
                match q.op() {
                    Op::Inc => format!("累计提升{amount}"),
                    Op::Dec => format!("累计降低{amount}"),
                    _ if is_rate(q.unit()) => format!("达到{amount}"),
                    _ => format!("累计完成{amount}"),
                }
            }
            (_, Actual::Percent(p)) => format!("总体形象进度达到{}%", number(p.get())),
            _ => String::new(),
        }
    }

    fn goal(&self) -> String {
        match &self.target.measure {
            Measure::Quantity(q) => amount(q.value().get(), q.unit()),
            Measure::Milestone => "全面建成".to_owned(),
        }
    }

    fn progress(&self) -> String {
        let (month, title, reached) = (self.month, self.title, self.reached());
        let percent = number((self.share * 100.0).round());
        if self.share >= 1.0 {
            return if self.finished_before {
                format!("{title}已于前期全面完成，本月做好已建成项目的运行管护和群众回访。")
            } else {
                format!(
                    "截至{month}月底，{title}年度任务全面完成，{reached}。已组织初步验收，\
                     资料同步归档。"
                )
            };
        }
        if self.share <= 0.0 {
            return format!(
                "已完成摸底调查和实施方案编制，明确责任分工；{title}尚未形成实物工作量。"
            );
        }
        let goal = self.goal();
        match (self.seq + u32::from(month)) % 4 {
            0 => format!("截至{month}月底，{title}{reached}，完成年度目标的{percent}%。"),
            1 => format!(
                "召开专题推进会，逐项明确责任人和时间节点。截至{month}月底{reached}\
                 （年度目标：{goal}）。"
            ),
            2 => format!(
                "项目已完成立项、招投标等前期手续，全面进入实施阶段；截至{month}月底{reached}，\
                 完成率{percent}%。"
            ),
            _ => format!(
                "会同配合单位开展现场督导{}次，协调解决施工、资金等方面问题；截至{month}月底\
                 {reached}。",
                2 + (self.seq + self.position) % 3
            ),
        }
    }

    fn pick(&self, choices: &[&str]) -> String {
        let at = (self.seq + self.position + u32::from(self.month)) as usize % choices.len();
        choices.get(at).copied().unwrap_or_default().to_owned()
    }

    fn problems(&self) -> String {
        match self.course {
            _ if self.share >= 1.0 => self.pick(&["无。", "暂无。"]),
            Course::Completed { .. } | Course::OnSchedule => self.pick(&[
                "无。",
                "个别点位受连续降雨影响，施工进度有所放缓。",
                "部分项目资金拨付流程较长。",
                "暂无。",
            ]),
            Course::Behind => self.pick(&[
                "受新冠肺炎疫情影响，项目开工较计划推迟约一个月。",
                "部分资金尚未足额到位，施工单位进场较慢。",
                "涉及多个部门，审批手续办理时间较长。",
            ]),
            Course::SeriouslyBehind => self.pick(&[
                "项目用地手续尚未办结，主体工程未能按期开工。",
                "部分点位群众意见不统一，协调难度较大。",
                "施工单位力量不足，进度明显滞后于序时。",
            ]),
        }
    }

    fn next_steps(&self) -> String {
        match self.course {
            _ if self.share >= 1.0 => self.pick(&[
                "巩固建设成果，完善长效管护机制。",
                "做好资料归档，迎接区督查室复核。",
            ]),
            Course::Completed { .. } | Course::OnSchedule => self.pick(&[
                "按序时推进，加强质量安全管理，确保年底前全面完成。",
                "持续跟踪调度，及时协调解决推进中的问题。",
                "加快剩余工程量建设，同步做好验收准备。",
            ]),
            Course::Behind => self.pick(&[
                "倒排工期、挂图作战，每周调度一次，力争尽快赶上序时进度。",
                "加强与财政部门对接，推动资金尽快拨付到位。",
                "增加施工班组，延长作业时间，追赶进度。",
            ]),
            Course::SeriouslyBehind => self.pick(&[
                "提请区政府专题协调，限时办结相关手续。",
                "由单位主要负责人牵头督办，每周报送一次进展。",
                "制定赶超方案，明确每月节点任务，确保年底前完成。",
            ]),
        }
    }

    /// Two targets in three report their money, against a budget of their own.
    fn funds(&self) -> Option<String> {
        if (self.seq + self.position).is_multiple_of(3) {
            return None;
        }
        let budget = 50 + (self.seq * 37 + self.position * 11) % 450;
        let budget_f = f64::from(budget);
        let arrived = (budget_f * (self.share + 0.15).min(1.0)).round();
        let used = (budget_f * self.share * 0.9).round();
        Some(format!(
            "年度计划投入{budget}万元，已到位{}万元，已使用{}万元。",
            number(arrived),
            number(used)
        ))
    }
}

/// The months reported on by `today`: from the plan's first reporting period, each whose due
/// day has passed, within the plan year.
fn reported_months(plan: &Plan, today: Date) -> Vec<Period> {
    let due_day = plan.settings().due_day;
    let mut months = Vec::new();
    let mut month = plan.first_period();
    while today > month.due_date(due_day) && month.year() == plan.year().get() {
        months.push(month);
        month = month.next();
    }
    months
}

/// The day a unit submits a month's report: a few days before it is due, varying by item.
fn submitted_on(plan: &Plan, month: Period, seq: u32) -> Date {
    let due = month.due_date(plan.settings().due_day);
    due.checked_sub(time::Duration::days(i64::from(seq % 6)))
        .unwrap_or(due)
}

const RETURN_REASON: &str =
    "佐证材料不全：请补充现场照片和阶段验收资料，并核实累计完成数与工作台账是否一致后重新报送。";
const CORRECTION_REASON: &str = "本月累计完成数与上月报送数据不衔接，请核实后重新报送。";

async fn add_reports(
    store: &Store,
    detail: &PlanDetail,
    users: &DemoUsers,
    today: Date,
) -> anyhow::Result<()> {
    let plan = &detail.plan;
    let months = reported_months(plan, today);
    let n = months.len();
    let admin = Actor::User(users.admin);
    for (index, month) in months.iter().enumerate() {
        let k = index + 1;
        for entry in &detail.items {
            let seq = entry.item.seq;
            let course = course(seq, n);
            let twists = twists(seq);
            if k + twists.missing > n {
                continue;
            }
            let reporter = entry
                .item
                .lead_units
                .first()
                .and_then(|unit| users.reporters.get(unit))
                .map_or(Actor::System, |id| Actor::User(*id));
            let day = submitted_on(plan, *month, seq);
            for (position, target) in (0u32..).zip(&entry.targets) {
                let vary = seq * 7 + position * 3;
                let last = final_share(course, plan, target, today, vary);
                let share = share_at(course, last, k, n, vary);
                let before = share_at(course, last, k.saturating_sub(1), n, vary);
                let figure = actual(course, &target.measure, share)?;
                let words = Words {
                    seq,
                    position,
                    month: month.month(),
                    title: &entry.item.title,
                    target,
                    course,
                    actual: figure,
                    share,
                    finished_before: k > 1 && before >= 1.0,
                };
                let content = words.content();
                // A slip a few months back: first sent with last month's figure, returned,
                // then corrected.
                if twists.corrected && position == 0 && k + 4 == n {
                    let slip = Words {
                        actual: actual(course, &target.measure, before)?,
                        share: before,
                        ..words
                    }
                    .content();
                    let report = store
                        .file_report(reporter, target.id, *month, slip, day)
                        .await?;
                    store
                        .return_report(admin, report.id(), Reason::parse(CORRECTION_REASON)?)
                        .await?;
                }
                let report = store
                    .file_report(reporter, target.id, *month, content, day)
                    .await?;
                let last_month = k == n;
                if last_month && twists.pending {
                    continue;
                }
                if last_month && twists.returned && position == 0 {
                    store
                        .return_report(admin, report.id(), Reason::parse(RETURN_REASON)?)
                        .await?;
                    continue;
                }
                store.approve_report(admin, report.id()).await?;
            }
        }
    }
    Ok(())
}

/// What the demo shows on `today`, counted as the pages count it.
struct Summary {
    items: BTreeMap<Status, usize>,
    overdue_targets: usize,
    awaiting_review: usize,
    returned: usize,
}

fn summary(detail: &PlanDetail, reports: &[Report], today: Date) -> Summary {
    let mut items = BTreeMap::new();
    let mut overdue_targets = 0;
    for entry in &detail.items {
        let statuses: Vec<_> = entry
            .targets
            .iter()
            .map(|target| target_status(&detail.plan, target, reports, today))
            .collect();
        overdue_targets += statuses.iter().filter(|s| s.report_overdue()).count();
        if let Some(status) = item_status(&statuses) {
            *items.entry(status).or_insert(0) += 1;
        }
    }
    let state = |name: &str| reports.iter().filter(|r| r.state().name() == name).count();
    Summary {
        items,
        overdue_targets,
        awaiting_review: state("submitted") + state("unit_head_approved"),
        returned: state("returned"),
    }
}

fn role_zh(role: Role) -> &'static str {
    match role {
        Role::Admin => "督查管理员",
        Role::Leader => "区领导",
        Role::Deputy => "人大代表",
        Role::Reporter => "填报员",
        Role::UnitHead => "单位负责人",
    }
}

/// Columns a terminal gives `text`: two for each CJK character.
fn columns(text: &str) -> usize {
    text.chars()
        .map(|c| if u32::from(c) >= 0x1100 { 2 } else { 1 })
        .sum()
}

fn pad(text: &str, width: usize) -> String {
    let mut padded = text.to_owned();
    padded.push_str(&" ".repeat(width.saturating_sub(columns(text))));
    padded
}

fn write_welcome(
    out: &mut impl Write,
    detail: &PlanDetail,
    reports: &[Report],
    today: Date,
) -> std::io::Result<()> {
    writeln!(
        out,
        "演示日期：{today}（页面和接口都以这一天为“今天”；--today 可改）"
    )?;
    let summary = summary(detail, reports, today);
    let count = |status| summary.items.get(&status).copied().unwrap_or(0);
    writeln!(
        out,
        "{}，{} 项：已完成 {}，按序时 {}，慢序时 {}，严重滞后 {}；逾期未报目标 {} 个，待审核报告 {} 份，退回 {} 份",
        detail.plan.title(),
        detail.items.len(),
        count(Status::Completed),
        count(Status::OnSchedule),
        count(Status::Behind),
        count(Status::SeriouslyBehind),
        summary.overdue_targets,
        summary.awaiting_review,
        summary.returned,
    )?;
    writeln!(out)?;
    writeln!(out, "登录名   角色        单位")?;
    for login in logins(detail) {
        writeln!(
            out,
            "{}{}{}",
            pad(&login.login, 9),
            pad(role_zh(login.role), 12),
            login.office
        )?;
    }
    writeln!(out)?;
    writeln!(out, "所有账号的密码：{PASSWORD}    按 Ctrl-C 停止。")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn whole_figures_round_toward_their_status_band() {
        assert_eq!(round_to(Course::OnSchedule, 4.2, 1.0), 5.0);
        assert_eq!(round_to(Course::SeriouslyBehind, 4.8, 1.0), 4.0);
        assert_eq!(round_to(Course::Behind, 4.5, 1.0), 5.0);
        assert_eq!(round_to(Course::OnSchedule, 5.0, 1.0), 5.0);
        assert_eq!(round_to(Course::Behind, 0.123, 100.0), 0.12);
        assert_eq!(amount(2_981_580.0, "元"), "298.16万元");
        assert_eq!(amount(46_578.0, "平方米"), "46578平方米");
    }

    #[test]
    fn numbers_are_written_without_trailing_zeros_and_cjk_takes_two_columns() {
        assert_eq!(number(61900.0), "61900");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(columns("r01"), 3);
        assert_eq!(columns("填报员"), 6);
        assert_eq!(pad("区领导", 8), "区领导  ");
    }

    #[test]
    fn a_unit_login_is_a_valid_login_even_for_unit_1() {
        assert_eq!(unit_login('r', UnitId::new(1)), "r01");
        assert!(Login::parse(&unit_login('h', UnitId::new(1))).is_ok());
        assert_eq!(unit_login('r', UnitId::new(123)), "r123");
    }
}
