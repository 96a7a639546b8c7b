//! Typed ids, so a unit's id is never passed where a target's is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Any number the database gave out is an id; nothing else is checked here.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(raw: i64) -> Self {
                Self(raw)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A yearly plan (one notice).
    PlanId
);
id!(
    /// One numbered commitment of a plan.
    ItemId
);
id!(
    /// A quantitative target or a milestone of an item.
    TargetId
);
id!(
    /// A unit of the registry (a bureau, a town).
    UnitId
);
id!(
    /// A person who signs in.
    UserId
);
id!(
    /// A report for one target and one period.
    ReportId
);
id!(
    /// A supervision order (督办单).
    OrderId
);
id!(
    /// A proposed project (项目建议) for a coming plan year.
    ProposalId
);
id!(
    /// A candidate project (候选项目) on the list the deputies vote on.
    CandidateId
);
id!(
    /// A voting session (票决会议) of the deputies.
    VoteSessionId
);
id!(
    /// A message of the public (群众留言) on an item.
    FeedbackId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_serializes_as_its_bare_number() {
        assert_eq!(serde_json::to_string(&TargetId::new(42)).unwrap(), "42");
        let id: UnitId = serde_json::from_str("7").unwrap();
        assert_eq!(id.get(), 7);
    }
}
