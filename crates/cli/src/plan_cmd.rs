//! `shishi plan …`: reading notices, and the numbers inside them.

use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use shishi_plan::numbers::find_quantities;
use shishi_plan::{Plan, MAX_INPUT_BYTES};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Read a notice (text in UTF-8 or GB18030, a saved HTML page, or a .docx) and print
    /// the structured plan.
    Parse {
        /// The notice file.
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Read lines on standard input and print, for each, a JSON array of every quantity
    /// found in it: {"text","value","unit","op"}.
    Quantities,
    /// Read a notice and store its plan; print the plan's id alone on the last line. The
    /// same notice again changes nothing; a revised one shows what would change, and is
    /// applied only with --apply.
    Import {
        /// The notice file.
        file: PathBuf,
        /// Apply the changes of a revised notice to the stored plan.
        #[arg(long)]
        apply: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The structured plan as JSON (plan-format.md), with a `warnings` array.
    Json,
    /// A view for a person checking the reading.
    Table,
}

pub fn run(command: PlanCommand, db: &str) -> anyhow::Result<()> {
    match command {
        PlanCommand::Parse { file, format } => parse(&file, format),
        PlanCommand::Quantities => quantities(),
        PlanCommand::Import { file, apply } => {
            let bytes = read_notice(&file)?;
            let plan = shishi_plan::parse(&bytes).with_context(|| format!("{}", file.display()))?;
            crate::runtime()?.block_on(crate::import_cmd::import(db, plan, apply))
        }
    }
}

fn parse(path: &Path, format: Format) -> anyhow::Result<()> {
    let bytes = read_notice(path)?;
    let plan = shishi_plan::parse(&bytes).with_context(|| format!("{}", path.display()))?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &plan)?;
            writeln!(out)?;
        }
        Format::Table => write_table(&mut out, &plan)?,
    }
    Ok(())
}

/// Reads the file, refusing directories and files over the limit before reading them.
fn read_notice(path: &Path) -> anyhow::Result<Vec<u8>> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).with_context(|| format!("cannot open {shown}"))?;
    if metadata.is_dir() {
        bail!("{shown} is a directory, not a notice file");
    }
    if metadata.len() > MAX_INPUT_BYTES as u64 {
        bail!(
            "{shown} is {} bytes, over the limit of {MAX_INPUT_BYTES} bytes (20 MiB)",
            metadata.len()
        );
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_INPUT_BYTES as u64 + 1).read_to_end(&mut bytes))
        .with_context(|| format!("cannot read {shown}"))?;
    Ok(bytes)
}

fn write_table(out: &mut impl Write, plan: &Plan) -> std::io::Result<()> {
    let meta = &plan.meta;
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_string());
    writeln!(out, "标题：{}", show(&meta.title))?;
    writeln!(
        out,
        "发文机关：{}　文号：{}　索引号：{}",
        show(&meta.issuer),
        show(&meta.doc_number),
        show(&meta.index_no)
    )?;
    writeln!(
        out,
        "发文日期：{}　年度：{}　共 {} 项",
        show(&meta.date),
        meta.year.map_or("—".to_string(), |y| y.to_string()),
        plan.items.len()
    )?;
    let mut category: Option<&str> = None;
    for item in &plan.items {
        if item.category.as_deref() != category {
            category = item.category.as_deref();
            if let Some(c) = category {
                writeln!(out, "\n【{c}】")?;
            }
        }
        writeln!(out, "\n{:>3}. {}", item.seq, item.title)?;
        writeln!(out, "     牵头：{}", join_or_dash(&item.lead_units))?;
        if !item.support_units.is_empty() {
            writeln!(out, "     配合：{}", item.support_units.join("、"))?;
        }
        for target in &item.targets {
            writeln!(
                out,
                "     · {} {} {}　〔{}〕",
                op_sign(target.op),
                format_value(target.value),
                target.unit,
                target.text
            )?;
        }
    }
    if !plan.warnings.is_empty() {
        writeln!(out, "\n提示（{} 条）：", plan.warnings.len())?;
        for warning in &plan.warnings {
            writeln!(out, "  - {}", warning.message)?;
        }
    }
    Ok(())
}

fn join_or_dash(names: &[String]) -> String {
    if names.is_empty() {
        "—（未读到）".to_string()
    } else {
        names.join("、")
    }
}

fn op_sign(op: shishi_plan::Op) -> &'static str {
    use shishi_plan::Op;
    match op {
        Op::Eq => "＝",
        Op::Ge => "≥",
        Op::Le => "≤",
        Op::Inc => "＋",
        Op::Dec => "－",
    }
}

fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

fn quantities() -> anyhow::Result<()> {
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // Lines are read as bytes so that one line in a wrong encoding costs that line only.
    for line in stdin.split(b'\n') {
        let line = line.context("cannot read standard input")?;
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches('\r');
        let found: Vec<serde_json::Value> = find_quantities(text)
            .into_iter()
            .map(|q| {
                serde_json::json!({
                    "text": &text[q.span.clone()],
                    "value": shishi_plan::model::json_number(q.value),
                    "unit": q.unit,
                    "op": q.op,
                })
            })
            .collect();
        serde_json::to_writer(&mut out, &found)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(())
}
