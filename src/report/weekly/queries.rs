//! The SQL behind every number of the report, one file each under `queries/report/`
//! with `$1`/`$2` = the period, so an auditor can rerun any of them with `tagtrail
//! query` and get the same figure.

use arrow::record_batch::RecordBatch;
use datafusion::scalar::ScalarValue;
use serde_json::{Map, Value};

use super::Period;
use crate::engine::{Engine, EngineError};
use crate::report::json_value;

pub struct Query {
    pub name: &'static str,
    pub file: &'static str,
    pub sql: &'static str,
}

macro_rules! query {
    ($name:literal) => {
        Query {
            name: $name,
            file: concat!("queries/report/", $name, ".sql"),
            sql: include_str!(concat!("../../../queries/report/", $name, ".sql")),
        }
    };
}

pub const PEOPLE_ACTIVE: Query = query!("people_active");
pub const FEDERATED_SESSIONS: Query = query!("federated_sessions");
pub const DB_SESSIONS: Query = query!("db_sessions");
pub const ATTRIBUTION: Query = query!("attribution");
pub const LOGIN_AUTH: Query = query!("login_auth");
pub const MFA: Query = query!("mfa");
pub const FAILED_LOGINS: Query = query!("failed_logins");
pub const COVERAGE: Query = query!("coverage");
pub const FILES: Query = query!("files");
pub const DIGESTS: Query = query!("digests");
pub const DAILY_SESSIONS: Query = query!("daily_sessions");
pub const PERSON_DAYS: Query = query!("person_days");

/// `tagtrail who`'s query, behind the sensitive-object section (`$1` = the object).
pub const WHO: Query = Query {
    name: "who",
    file: "queries/who.sql",
    sql: crate::engine::views::WHO,
};

/// Every query, in the order the appendix lists them.
pub const ALL: &[&Query] = &[
    &PEOPLE_ACTIVE,
    &FEDERATED_SESSIONS,
    &DB_SESSIONS,
    &ATTRIBUTION,
    &LOGIN_AUTH,
    &MFA,
    &FAILED_LOGINS,
    &COVERAGE,
    &FILES,
    &DIGESTS,
    &DAILY_SESSIONS,
    &PERSON_DAYS,
    &WHO,
];

pub fn ts(t: i64) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(t), Some("UTC".into()))
}

/// Runs `query` over `period`; each row as a JSON object (tagtrail's cell conventions).
pub async fn rows(
    engine: &Engine,
    query: &Query,
    period: &Period,
) -> Result<Vec<Map<String, Value>>, EngineError> {
    let batches = engine
        .sql_with(query.sql, vec![ts(period.since), ts(period.until)])
        .await?;
    Ok(objects(&batches))
}

pub fn objects(batches: &[RecordBatch]) -> Vec<Map<String, Value>> {
    batches
        .iter()
        .flat_map(|b| {
            (0..b.num_rows()).map(move |r| {
                b.columns()
                    .iter()
                    .zip(b.schema().fields())
                    .map(|(c, f)| (f.name().clone(), json_value(c.as_ref(), r)))
                    .collect()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_session_index;
    use crate::engine::tests::demo_lake;

    /// A period that cuts minutes at both ends: the db-audit scope counts what a plain
    /// count of db_events in the period gives, from the stored minutes or without them.
    #[tokio::test]
    async fn the_db_scope_of_a_period_that_cuts_minutes() {
        let (_dir, lake) = demo_lake().await;
        let engine = Engine::open(&lake).await.unwrap();
        // Mid-minute times of two events, days apart: the first is in the period, and
        // so is the second (the period ends a second after it).
        let mid_minute = |order: &str| {
            format!(
                "SELECT CAST(event_time AS BIGINT) AS t FROM db_events \
                 WHERE date_part('second', event_time) BETWEEN 1 AND 58 \
                 ORDER BY event_time {order} LIMIT 1 OFFSET 3"
            )
        };
        let time = async |order| {
            let rows = objects(&engine.sql(&mid_minute(order)).await.unwrap());
            rows[0]["t"].as_i64().unwrap()
        };
        let (since, until) = (time("ASC").await, time("DESC").await + 1_000_000);
        assert!(until - since > 60_000_000, "the period spans whole minutes");
        let period = Period::range(since, until).unwrap();
        let want = objects(
            &engine
                .sql_with(
                    "SELECT 'db-audit' AS source, instance AS scope, MIN(event_time) AS first_event, \
                     MAX(event_time) AS last_event, COUNT(*) AS events FROM db_events \
                     WHERE event_time >= $1 AND event_time < $2 GROUP BY instance ORDER BY instance",
                    vec![ts(since), ts(until)],
                )
                .await
                .unwrap(),
        );
        assert!(!want.is_empty());
        let db_scope = |rows: Vec<Map<String, Value>>| -> Vec<Map<String, Value>> {
            rows.into_iter()
                .filter(|r| r["source"] == "db-audit")
                .collect()
        };
        let computed = db_scope(rows(&engine, &COVERAGE, &period).await.unwrap());
        assert_eq!(computed, want);
        build_session_index(&lake, false).await.unwrap();
        let indexed = Engine::open(&lake).await.unwrap();
        assert!(indexed.reads_session_index());
        assert_eq!(
            db_scope(rows(&indexed, &COVERAGE, &period).await.unwrap()),
            want
        );
    }
}
