//! Compliance checks: the ways federated database access silently breaks (shared
//! accounts, tag typos, missing MFA, …), each one file here with its documentation, a
//! stable kebab-case id and a default severity, and its query in `queries/checks/`.
//!
//! # The query contract
//! A check's SQL runs over the lake's tables and views with `$1` = since and `$2` =
//! until (UTC timestamps: the period the findings are about) and returns one row per
//! finding:
//!
//! | column | type | |
//! |---|---|---|
//! | `subject` | text, not null | the db user, person or tag value the finding is about |
//! | `summary` | text, not null | one sentence a reader acts on |
//! | `evidence` | any (struct, list, text) | the rows or ids that prove it, rendered as JSON |
//! | `first_seen`, `last_seen` | timestamp, nullable | the span of the evidence |
//! | `count` | integer | how many sessions/events/rows the finding covers |
//! | `severity` | text, optional column | overrides the default for this row |
//!
//! Settings reach the SQL as tables (see [`tables`]): `check_settings` (one row),
//! `tag_vocabulary(tag_key, value)`, `required_tag_keys(tag_key)`, and
//! `attribution_settings`.

pub mod config;
pub mod tables;

mod audit_gap;
mod deprovisioned_user_access;
mod failed_auth_burst;
mod findings;
mod iam_auth_disabled;
mod missing_mfa;
mod missing_required_tag;
mod password_auth_account;
mod policy_wildcard_dbuser;
mod secret_in_log;
mod session_outside_window;
mod shared_db_account;
mod shared_identity_tag;
mod tag_convention;
mod tag_key_case;
mod tag_resource_mismatch;
mod tag_typo;
mod unattributed_session;

use std::fmt;

pub use config::{CheckConfig, ConfigError, Exception};
pub use findings::{Finding, RunError, Status, run, run_periods};

/// How much a finding matters; ordered from `Info` to `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn from_name(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.name() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One check: what `tagtrail checks` lists and `tagtrail findings` runs.
#[derive(Debug)]
pub struct Check {
    /// Stable kebab-case id: used in `--check`, the configuration and the JSON output.
    pub id: &'static str,
    pub severity: Severity,
    /// One line.
    pub title: &'static str,
    /// Markdown: What it finds, Why it matters, Example, Remediation, References.
    pub doc: &'static str,
    /// The query (`queries/checks/<id>.sql`), following the contract above.
    pub sql: &'static str,
}

/// Every check, in the order `tagtrail checks` lists them (the order: who, tags,
/// MFA and windows, lifecycle, evidence, configuration).
pub const ALL: &[&Check] = &[
    &shared_db_account::CHECK,
    &shared_identity_tag::CHECK,
    &unattributed_session::CHECK,
    &password_auth_account::CHECK,
    &tag_typo::CHECK,
    &tag_convention::CHECK,
    &tag_key_case::CHECK,
    &missing_required_tag::CHECK,
    &tag_resource_mismatch::CHECK,
    &missing_mfa::CHECK,
    &session_outside_window::CHECK,
    &deprovisioned_user_access::CHECK,
    &failed_auth_burst::CHECK,
    &secret_in_log::CHECK,
    &audit_gap::CHECK,
    &iam_auth_disabled::CHECK,
    &policy_wildcard_dbuser::CHECK,
];

/// The check with this id.
pub fn by_id(id: &str) -> Option<&'static Check> {
    ALL.iter().copied().find(|c| c.id == id)
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_docs_have_every_section() {
        let mut seen = std::collections::HashSet::new();
        for c in ALL {
            assert!(seen.insert(c.id), "{} twice", c.id);
            assert!(
                c.id.split('-')
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "{} is not kebab-case",
                c.id
            );
            let row = format!("| `{}` | {} | {} |", c.id, c.severity, c.title);
            assert!(
                include_str!("../../README.md").contains(&row),
                "README's table of checks lacks {row}"
            );
            for section in [
                "## What it finds",
                "## Why it matters",
                "## Example",
                "## Remediation",
                "## References",
            ] {
                assert!(c.doc.contains(section), "{}: no `{section}`", c.id);
            }
        }
    }
}
