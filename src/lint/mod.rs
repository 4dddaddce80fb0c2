//! `tagtrail lint`: finds, before anyone signs in, the mistakes that make federated
//! database access silently fail or silently shared — a SAML attribute name one letter
//! off (`PrincipleTag:`), a tag AWS rejects, an `rds-db:connect` resource that names the
//! instance instead of its `DbiResourceId`, a policy that lets everyone share one
//! database user.
//!
//! [`saml`] reads assertions, responses and IdP attribute-statement snippets; [`policy`]
//! reads the IAM policy files `iam_policy` ingests. Both return [`Diagnostic`]s pointing
//! at a line and column of the file, printed ruff-style by [`write`].

mod position;

pub mod observed;
pub mod policy;
pub mod saml;

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

pub use position::line_col;

#[derive(Debug, thiserror::Error)]
pub enum LintError {
    /// The naming convention from tagtrail.toml does not compile (the configuration
    /// loader validates it, so this is a convention built in code).
    #[error("naming convention {pattern:?} is not a regular expression: {source}")]
    Convention {
        pattern: String,
        source: regex::Error,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One problem at one place. `line` and `col` are 1-based; `col` counts characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: usize,
    pub col: usize,
    /// Stable kebab-case id, e.g. `saml-tag-namespace`.
    pub id: &'static str,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at byte `offset` of `text`.
    pub fn at(
        text: &str,
        offset: usize,
        id: &'static str,
        severity: Severity,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (line, col) = line_col(text, offset);
        Diagnostic {
            line,
            col,
            id,
            severity,
            message: message.into(),
        }
    }
}

/// How many of each severity [`write`] printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
}

/// Prints `file:line:col: id severity: message` per diagnostic, in file order then
/// position order, and a final count line.
pub fn write(out: &mut dyn Write, files: &[(&Path, Vec<Diagnostic>)]) -> io::Result<Counts> {
    let mut counts = Counts::default();
    for (path, diagnostics) in files {
        let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
        sorted.sort_by_key(|d| (d.line, d.col));
        for d in sorted {
            writeln!(
                out,
                "{}:{}:{}: {} {}: {}",
                path.display(),
                d.line,
                d.col,
                d.id,
                d.severity,
                d.message
            )?;
            match d.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
            }
        }
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    writeln!(
        out,
        "{}, {} in {}",
        plural(counts.errors, "error"),
        plural(counts.warnings, "warning"),
        plural(files.len(), "file")
    )?;
    Ok(counts)
}

/// A file that could not be read: reported like any other problem, so one missing file
/// does not hide the diagnostics of the others.
pub fn unreadable(err: &io::Error) -> Diagnostic {
    Diagnostic {
        line: 1,
        col: 1,
        id: "lint-unreadable",
        severity: Severity::Error,
        message: format!("cannot read the file: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_sorts_by_position_and_counts() {
        let d = |line, col, severity| Diagnostic {
            line,
            col,
            id: "x-y",
            severity,
            message: "m".into(),
        };
        let files = [
            (
                Path::new("b.xml"),
                vec![d(3, 1, Severity::Warning), d(1, 9, Severity::Error)],
            ),
            (Path::new("a.json"), vec![]),
        ];
        let mut out = Vec::new();
        let counts = write(&mut out, &files).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "b.xml:1:9: x-y error: m\nb.xml:3:1: x-y warning: m\n1 error, 1 warning in 2 files\n"
        );
        assert_eq!(
            counts,
            Counts {
                errors: 1,
                warnings: 1
            }
        );
    }
}
