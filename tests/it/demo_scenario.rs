//! End to end on the generated week (fixtures/demo, made by `tagtrail synth --demo`): the
//! answer to "who accessed shop.customers" equals the generator's ground truth, which
//! it computed from its own model of who did what, not by reading the files.

use serde_json::{Value, json};

use crate::support::{fixture, ingest_demo, query, tagtrail, temp_lake};

fn expected() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(fixture("demo/expected/who-shop-customers.json")).unwrap(),
    )
    .unwrap()
}

fn who_json(lake: &std::path::Path, extra: &[&str]) -> Value {
    let mut args = vec!["who", "shop.customers", "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&tagtrail(lake, &args)).unwrap()
}

#[test]
fn who_accessed_shop_customers_matches_ground_truth() {
    let lake = temp_lake();
    ingest_demo(lake.path(), &[]);
    let answer = who_json(lake.path(), &[]);
    assert_eq!(answer, expected());
    let rows = answer.as_array().unwrap();
    let by = |attribution: &str| {
        rows.iter()
            .filter(|r| r["attribution"] == attribution)
            .collect::<Vec<_>>()
    };
    assert!(!by("exact").is_empty());
    let ambiguous = by("ambiguous");
    assert_eq!(ambiguous.len(), 1);
    assert_eq!(ambiguous[0]["db_user"], "reporting");
    assert_eq!(
        ambiguous[0]["candidates"],
        json!(["grace.kim@example.com", "heidi.schmidt@example.com"])
    );
    let unattributed = by("unattributed");
    assert_eq!(unattributed.len(), 1);
    assert_eq!(unattributed[0]["db_user"], "app_legacy");

    // Ingesting the same evidence again changes nothing.
    let again = ingest_demo(lake.path(), &[]);
    assert!(
        again.contains("files already in the lake (unchanged)"),
        "{again}"
    );
    assert_eq!(who_json(lake.path(), &[]), expected());
    let dupes = query(
        lake.path(),
        "SELECT count(*) AS n FROM (SELECT event_id FROM federated_sessions GROUP BY event_id HAVING count(*) > 1)",
    );
    assert_eq!(dupes, json!([{"n": 0}]));
}

#[test]
fn who_honours_the_period_and_formats() {
    let lake = temp_lake();
    ingest_demo(lake.path(), &[]);
    let all = expected();
    // A period is a filter on statement time: rows whose whole activity is before it vanish.
    let since = "2026-11-19";
    let later = who_json(lake.path(), &["--since", since]);
    for row in later.as_array().unwrap() {
        assert!(
            row["first_seen"].as_str().unwrap() >= "2026-11-19T00:00:00Z",
            "{row}"
        );
    }
    let kept_people: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["last_seen"].as_str().unwrap() >= "2026-11-19")
        .collect();
    assert_eq!(later.as_array().unwrap().len(), kept_people.len());
    let none = who_json(lake.path(), &["--until", "2026-11-01"]);
    assert_eq!(none, json!([]));

    let csv = tagtrail(lake.path(), &["who", "shop.customers", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "person,db_user,instance,object,operations,first_seen,last_seen,statements,attribution,confidence,mfa_status,candidates"
        )
    );
    assert_eq!(lines.count(), all.as_array().unwrap().len());
    let table = tagtrail(lake.path(), &["who", "shop.customers"]);
    assert!(
        table.contains("app_legacy")
            && table.contains("unattributed")
            && table.contains("ambiguous"),
        "{table}"
    );
}

#[test]
fn demo_prints_the_answer() {
    let dir = temp_lake();
    let out = tagtrail(dir.path(), &["demo"]);
    assert!(out.contains("Who accessed shop.customers?"), "{out}");
    assert!(
        out.contains("Session index: 90 database sessions stored ("),
        "{out}"
    );
    assert!(
        out.contains("Stored attribution: the person behind each of 90 database sessions ("),
        "{out}"
    );
    for row in expected().as_array().unwrap() {
        assert!(out.contains(row["db_user"].as_str().unwrap()), "{out}");
    }
    assert!(
        out.contains("All database sessions by attribution"),
        "{out}"
    );
    assert!(
        out.contains("Findings (`tagtrail findings`")
            && out.contains("┆ missing-mfa ")
            && out.contains("accepted: RDS's own management account"),
        "{out}"
    );
    let json_out = tagtrail(dir.path(), &["demo", "--format", "json"]);
    let start = json_out.find("\n[").expect("json array in demo output") + 1;
    let end = json_out[start..].find("\n]").unwrap() + start + 2;
    assert_eq!(
        serde_json::from_str::<Value>(&json_out[start..end]).unwrap(),
        expected()
    );
}

#[test]
fn checked_in_fixtures_are_what_the_generator_makes() {
    let out = tempfile::tempdir().unwrap();
    tagtrail::synth::generate(out.path()).unwrap();
    let theirs = crate::cloudtrail::walk(out.path());
    let ours = crate::cloudtrail::walk(&fixture("demo"));
    let rel = |root: &std::path::Path, v: &[std::path::PathBuf]| -> Vec<String> {
        v.iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect()
    };
    assert_eq!(rel(out.path(), &theirs), rel(&fixture("demo"), &ours));
    for (a, b) in theirs.iter().zip(&ours) {
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{} differs: run cargo run -- synth --demo --out fixtures/demo",
            b.display()
        );
    }
}
