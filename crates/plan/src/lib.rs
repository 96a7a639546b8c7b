//! shishi-plan: notice bytes in, structured plan out.

pub mod model;
pub mod numbers;

pub use model::{Item, Meta, Op, Plan, Target, Warning, WarningKind};
