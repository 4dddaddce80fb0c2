//! `iam-auth-disabled`: instances and clusters where IAM database authentication is
//! off, or was turned off.
//!
//! Without IAM authentication every login is a password login, and none of the
//! attribution tagtrail does applies. Read from the inventory (the state when it was
//! taken) and from CloudTrail `ModifyDBInstance` / `ModifyDBCluster` (who changed it,
//! when), whichever is later deciding the state now.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "iam-auth-disabled",
    severity: Severity::High,
    title: "IAM database authentication off or turned off",
    doc: r#"## What it finds
RDS instances and Aurora clusters whose IAM database authentication is off now — the
latest of the inventory (`IAMDatabaseAuthenticationEnabled` in `describe-db-instances` /
`describe-db-clusters`) and the CloudTrail changes says so — and every successful
`ModifyDBInstance` / `ModifyDBCluster` in the period with
`enableIAMDatabaseAuthentication: false`, with who made it (caller, ARN, source IP) and
when. One finding per instance or cluster. A change a later inventory or CloudTrail event
undid is reported as `medium`: it happened, but it is over.

## Why it matters
With IAM authentication off, tokens are refused and only passwords work: every session
on the instance is a password session nobody can be attributed to, and people fall back
to shared accounts. Turning it off is also how someone hides database access from the
federation trail, so who did it matters as much as the state.

## Example
`legacy-prod` has IAM authentication off in the inventory; `billing-prod` was switched off
by `mallory@example.com` from 203.0.113.50 at 22:14 on a Sunday.

## Remediation
`aws rds modify-db-instance --db-instance-identifier X --enable-iam-database-authentication
--apply-immediately` (or `modify-db-cluster`); ask whoever turned it off why, and restrict
`rds:ModifyDBInstance` / `rds:ModifyDBCluster` (an SCP, or AWS Config rule
`rds-instance-iam-authentication-enabled` with an alarm).

## References
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Enabling.html
- https://docs.aws.amazon.com/config/latest/developerguide/rds-instance-iam-authentication-enabled.html
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/logging-using-cloudtrail.html
"#,
    sql: include_str!("../../queries/checks/iam-auth-disabled.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::Severity;
    use crate::checks::testing::{ACCOUNT, Lab, subjects};
    use serde_json::{Value, json};

    /// A CloudTrail `ModifyDBInstance` (or `ModifyDBCluster`) record by an Identity
    /// Center user; `request` is `requestParameters` beside the identifier.
    fn modify(id: &str, cluster: bool, who: &str, at: &str, request: Value) -> Value {
        let (name, key) = if cluster {
            ("ModifyDBCluster", "dBClusterIdentifier")
        } else {
            ("ModifyDBInstance", "dBInstanceIdentifier")
        };
        let mut params = json!({ key: id });
        params
            .as_object_mut()
            .unwrap()
            .extend(request.as_object().unwrap().clone());
        let role = "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b";
        json!({
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "principalId": format!("AROARZ5UQ3XGADMIN0001:{who}"),
                "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{who}"),
                "accountId": ACCOUNT,
                "accessKeyId": "ASIAQ5HT7G42ADMIN001",
                "sessionContext": {
                    "sessionIssuer": {"type": "Role", "principalId": "AROARZ5UQ3XGADMIN0001",
                                      "arn": format!("arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/{role}"),
                                      "accountId": ACCOUNT, "userName": role},
                    "attributes": {"creationDate": format!("{}Z", at.replace(' ', "T")), "mfaAuthenticated": "false"}
                }
            },
            "eventTime": format!("{}Z", at.replace(' ', "T")),
            "eventSource": "rds.amazonaws.com",
            "eventName": name,
            "awsRegion": "eu-west-1",
            "sourceIPAddress": "203.0.113.50",
            "userAgent": "aws-cli/2.27.0 md/awscrt#0.23.8 ua/2.1 os/linux#6.8.0 md/arch#x86_64 command/rds.modify-db-instance",
            "requestParameters": params,
            "responseElements": null,
            "requestID": format!("req-{id}-{}", at.replace([' ', ':', '-'], "")),
            "eventID": format!("mod-{id}-{}", at.replace([' ', ':', '-'], "")),
            "readOnly": false,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management"
        })
    }

    fn off() -> Value {
        json!({"enableIAMDatabaseAuthentication": false, "applyImmediately": true})
    }

    #[tokio::test]
    async fn fires_on_instances_with_iam_auth_off_or_turned_off() {
        let mut lab = Lab::new();
        lab.rds_instances(&[
            ("shop-prod", "mariadb", true),
            ("legacy-prod", "mysql", false),
        ]);
        // No inventory: CloudTrail alone says it is off now.
        lab.cloudtrail_record(modify(
            "billing-prod",
            false,
            "mallory@example.com",
            "2026-11-22 22:14:03",
            off(),
        ));
        // Off, then the inventory (taken now, later) shows it on again.
        lab.cloudtrail_record(modify(
            "shop-prod",
            false,
            "bob.martin@example.com",
            "2026-11-17 10:00:00",
            off(),
        ));
        // A cluster turned off and back on.
        lab.cloudtrail_record(modify(
            "ledger-cluster",
            true,
            "bob.martin@example.com",
            "2026-11-18 10:00:00",
            off(),
        ));
        lab.cloudtrail_record(modify(
            "ledger-cluster",
            true,
            "carol.diaz@example.com",
            "2026-11-18 10:30:00",
            json!({"enableIAMDatabaseAuthentication": true, "applyImmediately": true}),
        ));
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("billing-prod".to_string(), 1),
                ("legacy-prod".to_string(), 1),
                ("ledger-cluster".to_string(), 1),
                ("shop-prod".to_string(), 1),
            ]
        );
        let severities: Vec<Severity> = found.iter().map(|f| f.severity).collect();
        assert_eq!(
            severities,
            [
                Severity::High,
                Severity::High,
                Severity::Medium,
                Severity::Medium
            ]
        );
        assert_eq!(
            found[0].summary,
            "IAM database authentication was turned off on billing-prod by mallory@example.com \
             at 2026-11-22T22:14:03Z; still off"
        );
        assert_eq!(
            found[0].evidence,
            json!({
                "iam_auth_now": false,
                "state_from": "mod-billing-prod-20261122221403",
                "state_at": "2026-11-22T22:14:03Z",
                "turned_off": [{
                    "event_id": "mod-billing-prod-20261122221403",
                    "event_name": "ModifyDBInstance",
                    "event_time": "2026-11-22T22:14:03Z",
                    "actor": "mallory@example.com",
                    "identity_arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b/mallory@example.com"),
                    "source_ip": "203.0.113.50",
                    "apply_immediately": "true"
                }]
            })
        );
        assert_eq!(
            found[1].summary,
            "IAM database authentication is off on legacy-prod (inventory)"
        );
        assert_eq!(found[1].evidence["turned_off"], json!([]));
        assert_eq!(
            found[2].summary,
            "IAM database authentication was turned off on ledger-cluster by bob.martin@example.com \
             at 2026-11-18T10:00:00Z; turned on again by carol.diaz@example.com at 2026-11-18T10:30:00Z"
        );
        assert_eq!(
            found[3].summary,
            "IAM database authentication was turned off on shop-prod by bob.martin@example.com \
             at 2026-11-17T10:00:00Z; the inventory since shows it on again"
        );
    }

    #[tokio::test]
    async fn stays_quiet_for_other_changes_and_refused_calls() {
        let mut lab = Lab::new();
        lab.rds_instances(&[("shop-prod", "mariadb", true)]);
        lab.cloudtrail_record(modify(
            "shop-prod",
            false,
            "bob.martin@example.com",
            "2026-11-17 10:00:00",
            json!({"backupRetentionPeriod": 14, "applyImmediately": true}),
        ));
        lab.cloudtrail_record(modify(
            "billing-prod",
            false,
            "bob.martin@example.com",
            "2026-11-17 10:05:00",
            json!({"enableIAMDatabaseAuthentication": true, "applyImmediately": true}),
        ));
        // Refused: the caller may not modify the instance.
        let mut denied = modify(
            "shop-prod",
            false,
            "mallory@example.com",
            "2026-11-17 11:00:00",
            off(),
        );
        denied["errorCode"] = json!("AccessDenied");
        denied["errorMessage"] = json!(
            "User: arn:aws:sts::111122223333:assumed-role/ReadOnly/mallory@example.com is not authorized to perform: rds:ModifyDBInstance"
        );
        lab.cloudtrail_record(denied);
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }
}
