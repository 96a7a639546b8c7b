//! The deputies' vote (人大代表票决): proposals and candidates for a coming plan year, the
//! ballot a deputy casts, and the rules that decide a session: quorum (法定人数) and
//! adoption (通过). Pure: counting only, no storage.

use crate::ids::UserId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a vote's input was refused. Each says enough for a field error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoteError {
    #[error("a title is 1 to {max} characters")]
    BadTitle { max: usize },
    #[error("a text is at most {max} characters")]
    TooLong { max: usize },
    #[error("this text may not be empty")]
    Empty,
    #[error("a quorum is a fraction from 1/2 up to but not including 1")]
    BadQuorum,
    #[error("a ballot answers every candidate of the session exactly once")]
    IncompleteBallot,
    #[error("a session has at least one candidate")]
    NoCandidates,
}

/// VoteText typed by a person, trimmed, within a length: a title (never empty) or a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VoteText(String);

impl VoteText {
    /// Titles of candidates and proposals: short enough to be an item's title in a plan.
    pub const TITLE_MAX: usize = 80;
    /// Descriptions and comments: a few paragraphs.
    pub const BODY_MAX: usize = 2000;

    /// A title: 1 to [`Self::TITLE_MAX`] characters after trimming.
    pub fn title(input: &str) -> Result<Self, VoteError> {
        let text = input.trim();
        let n = text.chars().count();
        if n == 0 || n > Self::TITLE_MAX {
            return Err(VoteError::BadTitle {
                max: Self::TITLE_MAX,
            });
        }
        Ok(Self(text.to_owned()))
    }

    /// A body that must say something: 1 to [`Self::BODY_MAX`] characters.
    pub fn body(input: &str) -> Result<Self, VoteError> {
        let text = Self::optional(input, Self::BODY_MAX)?;
        if text.0.is_empty() {
            return Err(VoteError::Empty);
        }
        Ok(text)
    }

    /// VoteText that may be empty, up to `max` characters.
    pub fn optional(input: &str, max: usize) -> Result<Self, VoteError> {
        let text = input.trim();
        if text.chars().count() > max {
            return Err(VoteError::TooLong { max });
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for VoteText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One deputy's answer on one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// 赞成
    For,
    /// 反对
    Against,
    /// 弃权
    Abstain,
}

impl Choice {
    pub const ALL: [Choice; 3] = [Choice::For, Choice::Against, Choice::Abstain];

    pub fn label_zh(self) -> &'static str {
        match self {
            Choice::For => "赞成",
            Choice::Against => "反对",
            Choice::Abstain => "弃权",
        }
    }

    /// The form value.
    pub fn name(self) -> &'static str {
        match self {
            Choice::For => "for",
            Choice::Against => "against",
            Choice::Abstain => "abstain",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Choice::ALL.into_iter().find(|c| c.name() == name.trim())
    }
}

/// A whole ballot: one choice for each candidate of the session, in the session's order.
/// There is no voter in it: who cast it is recorded apart (the roll), never beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot(Vec<Choice>);

impl Ballot {
    /// The ballot for a session of `candidates` candidates (numbered 1 to n in the session's
    /// list) from the answers given as (number, choice): every candidate answered, once.
    pub fn new(candidates: usize, answers: &[(usize, Choice)]) -> Result<Self, VoteError> {
        let mut choices: Vec<Option<Choice>> = vec![None; candidates];
        for &(number, choice) in answers {
            let slot = number
                .checked_sub(1)
                .and_then(|i| choices.get_mut(i))
                .ok_or(VoteError::IncompleteBallot)?;
            if slot.replace(choice).is_some() {
                return Err(VoteError::IncompleteBallot);
            }
        }
        let choices: Option<Vec<Choice>> = choices.into_iter().collect();
        match choices {
            Some(c) if !c.is_empty() => Ok(Self(c)),
            _ => Err(VoteError::IncompleteBallot),
        }
    }

    /// The choices in the session's order of candidates.
    pub fn choices(&self) -> &[Choice] {
        &self.0
    }
}

/// The votes on one candidate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteTally {
    #[serde(rename = "for")]
    pub for_votes: u32,
    pub against: u32,
    pub abstain: u32,
}

impl VoteTally {
    /// What one choice adds to the counters (for, against, abstain): exactly one is 1.
    pub fn increments(choice: Choice) -> (u32, u32, u32) {
        match choice {
            Choice::For => (1, 0, 0),
            Choice::Against => (0, 1, 0),
            Choice::Abstain => (0, 0, 1),
        }
    }

    pub fn total(&self) -> u32 {
        self.for_votes + self.against + self.abstain
    }
}

/// The share of the roll that must vote for a session to count: more than `num/den` of the
/// deputies on the roll (应到). The law's rule, and the default, is more than half
/// (过半数); a session may ask for more (a two-thirds quorum), never less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quorum {
    num: u32,
    den: u32,
}

impl Quorum {
    pub const HALF: Quorum = Quorum { num: 1, den: 2 };

    /// `num/den` from 1/2 up to but not including 1: at 1 no session could ever count.
    pub fn new(num: u32, den: u32) -> Result<Self, VoteError> {
        // num/den >= 1/2 and num/den < 1, in integers.
        if den == 0 || num * 2 < den || num >= den {
            return Err(VoteError::BadQuorum);
        }
        Ok(Self { num, den })
    }

    pub fn num(self) -> u32 {
        self.num
    }

    pub fn den(self) -> u32 {
        self.den
    }

    /// Whether `voted` of `roll` deputies is more than the quorum's share: strictly more,
    /// so 5 of 10 is not a quorum of one half, and 6 is.
    pub fn is_met(self, roll: u32, voted: u32) -> bool {
        u64::from(voted) * u64::from(self.den) > u64::from(roll) * u64::from(self.num)
    }

    /// The fewest votes that meet the quorum for a roll of `roll`.
    pub fn needed(self, roll: u32) -> u32 {
        (u64::from(roll) * u64::from(self.num) / u64::from(self.den) + 1)
            .try_into()
            .unwrap_or(u32::MAX)
    }

    pub fn label_zh(self) -> String {
        if self == Self::HALF {
            "过半数".to_owned()
        } else {
            format!("超过{}分之{}", self.den, self.num)
        }
    }
}

impl Default for Quorum {
    fn default() -> Self {
        Self::HALF
    }
}

/// Whether a candidate is adopted: the votes FOR are more than half of ALL the deputies on
/// the roll (全体代表的过半数), not of those who voted. An abstention or an absence counts
/// the same as a vote against; exactly half is not adopted.
pub fn is_adopted(roll: u32, tally: VoteTally) -> bool {
    u64::from(tally.for_votes) * 2 > u64::from(roll)
}

/// The fewest votes FOR that adopt a candidate on a roll of `roll`.
pub fn votes_to_adopt(roll: u32) -> u32 {
    roll / 2 + 1
}

/// How a closed session ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SessionOutcome {
    /// 未达法定人数: too few voted; nothing is adopted, whatever the ballots say.
    Void,
    /// The session counted: for each candidate in order, whether it was adopted.
    Decided { adopted: Vec<bool> },
}

/// Decides a session from its roll, its turnout and the tallies of its candidates in order.
pub fn decide(roll: u32, voted: u32, quorum: Quorum, tallies: &[VoteTally]) -> SessionOutcome {
    if !quorum.is_met(roll, voted) {
        return SessionOutcome::Void;
    }
    SessionOutcome::Decided {
        adopted: tallies.iter().map(|t| is_adopted(roll, *t)).collect(),
    }
}

/// Where a voting session (票决会议) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Deputies on the roll vote; the candidate list is frozen.
    Open,
    /// No more ballots; the result is public.
    Closed,
}

impl SessionState {
    pub fn name(self) -> &'static str {
        match self {
            SessionState::Open => "open",
            SessionState::Closed => "closed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            SessionState::Open => "投票中",
            SessionState::Closed => "已结束",
        }
    }
}

/// Where a proposal (项目建议) stands: nothing a person proposes is public until the
/// supervisor has read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// Waiting for the supervisor; not public.
    Pending,
    /// Shown on the public list of proposals (also when taken onto the candidate list).
    Published,
    /// Not shown (off-topic, abusive, a duplicate); kept with the reason.
    Declined,
}

impl ProposalState {
    pub fn name(self) -> &'static str {
        match self {
            ProposalState::Pending => "pending",
            ProposalState::Published => "published",
            ProposalState::Declined => "declined",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [
            ProposalState::Pending,
            ProposalState::Published,
            ProposalState::Declined,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProposalState::Pending => "待审核",
            ProposalState::Published => "已公开",
            ProposalState::Declined => "未采用",
        }
    }
}

/// Who proposed: the public through the moderated form, or a signed-in deputy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Proposer {
    Public,
    Deputy { user: UserId },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(for_votes: u32, against: u32, abstain: u32) -> VoteTally {
        VoteTally {
            for_votes,
            against,
            abstain,
        }
    }

    #[test]
    fn a_quorum_of_half_needs_strictly_more_than_half_of_the_roll() {
        let q = Quorum::HALF;
        assert!(!q.is_met(10, 5), "exactly half is not a quorum");
        assert!(q.is_met(10, 6));
        assert!(!q.is_met(11, 5));
        assert!(q.is_met(11, 6));
        assert!(q.is_met(1, 1));
        assert!(!q.is_met(1, 0));
        assert!(!q.is_met(0, 0), "an empty roll never has a quorum");
        assert_eq!(q.needed(10), 6);
        assert_eq!(q.needed(11), 6);
        assert_eq!(q.needed(2), 2);
    }

    #[test]
    fn a_two_thirds_quorum_is_allowed_and_one_below_half_or_whole_is_not() {
        let q = Quorum::new(2, 3).unwrap();
        assert!(!q.is_met(9, 6));
        assert!(q.is_met(9, 7));
        assert_eq!(q.needed(9), 7);
        assert_eq!(q.label_zh(), "超过3分之2");
        assert_eq!(Quorum::HALF.label_zh(), "过半数");
        for (num, den) in [(1, 3), (1, 1), (3, 2), (0, 0), (1, 0)] {
            assert_eq!(
                Quorum::new(num, den),
                Err(VoteError::BadQuorum),
                "{num}/{den}"
            );
        }
    }

    #[test]
    fn adoption_counts_the_votes_for_against_the_whole_roll_not_those_voting() {
        // 10 on the roll: 6 for adopts, 5 for (exactly half) does not.
        assert!(is_adopted(10, tally(6, 0, 0)));
        assert!(!is_adopted(10, tally(5, 0, 0)));
        // 7 voted, 5 for and 2 against: a majority of those voting, but not of the roll.
        assert!(!is_adopted(10, tally(5, 2, 0)));
        // Abstentions do not help and do not hurt beyond not being a vote for.
        assert!(is_adopted(10, tally(6, 0, 4)));
        assert!(!is_adopted(10, tally(5, 0, 5)));
        // An odd roll: 11 needs 6.
        assert!(!is_adopted(11, tally(5, 0, 0)));
        assert!(is_adopted(11, tally(6, 5, 0)));
        assert_eq!(votes_to_adopt(10), 6);
        assert_eq!(votes_to_adopt(11), 6);
        assert_eq!(votes_to_adopt(1), 1);
    }

    #[test]
    fn a_session_without_quorum_adopts_nothing_even_with_unanimous_ballots() {
        // 10 on the roll, 5 voted, all for: void.
        let outcome = decide(10, 5, Quorum::HALF, &[tally(5, 0, 0)]);
        assert_eq!(outcome, SessionOutcome::Void);
        let outcome = decide(
            10,
            7,
            Quorum::HALF,
            &[tally(7, 0, 0), tally(5, 1, 1), tally(6, 0, 1)],
        );
        assert_eq!(
            outcome,
            SessionOutcome::Decided {
                adopted: vec![true, false, true]
            }
        );
    }

    #[test]
    fn a_ballot_answers_every_candidate_once() {
        let ballot = Ballot::new(
            3,
            &[(2, Choice::Against), (1, Choice::For), (3, Choice::Abstain)],
        )
        .unwrap();
        assert_eq!(
            ballot.choices(),
            [Choice::For, Choice::Against, Choice::Abstain]
        );
        for bad in [
            vec![(1, Choice::For), (2, Choice::For)],
            vec![
                (1, Choice::For),
                (2, Choice::For),
                (2, Choice::Against),
                (3, Choice::For),
            ],
            vec![(0, Choice::For), (1, Choice::For), (2, Choice::For)],
            vec![(1, Choice::For), (2, Choice::For), (4, Choice::For)],
        ] {
            assert_eq!(
                Ballot::new(3, &bad),
                Err(VoteError::IncompleteBallot),
                "{bad:?}"
            );
        }
        assert_eq!(Ballot::new(0, &[]), Err(VoteError::IncompleteBallot));
        assert_eq!(Choice::parse("against"), Some(Choice::Against));
        assert_eq!(Choice::parse("yes"), None);
        assert_eq!(VoteTally::increments(Choice::Abstain), (0, 0, 1));
    }

    #[test]
    fn titles_and_bodies_are_trimmed_and_bounded() {
        assert_eq!(
            VoteText::title("  新建社区食堂 ").unwrap().as_str(),
            "新建社区食堂"
        );
        assert!(VoteText::title("   ").is_err());
        assert!(VoteText::title(&"字".repeat(81)).is_err());
        assert!(VoteText::title(&"字".repeat(80)).is_ok());
        assert_eq!(VoteText::body(" "), Err(VoteError::Empty));
        assert!(VoteText::body(&"字".repeat(2001)).is_err());
        assert_eq!(VoteText::optional("", 10).unwrap().as_str(), "");
    }
}
