use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::*;

fn spec(people: usize, days: u32, seed: u64) -> OrgSpec {
    OrgSpec {
        people,
        days,
        seed,
        start: OrgSpec::default_start(),
        app_sessions_per_hour: None,
    }
}

/// Relative path → SHA-256 of every file under `root`.
fn tree(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, hex::encode(Sha256::digest(std::fs::read(&p).unwrap())));
            }
        }
    }
    out
}

#[test]
fn one_seed_one_output_and_another_seed_another() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let sa = generate(a.path(), &spec(12, 2, 7), |_| {}).unwrap();
    let sb = generate(b.path(), &spec(12, 2, 7), |_| {}).unwrap();
    let sc = generate(c.path(), &spec(12, 2, 8), |_| {}).unwrap();
    assert_eq!(sa, sb);
    assert_eq!(tree(a.path()), tree(b.path()));
    assert_ne!(tree(a.path())["truth.json"], tree(c.path())["truth.json"]);
    assert_ne!(sa, sc);
    assert_eq!(sa.files as usize, tree(&a.path().join(EVIDENCE_DIR)).len());
}

#[test]
fn the_trail_is_mostly_unrelated_events_across_accounts_and_regions() {
    let dir = tempfile::tempdir().unwrap();
    let s = generate(dir.path(), &spec(40, 1, 1), |_| {}).unwrap();
    assert!(s.cloudtrail_kept > 0);
    assert!(
        (s.cloudtrail_records - s.cloudtrail_kept) * 100 >= 80 * s.cloudtrail_records,
        "{s:?}"
    );
    let files = tree(&dir.path().join(EVIDENCE_DIR));
    for account in TRAIL_ACCOUNTS {
        for region in TRAIL_REGIONS {
            let prefix = format!(
                "cloudtrail/AWSLogs/o-a1b2c3d4e5/{account}/CloudTrail/{region}/2026/11/02/"
            );
            assert!(
                files.keys().any(|k| k.starts_with(&prefix)),
                "no file under {prefix}"
            );
        }
    }
    for f in [
        "inventory/db-users.csv",
        "inventory/describe-db-instances.json",
        "iam/DatabaseAccess.json",
        "okta/system-log-2026-11-02.json",
        "rds/shop-prod/audit/server_audit.log",
        "rds/billing-prod/audit/server_audit.log",
    ] {
        assert!(files.contains_key(f), "{f} missing");
    }
    assert!(dir.path().join("truth.json").is_file());
}

#[test]
fn a_non_empty_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), "keep me").unwrap();
    let err = generate(dir.path(), &spec(3, 1, 1), |_| {}).unwrap_err();
    assert!(matches!(err, SynthError::NotEmpty(_)), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("x")).unwrap(),
        "keep me"
    );
}

#[test]
fn the_truth_names_what_was_planted() {
    let dir = tempfile::tempdir().unwrap();
    let s = generate(dir.path(), &spec(60, 5, 3), |_| {}).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("truth.json")).unwrap())
            .unwrap();
    assert_eq!(v["spec"]["people"], 60);
    assert_eq!(
        v["sessions"].as_array().unwrap().len() as u64,
        s.person_sessions
    );
    let exp = &v["expected_findings"];
    // Persons 3, 28 and 53 → 53 is on the ledger team (no shared account); 3 and 28 share
    // `reporting`.
    assert_eq!(
        v["planted"]["shared_accounts"]["reporting"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(exp["shared-db-account"], serde_json::json!(["reporting"]));
    assert_eq!(exp["shared-identity-tag"], serde_json::json!(["reporting"]));
    assert_eq!(exp["missing-mfa"].as_array().unwrap().len(), 3, "{exp}");
    assert_eq!(exp["tag-typo"].as_array().unwrap().len(), 2, "{exp}");
    assert_eq!(
        exp["session-outside-window"].as_object().unwrap().len(),
        2,
        "{exp}"
    );
}
