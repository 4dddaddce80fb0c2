//! IAM policies → `db_grants`: policy files of every supported shape plus a CloudTrail
//! file that creates a permission set, gives it an inline policy, and sets, fails to
//! set and replaces a role's inline policy (fixtures/iam/README.md says where each
//! shape comes from). File rows are in force from the ingest time, which the query
//! reports as `from_ingest` / `until_ingest` so the expected rows stay exact.

use serde_json::json;

use crate::support::{fixture, query, tagtrail, temp_lake};

const GRANTS: &str = "\
    WITH t AS (SELECT MAX(ingested_at) AS at FROM ingest_manifest) \
    SELECT g.principal_kind, g.principal_name, g.policy_name, g.effect, g.region, g.account_id, \
           g.db_resource_id, g.db_user_pattern, g.grant_kind, g.tag_key, g.has_condition, \
           CASE WHEN g.valid_from = t.at THEN NULL ELSE g.valid_from END AS valid_from, \
           g.valid_from = t.at AS from_ingest, \
           CASE WHEN g.valid_until = t.at THEN NULL ELSE g.valid_until END AS valid_until, \
           g.valid_until = t.at AS until_ingest, \
           g.origin \
    FROM db_grants g CROSS JOIN t \
    ORDER BY 1, 2, 3, 16, 12, 4"; // kind, name, policy, origin, valid_from, effect

#[test]
fn policy_files_and_cloudtrail_changes_become_db_grants() {
    let lake = temp_lake();
    let files = fixture("iam/files");
    let trail = fixture(
        "iam/cloudtrail/111122223333_CloudTrail_eu-west-1_20261106T1205Z_P0licyChang3s01.json",
    );
    crate::support::ingest_rejecting(
        lake.path(),
        &["ingest", files.to_str().unwrap(), trail.to_str().unwrap()],
        "2 record(s) rejected",
    );
    let acct = "111122223333";
    let db1 = "db-ABCDEFGHIJKLMNOPQRSTUVWXY1";
    let cluster = "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY2";
    let row = |kind: &str,
               name: &str,
               policy: &str,
               effect: &str,
               resource: (&str, &str, &str),
               user: &str,
               grant: &str,
               tag: Option<&str>,
               cond: bool,
               from: Option<&str>,
               until: Option<&str>,
               until_ingest: Option<bool>| {
        let file = from.is_none();
        json!({
            "principal_kind": kind, "principal_name": name, "policy_name": policy,
            "effect": effect, "region": resource.0, "account_id": resource.1,
            "db_resource_id": resource.2, "db_user_pattern": user, "grant_kind": grant,
            "tag_key": tag, "has_condition": cond,
            "valid_from": from, "from_ingest": file, "valid_until": until,
            "until_ingest": until_ingest, "origin": if file { "file" } else { "cloudtrail" },
        })
    };
    let eu = |id| ("eu-west-1", acct, id);
    let per_person = "${aws:PrincipalTag/Username}";
    assert_eq!(
        query(lake.path(), GRANTS),
        json!([
            // Permission set created by CreatePermissionSet, policy from
            // PutInlinePolicyToPermissionSet; superseded by the file snapshot of the same
            // set (`DbAnalyst.json`, get-inline-policy-for-permission-set output).
            row(
                "permission_set",
                "DbAnalyst",
                "AwsSSOInlinePolicy",
                "Allow",
                eu(cluster),
                per_person,
                "per_person",
                Some("Username"),
                false,
                Some("2026-11-02T10:01:00Z"),
                None,
                Some(true)
            ),
            row(
                "permission_set",
                "DbAnalyst",
                "AwsSSOInlinePolicy",
                "Allow",
                eu("*"),
                per_person,
                "per_person",
                Some("Username"),
                false,
                None,
                None,
                None
            ),
            row(
                "permission_set",
                "DbAnalyst",
                "AwsSSOInlinePolicy",
                "Deny",
                eu("*"),
                "admin",
                "literal",
                None,
                false,
                None,
                None,
                None
            ),
            // No CreatePermissionSet in the evidence: named by its ARN; deleted later.
            row(
                "permission_set",
                "ps-9f8e7d6c5b4a3921",
                "AwsSSOInlinePolicy",
                "Allow",
                eu(cluster),
                "ops_admin",
                "literal",
                None,
                false,
                Some("2026-11-02T11:00:00Z"),
                Some("2026-11-06T12:00:00Z"),
                Some(false)
            ),
            // get-account-authorization-details: an attached managed policy (default
            // version v2 only) and an inline policy.
            row(
                "role",
                "DbPerPerson",
                "RdsAnalysts",
                "Allow",
                eu(db1),
                "analyst_*",
                "wildcard",
                None,
                false,
                None,
                None,
                None
            ),
            row(
                "role",
                "DbPerPerson",
                "rds-connect-self",
                "Allow",
                eu(cluster),
                per_person,
                "per_person",
                Some("Username"),
                false,
                None,
                None,
                None
            ),
            // PutRolePolicy, a failed PutRolePolicy (ignored), and the replacing one.
            row(
                "role",
                "DbShared",
                "rds-connect-app",
                "Allow",
                eu(db1),
                "app_rw",
                "literal",
                None,
                false,
                Some("2026-11-03T09:00:00Z"),
                Some("2026-11-05T09:00:00Z"),
                Some(false)
            ),
            row(
                "role",
                "DbShared",
                "rds-connect-app",
                "Allow",
                eu(db1),
                "app_*",
                "wildcard",
                None,
                true,
                Some("2026-11-05T09:00:00Z"),
                None,
                None
            ),
            // get-role-policy output names no account: its own (role, policy) history.
            row(
                "role",
                "DbShared",
                "rds-connect-app",
                "Allow",
                eu(db1),
                "app_rw",
                "literal",
                None,
                false,
                None,
                None,
                None
            ),
            // Bare documents named `role-<Role>__<Policy>.json` and anything else.
            row(
                "role",
                "LegacyDb",
                "legacy-connect",
                "Allow",
                eu(db1),
                "legacy_?",
                "wildcard",
                None,
                true,
                None,
                None,
                None
            ),
            row(
                "unknown",
                "standalone",
                "standalone",
                "Allow",
                ("*", "*", "*"),
                "*",
                "wildcard",
                None,
                false,
                None,
                None,
                None
            ),
        ])
    );

    // The AWS CLI documentation's authorization-details example has no rds-db grants,
    // but its documents are kept, and its two malformed group entries are rejected.
    let docs = query(
        lake.path(),
        "SELECT principal_kind, principal_name, policy_name, document FROM iam_policy_documents \
         WHERE account_id = '123456789012' ORDER BY principal_name",
    );
    assert_eq!(
        docs,
        json!([
            {"principal_kind": "user", "principal_name": "Bob", "policy_name": "DenyBillingAndIAMPolicy",
             "document": r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":["aws-portal:*","iam:*"],"Resource":"*"}}"#},
            {"principal_kind": "group", "principal_name": "Finance", "policy_name": "policygen-201310141157",
             "document": r#"{"Version":"2012-10-17","Statement":[{"Action":"aws-portal:*","Sid":"Stmt1381777017000","Resource":"*","Effect":"Allow"}]}"#},
        ])
    );
    let rejects = query(
        lake.path(),
        "SELECT kind, source_offset, reason FROM ingest_rejects ORDER BY source_offset",
    );
    assert_eq!(
        rejects,
        json!([
            {"kind": "iam-policy", "source_offset": 3, "reason": "Admins: AttachedManagedPolicies is not a list"},
            {"kind": "iam-policy", "source_offset": 4, "reason": "Dev: AttachedManagedPolicies is not a list"},
        ])
    );
}

#[test]
fn forced_kind_and_unreadable_documents() {
    let dir = tempfile::tempdir().unwrap();
    // A permission set whose inline policy is cut off: kept as text, flagged, no grants.
    let cut = dir.path().join("Broken.txt");
    std::fs::write(
        &cut,
        r#"{"InlinePolicy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\"}]}"}"#,
    )
    .unwrap();
    let lake = temp_lake();
    tagtrail(
        lake.path(),
        &["ingest", "--kind", "iam-policy", cut.to_str().unwrap()],
    );
    assert_eq!(
        query(
            lake.path(),
            "SELECT principal_kind, principal_name, document_error, \
                    (SELECT COUNT(*) FROM db_grants) AS grants FROM iam_policy_documents",
        ),
        json!([{"principal_kind": "permission_set", "principal_name": "Broken.txt",
                "document_error": "Statement 0: neither Action nor NotAction", "grants": 0}])
    );
}
