//! pgaudit rows, `log_statement` lines and ERRORs with their statements (§c.4, §c.6).

use super::*;

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
            "substatement_id": 1, "operation": "AUDIT_READ", "audit_type": "SESSION", "command": "SELECT",
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
                json!({"audit_type": "OBJECT", "object_type": "TABLE", "object": "public.customers"}),
                2
            ),
            json!({"event_time": "2026-11-28T15:04:26Z", "db_user": "bob", "database": "shop",
                   "client_host": "127.0.0.1", "client_port": 47704, "connection_id": 20723, "query_id": 1,
                   "substatement_id": 1, "operation": "AUDIT_WRITE", "audit_type": "SESSION", "command": "UPDATE",
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
/// password (`log_statement` does not redact, §c.4) never reaches the lake.
#[test]
fn error_statements_and_redaction() {
    let log = "\
2026-11-28 15:06:20 UTC:127.0.0.1(55280):bob@shop:[21810]:ERROR:  relation \"nope\" does not exist at character 15
2026-11-28 15:06:20 UTC:127.0.0.1(55280):bob@shop:[21810]:STATEMENT:  SELECT * FROM nope
\t WHERE id = 1;
2026-11-28 15:06:21 UTC:[local]:postgres@shop:[21811]:LOG:  statement: CREATE ROLE alice LOGIN PASSWORD 'alice-pw';
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (2, 2, 0, 0));
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
        ]
    );
}

/// A CloudWatch Logs export (pgbadger#521, §d.3): the shared layout reader removes the
/// event time in front of each entry, TAB continuation lines keep their TAB.
#[test]
fn cloudwatch_export_through_the_layout_reader() {
    let export = "\
2019-08-09T18:00:00.000Z 2019-08-09 18:00:00 UTC:10.50.72.222(33436):lmn@lmn_db:[26802]:LOG:  duration: 13.817 ms  statement: SELECT id,name from abc
2019-08-09T18:00:01.000Z 2019-08-09 18:00:01 UTC:10.50.72.222(33436):lmn@lmn_db:[26802]:LOG:  statement: SELECT 1
\tFROM abc;
";
    let lines = crate::sources::layout::open_lines(Box::new(export.as_bytes())).unwrap();
    assert_eq!(
        lines.layout,
        crate::sources::layout::Layout::CloudWatchExport
    );
    let mut text = String::new();
    let mut reader = lines.reader;
    std::io::Read::read_to_string(&mut reader, &mut text).unwrap();
    let (stats, rows) = stderr(&text);
    assert_eq!(counts(&stats), (2, 2, 0, 0));
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            json!([
                r["event_time"],
                r["operation"],
                r["statement"],
                r["source_offset"]
            ])
        })
        .collect();
    assert_eq!(
        got,
        [
            json!([
                "2019-08-09T18:00:00Z",
                "QUERY",
                "SELECT id,name from abc",
                1
            ]),
            json!(["2019-08-09T18:00:01Z", "QUERY", "SELECT 1\nFROM abc;", 2]),
        ]
    );
}
