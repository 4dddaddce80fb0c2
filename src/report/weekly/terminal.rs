//! The one-screen summary `tagtrail report` prints: the key figures and the findings by
//! severity, and where the files went.

use std::io::Write;
use std::path::PathBuf;

use super::markdown::{change_text, value_text};
use super::model::Report;
use crate::report::new_table;

pub fn write(out: &mut dyn Write, r: &Report, written: &[PathBuf]) -> std::io::Result<()> {
    writeln!(
        out,
        "{} ({} to {}, compared with {})",
        r.title, r.period.since, r.period.until, r.previous_period.name
    )?;
    let mut figures = new_table([
        "figure",
        r.period.name.as_str(),
        r.previous_period.name.as_str(),
        "change",
    ]);
    for f in &r.figures {
        figures.add_row(vec![
            f.label.to_string(),
            value_text(f, f.value),
            value_text(f, f.previous),
            change_text(f),
        ]);
    }
    writeln!(out, "{figures}")?;
    let mut findings = new_table(["severity", "findings", "new", "resolved"]);
    for s in &r.findings.by_severity {
        findings.add_row(vec![
            s.severity.clone(),
            s.findings.to_string(),
            s.new.to_string(),
            s.resolved.to_string(),
        ]);
    }
    writeln!(out, "{findings}")?;
    writeln!(
        out,
        "evidence: {} source(s); CloudTrail digests {}; {} gap(s)",
        r.scope.coverage.len(),
        r.scope.digests.status,
        r.scope.gaps.len()
    )?;
    for path in written {
        writeln!(out, "wrote {}", path.display())?;
    }
    Ok(())
}
