//! Runs checks and turns their rows into findings: severity (default, row override,
//! configured override), accepted exceptions, a stable order.

use std::collections::BTreeMap;

use arrow::array::Array;
use arrow::record_batch::RecordBatch;
use datafusion::scalar::ScalarValue;
use serde::Serialize;
use serde_json::Value;

use super::{Check, CheckConfig, Severity};
use crate::engine::{ATTRIBUTION_VIEWS, Engine, EngineError};
use crate::report::json_value;

/// Whether a finding still needs someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    /// Matches an exception in the configuration.
    Accepted,
}

/// One finding: the JSON contract of `tagtrail findings --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub severity: Severity,
    pub subject: String,
    pub summary: String,
    pub evidence: Value,
    /// RFC 3339 UTC.
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub count: i64,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

impl Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("registering the check settings: {0}")]
    Settings(#[from] datafusion::error::DataFusionError),
    #[error("check {check}: {source}")]
    Query {
        check: &'static str,
        source: EngineError,
    },
    #[error("check {check}: the query returned no `{column}` column (queries/checks/{check}.sql)")]
    Shape {
        check: &'static str,
        column: &'static str,
    },
}

/// The views most checks read besides the attribution views, computed once per run.
const CACHED_VIEWS: &[&str] = &["session_tags"];

/// Runs `checks` over `[since, until)`; findings ordered by severity (highest first),
/// check, subject.
pub async fn run(
    engine: &Engine,
    checks: &[&'static Check],
    config: &CheckConfig,
    since: i64,
    until: i64,
) -> Result<Vec<Finding>, RunError> {
    let ts = |t| ScalarValue::TimestampMicrosecond(Some(t), Some("UTC".into()));
    if checks.len() > 1 {
        for views in [ATTRIBUTION_VIEWS, CACHED_VIEWS] {
            engine
                .cache_views(views)
                .await
                .map_err(|source| RunError::Query {
                    check: "(shared views)",
                    source,
                })?;
        }
    }
    let mut out = Vec::new();
    for &check in checks {
        let batches = engine
            .sql_with(check.sql, vec![ts(since), ts(until)])
            .await
            .map_err(|source| RunError::Query {
                check: check.id,
                source,
            })?;
        for b in &batches {
            read_rows(check, config, b, &mut out)?;
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.check.cmp(b.check))
            .then(a.subject.cmp(&b.subject))
            .then(a.first_seen.cmp(&b.first_seen))
    });
    Ok(out)
}

fn read_rows(
    check: &'static Check,
    config: &CheckConfig,
    batch: &RecordBatch,
    out: &mut Vec<Finding>,
) -> Result<(), RunError> {
    let column = |name: &'static str| {
        batch
            .column_by_name(name)
            .ok_or(RunError::Shape {
                check: check.id,
                column: name,
            })
            .cloned()
    };
    let (subject, summary, evidence) =
        (column("subject")?, column("summary")?, column("evidence")?);
    let (first, last, count) = (
        column("first_seen")?,
        column("last_seen")?,
        column("count")?,
    );
    let severity_col = batch.column_by_name("severity").cloned();
    let exceptions: BTreeMap<&str, &str> = config
        .exceptions
        .iter()
        .filter(|e| e.check == check.id)
        .map(|e| (e.subject.as_str(), e.justification.as_str()))
        .collect();
    let text = |a: &dyn Array, r| match json_value(a, r) {
        Value::String(s) => Some(s),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    for r in 0..batch.num_rows() {
        let subject = text(subject.as_ref(), r).unwrap_or_default();
        let row_severity = severity_col
            .as_ref()
            .and_then(|c| text(c.as_ref(), r))
            .and_then(|s| Severity::from_name(&s));
        let severity = config
            .severity
            .get(check.id)
            .copied()
            .or(row_severity)
            .unwrap_or(check.severity);
        let justification = exceptions.get(subject.as_str()).map(|j| j.to_string());
        out.push(Finding {
            check: check.id,
            severity,
            summary: text(summary.as_ref(), r).unwrap_or_default(),
            evidence: json_value(evidence.as_ref(), r),
            first_seen: text(first.as_ref(), r),
            last_seen: text(last.as_ref(), r),
            count: json_value(count.as_ref(), r).as_i64().unwrap_or(0),
            status: if justification.is_some() {
                Status::Accepted
            } else {
                Status::Open
            },
            justification,
            subject,
        });
    }
    Ok(())
}
