//! Every verbatim line of the research note (db-audit-formats.md §c: lines real
//! PostgreSQL servers wrote, locally and on RDS) through the public entry point, with
//! the exact rows they must give.

use serde_json::{Value, json};

use super::*;
use crate::report::json_value;

/// Columns that are the same for every row of a file.
const FILE_COLUMNS: [&str; 3] = ["instance", "engine", "source_uri"];

/// The rows as JSON objects without the per-file columns, nulls and unset flags, so a
/// test lists exactly what a row says and any other value makes it fail.
fn run(log: &str, format: Format<'_>, tz: Tz) -> (FileStats, Vec<Value>) {
    let ctx = Context {
        instance: "shop-pg",
        tz,
        source_uri: "/logs/error/postgresql.log.2026-11-28-15",
        format,
    };
    let mut batches = Vec::new();
    let stats = parse(log.as_bytes(), &ctx, &mut |out, b| {
        assert_eq!(out, crate::sources::Output::DbEvents);
        batches.push(b);
        Ok(())
    })
    .unwrap();
    let mut rows = Vec::new();
    for b in &batches {
        for r in 0..b.num_rows() {
            let mut obj = serde_json::Map::new();
            for (i, field) in b.schema().fields().iter().enumerate() {
                let v = json_value(b.column(i).as_ref(), r);
                if FILE_COLUMNS.contains(&field.name().as_str()) {
                    assert_eq!(
                        v,
                        json!({"instance": "shop-pg", "engine": "postgres",
                               "source_uri": "/logs/error/postgresql.log.2026-11-28-15"})
                            [field.name()]
                    );
                    continue;
                }
                let unset_flag = v == json!(false)
                    && ["opens_session", "statement_truncated", "redacted"]
                        .contains(&field.name().as_str());
                if !(v.is_null() || unset_flag) {
                    obj.insert(field.name().clone(), v);
                }
            }
            rows.push(Value::Object(obj));
        }
    }
    assert_eq!(
        stats.records,
        stats.kept + stats.skipped + stats.rejects.len() as u64,
        "{stats:?}"
    );
    (stats, rows)
}

fn stderr(log: &str) -> (FileStats, Vec<Value>) {
    run(log, Format::Stderr(LinePrefix::rds()), chrono_tz::UTC)
}

fn csvlog(log: &str) -> (FileStats, Vec<Value>) {
    run(log, Format::Csvlog, chrono_tz::UTC)
}

fn counts(s: &FileStats) -> (u64, u64, u64, usize) {
    (s.records, s.kept, s.skipped, s.rejects.len())
}

/// §c.2, observed on PostgreSQL 15.18 with the RDS prefix.
#[test]
fn connection_lines_become_session_rows() {
    let log = "\
2026-11-28 15:06:11 UTC:127.0.0.1(55222):[unknown]@[unknown]:[21789]:LOG:  connection received: host=127.0.0.1 port=55222
2026-11-28 15:06:11 UTC:127.0.0.1(55222):alice@shop:[21789]:LOG:  connection authenticated: identity=\"alice\" method=scram-sha-256 (<sandbox datadir>/pg_hba.conf:92)
2026-11-28 15:06:11 UTC:127.0.0.1(55222):alice@shop:[21789]:LOG:  connection authorized: user=alice database=shop application_name=billing SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)
2026-11-28 15:06:11 UTC:127.0.0.1(55222):alice@shop:[21789]:LOG:  disconnection: session time: 0:00:00.041 user=alice database=shop host=127.0.0.1 port=55222
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (4, 4, 0, 0));
    let session = json!({"event_time": "2026-11-28T15:06:11Z", "client_host": "127.0.0.1",
        "client_port": 55222, "connection_id": 21789, "severity": "LOG", "dialect": "pg-stderr"});
    let with = |extra: Value| {
        let mut row = session.clone();
        row.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        row
    };
    assert_eq!(
        rows,
        vec![
            with(
                json!({"operation": "CONNECTION_RECEIVED", "opens_session": true, "source_offset": 1})
            ),
            with(
                json!({"operation": "AUTHENTICATED", "db_user": "alice", "database": "shop",
                        "auth_method": "scram-sha-256", "auth_identity": "alice", "source_offset": 2})
            ),
            with(
                json!({"operation": "CONNECT", "db_user": "alice", "database": "shop", "ssl": true,
                        "application_name": "billing", "source_offset": 3})
            ),
            with(
                json!({"operation": "DISCONNECT", "db_user": "alice", "database": "shop", "source_offset": 4})
            ),
        ]
    );
}

/// §c.2: RDS lines from cyrilgdn/terraform-provider-postgresql#289 (md5 login, an
/// application_name with a space); the second line's prefix is the first's (elided there).
#[test]
fn rds_connection_lines_with_spaces_in_application_name() {
    let log = "\
2023-03-10 11:10:07 UTC:82.214.175.74(13708):terraformuser@postgres:[835]:LOG:  connection authenticated: identity=\"terraformuser\" method=md5 (/rdsdbdata/config/pg_hba.conf:15)
2023-03-10 11:10:07 UTC:82.214.175.74(13708):terraformuser@postgres:[835]:LOG:  connection authorized: user=terraformuser database=postgres application_name=Terraform provider SSL enabled (protocol=TLSv1.2, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256)
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (2, 2, 0, 0));
    let common = |op: &str, line: i64| {
        json!({"event_time": "2023-03-10T11:10:07Z", "db_user": "terraformuser", "database": "postgres",
               "client_host": "82.214.175.74", "client_port": 13708, "connection_id": 835,
               "severity": "LOG", "dialect": "pg-stderr", "operation": op, "source_offset": line})
    };
    let mut authenticated = common("AUTHENTICATED", 1);
    authenticated["auth_method"] = json!("md5");
    authenticated["auth_identity"] = json!("terraformuser");
    let mut connect = common("CONNECT", 2);
    connect["ssl"] = json!(true);
    connect["application_name"] = json!("Terraform provider");
    assert_eq!(rows, vec![authenticated, connect]);
}

/// §c.3, observed: a wrong password and an unknown role (DETAIL continued on a TAB line).
#[test]
fn password_failures_carry_their_detail_and_sqlstate() {
    let log = "\
2026-11-28 15:06:11 UTC:127.0.0.1(55248):bob@shop:[21798]:FATAL:  password authentication failed for user \"bob\"
2026-11-28 15:06:11 UTC:127.0.0.1(55248):bob@shop:[21798]:DETAIL:  Connection matched pg_hba.conf line 92: \"host    all             all             127.0.0.1/32            scram-sha-256\"
2026-11-28 15:06:11 UTC:127.0.0.1(55256):mallory@shop:[21800]:FATAL:  password authentication failed for user \"mallory\"
2026-11-28 15:06:11 UTC:127.0.0.1(55256):mallory@shop:[21800]:DETAIL:  Role \"mallory\" does not exist.
\tConnection matched pg_hba.conf line 92: \"host    all             all             127.0.0.1/32            scram-sha-256\"
2024-01-21 17:56:55 UTC:3.92.54.14(57164):postgresql@postgresql:[43627]:FATAL:  password authentication failed for user \"postgresql\"
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (3, 3, 0, 0));
    let hba = "Connection matched pg_hba.conf line 92: \"host    all             all             127.0.0.1/32            scram-sha-256\"";
    assert_eq!(
        rows,
        vec![
            json!({"event_time": "2026-11-28T15:06:11Z", "db_user": "bob", "database": "shop",
                   "client_host": "127.0.0.1", "client_port": 55248, "connection_id": 21798,
                   "operation": "FAILED_CONNECT", "sql_state": "28P01", "severity": "FATAL",
                   "message": format!("password authentication failed for user \"bob\"\nDETAIL:  {hba}"),
                   "dialect": "pg-stderr", "source_offset": 1}),
            json!({"event_time": "2026-11-28T15:06:11Z", "db_user": "mallory", "database": "shop",
                   "client_host": "127.0.0.1", "client_port": 55256, "connection_id": 21800,
                   "operation": "FAILED_CONNECT", "sql_state": "28P01", "severity": "FATAL",
                   "message": format!("password authentication failed for user \"mallory\"\nDETAIL:  Role \"mallory\" does not exist.\n{hba}"),
                   "dialect": "pg-stderr", "source_offset": 3}),
            json!({"event_time": "2024-01-21T17:56:55Z", "db_user": "postgresql", "database": "postgresql",
                   "client_host": "3.92.54.14", "client_port": 57164, "connection_id": 43627,
                   "operation": "FAILED_CONNECT", "sql_state": "28P01", "severity": "FATAL",
                   "message": "password authentication failed for user \"postgresql\"",
                   "dialect": "pg-stderr", "source_offset": 6}),
        ]
    );
}

/// §c.3: an IAM (PAM) failure on RDS. The prefix and curl lines are verbatim from
/// aws/aws-toolkit-jetbrains#3525 (one space after `LOG:`, as there); the FATAL and
/// DETAIL messages are pganalyze/collector#378's, whose prefixes were redacted.
#[test]
fn pam_failure_folds_the_reason_and_skips_curl_debug_lines() {
    let log = "\
* Connected to rdsauthproxy (…) port 1108 (#0)
> POST /authenticateRequest HTTP/1.1
< HTTP/1.1 403 Forbidden
2023-03-17 08:19:37 UTC:vpn.vpc.ip.xx(50249):iamuser/dbuser@postgres:[4319]:LOG: pam_authenticate failed: Permission denied
2023-03-17 08:19:37 UTC:vpn.vpc.ip.xx(50249):iamuser/dbuser@postgres:[4319]:FATAL:  PAM authentication failed for user \"iamuser/dbuser\"
2023-03-17 08:19:37 UTC:vpn.vpc.ip.xx(50249):iamuser/dbuser@postgres:[4319]:DETAIL:  Connection matched pg_hba.conf line 13: \"hostssl    all             +rds_iam             all            pam\"
";
    let (stats, rows) = stderr(log);
    // Three curl lines skipped; the LOG and the FATAL (with its DETAIL) make one row.
    assert_eq!(counts(&stats), (5, 2, 3, 0));
    assert_eq!(
        rows,
        vec![
            json!({"event_time": "2023-03-17T08:19:37Z", "db_user": "iamuser/dbuser", "database": "postgres",
            "client_host": "vpn.vpc.ip.xx", "client_port": 50249, "connection_id": 4319,
            "operation": "FAILED_CONNECT", "sql_state": "28000", "severity": "FATAL", "auth_method": "pam",
            "message": "PAM authentication failed for user \"iamuser/dbuser\"\nDETAIL:  Connection matched pg_hba.conf line 13: \"hostssl    all             +rds_iam             all            pam\"\nLOG:  pam_authenticate failed: Permission denied",
            "dialect": "pg-stderr", "source_offset": 5})
        ]
    );
    // pganalyze's triple as published: the prefix was redacted, so nothing is an entry.
    let redacted = "\
redacted:pganalyze@redacted:[13984]:LOG:  pam_authenticate failed: Permission denied
redacted:pganalyze@redacted:[13984]:FATAL:  PAM authentication failed for user \"pganalyze\"
redacted:pganalyze@redacted:[13984]:DETAIL:  Connection matched pg_hba.conf line 13: \"hostssl    all             +rds_iam             all            pam\"
";
    let (stats, rows) = stderr(redacted);
    assert_eq!((counts(&stats), rows.len()), ((3, 0, 3, 0), 0));
}

/// §c.3: refusals before authentication and a missing database (after `connection
/// authorized`); messages verbatim, prefixes in the RDS form.
#[test]
fn hba_refusals_unknown_roles_and_missing_databases() {
    let log = "\
2026-11-28 15:06:13 UTC:10.0.4.116(40110):test_rds@initialdb:[900]:FATAL:  pg_hba.conf rejects connection for host \"10.0.4.116\", user \"test_rds\", database \"initialdb\", SSL off
2026-11-28 15:06:14 UTC:127.0.0.1(55300):bob@nosuchdb:[901]:FATAL:  database \"nosuchdb\" does not exist
2026-11-28 15:06:15 UTC:[local]:mallory@shop:[902]:FATAL:  role \"mallory\" does not exist
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (3, 3, 0, 0));
    let ops: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r["operation"].clone(),
                r["sql_state"].clone(),
                r["db_user"].clone(),
                r["database"].clone(),
                r["client_host"].clone(),
                r["client_port"].clone(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        vec![
            (
                json!("FAILED_CONNECT"),
                json!("28000"),
                json!("test_rds"),
                json!("initialdb"),
                json!("10.0.4.116"),
                json!(40110)
            ),
            (
                json!("FAILED_CONNECT"),
                json!("3D000"),
                json!("bob"),
                json!("nosuchdb"),
                json!("127.0.0.1"),
                json!(55300)
            ),
            (
                json!("FAILED_CONNECT"),
                json!("28000"),
                json!("mallory"),
                json!("shop"),
                json!("[local]"),
                Value::Null
            ),
        ]
    );
}

/// §c.4 and §c.6, observed with pgaudit 1.7.0: SESSION and OBJECT rows, a quoted
/// statement, and a multi-line statement continued on TAB lines.
#[test]
fn pgaudit_rows() {
    let log = "\
2026-11-28 15:06:12 UTC:127.0.0.1(55272):iam_user@shop:[21807]:LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,\"SELECT id, email FROM customers ORDER BY id\",<none>
2026-11-28 15:06:12 UTC:127.0.0.1(55272):iam_user@shop:[21807]:LOG:  AUDIT: OBJECT,1,1,READ,SELECT,TABLE,public.customers,\"SELECT id, email FROM customers ORDER BY id\",<none>
2026-11-28 15:04:26 UTC:127.0.0.1(47704):bob@shop:[20723]:LOG:  AUDIT: SESSION,1,1,WRITE,UPDATE,,,\"UPDATE customers SET note = 'line one
\tline two, with comma
\tline three \"\"dq\"\" and ''sq''' WHERE id = 1;\",<none>
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (3, 3, 0, 0));
    let iam = |extra: Value, line: i64| {
        let mut row = json!({"event_time": "2026-11-28T15:06:12Z", "db_user": "iam_user", "database": "shop",
            "client_host": "127.0.0.1", "client_port": 55272, "connection_id": 21807, "query_id": 1,
            "substatement_id": 1, "operation": "AUDIT_READ", "command": "SELECT",
            "statement": "SELECT id, email FROM customers ORDER BY id", "severity": "LOG",
            "dialect": "pg-stderr", "source_offset": line});
        row.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        row
    };
    assert_eq!(
        rows,
        vec![
            iam(json!({}), 1),
            iam(
                json!({"object_type": "TABLE", "object": "public.customers"}),
                2
            ),
            json!({"event_time": "2026-11-28T15:04:26Z", "db_user": "bob", "database": "shop",
                   "client_host": "127.0.0.1", "client_port": 47704, "connection_id": 20723, "query_id": 1,
                   "substatement_id": 1, "operation": "AUDIT_WRITE", "command": "UPDATE",
                   "statement": "UPDATE customers SET note = 'line one\nline two, with comma\nline three \"dq\" and ''sq''' WHERE id = 1;",
                   "severity": "LOG", "dialect": "pg-stderr", "source_offset": 3}),
        ]
    );
}

/// §c.4 payloads quoted without their prefix: redacted passwords, a role grant, a
/// parameter after an EXECUTE's PREPARE text.
#[test]
fn pgaudit_payloads() {
    let cases = [
        (
            "SESSION,2,1,ROLE,ALTER ROLE,,,ALTER ROLE bob PASSWORD <REDACTED>,<none>",
            (
                "SESSION",
                2,
                1,
                "ROLE",
                "ALTER ROLE",
                "",
                "",
                "ALTER ROLE bob PASSWORD <REDACTED>",
            ),
        ),
        (
            "SESSION,7,1,ROLE,GRANT ROLE,,,GRANT rds_iam TO iam_user;,<none>",
            (
                "SESSION",
                7,
                1,
                "ROLE",
                "GRANT ROLE",
                "",
                "",
                "GRANT rds_iam TO iam_user;",
            ),
        ),
        (
            "SESSION,3,1,READ,SELECT,,,PREPARE q(int) AS SELECT name FROM customers WHERE id = $1;,2",
            (
                "SESSION",
                3,
                1,
                "READ",
                "SELECT",
                "",
                "",
                "PREPARE q(int) AS SELECT name FROM customers WHERE id = $1;",
            ),
        ),
        (
            "SESSION,1,1,ROLE,CREATE ROLE,,,create role pgaudit_owner;,<not logged>",
            (
                "SESSION",
                1,
                1,
                "ROLE",
                "CREATE ROLE",
                "",
                "",
                "create role pgaudit_owner;",
            ),
        ),
    ];
    for (payload, want) in cases {
        let a = pgaudit::parse_audit(payload).unwrap();
        let got = (
            a.audit_type.as_str(),
            a.statement_id,
            a.substatement_id,
            a.class.as_str(),
            a.command.as_str(),
            a.object_type.as_str(),
            a.object.as_str(),
            a.statement.as_str(),
        );
        assert_eq!(got, want, "{payload}");
    }
    for (bad, reason) in [
        (
            "SESSION,x,1,READ,SELECT,,,SELECT 1,<none>",
            "statement id `x` is not a number",
        ),
        ("SESSION,1,1,READ", "has 4 fields, expected at least 8"),
        (
            "AUDIT,1,1,READ,SELECT,,,SELECT 1,<none>",
            "neither SESSION nor OBJECT",
        ),
    ] {
        let e = pgaudit::parse_audit(bad).unwrap_err();
        assert!(e.contains(reason), "{bad}: {e}");
    }
}

/// §c.5, observed on PostgreSQL 15: a wrong password, SQLSTATE from the log. As quoted in
/// the note the row has 27 fields (one empty field more than PostgreSQL 15 writes); the
/// columns tagtrail reads come first and are unaffected, as for a newer server's record.
#[test]
fn csvlog_password_failure() {
    let log = "2026-11-28 15:04:27.209 UTC,\"bob\",\"shop\",20729,\"127.0.0.1:47728\",6b0aed7b.50f9,2,\"authentication\",2026-11-28 15:04:27 UTC,3/43,0,FATAL,28P01,\"password authentication failed for user \"\"bob\"\"\",\"Connection matched pg_hba.conf line 91: \"\"host    all             all             127.0.0.1/32            scram-sha-256\"\"\",,,,,,,,,\"\",\"client backend\",,0\n";
    let (stats, rows) = csvlog(log);
    assert_eq!(counts(&stats), (1, 1, 0, 0));
    assert_eq!(
        rows,
        vec![
            json!({"event_time": "2026-11-28T15:04:27.209000Z", "db_user": "bob", "database": "shop",
            "client_host": "127.0.0.1", "client_port": 47728, "connection_id": 20729,
            "session_id": "6b0aed7b.50f9", "operation": "FAILED_CONNECT", "sql_state": "28P01",
            "severity": "FATAL",
            "message": "password authentication failed for user \"bob\"\nDETAIL:  Connection matched pg_hba.conf line 91: \"host    all             all             127.0.0.1/32            scram-sha-256\"",
            "dialect": "pg-csvlog", "source_offset": 1})
        ]
    );
}

/// §c.4: pgaudit's own analyzer fixture (PostgreSQL 9.5, 23 columns): pgaudit CSV inside
/// the csvlog `message` field, after a checkpoint-like line that is skipped.
#[test]
fn csvlog_pgaudit_row_is_csv_inside_csv() {
    let log = "\
2015-08-12 16:13:44.809 UTC,\"vagrant\",\"postgres\",22612,\"[local]\",55cb70b8.5854,3,\"CREATE ROLE\",2015-08-12 16:13:44 UTC,2/3,1830,LOG,00000,\"AUDIT: SESSION,1,1,ROLE,CREATE ROLE,,,create role pgaudit_owner;,<not logged>\",,,,,,,,\"log_audit_event, pgaudit.c:686\",\"psql\"
";
    let (stats, rows) = csvlog(log);
    assert_eq!(counts(&stats), (1, 1, 0, 0));
    assert_eq!(
        rows,
        vec![
            json!({"event_time": "2015-08-12T16:13:44.809000Z", "db_user": "vagrant", "database": "postgres",
            "client_host": "[local]", "connection_id": 22612, "session_id": "55cb70b8.5854",
            "query_id": 1, "substatement_id": 1, "operation": "AUDIT_ROLE", "command": "CREATE ROLE",
            "statement": "create role pgaudit_owner;", "severity": "LOG", "application_name": "psql",
            "dialect": "pg-csvlog", "source_offset": 1})
        ]
    );
}

/// A PostgreSQL 15 csvlog written in `EDT` (elastic/integrations
/// `test-postgresql-14-csv.log`): startup lines skipped, a socket session's rows, the
/// zone abbreviation resolved through --tz.
#[test]
fn csvlog_socket_session_in_a_named_zone() {
    let log = "\
2025-04-21 03:27:12.432 EDT,,,40386,,680550.627ba,6,,2025-04-21 03:27:12 EDT,,0,LOG,00000,\"database system is ready to accept connections\",,,,,,,,,\"\",\"postmaster\",,0
2025-04-21 03:27:13.526 EDT,,,40397,\"[local]\",68f351.62c5,1,\"\",2025-04-21 03:27:13 EDT,,0,LOG,00000,\"connection received: host=[local]\",,,,,,,,,\"\",\"not initialized\",,0
2025-04-21 03:27:13.529 EDT,\"postgres\",\"template1\",40397,\"[local]\",6805f351.627c5,2,\"authentication\",2025-04-21 03:27:13 EDT,3/1,0,LOG,00000,\"connection authorized: user=postgres database=template1 application_name=psql\",,,,,,,,,\"\",\"client backend\",,0
2025-04-21 03:27:13.543 EDT,\"postgres\",\"template1\",403397,\"[local]\",6805f351.627c5,3,\"idle\",2025-04-21 03:27:13 EDT,3/0,0,LOG,00000,\"duration: 0.225 ms\",,,,,,,,,\"psql\",\"client backend\",,0
2025-04-21 03:27:13.543 EDT,\"postgres\",\"template1\",403397,\"[local]\",6805f351.627c5,4,\"idle\",2025-04-21 03:27:13 EDT,,0,LOG,00000,\"disconnection: session time: 0:00:00.01 user=postgres database=template1 host=[local]\",,,,,,,,,\"psql\",\"client backend\",,0
";
    let (stats, rows) = run(log, Format::Csvlog, chrono_tz::America::New_York);
    assert_eq!(counts(&stats), (5, 3, 2, 0));
    let summary: Vec<_> = rows
        .iter()
        .map(|r| {
            json!([
                r["operation"],
                r["event_time"],
                r["db_user"],
                r["client_host"],
                r["connection_id"],
                r["application_name"],
                r["ssl"],
                r["source_offset"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            json!([
                "CONNECTION_RECEIVED",
                "2025-04-21T07:27:13.526000Z",
                null,
                "[local]",
                40397,
                null,
                null,
                2
            ]),
            json!([
                "CONNECT",
                "2025-04-21T07:27:13.529000Z",
                "postgres",
                "[local]",
                40397,
                "psql",
                false,
                3
            ]),
            json!([
                "DISCONNECT",
                "2025-04-21T07:27:13.543000Z",
                "postgres",
                "[local]",
                403397,
                "psql",
                null,
                5
            ]),
        ]
    );
    // The same file read with the default --tz (UTC) cannot place EDT: every line is a reject.
    let (stats, rows) = csvlog(log);
    assert_eq!((counts(&stats), rows.len()), ((5, 0, 0, 5), 0));
    assert_eq!(
        stats.rejects[0].reason,
        "time zone `EDT` of `2025-04-21 03:27:12.432 EDT` is not what --tz UTC uses then (UTC); pass the server's log_timezone as --tz (e.g. --tz Europe/Berlin)"
    );
}

/// RDS lines from elastic/integrations `test-postgresql-aws.log`: a background process
/// (empty `%r`, no user or database), an ERROR without a STATEMENT line (one space after
/// the colon), a `log_statement` line.
#[test]
fn background_lines_errors_and_statements() {
    let log = r#"2022-06-16 17:58:40 UTC::@:[7770]:LOG:  checkpoint starting: time
2019-03-10 03:54:59 UTC:10.0.0.123(52834):postgres@tstdb:[20175]:ERROR: column "wrong" does not exist at character 8
2022-06-20 22:19:26 UTC:172.23.160.54(33998):accounters@found:[20452]:LOG:  statement: INSERT INTO events (user_id, type, data) VALUES (NULL, 'accounting', '{\"hostname\": \"44058ed0088d\"}') RETURNING events.event_id
"#;
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (3, 2, 1, 0));
    assert_eq!(
        rows,
        vec![
            json!({"event_time": "2019-03-10T03:54:59Z", "db_user": "postgres", "database": "tstdb",
                   "client_host": "10.0.0.123", "client_port": 52834, "connection_id": 20175,
                   "operation": "ERROR", "severity": "ERROR",
                   "message": "column \"wrong\" does not exist at character 8",
                   "dialect": "pg-stderr", "source_offset": 2}),
            json!({"event_time": "2022-06-20T22:19:26Z", "db_user": "accounters", "database": "found",
                   "client_host": "172.23.160.54", "client_port": 33998, "connection_id": 20452,
                   "operation": "QUERY", "severity": "LOG",
                   "statement": r#"INSERT INTO events (user_id, type, data) VALUES (NULL, 'accounting', '{\"hostname\": \"44058ed0088d\"}') RETURNING events.event_id"#,
                   "dialect": "pg-stderr", "source_offset": 3}),
        ]
    );
}

/// An ERROR and the STATEMENT line PostgreSQL writes after it make one row; a logged
/// password (`log_statement` does not redact, §c.4) never reaches the lake; a CloudWatch
/// export line (pgbadger#521, §d.3) is read behind its time stamp.
#[test]
fn error_statements_redaction_and_export_stamps() {
    let log = "\
2026-11-28 15:06:20 UTC:127.0.0.1(55280):bob@shop:[21810]:ERROR:  relation \"nope\" does not exist at character 15
2026-11-28 15:06:20 UTC:127.0.0.1(55280):bob@shop:[21810]:STATEMENT:  SELECT * FROM nope
\t WHERE id = 1;
2026-11-28 15:06:21 UTC:[local]:postgres@shop:[21811]:LOG:  statement: CREATE ROLE alice LOGIN PASSWORD 'alice-pw';
2019-08-09T18:00:00.000Z 2019-08-09 18:00:00 UTC:10.50.72.222(33436):lmn@lmn_db:[26802]:LOG:  duration: 13.817 ms  statement: SELECT id,name from abc
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (3, 3, 0, 0));
    assert_eq!(
        rows,
        vec![
            json!({"event_time": "2026-11-28T15:06:20Z", "db_user": "bob", "database": "shop",
                   "client_host": "127.0.0.1", "client_port": 55280, "connection_id": 21810,
                   "operation": "ERROR", "severity": "ERROR", "statement": "SELECT * FROM nope\n WHERE id = 1;",
                   "message": "relation \"nope\" does not exist at character 15",
                   "dialect": "pg-stderr", "source_offset": 1}),
            json!({"event_time": "2026-11-28T15:06:21Z", "db_user": "postgres", "database": "shop",
                   "client_host": "[local]", "connection_id": 21811, "operation": "QUERY", "severity": "LOG",
                   "statement": "CREATE ROLE alice LOGIN PASSWORD <redacted>;", "redacted": true,
                   "secret_kind": "password", "dialect": "pg-stderr", "source_offset": 4}),
            json!({"event_time": "2019-08-09T18:00:00Z", "db_user": "lmn", "database": "lmn_db",
                   "client_host": "10.50.72.222", "client_port": 33436, "connection_id": 26802,
                   "operation": "QUERY", "severity": "LOG", "statement": "SELECT id,name from abc",
                   "dialect": "pg-stderr", "source_offset": 5}),
        ]
    );
}

/// `%r` with IPv6 addresses (colons inside the field the prefix splits on colons).
#[test]
fn ipv6_remotes() {
    let log = "\
2026-11-28 15:06:11 UTC:2001:db8::5(55222):[unknown]@[unknown]:[21789]:LOG:  connection received: host=2001:db8::5 port=55222
2026-11-28 15:06:11 UTC:::1(41000):alice@shop:[21790]:LOG:  disconnection: session time: 0:00:01.002 user=alice database=shop host=::1 port=41000
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (2, 2, 0, 0));
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            json!([
                r["operation"],
                r["client_host"],
                r["client_port"],
                r["db_user"],
                r["connection_id"]
            ])
        })
        .collect();
    assert_eq!(
        got,
        vec![
            json!(["CONNECTION_RECEIVED", "2001:db8::5", 55222, null, 21789]),
            json!(["DISCONNECT", "::1", 41000, "alice", 21790]),
        ]
    );
}

/// `%t` in a named zone (pgbadger's RDS fixture logs `CET`): resolved through --tz,
/// including the repeated hour at the end of summer time; numeric zones need no --tz.
#[test]
fn zone_abbreviations_follow_tz() {
    let log = "\
2026-11-28 16:06:11 CET:127.0.0.1(55222):alice@shop:[1]:LOG:  connection received: host=127.0.0.1 port=55222
2026-10-25 02:30:00 CEST:127.0.0.1(55222):alice@shop:[2]:LOG:  connection received: host=127.0.0.1 port=55222
2026-10-25 02:30:00 CET:127.0.0.1(55222):alice@shop:[3]:LOG:  connection received: host=127.0.0.1 port=55222
2026-11-28 12:06:11 -03:127.0.0.1(55222):alice@shop:[4]:LOG:  connection received: host=127.0.0.1 port=55222
2026-11-28 20:36:11 +0530:127.0.0.1(55222):alice@shop:[5]:LOG:  connection received: host=127.0.0.1 port=55222
";
    let (stats, rows) = run(
        log,
        Format::Stderr(LinePrefix::rds()),
        chrono_tz::Europe::Berlin,
    );
    assert_eq!(counts(&stats), (5, 5, 0, 0));
    let times: Vec<_> = rows.iter().map(|r| r["event_time"].clone()).collect();
    assert_eq!(
        times,
        [
            "2026-11-28T15:06:11Z",
            "2026-10-25T00:30:00Z",
            "2026-10-25T01:30:00Z",
            "2026-11-28T15:06:11Z",
            "2026-11-28T15:06:11Z"
        ]
    );
    // Read with the default --tz (UTC), the CET lines cannot be placed: rejected with why.
    let (stats, rows) = stderr(log);
    assert_eq!((counts(&stats), rows.len()), ((5, 2, 0, 3), 2));
    let rejects: Vec<_> = stats
        .rejects
        .iter()
        .map(|r| (r.offset, r.reason.as_str()))
        .collect();
    assert_eq!(
        rejects,
        [
            (
                1,
                "time zone `CET` of `2026-11-28 16:06:11 CET` is not what --tz UTC uses then (UTC); pass the server's log_timezone as --tz (e.g. --tz Europe/Berlin)"
            ),
            (
                2,
                "time zone `CEST` of `2026-10-25 02:30:00 CEST` is not what --tz UTC uses then (UTC); pass the server's log_timezone as --tz (e.g. --tz Europe/Berlin)"
            ),
            (
                3,
                "time zone `CET` of `2026-10-25 02:30:00 CET` is not what --tz UTC uses then (UTC); pass the server's log_timezone as --tz (e.g. --tz Europe/Berlin)"
            ),
        ]
    );
}

/// A prefix other than RDS's: `%m [%p] %q%u@%d %c %l %a %e ` (PostgreSQL's default start,
/// session id, line, application, SQLSTATE); background processes stop at `%q`.
#[test]
fn custom_prefix_with_session_application_and_sqlstate() {
    let prefix = LinePrefix::compile("%m [%p] %q%u@%d %c %l %a %e ").unwrap();
    let log = "\
2026-11-28 15:03:15.123 UTC [7770] LOG:  checkpoint starting: time
2026-11-28 15:06:11.250 UTC [21789] alice@shop 6b0aed7b.551d 3 my app 00000 LOG:  statement: SELECT 1
2026-11-28 15:06:11.300 UTC [21789] alice@shop 6b0aed7b.551d 4 my app 42P01 ERROR:  relation \"nope\" does not exist
";
    let (stats, rows) = run(log, Format::Stderr(&prefix), chrono_tz::UTC);
    assert_eq!(counts(&stats), (3, 2, 1, 0));
    let common = json!({"db_user": "alice", "database": "shop", "connection_id": 21789,
        "session_id": "6b0aed7b.551d", "application_name": "my app", "dialect": "pg-stderr"});
    let row = |extra: Value| {
        let mut r = common.clone();
        r.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        r
    };
    assert_eq!(
        rows,
        vec![
            row(
                json!({"event_time": "2026-11-28T15:06:11.250000Z", "operation": "QUERY",
                       "statement": "SELECT 1", "severity": "LOG", "source_offset": 2})
            ),
            row(
                json!({"event_time": "2026-11-28T15:06:11.300000Z", "operation": "ERROR",
                       "sql_state": "42P01", "severity": "ERROR",
                       "message": "relation \"nope\" does not exist", "source_offset": 3})
            ),
        ]
    );
}

/// Bad lines become rejects with their line numbers (their continuation and DETAIL
/// lines go with them); the rest of the file is read. Stray lines are only skipped.
#[test]
fn stderr_rejects_carry_line_numbers() {
    let log = "\
\tcontinuation with nothing before it
2026-02-30 10:00:00 UTC:127.0.0.1(1):bob@shop:[9]:FATAL:  password authentication failed for user \"bob\"
2026-02-30 10:00:00 UTC:127.0.0.1(1):bob@shop:[9]:DETAIL:  Connection matched pg_hba.conf line 92
\tsecond detail line
2026-11-28 15:06:11 UTC:127.0.0.1(2):bob@shop:[10]:LOG:  connection received: host=127.0.0.1 port=notaport
2026-11-28 15:06:12 UTC:127.0.0.1(3):bob@shop:[11]:LOG:  AUDIT: SESSION,one,1,READ,SELECT,,,SELECT 1,<none>
2017-06-12 19:09:49 UTC:...:rds_test@postgres:[11701]:LOG: AUDIT:
OBJECT,1,1,READ,SELECT,TABLE,public.t1,select * from t1;

2026-11-28 15:06:13 UTC:127.0.0.1(4):bob@shop:[12]:LOG:  disconnection: session time: 0:00:02.000 user=bob database=shop host=127.0.0.1 port=4
";
    let (stats, rows) = stderr(log);
    // Line 1, and the AWS doc's line-wrapped pgaudit example (lines 7-8, whose prefix
    // was elided there), are not entries; lines 2, 5 and 6 are rejects.
    assert_eq!(counts(&stats), (7, 1, 3, 3));
    let rejects: Vec<_> = stats
        .rejects
        .iter()
        .map(|r| (r.offset, r.reason.as_str()))
        .collect();
    assert_eq!(
        rejects,
        [
            (
                2,
                "`2026-02-30 10:00:00 UTC` is not a valid time: input is out of range"
            ),
            (5, "unrecognised `connection received` message"),
            (6, "pgaudit statement id `one` is not a number"),
        ]
    );
    assert_eq!(
        rows.iter()
            .map(|r| (r["operation"].clone(), r["source_offset"].clone()))
            .collect::<Vec<_>>(),
        [(json!("DISCONNECT"), json!(10))]
    );
}

/// csvlog: multi-line fields, a record with the wrong column count, and a record cut off
/// mid-field at the end of the file (an interrupted download).
#[test]
fn csvlog_multiline_fields_and_truncated_records() {
    let log = "\
2026-11-28 15:04:26.891 UTC,\"bob\",\"shop\",20723,\"127.0.0.1:47704\",6b0aed7a.50f3,5,\"UPDATE\",2026-11-28 15:04:26 UTC,3/40,0,LOG,00000,\"AUDIT: SESSION,1,1,WRITE,UPDATE,,,\"\"UPDATE customers SET note = 'line one
line two, with comma' WHERE id = 1;\"\",<none>\",,,,,,,,,\"psql\",\"client backend\",,0
2026-11-28 15:04:27.000 UTC,\"bob\",\"shop\",20723,\"127.0.0.1:47704\",6b0aed7a.50f3,6,\"idle\",2026-11-28 15:04:26 UTC,3/0,0,LOG,00000,\"statement: SELECT 1\"
2026-11-28 15:04:27.209 UTC,\"bob\",\"shop\",20729,\"127.0.0.1:47728\",6b0aed7b.50f9,2,\"authentication\",2026-11-28 15:04:27 UTC,3/43,0,FATAL,28P01,\"password authentication failed for user \"\"bob\"\"\",\"Connection matched pg_hba.conf";
    let (stats, rows) = csvlog(log);
    assert_eq!(counts(&stats), (3, 1, 0, 2));
    assert_eq!(
        rows,
        vec![
            json!({"event_time": "2026-11-28T15:04:26.891000Z", "db_user": "bob", "database": "shop",
            "client_host": "127.0.0.1", "client_port": 47704, "connection_id": 20723,
            "session_id": "6b0aed7a.50f3", "query_id": 1, "substatement_id": 1, "operation": "AUDIT_WRITE",
            "command": "UPDATE", "statement": "UPDATE customers SET note = 'line one\nline two, with comma' WHERE id = 1;",
            "severity": "LOG", "application_name": "psql", "dialect": "pg-csvlog", "source_offset": 1})
        ]
    );
    let rejects: Vec<_> = stats
        .rejects
        .iter()
        .map(|r| (r.offset, r.reason.as_str()))
        .collect();
    assert_eq!(
        rejects,
        [
            (
                3,
                "csvlog record has 14 columns, expected 23, 24 or 26 (truncated, or not a csvlog)"
            ),
            (
                4,
                "csvlog record has 15 columns, expected 23, 24 or 26 (truncated, or not a csvlog)"
            ),
        ]
    );
}

/// More rows than one batch holds arrive in several batches, all of them.
#[test]
fn large_files_are_emitted_in_batches() {
    let line = "2026-11-28 15:06:12 UTC:127.0.0.1(55272):iam_user@shop:[21807]:LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,SELECT 1,<none>\n";
    let n = crate::sources::BATCH_ROWS + 5;
    let log = line.repeat(n);
    let ctx = Context {
        instance: "i",
        tz: chrono_tz::UTC,
        source_uri: "u",
        format: Format::Stderr(LinePrefix::rds()),
    };
    let mut sizes = Vec::new();
    let stats = parse(log.as_bytes(), &ctx, &mut |_, b| {
        sizes.push(b.num_rows());
        Ok(())
    })
    .unwrap();
    assert_eq!(sizes, [crate::sources::BATCH_ROWS, 5]);
    assert_eq!((stats.records, stats.kept), (n as u64, n as u64));
}

/// Logs a real PostgreSQL 15.18 + pgaudit 1.7 server wrote (`fixtures/pg/record.sh`).
mod real_server {
    use super::*;

    const RDS_STDERR: &str = include_str!("../../../fixtures/pg/rds/postgresql.log.2026-11-29-03");
    const RDS_CSVLOG: &str =
        include_str!("../../../fixtures/pg/rds/postgresql.log.2026-11-29-03.csv");
    const CUSTOM: &str = include_str!("../../../fixtures/pg/custom/postgresql.log.2026-11-29-04");

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
                    json!({"event_time": "2026-11-29T03:29:22.802000Z", "operation": "AUDIT_READ", "severity": "LOG",
                           "query_id": 1, "substatement_id": 1, "command": "SELECT",
                           "statement": "SELECT id, email FROM customers ORDER BY id;",
                           "application_name": "billing app", "source_offset": 31})
                ),
                row(
                    json!({"event_time": "2026-11-29T03:29:22.802000Z", "operation": "AUDIT_WRITE", "severity": "LOG",
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
}
