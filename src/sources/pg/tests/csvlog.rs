//! csvlog records (§c.5): 23- and 26-column rows, CSV inside CSV, truncated records.

use super::*;

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
/// the csvlog `message` field.
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
            "query_id": 1, "substatement_id": 1, "operation": "AUDIT_ROLE", "audit_type": "SESSION", "command": "CREATE ROLE",
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
            "session_id": "6b0aed7a.50f3", "query_id": 1, "substatement_id": 1, "operation": "AUDIT_WRITE", "audit_type": "SESSION",
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
