//! `tagtrail findings` and `tagtrail checks` through the binary, on the demo week: the
//! JSON contract, every format, tagtrail.toml (exceptions, severities, disabled checks,
//! errors naming the line) and `--fail-on`.

use std::path::Path;

use serde_json::Value;

use crate::support::{assert_snapshot, demo_lake, repo, tagtrail, tagtrail_output};

fn findings(lake: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["findings", "--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&tagtrail(lake, &all)).unwrap()
}

/// (check, severity, subject, count, status) of each finding.
fn digest(found: &[Value]) -> Vec<String> {
    found
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {} {}",
                f["check"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["subject"].as_str().unwrap(),
                f["count"],
                f["status"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn the_demo_week_gives_the_reviewed_findings_in_every_format() {
    let lake = demo_lake();
    let found = findings(lake.path(), &[]);
    let contract = [
        "check",
        "severity",
        "subject",
        "summary",
        "evidence",
        "first_seen",
        "last_seen",
        "count",
        "status",
    ];
    for f in &found {
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, contract, "{f}");
        assert!(f["evidence"].is_object(), "{f}");
    }
    assert_snapshot("findings-demo.txt", &(digest(&found).join("\n") + "\n"));
    // Erin's three Okta sessions without MFA, each named by its SSO event.
    let erin = found
        .iter()
        .find(|f| f["check"] == "missing-mfa" && f["subject"] == "erin.walsh@example.com")
        .unwrap();
    assert_eq!(erin["severity"], "high");
    assert_eq!(
        erin["summary"],
        "erin.walsh@example.com reached the database in 3 federated session(s) signed in without MFA"
    );
    assert_eq!(
        erin["evidence"]["federation_event_ids"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let csv = tagtrail(lake.path(), &["findings", "--format", "csv"]);
    assert_eq!(
        csv.lines().next().unwrap(),
        "severity,check,subject,summary,count,first_seen,last_seen,status,evidence"
    );
    assert_eq!(csv.lines().count(), 1 + found.len());
    let md = tagtrail(lake.path(), &["findings", "--format", "md"]);
    assert!(md.starts_with("| severity | check | subject |"), "{md}");
    // The example report in reports/ is this output under a title.
    let report = std::fs::read_to_string(repo().join("reports/demo-findings.md")).unwrap();
    assert!(
        report.ends_with(&md),
        "reports/demo-findings.md is stale: regenerate it with the command it names"
    );
    let table = tagtrail(lake.path(), &["findings", "--min-severity", "high"]);
    let at = |s: &str| found.iter().filter(|f| f["severity"] == s).count();
    let (critical, high) = (at("critical"), at("high"));
    let parts: Vec<String> = [(critical, "critical"), (high, "high")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, s)| format!("{n} {s}"))
        .collect();
    let n = critical + high;
    assert_eq!(
        table.lines().last().unwrap(),
        format!(
            "{n} finding{}: {}",
            if n == 1 { "" } else { "s" },
            parts.join(", ")
        )
    );
}

#[test]
fn tagtrail_toml_accepts_overrides_and_disables() {
    let lake = demo_lake();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tagtrail.toml");
    std::fs::write(
        &config,
        r#"
[severity]
unattributed-session = "low"

[checks]
disable = ["missing-mfa"]

[[exceptions]]
check = "unattributed-session"
subject = "rdsadmin"
justification = "RDS's own management account"
"#,
    )
    .unwrap();
    let c = config.to_str().unwrap();
    let all = findings(lake.path(), &["--config", c]);
    assert!(!all.iter().any(|f| f["check"] == "missing-mfa"), "disabled");
    assert!(
        all.iter().any(|f| f["check"] == "shared-identity-tag"),
        "the others run"
    );
    let found = findings(
        lake.path(),
        &["--config", c, "--check", "unattributed-session"],
    );
    assert!(found.iter().all(|f| f["severity"] == "low"), "{found:?}");
    let rdsadmin: Vec<&Value> = found
        .iter()
        .filter(|f| f["subject"] == "rdsadmin")
        .collect();
    assert_eq!(rdsadmin.len(), 2, "one per instance");
    for f in rdsadmin {
        assert_eq!(f["status"], "accepted");
        assert_eq!(f["justification"], "RDS's own management account");
    }
    // An explicit --check runs even a disabled check.
    let mfa = findings(lake.path(), &["--config", c, "--check", "missing-mfa"]);
    assert_eq!(mfa.len(), 3, "{mfa:?}");
    // Accepted findings do not fail the run; open ones do, with status 3.
    let failing = tagtrail_output(
        lake.path(),
        &[
            "findings",
            "--config",
            c,
            "--fail-on",
            "low",
            "--check",
            "unattributed-session",
        ],
    );
    assert_eq!(failing.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&failing.stderr).trim_end(),
        format!(
            "tagtrail: error: {} open finding(s) at or above low (--fail-on low)",
            found.len() - 2
        )
    );
    let quiet = tagtrail_output(
        lake.path(),
        &["findings", "--config", c, "--fail-on", "critical"],
    );
    assert_eq!(
        quiet.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
}

#[test]
fn configuration_mistakes_name_the_file_and_line() {
    let lake = demo_lake();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tagtrail.toml");
    std::fs::write(
        &config,
        "[checks]\n\ndisable = [\"missing-mfa\", \"shared-acount\"]\n",
    )
    .unwrap();
    let out = tagtrail_output(
        lake.path(),
        &["findings", "--config", config.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        format!(
            "tagtrail: error: --config: {}:3: no check `shared-acount` (`tagtrail checks` lists them)",
            config.display()
        )
    );
    let out = tagtrail_output(lake.path(), &["findings", "--check", "nope"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--check: no check `nope`; one of: "),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn checks_lists_every_check_and_shows_one_whole() {
    let lake = tempfile::tempdir().unwrap();
    let list = tagtrail(lake.path(), &["checks"]);
    for id in [
        "shared-db-account",
        "shared-identity-tag",
        "unattributed-session",
        "password-auth-account",
        "tag-typo",
        "tag-convention",
        "tag-key-case",
        "missing-required-tag",
        "tag-resource-mismatch",
        "missing-mfa",
        "session-outside-window",
        "deprovisioned-user-access",
        "failed-auth-burst",
        "secret-in-log",
        "audit-gap",
        "iam-auth-disabled",
        "policy-wildcard-dbuser",
    ] {
        assert!(list.contains(&format!("│ {id} ")), "{id}: {list}");
    }
    let doc = tagtrail(lake.path(), &["checks", "missing-mfa"]);
    assert!(
        doc.starts_with(
            "# missing-mfa (Database access by people signed in without MFA, default severity high)"
        ),
        "{doc}"
    );
    for section in [
        "## What it finds",
        "## Why it matters",
        "## Example",
        "## Remediation",
        "## References",
    ] {
        assert!(doc.contains(section), "{doc}");
    }
}
