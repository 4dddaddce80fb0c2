//! The session index through the CLI: `ingest` builds it, `--no-index` and `index`
//! leave it to the user, and a lake answers the same with and without it.

use crate::support::{ingest_demo, tagtrail, tagtrail_output, temp_lake};

/// What `findings` and `report` say on stderr when they compute the sessions.
const UNINDEXED_NOTE: &str = "tagtrail: note: the session index is missing or older than the \
    lake's database logs (an ingest with --no-index?): this run groups every db event into \
    sessions, which is slow on a large lake; `tagtrail index` stores them\n";

fn findings_stderr(lake: &std::path::Path) -> String {
    let out = tagtrail_output(lake, &["findings", "--format", "json"]);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stderr).unwrap()
}

/// What the questions that read every session answer: findings, sessions, the weekly
/// report's JSON and the sessions view; and `who`, which reads the stored attribution
/// when there is one.
fn answers(lake: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = [
        vec!["findings", "--format", "json"],
        vec!["sessions", "--format", "csv"],
        vec!["who", "shop.customers", "--format", "json", "--explain"],
        vec![
            "query",
            "SELECT * FROM db_sessions ORDER BY instance, connection_id, session_seq",
            "--format",
            "csv",
        ],
    ]
    .iter()
    .map(|args| tagtrail(lake, args))
    .collect();
    let reports = tempfile::tempdir().unwrap();
    let dir = reports.path().to_str().unwrap();
    tagtrail(
        lake,
        &[
            "report", "--week", "2026-W47", "--format", "json", "--out", dir,
        ],
    );
    out.push(std::fs::read_to_string(reports.path().join("2026-W47.json")).unwrap());
    out
}

#[test]
fn findings_sessions_and_the_report_are_the_same_with_and_without_the_index() {
    let indexed = temp_lake();
    let ingest = ingest_demo(indexed.path(), &[]);
    assert!(
        ingest.contains("Session index: 90 database sessions stored ("),
        "{ingest}"
    );
    let plain = temp_lake();
    let ingest = ingest_demo(plain.path(), &["--no-index"]);
    assert!(!ingest.contains("Session index"), "{ingest}");

    assert_eq!(findings_stderr(plain.path()), UNINDEXED_NOTE);
    assert_eq!(findings_stderr(indexed.path()), "");
    let with = answers(indexed.path());
    let without = answers(plain.path());
    assert!(with[0].contains("missing-mfa"), "{}", with[0]);
    assert_eq!(with, without);

    // The same files again: nothing new, nothing to index.
    let again = ingest_demo(indexed.path(), &[]);
    assert!(again.contains("Session index: up to date."), "{again}");
    let wide_skew = tagtrail(
        plain.path(),
        &["who", "shop.orders", "--skew", "12h", "--format", "json"],
    );
    let built = tagtrail(plain.path(), &["index"]);
    assert!(
        built.starts_with("Session index: 90 database sessions stored ("),
        "{built}"
    );
    assert!(
        built.contains("\nStored attribution: the person behind each of 90 database sessions ("),
        "{built}"
    );
    assert!(
        built.contains("\nStored table accesses: 31 (table, session, day) entries over 7 tables ("),
        "{built}"
    );
    assert_eq!(
        tagtrail(plain.path(), &["index"]),
        "Session index: up to date.\nStored attribution: up to date.\nStored table accesses: up to date.\n"
    );
    // Asked with other settings than those it was stored with, `who` computes the
    // attribution: dokafor's session on shop.orders began 5+ minutes outside his window.
    let who_orders = |skew: &str| {
        tagtrail(
            plain.path(),
            &["who", "shop.orders", "--skew", skew, "--format", "json"],
        )
    };
    assert_ne!(who_orders("12h"), who_orders("5m"));
    assert_eq!(who_orders("12h"), wide_skew);
    assert_eq!(findings_stderr(plain.path()), "");
    assert_eq!(answers(plain.path()), without);
}

/// An ingest of more database logs updates the index rather than building it again: it
/// computes the sessions of the new file's connections alone (billing-prod's 36, one
/// session each), and every question answers as over the index built again in full.
#[test]
fn an_ingest_of_more_database_logs_updates_the_index() {
    let evidence = tempfile::tempdir().unwrap();
    tagtrail::demo::write_scenario(evidence.path()).unwrap();
    let billing = "rds/billing-prod/audit/server_audit.log";
    // The instance is named by the folders above the file.
    let later = tempfile::tempdir().unwrap();
    let moved = later.path().join(billing);
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(evidence.path().join(billing), &moved).unwrap();

    let lake = temp_lake();
    let ingest = tagtrail(lake.path(), &["ingest", evidence.path().to_str().unwrap()]);
    assert!(
        ingest.contains("Session index: 54 database sessions stored ("),
        "{ingest}"
    );
    let more = tagtrail(lake.path(), &["ingest", later.path().to_str().unwrap()]);
    assert!(
        more.contains(
            "Session index: updated; 36 database sessions of the 36 connections with new rows \
             computed again ("
        ),
        "{more}"
    );
    assert_eq!(findings_stderr(lake.path()), "");
    let updated = answers(lake.path());
    assert!(updated[0].contains("billing-prod"), "{}", updated[0]);
    let built = tagtrail(lake.path(), &["index", "--force"]);
    assert!(
        built.starts_with("Session index: 90 database sessions stored ("),
        "{built}"
    );
    assert_eq!(answers(lake.path()), updated);
}
