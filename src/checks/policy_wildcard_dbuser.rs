//! `policy-wildcard-dbuser`: policies that let a role connect as any database user, or
//! as one fixed user everyone with the role shares.
//!
//! Per-person attribution rests on the policy: `dbuser:<id>/${aws:PrincipalTag/Username}`
//! lets each person sign tokens only for their own user. A wildcard lets anyone with
//! the role become anyone in the database; a literal user makes everyone with the role
//! the same person to the database.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "policy-wildcard-dbuser",
    severity: Severity::High,
    title: "rds-db:connect granted on any or on a shared database user",
    doc: r#"## What it finds
`Allow` statements granting `rds-db:connect` (or `rds-db:*`, `*`) on a database-user
resource that is not exactly a per-person `${aws:PrincipalTag/<Key>}`: a wildcard
(`dbuser:*/*`, `dbuser:db-…/*`, `?`, a variable mixed with text, `Resource: "*"`) or one
literal user (`dbuser:db-…/reporting`). Policies come from IAM exports
(`get-role-policy`, `get-account-authorization-details`,
`get-inline-policy-for-permission-set`) and from CloudTrail (`PutRolePolicy`,
`PutInlinePolicyToPermissionSet`, in force during the period). One finding per
principal, policy and database-user pattern (the subject), with the statements,
resources, any Condition, and the people who federated into that role or permission set
in the period.

## Why it matters
IAM signs a token for whatever user the policy allows; the database believes it. With a
wildcard, anyone who gets the role can log in as any colleague — or as the master user if
it has IAM enabled — and the logs name the colleague. With a literal user, everyone with
the role is one account (`shared-db-account`), and no session can be traced to a person.

## Example
Permission set `DbAdmins` allows `arn:aws:rds-db:eu-west-1:111122223333:dbuser:*/*`; role
`ReportingRole` allows `dbuser:db-XLDWLU7EILHFCRFVEDPY6HHTX2/reporting`.

## Remediation
Grant `arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/${aws:PrincipalTag/Username}`
and send `Username` as a session tag from the IdP; for service roles, grant their own user
only. Record an exception, with its justification, for a sealed break-glass user.

## References
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
- docs/attribution.md (R1, the tag key from the policy)
"#,
    sql: include_str!("../../queries/checks/policy-wildcard-dbuser.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::testing::{Lab, subjects};
    use serde_json::json;

    const DB: &str = "arn:aws:rds-db:eu-west-1:111122223333:dbuser";

    fn policy(statements: serde_json::Value) -> String {
        json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    }

    fn connect(sid: &str, effect: &str, resource: &str) -> serde_json::Value {
        json!({"Sid": sid, "Effect": effect, "Action": "rds-db:connect", "Resource": resource})
    }

    #[tokio::test]
    async fn fires_on_wildcard_and_literal_grants() {
        let mut lab = Lab::new();
        lab.file(
            "iam/permission-set-DbAdmins.json",
            &policy(json!([connect("AnyUser", "Allow", &format!("{DB}:*/*"))])),
        );
        lab.file(
            "iam/role-ReportingRole.json",
            &policy(json!([connect(
                "SharedReporting",
                "Allow",
                &format!("{DB}:db-XLDWLU7EILHFCRFVEDPY6HHTX2/reporting")
            )])),
        );
        // The permission set people federate into: per person, plus a shared user.
        let inline = policy(json!([
            connect("ConnectAsYourself", "Allow", &format!("{DB}:*/${{aws:PrincipalTag/Username}}")),
            {"Sid": "BreakGlass", "Effect": "Allow", "Action": "rds-db:connect",
             "Resource": format!("{DB}:*/breakglass"),
             "Condition": {"Bool": {"aws:ViaAWSService": "false"}}}
        ]));
        lab.permission_set_policy("DatabaseAccess", inline);
        lab.federate(
            "ann.nguyen@example.com",
            &[("Username", "anguyen")],
            "2026-11-16 09:00:00",
            8,
        );
        lab.federate(
            "bob.martin@example.com",
            &[("Username", "bmartin")],
            "2026-11-16 10:00:00",
            8,
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("*".to_string(), 1),
                ("breakglass".to_string(), 1),
                ("reporting".to_string(), 1),
            ]
        );
        assert_eq!(
            found[0].summary,
            "permission set DbAdmins may connect as any database user matching * instead of a \
             per-person ${aws:PrincipalTag/…} user (policy AwsSSOInlinePolicy, statement AnyUser)"
        );
        assert_eq!(
            found[1].summary,
            "permission set DatabaseAccess may connect as the fixed database user breakglass, shared \
             by everyone who gets it, instead of a per-person ${aws:PrincipalTag/…} user (policy \
             AwsSSOInlinePolicy, statement BreakGlass), under a Condition; 2 people federated into \
             it in the period"
        );
        let e = &found[1].evidence;
        assert_eq!(e["grant_kind"], "literal");
        assert_eq!(e["resources"], json!([format!("{DB}:*/breakglass")]));
        assert_eq!(
            e["persons"],
            json!(["ann.nguyen@example.com", "bob.martin@example.com"])
        );
        assert_eq!(
            e["conditions"],
            json!([r#"{"Bool":{"aws:ViaAWSService":"false"}}"#])
        );
        assert_eq!(
            (
                &found[2].evidence["principal_kind"],
                &found[2].evidence["principal_name"],
                &found[2].evidence["statements"]
            ),
            (
                &json!("role"),
                &json!("ReportingRole"),
                &json!(["SharedReporting"])
            )
        );
    }

    #[tokio::test]
    async fn stays_quiet_for_per_person_grants_and_denies() {
        let mut lab = Lab::new();
        lab.file(
            "iam/role-AuditRole.json",
            &policy(json!([
                connect("Mine", "Allow", &format!("{DB}:*/${{aws:PrincipalTag/Username}}")),
                connect("NobodyElse", "Deny", &format!("{DB}:*/*")),
                {"Sid": "Describe", "Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": "*"}
            ])),
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }
}
