//! A scripted workload on a real PostgreSQL 15 server set up like RDS (pgaudit, RDS
//! log prefix, connection logging, SSL, IAM users through PAM; see `pg_server`), driven
//! by the real `psql` client, ingested with the real `tagtrail ingest`, and checked
//! exactly: several users, a password account used from 127.0.0.1, ::1 and the Unix
//! socket, failed logins (bad password, unknown role, unknown database, bad IAM token),
//! an IAM login with a token-shaped password, a multi-line statement, commas, quotes and
//! newlines in literals, password changes, failing statements, and secrets planted in
//! statements (`lake_secrets` checks none reaches the lake).
//!
//! The server writes the stderr log and the csvlog for the same workload at once; each
//! is ingested into its own lake and every check runs on both, expecting the same answer.
//! The server runs once for all the tests here (and for `lake_secrets`): [`run`].

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde_json::{Value, json};

use crate::lake_secrets::{
    PG_ADMIN_PW, PG_ALICE_NEW_PW, PG_ALICE_PW, PG_AWS_SECRET, PG_BOB_NEW_PW, PG_BOB_PW,
    PG_ERROR_SIGNATURE, PG_FAILED_PW, PG_LOGIN_SIGNATURE, PG_LOGIN_TOKEN, PG_SHARED_PW,
    PG_SIGNATURE, PG_TOKEN,
};
use crate::pg_server::{Origin, Server};
use crate::support::{query, scratch, tagtrail_output};

pub struct Run {
    pub stderr_files: Vec<PathBuf>,
    pub csv_files: Vec<PathBuf>,
    pub stderr_lake: PathBuf,
    pub csv_lake: PathBuf,
    pub stderr_report: String,
    pub csv_report: String,
}

pub static RUN: LazyLock<Run> = LazyLock::new(workload);

pub fn run() -> &'static Run {
    &RUN
}

const MULTI_LINE: &str = "SELECT id,\n  name\nFROM customers\nWHERE id IN (1, 2)";
const UPDATE: &str =
    "UPDATE customers SET note = 'it''s, \"quoted\"\nnext line, done' WHERE id = 2";

fn workload() -> Run {
    let mut server = Server::start(PG_ADMIN_PW);
    server.admin(
        "postgres",
        &[
            "CREATE ROLE rds_pgaudit",
            "CREATE ROLE rds_iam",
            "CREATE DATABASE shop",
        ],
    );
    let create = |user: &str, pw: &str| format!("CREATE ROLE {user} LOGIN PASSWORD '{pw}'");
    server.admin(
        "shop",
        &[
            "CREATE EXTENSION pgaudit",
            "CREATE TABLE customers (id int PRIMARY KEY, name text, email text, note text)",
            "CREATE TABLE notes (id serial PRIMARY KEY, body text)",
            "INSERT INTO customers VALUES (1, 'Pat', 'pat@example.com', ''), (2, 'Sam', 'sam@example.com', '')",
            // Object auditing of customers, as RDS allows it: through rds_pgaudit.
            "GRANT SELECT ON customers TO rds_pgaudit",
            &create("alice", PG_ALICE_PW),
            &create("bob", PG_BOB_PW),
            &create("shared_app", PG_SHARED_PW),
            "CREATE ROLE iam_user LOGIN",
            "GRANT rds_iam TO iam_user",
            "GRANT SELECT, UPDATE, INSERT ON customers, notes TO alice, shared_app, iam_user",
            "GRANT SELECT ON customers TO bob",
            "GRANT USAGE ON SEQUENCE notes_id_seq TO alice, shared_app",
        ],
    );
    let v4 = Origin::V4;
    assert!(server.session(
        v4,
        "alice",
        PG_ALICE_PW,
        "shop",
        "require",
        &[MULTI_LINE, UPDATE]
    ));
    assert!(server.session(
        v4,
        "alice",
        PG_ALICE_PW,
        "shop",
        "require",
        &[&format!("ALTER ROLE alice PASSWORD '{PG_ALICE_NEW_PW}'")]
    ));
    assert!(!server.session(v4, "alice", PG_ALICE_PW, "shop", "require", &["SELECT 1"]));
    let aws = format!("INSERT INTO notes (body) VALUES ('aws_secret_access_key={PG_AWS_SECRET}')");
    let token = format!(
        "SELECT 'host:5432/?Action=connect&DBUser=iam_user&X-Amz-Security-Token={PG_TOKEN}&X-Amz-Signature={PG_SIGNATURE}' AS token"
    );
    assert!(server.session(
        v4,
        "alice",
        PG_ALICE_NEW_PW,
        "shop",
        "require",
        &[&aws, &token]
    ));
    assert!(!server.session(
        v4,
        "mallory",
        "no-such-role-pw",
        "shop",
        "require",
        &["SELECT 1"]
    ));
    assert!(!server.session(
        v4,
        "alice",
        PG_ALICE_NEW_PW,
        "nosuchdb",
        "require",
        &["SELECT 1"]
    ));
    let count = "SELECT count(*) FROM customers";
    assert!(server.session(v4, "bob", PG_BOB_PW, "shop", "disable", &[count]));
    server.admin(
        "shop",
        &[&format!("ALTER ROLE bob PASSWORD '{PG_BOB_NEW_PW}'")],
    );
    assert!(!server.session(v4, "bob", PG_BOB_PW, "shop", "disable", &["SELECT 1"]));
    let by_id = "SELECT email FROM customers WHERE id = 1";
    assert!(server.session(v4, "bob", PG_BOB_NEW_PW, "shop", "disable", &[by_id]));
    let iam_token = format!(
        "localhost:5432/?Action=connect&DBUser=iam_user&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20261129%2Feu-west-1%2Frds-db%2Faws4_request&X-Amz-Date=20261129T030000Z&X-Amz-Expires=900&X-Amz-Security-Token={PG_LOGIN_TOKEN}&X-Amz-SignedHeaders=host&X-Amz-Signature={PG_LOGIN_SIGNATURE}"
    );
    let ordered = "SELECT id, email FROM customers ORDER BY id";
    assert!(server.session(v4, "iam_user", &iam_token, "shop", "require", &[ordered]));
    assert!(!server.session(
        v4,
        "iam_user",
        "not-a-token",
        "shop",
        "require",
        &["SELECT 1"]
    ));
    // The shared account from three client addresses.
    assert!(server.session(v4, "shared_app", PG_SHARED_PW, "shop", "require", &[by_id]));
    assert!(server.session(
        Origin::V6,
        "shared_app",
        PG_SHARED_PW,
        "shop",
        "require",
        &["INSERT INTO notes (body) VALUES ('from ::1, with a comma')"]
    ));
    assert!(server.session(
        Origin::Socket,
        "shared_app",
        PG_SHARED_PW,
        "shop",
        "disable",
        &["SELECT count(*) FROM notes"]
    ));
    // Failing statements: PostgreSQL logs them raw (STATEMENT:), secrets and all.
    assert!(!server.session(
        v4,
        "alice",
        PG_ALICE_NEW_PW,
        "shop",
        "require",
        &[&format!(
            "CREATE ROLE mallory LOGIN PASSWORD '{PG_FAILED_PW}'"
        )]
    ));
    assert!(!server.session(
        v4,
        "alice",
        PG_ALICE_NEW_PW,
        "shop",
        "require",
        &[&format!(
            "SELECT * FROM no_such_table WHERE t = 'X-Amz-Signature={PG_ERROR_SIGNATURE}'"
        )]
    ));
    server.stop();

    let dir = scratch("realdb-pg");
    let (mut stderr_files, mut csv_files) = (Vec::new(), Vec::new());
    for d in ["stderr", "csvlog"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    for entry in std::fs::read_dir(server.log_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let (sub, list) = if name.ends_with(".csv") {
            ("csvlog", &mut csv_files)
        } else {
            ("stderr", &mut stderr_files)
        };
        let copy = dir.join(sub).join(&name);
        std::fs::copy(&path, &copy).unwrap();
        list.push(copy);
    }
    drop(server);
    assert!(!stderr_files.is_empty() && !csv_files.is_empty());
    let ingest = |lake: &Path, files: &[PathBuf]| {
        let mut args = vec!["ingest", "--instance", "pg-test"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        let out = tagtrail_output(lake, &args);
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "ingest failed: {report}");
        report
    };
    let stderr_lake = dir.join("lake-stderr");
    let csv_lake = dir.join("lake-csvlog");
    let stderr_report = ingest(&stderr_lake, &stderr_files);
    let csv_report = ingest(&csv_lake, &csv_files);
    Run {
        stderr_files,
        csv_files,
        stderr_lake,
        csv_lake,
        stderr_report,
        csv_report,
    }
}

/// Runs `sql` on both lakes, asserts they agree, and returns the rows.
fn both(sql: &str) -> Vec<Value> {
    let run = run();
    let stderr = query(&run.stderr_lake, sql);
    let csv = query(&run.csv_lake, sql);
    assert_eq!(stderr, csv, "stderr and csvlog disagree on {sql}");
    stderr.as_array().unwrap().clone()
}

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

#[test]
fn pg_workload_failed_logins_say_why() {
    let got = both(
        "SELECT db_user, database, client_host, sql_state, auth_method, message FROM db_events \
         WHERE operation = 'FAILED_CONNECT' ORDER BY event_time, source_offset",
    );
    let hba = |line: u32, rule: &str| {
        format!("\nDETAIL:  Connection matched pg_hba.conf line {line}: \"{rule}\"")
    };
    let scram = hba(4, "host all all 127.0.0.1/32 scram-sha-256");
    let f = |u: &str, db: &str, state: &str, method: Option<&str>, msg: String| {
        json!({"db_user": u, "database": db, "client_host": "127.0.0.1", "sql_state": state,
               "auth_method": method, "message": msg})
    };
    assert_eq!(
        got,
        vec![
            f(
                "alice",
                "shop",
                "28P01",
                None,
                format!("password authentication failed for user \"alice\"{scram}")
            ),
            f(
                "mallory",
                "shop",
                "28P01",
                None,
                // The DETAIL has two lines (a TAB continuation in the stderr log).
                format!(
                    "password authentication failed for user \"mallory\"\nDETAIL:  Role \"mallory\" does not exist.{}",
                    scram.replace("\nDETAIL:  ", "\n")
                )
            ),
            f(
                "alice",
                "nosuchdb",
                "3D000",
                None,
                "database \"nosuchdb\" does not exist".to_string()
            ),
            f(
                "bob",
                "shop",
                "28P01",
                None,
                format!("password authentication failed for user \"bob\"{scram}")
            ),
            // The IAM token check (PAM) refused a password that is no token.
            f(
                "iam_user",
                "shop",
                "28000",
                Some("pam"),
                format!(
                    "PAM authentication failed for user \"iam_user\"{}\nLOG:  pam_authenticate failed: Authentication failure",
                    hba(
                        3,
                        "hostssl all iam_user 127.0.0.1/32 pam pamservice=tagtrail-iam-sim"
                    )
                )
            ),
        ]
    );
}

#[test]
fn pg_workload_logins_say_how() {
    let got = both(
        "SELECT db_user, auth_method, auth_identity, count(*) AS n FROM db_events \
         WHERE operation = 'AUTHENTICATED' GROUP BY db_user, auth_method, auth_identity ORDER BY db_user",
    );
    let e = |u: &str, m: &str, n: u64| json!({"db_user": u, "auth_method": m, "auth_identity": u, "n": n});
    assert_eq!(
        got,
        vec![
            e("alice", "scram-sha-256", 6),
            e("bob", "scram-sha-256", 2),
            e("iam_user", "pam", 1),
            e("shared_app", "scram-sha-256", 3),
        ]
    );
}

#[test]
fn pg_workload_sessions_have_exact_boundaries() {
    let sessions = both(
        "SELECT db_user, client_host, initial_database, success, connect_seen, statement_count, \
         disconnect_time IS NOT NULL AS closed, disconnect_time >= connect_time AS ordered \
         FROM db_sessions ORDER BY connect_time, connection_id",
    );
    let s = |u: &str, host: &str, db: &str, ok: bool, stmts: u64, closed: bool| {
        json!({"db_user": u, "client_host": host, "initial_database": db, "success": ok,
               "connect_seen": true, "statement_count": stmts, "closed": closed,
               "ordered": if closed { json!(true) } else { Value::Null }})
    };
    let l = "[local]";
    let v4 = "127.0.0.1";
    let expected = vec![
        s("postgres", l, "postgres", true, 3, true),
        s("postgres", l, "shop", true, 13, true),
        s("alice", v4, "shop", true, 2, true),
        s("alice", v4, "shop", true, 1, true),
        // Refused before authorization: no database is known.
        json!({"db_user": "alice", "client_host": v4, "initial_database": null, "success": false,
               "connect_seen": true, "statement_count": 0, "closed": false, "ordered": null}),
        s("alice", v4, "shop", true, 2, true),
        json!({"db_user": "mallory", "client_host": v4, "initial_database": null, "success": false,
               "connect_seen": true, "statement_count": 0, "closed": false, "ordered": null}),
        // Authorized, then refused: the database does not exist.
        s("alice", v4, "nosuchdb", false, 0, false),
        s("bob", v4, "shop", true, 1, true),
        s("postgres", l, "shop", true, 1, true),
        json!({"db_user": "bob", "client_host": v4, "initial_database": null, "success": false,
               "connect_seen": true, "statement_count": 0, "closed": false, "ordered": null}),
        s("bob", v4, "shop", true, 1, true),
        s("iam_user", v4, "shop", true, 1, true),
        json!({"db_user": "iam_user", "client_host": v4, "initial_database": null, "success": false,
               "connect_seen": true, "statement_count": 0, "closed": false, "ordered": null}),
        s("shared_app", v4, "shop", true, 1, true),
        s("shared_app", "::1", "shop", true, 1, true),
        s("shared_app", l, "shop", true, 1, true),
        s("alice", v4, "shop", true, 0, true),
        s("alice", v4, "shop", true, 0, true),
    ];
    // Sessions opened within one second sort by pid, which the kernel hands out in order
    // on this otherwise idle server; compare as a multiset to stay exact without relying on it.
    let key = |v: &Value| v.to_string();
    let mut got_sorted = sessions.clone();
    got_sorted.sort_by_key(key);
    let mut want_sorted = expected.clone();
    want_sorted.sort_by_key(key);
    assert_eq!(got_sorted, want_sorted, "{sessions:#?}");

    // Boundaries: each session starts at its `connection received` line and ends at its
    // `disconnection` line, read straight from the files the server wrote: to the second
    // in the stderr log (`%t`), to the millisecond in the csvlog.
    let run = run();
    for (lake, files, format, csv) in [
        (
            &run.stderr_lake,
            &run.stderr_files,
            "%Y-%m-%d %H:%M:%S",
            false,
        ),
        (&run.csv_lake, &run.csv_files, "%Y-%m-%d %H:%M:%S%.3f", true),
    ] {
        let got = query(
            lake,
            &format!(
                "SELECT connection_id, to_char(connect_time, '{format}') AS connect_time, \
                 to_char(disconnect_time, '{format}') AS disconnect_time \
                 FROM db_sessions ORDER BY connection_id"
            ),
        );
        let raw = raw_pg_boundaries(files, csv);
        let want: Vec<Value> = raw
            .iter()
            .map(|(pid, (connect, disconnect))| {
                json!({"connection_id": pid, "connect_time": connect, "disconnect_time": disconnect})
            })
            .collect();
        assert_eq!(got.as_array().unwrap(), &want);
        assert_eq!(want.len(), expected.len());
    }
}

/// `pid → (connection received, disconnection)` times from the raw log files: the
/// stderr prefix `%t:%r:%u@%d:[%p]:` or the csvlog's first and fourth fields (these
/// rows have no quoted comma before the message).
fn raw_pg_boundaries(
    files: &[PathBuf],
    csv: bool,
) -> std::collections::BTreeMap<i64, (String, Option<String>)> {
    let mut out = std::collections::BTreeMap::new();
    for file in files {
        for line in std::fs::read_to_string(file).unwrap().lines() {
            let (time, pid, message) = if csv {
                let f: Vec<&str> = line.splitn(15, ',').collect();
                if f.len() < 15 || !f[0].ends_with(" UTC") {
                    continue;
                }
                (f[0].trim_end_matches(" UTC"), f[3], f[13])
            } else {
                let Some(at) = line.find("]:LOG:  ") else {
                    continue;
                };
                let Some(open) = line[..at].rfind(":[") else {
                    continue;
                };
                (&line[..19], &line[open + 2..at], &line[at + 8..])
            };
            let message = message.trim_start_matches('"');
            if message.starts_with("connection received: ") {
                out.insert(pid.parse::<i64>().unwrap(), (time.to_string(), None));
            } else if message.starts_with("disconnection: ") {
                out.get_mut(&pid.parse::<i64>().unwrap()).unwrap().1 = Some(time.to_string());
            }
        }
    }
    out
}
