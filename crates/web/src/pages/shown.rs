//! How a report's figure and its photos read on the pages that show them.

use crate::standing::{figure, number};
use shishi_core::{Actual, Measure};
use shishi_store::Attachment;

/// A figure as reported: "1.2万户" read back as "12000 户", a milestone as "完成 85%".
pub(crate) fn shown_actual(actual: &Actual, measure: &Measure) -> String {
    match actual {
        Actual::Value(v) => match measure {
            Measure::Quantity(q) => figure(v.get(), q.unit()),
            Measure::Milestone => number(v.get()),
        },
        Actual::Percent(p) => format!("完成 {}%", number(p.get())),
    }
}

/// A photo's caption for readers: when it was taken, if the photo says; else the day it was
/// uploaded.
pub(crate) fn photo_caption(photo: &Attachment) -> String {
    match &photo.captured_at {
        Some(at) => format!("拍摄于 {}", at.replace('T', " ")),
        None => format!("上传于 {}", photo.uploaded_at.get(..10).unwrap_or("")),
    }
}
