//! The same real MariaDB audit log delivered the ways RDS logs leave AWS — as the file,
//! as a CloudWatch Logs export in S3 (ISO prefixes, gzip, lines out of order), as the
//! CLI's `download-db-log-file-portion` JSON and text — gives the same `db_events` rows
//! and the same sessions as the file itself.

use std::io::Write;
use std::path::Path;
use std::sync::LazyLock;

use serde_json::{Value, json};

use crate::mariadb_server::Server;
use crate::moto::Moto;
use crate::support::{query, summary_count, tagtrail, tagtrail_env, temp_lake};

const INSTANCE: &str = "lab-mariadb";
const TASK: &str = "0d3c6f7a-2b8e-4c1d-9e5f-a1b2c3d4e5f6";

/// A log written by a real MariaDB server (UTC, like RDS) while real clients connected,
/// failed to log in and ran statements; made once for all tests of this module.
static REAL_LOG: LazyLock<String> = LazyLock::new(|| {
    let server = Server::start("UTC");
    server.root_sql(
        "CREATE DATABASE shop; \
         CREATE TABLE shop.customers (id INT PRIMARY KEY, email VARCHAR(100), note TEXT); \
         INSERT INTO shop.customers VALUES (1, 'pat@example.com', ''); \
         CREATE USER 'alice'@'%' IDENTIFIED BY 'Secr3t-pw'; GRANT SELECT, UPDATE ON shop.* TO 'alice'@'%';",
    );
    assert!(server.client(
        "alice",
        "Secr3t-pw",
        Some("shop"),
        "SELECT email FROM customers WHERE email LIKE '%@example.com'"
    ));
    assert!(server.client(
        "alice",
        "Secr3t-pw",
        Some("shop"),
        "UPDATE customers SET note = 'two\nlines, \"quoted\"' WHERE id = 1"
    ));
    assert!(!server.client("alice", "wrong", Some("shop"), "SELECT 1"));
    assert!(server.client(
        "alice",
        "Secr3t-pw",
        None,
        "SELECT count(*) FROM shop.customers"
    ));
    let log = std::fs::read_to_string(server.audit_log()).unwrap();
    assert!(log.lines().count() > 20, "{log}");
    log
});

fn real_lines() -> Vec<&'static str> {
    REAL_LOG.lines().filter(|l| !l.is_empty()).collect()
}

/// `20261128 15:03:15,…` → `2026-11-28T15:03:15.000Z 20261128 15:03:15,…`: the event
/// time CloudWatch derives from the line (ms, always `.000` for second precision).
fn cloudwatch_line(line: &str) -> String {
    let (d, t) = (&line[..8], &line[9..17]);
    format!("{}-{}-{}T{t}.000Z {line}", &d[..4], &d[4..6], &d[6..8])
}

/// The export's order: odd lines backwards, then even lines — disconnects before
/// connects, queries before their sessions.
fn shuffled(lines: &[&'static str]) -> Vec<&'static str> {
    let mut out: Vec<&str> = lines.iter().skip(1).step_by(2).rev().copied().collect();
    out.extend(lines.iter().step_by(2).copied());
    out
}

fn gzip(text: &str) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap()
}

/// `db_events` without provenance, as sorted JSON texts (a multiset of rows).
fn event_rows(lake: &Path) -> Vec<String> {
    let rows = query(
        lake,
        "SELECT * EXCEPT (source_uri, source_offset) FROM db_events",
    );
    let mut out: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.to_string())
        .collect();
    out.sort();
    out
}

fn sessions(lake: &Path) -> Value {
    query(
        lake,
        "SELECT * FROM db_sessions ORDER BY connection_id, session_seq",
    )
}

/// The raw line each row came from, by its `source_offset` in its own file.
fn source_lines(lake: &Path, file: &[String]) -> Vec<String> {
    let rows = query(lake, "SELECT source_offset FROM db_events");
    let mut out: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| file[r["source_offset"].as_u64().unwrap() as usize - 1].clone())
        .collect();
    out.sort();
    out
}

/// The original file ingested locally: the reference every layout must match.
fn reference() -> (tempfile::TempDir, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server_audit.log");
    std::fs::write(&log, REAL_LOG.as_bytes()).unwrap();
    let lake = temp_lake();
    tagtrail(
        lake.path(),
        &["ingest", "--instance", INSTANCE, log.to_str().unwrap()],
    );
    (dir, lake)
}

#[test]
fn cloudwatch_export_in_s3_gives_the_file_rows_and_sessions_and_reruns_fetch_nothing() {
    let lines = real_lines();
    let export: Vec<String> = shuffled(&lines).into_iter().map(cloudwatch_line).collect();
    let tree = tempfile::tempdir().unwrap();
    let chunk = tree
        .path()
        .join(format!("exportedlogs/{TASK}/{INSTANCE}/000000.gz"));
    std::fs::create_dir_all(chunk.parent().unwrap()).unwrap();
    std::fs::write(&chunk, gzip(&(export.join("\n") + "\n"))).unwrap();
    // CreateExportTask's permission probe, which is not a log.
    std::fs::write(
        tree.path().join("exportedlogs/aws-logs-write-test"),
        b"Permission Check Successful",
    )
    .unwrap();
    let moto = Moto::start();
    let bucket = "db-log-exports";
    moto.upload_tree(bucket, "", tree.path());

    let env = moto.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let url = format!("s3://{bucket}/exportedlogs/");
    let args = ["ingest", "--endpoint-url", &moto.endpoint, &url];
    let remote = temp_lake();
    let first = tagtrail_env(remote.path(), &args, &env);
    assert_eq!(summary_count(&first, "files ingested"), 1, "{first}");
    assert_eq!(summary_count(&first, "records rejected"), 0, "{first}");
    assert_eq!(
        summary_count(&first, "records kept"),
        lines.len() as u64,
        "{first}"
    );
    assert!(
        first.contains("delivery layout: cloudwatch-export 1"),
        "{first}"
    );

    let (_dir, local) = reference();
    assert_eq!(event_rows(remote.path()), event_rows(local.path()));
    assert_eq!(sessions(remote.path()), sessions(local.path()));
    // The instance came from the export's log stream, and provenance points at the
    // exported line (prefix removed) that holds the same server line.
    let stripped: Vec<String> = export.iter().map(|l| l[25..].to_string()).collect();
    let original: Vec<String> = REAL_LOG.lines().map(str::to_string).collect();
    assert_eq!(
        source_lines(remote.path(), &stripped),
        source_lines(local.path(), &original)
    );
    assert_eq!(
        query(
            remote.path(),
            "SELECT DISTINCT instance, source_uri FROM db_events"
        ),
        json!([{"instance": INSTANCE,
                "source_uri": format!("s3://{bucket}/exportedlogs/{TASK}/{INSTANCE}/000000.gz")}])
    );
    let connects = query(
        remote.path(),
        "SELECT db_user, connect_seen, success, failure_code FROM db_sessions \
         WHERE db_user = 'alice' ORDER BY connect_time, connection_id",
    );
    assert_eq!(
        connects,
        json!([
            {"db_user": "alice", "connect_seen": true, "success": true, "failure_code": null},
            {"db_user": "alice", "connect_seen": true, "success": true, "failure_code": null},
            {"db_user": "alice", "connect_seen": true, "success": false, "failure_code": 1045},
            {"db_user": "alice", "connect_seen": true, "success": true, "failure_code": null},
        ])
    );

    let second = tagtrail_env(remote.path(), &args, &env);
    assert_eq!(summary_count(&second, "files ingested"), 0, "{second}");
    assert_eq!(
        summary_count(&second, "files already in the lake"),
        1,
        "{second}"
    );
    assert_eq!(
        query(
            remote.path(),
            "SELECT count(*) AS n, count(etag) AS etags, max(layout) AS layout FROM ingest_manifest"
        ),
        json!([{"n": 1, "etags": 1, "layout": "cloudwatch-export"}])
    );
}

#[test]
fn cli_download_json_and_text_and_rotated_names_give_the_file_rows() {
    let (_dir, local) = reference();
    let lines = real_lines();
    let half = lines.len() / 2;
    let page = |ls: &[&str], marker: &str, more: bool| json!({"LogFileData": ls.join("\n") + "\n", "Marker": marker, "AdditionalDataPending": more});
    // `--no-paginate` in a loop over `--marker`: one pretty-printed object per call.
    let json_form = format!(
        "{:#}\n{:#}\n",
        page(&lines[..half], "9:4096", true),
        page(&lines[half..], "9:8192", false)
    );
    // `--output text`: each portion's LogFileData, blank lines between portions.
    let text_form = format!(
        "{}\n\n\n{}\n\n",
        lines[..half].join("\n"),
        lines[half..].join("\n")
    );
    let evidence = tempfile::tempdir().unwrap();
    let audit = evidence.path().join(format!("rds/{INSTANCE}/audit"));
    std::fs::create_dir_all(&audit).unwrap();
    for (name, bytes) in [
        ("server_audit.log.01", json_form.clone().into_bytes()),
        ("server_audit.log.2.gz", gzip(&text_form)),
    ] {
        std::fs::write(audit.join(name), bytes).unwrap();
    }
    let (json_lake, text_lake) = (temp_lake(), temp_lake());
    let summary = tagtrail(
        json_lake.path(),
        &[
            "ingest",
            audit.join("server_audit.log.01").to_str().unwrap(),
        ],
    );
    assert!(summary.contains("rds-cli-json 1"), "{summary}");
    assert_eq!(summary_count(&summary, "records rejected"), 0, "{summary}");
    tagtrail(
        text_lake.path(),
        &[
            "ingest",
            audit.join("server_audit.log.2.gz").to_str().unwrap(),
        ],
    );
    for lake in [&json_lake, &text_lake] {
        assert_eq!(event_rows(lake.path()), event_rows(local.path()));
        assert_eq!(sessions(lake.path()), sessions(local.path()));
    }
    // Unwrapped JSON keeps the file's line numbers (portions end at line ends).
    let offsets = "SELECT source_offset FROM db_events ORDER BY source_offset";
    assert_eq!(
        query(json_lake.path(), offsets),
        query(local.path(), offsets)
    );
}

#[test]
fn an_rds_audit_name_keeps_a_file_whose_first_line_is_damaged_and_instance_overrides_paths() {
    let evidence = tempfile::tempdir().unwrap();
    let audit = evidence.path().join("rds/from-path/audit");
    std::fs::create_dir_all(&audit).unwrap();
    let file = audit.join("audit.log.2.2026-11-16-04-35.1");
    let lines = real_lines();
    // A portion cut mid-line: the first line is the tail of a statement.
    std::fs::write(
        &file,
        format!("ustomers WHERE id = 1',0\n{}\n", lines.join("\n")),
    )
    .unwrap();
    let lake = temp_lake();
    let summary = crate::support::ingest_rejecting(
        lake.path(),
        &["ingest", "--instance", "override-1", file.to_str().unwrap()],
        "1 record(s) rejected",
    );
    assert_eq!(summary_count(&summary, "files ingested"), 1, "{summary}");
    assert_eq!(
        summary_count(&summary, "records kept"),
        lines.len() as u64,
        "{summary}"
    );
    assert_eq!(
        query(
            lake.path(),
            "SELECT source_offset, kind FROM ingest_rejects"
        ),
        json!([{"source_offset": 1, "kind": "mysql-audit"}])
    );
    assert_eq!(
        query(lake.path(), "SELECT DISTINCT instance FROM db_events"),
        json!([{"instance": "override-1"}])
    );
}
