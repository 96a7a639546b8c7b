//! The one error type of the documents layer.

use shishi_core::Period;
use time::Date;

/// Why a document could not be made. Messages are in Chinese: the command line shows them to
/// the supervisor as they are.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("通报期间 {period} 不在计划年度 {year} 年内")]
    PeriodOutsidePlan { period: Period, year: i32 },
    #[error("成文日期 {date} 早于通报期间 {period} 的第一天，无法通报尚未开始的月份")]
    DateBeforePeriod { date: Date, period: Period },
    #[error("{0}不能为空")]
    Missing(&'static str),
    #[error("生成 .docx 压缩包失败：{0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("写入文档失败：{0}")]
    Io(#[from] std::io::Error),
}
