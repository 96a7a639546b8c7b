//! The public's messages (群众留言) on an item: posted by anyone, shown only once the
//! supervisor publishes them (or kept hidden, with a reason); answered by one of the item's
//! lead units, whose answer shows under the message only once the supervisor approves it.
//! The contact a person leaves is for the supervisor and the answering unit, never public.

use crate::ids::{FeedbackId, ItemId, PlanId, UnitId, UserId};
use crate::permission::{can, Action, Resource};
use crate::report::Reason;
use crate::user::User;
use serde::Serialize;
use time::Date;

/// The most characters a message may have: a paragraph or two, enough to describe a problem
/// with a school gate or a bus stop, short enough for the supervisor to read a queue of them.
pub const MAX_MESSAGE_CHARS: usize = 1000;
/// The most characters of an answer: a unit may need to explain more than it was asked.
pub const MAX_ANSWER_CHARS: usize = 2000;
/// A name or a pen name (张先生, 某小区居民).
pub const MAX_NAME_CHARS: usize = 40;
/// A telephone number, an e-mail address or a postal address.
pub const MAX_CONTACT_CHARS: usize = 100;

/// Which field of a message or an answer a refusal is about, named as the forms name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Text,
    Name,
    Contact,
    Answer,
}

impl Field {
    /// The form field's name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Text => "text",
            Field::Name => "name",
            Field::Contact => "contact",
            Field::Answer => "answer",
        }
    }
}

/// Why a message, an answer or a move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackError {
    #[error("the {} is empty", .0.name())]
    Empty(Field),
    #[error("the {} has {chars} characters; at most {max} are taken", field.name())]
    TooLong {
        field: Field,
        chars: usize,
        max: usize,
    },
    /// A control character (other than a line break or tab in a text), or a character that
    /// reorders the text around it (bidirectional overrides), which could make a message read
    /// differently from what is stored.
    #[error("the {} contains a control character U+{code:04X}", field.name())]
    ControlCharacter { field: Field, code: u32 },
    #[error("a message that is {state} cannot be {action}")]
    IllegalTransition {
        state: &'static str,
        action: &'static str,
    },
    #[error("an answer is written for a published message that has no answer waiting or approved")]
    NotAnswerable,
    #[error("there is no answer waiting for a decision")]
    NoPendingAnswer,
    #[error("a message is answered by one of its item's lead units")]
    UnitNotLead,
    #[error("answers must be numbered from 1, all but the last returned")]
    InvalidAnswers,
}

impl FeedbackError {
    /// The form field the refusal is about, if it is about one.
    pub fn field(&self) -> Option<Field> {
        match self {
            FeedbackError::Empty(field)
            | FeedbackError::TooLong { field, .. }
            | FeedbackError::ControlCharacter { field, .. } => Some(*field),
            _ => None,
        }
    }
}

/// Characters refused everywhere: the C0 and C1 controls and DEL, and the bidirectional
/// embeddings, overrides and isolates. `multiline` keeps line breaks and tabs.
fn check_characters(text: &str, field: Field, multiline: bool) -> Result<(), FeedbackError> {
    let bad = text.chars().find(|&c| {
        let kept = multiline && matches!(c, '\n' | '\t');
        (c.is_control() && !kept) || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    });
    match bad {
        Some(c) => Err(FeedbackError::ControlCharacter {
            field,
            code: u32::from(c),
        }),
        None => Ok(()),
    }
}

/// A text typed in a form: line breaks as `\n`, trimmed, not empty, at most `max`
/// characters, no control characters.
fn text_of(input: &str, field: Field, max: usize) -> Result<String, FeedbackError> {
    let text = input.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err(FeedbackError::Empty(field));
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(FeedbackError::TooLong { field, chars, max });
    }
    check_characters(text, field, true)?;
    Ok(text.to_owned())
}

/// A one-line optional field: `None` when left blank.
fn line_of(input: &str, field: Field, max: usize) -> Result<Option<String>, FeedbackError> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(None);
    }
    check_characters(text, field, false)?;
    let chars = text.chars().count();
    if chars > max {
        return Err(FeedbackError::TooLong { field, chars, max });
    }
    Ok(Some(text.to_owned()))
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

text_type!(
    /// What the person wrote: 1 to [`MAX_MESSAGE_CHARS`] characters, line breaks kept.
    MessageText
);
text_type!(
    /// The name a person signs with, if any (one line).
    PosterName
);
text_type!(
    /// How to reach the person (one line). Never public: only the supervisor and the item's
    /// lead units read it.
    Contact
);
text_type!(
    /// A lead unit's answer: 1 to [`MAX_ANSWER_CHARS`] characters.
    AnswerText
);

impl MessageText {
    pub fn parse(input: &str) -> Result<Self, FeedbackError> {
        text_of(input, Field::Text, MAX_MESSAGE_CHARS).map(Self)
    }
}

impl PosterName {
    /// `None` when left blank.
    pub fn parse(input: &str) -> Result<Option<Self>, FeedbackError> {
        Ok(line_of(input, Field::Name, MAX_NAME_CHARS)?.map(Self))
    }
}

impl Contact {
    /// `None` when left blank.
    pub fn parse(input: &str) -> Result<Option<Self>, FeedbackError> {
        Ok(line_of(input, Field::Contact, MAX_CONTACT_CHARS)?.map(Self))
    }
}

impl AnswerText {
    pub fn parse(input: &str) -> Result<Self, FeedbackError> {
        text_of(input, Field::Answer, MAX_ANSWER_CHARS).map(Self)
    }
}

/// A message as the form gives it, parsed: what is stored when it is posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedback {
    pub item: ItemId,
    pub text: MessageText,
    pub name: Option<PosterName>,
    pub contact: Option<Contact>,
    /// The signed-in user who posted it; `None` for the public.
    pub posted_by: Option<UserId>,
}

impl NewFeedback {
    /// Every field of the form checked at once, so a person sees all that is wrong together.
    pub fn parse(
        item: ItemId,
        text: &str,
        name: &str,
        contact: &str,
        posted_by: Option<UserId>,
    ) -> Result<Self, Vec<FeedbackError>> {
        let text = MessageText::parse(text);
        let name = PosterName::parse(name);
        let contact = Contact::parse(contact);
        match (text, name, contact) {
            (Ok(text), Ok(name), Ok(contact)) => Ok(Self {
                item,
                text,
                name,
                contact,
                posted_by,
            }),
            (text, name, contact) => Err([text.err(), name.err(), contact.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }
}

/// Where a message stands in moderation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Moderation {
    /// Posted; nobody but the supervisor (and readers of the queue) sees it yet.
    Pending,
    /// Public under the item, since that day.
    Published { on: Date },
    /// Kept out of sight, with the reason; stays stored. `published_on` when it was public
    /// before it was hidden.
    Hidden {
        reason: Reason,
        on: Date,
        published_on: Option<Date>,
    },
}

impl Moderation {
    pub fn name(&self) -> &'static str {
        match self {
            Moderation::Pending => "pending",
            Moderation::Published { .. } => "published",
            Moderation::Hidden { .. } => "hidden",
        }
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            Moderation::Pending => "待审核",
            Moderation::Published { .. } => "已公开",
            Moderation::Hidden { .. } => "已隐藏",
        }
    }
}

/// Where an answer stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AnswerState {
    /// Written by the unit, waiting for the supervisor.
    Pending,
    /// Public under the message since that day.
    Approved { on: Date },
    /// Sent back with the reason; the unit writes a new answer.
    Returned { reason: Reason, on: Date },
}

impl AnswerState {
    pub fn name(&self) -> &'static str {
        match self {
            AnswerState::Pending => "pending",
            AnswerState::Approved { .. } => "approved",
            AnswerState::Returned { .. } => "returned",
        }
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            AnswerState::Pending => "答复待审核",
            AnswerState::Approved { .. } => "答复已公开",
            AnswerState::Returned { .. } => "答复已退回",
        }
    }
}

/// One answer of a lead unit. Kept when returned, as every answer to an order is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedbackAnswer {
    /// 1 for the first answer, counting up.
    pub number: u32,
    pub unit: UnitId,
    pub text: AnswerText,
    pub answered_on: Date,
    #[serde(flatten)]
    pub state: AnswerState,
}

/// A message with its moderation and its answers.
///
/// Serialized (for the audit log) without the contact: the log is kept for ever and cannot
/// be edited, and a person's telephone number has no place in it; it records only that one
/// was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feedback {
    id: FeedbackId,
    plan: PlanId,
    item: ItemId,
    text: MessageText,
    name: Option<PosterName>,
    #[serde(skip)]
    contact: Option<Contact>,
    has_contact: bool,
    posted_by: Option<UserId>,
    posted_on: Date,
    moderation: Moderation,
    answers: Vec<FeedbackAnswer>,
}

/// The stored fields of a message, to rebuild it with [`Feedback::restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFeedback {
    pub id: FeedbackId,
    pub plan: PlanId,
    pub item: ItemId,
    pub text: MessageText,
    pub name: Option<PosterName>,
    pub contact: Option<Contact>,
    pub posted_by: Option<UserId>,
    pub posted_on: Date,
    pub moderation: Moderation,
    pub answers: Vec<FeedbackAnswer>,
}

impl Feedback {
    /// A message just posted on `today`: pending moderation.
    pub fn post(id: FeedbackId, plan: PlanId, new: NewFeedback, today: Date) -> Self {
        Self {
            id,
            plan,
            item: new.item,
            text: new.text,
            name: new.name,
            has_contact: new.contact.is_some(),
            contact: new.contact,
            posted_by: new.posted_by,
            posted_on: today,
            moderation: Moderation::Pending,
            answers: Vec::new(),
        }
    }

    /// A message rebuilt from storage: answers numbered 1, 2, 3…, every one but the last
    /// returned.
    pub fn restore(stored: StoredFeedback) -> Result<Self, FeedbackError> {
        let numbered = stored
            .answers
            .iter()
            .zip(1u32..)
            .all(|(a, n)| a.number == n);
        let earlier_returned = stored
            .answers
            .iter()
            .rev()
            .skip(1)
            .all(|a| matches!(a.state, AnswerState::Returned { .. }));
        if !numbered || !earlier_returned {
            return Err(FeedbackError::InvalidAnswers);
        }
        Ok(Self {
            id: stored.id,
            plan: stored.plan,
            item: stored.item,
            text: stored.text,
            name: stored.name,
            has_contact: stored.contact.is_some(),
            contact: stored.contact,
            posted_by: stored.posted_by,
            posted_on: stored.posted_on,
            moderation: stored.moderation,
            answers: stored.answers,
        })
    }

    /// The same message without its contact: what may leave the supervisor's and the unit's
    /// pages.
    pub fn without_contact(mut self) -> Self {
        self.contact = None;
        self
    }

    pub fn id(&self) -> FeedbackId {
        self.id
    }

    pub fn plan(&self) -> PlanId {
        self.plan
    }

    pub fn item(&self) -> ItemId {
        self.item
    }

    pub fn text(&self) -> &MessageText {
        &self.text
    }

    pub fn name(&self) -> Option<&PosterName> {
        self.name.as_ref()
    }

    /// The contact, for the supervisor and the answering unit only (see [`sees_contact`]).
    pub fn contact(&self) -> Option<&Contact> {
        self.contact.as_ref()
    }

    pub fn posted_by(&self) -> Option<UserId> {
        self.posted_by
    }

    pub fn posted_on(&self) -> Date {
        self.posted_on
    }

    pub fn moderation(&self) -> &Moderation {
        &self.moderation
    }

    pub fn is_published(&self) -> bool {
        matches!(self.moderation, Moderation::Published { .. })
    }

    /// Every answer, oldest first.
    pub fn answers(&self) -> &[FeedbackAnswer] {
        &self.answers
    }

    pub fn last_answer(&self) -> Option<&FeedbackAnswer> {
        self.answers.last()
    }

    /// The answer the public reads under the message: the last one, once approved, while the
    /// message itself is public.
    pub fn public_answer(&self) -> Option<&FeedbackAnswer> {
        self.last_answer()
            .filter(|a| self.is_published() && matches!(a.state, AnswerState::Approved { .. }))
    }

    /// The answer waiting for the supervisor's decision, on a published message.
    pub fn pending_answer(&self) -> Option<&FeedbackAnswer> {
        self.last_answer()
            .filter(|a| self.is_published() && a.state == AnswerState::Pending)
    }

    /// Whether a lead unit may write an answer now: the message is public and has no answer,
    /// or its last one was returned.
    pub fn awaits_answer(&self) -> bool {
        self.is_published()
            && self
                .last_answer()
                .is_none_or(|a| matches!(a.state, AnswerState::Returned { .. }))
    }

    /// 公开: the supervisor publishes a pending message.
    pub fn publish(&mut self, today: Date) -> Result<(), FeedbackError> {
        match self.moderation {
            Moderation::Pending => {
                self.moderation = Moderation::Published { on: today };
                Ok(())
            }
            _ => Err(self.illegal("published")),
        }
    }

    /// 隐藏: a pending or a published message is kept out of sight, with the reason. It stays
    /// stored, answers and all.
    pub fn hide(&mut self, reason: Reason, today: Date) -> Result<(), FeedbackError> {
        let published_on = match self.moderation {
            Moderation::Pending => None,
            Moderation::Published { on } => Some(on),
            Moderation::Hidden { .. } => return Err(self.illegal("hidden")),
        };
        self.moderation = Moderation::Hidden {
            reason,
            on: today,
            published_on,
        };
        Ok(())
    }

    /// A lead unit's answer on `today`, for the supervisor to approve. `lead_units` are the
    /// item's.
    pub fn answer(
        &mut self,
        unit: UnitId,
        text: AnswerText,
        lead_units: &[UnitId],
        today: Date,
    ) -> Result<(), FeedbackError> {
        if !lead_units.contains(&unit) {
            return Err(FeedbackError::UnitNotLead);
        }
        if !self.awaits_answer() {
            return Err(FeedbackError::NotAnswerable);
        }
        let number = self.answers.last().map_or(1, |a| a.number + 1);
        self.answers.push(FeedbackAnswer {
            number,
            unit,
            text,
            answered_on: today,
            state: AnswerState::Pending,
        });
        Ok(())
    }

    /// The supervisor approves the waiting answer: it shows under the message from now on.
    pub fn approve_answer(&mut self, today: Date) -> Result<(), FeedbackError> {
        self.decide(AnswerState::Approved { on: today })
    }

    /// The supervisor sends the waiting answer back, with the reason; the unit answers again.
    pub fn return_answer(&mut self, reason: Reason, today: Date) -> Result<(), FeedbackError> {
        self.decide(AnswerState::Returned { reason, on: today })
    }

    fn decide(&mut self, state: AnswerState) -> Result<(), FeedbackError> {
        if self.pending_answer().is_none() {
            return Err(FeedbackError::NoPendingAnswer);
        }
        if let Some(last) = self.answers.last_mut() {
            last.state = state;
        }
        Ok(())
    }

    fn illegal(&self, action: &'static str) -> FeedbackError {
        FeedbackError::IllegalTransition {
            state: self.moderation.name(),
            action,
        }
    }
}

/// Whether `user` may read the contact a person left on a message about an item led by
/// `lead_units`: the supervisor, and the heads and reporters of those units. Leaders and
/// deputies read the queue without it.
pub fn sees_contact(user: Option<&User>, lead_units: &[UnitId]) -> bool {
    can(user, Action::ModerateFeedback, &Resource::System)
        || can(
            user,
            Action::AnswerFeedback,
            &Resource::Feedback { lead_units },
        )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::user::{Login, Role};
    use time::macros::date;

    const EDUCATION: UnitId = UnitId::new(1);
    const HEALTH: UnitId = UnitId::new(2);
    const DAY: Date = date!(2020 - 09 - 28);

    fn posted() -> Feedback {
        let new = NewFeedback::parse(
            ItemId::new(3),
            "  学校门口早上很堵，\r\n能否增设护学岗？  ",
            " 张先生 ",
            "13800000000",
            None,
        )
        .unwrap();
        Feedback::post(FeedbackId::new(1), PlanId::new(1), new, DAY)
    }

    fn published() -> Feedback {
        let mut message = posted();
        message.publish(date!(2020 - 09 - 29)).unwrap();
        message
    }

    fn answer_text() -> AnswerText {
        AnswerText::parse("已安排交警在上学时段值守。").unwrap()
    }

    #[test]
    fn a_message_is_trimmed_with_line_breaks_kept_and_posted_pending() {
        let message = posted();
        assert_eq!(
            message.text().as_str(),
            "学校门口早上很堵，\n能否增设护学岗？"
        );
        assert_eq!(message.name().unwrap().as_str(), "张先生");
        assert_eq!(message.contact().unwrap().as_str(), "13800000000");
        assert_eq!(message.moderation(), &Moderation::Pending);
        assert_eq!(message.moderation().label_zh(), "待审核");
        assert!(!message.awaits_answer());
        assert_eq!(message.public_answer(), None);
    }

    #[test]
    fn blank_name_and_contact_are_none_and_an_empty_text_is_refused() {
        assert_eq!(PosterName::parse("  "), Ok(None));
        assert_eq!(Contact::parse(""), Ok(None));
        assert_eq!(
            MessageText::parse(" \n\t "),
            Err(FeedbackError::Empty(Field::Text))
        );
    }

    #[test]
    fn a_text_of_a_thousand_characters_is_taken_and_one_more_is_refused() {
        let most = "路".repeat(MAX_MESSAGE_CHARS);
        assert!(MessageText::parse(&most).is_ok());
        assert_eq!(
            MessageText::parse(&format!("{most}灯")),
            Err(FeedbackError::TooLong {
                field: Field::Text,
                chars: 1001,
                max: 1000
            })
        );
        assert!(PosterName::parse(&"名".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(Contact::parse(&"1".repeat(MAX_CONTACT_CHARS + 1)).is_err());
        assert!(AnswerText::parse(&"答".repeat(MAX_ANSWER_CHARS + 1)).is_err());
    }

    #[test]
    fn control_and_bidirectional_override_characters_are_refused() {
        for bad in [
            "a\u{0}b",
            "a\u{7}b",
            "a\u{1b}[31mb",
            "a\u{7f}b",
            "a\u{202e}b",
            "a\u{2066}b",
        ] {
            assert!(
                matches!(
                    MessageText::parse(bad),
                    Err(FeedbackError::ControlCharacter {
                        field: Field::Text,
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            PosterName::parse("张\n三"),
            Err(FeedbackError::ControlCharacter {
                field: Field::Name,
                code: 10
            })
        );
        assert!(Contact::parse("138\t0000").is_err());
        // Markup is text like any other: it is stored as typed and escaped when shown.
        assert_eq!(
            MessageText::parse("<script>alert(1)</script>")
                .unwrap()
                .as_str(),
            "<script>alert(1)</script>"
        );
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let errors =
            NewFeedback::parse(ItemId::new(1), "", &"名".repeat(41), "a\u{0}", None).unwrap_err();
        let fields: Vec<_> = errors.iter().filter_map(FeedbackError::field).collect();
        assert_eq!(fields, [Field::Text, Field::Name, Field::Contact]);
    }

    #[test]
    fn the_supervisor_publishes_or_hides_a_pending_message_and_may_hide_a_published_one() {
        let mut message = published();
        assert_eq!(
            message.moderation(),
            &Moderation::Published {
                on: date!(2020 - 09 - 29)
            }
        );
        assert!(message.publish(DAY).is_err());
        message
            .hide(
                Reason::parse("含有他人隐私").unwrap(),
                date!(2020 - 10 - 02),
            )
            .unwrap();
        assert_eq!(
            message.moderation(),
            &Moderation::Hidden {
                reason: Reason::parse("含有他人隐私").unwrap(),
                on: date!(2020 - 10 - 02),
                published_on: Some(date!(2020 - 09 - 29)),
            }
        );
        assert_eq!(
            message.hide(Reason::parse("x").unwrap(), DAY),
            Err(FeedbackError::IllegalTransition {
                state: "hidden",
                action: "hidden"
            })
        );
        assert!(message.publish(DAY).is_err());

        let mut pending = posted();
        pending.hide(Reason::parse("广告").unwrap(), DAY).unwrap();
        assert!(matches!(
            pending.moderation(),
            Moderation::Hidden {
                published_on: None,
                ..
            }
        ));
    }

    #[test]
    fn a_lead_unit_answers_a_published_message_and_the_answer_shows_once_approved() {
        let mut message = posted();
        assert_eq!(
            message.answer(EDUCATION, answer_text(), &[EDUCATION], DAY),
            Err(FeedbackError::NotAnswerable)
        );
        let mut message = {
            message.publish(DAY).unwrap();
            message
        };
        assert_eq!(
            message.answer(HEALTH, answer_text(), &[EDUCATION], DAY),
            Err(FeedbackError::UnitNotLead)
        );
        message
            .answer(EDUCATION, answer_text(), &[EDUCATION], DAY)
            .unwrap();
        assert_eq!(message.public_answer(), None);
        assert_eq!(message.pending_answer().unwrap().number, 1);
        assert_eq!(
            message.answer(EDUCATION, answer_text(), &[EDUCATION], DAY),
            Err(FeedbackError::NotAnswerable)
        );
        message.approve_answer(date!(2020 - 10 - 01)).unwrap();
        let shown = message.public_answer().unwrap();
        assert_eq!(shown.text.as_str(), "已安排交警在上学时段值守。");
        assert_eq!(
            shown.state,
            AnswerState::Approved {
                on: date!(2020 - 10 - 01)
            }
        );
        assert_eq!(
            message.approve_answer(DAY),
            Err(FeedbackError::NoPendingAnswer)
        );
        // An approved answer stands: no second answer.
        assert!(!message.awaits_answer());
        // Hiding the message takes its answer out of sight too.
        message.hide(Reason::parse("重复").unwrap(), DAY).unwrap();
        assert_eq!(message.public_answer(), None);
    }

    #[test]
    fn a_returned_answer_is_kept_and_the_unit_answers_again() {
        let mut message = published();
        message
            .answer(EDUCATION, answer_text(), &[EDUCATION], DAY)
            .unwrap();
        message
            .return_answer(Reason::parse("请说明时间").unwrap(), DAY)
            .unwrap();
        assert!(message.awaits_answer());
        assert_eq!(message.public_answer(), None);
        message
            .answer(
                EDUCATION,
                AnswerText::parse("10月起每天7点至8点值守。").unwrap(),
                &[EDUCATION],
                DAY,
            )
            .unwrap();
        assert_eq!(message.answers().len(), 2);
        assert_eq!(message.answers()[1].number, 2);
        assert_eq!(message.answers()[0].state.name(), "returned");
    }

    #[test]
    fn a_stored_message_is_restored_only_with_well_numbered_answers() {
        let mut message = published();
        message
            .answer(EDUCATION, answer_text(), &[EDUCATION], DAY)
            .unwrap();
        let stored = |answers: Vec<FeedbackAnswer>| StoredFeedback {
            id: message.id(),
            plan: message.plan(),
            item: message.item(),
            text: message.text().clone(),
            name: message.name().cloned(),
            contact: message.contact().cloned(),
            posted_by: message.posted_by(),
            posted_on: message.posted_on(),
            moderation: message.moderation().clone(),
            answers,
        };
        let answers = message.answers().to_vec();
        assert_eq!(Feedback::restore(stored(answers.clone())).unwrap(), message);
        let mut twice = answers.clone();
        twice.push(FeedbackAnswer {
            number: 2,
            ..answers[0].clone()
        });
        assert_eq!(
            Feedback::restore(stored(twice)),
            Err(FeedbackError::InvalidAnswers)
        );
        let mut renumbered = answers;
        renumbered[0].number = 3;
        assert_eq!(
            Feedback::restore(stored(renumbered)),
            Err(FeedbackError::InvalidAnswers)
        );
    }

    #[test]
    fn the_audit_record_of_a_message_says_a_contact_was_given_but_not_what_it_is() {
        let json = serde_json::to_string(&posted()).unwrap();
        assert!(json.contains("\"has_contact\":true"), "{json}");
        assert!(!json.contains("13800000000"), "{json}");
        assert!(json.contains("\"state\":\"pending\""), "{json}");
        assert_eq!(posted().without_contact().contact(), None);
    }

    fn user(role: Role, unit: Option<UnitId>) -> User {
        User {
            id: UserId::new(1),
            login: Login::parse("someone").unwrap(),
            name: "某人".into(),
            role,
            unit,
        }
    }

    #[test]
    fn only_the_supervisor_and_the_lead_units_see_the_contact() {
        let lead = [EDUCATION];
        assert!(sees_contact(Some(&user(Role::Admin, None)), &lead));
        assert!(sees_contact(
            Some(&user(Role::UnitHead, Some(EDUCATION))),
            &lead
        ));
        assert!(sees_contact(
            Some(&user(Role::Reporter, Some(EDUCATION))),
            &lead
        ));
        assert!(!sees_contact(
            Some(&user(Role::UnitHead, Some(HEALTH))),
            &lead
        ));
        assert!(!sees_contact(Some(&user(Role::Reporter, None)), &lead));
        assert!(!sees_contact(Some(&user(Role::Leader, None)), &lead));
        assert!(!sees_contact(Some(&user(Role::Deputy, None)), &lead));
        assert!(!sees_contact(None, &lead));
    }
}
