//! How stderr lines are framed: remotes, zones, other prefixes, rejects, batches.

use super::*;

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

/// Entries longer than the limit are cut, and say so; bytes that are not UTF-8 are
/// replaced, not a reason to lose the line.
#[test]
fn long_entries_are_cut_and_bad_bytes_replaced() {
    let log = "\
2026-11-28 15:06:12 UTC:127.0.0.1(1):bob@shop:[7]:LOG:  statement: SELECT 1,
\t2,
\t3;
2026-11-28 15:06:13 UTC:127.0.0.1(1):bob@shop:[7]:LOG:  statement: SELECT 'caf\u{e9}'
2026-11-28 15:06:14 UTC:127.0.0.1(1):bob@shop:[7]:LOG:  statement: SELECT 'x\u{e9}\u{e9}\u{e9}'
";
    let mut entries = Vec::new();
    entries::read_stderr_within(
        log.as_bytes(),
        LinePrefix::rds(),
        chrono_tz::UTC,
        25,
        &mut |item| {
            if let Item::Entry(e) = item {
                entries.push((e.message.clone(), e.truncated));
            }
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(
        entries,
        [
            ("statement: SELECT 1,\n2,".to_string(), true),
            ("statement: SELECT 'caf\u{e9}'".to_string(), false),
            // One line over the limit: cut before the character the limit splits.
            ("statement: SELECT 'x\u{e9}\u{e9}".to_string(), true),
        ]
    );

    let mut bytes = log.replace('\u{e9}', "\u{1}").into_bytes();
    let at = bytes.iter().position(|b| *b == 1).unwrap();
    bytes[at] = 0xff;
    let (stats, rows) = run(&bytes, Format::Stderr(LinePrefix::rds()), chrono_tz::UTC);
    assert_eq!(counts(&stats), (3, 3, 0, 0));
    let got: Vec<_> = rows
        .iter()
        .map(|r| json!([r["statement"], r["not_utf8"]]))
        .collect();
    assert_eq!(
        got,
        [
            json!(["SELECT 1,\n2,\n3;", null]),
            json!(["SELECT 'caf\u{fffd}'", true]),
            json!(["SELECT 'x\u{1}\u{1}\u{1}'", null])
        ]
    );
}

/// Only ASCII digits are numbers in a prefix: other Unicode digits do not match.
#[test]
fn prefix_numbers_are_ascii() {
    let rds = LinePrefix::rds();
    let line = rds
        .parse("2026-11-28 15:06:11 UTC::@:[7770]:LOG:  checkpoint starting: time")
        .unwrap();
    assert_eq!(
        (
            line.pid,
            line.remote,
            line.user,
            line.severity,
            line.message
        ),
        (
            Some(7770),
            Some(""),
            Some(""),
            "LOG",
            "checkpoint starting: time"
        )
    );
    assert_eq!(
        rds.parse("2026-11-28 15:06:11 UTC::@:[\u{663}\u{664}]:LOG:  x"),
        None
    );
    assert_eq!(
        rds.parse("\u{662}026-11-28 15:06:11 UTC::@:[1]:LOG:  x"),
        None
    );
}

/// Found by the hostile corpus: a single line over the entry limit was kept at the
/// limit plus the prefix room and not flagged, so `statement_truncated` lied.
#[test]
fn regression_a_first_line_over_the_entry_limit_was_neither_cut_nor_flagged() {
    let log =
        "2026-11-28 15:06:14 UTC:127.0.0.1(1):bob@shop:[7]:LOG:  statement: SELECT 'xxxxxxxx'\n";
    let mut entries = Vec::new();
    entries::read_stderr_within(
        log.as_bytes(),
        LinePrefix::rds(),
        chrono_tz::UTC,
        20,
        &mut |item| {
            if let Item::Entry(e) = item {
                entries.push((e.message.clone(), e.truncated));
            }
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(entries, [("statement: SELECT 'x".to_string(), true)]);
}
