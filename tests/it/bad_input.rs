//! Bad input never crashes tagtrail and never silently disappears: each unreadable
//! record is counted and kept with its reason, and the rest is ingested
//! (fixtures/bad/make.sh says how each file is damaged).

use serde_json::json;

use crate::support::{fixture, query, tagtrail_output, temp_lake};

#[test]
fn damaged_evidence_is_counted_kept_and_the_rest_ingested() {
    let lake = temp_lake();
    let paths = ["bad/AWSLogs", "bad/notes.txt", "bad/rds"]
        .map(|p| fixture(p).to_str().unwrap().to_string());
    let mut args = vec!["ingest"];
    args.extend(paths.iter().map(String::as_str));
    let out = tagtrail_output(lake.path(), &args);
    // Finished, but with rejects: exit status 4, so a scheduled ingest is noticed.
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "tagtrail: error: 5 record(s) and 2 unreadable file(s) rejected (listed above; \
         rows in table ingest_rejects); everything else was ingested\n"
    );
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(
        summary.contains("Rejected records (kept in table ingest_rejects with their reasons):"),
        "{summary}"
    );
    assert!(
        summary.contains("notes.txt: unrecognised format"),
        "{summary}"
    );

    let files = query(
        lake.path(),
        "SELECT regexp_replace(source_uri, '^.*/', '') AS file, kind, status, records, kept, skipped, rejected \
         FROM ingest_manifest ORDER BY file",
    );
    assert_eq!(
        files,
        json!([
            {"file": "111122223333_CloudTrail_eu-west-1_20261117T0900Z_TruncatedDownld.json.gz", "kind": null,
             "status": "rejected", "records": 0, "kept": 0, "skipped": 0, "rejected": 1},
            {"file": "111122223333_CloudTrail_eu-west-1_20261117T0905Z_BadRecordsInside.json", "kind": "cloudtrail",
             "status": "ingested", "records": 4, "kept": 1, "skipped": 0, "rejected": 3},
            {"file": "notes.txt", "kind": null, "status": "rejected", "records": 0, "kept": 0, "skipped": 0, "rejected": 1},
            {"file": "server_audit.log", "kind": "mysql-audit", "status": "ingested", "records": 5, "kept": 3,
             "skipped": 0, "rejected": 2},
        ])
    );
    let rejects = query(
        lake.path(),
        "SELECT regexp_replace(source_uri, '^.*/', '') AS file, source_offset, reason FROM ingest_rejects \
         ORDER BY file, source_offset",
    );
    let reasons: Vec<(String, i64, String)> = rejects
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().into(),
                r["source_offset"].as_i64().unwrap(),
                r["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expect: &[(&str, i64, &str)] = &[
        (
            "111122223333_CloudTrail_eu-west-1_20261117T0900Z_TruncatedDownld.json.gz",
            -1,
            "cannot read",
        ),
        (
            "111122223333_CloudTrail_eu-west-1_20261117T0905Z_BadRecordsInside.json",
            0,
            "record is not a JSON object",
        ),
        (
            "111122223333_CloudTrail_eu-west-1_20261117T0905Z_BadRecordsInside.json",
            1,
            "record has no eventTime",
        ),
        (
            "111122223333_CloudTrail_eu-west-1_20261117T0905Z_BadRecordsInside.json",
            2,
            "credentials.expiration `someday soon` is not a known time format",
        ),
        ("notes.txt", -1, "unrecognised format"),
        ("server_audit.log", 2, "quote"),
        ("server_audit.log", 3, "connection"),
    ];
    assert_eq!(reasons.len(), expect.len(), "{reasons:#?}");
    for ((file, offset, reason), (want_file, want_offset, want_reason)) in
        reasons.iter().zip(expect)
    {
        assert_eq!((file.as_str(), *offset), (*want_file, *want_offset));
        assert!(
            reason.to_lowercase().contains(&want_reason.to_lowercase()),
            "{file}:{offset}: {reason}"
        );
    }
    // The good records beside the bad ones are in the lake.
    assert_eq!(
        query(lake.path(), "SELECT event_id FROM federated_sessions"),
        json!([{"event_id": "0badc0de-0000-4000-8000-000000000003"}])
    );
    assert_eq!(
        query(
            lake.path(),
            "SELECT source_offset, operation, statement FROM db_events ORDER BY source_offset"
        ),
        json!([
            {"source_offset": 1, "operation": "CONNECT", "statement": null},
            {"source_offset": 4, "operation": "QUERY", "statement": "SELECT 2"},
            {"source_offset": 5, "operation": "DISCONNECT", "statement": null},
        ])
    );
}

#[test]
fn unknown_lake_and_bad_flags_are_clear_errors() {
    let lake = temp_lake();
    let missing = lake.path().join("nothing-here");
    let out = tagtrail_output(&missing, &["who", "shop.customers"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no lake at") && err.contains("tagtrail ingest"),
        "{err}"
    );

    let out = tagtrail_output(lake.path(), &["who", "customers"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("OBJECT: `customers` is not database.table")
    );
    let out = tagtrail_output(lake.path(), &["ingest", "/definitely/not/here"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/definitely/not/here"),
        "errors say where"
    );
}

/// Values tagtrail puts into SQL itself (the table, person, db user and instance asked
/// about) are bound as parameters: SQL inside them is data. A value that would widen
/// the question if pasted into the text (`' OR '1'='1`) or drop a table matches nothing
/// and changes nothing, while the plain value still answers.
#[test]
fn sql_in_asked_values_is_data_not_sql() {
    let lake = temp_lake();
    crate::support::ingest_demo(lake.path(), &[]);
    let count = "SELECT count(*) AS n FROM db_events";
    let before = query(lake.path(), count);
    let json = |args: &[&str]| -> serde_json::Value {
        let out = tagtrail_output(lake.path(), args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let widen = "' OR '1'='1";
    let drop = "x'; DROP TABLE db_events; --";
    for hostile in [widen, drop] {
        let object = format!("shop.customers{hostile}");
        assert_eq!(json(&["who", &object, "--format", "json"]), json!([]));
        let person = format!("alice.nguyen@example.com{hostile}");
        assert_eq!(json(&["timeline", &person, "--format", "json"]), json!([]));
        for flag in ["--person", "--db-user", "--instance"] {
            let args = ["sessions", flag, hostile, "--format", "json"];
            assert_eq!(json(&args), json!([]), "{flag}");
        }
        let trace = json(&["trace", &person, "--format", "json"]);
        assert_eq!(
            (&trace["persons"], &trace["db_users"]),
            (&json!([]), &json!([]))
        );
    }
    // The plain values answer, and nothing was dropped.
    assert_ne!(
        json(&["who", "shop.customers", "--format", "json"]),
        json!([])
    );
    let alice = ["timeline", "alice.nguyen@example.com", "--format", "json"];
    assert_ne!(json(&alice), json!([]));
    assert_eq!(query(lake.path(), count), before);
}
