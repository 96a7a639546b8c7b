//! Supervision orders (督办单): the supervisor requires a unit to act on a lagging item or one
//! of its targets by a day; the unit head answers; the supervisor closes the order (销号) or
//! sends it back (退回重办) for a new answer. Every answer is kept, as report revisions are.

use crate::error::Error;
use crate::ids::{ItemId, OrderId, PlanId, TargetId, UnitId};
use crate::report::Reason;
use serde::Serialize;
use time::Date;

/// What the unit is required to do (督办事项): never empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Requirement(String);

impl Requirement {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let text = input.trim();
        if text.is_empty() {
            Err(Error::EmptyRequirement)
        } else {
            Ok(Self(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Requirement> for String {
    fn from(r: Requirement) -> String {
        r.0
    }
}

/// An evidence file named by the SM3 hash of its bytes (64 lowercase hex digits), as the
/// attachments store names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct EvidenceHash(String);

impl EvidenceHash {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let hash = input.trim();
        if hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(hash.to_owned()))
        } else {
            Err(Error::InvalidEvidence {
                input: input.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<EvidenceHash> for String {
    fn from(h: EvidenceHash) -> String {
        h.0
    }
}

/// Why an answer was not accepted, and when the supervisor said so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendBack {
    pub reason: Reason,
    pub on: Date,
}

/// One answer of the unit head: what was done, with evidence. Kept when sent back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderAnswer {
    /// 1 for the first answer, counting up.
    pub number: u32,
    pub text: String,
    pub evidence: Vec<EvidenceHash>,
    pub answered_on: Date,
    /// Set when the supervisor sent this answer back (退回重办).
    pub sent_back: Option<SendBack>,
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OrderState {
    /// Waiting for the unit's answer: just issued, or its last answer sent back.
    Issued,
    /// Answered; the supervisor decides.
    Answered,
    /// 销号: done with, on that day.
    Closed { on: Date },
}

impl OrderState {
    pub fn name(&self) -> &'static str {
        match self {
            OrderState::Issued => "issued",
            OrderState::Answered => "answered",
            OrderState::Closed { .. } => "closed",
        }
    }
}

/// What the supervisor fills in to issue an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub item: ItemId,
    /// One target of the item, or none for the item as a whole.
    pub target: Option<TargetId>,
    /// One of the item's lead units.
    pub unit: UnitId,
    pub requirement: Requirement,
    /// The day by which the unit must have acted and answered.
    pub due_on: Date,
}

/// A supervision order with all its answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupervisionOrder {
    id: OrderId,
    plan: PlanId,
    item: ItemId,
    target: Option<TargetId>,
    unit: UnitId,
    requirement: Requirement,
    due_on: Date,
    issued_on: Date,
    #[serde(flatten)]
    state: OrderState,
    answers: Vec<OrderAnswer>,
}

/// The stored fields of an order, to rebuild it with [`SupervisionOrder::restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    pub id: OrderId,
    pub plan: PlanId,
    pub item: ItemId,
    pub target: Option<TargetId>,
    pub unit: UnitId,
    pub requirement: Requirement,
    pub due_on: Date,
    pub issued_on: Date,
    pub state: OrderState,
    pub answers: Vec<OrderAnswer>,
}

impl SupervisionOrder {
    /// Issues `new` on `today` for an item of `plan` led by `lead_units`. The unit must be one
    /// of them, and the due day not before today.
    pub fn issue(
        id: OrderId,
        plan: PlanId,
        new: NewOrder,
        lead_units: &[UnitId],
        today: Date,
    ) -> Result<Self, Error> {
        if !lead_units.contains(&new.unit) {
            return Err(Error::UnitNotLead);
        }
        if new.due_on < today {
            return Err(Error::DueBeforeIssue {
                due_on: new.due_on,
                issued_on: today,
            });
        }
        Ok(Self {
            id,
            plan,
            item: new.item,
            target: new.target,
            unit: new.unit,
            requirement: new.requirement,
            due_on: new.due_on,
            issued_on: today,
            state: OrderState::Issued,
            answers: Vec::new(),
        })
    }

    /// An order rebuilt from storage: answers numbered 1, 2, 3…, every one but the last sent
    /// back, and the state agreeing with the last answer.
    pub fn restore(stored: StoredOrder) -> Result<Self, Error> {
        let numbered = stored
            .answers
            .iter()
            .zip(1u32..)
            .all(|(a, n)| a.number == n);
        let earlier_sent_back = stored
            .answers
            .iter()
            .rev()
            .skip(1)
            .all(|a| a.sent_back.is_some());
        let last_sent_back = stored.answers.last().map(|a| a.sent_back.is_some());
        let agrees = match stored.state {
            OrderState::Issued => last_sent_back != Some(false),
            OrderState::Answered | OrderState::Closed { .. } => last_sent_back == Some(false),
        };
        if !numbered || !earlier_sent_back || !agrees {
            return Err(Error::InvalidOrder);
        }
        Ok(Self {
            id: stored.id,
            plan: stored.plan,
            item: stored.item,
            target: stored.target,
            unit: stored.unit,
            requirement: stored.requirement,
            due_on: stored.due_on,
            issued_on: stored.issued_on,
            state: stored.state,
            answers: stored.answers,
        })
    }

    pub fn id(&self) -> OrderId {
        self.id
    }

    pub fn plan(&self) -> PlanId {
        self.plan
    }

    pub fn item(&self) -> ItemId {
        self.item
    }

    pub fn target(&self) -> Option<TargetId> {
        self.target
    }

    pub fn unit(&self) -> UnitId {
        self.unit
    }

    pub fn requirement(&self) -> &Requirement {
        &self.requirement
    }

    pub fn due_on(&self) -> Date {
        self.due_on
    }

    pub fn issued_on(&self) -> Date {
        self.issued_on
    }

    pub fn state(&self) -> OrderState {
        self.state
    }

    /// Every answer, oldest first.
    pub fn answers(&self) -> &[OrderAnswer] {
        &self.answers
    }

    /// The answer under review or accepted, or the last one sent back.
    pub fn last_answer(&self) -> Option<&OrderAnswer> {
        self.answers.last()
    }

    /// Whether it waits for an answer after one was sent back (退回重办).
    pub fn is_sent_back(&self) -> bool {
        self.state == OrderState::Issued && !self.answers.is_empty()
    }

    /// The state in words, as the pages show it.
    pub fn label_zh(&self) -> &'static str {
        match self.state {
            OrderState::Issued if self.is_sent_back() => "退回重办",
            OrderState::Issued => "待答复",
            OrderState::Answered => "已答复",
            OrderState::Closed { .. } => "已销号",
        }
    }

    /// Whether it is past its due day on `today` and not closed.
    pub fn is_overdue(&self, today: Date) -> bool {
        is_overdue(self.state, self.due_on, today)
    }

    /// The unit head's answer on `today`: what was done, with evidence files. Only while the
    /// order waits for one.
    pub fn answer(
        &mut self,
        text: &str,
        evidence: Vec<EvidenceHash>,
        today: Date,
    ) -> Result<(), Error> {
        self.expect(OrderState::Issued, "answered")?;
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::EmptyAnswer);
        }
        let number = self.answers.last().map_or(1, |a| a.number + 1);
        self.answers.push(OrderAnswer {
            number,
            text: text.to_owned(),
            evidence,
            answered_on: today,
            sent_back: None,
        });
        self.state = OrderState::Answered;
        Ok(())
    }

    /// 销号: the supervisor accepts the answer.
    pub fn close(&mut self, today: Date) -> Result<(), Error> {
        self.expect(OrderState::Answered, "closed")?;
        self.state = OrderState::Closed { on: today };
        Ok(())
    }

    /// 退回重办: the answer is not enough; the unit answers again.
    pub fn send_back(&mut self, reason: Reason, today: Date) -> Result<(), Error> {
        self.expect(OrderState::Answered, "sent back")?;
        if let Some(last) = self.answers.last_mut() {
            last.sent_back = Some(SendBack { reason, on: today });
        }
        self.state = OrderState::Issued;
        Ok(())
    }

    fn expect(&self, state: OrderState, action: &'static str) -> Result<(), Error> {
        if self.state == state {
            Ok(())
        } else {
            Err(Error::IllegalOrderTransition {
                state: self.state.name(),
                action,
            })
        }
    }
}

/// Whether an order in `state`, due on `due_on`, is overdue on `today`: not closed, and
/// today is after the due day (the due day itself is still in time).
pub fn is_overdue(state: OrderState, due_on: Date, today: Date) -> bool {
    !matches!(state, OrderState::Closed { .. }) && today > due_on
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    const EDUCATION: UnitId = UnitId::new(1);
    const HEALTH: UnitId = UnitId::new(2);
    const HASH: &str = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";

    fn new_order() -> NewOrder {
        NewOrder {
            item: ItemId::new(3),
            target: Some(TargetId::new(7)),
            unit: EDUCATION,
            requirement: Requirement::parse("  9月底前完成3所学校主体工程  ").unwrap(),
            due_on: date!(2020 - 10 - 15),
        }
    }

    fn issued() -> SupervisionOrder {
        SupervisionOrder::issue(
            OrderId::new(1),
            PlanId::new(1),
            new_order(),
            &[EDUCATION, HEALTH],
            date!(2020 - 09 - 28),
        )
        .unwrap()
    }

    fn answered() -> SupervisionOrder {
        let mut order = issued();
        order
            .answer(
                "已召开推进会，增加施工力量",
                vec![EvidenceHash::parse(HASH).unwrap()],
                date!(2020 - 10 - 08),
            )
            .unwrap();
        order
    }

    #[test]
    fn an_order_is_issued_to_a_lead_unit_with_a_requirement_and_a_due_day() {
        let order = issued();
        assert_eq!(order.state(), OrderState::Issued);
        assert_eq!(order.requirement().as_str(), "9月底前完成3所学校主体工程");
        assert_eq!(order.issued_on(), date!(2020 - 09 - 28));
        assert_eq!(order.due_on(), date!(2020 - 10 - 15));
        assert_eq!(order.unit(), EDUCATION);
        assert_eq!(order.target(), Some(TargetId::new(7)));
        assert_eq!(order.label_zh(), "待答复");
        assert!(order.answers().is_empty());
    }

    #[test]
    fn issuing_is_refused_without_a_requirement_outside_the_lead_units_or_due_in_the_past() {
        assert_eq!(Requirement::parse(" \n "), Err(Error::EmptyRequirement));
        let refused = SupervisionOrder::issue(
            OrderId::new(1),
            PlanId::new(1),
            new_order(),
            &[HEALTH],
            date!(2020 - 09 - 28),
        );
        assert_eq!(refused, Err(Error::UnitNotLead));
        let late = SupervisionOrder::issue(
            OrderId::new(1),
            PlanId::new(1),
            new_order(),
            &[EDUCATION],
            date!(2020 - 10 - 16),
        );
        assert!(matches!(late, Err(Error::DueBeforeIssue { .. })));
        // Due the day it is issued is allowed.
        assert!(SupervisionOrder::issue(
            OrderId::new(1),
            PlanId::new(1),
            new_order(),
            &[EDUCATION],
            date!(2020 - 10 - 15),
        )
        .is_ok());
    }

    #[test]
    fn the_unit_head_answers_with_evidence() {
        let order = answered();
        assert_eq!(order.state(), OrderState::Answered);
        assert_eq!(order.label_zh(), "已答复");
        let answer = order.last_answer().unwrap();
        assert_eq!(answer.number, 1);
        assert_eq!(answer.evidence[0].as_str(), HASH);
        assert_eq!(answer.answered_on, date!(2020 - 10 - 08));
        assert_eq!(answer.sent_back, None);
    }

    #[test]
    fn an_empty_answer_or_a_second_answer_is_refused() {
        let mut order = issued();
        assert_eq!(
            order.answer("  ", vec![], date!(2020 - 10 - 01)),
            Err(Error::EmptyAnswer)
        );
        assert_eq!(order.state(), OrderState::Issued);
        let mut order = answered();
        assert_eq!(
            order.answer("再答一次", vec![], date!(2020 - 10 - 09)),
            Err(Error::IllegalOrderTransition {
                state: "answered",
                action: "answered"
            })
        );
        assert_eq!(order.answers().len(), 1);
    }

    #[test]
    fn evidence_is_named_by_an_sm3_hash() {
        assert!(EvidenceHash::parse(HASH).is_ok());
        for bad in [
            "",
            "abc",
            &HASH.to_uppercase(),
            &format!("{HASH}0"),
            "../etc/passwd",
        ] {
            assert!(matches!(
                EvidenceHash::parse(bad),
                Err(Error::InvalidEvidence { .. })
            ));
        }
    }

    #[test]
    fn a_sent_back_order_awaits_a_new_answer_and_keeps_the_old_one() {
        let mut order = answered();
        order
            .send_back(
                Reason::parse("未说明完工时间").unwrap(),
                date!(2020 - 10 - 09),
            )
            .unwrap();
        assert_eq!(order.state(), OrderState::Issued);
        assert!(order.is_sent_back());
        assert_eq!(order.label_zh(), "退回重办");
        let first = &order.answers()[0];
        assert_eq!(
            first.sent_back.as_ref().unwrap().reason.as_str(),
            "未说明完工时间"
        );
        assert_eq!(first.sent_back.as_ref().unwrap().on, date!(2020 - 10 - 09));

        order
            .answer("10月20日前完工", vec![], date!(2020 - 10 - 10))
            .unwrap();
        assert_eq!(order.state(), OrderState::Answered);
        assert_eq!(order.answers().len(), 2);
        assert_eq!(order.answers()[1].number, 2);
        assert_eq!(order.answers()[0].text, "已召开推进会，增加施工力量");
    }

    #[test]
    fn the_supervisor_closes_an_answered_order() {
        let mut order = answered();
        order.close(date!(2020 - 10 - 12)).unwrap();
        assert_eq!(
            order.state(),
            OrderState::Closed {
                on: date!(2020 - 10 - 12)
            }
        );
        assert_eq!(order.label_zh(), "已销号");
    }

    #[test]
    fn only_an_answered_order_is_closed_or_sent_back() {
        let mut order = issued();
        assert!(matches!(
            order.close(date!(2020 - 10 - 01)),
            Err(Error::IllegalOrderTransition { .. })
        ));
        assert!(matches!(
            order.send_back(Reason::parse("x").unwrap(), date!(2020 - 10 - 01)),
            Err(Error::IllegalOrderTransition { .. })
        ));
        let mut closed = answered();
        closed.close(date!(2020 - 10 - 12)).unwrap();
        let before = closed.clone();
        assert!(closed.close(date!(2020 - 10 - 13)).is_err());
        assert!(closed
            .send_back(Reason::parse("x").unwrap(), date!(2020 - 10 - 13))
            .is_err());
        assert!(closed.answer("x", vec![], date!(2020 - 10 - 13)).is_err());
        assert_eq!(closed, before);
    }

    #[test]
    fn an_order_is_overdue_after_its_due_day_until_closed() {
        let due = date!(2020 - 10 - 15);
        assert!(!is_overdue(OrderState::Issued, due, date!(2020 - 10 - 15)));
        assert!(is_overdue(OrderState::Issued, due, date!(2020 - 10 - 16)));
        assert!(is_overdue(OrderState::Answered, due, date!(2020 - 10 - 16)));
        assert!(!is_overdue(
            OrderState::Closed {
                on: date!(2020 - 10 - 20)
            },
            due,
            date!(2020 - 11 - 01)
        ));
        let order = issued();
        assert!(!order.is_overdue(date!(2020 - 10 - 01)));
        assert!(order.is_overdue(date!(2020 - 10 - 16)));
    }

    #[test]
    fn a_stored_order_is_restored_only_when_its_answers_agree_with_its_state() {
        let mut order = answered();
        order
            .send_back(Reason::parse("补充材料").unwrap(), date!(2020 - 10 - 09))
            .unwrap();
        order
            .answer("已补充", vec![], date!(2020 - 10 - 10))
            .unwrap();
        let stored = |state, answers: Vec<OrderAnswer>| StoredOrder {
            id: order.id(),
            plan: order.plan(),
            item: order.item(),
            target: order.target(),
            unit: order.unit(),
            requirement: order.requirement().clone(),
            due_on: order.due_on(),
            issued_on: order.issued_on(),
            state,
            answers,
        };
        let answers = order.answers().to_vec();
        assert_eq!(
            SupervisionOrder::restore(stored(OrderState::Answered, answers.clone())).unwrap(),
            order
        );
        assert_eq!(
            SupervisionOrder::restore(stored(OrderState::Issued, answers.clone())),
            Err(Error::InvalidOrder)
        );
        assert_eq!(
            SupervisionOrder::restore(stored(OrderState::Answered, vec![])),
            Err(Error::InvalidOrder)
        );
        assert!(SupervisionOrder::restore(stored(OrderState::Issued, vec![])).is_ok());
        let mut renumbered = answers.clone();
        renumbered[1].number = 5;
        assert_eq!(
            SupervisionOrder::restore(stored(OrderState::Answered, renumbered)),
            Err(Error::InvalidOrder)
        );
        let mut unsent = answers;
        unsent[0].sent_back = None;
        assert_eq!(
            SupervisionOrder::restore(stored(OrderState::Answered, unsent)),
            Err(Error::InvalidOrder)
        );
    }
}
