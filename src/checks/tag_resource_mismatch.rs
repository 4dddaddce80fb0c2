//! `tag-resource-mismatch`: session tag values that no RDS instance carries for the same
//! key, so an ABAC condition comparing the two denies.
//!
//! Scope: federated sessions that can reach a database — their permission set or role
//! holds an `rds-db:connect` Allow, or they are a candidate of a database session. A
//! session that can never touch a database is no ABAC problem here; and a session
//! denied by the mismatch leaves no database session behind, so the grants (not the
//! database logs) are what find it.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "tag-resource-mismatch",
    severity: Severity::Low,
    title: "Session tag values that match no RDS resource tag of the same key",
    doc: r#"## What it finds
Session tag values of a key that RDS instances are tagged with too (keys compared
case-insensitively: Department, Project, Environment, …) that equal no instance's value
of that key (values compared exactly, as `StringEquals` does). One finding per key and
value, with the values the instances do carry and every federated session (CloudTrail
event id) carrying the mismatch.

Only federated sessions in the period that can reach a database count: those whose
permission set or role has an `rds-db:connect` Allow in force (ingested policies, as
`db_grants` reads them), and those that are a candidate of a database session in the
audit logs. Every instance of the inventory counts, whenever it was observed.

## Why it matters
Attribute-based access control compares the two: a condition such as
`"StringEquals": {"aws:ResourceTag/Department": "${aws:PrincipalTag/Department}"}` denies
as soon as the session's value is spelled differently from the resource's
(`Finance` vs `finance`, `prod` vs `production`). The person sees an opaque access
denied; nobody sees that the tags, not the permissions, are wrong.

## Example
Instances are tagged `Environment=production`; `bob.martin@example.com`'s IdP sends
`Environment=prod`: `Environment=prod matches no RDS instance's Environment tag
(production), so an ABAC condition comparing them denies: 1 federated session(s) of 1
person(s)`.

## Remediation
Align the two vocabularies: fix the IdP attribute (or its mapping) or retag the
instances (`aws rds add-tags-to-resource`), and enforce one list of values for both with
an AWS Organizations tag policy (`[tags] vocabulary_from` reads it).

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/introduction_attribute-based-access-control.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/tutorial_attribute-based-access-control.html
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/security_iam_service-with-iam.html
"#,
    sql: include_str!("../../queries/checks/tag-resource-mismatch.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::testing::{Lab, subjects};
    use serde_json::json;

    fn inventory(lab: &mut Lab) {
        lab.rds_instance_tags(
            "shop-prod",
            &[("Environment", "production"), ("Department", "finance")],
        );
        lab.rds_instance_tags(
            "billing-prod",
            &[("environment", "staging"), ("DataClassification", "pii")],
        );
    }

    fn connect_policy(lab: &mut Lab) {
        lab.permission_set_policy(
            "DatabaseAccess",
            json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Action": "rds-db:connect",
                "Resource": "arn:aws:rds-db:eu-west-1:111122223333:dbuser:*/${aws:PrincipalTag/Username}"
            }]}),
        );
    }

    #[tokio::test]
    async fn fires_on_values_no_instance_carries() {
        let mut lab = Lab::new();
        inventory(&mut lab);
        connect_policy(&mut lab);
        // Matches: keys compare case-insensitively; Project is no resource tag key.
        lab.federate(
            "alice.nguyen@example.com",
            &[
                ("Username", "anguyen"),
                ("department", "finance"),
                ("Environment", "staging"),
                ("Project", "customer-insights"),
            ],
            "2026-11-16 08:41:17",
            8,
        );
        let b = lab.federate(
            "bob.martin@example.com",
            &[
                ("Username", "bmartin"),
                ("Department", "Finance"),
                ("Environment", "prod"),
            ],
            "2026-11-16 09:02:44",
            8,
        );
        lab.federate(
            "erin.walsh@example.com",
            &[("Username", "ewalsh"), ("Department", "Finance")],
            "2026-11-17 09:15:30",
            8,
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("Department=Finance".to_string(), 2),
                ("Environment=prod".to_string(), 1),
            ]
        );
        assert_eq!(
            found[1].summary,
            "Environment=prod matches no RDS instance's Environment tag (production, staging), \
             so an ABAC condition comparing them denies: 1 federated session(s) of 1 person(s)"
        );
        assert_eq!(
            found[1].evidence,
            json!({
                "tag_key": "Environment",
                "value": "prod",
                "resource_values": ["production", "staging"],
                "federation_event_ids": [b],
                "persons": ["bob.martin@example.com"]
            })
        );
        assert_eq!(
            found[0].evidence["persons"],
            json!(["bob.martin@example.com", "erin.walsh@example.com"])
        );
    }

    #[tokio::test]
    async fn sessions_that_cannot_reach_a_database_are_left_out() {
        let mut lab = Lab::new();
        inventory(&mut lab);
        // No rds-db:connect policy and no database session.
        lab.federate(
            "bob.martin@example.com",
            &[("Username", "bmartin"), ("Environment", "prod")],
            "2026-11-16 09:02:44",
            8,
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }

    #[tokio::test]
    async fn a_session_seen_in_the_database_logs_counts_without_a_policy() {
        let mut lab = Lab::new();
        inventory(&mut lab);
        lab.federate(
            "bob.martin@example.com",
            &[("Username", "bmartin"), ("Environment", "prod")],
            "2026-11-16 09:02:44",
            8,
        );
        lab.mysql_session(
            "shop-prod",
            "bmartin",
            "10.0.1.30",
            41,
            "2026-11-16 09:30:00",
            None,
        );
        assert_eq!(
            subjects(&lab.findings(&CHECK).await),
            [("Environment=prod".to_string(), 1)]
        );
    }
}
