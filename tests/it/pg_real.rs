//! Exact counts and statements of the PostgreSQL workload (`pg_workload`): per user and
//! operation, per pgaudit command and object, and the statements as the clients sent
//! them (secrets removed), identical from the stderr log and the csvlog.

use serde_json::json;

use crate::pg_workload::{MULTI_LINE, UPDATE, both, run};
use crate::support::query;

#[test]
fn pg_workload_is_ingested_whole_from_both_formats() {
    let run = run();
    for (lake, dialect, report) in [
        (&run.stderr_lake, "pg-stderr", &run.stderr_report),
        (&run.csv_lake, "pg-csvlog", &run.csv_report),
    ] {
        assert_eq!(
            query(lake, "SELECT count(*) AS n FROM ingest_rejects"),
            json!([{"n": 0}]),
            "{report}"
        );
        assert_eq!(
            query(
                lake,
                "SELECT DISTINCT instance, engine, dialect FROM db_events"
            ),
            json!([{"instance": "pg-test", "engine": "postgres", "dialect": dialect}])
        );
    }
}

#[test]
fn pg_workload_counts_per_user_and_operation() {
    let got = both(
        "SELECT db_user, operation, count(*) AS n FROM db_events \
         GROUP BY db_user, operation ORDER BY db_user NULLS FIRST, operation",
    );
    let e = |u: Option<&str>, op: &str, n: u64| json!({"db_user": u, "operation": op, "n": n});
    let a = Some("alice");
    let b = Some("bob");
    let i = Some("iam_user");
    let p = Some("postgres");
    let s = Some("shared_app");
    assert_eq!(
        got,
        vec![
            // Before authentication the server does not know who connects.
            e(None, "CONNECTION_RECEIVED", 19),
            // 6 authenticated logins, one into a database that does not exist; one
            // refused (old password); the failing CREATE ROLE and SELECT.
            e(a, "AUDIT_READ", 3),
            e(a, "AUDIT_ROLE", 1),
            e(a, "AUDIT_WRITE", 3),
            e(a, "AUTHENTICATED", 6),
            e(a, "CONNECT", 6),
            e(a, "DISCONNECT", 5),
            e(a, "ERROR", 2),
            e(a, "FAILED_CONNECT", 2),
            e(b, "AUDIT_READ", 4),
            e(b, "AUTHENTICATED", 2),
            e(b, "CONNECT", 2),
            e(b, "DISCONNECT", 2),
            e(b, "FAILED_CONNECT", 1),
            e(i, "AUDIT_READ", 2),
            e(i, "AUTHENTICATED", 1),
            e(i, "CONNECT", 1),
            e(i, "DISCONNECT", 1),
            e(i, "FAILED_CONNECT", 1),
            e(Some("mallory"), "FAILED_CONNECT", 1),
            // The admin over the socket (trust: no `connection authenticated` line).
            e(p, "AUDIT_DDL", 8),
            e(p, "AUDIT_ROLE", 12),
            e(p, "AUDIT_WRITE", 1),
            e(p, "CONNECT", 3),
            e(p, "DISCONNECT", 3),
            e(s, "AUDIT_READ", 3),
            e(s, "AUDIT_WRITE", 1),
            e(s, "AUTHENTICATED", 3),
            e(s, "CONNECT", 3),
            e(s, "DISCONNECT", 3),
        ]
    );
}

#[test]
fn pg_workload_counts_per_command_and_object() {
    let got = both(
        "SELECT db_user, operation, command, object, count(*) AS n FROM db_events \
         WHERE operation LIKE 'AUDIT%' GROUP BY db_user, operation, command, object \
         ORDER BY db_user, operation, command, object NULLS FIRST",
    );
    let e = |u: &str, op: &str, c: &str, o: Option<&str>, n: u64| json!({"db_user": u, "operation": op, "command": c, "object": o, "n": n});
    let c = Some("public.customers");
    assert_eq!(
        got,
        vec![
            // SESSION rows name no relation; OBJECT rows (rds_pgaudit's grant) name customers.
            e("alice", "AUDIT_READ", "SELECT", None, 2),
            e("alice", "AUDIT_READ", "SELECT", c, 1),
            e("alice", "AUDIT_ROLE", "ALTER ROLE", None, 1),
            e("alice", "AUDIT_WRITE", "INSERT", None, 1),
            e("alice", "AUDIT_WRITE", "UPDATE", None, 1),
            e("alice", "AUDIT_WRITE", "UPDATE", c, 1),
            e("bob", "AUDIT_READ", "SELECT", None, 2),
            e("bob", "AUDIT_READ", "SELECT", c, 2),
            e("iam_user", "AUDIT_READ", "SELECT", None, 1),
            e("iam_user", "AUDIT_READ", "SELECT", c, 1),
            e(
                "postgres",
                "AUDIT_DDL",
                "ALTER SEQUENCE",
                Some("public.notes_id_seq"),
                1
            ),
            e("postgres", "AUDIT_DDL", "CREATE DATABASE", None, 1),
            e("postgres", "AUDIT_DDL", "CREATE EXTENSION", None, 1),
            e(
                "postgres",
                "AUDIT_DDL",
                "CREATE INDEX",
                Some("public.customers_pkey"),
                1
            ),
            e(
                "postgres",
                "AUDIT_DDL",
                "CREATE INDEX",
                Some("public.notes_pkey"),
                1
            ),
            e(
                "postgres",
                "AUDIT_DDL",
                "CREATE SEQUENCE",
                Some("public.notes_id_seq"),
                1
            ),
            e("postgres", "AUDIT_DDL", "CREATE TABLE", c, 1),
            e(
                "postgres",
                "AUDIT_DDL",
                "CREATE TABLE",
                Some("public.notes"),
                1
            ),
            e("postgres", "AUDIT_ROLE", "ALTER ROLE", None, 1),
            e("postgres", "AUDIT_ROLE", "CREATE ROLE", None, 6),
            e("postgres", "AUDIT_ROLE", "GRANT", None, 4),
            e("postgres", "AUDIT_ROLE", "GRANT ROLE", None, 1),
            e("postgres", "AUDIT_WRITE", "INSERT", None, 1),
            e("shared_app", "AUDIT_READ", "SELECT", None, 2),
            e("shared_app", "AUDIT_READ", "SELECT", c, 1),
            e("shared_app", "AUDIT_WRITE", "INSERT", None, 1),
        ]
    );
}

#[test]
fn pg_workload_statements_come_back_exactly() {
    let got = both(
        "SELECT operation, statement, redacted, secret_kind FROM db_events \
         WHERE db_user = 'alice' AND statement IS NOT NULL AND (object IS NULL OR operation = 'ERROR') \
         ORDER BY event_time, source_offset",
    );
    let r = |op: &str, s: &str, kind: Option<&str>| json!({"operation": op, "statement": s, "redacted": kind.is_some(), "secret_kind": kind});
    assert_eq!(
        got,
        vec![
            r("AUDIT_READ", MULTI_LINE, None),
            r("AUDIT_WRITE", UPDATE, None),
            // pgaudit masks role passwords itself.
            r("AUDIT_ROLE", "ALTER ROLE alice PASSWORD <REDACTED>", None),
            r(
                "AUDIT_WRITE",
                "INSERT INTO notes (body) VALUES ('aws_secret_access_key=<redacted>')",
                Some("aws-secret")
            ),
            r(
                "AUDIT_READ",
                "SELECT 'host:5432/?Action=connect&DBUser=iam_user&X-Amz-Security-Token=<redacted>&X-Amz-Signature=<redacted>' AS token",
                Some("iam-token")
            ),
            r(
                "ERROR",
                "CREATE ROLE mallory LOGIN PASSWORD <redacted>",
                Some("password")
            ),
            r(
                "ERROR",
                "SELECT * FROM no_such_table WHERE t = 'X-Amz-Signature=<redacted>'",
                Some("iam-token")
            ),
        ]
    );
    // The stderr log appends the error position to the message; the csvlog keeps it in
    // its `query_pos` column, which tagtrail appends the same way.
    let errors = both(
        "SELECT message FROM db_events WHERE operation = 'ERROR' ORDER BY event_time, source_offset",
    );
    assert_eq!(
        errors,
        vec![
            json!({"message": "permission denied to create role"}),
            json!({"message": "relation \"no_such_table\" does not exist at character 15"}),
        ]
    );
}
