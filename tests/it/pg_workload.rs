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
//! The server runs once for all the checks (`pg_real`, `pg_sessions`, `lake_secrets`):
//! [`run`].

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde_json::Value;

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

pub const MULTI_LINE: &str = "SELECT id,\n  name\nFROM customers\nWHERE id IN (1, 2)";
pub const UPDATE: &str =
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
pub fn both(sql: &str) -> Vec<Value> {
    let run = run();
    let stderr = query(&run.stderr_lake, sql);
    let csv = query(&run.csv_lake, sql);
    assert_eq!(stderr, csv, "stderr and csvlog disagree on {sql}");
    stderr.as_array().unwrap().clone()
}
