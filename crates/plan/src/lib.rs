//! shishi-plan: notice bytes in, structured plan out.

pub mod decode;
mod docx;
mod html;
mod lines;
pub mod model;
pub mod numbers;
mod read;

pub use decode::{DecodeError, SourceForm, MAX_INPUT_BYTES};
pub use model::{Item, Meta, Op, Plan, Target, Warning, WarningKind};
pub use read::ReadError;

/// Why a notice could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// Reads a notice (plain text in UTF-8 or GB18030, an HTML page, or a .docx) into the
/// structured plan.
pub fn parse(bytes: &[u8]) -> Result<Plan, ParseError> {
    let decoded = decode::decode(bytes)?;
    Ok(read::read_plan(&decoded.lines)?)
}

/// Reads the plan from text already decoded (pasted into a form, say).
pub fn parse_text(text: &str) -> Result<Plan, ParseError> {
    parse(text.as_bytes())
}
