//! `tagtrail ddl` against a real engine: local Spark (pyspark, `local[2]`) creates the
//! tables and views from `tagtrail ddl --engine spark` over a lake built from
//! `fixtures/demo`, runs the who-accessed and shared-account questions as
//! `tagtrail ddl --query` rewrites them, and must give tagtrail's own answers exactly.
//! Athena cannot run here; its DDL is checked as text.

use std::process::Command;

use crate::support::{demo_lake, repo, tagtrail, tagtrail_output};

const SINCE: &str = "2026-11-01";
const UNTIL: &str = "2026-12-01";

/// pyspark must be installed (`.ci/run` installs it): a missing engine fails the test,
/// it never passes unchecked.
fn require_pyspark() {
    let probe = Command::new("python3")
        .args(["-c", "import pyspark"])
        .output()
        .expect("run python3");
    assert!(
        probe.status.success(),
        "pyspark is missing (python3 -m pip install pyspark; Java 17 on PATH): {}",
        String::from_utf8_lossy(&probe.stderr)
    );
}

#[test]
fn spark_answers_who_and_shared_account_like_tagtrail() {
    require_pyspark();
    let lake = demo_lake();
    let dir = tempfile::tempdir().unwrap();
    let location = format!("file://{}", lake.path().display());
    let files = [
        (
            "ddl.sql",
            vec!["ddl", "--engine", "spark", "--location", &location],
        ),
        (
            "who.sql",
            vec!["ddl", "--engine", "spark", "--query", "who"],
        ),
        (
            "check.sql",
            vec!["ddl", "--engine", "spark", "--query", "shared-db-account"],
        ),
    ];
    for (name, args) in &files {
        std::fs::write(dir.path().join(name), tagtrail(lake.path(), args)).unwrap();
    }
    let out = Command::new("python3")
        .arg(repo().join("tests/spark/run_queries.py"))
        .args(files.iter().map(|(name, _)| dir.path().join(name)))
        .args(["shop.customers", SINCE, UNTIL])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "run_queries.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spark: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json from Spark");

    let who: serde_json::Value = serde_json::from_str(&tagtrail(
        lake.path(),
        &[
            "who",
            "shop.customers",
            "--explain",
            "--format",
            "json",
            "--since",
            SINCE,
            "--until",
            UNTIL,
        ],
    ))
    .unwrap();
    // The demo week's answer, so equal-but-empty cannot pass.
    assert_eq!(who.as_array().map(Vec::len), Some(7), "{who:#}");
    assert_eq!(spark["who"], who);

    let findings: serde_json::Value = serde_json::from_str(&tagtrail(
        lake.path(),
        &[
            "findings",
            "--check",
            "shared-db-account",
            "--format",
            "json",
            "--since",
            SINCE,
            "--until",
            UNTIL,
        ],
    ))
    .unwrap();
    let contract: Vec<serde_json::Value> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            serde_json::json!({
                "subject": f["subject"],
                "summary": f["summary"],
                "evidence": f["evidence"],
                "first_seen": f["first_seen"],
                "last_seen": f["last_seen"],
                "count": f["count"],
            })
        })
        .collect();
    assert_eq!(
        contract
            .iter()
            .map(|f| f["subject"].clone())
            .collect::<Vec<_>>(),
        vec![serde_json::json!("reporting")]
    );
    assert_eq!(spark["findings"], serde_json::Value::Array(contract));
}

#[test]
fn athena_ddl_projects_the_date_partition_of_every_table() {
    let lake = demo_lake();
    let ddl = tagtrail(
        lake.path(),
        &[
            "ddl",
            "--engine",
            "athena",
            "--location",
            "s3://audit-lake/tagtrail/",
        ],
    );
    for table in tagtrail::lake::ALL_TABLES {
        let name = table.name;
        assert!(
            ddl.contains(&format!("CREATE EXTERNAL TABLE IF NOT EXISTS `{name}` (")),
            "{name}"
        );
        assert!(
            ddl.contains(&format!(
                "  'projection.enabled'='true',\n  'projection.date.type'='date',\n  'projection.date.format'='yyyy-MM-dd',\n  'projection.date.range'='2026-11-16,NOW',\n  'projection.date.interval'='1',\n  'projection.date.interval.unit'='DAYS',\n  'storage.location.template'='s3://audit-lake/tagtrail/{name}/date=${{date}}/'\n);"
            )),
            "{name}"
        );
    }
    let db_users = "-- table db_users\n\
CREATE EXTERNAL TABLE IF NOT EXISTS `db_users` (
  `instance` string,
  `engine` string,
  `user_name` string,
  `host` string,
  `auth_plugin` string,
  `iam` boolean,
  `observed_at` timestamp,
  `origin` string,
  `source_uri` string,
  `source_offset` bigint
)
PARTITIONED BY (`date` string)
STORED AS PARQUET
LOCATION 's3://audit-lake/tagtrail/db_users/'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.date.type'='date',
  'projection.date.format'='yyyy-MM-dd',
  'projection.date.range'='2026-11-16,NOW',
  'projection.date.interval'='1',
  'projection.date.interval.unit'='DAYS',
  'storage.location.template'='s3://audit-lake/tagtrail/db_users/date=${date}/'
);
";
    assert!(ddl.contains(db_users), "{ddl}");
    // Views come after the tables, in dependency order, in Trino's quoting.
    let who_accessed = ddl
        .find("CREATE OR REPLACE VIEW \"who_accessed\" AS")
        .expect("who_accessed view");
    assert!(
        ddl.find("CREATE OR REPLACE VIEW \"attributed_sessions\" AS")
            .unwrap()
            < who_accessed
    );
}

#[test]
fn athena_needs_an_s3_location() {
    let lake = demo_lake();
    let out = tagtrail_output(
        lake.path(),
        &[
            "ddl",
            "--engine",
            "athena",
            "--location",
            "file:///tmp/lake",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "tagtrail: error: --location: file:///tmp/lake: Athena reads only S3; copy the lake there and pass s3://bucket/prefix\n"
    );
}
