//! `tagtrail synth` end to end: a generated organization is ingested through the real
//! parsers, and tagtrail's answers equal the generator's `truth.json` — every
//! person-facing session attributed to the same person (or the same candidates), and
//! exactly the planted findings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::support::{summary_count, tagtrail, temp_lake};

fn synth(out: &Path, people: &str, days: &str, seed: &str) -> String {
    let out_s = out.to_str().unwrap();
    let args = [
        "synth", "--out", out_s, "--people", people, "--days", days, "--seed", seed,
    ];
    tagtrail(Path::new("/nonexistent-lake-unused"), &args)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

#[test]
fn a_synthetic_organization_is_attributed_as_its_truth_says() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    let said = synth(&org, "48", "4", "11");
    assert!(
        said.contains("48 people, 4 days from 2026-11-02 (seed 11)"),
        "{said}"
    );
    let truth = json(&std::fs::read_to_string(org.join("truth.json")).unwrap());

    let lake = temp_lake();
    let summary = tagtrail(
        lake.path(),
        &["ingest", org.join("evidence").to_str().unwrap()],
    );
    assert_eq!(summary_count(&summary, "files rejected"), 0, "{summary}");
    assert_eq!(summary_count(&summary, "records rejected"), 0, "{summary}");

    let period = ["--since", "2026-11-02", "--until", "2026-11-06"];
    let mut args = vec!["sessions", "--format", "json"];
    args.extend(period);
    let sessions = json(&tagtrail(lake.path(), &args));
    let key = |r: &Value| {
        (
            r["instance"].as_str().unwrap().to_string(),
            r["db_user"].as_str().unwrap().to_string(),
            r["connect_time"].as_str().unwrap().to_string(),
        )
    };
    // (attribution, person, candidates of an ambiguous session)
    let answer = |r: &Value| {
        let attribution = r["attribution"].as_str().unwrap().to_string();
        let candidates: BTreeSet<String> = if attribution == "ambiguous" {
            r["candidates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect()
        } else {
            BTreeSet::new()
        };
        (
            attribution,
            r["person"].as_str().map(str::to_string),
            candidates,
        )
    };
    let got: BTreeMap<_, _> = sessions
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["success"] == true)
        .map(|r| (key(r), answer(r)))
        .collect();
    let expected = truth["sessions"].as_array().unwrap();
    assert!(expected.len() > 150, "{} sessions", expected.len());
    let mut kinds = BTreeMap::new();
    for e in expected {
        let want = answer(e);
        *kinds.entry(want.0.clone()).or_insert(0) += 1;
        assert_eq!(got.get(&key(e)), Some(&want), "session {:?}", key(e));
    }
    // The organization has all three outcomes, so the comparison means something.
    assert_eq!(kinds.len(), 3, "{kinds:?}");

    let mut args = vec!["findings", "--format", "json"];
    args.extend(period);
    let findings = json(&tagtrail(lake.path(), &args));
    let mut by_check: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for f in findings.as_array().unwrap() {
        *by_check
            .entry(f["check"].as_str().unwrap().to_string())
            .or_default()
            .entry(f["subject"].as_str().unwrap().to_string())
            .or_default() += f["count"].as_u64().unwrap();
    }
    let exp = &truth["expected_findings"];
    let subjects = |check: &str| -> BTreeSet<String> {
        by_check
            .get(check)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let listed = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    for check in [
        "shared-db-account",
        "shared-identity-tag",
        "tag-typo",
        "missing-mfa",
    ] {
        let want = listed(&exp[check]);
        assert!(!want.is_empty(), "{check}: nothing planted");
        assert_eq!(subjects(check), want, "{check}");
    }
    let outside: BTreeMap<String, u64> = exp["session-outside-window"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    assert!(!outside.is_empty());
    assert_eq!(by_check["session-outside-window"], outside);
}

#[test]
fn synth_refuses_a_folder_with_files_and_bad_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let out = crate::support::tagtrail_output(
        Path::new("/unused"),
        &[
            "synth",
            "--out",
            dir.path().to_str().unwrap(),
            "--people",
            "3",
            "--days",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already holds files; give an empty or new directory"),
        "{err}"
    );
    let out = crate::support::tagtrail_output(
        Path::new("/unused"),
        &["synth", "--out", "/tmp/x", "--people", "0", "--days", "1"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--people: must be at least 1"));
}
