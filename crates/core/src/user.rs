//! People who sign in, their role and their unit.

use crate::error::Error;
use crate::ids::{UnitId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a signed-in person is. The public (群众) is not a role: it is the absence of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 督查室, 发改局: runs the plan.
    Admin,
    /// 区领导: reads everything, comments (批示).
    Leader,
    /// 单位负责人: approves the unit's reports.
    UnitHead,
    /// 填报员: reports for the unit's targets.
    Reporter,
    /// 人大代表: reads everything, comments.
    Deputy,
}

impl Role {
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "督查管理员",
            Role::Leader => "区领导",
            Role::UnitHead => "单位负责人",
            Role::Reporter => "填报员",
            Role::Deputy => "人大代表",
        }
    }
}

/// A sign-in name: 3–32 characters of `a-z 0-9 _ . -`. Capitals are taken as lowercase, so
/// `ZhangSan` and `zhangsan` are one login.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Login(String);

impl Login {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let login = input.to_ascii_lowercase();
        let fits = (3..=32).contains(&login.len())
            && login.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
            });
        if fits {
            Ok(Self(login))
        } else {
            Err(Error::InvalidLogin {
                input: input.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Login {
    type Error = Error;

    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<Login> for String {
    fn from(l: Login) -> String {
        l.0
    }
}

/// A person who signs in. Unit heads and reporters act only for their unit; without one they
/// may read but not act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub login: Login,
    pub name: String,
    pub role: Role,
    pub unit: Option<UnitId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_lowercased() {
        assert_eq!(
            Login::parse("Zhang.San-01").unwrap().as_str(),
            "zhang.san-01"
        );
        assert_eq!(Login::parse("a_b").unwrap().as_str(), "a_b");
    }

    #[test]
    fn a_login_refuses_short_long_spaced_or_chinese_names() {
        for bad in [
            "ab",
            "",
            &"a".repeat(33),
            "zhang san",
            "张三",
            "zhang@gov",
            "İstanbul",
        ] {
            assert!(Login::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Login::parse(&"a".repeat(32)).is_ok());
    }

    #[test]
    fn roles_are_json_in_snake_case() {
        assert_eq!(
            serde_json::to_string(&Role::UnitHead).unwrap(),
            "\"unit_head\""
        );
        assert!(serde_json::from_str::<Login>("\"x\"").is_err());
    }
}
