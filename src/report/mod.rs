//! Renderers: the same answer as a terminal table, JSON for scripts, or CSV for
//! spreadsheets. Timestamps always print as RFC 3339 UTC (`…Z`).

pub mod findings;
pub mod values;
pub mod weekly;
pub mod who;

use std::io::Write;

use arrow::record_batch::RecordBatch;
use comfy_table::{ContentArrangement, Table, presets};

pub use values::{cell_text, json_value};

/// Output formats of `who` and `query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    /// A GitHub-flavoured Markdown table, for tickets and audit reports.
    Markdown,
}

impl Format {
    pub fn from_name(s: &str) -> Option<Format> {
        match s {
            "table" => Some(Format::Table),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "md" => Some(Format::Markdown),
            _ => None,
        }
    }
}

/// Renders any query result.
pub fn write_batches(
    out: &mut dyn Write,
    batches: &[RecordBatch],
    format: Format,
) -> std::io::Result<()> {
    let Some(first) = batches.first() else {
        return match format {
            Format::Json => writeln!(out, "[]"),
            _ => Ok(()),
        };
    };
    let schema = first.schema();
    let headers: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    match format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = batches
                .iter()
                .flat_map(|b| {
                    (0..b.num_rows()).map(move |r| {
                        let obj = b
                            .columns()
                            .iter()
                            .zip(b.schema().fields())
                            .map(|(c, f)| (f.name().clone(), json_value(c.as_ref(), r)))
                            .collect::<serde_json::Map<_, _>>();
                        serde_json::Value::Object(obj)
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)
        }
        Format::Csv | Format::Table | Format::Markdown => {
            let cells: Vec<Vec<String>> = batches
                .iter()
                .flat_map(|b| {
                    (0..b.num_rows()).map(move |r| {
                        b.columns()
                            .iter()
                            .map(|c| cell_text(c.as_ref(), r))
                            .collect()
                    })
                })
                .collect();
            write_rows(out, &headers, &cells, format)
        }
    }
}

/// Text rows as CSV, a terminal table or Markdown (JSON is shaped by each caller).
pub fn write_rows(
    out: &mut dyn Write,
    headers: &[impl AsRef<str>],
    rows: &[Vec<String>],
    format: Format,
) -> std::io::Result<()> {
    match format {
        Format::Csv => {
            write_csv_row(out, headers.iter().map(AsRef::as_ref))?;
            for r in rows {
                write_csv_row(out, r.iter().map(String::as_str))?;
            }
            Ok(())
        }
        Format::Markdown => {
            write_markdown_row(out, headers.iter().map(AsRef::as_ref))?;
            writeln!(out, "|{}", "---|".repeat(headers.len()))?;
            for r in rows {
                write_markdown_row(out, r.iter().map(String::as_str))?;
            }
            Ok(())
        }
        Format::Table | Format::Json => {
            let mut table = new_table(headers.iter().map(AsRef::as_ref));
            for r in rows {
                table.add_row(r);
            }
            writeln!(out, "{table}")
        }
    }
}

/// One Markdown table row: pipes escaped, line breaks as `<br>`.
fn write_markdown_row<'a>(
    out: &mut dyn Write,
    cells: impl Iterator<Item = &'a str>,
) -> std::io::Result<()> {
    let cells: Vec<String> = cells
        .map(|c| {
            c.replace('|', "\\|")
                .replace("\r\n", "<br>")
                .replace('\n', "<br>")
        })
        .collect();
    writeln!(out, "| {} |", cells.join(" | "))
}

/// A terminal table in tagtrail's style.
pub fn new_table(headers: impl IntoIterator<Item = impl Into<comfy_table::Cell>>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(headers);
    table
}

/// RFC 4180 quoting: fields with commas, quotes or line breaks are quoted.
pub fn write_csv_row<'a>(
    out: &mut dyn Write,
    cells: impl Iterator<Item = &'a str>,
) -> std::io::Result<()> {
    let line: Vec<String> = cells
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.to_string()
            }
        })
        .collect();
    writeln!(out, "{}", line.join(","))
}
