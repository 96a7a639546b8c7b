//! shishi-plan: notice bytes in, structured plan out.

pub mod decode;
mod docx;
mod html;
mod lines;
pub mod model;
pub mod numbers;

pub use decode::{DecodeError, SourceForm, MAX_INPUT_BYTES};
pub use model::{Item, Meta, Op, Plan, Target, Warning, WarningKind};
