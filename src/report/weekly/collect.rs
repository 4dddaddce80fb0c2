//! Gathers the report from the lake: figures for the period and the previous one, the
//! checks over both, the evidence's coverage and the sensitive objects' accesses.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::model::*;
use super::queries::{self, Query};
use super::{Period, ReportError, findings};
use crate::checks::{self, Check, CheckConfig, Finding};
use crate::engine::Engine;
use crate::report::who;

/// (query, column = figure name, label, unit), in the report's order.
const FIGURES: &[(&Query, &str, &str, &str)] = &[
    (
        &queries::PEOPLE_ACTIVE,
        "people_active",
        "People active",
        "count",
    ),
    (
        &queries::FEDERATED_SESSIONS,
        "federated_sessions",
        "Federated sessions",
        "count",
    ),
    (
        &queries::DB_SESSIONS,
        "db_sessions",
        "Database sessions",
        "count",
    ),
    (
        &queries::ATTRIBUTION,
        "exact_pct",
        "Sessions attributed exactly",
        "percent",
    ),
    (
        &queries::ATTRIBUTION,
        "ambiguous_pct",
        "Sessions ambiguous",
        "percent",
    ),
    (
        &queries::ATTRIBUTION,
        "unattributed_pct",
        "Sessions unattributed",
        "percent",
    ),
    (
        &queries::LOGIN_AUTH,
        "iam_login_pct",
        "Logins by IAM token",
        "percent",
    ),
    (
        &queries::LOGIN_AUTH,
        "password_login_pct",
        "Logins by password",
        "percent",
    ),
    (
        &queries::MFA,
        "mfa_verified_pct",
        "Federated access with MFA verified",
        "percent",
    ),
    (
        &queries::MFA,
        "mfa_absent_pct",
        "Federated access with MFA absent",
        "percent",
    ),
    (
        &queries::MFA,
        "mfa_unknown_pct",
        "Federated access with MFA unknown",
        "percent",
    ),
    (
        &queries::FAILED_LOGINS,
        "failed_logins",
        "Failed logins",
        "count",
    ),
];

/// Builds the report of `period`. The engine must have the check tables registered
/// (`checks::tables::register`), as for `tagtrail findings`.
pub async fn build(
    engine: &Engine,
    config: &CheckConfig,
    selected: &[&'static Check],
    sensitive_objects: &[String],
    period: &Period,
) -> Result<Report, ReportError> {
    let previous = period.previous();
    let [current_findings, previous_findings] = checks::run_periods(
        engine,
        selected,
        config,
        [
            (period.since, period.until),
            (previous.since, previous.until),
        ],
    )
    .await?;
    let figures = figures(engine, period, &previous).await?;
    let scope = scope(engine, period, &current_findings).await?;
    let mut objects = Vec::new();
    for object in sensitive_objects {
        let rows = who::rows(
            &engine.who(object, period.since, period.until).await?,
            false,
        )?;
        let people: BTreeSet<String> = rows.iter().filter_map(|r| r.person.clone()).collect();
        objects.push(SensitiveObject {
            object: object.clone(),
            statements: rows.iter().map(|r| r.statements).sum(),
            people: people.into_iter().collect(),
            accesses: rows,
        });
    }
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        title: format!("tagtrail compliance report {}", period.name),
        period: info(period),
        previous_period: info(&previous),
        scope,
        figures,
        findings: findings::compare(&current_findings, &previous_findings),
        sensitive_objects: objects,
        charts: charts(engine, period).await?,
        appendix: queries::ALL
            .iter()
            .map(|q| AppendixQuery {
                name: q.name.to_string(),
                file: q.file.to_string(),
                sql: q.sql.trim_end().to_string(),
            })
            .collect(),
    })
}

fn info(p: &Period) -> PeriodInfo {
    let (since, until) = p.bounds_text();
    PeriodInfo {
        name: p.name.clone(),
        since,
        until,
    }
}

async fn figures(
    engine: &Engine,
    period: &Period,
    previous: &Period,
) -> Result<Vec<Figure>, ReportError> {
    let mut results: BTreeMap<(&str, bool), Map<String, Value>> = BTreeMap::new();
    for (query, ..) in FIGURES {
        for (p, is_current) in [(period, true), (previous, false)] {
            if results.contains_key(&(query.name, is_current)) {
                continue;
            }
            let rows = queries::rows(engine, query, p).await?;
            let row = rows.into_iter().next().ok_or(ReportError::Shape {
                query: query.file,
                message: "no row".into(),
            })?;
            results.insert((query.name, is_current), row);
        }
    }
    FIGURES
        .iter()
        .map(|&(query, name, label, unit)| {
            let get = |current: bool| -> Result<Option<f64>, ReportError> {
                match results[&(query.name, current)].get(name) {
                    None => Err(ReportError::Shape {
                        query: query.file,
                        message: format!("no column {name}"),
                    }),
                    Some(v) => Ok(v.as_f64()),
                }
            };
            let (value, prev) = (get(true)?, get(false)?);
            Ok(Figure {
                name,
                label,
                unit,
                value,
                previous: prev,
                change: value
                    .zip(prev)
                    .map(|(a, b)| ((a - b) * 10.0).round() / 10.0),
                query: query.file,
            })
        })
        .collect()
}

fn text(row: &Map<String, Value>, key: &str) -> String {
    match row.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn int(row: &Map<String, Value>, key: &str) -> i64 {
    row.get(key).and_then(Value::as_i64).unwrap_or(0)
}

async fn scope(engine: &Engine, period: &Period, found: &[Finding]) -> Result<Scope, ReportError> {
    let coverage: Vec<Coverage> = queries::rows(engine, &queries::COVERAGE, period)
        .await?
        .iter()
        .map(|r| Coverage {
            source: text(r, "source"),
            scope: text(r, "scope"),
            first_event: text(r, "first_event"),
            last_event: text(r, "last_event"),
            events: int(r, "events"),
        })
        .collect();
    let (mut accounts, mut regions, mut instances, mut idp) = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
    );
    for c in &coverage {
        match c.source.as_str() {
            "cloudtrail" => {
                if let Some((account, region)) = c.scope.split_once('/') {
                    accounts.insert(account.to_string());
                    regions.insert(region.to_string());
                }
            }
            "db-audit" => {
                instances.insert(c.scope.clone());
            }
            "okta" => {
                idp.insert("okta".to_string());
            }
            _ => {
                idp.insert(format!("saml:{}", c.scope));
            }
        }
    }
    let files = queries::rows(engine, &queries::FILES, period)
        .await?
        .iter()
        .map(|r| FileCount {
            kind: text(r, "kind"),
            status: text(r, "status"),
            files: int(r, "files"),
            records: int(r, "records"),
        })
        .collect();
    let by_status: Vec<StatusCount> = queries::rows(engine, &queries::DIGESTS, period)
        .await?
        .iter()
        .map(|r| StatusCount {
            status: text(r, "status"),
            items: int(r, "items"),
        })
        .collect();
    let not_failures = ["valid", "unsigned", "no-key", "unchecked"];
    let status = if by_status.is_empty() {
        "not-verified"
    } else if by_status
        .iter()
        .all(|s| not_failures.contains(&s.status.as_str()))
    {
        "valid"
    } else {
        "failed"
    };
    let gaps = found
        .iter()
        .filter(|f| f.check == "audit-gap")
        .map(|f| Gap {
            kind: f.evidence["kind"].as_str().unwrap_or_default().to_string(),
            subject: f.subject.clone(),
            summary: f.summary.clone(),
            from: f.first_seen.clone(),
            to: f.last_seen.clone(),
        })
        .collect();
    Ok(Scope {
        accounts: accounts.into_iter().collect(),
        regions: regions.into_iter().collect(),
        instances: instances.into_iter().collect(),
        idp: idp.into_iter().collect(),
        files,
        coverage,
        gaps,
        digests: Digests {
            status: status.to_string(),
            by_status,
        },
    })
}

async fn charts(engine: &Engine, period: &Period) -> Result<Charts, ReportError> {
    let day = |r: &Map<String, Value>| text(r, "day").chars().take(10).collect::<String>();
    let mut daily: Vec<DaySessions> = Vec::new();
    let mut t = period.since;
    // A day axis for up to a year; longer custom ranges get no daily chart.
    while t < period.until && period.until - period.since <= 366 * 86_400_000_000 {
        daily.push(DaySessions {
            day: crate::sources::timefmt::format_micros(t)[..10].to_string(),
            exact: 0,
            ambiguous: 0,
            unattributed: 0,
        });
        t += 86_400_000_000;
    }
    for r in queries::rows(engine, &queries::DAILY_SESSIONS, period).await? {
        let d = day(&r);
        if let Some(slot) = daily.iter_mut().find(|s| s.day == d) {
            let n = int(&r, "sessions");
            match text(&r, "attribution").as_str() {
                "exact" => slot.exact += n,
                "ambiguous" => slot.ambiguous += n,
                _ => slot.unattributed += n,
            }
        }
    }
    let person_days = queries::rows(engine, &queries::PERSON_DAYS, period)
        .await?
        .iter()
        .map(|r| PersonDay {
            person: text(r, "person"),
            day: day(r),
            sessions: int(r, "sessions"),
        })
        .collect();
    Ok(Charts {
        daily_sessions: daily,
        person_days,
    })
}
