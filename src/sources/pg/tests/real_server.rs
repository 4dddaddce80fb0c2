//! Logs a real PostgreSQL 15.18 + pgaudit 1.7 server wrote (`fixtures/pg/record.sh`).

use super::*;

const RDS_STDERR: &str = include_str!("../../../../fixtures/pg/rds/postgresql.log.2026-11-29-03");
const RDS_CSVLOG: &str =
    include_str!("../../../../fixtures/pg/rds/postgresql.log.2026-11-29-03.csv");
const CUSTOM: &str = include_str!("../../../../fixtures/pg/custom/postgresql.log.2026-11-29-04");

/// What a row says apart from how its file frames it: the time (compared apart),
/// session id, line numbers, and the columns stderr has only with `%a`/`%e`.
fn normalised(rows: &[Value]) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            let mut r = r.clone();
            let o = r.as_object_mut().unwrap();
            for k in [
                "event_time",
                "dialect",
                "session_id",
                "source_offset",
                "application_name",
                "sql_state",
            ] {
                o.remove(k);
            }
            r
        })
        .collect()
}

#[test]
fn stderr_and_csvlog_of_the_same_sessions_give_the_same_rows() {
    let (stats, rows) = stderr(RDS_STDERR);
    // 66 lines: 7 DETAIL/STATEMENT/continuation lines belong to the entry before;
    // the 12 skipped are startup, checkpoint and shutdown messages.
    assert_eq!(counts(&stats), (59, 47, 12, 0));
    let (csv_stats, csv_rows) = csvlog(RDS_CSVLOG);
    assert_eq!(counts(&csv_stats), (59, 47, 12, 0));
    assert_eq!(normalised(&rows), normalised(&csv_rows));
    // PostgreSQL reads the clock twice: `%t` may be a second behind csvlog's log_time.
    for (a, b) in rows.iter().zip(&csv_rows) {
        let t = |v: &Value| {
            crate::sources::timefmt::parse_iso(v["event_time"].as_str().unwrap()).unwrap()
        };
        let behind = t(b) - t(a);
        assert!((0..2_000_000).contains(&behind), "{a} {b}");
    }

    let ops: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["source_offset"],
                r["operation"].as_str().unwrap()
            )
        })
        .collect();
    let session = |at: i64, middle: &[&str]| {
        let mut ops = vec![
            format!("{at} CONNECTION_RECEIVED"),
            format!("{} AUTHENTICATED", at + 1),
            format!("{} CONNECT", at + 2),
        ];
        ops.extend(middle.iter().map(|s| s.to_string()));
        ops
    };
    let mut want = session(6, &["9 QUERY", "10 AUDIT_DDL", "11 DISCONNECT"]);
    want.extend(session(
        12,
        &[
            "15 QUERY",
            "16 AUDIT_DDL",
            "17 QUERY",
            "18 AUDIT_ROLE",
            "19 QUERY",
            "20 AUDIT_DDL",
            "21 AUDIT_DDL",
            "22 AUDIT_DDL",
            "23 AUDIT_DDL",
            "24 QUERY",
            "25 AUDIT_ROLE",
            "26 AUDIT_WRITE",
            "27 DISCONNECT",
        ],
    ));
    want.extend(session(
        28,
        &[
            "31 AUDIT_READ",
            "32 AUDIT_WRITE",
            "35 ERROR",
            "38 DISCONNECT",
        ],
    ));
    want.extend(session(39, &["42 AUDIT_READ", "43 DISCONNECT"]));
    want.extend(["44 CONNECTION_RECEIVED", "45 FAILED_CONNECT"].map(String::from));
    want.extend(["47 CONNECTION_RECEIVED", "48 FAILED_CONNECT"].map(String::from));
    want.extend(session(51, &["54 FAILED_CONNECT"]));
    want.extend(
        [
            "55 CONNECTION_RECEIVED",
            "56 CONNECT",
            "57 QUERY",
            "58 AUDIT_ROLE",
            "59 DISCONNECT",
        ]
        .map(String::from),
    );
    assert_eq!(ops, want);

    let alice = json!({"db_user": "alice", "database": "shop", "client_host": "127.0.0.1",
        "client_port": 55838, "connection_id": 27917, "session_id": "6b0b9c12.6d0d",
        "dialect": "pg-csvlog"});
    let row = |extra: Value| {
        let mut r = alice.clone();
        r.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        r
    };
    assert_eq!(
        csv_rows[24..30],
        [
            row(
                json!({"event_time": "2026-11-29T03:29:22.799000Z", "operation": "CONNECT", "severity": "LOG",
                       "ssl": true, "application_name": "billing app", "source_offset": 30})
            ),
            row(
                json!({"event_time": "2026-11-29T03:29:22.802000Z", "operation": "AUDIT_READ", "audit_type": "SESSION", "severity": "LOG",
                       "query_id": 1, "substatement_id": 1, "command": "SELECT",
                       "statement": "SELECT id, email FROM customers ORDER BY id;",
                       "application_name": "billing app", "source_offset": 31})
            ),
            row(
                json!({"event_time": "2026-11-29T03:29:22.802000Z", "operation": "AUDIT_WRITE", "audit_type": "SESSION", "severity": "LOG",
                       "query_id": 2, "substatement_id": 1, "command": "UPDATE",
                       "statement": "UPDATE customers SET note = 'line one\nline two, with comma\nline three \"dq\" and ''sq''' WHERE id = 1;",
                       "application_name": "billing app", "source_offset": 32})
            ),
            row(
                json!({"event_time": "2026-11-29T03:29:22.804000Z", "operation": "ERROR", "severity": "ERROR",
                       "sql_state": "42P01", "message": "relation \"nope\" does not exist at character 15",
                       "statement": "SELECT * FROM nope\n  WHERE id = 1;",
                       "application_name": "billing app", "source_offset": 35})
            ),
            row(
                json!({"event_time": "2026-11-29T03:29:22.805000Z", "operation": "DISCONNECT", "severity": "LOG",
                       "application_name": "billing app", "source_offset": 37})
            ),
            json!({"event_time": "2026-11-29T03:29:22.862000Z", "client_host": "127.0.0.1", "client_port": 55846,
                   "connection_id": 27919, "session_id": "6b0b9c12.6d0f", "opens_session": true,
                   "operation": "CONNECTION_RECEIVED", "severity": "LOG", "dialect": "pg-csvlog", "source_offset": 38}),
        ]
    );
    let hba = "Connection matched pg_hba.conf line 91: \"host    all             all             127.0.0.1/32            scram-sha-256\"";
    let failures: Vec<_> = rows
        .iter()
        .filter(|r| r["operation"] == "FAILED_CONNECT")
        .map(|r| json!([r["db_user"], r["database"], r["sql_state"], r["message"]]))
        .collect();
    assert_eq!(
        failures,
        [
            json!([
                "alice",
                "shop",
                "28P01",
                format!("password authentication failed for user \"alice\"\nDETAIL:  {hba}")
            ]),
            json!([
                "mallory",
                "shop",
                "28P01",
                format!(
                    "password authentication failed for user \"mallory\"\nDETAIL:  Role \"mallory\" does not exist.\n{hba}"
                )
            ]),
            json!([
                "alice",
                "nosuchdb",
                "3D000",
                "database \"nosuchdb\" does not exist"
            ]),
        ]
    );
    // The passwords PostgreSQL logged with log_statement never reach the lake.
    let logged: Vec<_> = rows
        .iter()
        .filter(|r| r["redacted"] == true)
        .map(|r| json!([r["statement"], r["secret_kind"]]))
        .collect();
    assert_eq!(
        logged,
        [
            json!(["CREATE ROLE alice LOGIN PASSWORD <redacted>;", "password"]),
            json!(["ALTER ROLE alice PASSWORD <redacted>", "password"]),
        ]
    );
    for text in [RDS_STDERR, RDS_CSVLOG] {
        assert!(text.contains("'alice-pw'") && text.contains("'new-secret'"));
    }
    let stored = format!("{rows:?}{csv_rows:?}");
    assert!(!stored.contains("alice-pw") && !stored.contains("new-secret"));
}

#[test]
fn custom_prefix_in_cet() {
    let prefix = LinePrefix::compile("%m [%p] %q%u@%d %c %a %e ").unwrap();
    let (stats, rows) = run(CUSTOM, Format::Stderr(&prefix), chrono_tz::Europe::Berlin);
    assert_eq!(counts(&stats), (26, 14, 12, 0));
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            json!([
                r["source_offset"],
                r["event_time"],
                r["operation"],
                r["db_user"],
                r["database"],
                r["session_id"],
                r["application_name"],
                r["sql_state"],
                r["client_host"]
            ])
        })
        .collect();
    assert_eq!(
        got,
        [
            json!([
                6,
                "2026-11-29T03:29:24.277000Z",
                "CONNECTION_RECEIVED",
                null,
                null,
                "6b0b9c14.6d3d",
                null,
                null,
                "127.0.0.1"
            ]),
            json!([
                7,
                "2026-11-29T03:29:24.294000Z",
                "AUTHENTICATED",
                "postgres",
                "postgres",
                "6b0b9c14.6d3d",
                null,
                null,
                null
            ]),
            json!([
                8,
                "2026-11-29T03:29:24.294000Z",
                "CONNECT",
                "postgres",
                "postgres",
                "6b0b9c14.6d3d",
                "psql",
                null,
                null
            ]),
            json!([
                9,
                "2026-11-29T03:29:24.300000Z",
                "QUERY",
                "postgres",
                "postgres",
                "6b0b9c14.6d3d",
                "psql",
                null,
                null
            ]),
            json!([
                10,
                "2026-11-29T03:29:24.341000Z",
                "AUDIT_DDL",
                "postgres",
                "postgres",
                "6b0b9c14.6d3d",
                "psql",
                null,
                null
            ]),
            json!([
                11,
                "2026-11-29T03:29:24.351000Z",
                "DISCONNECT",
                "postgres",
                "postgres",
                "6b0b9c14.6d3d",
                "psql",
                null,
                "127.0.0.1"
            ]),
            json!([
                12,
                "2026-11-29T03:29:24.421000Z",
                "CONNECTION_RECEIVED",
                null,
                null,
                "6b0b9c14.6d43",
                null,
                null,
                "127.0.0.1"
            ]),
            json!([
                13,
                "2026-11-29T03:29:24.437000Z",
                "AUTHENTICATED",
                "postgres",
                "shop",
                "6b0b9c14.6d43",
                null,
                null,
                null
            ]),
            json!([
                14,
                "2026-11-29T03:29:24.437000Z",
                "CONNECT",
                "postgres",
                "shop",
                "6b0b9c14.6d43",
                "report job",
                null,
                null
            ]),
            json!([
                15,
                "2026-11-29T03:29:24.442000Z",
                "QUERY",
                "postgres",
                "shop",
                "6b0b9c14.6d43",
                "report job",
                null,
                null
            ]),
            json!([
                16,
                "2026-11-29T03:29:24.443000Z",
                "AUDIT_DDL",
                "postgres",
                "shop",
                "6b0b9c14.6d43",
                "report job",
                null,
                null
            ]),
            json!([
                17,
                "2026-11-29T03:29:24.444000Z",
                "AUDIT_READ",
                "postgres",
                "shop",
                "6b0b9c14.6d43",
                "report job",
                null,
                null
            ]),
            json!([
                18,
                "2026-11-29T03:29:24.444000Z",
                "ERROR",
                "postgres",
                "shop",
                "6b0b9c14.6d43",
                "report job",
                "42P01",
                null
            ]),
            json!([
                20,
                "2026-11-29T03:29:24.447000Z",
                "DISCONNECT",
                "postgres",
                "shop",
                "6b0b9c14.6d43",
                "report job",
                null,
                "127.0.0.1"
            ]),
        ]
    );
    assert_eq!(rows[12]["statement"], "SELECT * FROM nope;");
}
