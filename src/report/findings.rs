//! `tagtrail findings` and `tagtrail checks` output. JSON is the contract (one object
//! per finding: check, severity, subject, summary, evidence, first_seen, last_seen,
//! count, status, justification when accepted); the table, CSV and Markdown show the
//! same findings for people, with the evidence as compact JSON in CSV.

use std::io::Write;

use super::{Format, new_table, write_rows};
use crate::checks::{Check, Finding, Severity, Status};

const HEADERS: [&str; 8] = [
    "severity",
    "check",
    "subject",
    "summary",
    "count",
    "first_seen",
    "last_seen",
    "status",
];

pub fn write(out: &mut dyn Write, findings: &[Finding], format: Format) -> std::io::Result<()> {
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, findings)?;
        return writeln!(out);
    }
    let status = |f: &Finding| match (&f.status, &f.justification) {
        (Status::Accepted, Some(j)) => format!("accepted: {j}"),
        _ => "open".to_string(),
    };
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            let mut row = vec![
                f.severity.to_string(),
                f.check.to_string(),
                f.subject.clone(),
                f.summary.clone(),
                f.count.to_string(),
                f.first_seen.clone().unwrap_or_default(),
                f.last_seen.clone().unwrap_or_default(),
                status(f),
            ];
            if format == Format::Csv {
                row.push(f.evidence.to_string());
            }
            row
        })
        .collect();
    let mut headers: Vec<&str> = HEADERS.to_vec();
    if format == Format::Csv {
        headers.push("evidence");
    }
    write_rows(out, &headers, &rows, format)?;
    if format == Format::Table {
        writeln!(out, "{}", tally(findings))?;
    }
    Ok(())
}

/// `7 findings: 1 critical, 2 high, 4 low (1 accepted)`.
pub fn tally(findings: &[Finding]) -> String {
    let parts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|s| {
            let n = findings.iter().filter(|f| f.severity == *s).count();
            (n > 0).then(|| format!("{n} {s}"))
        })
        .collect();
    let accepted = findings
        .iter()
        .filter(|f| f.status == Status::Accepted)
        .count();
    let mut text = match findings.len() {
        0 => "no findings".to_string(),
        1 => format!("1 finding: {}", parts.join(", ")),
        n => format!("{n} findings: {}", parts.join(", ")),
    };
    if accepted > 0 {
        text.push_str(&format!(" ({accepted} accepted)"));
    }
    text
}

/// Every check (id, severity, title), or one check's whole documentation.
pub fn write_checks(
    out: &mut dyn Write,
    all: &[&Check],
    one: Option<&Check>,
) -> std::io::Result<()> {
    if let Some(c) = one {
        writeln!(
            out,
            "# {} ({}, default severity {})\n",
            c.id, c.title, c.severity
        )?;
        return writeln!(out, "{}", c.doc.trim_end());
    }
    let mut table = new_table(["check", "severity", "finds"]);
    for c in all {
        table.add_row(vec![c.id, c.severity.name(), c.title]);
    }
    writeln!(out, "{table}")?;
    writeln!(
        out,
        "`tagtrail checks ID` shows what a check finds, why it matters and how to fix it."
    )
}
