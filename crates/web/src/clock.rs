//! Today's date, read once per request at the edge and passed into the domain.

use std::fmt;
use std::sync::Arc;
use time::{Date, OffsetDateTime, UtcOffset};

/// Where today comes from: the system clock in a server, a fixed day in tests.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Date + Send + Sync>);

/// China Standard Time. The plans run on Chinese government days: a report due on the 5th
/// is late from midnight in Beijing, whatever zone the server's host is set to.
const CHINA_STANDARD_TIME_HOURS: i8 = 8;

impl Clock {
    /// Today in China Standard Time (UTC+8).
    pub fn system() -> Self {
        Self(Arc::new(|| {
            let offset =
                UtcOffset::from_hms(CHINA_STANDARD_TIME_HOURS, 0, 0).unwrap_or(UtcOffset::UTC);
            OffsetDateTime::now_utc().to_offset(offset).date()
        }))
    }

    /// Always `date`.
    pub fn fixed(date: Date) -> Self {
        Self(Arc::new(move || date))
    }

    pub fn today(&self) -> Date {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Clock").field(&self.today()).finish()
    }
}
