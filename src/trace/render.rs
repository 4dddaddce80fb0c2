//! A trace as text lines (one per link, then the diagnoses), Markdown or JSON.

use std::io::{self, Write};

use super::chain::Trace;
use crate::report::Format;

fn evidence(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!("  [evidence: {}]", items.join(", "))
    }
}

fn header(t: &Trace) -> String {
    let or_none = |v: &[String]| {
        if v.is_empty() {
            "none found".to_string()
        } else {
            v.join(", ")
        }
    };
    format!(
        "person: {}; db user from the session tag: {}",
        or_none(&t.persons),
        or_none(&t.db_users)
    )
}

pub fn write(out: &mut dyn Write, t: &Trace, format: Format) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, t)?;
            writeln!(out)
        }
        Format::Markdown => markdown(out, t),
        Format::Table | Format::Csv => lines(out, t),
    }
}

fn lines(out: &mut dyn Write, t: &Trace) -> io::Result<()> {
    writeln!(out, "trace {}: {}", t.subject, header(t))?;
    for l in &t.links {
        writeln!(
            out,
            "{:<7} {:<22} {}{}",
            l.status.name(),
            l.link.label(),
            l.summary,
            evidence(&l.evidence)
        )?;
    }
    if t.diagnoses.is_empty() {
        return writeln!(out, "diagnoses: none");
    }
    writeln!(out, "diagnoses:")?;
    for d in &t.diagnoses {
        writeln!(out, "- {}: {}{}", d.id, d.message, evidence(&d.evidence))?;
    }
    Ok(())
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(out: &mut dyn Write, t: &Trace) -> io::Result<()> {
    writeln!(
        out,
        "## Trace of {}\n\n{}\n",
        cell(&t.subject),
        cell(&header(t))
    )?;
    writeln!(
        out,
        "| link | status | what | evidence |\n|---|---|---|---|"
    )?;
    for l in &t.links {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            l.link.label(),
            l.status.name(),
            cell(&l.summary),
            cell(&l.evidence.join(", "))
        )?;
    }
    writeln!(out, "\n### Diagnoses\n")?;
    if t.diagnoses.is_empty() {
        writeln!(out, "None.")?;
    }
    for d in &t.diagnoses {
        writeln!(
            out,
            "- **{}**: {} ({})",
            d.id,
            cell(&d.message),
            cell(&d.evidence.join(", "))
        )?;
    }
    Ok(())
}
