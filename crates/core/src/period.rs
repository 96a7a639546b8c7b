//! Reporting periods (`YYYY-MM`) and the day of the month a period's report is due.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::{Date, Month};

/// A calendar month that reports are made for, written `YYYY-MM` (`2020-06`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    // Field order gives the derived order: by year, then by month.
    year: i32,
    month: u8,
}

impl Period {
    /// Reads exactly `YYYY-MM`: four digits, a hyphen, two digits, month 01–12. Shorter forms
    /// (`2020-6`, `20-06`) are refused rather than guessed, since a period is a key.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidPeriod {
            input: input.to_owned(),
        };
        let bytes = input.as_bytes();
        if bytes.len() != 7 || bytes[4] != b'-' {
            return Err(invalid());
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            bytes[range].iter().try_fold(0u32, |acc, &b| {
                b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
            })
        };
        let (Some(year), Some(month)) = (digits(0..4), digits(5..7)) else {
            return Err(invalid());
        };
        let month = u8::try_from(month).map_err(|_| invalid())?;
        let year = i32::try_from(year).map_err(|_| invalid())?;
        Self::new(year, month).map_err(|_| invalid())
    }

    /// The period of a year (1000–9999) and a month (1–12).
    pub fn new(year: i32, month: u8) -> Result<Self, Error> {
        if !(1000..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(Error::InvalidPeriod {
                input: format!("{year:04}-{month:02}"),
            });
        }
        Ok(Self { year, month })
    }

    /// The month a date falls in.
    pub fn of(date: Date) -> Self {
        Self {
            year: date.year(),
            month: u8::from(date.month()),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The month after this one.
    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month before this one.
    pub fn prev(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The day the report for this period is due: the due day of this month, or the month's
    /// last day when the month is shorter (a due day of 31 means "the end of the month").
    pub fn due_date(self, due_day: DueDay) -> Date {
        let day = due_day.0.min(self.month_enum().length(self.year));
        // Year, month and day are in range by construction; the fallback is never taken.
        Date::from_calendar_date(self.year, self.month_enum(), day).unwrap_or(Date::MIN)
    }

    /// The first day of the month.
    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.year, self.month_enum(), 1).unwrap_or(Date::MIN)
    }

    fn month_enum(self) -> Month {
        Month::try_from(self.month).unwrap_or(Month::January)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Period {
    type Error = Error;

    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

/// The day of the month by which a period's report is due (每月N日前报送). Default 25.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct DueDay(u8);

impl DueDay {
    /// 1–31; a day past a short month's end falls on its last day.
    pub fn new(day: u8) -> Result<Self, Error> {
        if (1..=31).contains(&day) {
            Ok(Self(day))
        } else {
            Err(Error::InvalidDueDay(day))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for DueDay {
    fn default() -> Self {
        Self(25)
    }
}

impl TryFrom<u8> for DueDay {
    type Error = Error;

    fn try_from(day: u8) -> Result<Self, Error> {
        Self::new(day)
    }
}

impl From<DueDay> for u8 {
    fn from(d: DueDay) -> u8 {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_period_reads_year_and_month() {
        let p = Period::parse("2020-06").unwrap();
        assert_eq!((p.year(), p.month()), (2020, 6));
        assert_eq!(p.to_string(), "2020-06");
    }

    #[test]
    fn a_period_refuses_month_thirteen_a_single_digit_month_and_a_short_year() {
        for bad in [
            "2020-13",
            "2020-6",
            "20-06",
            "2020-00",
            "2020/06",
            "2020-06-01",
            "",
            "２020-06",
            "+020-06",
        ] {
            assert!(
                matches!(Period::parse(bad), Err(Error::InvalidPeriod { .. })),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn periods_order_by_year_then_month_and_step_across_years() {
        let dec = Period::parse("2020-12").unwrap();
        let jan = Period::parse("2021-01").unwrap();
        assert!(dec < jan);
        assert_eq!(dec.next(), jan);
        assert_eq!(jan.prev(), dec);
        assert!(Period::parse("2020-02").unwrap() < Period::parse("2020-10").unwrap());
    }

    #[test]
    fn a_period_is_due_on_the_25th_by_default() {
        let p = Period::parse("2020-06").unwrap();
        assert_eq!(p.due_date(DueDay::default()), date!(2020 - 06 - 25));
    }

    #[test]
    fn a_due_day_past_the_end_of_a_short_month_falls_on_its_last_day() {
        let feb = Period::parse("2021-02").unwrap();
        assert_eq!(
            feb.due_date(DueDay::new(31).unwrap()),
            date!(2021 - 02 - 28)
        );
        assert!(DueDay::new(0).is_err());
        assert!(DueDay::new(32).is_err());
    }

    #[test]
    fn a_period_is_json_text_and_bad_text_is_refused() {
        let p = Period::parse("2020-06").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"2020-06\"");
        assert_eq!(serde_json::from_str::<Period>("\"2020-06\"").unwrap(), p);
        assert!(serde_json::from_str::<Period>("\"2020-13\"").is_err());
    }

    #[test]
    fn the_period_of_a_date_is_its_month() {
        assert_eq!(Period::of(date!(2020 - 10 - 31)).to_string(), "2020-10");
    }
}
