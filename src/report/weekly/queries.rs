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
