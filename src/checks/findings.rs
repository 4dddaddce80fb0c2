//! Runs checks and turns their rows into findings: severity (default, row override,
//! configured override), accepted exceptions, a stable order.

use std::collections::BTreeMap;

use arrow::array::Array;
use arrow::record_batch::RecordBatch;
use datafusion::scalar::ScalarValue;
use futures::{StreamExt, TryStreamExt};
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
    let [found] = run_periods(engine, checks, config, [(since, until)]).await?;
    Ok(found)
}

/// [`run`] for each of `periods` (a report's period and the one it is compared with),
/// as one stream of queries, [`Engine::questions_at_once`] of them in flight. Each
/// check's query leaves cores idle while it is planned and while its last,
/// single-partition steps run; with several in flight the other queries use them (at
/// 100 M db events, a report's two periods of checks took 6.4 s one at a time and
/// 5.4 s four at a time; BENCHMARKS.md, fifteenth run).
pub async fn run_periods<const N: usize>(
    engine: &Engine,
    checks: &[&'static Check],
    config: &CheckConfig,
    periods: [(i64, i64); N],
) -> Result<[Vec<Finding>; N], RunError> {
    let ts = |t| ScalarValue::TimestampMicrosecond(Some(t), Some("UTC".into()));
    if checks.len() * N > 1 {
        // Before any check runs, so that no two compute the same view at once.
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
    let queries = periods
        .iter()
        .enumerate()
        .flat_map(|(i, &period)| checks.iter().map(move |&check| (i, period, check)));
    let answers: Vec<(usize, &'static Check, Vec<RecordBatch>)> =
        futures::stream::iter(queries.map(|(i, (since, until), check)| async move {
            let batches = engine
                .sql_with(check.sql, vec![ts(since), ts(until)])
                .await
                .map_err(|source| RunError::Query {
                    check: check.id,
                    source,
                })?;
            Ok::<_, RunError>((i, check, batches))
        }))
        .buffered(engine.questions_at_once())
        .try_collect()
        .await?;
    let mut found: [Vec<Finding>; N] = std::array::from_fn(|_| Vec::new());
    for (i, check, batches) in &answers {
        for b in batches {
            read_rows(check, config, b, &mut found[*i])?;
        }
    }
    for out in &mut found {
        order(out);
    }
    Ok(found)
}

/// Severity (highest first), check, subject, first seen; ties keep the query's order.
fn order(found: &mut [Finding]) {
    found.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.check.cmp(b.check))
            .then(a.subject.cmp(&b.subject))
            .then(a.first_seen.cmp(&b.first_seen))
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{ALL, tables};
    use crate::engine::AttributionSettings;

    fn midnight(day: &str) -> i64 {
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_micros()
    }

    /// A report runs its two periods' checks as one stream, several at a time: each
    /// period must get exactly the findings, in the same order, that its checks give
    /// run one by one on an engine of their own (holding the same views).
    #[tokio::test]
    async fn two_periods_at_once_find_what_each_check_finds_alone() {
        let (_dir, lake) = crate::engine::tests::demo_lake().await;
        let config = CheckConfig::default();
        let open = || async {
            let engine = Engine::open(&lake).await.unwrap();
            let tag_key = AttributionSettings::default().tag_key;
            tables::register(engine.context(), &config, &tag_key).unwrap();
            engine
        };
        let engine = open().await;
        assert!(engine.questions_at_once() > 1, "the checks must overlap");
        let first = (midnight("2026-11-16"), midnight("2026-11-19"));
        let second = (midnight("2026-11-19"), midnight("2026-11-23"));
        let together = run_periods(&engine, ALL, &config, [first, second])
            .await
            .unwrap();
        for (period, found) in [first, second].into_iter().zip(together) {
            let alone = open().await;
            for views in [ATTRIBUTION_VIEWS, CACHED_VIEWS] {
                alone.cache_views(views).await.unwrap();
            }
            let mut one_by_one = Vec::new();
            for &check in ALL {
                one_by_one.extend(
                    run(&alone, &[check], &config, period.0, period.1)
                        .await
                        .unwrap(),
                );
            }
            order(&mut one_by_one);
            assert!(found.len() > 5, "{} findings in {period:?}", found.len());
            assert_eq!(found, one_by_one, "{period:?}");
        }
    }
}
