//! Logins and sessions of the PostgreSQL workload (`pg_workload`): why each failed
//! login failed, how each login authenticated (`pam` for the IAM user), and every
//! session's boundaries and statement count from `db_sessions`, checked against the raw
//! log files, identical from the stderr log and the csvlog.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::pg_workload::{both, run};
use crate::support::query;

#[test]
fn pg_workload_failed_logins_say_why() {
    let got = both(
        "SELECT db_user, database, client_host, sql_state, auth_method, message FROM db_events \
         WHERE operation = 'FAILED_CONNECT' ORDER BY event_time, source_offset",
    );
    let hba = |line: u32, rule: &str| {
        format!("\nDETAIL:  Connection matched pg_hba.conf line {line}: \"{rule}\"")
    };
    // Line 5 of the harness's pg_hba.conf (pg_server.rs).
    let scram = hba(5, "host all all 127.0.0.1/32 scram-sha-256");
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
        // Refused before authorization: the database the client asked for (the FATAL
        // line's `%d`, csvlog's database_name).
        json!({"db_user": "alice", "client_host": v4, "initial_database": "shop", "success": false,
               "connect_seen": true, "statement_count": 0, "closed": false, "ordered": null}),
        s("alice", v4, "shop", true, 2, true),
        json!({"db_user": "mallory", "client_host": v4, "initial_database": "shop", "success": false,
               "connect_seen": true, "statement_count": 0, "closed": false, "ordered": null}),
        // Authorized, then refused: the database does not exist.
        s("alice", v4, "nosuchdb", false, 0, false),
        s("bob", v4, "shop", true, 1, true),
        s("postgres", l, "shop", true, 1, true),
        json!({"db_user": "bob", "client_host": v4, "initial_database": "shop", "success": false,
               "connect_seen": true, "statement_count": 0, "closed": false, "ordered": null}),
        s("bob", v4, "shop", true, 1, true),
        s("iam_user", v4, "shop", true, 1, true),
        json!({"db_user": "iam_user", "client_host": v4, "initial_database": "shop", "success": false,
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

    // Boundaries: each session starts (`session_start`; `connect_time` is the login, at
    // `connection authorized`) at its `connection received` line and ends at its
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
                "SELECT connection_id, to_char(session_start, '{format}') AS connect_time, \
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
