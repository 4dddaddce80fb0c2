//! `deprovisioned-user-access`: database sessions opened by a person after the IdP
//! deactivated or suspended them, or after Identity Center removed their account
//! assignment.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "deprovisioned-user-access",
    severity: Severity::Critical,
    title: "Database access after the person was deprovisioned",
    doc: r#"## What it finds
People whose attributed database sessions connected after their access was taken away:
- Okta deactivated or suspended them (`user.lifecycle.deactivate`,
  `user.lifecycle.suspend`; the person is the event's `User` target, the actor is the
  admin), with no `reactivate`/`unsuspend`/`activate` between that event and the
  connect;
- IAM Identity Center deleted their assignment to the account the session federated
  into (`DeleteAccountAssignment` with principal type `USER`), with no new assignment
  of the same permission set in between. The Identity Store user id in that event is
  matched to the person through `onBehalfOf.userId` of their role sessions' later
  calls; a person whose role sessions never called an AWS API cannot be matched.

One finding per person and deprovisioning event, listing every session after it.

## Why it matters
Deprovisioning in the IdP does not revoke what was already issued: STS credentials
from an earlier federation stay valid until they expire (up to 12 hours), and every
one of them can sign fresh database tokens for 15 minutes at a time. A leaver or a
suspended account keeps database access for that long unless the sessions are
revoked; activity in that window is exactly what an access review must see.

## Example
`frank.li@example.com` federated at 08:00 with an 8-hour session; an admin deactivated
him in Okta at 12:00; at 13:00 and 14:00 `fli` connected to `shop-prod`:
"frank.li@example.com connected to the database in 2 session(s) after Okta deactivated
them at 2026-11-16T12:00:00Z (user.lifecycle.deactivate by it.admin@example.com)".

## Remediation
Revoke the person's active role sessions when deprovisioning (IAM "Revoke active
sessions" on the `AWSReservedSSO_*` role, or an `aws:TokenIssueTime` deny), kill their
open database sessions, and make the offboarding runbook do both. Review what the
listed sessions did (`tagtrail timeline <person>`).

## References
- docs/attribution.md (attribution rules R1–R4)
- https://developer.okta.com/docs/reference/api/event-types/ (`user.lifecycle.*`)
- https://docs.aws.amazon.com/singlesignon/latest/userguide/useraccess.html#revokesession
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html
"#,
    sql: include_str!("../../queries/checks/deprovisioned-user-access.sql"),
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::CHECK;
    use crate::checks::Severity;
    use crate::checks::testing::{ACCOUNT, Lab, subjects};

    const FRANK: &str = "frank.li@example.com";
    const ADMIN: &str = "it.admin@example.com";
    const PS_ARN: &str = "arn:aws:sso:::permissionSet/ssoins-5c3d9e8f7a6b1c2d/ps-2f6b9a0c4d1e8f37";
    const FRANK_ID: &str = "93670a1b2c-7d2e9a40-5b1c-4f3e-9a8d-2c6b0e1f4a77";

    /// Frank federates at 08:00 for 8 hours and connects as `fli` at 09:00, 13:00 and
    /// 14:00.
    fn frank() -> Lab {
        let mut lab = Lab::new();
        lab.federate(FRANK, &[("Username", "fli")], "2026-11-16 08:00:00", 8);
        for (conn, at) in [
            (41, "2026-11-16 09:00:00"),
            (42, "2026-11-16 13:00:00"),
            (43, "2026-11-16 14:00:00"),
        ] {
            lab.mysql_session("shop-prod", "fli", "10.0.2.17", conn, at, None);
        }
        lab
    }

    #[tokio::test]
    async fn okta_deactivation_then_connects() {
        let mut lab = frank();
        let uuid = lab.okta_lifecycle(
            "user.lifecycle.deactivate",
            FRANK,
            ADMIN,
            "2026-11-16 12:00:00",
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(subjects(&found), [(FRANK.to_string(), 2)]);
        let f = &found[0];
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(
            f.summary,
            "frank.li@example.com connected to the database in 2 session(s) after Okta deactivated \
             them at 2026-11-16T12:00:00Z (user.lifecycle.deactivate by it.admin@example.com)"
        );
        assert_eq!(f.evidence["source"], "okta");
        assert_eq!(f.evidence["event_id"], uuid.as_str());
        assert_eq!(f.evidence["deprovisioned_by"], ADMIN);
        assert_eq!(
            f.evidence["sessions"],
            json!(["shop-prod:42:1", "shop-prod:43:1"])
        );
        assert_eq!(f.first_seen.as_deref(), Some("2026-11-16T13:00:00Z"));
        assert_eq!(f.last_seen.as_deref(), Some("2026-11-16T14:00:00Z"));
    }

    /// Okta lifecycle sequences (event type, time) → sessions counted. Frank's
    /// sessions are at 09:00, 13:00 and 14:00.
    #[tokio::test]
    async fn okta_lifecycle_cases() {
        /// (case, lifecycle events as (event type, time), sessions counted)
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Option<i64>);
        let cases: &[Case] = &[
            (
                "suspended at 13:30: only the 14:00 session",
                &[("user.lifecycle.suspend", "2026-11-16 13:30:00")],
                Some(1),
            ),
            (
                "deactivated after the last session",
                &[("user.lifecycle.deactivate", "2026-11-16 15:00:00")],
                None,
            ),
            (
                "suspended, unsuspended before the sessions",
                &[
                    ("user.lifecycle.suspend", "2026-11-16 10:00:00"),
                    ("user.lifecycle.unsuspend", "2026-11-16 12:30:00"),
                ],
                None,
            ),
            (
                "deactivated, reactivated at 13:30: only the 13:00 session",
                &[
                    ("user.lifecycle.deactivate", "2026-11-16 12:00:00"),
                    ("user.lifecycle.reactivate", "2026-11-16 13:30:00"),
                ],
                Some(1),
            ),
        ];
        for (name, events, expected) in cases {
            let mut lab = frank();
            for (event_type, at) in *events {
                lab.okta_lifecycle(event_type, FRANK, ADMIN, at);
            }
            let found = lab.findings(&CHECK).await;
            let want: Vec<(String, i64)> =
                expected.iter().map(|n| (FRANK.to_string(), *n)).collect();
            assert_eq!(subjects(&found), want, "{name}");
        }
    }

    /// Frank deactivating someone else makes him the actor, not the target: his own
    /// access is untouched.
    #[tokio::test]
    async fn the_admin_who_deactivates_and_other_people_are_not_frank() {
        let mut lab = frank();
        lab.okta_lifecycle(
            "user.lifecycle.deactivate",
            "grace.kim@example.com",
            FRANK,
            "2026-11-16 12:00:00",
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }

    fn create_permission_set(lab: &mut Lab, name: &str) {
        lab.cloudtrail_record(json!({
            "eventVersion": "1.08",
            "userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLEADMIN00001:it.admin@example.com",
                             "accountId": ACCOUNT},
            "eventTime": "2026-11-01T10:00:00Z",
            "eventSource": "sso.amazonaws.com",
            "eventName": "CreatePermissionSet",
            "awsRegion": "eu-west-1",
            "sourceIPAddress": "198.51.100.7",
            "userAgent": "aws-internal/3",
            "requestParameters": {"instanceArn": "arn:aws:sso:::instance/ssoins-5c3d9e8f7a6b1c2d",
                                  "name": name, "sessionDuration": "PT8H"},
            "responseElements": {"permissionSet": {"name": name, "permissionSetArn": PS_ARN,
                                                   "createdDate": "Nov 1, 2026, 10:00:00 AM",
                                                   "sessionDuration": "PT8H"}},
            "requestID": format!("req-ps-{name}"),
            "eventID": format!("ps-{name}"),
            "readOnly": false,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management"
        }));
    }

    /// Frank's role session called an AWS API, so CloudTrail knows his Identity Store id.
    fn frank_in_identity_center() -> Lab {
        let mut lab = frank();
        lab.identity_center_call(FRANK, FRANK_ID, "2026-11-16 08:00:00");
        lab
    }

    #[tokio::test]
    async fn identity_center_assignment_deleted_then_connects() {
        let mut lab = frank_in_identity_center();
        create_permission_set(&mut lab, "DatabaseAccess");
        let id = lab.account_assignment(
            "DeleteAccountAssignment",
            FRANK_ID,
            PS_ARN,
            "2026-11-16 12:00:00",
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(subjects(&found), [(FRANK.to_string(), 2)]);
        let f = &found[0];
        assert_eq!(
            f.summary,
            "frank.li@example.com connected to the database in 2 session(s) after Identity Center \
             removed their assignment to account 111122223333 (DatabaseAccess) at \
             2026-11-16T12:00:00Z (DeleteAccountAssignment by it.admin@example.com)"
        );
        assert_eq!(f.evidence["source"], "identity-center");
        assert_eq!(f.evidence["event_id"], id.as_str());
        assert_eq!(f.evidence["account_id"], ACCOUNT);
        assert_eq!(
            f.evidence["sessions"],
            json!(["shop-prod:42:1", "shop-prod:43:1"])
        );
    }

    /// Identity Center near misses and the unnamed permission set.
    #[tokio::test]
    async fn identity_center_cases() {
        type Setup = fn(&mut Lab);
        let cases: &[(&str, Setup, Option<i64>)] = &[
            (
                "another permission set of the account was removed",
                |lab| {
                    create_permission_set(lab, "BillingReadOnly");
                    lab.account_assignment(
                        "DeleteAccountAssignment",
                        FRANK_ID,
                        PS_ARN,
                        "2026-11-16 12:00:00",
                    );
                },
                None,
            ),
            (
                "removed, assigned again before the sessions",
                |lab| {
                    lab.account_assignment(
                        "DeleteAccountAssignment",
                        FRANK_ID,
                        PS_ARN,
                        "2026-11-16 11:00:00",
                    );
                    lab.account_assignment(
                        "CreateAccountAssignment",
                        FRANK_ID,
                        PS_ARN,
                        "2026-11-16 11:30:00",
                    );
                },
                None,
            ),
            (
                "another user's assignment was removed",
                |lab| {
                    lab.account_assignment(
                        "DeleteAccountAssignment",
                        "93670a1b2c-00000000-1111-2222-3333-444444444444",
                        PS_ARN,
                        "2026-11-16 12:00:00",
                    );
                },
                None,
            ),
            (
                "no CreatePermissionSet names the ARN: matched on user and account",
                |lab| {
                    lab.account_assignment(
                        "DeleteAccountAssignment",
                        FRANK_ID,
                        PS_ARN,
                        "2026-11-16 13:30:00",
                    );
                },
                Some(1),
            ),
        ];
        for (name, setup, expected) in cases {
            let mut lab = frank_in_identity_center();
            setup(&mut lab);
            let found = lab.findings(&CHECK).await;
            let want: Vec<(String, i64)> =
                expected.iter().map(|n| (FRANK.to_string(), *n)).collect();
            assert_eq!(subjects(&found), want, "{name}");
            if let Some(f) = found.first() {
                assert_eq!(
                    f.evidence["permission_set"],
                    format!("{PS_ARN} (name unknown: any permission set of the account matched)"),
                    "{name}"
                );
            }
        }
    }

    /// Without a call carrying `onBehalfOf.userId`, the Identity Store id in the
    /// deletion names no one tagtrail knows.
    #[tokio::test]
    async fn identity_center_without_a_user_id_cannot_match() {
        let mut lab = frank();
        lab.account_assignment(
            "DeleteAccountAssignment",
            FRANK_ID,
            PS_ARN,
            "2026-11-16 12:00:00",
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }
}
