//! PostgreSQL logs through the whole `ingest`: format detection (content, then RDS file
//! names), the instance from the path, `--log-line-prefix`, and what lands in the lake.

use serde_json::json;

use crate::support::{query, tagtrail, temp_lake};

const STDERR: &str = "\
* Connected to rdsauthproxy (10.0.0.1) port 1108 (#0)
2026-11-28 15:06:11 UTC:127.0.0.1(55222):[unknown]@[unknown]:[21789]:LOG:  connection received: host=127.0.0.1 port=55222
2026-11-28 15:06:11 UTC:127.0.0.1(55222):alice@shop:[21789]:LOG:  connection authorized: user=alice database=shop application_name=billing SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)
2026-11-28 15:06:12 UTC:127.0.0.1(55222):alice@shop:[21789]:LOG:  AUDIT: OBJECT,1,1,READ,SELECT,TABLE,public.customers,\"SELECT id, email FROM customers ORDER BY id\",<none>
2026-11-28 99:06:12 UTC:127.0.0.1(55222):alice@shop:[21789]:LOG:  AUDIT: OBJECT,2,1,READ,SELECT,TABLE,public.customers,SELECT 1,<none>
2026-11-28 15:06:13 UTC::@:[7770]:LOG:  checkpoint starting: time
";

const CSVLOG: &str = "2026-11-28 15:04:27.209 UTC,\"bob\",\"shop\",20729,\"127.0.0.1:47728\",6b0aed7b.50f9,2,\"authentication\",2026-11-28 15:04:27 UTC,3/43,0,FATAL,28P01,\"password authentication failed for user \"\"bob\"\"\",,,,,,,,,\"\",\"client backend\",,0\n";

#[test]
fn rds_postgres_logs_are_detected_and_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let error = dir.path().join("rds/shop-pg/error");
    std::fs::create_dir_all(&error).unwrap();
    std::fs::write(error.join("postgresql.log.2026-11-28-15"), STDERR).unwrap();
    std::fs::write(error.join("postgresql.log.2026-11-28-15.csv"), CSVLOG).unwrap();
    // An hour with nothing logged: recognised by its name, ingested with no records.
    std::fs::write(error.join("postgresql.log.2026-11-28-16"), "").unwrap();
    // A server with another log_line_prefix, read without --log-line-prefix: refused.
    std::fs::write(
        error.join("postgresql.log.2026-11-28-17"),
        "2026-11-28 17:00:00.125 UTC [4242] carol@shop LOG:  statement: SELECT 1\n",
    )
    .unwrap();
    let custom = dir.path().join("local/main.log");
    std::fs::create_dir_all(custom.parent().unwrap()).unwrap();
    std::fs::write(
        &custom,
        "2026-11-28 15:07:00.125 UTC [4242] carol@shop LOG:  statement: SELECT 1\n",
    )
    .unwrap();

    let lake = temp_lake();
    crate::support::ingest_rejecting(
        lake.path(),
        &["ingest", dir.path().join("rds").to_str().unwrap()],
        "1 record(s) and 1 unreadable file(s) rejected",
    );
    tagtrail(
        lake.path(),
        &[
            "ingest",
            "--instance",
            "local-pg",
            "--log-line-prefix",
            "%m [%p] %q%u@%d ",
            custom.to_str().unwrap(),
        ],
    );

    let files = query(
        lake.path(),
        "SELECT regexp_replace(source_uri, '^.*/', '') AS file, kind, status, records, kept, skipped, rejected \
         FROM ingest_manifest ORDER BY file",
    );
    assert_eq!(
        files,
        json!([
            {"file": "main.log", "kind": "pg-stderr", "status": "ingested", "records": 1, "kept": 1, "skipped": 0, "rejected": 0},
            {"file": "postgresql.log.2026-11-28-15", "kind": "pg-stderr", "status": "ingested", "records": 6, "kept": 3, "skipped": 2, "rejected": 1},
            {"file": "postgresql.log.2026-11-28-15.csv", "kind": "pg-csvlog", "status": "ingested", "records": 1, "kept": 1, "skipped": 0, "rejected": 0},
            {"file": "postgresql.log.2026-11-28-16", "kind": "pg-stderr", "status": "ingested", "records": 0, "kept": 0, "skipped": 0, "rejected": 0},
            {"file": "postgresql.log.2026-11-28-17", "kind": "pg-stderr", "status": "rejected", "records": 0, "kept": 0, "skipped": 0, "rejected": 1},
        ])
    );
    let rejects = query(
        lake.path(),
        "SELECT regexp_replace(source_uri, '^.*/', '') AS file, source_offset, kind, reason FROM ingest_rejects ORDER BY file",
    );
    assert_eq!(
        rejects,
        json!([
            {"file": "postgresql.log.2026-11-28-15", "source_offset": 5, "kind": "pg-stderr",
             "reason": "`2026-11-28 99:06:12 UTC` is not a valid time: input is out of range"},
            {"file": "postgresql.log.2026-11-28-17", "source_offset": -1, "kind": "pg-stderr",
             "reason": "not a PostgreSQL log: no line starts with log_line_prefix `%t:%r:%u@%d:[%p]:` (pass the server's --log-line-prefix)"},
        ])
    );
    let rows = query(
        lake.path(),
        "SELECT instance, engine, dialect, operation, db_user, object, sql_state, source_offset \
         FROM db_events ORDER BY event_time, source_offset",
    );
    assert_eq!(
        rows,
        json!([
            {"instance": "shop-pg", "engine": "postgres", "dialect": "pg-csvlog", "operation": "FAILED_CONNECT",
             "db_user": "bob", "object": null, "sql_state": "28P01", "source_offset": 1},
            {"instance": "shop-pg", "engine": "postgres", "dialect": "pg-stderr", "operation": "CONNECTION_RECEIVED",
             "db_user": null, "object": null, "sql_state": null, "source_offset": 2},
            {"instance": "shop-pg", "engine": "postgres", "dialect": "pg-stderr", "operation": "CONNECT",
             "db_user": "alice", "object": null, "sql_state": null, "source_offset": 3},
            {"instance": "shop-pg", "engine": "postgres", "dialect": "pg-stderr", "operation": "AUDIT_READ",
             "db_user": "alice", "object": "public.customers", "sql_state": null, "source_offset": 4},
            {"instance": "local-pg", "engine": "postgres", "dialect": "pg-stderr", "operation": "QUERY",
             "db_user": "carol", "object": null, "sql_state": null, "source_offset": 1},
        ])
    );
}

/// Regression: RDS with csvlog on writes each entry to `postgresql.log.<hour>` and to its
/// `.csv` twin; ingesting both (as a whole `error/` folder does) counted every session
/// and statement twice. The real server's twin files (fixtures/pg/record.sh).
#[test]
fn stderr_and_csvlog_twins_count_each_session_and_statement_once() {
    let counts = |files: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let error = dir.path().join("rds/pg-fixture/error");
        std::fs::create_dir_all(&error).unwrap();
        for f in files {
            std::fs::copy(
                crate::support::fixture(&format!("pg/rds/{f}")),
                error.join(f),
            )
            .unwrap();
        }
        let lake = temp_lake();
        tagtrail(lake.path(), &["ingest", dir.path().to_str().unwrap()]);
        query(
            lake.path(),
            "SELECT (SELECT count(*) FROM db_sessions) AS sessions, \
                    (SELECT sum(statement_count) FROM db_sessions) AS statements, \
                    (SELECT count(*) FROM db_events) AS raw_rows",
        )
    };
    let stderr = counts(&["postgresql.log.2026-11-29-03"]);
    let csv = counts(&["postgresql.log.2026-11-29-03.csv"]);
    let both = counts(&[
        "postgresql.log.2026-11-29-03",
        "postgresql.log.2026-11-29-03.csv",
    ]);
    assert_eq!(stderr[0]["sessions"], csv[0]["sessions"]);
    assert_eq!(stderr[0]["statements"], csv[0]["statements"]);
    assert_eq!(both[0]["sessions"], csv[0]["sessions"], "{both} {csv}");
    assert_eq!(both[0]["statements"], csv[0]["statements"], "{both} {csv}");
    // The raw table keeps both files' rows (provenance); only the views dedupe.
    assert_eq!(
        both[0]["raw_rows"].as_u64().unwrap(),
        stderr[0]["raw_rows"].as_u64().unwrap() + csv[0]["raw_rows"].as_u64().unwrap()
    );
    assert!(csv[0]["sessions"].as_u64().unwrap() >= 5, "{csv}");
}
