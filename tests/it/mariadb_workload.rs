//! A scripted workload on a real MariaDB server with server_audit, driven by the real
//! `mariadb` client, ingested with the real `tagtrail ingest`, and checked exactly:
//! several users, a password account used over TCP (127.0.0.1) and over the Unix socket
//! (`localhost`), failed logins (1045 bad password / unknown user, 1044 database denied),
//! a multi-line statement, commas, quotes and newlines in literals, password changes
//! (`ALTER USER … IDENTIFIED BY`, `SET PASSWORD`), and secrets planted in statements
//! (`lake_secrets` checks none of them reaches the lake).
//!
//! The server runs once for all the tests here (and for `lake_secrets`): [`run`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use serde_json::{Value, json};

use crate::lake_secrets::{
    MDB_ALICE_NEW_PW, MDB_ALICE_PW, MDB_AWS_SECRET, MDB_BOB_NEW_PW, MDB_BOB_PW, MDB_PASSWORD_FN_PW,
    MDB_SHARED_NEW_PW, MDB_SHARED_PW, MDB_SIGNATURE, MDB_TOKEN,
};
use crate::mariadb_server::{Server, Via};
use crate::support::{query, scratch, tagtrail_output};

/// What the workload left behind once its server is stopped.
pub struct Run {
    /// The lake the audit log was ingested into.
    pub lake: PathBuf,
    /// A copy of the audit log exactly as the server wrote it.
    pub audit_log: PathBuf,
    /// What `tagtrail ingest` printed (stdout and stderr).
    pub report: String,
}

pub static RUN: LazyLock<Run> = LazyLock::new(workload);

pub fn run() -> &'static Run {
    &RUN
}

const MULTI_LINE: &str = "SELECT id,\n  name\nFROM customers\nWHERE id IN (1, 2)";
const UPDATE: &str =
    "UPDATE customers SET note = 'it''s, \"quoted\"\nnext line, done' WHERE id = 2";

fn workload() -> Run {
    let mut server = Server::start("UTC");
    server.root_sql(&format!(
        "CREATE DATABASE shop; \
         CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(100), email VARCHAR(100), note TEXT); \
         CREATE TABLE shop.notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT); \
         INSERT INTO shop.customers VALUES (1, 'Pat', 'pat@example.com', ''), (2, 'Sam', 'sam@example.com', ''); \
         CREATE USER 'alice'@'%' IDENTIFIED BY '{MDB_ALICE_PW}'; GRANT SELECT, UPDATE, INSERT ON shop.* TO 'alice'@'%'; \
         CREATE USER 'bob'@'%' IDENTIFIED BY '{MDB_BOB_PW}'; GRANT SELECT ON shop.* TO 'bob'@'%'; \
         CREATE USER 'shared_app'@'%' IDENTIFIED BY '{MDB_SHARED_PW}'; GRANT SELECT, INSERT ON shop.* TO 'shared_app'@'%';"
    ));
    let tcp = Via::Tcp;
    assert!(server.session(tcp, "alice", MDB_ALICE_PW, Some("shop"), &[MULTI_LINE]));
    let set_password = format!("SET PASSWORD = PASSWORD('{MDB_ALICE_NEW_PW}')");
    assert!(server.session(
        tcp,
        "alice",
        MDB_ALICE_PW,
        Some("shop"),
        &[UPDATE, &set_password]
    ));
    // The old password no longer works.
    assert!(!server.session(tcp, "alice", MDB_ALICE_PW, None, &["SELECT 1"]));
    let aws =
        format!("INSERT INTO shop.notes (body) VALUES ('aws_secret_access_key={MDB_AWS_SECRET}')");
    let token = format!(
        "SELECT 'host:3306/?Action=connect&DBUser=alice&X-Amz-Security-Token={MDB_TOKEN}&X-Amz-Signature={MDB_SIGNATURE}' AS token"
    );
    let password_fn = format!("SELECT PASSWORD('{MDB_PASSWORD_FN_PW}') AS hash");
    assert!(server.session(
        tcp,
        "alice",
        MDB_ALICE_NEW_PW,
        None,
        &[&aws, &token, &password_fn]
    ));
    assert!(!server.session(tcp, "mallory", "no-such-user-pw", None, &["SELECT 1"]));
    assert!(!server.session(tcp, "alice", MDB_ALICE_NEW_PW, Some("mysql"), &["SELECT 1"]));
    assert!(!server.session(tcp, "bob", MDB_BOB_PW, Some("nosuchdb"), &["SELECT 1"]));
    server.root_sql(&format!(
        "ALTER USER 'bob'@'%' IDENTIFIED BY '{MDB_BOB_NEW_PW}'; \
         SET PASSWORD FOR 'shared_app'@'%' = PASSWORD('{MDB_SHARED_NEW_PW}')"
    ));
    assert!(!server.session(tcp, "bob", MDB_BOB_PW, None, &["SELECT 1"]));
    assert!(server.session(
        tcp,
        "bob",
        MDB_BOB_NEW_PW,
        None,
        &["SELECT count(*) FROM shop.customers"]
    ));
    // The shared account from two client addresses: TCP 127.0.0.1 and the socket.
    assert!(server.session(
        tcp,
        "shared_app",
        MDB_SHARED_NEW_PW,
        None,
        &["SELECT email FROM shop.customers WHERE id = 1"]
    ));
    assert!(server.session(
        Via::Socket,
        "shared_app",
        MDB_SHARED_NEW_PW,
        None,
        &["INSERT INTO shop.notes (body) VALUES ('from the socket, with a comma')"]
    ));
    server.stop();

    let dir = scratch("realdb-mariadb");
    let audit_log = dir.join("server_audit.log");
    std::fs::copy(server.audit_log(), &audit_log).unwrap();
    drop(server);
    let lake = dir.join("lake");
    let out = tagtrail_output(
        &lake,
        &[
            "ingest",
            "--instance",
            "mdb-test",
            "--tz",
            "UTC",
            audit_log.to_str().unwrap(),
        ],
    );
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "ingest failed: {report}");
    Run {
        lake,
        audit_log,
        report,
    }
}

fn rows(v: &Value) -> Vec<Value> {
    v.as_array().unwrap().clone()
}

#[test]
fn mariadb_workload_counts_per_user_and_operation() {
    let run = run();
    assert_eq!(
        query(&run.lake, "SELECT count(*) AS n FROM ingest_rejects"),
        json!([{"n": 0}]),
        "{}",
        run.report
    );
    let got = query(
        &run.lake,
        "SELECT db_user, operation, count(*) AS n FROM db_events \
         GROUP BY db_user, operation ORDER BY db_user, operation",
    );
    let expect = |u: &str, op: &str, n: u64| json!({"db_user": u, "operation": op, "n": n});
    assert_eq!(
        rows(&got),
        vec![
            // 3 logins, 2 refused (old password 1045, database mysql 1044), 5 disconnects;
            // statements: 1 multi-line SELECT, UPDATE + SET PASSWORD, INSERT + 2 SELECTs.
            expect("alice", "CONNECT", 3),
            expect("alice", "DISCONNECT", 5),
            expect("alice", "FAILED_CONNECT", 2),
            expect("alice", "QUERY", 6),
            expect("alice", "READ", 4),
            expect("alice", "WRITE", 3),
            // refused twice (database nosuchdb 1044, old password 1045), one SELECT.
            expect("bob", "CONNECT", 1),
            expect("bob", "DISCONNECT", 3),
            expect("bob", "FAILED_CONNECT", 2),
            expect("bob", "QUERY", 1),
            expect("bob", "READ", 1),
            expect("mallory", "DISCONNECT", 1),
            expect("mallory", "FAILED_CONNECT", 1),
            // setup (10 statements) and the password changes (2).
            expect("root", "CONNECT", 2),
            expect("root", "CREATE", 2),
            expect("root", "DISCONNECT", 2),
            expect("root", "QUERY", 12),
            expect("root", "READ", 3),
            expect("root", "WRITE", 30),
            expect("shared_app", "CONNECT", 2),
            expect("shared_app", "DISCONNECT", 2),
            expect("shared_app", "QUERY", 2),
            expect("shared_app", "READ", 1),
            expect("shared_app", "WRITE", 1),
        ]
    );
}

#[test]
fn mariadb_workload_counts_per_object() {
    let run = run();
    let got = query(
        &run.lake,
        "SELECT db_user, operation, database || '.' || object AS object, count(*) AS n FROM db_events \
         WHERE object IS NOT NULL GROUP BY db_user, operation, database, object \
         ORDER BY db_user, operation, object",
    );
    let expect = |u: &str, op: &str, o: &str, n: u64| json!({"db_user": u, "operation": op, "object": o, "n": n});
    assert_eq!(
        rows(&got),
        vec![
            // The server reads its statistics tables when a table is first opened
            // (shop.notes by alice's INSERT, shop.customers by root's).
            expect("alice", "READ", "mysql.column_stats", 1),
            expect("alice", "READ", "mysql.index_stats", 1),
            expect("alice", "READ", "mysql.table_stats", 1),
            expect("alice", "READ", "shop.customers", 1),
            expect("alice", "WRITE", "mysql.global_priv", 1),
            expect("alice", "WRITE", "shop.customers", 1),
            expect("alice", "WRITE", "shop.notes", 1),
            expect("bob", "READ", "shop.customers", 1),
            expect("root", "CREATE", "shop.customers", 1),
            expect("root", "CREATE", "shop.notes", 1),
            expect("root", "READ", "mysql.column_stats", 1),
            expect("root", "READ", "mysql.index_stats", 1),
            expect("root", "READ", "mysql.table_stats", 1),
            // 3 CREATE USER write 7 privilege tables each, 3 GRANTs write db + global_priv,
            // ALTER USER and SET PASSWORD FOR write global_priv.
            expect("root", "WRITE", "mysql.columns_priv", 3),
            expect("root", "WRITE", "mysql.db", 6),
            expect("root", "WRITE", "mysql.global_priv", 8),
            expect("root", "WRITE", "mysql.procs_priv", 3),
            expect("root", "WRITE", "mysql.proxies_priv", 3),
            expect("root", "WRITE", "mysql.roles_mapping", 3),
            expect("root", "WRITE", "mysql.tables_priv", 3),
            expect("root", "WRITE", "shop.customers", 1),
            expect("shared_app", "READ", "shop.customers", 1),
            expect("shared_app", "WRITE", "shop.notes", 1),
        ]
    );
}

#[test]
fn mariadb_workload_statements_come_back_exactly() {
    let run = run();
    let got = query(
        &run.lake,
        "SELECT statement, redacted, secret_kind FROM db_events \
         WHERE db_user = 'alice' AND operation = 'QUERY' ORDER BY event_time, source_offset",
    );
    assert_eq!(
        rows(&got),
        vec![
            json!({"statement": MULTI_LINE, "redacted": false, "secret_kind": null}),
            json!({"statement": UPDATE, "redacted": false, "secret_kind": null}),
            // MariaDB masks the password itself.
            json!({"statement": "SET PASSWORD = PASSWORD(*****)", "redacted": false, "secret_kind": null}),
            json!({"statement": "INSERT INTO shop.notes (body) VALUES ('aws_secret_access_key=<redacted>')",
                   "redacted": true, "secret_kind": "aws-secret"}),
            json!({"statement": "SELECT 'host:3306/?Action=connect&DBUser=alice&X-Amz-Security-Token=<redacted>&X-Amz-Signature=<redacted>' AS token",
                   "redacted": true, "secret_kind": "iam-token"}),
            json!({"statement": "SELECT PASSWORD(<redacted>) AS hash", "redacted": true, "secret_kind": "password"}),
        ]
    );
    let changes = query(
        &run.lake,
        "SELECT statement FROM db_events WHERE db_user = 'root' AND operation = 'QUERY' \
         AND (statement LIKE '%PASSWORD%' OR statement LIKE '%IDENTIFIED%') ORDER BY event_time, source_offset",
    );
    assert_eq!(
        rows(&changes),
        vec![
            json!({"statement": "CREATE USER 'alice'@'%' IDENTIFIED BY *****"}),
            json!({"statement": "CREATE USER 'bob'@'%' IDENTIFIED BY *****"}),
            json!({"statement": "CREATE USER 'shared_app'@'%' IDENTIFIED BY *****"}),
            json!({"statement": "ALTER USER 'bob'@'%' IDENTIFIED BY *****"}),
            json!({"statement": "SET PASSWORD FOR 'shared_app'@'%' = PASSWORD(*****)"}),
        ]
    );
}

/// Connect and disconnect times of each connection id, read straight from the raw audit
/// log (connection rows have no quoted field, so a plain split is exact).
fn raw_boundaries(log: &str) -> BTreeMap<i64, (String, Option<String>)> {
    let mut out: BTreeMap<i64, (String, Option<String>)> = BTreeMap::new();
    for line in log.lines() {
        let f: Vec<&str> = line.split(',').collect();
        let time = || {
            let (d, t) = f[0].split_once(' ').unwrap();
            format!("{}-{}-{}T{t}", &d[..4], &d[4..6], &d[6..8])
        };
        match f.get(6) {
            Some(&"CONNECT") | Some(&"FAILED_CONNECT") => {
                out.insert(f[4].parse().unwrap(), (time(), None));
            }
            Some(&"DISCONNECT") => {
                out.get_mut(&f[4].parse().unwrap()).unwrap().1 = Some(time());
            }
            _ => {}
        }
    }
    out
}

#[test]
fn mariadb_workload_sessions_have_exact_boundaries() {
    let run = run();
    let got = query(
        &run.lake,
        "SELECT connection_id, db_user, client_host, initial_database, success, failure_code, \
         statement_count, connect_seen, \
         to_char(connect_time, '%Y-%m-%dT%H:%M:%S') AS connect_time, \
         to_char(disconnect_time, '%Y-%m-%dT%H:%M:%S') AS disconnect_time \
         FROM db_sessions ORDER BY connection_id",
    );
    let got = rows(&got);
    let s = |u: &str, host: &str, db: Option<&str>, fail: Option<i64>, stmts: u64| {
        json!({"db_user": u, "client_host": host, "initial_database": db, "success": fail.is_none(),
               "failure_code": fail, "statement_count": stmts, "connect_seen": true})
    };
    let l = "127.0.0.1";
    let expected = vec![
        s("root", "localhost", None, None, 10),
        s("alice", l, Some("shop"), None, 1),
        s("alice", l, Some("shop"), None, 2),
        s("alice", l, None, Some(1045), 0),
        s("alice", l, None, None, 3),
        s("mallory", l, None, Some(1045), 0),
        s("alice", l, None, Some(1044), 0),
        s("bob", l, None, Some(1044), 0),
        s("root", "localhost", None, None, 2),
        s("bob", l, None, Some(1045), 0),
        s("bob", l, None, None, 1),
        s("shared_app", l, None, None, 1),
        s("shared_app", "localhost", None, None, 1),
    ];
    let without_times: Vec<Value> = got
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let o = r.as_object_mut().unwrap();
            for k in ["connection_id", "connect_time", "disconnect_time"] {
                o.remove(k);
            }
            r
        })
        .collect();
    assert_eq!(without_times, expected);

    // Every session opens and closes exactly when the server logged it.
    let raw = raw_boundaries(&std::fs::read_to_string(&run.audit_log).unwrap());
    assert_eq!(raw.len(), expected.len(), "{raw:?}");
    for r in &got {
        let id = r["connection_id"].as_i64().unwrap();
        let (connect, disconnect) = &raw[&id];
        assert_eq!(r["connect_time"], json!(connect), "{r}");
        assert_eq!(r["disconnect_time"], json!(disconnect), "{r}");
        assert!(disconnect.is_some(), "every session was closed: {r}");
    }
}
