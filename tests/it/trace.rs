//! `tagtrail trace` through the binary on the demo week: the planted breaks, said in
//! plain words with their evidence, and `--assertion`/`--policy` files.

use std::path::Path;

use crate::support::{assert_snapshot, demo_lake, tagtrail, tagtrail_output, temp_lake};

/// One demo lake for every case: ingesting it is most of the time.
#[test]
fn trace_on_the_demo_week() {
    let lake = demo_lake();
    demo_traces_name_the_planted_breaks(lake.path());
    a_db_user_leads_to_the_person_whose_tag_names_it(lake.path());
    assertion_namespace_and_malformed_name(lake.path());
    policy_files_replace_the_lakes_grants(lake.path());
    period_and_markdown(lake.path());
    password_account(lake.path());
}

fn password_account(lake: &Path) {
    let out = tagtrail(lake, &["trace", "app_legacy"]);
    has_line(
        &out,
        "broken  db user                db user `app_legacy` on shop-prod authenticates with mysql_native_password, not IAM: an IAM token is refused, and no login as it leads to a person  [evidence: db_users shop-prod:app_legacy]",
    );
    has_line(
        &out,
        "unknown AssumeRoleWithSAML     no AssumeRoleWithSAML for this identity in the lake",
    );
}

fn period_and_markdown(lake: &Path) {
    // Before his late login, ipetrov's chain has no expiry problem.
    let early = tagtrail(
        lake,
        &["trace", "ipetrov", "--until", "2026-11-20T12:00:00Z"],
    );
    assert!(!early.contains("login-after-expiry"), "{early}");
    has_line(
        &early,
        "ok      db login               2 successful login(s)  [evidence: billing-prod:5139:1, billing-prod:5197:1]",
    );
    let md = tagtrail(lake, &["trace", "erin.walsh@example.com", "--format", "md"]);
    assert_eq!(
        md.lines().next().unwrap(),
        "## Trace of erin.walsh@example.com"
    );
    assert!(
        md.lines()
            .any(|l| l.starts_with("| MFA | broken | no MFA: 3 of 3 federated session(s)")),
        "{md}"
    );
    assert!(
        md.lines()
            .any(|l| l.starts_with("- **mfa-absent**: no MFA")),
        "{md}"
    );
}

fn has_line(out: &str, line: &str) {
    assert!(out.lines().any(|l| l == line), "no line\n{line}\nin\n{out}");
}

fn demo_traces_name_the_planted_breaks(lake: &Path) {
    let kevin = tagtrail(lake, &["trace", "kevin.wright@example.com"]);
    has_line(
        &kevin,
        "broken  db user                tag value `KWright` does not match db user `kwright` (billing-prod, ledger-prod, shop-prod): db user names are case-sensitive in MySQL and PostgreSQL, so the token is for a user that does not exist; send the value in lower case  [evidence: 07ffbde8-cf07-4f46-9f8f-715a33420265]",
    );
    has_line(
        &kevin,
        "broken  db login               login to ledger-prod as kwright at 2026-11-20T11:06:40Z failed: PostgreSQL `PAM authentication failed` refused the IAM token: it was made for another db user, host or region, expired (tokens last 15 min), or rds-db:connect does not allow this user  [evidence: ledger-prod:8561:1]",
    );
    let ivan = tagtrail(lake, &["trace", "ipetrov"]);
    has_line(
        &ivan,
        "- login-after-expiry: login to ledger-prod as ipetrov at 2026-11-20T21:52:47Z came 300 min after the credentials of f6efc510-1399-4adf-8011-28a2c337db0c expired (2026-11-20T16:52:47Z): no federated session was open, so the token came from other credentials or a cached one  [evidence: ledger-prod:8591:1, f6efc510-1399-4adf-8011-28a2c337db0c]",
    );
    let erin = tagtrail(lake, &["trace", "erin.walsh@example.com"]);
    has_line(
        &erin,
        "broken  MFA                    no MFA: 3 of 3 federated session(s) came from an IdP session that never verified a second factor (okta sso 9c6cc129-8629-4a0b-9434-80ee093dbd7a at 2026-11-16T09:15:19Z, session 102qqK3FpKGG8TlqvdoXZ9C8y shows no MFA)  [evidence: 1c8ade0f-c83f-4ece-959d-12a3f9c1bf28, 6b019910-0fcb-4eb0-afc7-462b0f02a670, 81bf830f-2363-4fb7-8d14-7da3edfb1636]",
    );
    let frank = tagtrail(lake, &["trace", "frank.li@example.com"]);
    has_line(
        &frank,
        "- tag-key-case: key `username` vs policy variable `${aws:PrincipalTag/Username}`: IAM resolves tag keys case-insensitively, so rds-db:connect still works; exact comparisons break (ABAC conditions on aws:TagKeys, SIEM joins, reports), and fixing the case on one side only makes two tags  [evidence: ea165204-ea70-494e-9a33-c80e971fa561]",
    );
    // Near miss: alice's chain holds end to end.
    let alice = tagtrail(lake, &["trace", "alice.nguyen@example.com"]);
    has_line(&alice, "diagnoses: none");
    assert!(!alice.contains("\nbroken"), "{alice}");
    assert_snapshot(
        "trace-demo.txt",
        &[kevin, ivan, erin, frank, alice].join("\n"),
    );
}

fn a_db_user_leads_to_the_person_whose_tag_names_it(lake: &Path) {
    let out = tagtrail(lake, &["trace", "kwright"]);
    assert_eq!(
        out.lines().next().unwrap(),
        "trace kwright: person: kevin.wright@example.com; db user from the session tag: KWright"
    );
    let json: serde_json::Value =
        serde_json::from_str(&tagtrail(lake, &["trace", "kwright", "--format", "json"])).unwrap();
    let statuses: Vec<&str> = json["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "ok", "ok", "ok", "unknown", "ok", "ok", "broken", "broken", "unknown"
        ]
    );
    let ids: Vec<&str> = json["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["tag-value-case", "iam-auth-failed"]);
}

fn assertion_namespace_and_malformed_name(lake: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let idc = std::fs::read_to_string("fixtures/saml/idc-response.xml").unwrap();
    let wrong = dir.path().join("principal-tag-to-idc.xml");
    std::fs::write(&wrong, idc.replace("AccessControl:", "PrincipalTag:")).unwrap();
    let out = tagtrail(
        lake,
        &[
            "trace",
            "erin.walsh@example.com",
            "--assertion",
            wrong.to_str().unwrap(),
        ],
    );
    let at = format!("{}:32", wrong.display());
    has_line(
        &out,
        &format!(
            "- tag-namespace: attribute `PrincipalTag:Username` goes to IAM Identity Center, which reads only `AccessControl:Username`: the tag never reaches the session  [evidence: {at}]"
        ),
    );
    // Near miss: the real Identity Center assertion sends AccessControl:.
    let right = tagtrail(
        lake,
        &[
            "trace",
            "erin.walsh@example.com",
            "--assertion",
            "fixtures/saml/idc-response.xml",
        ],
    );
    has_line(
        &right,
        "ok      SAML attributes        `https://aws.amazon.com/SAML/Attributes/AccessControl:Username` = ahaddad  [evidence: fixtures/saml/idc-response.xml:32]",
    );
    assert!(!right.contains("tag-namespace"), "{right}");
    let typo = tagtrail(
        lake,
        &[
            "trace",
            "erin.walsh@example.com",
            "--assertion",
            "fixtures/lint/saml/principle-tag.xml",
        ],
    );
    assert!(
        typo.lines().any(|l| l
            .starts_with("- saml-attribute-name: malformed SAML attribute (saml-tag-namespace): ")
            && l.contains("[evidence: fixtures/lint/saml/principle-tag.xml:17:")),
        "{typo}"
    );
}

fn policy_files_replace_the_lakes_grants(lake: &Path) {
    let out = tagtrail(
        lake,
        &[
            "trace",
            "kevin.wright@example.com",
            "--policy",
            "fixtures/demo/iam/DatabaseAccess.json",
        ],
    );
    has_line(
        &out,
        "ok      rds-db:connect policy  DatabaseAccess allows rds-db:connect as dbuser:*/${aws:PrincipalTag/Username}  [evidence: fixtures/demo/iam/DatabaseAccess.json:2]",
    );
    let case = tagtrail(
        lake,
        &[
            "trace",
            "alice.nguyen@example.com",
            "--policy",
            "fixtures/lint/policy/role-DbPerPerson__tag-case.json",
        ],
    );
    assert!(
        case.lines().any(|l| l
            .starts_with("- tag-key-case: key `Username` vs policy variable `${aws:PrincipalTag/")),
        "{case}"
    );
    let missing = tagtrail_output(
        lake,
        &[
            "trace",
            "alice.nguyen@example.com",
            "--policy",
            "fixtures/demo/iam/nope.json",
        ],
    );
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("fixtures/demo/iam/nope.json: "),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

/// Assertions ingested into the lake (no --assertion): the namespace is read from where
/// each assertion was addressed.
#[test]
fn ingested_assertions() {
    let lake = temp_lake();
    let dir = tempfile::tempdir().unwrap();
    let idc = std::fs::read_to_string("fixtures/saml/idc-response.xml").unwrap();
    let wrong = dir.path().join("wrong.xml");
    std::fs::write(
        &wrong,
        idc.replace("AccessControl:", "PrincipalTag:")
            .replace("amira.haddad", "omar.haddad"),
    )
    .unwrap();
    tagtrail(
        lake.path(),
        &[
            "ingest",
            "fixtures/saml/idc-response.xml",
            wrong.to_str().unwrap(),
        ],
    );
    let wrong = tagtrail(lake.path(), &["trace", "omar.haddad@example.com"]);
    has_line(
        &wrong,
        "- tag-namespace: attribute `PrincipalTag:Username` goes to IAM Identity Center, which reads only `AccessControl:Username`: the tag never reaches the session  [evidence: saml_assertions id7310948526341918251772291]",
    );
    // Near miss: the real one sends AccessControl:.
    let right = tagtrail(lake.path(), &["trace", "amira.haddad@example.com"]);
    has_line(
        &right,
        "ok      SAML attributes        `https://aws.amazon.com/SAML/Attributes/AccessControl:Username` = ahaddad  [evidence: saml_assertions id7310948526341918251772291]",
    );
    has_line(
        &right,
        "unknown AssumeRoleWithSAML     no AssumeRoleWithSAML for this identity in the lake",
    );
    has_line(&right, "diagnoses: none");
}
