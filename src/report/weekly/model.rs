//! The report's data: what `<period>.json` holds, field for field (documented in
//! `docs/report-json.md`; `schema_version` changes when a field changes meaning or goes
//! away, never for an addition). Markdown, HTML and the terminal summary render this.

use serde::{Serialize, Serializer};

use crate::report::who::WhoRow;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub title: String,
    pub period: PeriodInfo,
    pub previous_period: PeriodInfo,
    pub scope: Scope,
    pub figures: Vec<Figure>,
    pub findings: Findings,
    pub sensitive_objects: Vec<SensitiveObject>,
    pub charts: Charts,
    pub appendix: Vec<AppendixQuery>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodInfo {
    /// `2026-W47`, or `2026-11-16_2026-11-23` for a custom range.
    pub name: String,
    /// RFC 3339 UTC, inclusive.
    pub since: String,
    /// RFC 3339 UTC, exclusive.
    pub until: String,
}

/// How complete the evidence is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scope {
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub instances: Vec<String>,
    /// Identity-provider evidence: `okta`, and the issuers of captured SAML assertions.
    pub idp: Vec<String>,
    pub files: Vec<FileCount>,
    pub coverage: Vec<Coverage>,
    /// The period's `audit-gap` findings.
    pub gaps: Vec<Gap>,
    pub digests: Digests,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCount {
    pub kind: String,
    /// `ingested` or `rejected`.
    pub status: String,
    pub files: i64,
    pub records: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// `cloudtrail`, `db-audit`, `okta` or `saml`.
    pub source: String,
    /// `account/region`, the instance, `okta`, or the SAML issuer.
    pub scope: String,
    pub first_event: String,
    pub last_event: String,
    pub events: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// `db-audit`, `cloudtrail-delivery` or `cloudtrail-integrity`.
    pub kind: String,
    pub subject: String,
    pub summary: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Digests {
    /// `not-verified` (no digest of the period was checked), `valid` (every check
    /// passed or could not be made), or `failed`.
    pub status: String,
    pub by_status: Vec<StatusCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    pub status: String,
    pub items: i64,
}

/// One key figure with the previous period's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// Stable id: `people_active`, `db_sessions`, `exact_pct`, …
    pub name: &'static str,
    pub label: &'static str,
    /// `count` or `percent`.
    pub unit: &'static str,
    /// `null` for a percentage of nothing.
    #[serde(serialize_with = "number")]
    pub value: Option<f64>,
    #[serde(serialize_with = "number")]
    pub previous: Option<f64>,
    /// `value - previous` (percentage points for percentages); null if either is.
    #[serde(serialize_with = "number")]
    pub change: Option<f64>,
    /// The query file computing it (column `name`).
    pub query: &'static str,
}

/// Whole numbers as JSON integers, so counts read `87`, not `87.0`.
fn number<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        None => s.serialize_none(),
        Some(x) if x.fract() == 0.0 && x.abs() < 9e15 => s.serialize_i64(*x as i64),
        Some(x) => s.serialize_f64(*x),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Findings {
    /// Every severity, highest first.
    pub by_severity: Vec<SeverityCount>,
    /// Checks with a finding in the period, highest severity first.
    pub checks: Vec<CheckFindings>,
    /// In the previous period, gone in this one, by (check, subject).
    pub resolved: Vec<FindingItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeverityCount {
    pub severity: String,
    pub findings: usize,
    pub new: usize,
    pub resolved: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckFindings {
    pub check: String,
    pub title: String,
    /// The highest severity among its findings.
    pub severity: String,
    pub new: usize,
    /// Up to five subjects, in the findings' order.
    pub top_subjects: Vec<String>,
    /// The `## Remediation` section of the check's documentation.
    pub remediation: String,
    pub items: Vec<FindingItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingItem {
    pub check: String,
    pub severity: String,
    pub subject: String,
    pub summary: String,
    pub count: i64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// `open` or `accepted`.
    pub status: String,
    /// `new` (no finding of this check and subject in the previous period),
    /// `persisting`, or `resolved`.
    pub change: String,
}

impl FindingItem {
    /// The columns of a findings table, in the Markdown and the HTML report alike.
    pub const HEADERS: [&'static str; 8] = [
        "severity",
        "subject",
        "summary",
        "count",
        "first_seen",
        "last_seen",
        "status",
        "change",
    ];

    /// One text row per item, in [`FindingItem::HEADERS`] order.
    pub fn rows(items: &[FindingItem]) -> Vec<Vec<String>> {
        items
            .iter()
            .map(|i| {
                vec![
                    i.severity.clone(),
                    i.subject.clone(),
                    i.summary.clone(),
                    i.count.to_string(),
                    i.first_seen.clone().unwrap_or_default(),
                    i.last_seen.clone().unwrap_or_default(),
                    i.status.clone(),
                    i.change.clone(),
                ]
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitiveObject {
    pub object: String,
    pub statements: i64,
    pub people: Vec<String>,
    /// `tagtrail who OBJECT --format json` rows for the period.
    pub accesses: Vec<WhoRow>,
}

/// The numbers the HTML charts draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Charts {
    /// Per day of the period: sessions by attribution.
    pub daily_sessions: Vec<DaySessions>,
    /// Per person and day: exactly attributed sessions.
    pub person_days: Vec<PersonDay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaySessions {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub exact: i64,
    pub ambiguous: i64,
    pub unattributed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonDay {
    pub person: String,
    pub day: String,
    pub sessions: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppendixQuery {
    pub name: String,
    pub file: String,
    pub sql: String,
}
