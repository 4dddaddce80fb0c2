//! `tag-key-case`: one tag key spelled with different case in sessions, resource tags
//! and policies.
//!
//! IAM resolves `${aws:PrincipalTag/…}` case-insensitively, so the drift goes unnoticed
//! until something compares keys exactly: RDS resource tags, tag policies, and every
//! downstream tool. Reported per key with each spelling and where it was seen.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "tag-key-case",
    severity: Severity::Medium,
    title: "One tag key spelled with different case across sessions, resources and policies",
    doc: r#"## What it finds
A tag key seen in two or more spellings that differ only in case, across:
- session tags: the principal tags of the federated sessions in the period;
- RDS resource tags: the `TagList` of every instance in the inventory;
- policies: `aws:PrincipalTag/<Key>` (policy variables and condition keys),
  `aws:ResourceTag/<Key>`, `aws:RequestTag/<Key>` and `rds:db-tag/<Key>` in the policy
  documents in force in the period, and the tag key of each `rds-db:connect` grant.

One finding per key, its subject the key lowercased, listing each spelling with where it
was seen: the federated sessions (CloudTrail event ids) carrying it, the instances, the
policies. The count is every sighting: sessions, instances and policy documents.

## Why it matters
IAM resolves principal-tag keys case-insensitively, so `username` and `Username` both
satisfy `${aws:PrincipalTag/Username}` and nothing fails at first. But RDS resource tags,
tag policies, cost allocation and every downstream tool compare keys exactly, so an ABAC
condition comparing a session tag with a resource tag, or a report grouping by key,
breaks the moment the spellings meet. It is also the sign of two IdP mappings (or two
people typing keys) that have drifted apart.

## Example
In the demo week `frank.li@example.com` federates with `username=fli` while everyone
else and the permission set's policy (`${aws:PrincipalTag/Username}`) spell it
`Username`: `tag key username is spelled 2 ways: Username (22 session(s), 1 policy
document(s)), username (1 session(s))`.

## Remediation
Pick one spelling (usually the one in the policies and the tag policy), fix the IdP
attribute mapping that emits the other (the attribute name in the SAML app, or the key
in Identity Center's attributes for access control), and retag resources with
`aws resourcegroupstaggingapi` or `aws rds add-tags-to-resource` /
`remove-tags-from-resource`.

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html (tag keys are not case-sensitive in session tags)
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
- https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_tag-policies.html
"#,
    sql: include_str!("../../queries/checks/tag-key-case.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::testing::{Lab, subjects};
    use serde_json::json;

    #[tokio::test]
    async fn fires_on_spellings_across_sessions_resources_and_policies() {
        let mut lab = Lab::new();
        lab.permission_set_policy(
            "DatabaseAccess",
            json!({"Version": "2012-10-17", "Statement": [{
                "Sid": "ConnectAsYourself",
                "Effect": "Allow",
                "Action": "rds-db:connect",
                "Resource": "arn:aws:rds-db:eu-west-1:111122223333:dbuser:*/${aws:PrincipalTag/UserName}",
                "Condition": {"StringEquals": {
                    "aws:ResourceTag/Department": "${aws:PrincipalTag/Department}"}}
            }]}),
        );
        lab.rds_instance_tags(
            "shop-prod",
            &[("department", "finance"), ("Environment", "production")],
        );
        lab.rds_instance_tags(
            "billing-prod",
            &[("Department", "finance"), ("Environment", "production")],
        );
        let a = lab.federate(
            "alice.nguyen@example.com",
            &[("Username", "anguyen"), ("Department", "finance")],
            "2026-11-16 08:41:17",
            8,
        );
        let f = lab.federate(
            "frank.li@example.com",
            &[("username", "fli"), ("Department", "finance")],
            "2026-11-18 09:20:14",
            8,
        );
        let found = lab.findings(&CHECK).await;
        // department: 2 sessions + 2 instances + 1 policy document; username: 2 sessions
        // + 1 policy document (the variable and the grant's key are one document).
        assert_eq!(
            subjects(&found),
            [("department".to_string(), 5), ("username".to_string(), 3)]
        );
        assert_eq!(
            found[1].summary,
            "tag key username is spelled 3 ways: UserName (1 policy document(s)), \
             Username (1 session(s)), username (1 session(s))"
        );
        let policy = "permission_set DatabaseAccess (AwsSSOInlinePolicy)";
        assert_eq!(
            found[1].evidence,
            json!({"variants": [
                {"key": "UserName", "seen_in": ["policy"], "federation_event_ids": [],
                 "instances": [], "policies": [policy]},
                {"key": "Username", "seen_in": ["session"], "federation_event_ids": [a],
                 "instances": [], "policies": []},
                {"key": "username", "seen_in": ["session"], "federation_event_ids": [f],
                 "instances": [], "policies": []}
            ]})
        );
        assert_eq!(
            found[0].evidence["variants"][0],
            json!({"key": "Department", "seen_in": ["policy", "resource tag", "session"],
                   "federation_event_ids": [a, f], "instances": ["billing-prod"],
                   "policies": [policy]})
        );
        assert_eq!(
            found[0].evidence["variants"][1]["instances"],
            json!(["shop-prod"])
        );
        assert_eq!(found[1].first_seen.as_deref(), Some("2026-11-16T08:41:17Z"));
        assert_eq!(found[1].last_seen.as_deref(), Some("2026-11-18T09:20:14Z"));
    }

    #[tokio::test]
    async fn stays_quiet_when_every_place_spells_the_key_alike() {
        let mut lab = Lab::new();
        lab.permission_set_policy(
            "DatabaseAccess",
            json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Action": "rds-db:connect",
                "Resource": "arn:aws:rds-db:eu-west-1:111122223333:dbuser:*/${aws:PrincipalTag/Username}"
            }]}),
        );
        lab.rds_instance_tags("shop-prod", &[("Environment", "production")]);
        lab.rds_instance_tags("billing-prod", &[("Environment", "staging")]);
        for (who, user) in [
            ("alice.nguyen@example.com", "anguyen"),
            ("bob.martin@example.com", "bmartin"),
        ] {
            lab.federate(
                who,
                &[("Username", user), ("Environment", "production")],
                "2026-11-16 09:00:00",
                8,
            );
        }
        // Values differing in case are tag-typo's business, not a key drift.
        lab.federate(
            "carol.diaz@example.com",
            &[("Username", "CDiaz"), ("Environment", "Production")],
            "2026-11-16 10:00:00",
            8,
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }
}
