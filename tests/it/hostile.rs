//! The hostile corpus (tests/hostile/corpus/, written by tests/hostile/make.py): inputs
//! crafted the ways issue 9 lists, beside good records. Each bad record is one reject
//! with its reason, each unreadable file one rejected file, and every good record is in
//! the lake; nothing crashes, nothing is silently dropped.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{finished_rejecting, query, repo, tagtrail_output, temp_lake};

const MIB: usize = 1 << 20;

/// Byte counts in a gzip-ratio reason depend on buffer sizes: shown as `…`.
const SCRUB: &str = "regexp_replace(reason, '\\([0-9]+ bytes from [0-9]+\\)', '(…)')";

/// Over-long lines, an over-long event and an over-long csvlog record (17 MiB each),
/// each between good ones. Written here, plain, because gzip shrinks them 1000:1 and
/// the ratio limit would stop them before the size limits under test.
fn write_long_inputs(dir: &Path) {
    let write = |rel: &str, parts: &[&[u8]]| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, parts.concat()).unwrap();
    };
    let x = "x".repeat(17 * MIB);
    let mysql = |time: &str, op: &str, obj: &str| {
        format!("20261116 {time},ip-10-20-1-9,bob,10.0.1.5,43,1,{op},shop,{obj},0\n")
    };
    write(
        "rds/hostile-long-mysql/audit/server_audit.log",
        &[
            mysql("07:59:59", "CONNECT", "").as_bytes(),
            mysql("08:00:00", "QUERY", &format!("'SELECT \\'{x}\\''")).as_bytes(),
            mysql("08:00:01", "DISCONNECT", "").as_bytes(),
        ],
    );
    let pg = |time: &str, msg: &str| {
        format!("2026-11-16 {time} UTC:10.0.1.21(50125):anguyen@ledger:[4244]:LOG:  {msg}\n")
    };
    write(
        "rds/hostile-long-pg/error/postgresql.log.2026-11-16-12",
        &[
            pg("12:00:01", "statement: SELECT 1").as_bytes(),
            pg("12:00:02", &format!("statement: SELECT '{x}'")).as_bytes(),
            pg("12:00:03", "statement: SELECT 3").as_bytes(),
        ],
    );
    let csv = |n: u32, sql: &str| {
        format!(
            "2026-11-16 11:00:0{n}.000 UTC,\"anguyen\",\"ledger\",4243,\"10.0.1.21:50124\",6b0b9c12.1093,{n},\
             \"idle\",2026-11-16 11:00:00 UTC,3/2,0,LOG,00000,\"statement: {sql}\",,,,,,,,,\"psql\",\"client backend\",,0\n"
        )
    };
    write(
        "rds/hostile-long-pg/error/postgresql.log.2026-11-16-11.csv",
        &[
            csv(1, "SELECT 1").as_bytes(),
            csv(2, &format!("SELECT ''{x}''")).as_bytes(),
            csv(3, "SELECT 3").as_bytes(),
        ],
    );
    let okta = |uuid: &str, message: &str| {
        json!({"uuid": uuid, "published": "2026-11-16T08:02:24.000Z", "eventType": "user.session.start",
               "version": "0", "displayMessage": message,
               "actor": {"id": "00uHOSTILE", "type": "User", "alternateId": "alice@example.com"},
               "outcome": {"result": "SUCCESS"}})
        .to_string()
            + "\n"
    };
    write(
        "okta/hostile-long-event.ndjson",
        &[
            okta("hostile-good-3", "User login to Okta").as_bytes(),
            okta("hostile-big", &x).as_bytes(),
            okta("hostile-good-4", "User login to Okta").as_bytes(),
        ],
    );
}

fn rows(v: Value) -> Vec<Value> {
    v.as_array().unwrap().clone()
}

#[test]
fn hostile_inputs_are_rejected_with_their_reasons_and_the_rest_ingested() {
    let lake = temp_lake();
    let long = tempfile::tempdir().unwrap();
    let long_dir = long.path().join("long");
    write_long_inputs(&long_dir);
    let corpus = repo().join("tests/hostile/corpus");
    let out = tagtrail_output(
        lake.path(),
        &[
            "ingest",
            corpus.to_str().unwrap(),
            long_dir.to_str().unwrap(),
        ],
    );
    let summary = finished_rejecting(&out, "19 record(s) and 2 unreadable file(s) rejected");
    // The summary counts rejects per source and reason, particulars masked.
    let table = &summary[summary.find("Rejects by reason:").unwrap()..];
    let by_reason: Vec<String> = table
        .lines()
        .skip(4)
        .take_while(|l| l.starts_with('│'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('│').split('┆').map(str::trim).collect();
            cells.join(" | ")
        })
        .collect();
    let range = "is outside the accepted range N .. N (damaged file or wrong clock?)";
    let zeros = "N NUL byte(s) where a line should start: a zero-filled region, as a crash leaves";
    let bomb =
        "gzip stream expands more than N (N bytes from N): a decompression bomb? not read further";
    let control =
        "control character (\\u0000-\\u001F) found while parsing a string at line N column N";
    assert_eq!(
        by_reason,
        [
            format!("mysql-audit | time N {range} | 2"),
            format!("cloudtrail | cannot read: {bomb} | 1"),
            format!("cloudtrail | malformed CloudTrail record: {control} | 1"),
            "cloudtrail | malformed CloudTrail record: recursion limit exceeded at line N column N | 1".into(),
            format!("cloudtrail | time N {range} | 1"),
            "iam-policy | not an IAM policy file: not JSON: recursion limit exceeded at line N column N | 1".into(),
            format!("mysql-audit | {zeros} | 1"),
            "mysql-audit | field N is not valid UTF-8 | 1".into(),
            format!("mysql-audit | file unreadable from line N on: {bomb} | 1"),
            "mysql-audit | line of N bytes is longer than the N MiB limit: not read | 1".into(),
            "okta | event is not UTF-8: invalid utf-8 sequence of N bytes from index N | 1".into(),
            format!("okta | event is not valid JSON: {control} | 1"),
            "okta | event is not valid JSON: recursion limit exceeded at line N column N | 1".into(),
            "okta | event of N bytes is longer than the N MiB limit: not read | 1".into(),
            format!("okta | time N {range} | 1"),
            "pg-csvlog | file unreadable from line N on: a csvlog record is longer than the N MiB limit | 1".into(),
            format!("pg-stderr | {zeros} | 1"),
            format!("pg-stderr | time N {range} | 1"),
            "saml | DTD not allowed | 1".into(),
            "saml | SAML document is N bytes, larger than the N limit | 1".into(),
        ]
    );
    let file = "regexp_replace(source_uri, '^.*/(corpus|long)/', '') AS file";
    let ct = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/16/111122223333_CloudTrail_eu-west-1_20261116T10";
    let files = query(
        lake.path(),
        &format!(
            "SELECT {file}, kind, status, records, kept, rejected FROM ingest_manifest ORDER BY file"
        ),
    );
    let manifest: Vec<String> = rows(files)
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}={}+{}",
                r["file"].as_str().unwrap().replace(ct, "CT…"),
                r["kind"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
                r["records"],
                r["kept"],
                r["rejected"]
            )
        })
        .collect();
    assert_eq!(
        manifest,
        [
            "CT…00Z_HostileRecords1.json cloudtrail ingested 5=2+3",
            "CT…05Z_GzipBombRecords.json.gz cloudtrail rejected 0=0+1",
            "iam/role-DeepNesting.json iam-policy rejected 0=0+1",
            "okta/hostile-events.ndjson okta ingested 6=2+4",
            "okta/hostile-long-event.ndjson okta ingested 3=2+1",
            "rds/hostile-long-mysql/audit/server_audit.log mysql-audit ingested 3=2+1",
            "rds/hostile-long-pg/error/postgresql.log.2026-11-16-11.csv pg-csvlog ingested 2=1+1",
            "rds/hostile-long-pg/error/postgresql.log.2026-11-16-12 pg-stderr ingested 3=3+0",
            "rds/hostile-mysql/audit/server_audit.log mysql-audit ingested 10=6+4",
            "rds/hostile-mysql/audit/server_audit.log.1.gz mysql-audit ingested 2=1+1",
            "rds/hostile-pg/error/postgresql.log.2026-11-16-10 pg-stderr ingested 6=4+2",
            "saml/billion-laughs.xml saml ingested 1=0+1",
            "saml/oversized-response.xml.gz saml ingested 1=0+1",
        ]
    );

    let rejects = query(
        lake.path(),
        &format!(
            "SELECT {file}, source_offset AS at, {SCRUB} AS reason, left(excerpt, 40) AS excerpt \
             FROM ingest_rejects ORDER BY file, at, reason"
        ),
    );
    let rejects: Vec<String> = rows(rejects)
        .iter()
        .map(|r| {
            format!(
                "{}:{}: {} | {}",
                r["file"].as_str().unwrap().replace(ct, "CT…"),
                r["at"],
                r["reason"].as_str().unwrap(),
                r["excerpt"].as_str().unwrap()
            )
        })
        .collect();
    let range =
        "is outside the accepted range 2000-01-01 .. 2100-01-01 (damaged file or wrong clock?)";
    let bomb = "gzip stream expands more than 200:1 (…): a decompression bomb? not read further";
    let record = r#"{"eventVersion":"1.11","userIdentity":{""#;
    let zeros = "NUL byte(s) where a line should start: a zero-filled region, as a crash leaves |";
    assert_eq!(
        rejects,
        [
            format!("CT…00Z_HostileRecords1.json:1: malformed CloudTrail record: recursion limit exceeded at line 1 column 454 | {record}"),
            format!("CT…00Z_HostileRecords1.json:2: time 2150-01-01T00:00:00Z {range} | {record}"),
            format!("CT…00Z_HostileRecords1.json:3: malformed CloudTrail record: control character (\\u0000-\\u001F) found while parsing a string at line 1 column 299 | {record}"),
            format!("CT…05Z_GzipBombRecords.json.gz:-1: cannot read: {bomb} | "),
            "iam/role-DeepNesting.json:-1: not an IAM policy file: not JSON: recursion limit exceeded at line 1 column 729 | ".into(),
            r#"okta/hostile-events.ndjson:1: event is not valid JSON: recursion limit exceeded at line 1 column 755 | {"uuid":"hostile-deep","published":"2026"#.into(),
            r#"okta/hostile-events.ndjson:2: event is not valid JSON: control character (\u0000-\u001F) found while parsing a string at line 1 column 201 | {"uuid":"hostile-nul","published":"2026-"#.into(),
            r#"okta/hostile-events.ndjson:3: event is not UTF-8: invalid utf-8 sequence of 1 bytes from index 203 | {"uuid":"hostile-latin1","published":"20"#.into(),
            format!(r#"okta/hostile-events.ndjson:4: time 1970-01-01T00:00:00Z {range} | {{"uuid":"hostile-1970","published":"1970"#),
            r#"okta/hostile-long-event.ndjson:1: event of 17826028 bytes is longer than the 16 MiB limit: not read | {"uuid":"hostile-big","published":"2026-"#.into(),
            "rds/hostile-long-mysql/audit/server_audit.log:2: line of 17825868 bytes is longer than the 16 MiB limit: not read | 20261116 08:00:00,ip-10-20-1-9,bob,10.0.".into(),
            "rds/hostile-long-pg/error/postgresql.log.2026-11-16-11.csv:2: file unreadable from line 2 on: a csvlog record is longer than the 16 MiB limit | ".into(),
            "rds/hostile-mysql/audit/server_audit.log:3: field 3 is not valid UTF-8 | 20261116 09:00:03,ip-10-20-1-9,al\u{fffd}ce,10.".into(),
            format!("rds/hostile-mysql/audit/server_audit.log:4: 512 {zeros} "),
            format!("rds/hostile-mysql/audit/server_audit.log:5: time 1970-01-01T00:00:00Z {range} | 19700101 00:00:00,ip-10-20-1-9,alice,10."),
            format!("rds/hostile-mysql/audit/server_audit.log:6: time 2286-11-20T17:46:39Z {range} | 9999999999999999,ip-10-20-1-9,alice,10.0"),
            format!("rds/hostile-mysql/audit/server_audit.log.1.gz:2: file unreadable from line 2 on: {bomb} | "),
            format!("rds/hostile-pg/error/postgresql.log.2026-11-16-10:3: 300 {zeros} "),
            format!("rds/hostile-pg/error/postgresql.log.2026-11-16-10:4: time 1999-12-31T23:59:59Z {range} | 1999-12-31 23:59:59 UTC:10.0.1.21(50123)"),
            "saml/billion-laughs.xml:-1: DTD not allowed | ".into(),
            "saml/oversized-response.xml.gz:-1: SAML document is 1055319 bytes, larger than the 1048576-byte limit | ".into(),
        ]
    );

    // Every good record is in the lake, the damaged-but-readable text with its flag.
    let events = query(
        lake.path(),
        &format!(
            "SELECT {file}, source_offset AS at, db_user, operation, left(statement, 24) AS statement, \
             length(statement) AS len, statement_truncated AS cut, not_utf8 FROM db_events ORDER BY file, at"
        ),
    );
    let events: Vec<String> = rows(events)
        .iter()
        .map(|r| {
            format!(
                "{}:{} {} {} {} {} cut={} not_utf8={}",
                r["file"].as_str().unwrap(),
                r["at"],
                r["db_user"],
                r["operation"].as_str().unwrap(),
                r["statement"],
                r["len"],
                r["cut"],
                r["not_utf8"]
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            "rds/hostile-long-mysql/audit/server_audit.log:1 \"bob\" CONNECT null null cut=false not_utf8=false",
            "rds/hostile-long-mysql/audit/server_audit.log:3 \"bob\" DISCONNECT null null cut=false not_utf8=false",
            "rds/hostile-long-pg/error/postgresql.log.2026-11-16-11.csv:1 \"anguyen\" QUERY \"SELECT 1\" 8 cut=false not_utf8=false",
            "rds/hostile-long-pg/error/postgresql.log.2026-11-16-12:1 \"anguyen\" QUERY \"SELECT 1\" 8 cut=false not_utf8=false",
            // 16 MiB of entry, less `statement: `.
            "rds/hostile-long-pg/error/postgresql.log.2026-11-16-12:2 \"anguyen\" QUERY \"SELECT 'xxxxxxxxxxxxxxxx\" 16777205 cut=true not_utf8=false",
            "rds/hostile-long-pg/error/postgresql.log.2026-11-16-12:3 \"anguyen\" QUERY \"SELECT 3\" 8 cut=false not_utf8=false",
            "rds/hostile-mysql/audit/server_audit.log:1 \"alice\" CONNECT null null cut=false not_utf8=false",
            "rds/hostile-mysql/audit/server_audit.log:2 \"alice\" QUERY \"SELECT * FROM menu WHERE\" 38 cut=false not_utf8=true",
            "rds/hostile-mysql/audit/server_audit.log:4 \"alice\" QUERY \"SELECT 1\" 8 cut=false not_utf8=false",
            "rds/hostile-mysql/audit/server_audit.log:7 \"alice\" QUERY \"SELECT 4 -- \\u0000\" 13 cut=false not_utf8=false",
            "rds/hostile-mysql/audit/server_audit.log:8 \"alice\" QUERY \"SELECT 5\" 8 cut=false not_utf8=false",
            "rds/hostile-mysql/audit/server_audit.log:9 \"alice\" DISCONNECT null null cut=false not_utf8=false",
            "rds/hostile-mysql/audit/server_audit.log.1.gz:1 \"carol\" CONNECT null null cut=false not_utf8=false",
            "rds/hostile-pg/error/postgresql.log.2026-11-16-10:1 null CONNECTION_RECEIVED null null cut=false not_utf8=false",
            "rds/hostile-pg/error/postgresql.log.2026-11-16-10:2 \"anguyen\" QUERY \"SELECT 'caf\u{fffd}'\" 13 cut=false not_utf8=true",
            "rds/hostile-pg/error/postgresql.log.2026-11-16-10:3 \"anguyen\" QUERY \"SELECT 1\" 8 cut=false not_utf8=false",
            "rds/hostile-pg/error/postgresql.log.2026-11-16-10:5 \"anguyen\" DISCONNECT null null cut=false not_utf8=false",
        ]
    );
    let ids = |sql: &str| {
        query(lake.path(), sql)[0]["ids"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        ids("SELECT string_agg(uuid, ' ' ORDER BY uuid) AS ids FROM idp_events"),
        "hostile-good-1 hostile-good-2 hostile-good-3 hostile-good-4"
    );
    assert_eq!(
        ids("SELECT string_agg(event_id, ' ' ORDER BY event_id) AS ids FROM cloudtrail_events"),
        "0badc0de-0000-4000-8000-00000000b001 0badc0de-0000-4000-8000-00000000b005"
    );
}
