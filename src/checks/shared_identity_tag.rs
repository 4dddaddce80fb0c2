//! `shared-identity-tag`: one db-user tag value asserted for several people.
//!
//! The IdP attribute behind the db-user tag is supposed to be unique per person; when
//! two people's profiles carry the same value, IAM signs database tokens for the same
//! database user for both, and every session of that user is ambiguous. This looks at
//! the federated sessions themselves, so it fires even before anyone connects.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "shared-identity-tag",
    severity: Severity::High,
    title: "One db-user tag value asserted for several people",
    doc: r#"## What it finds
A value of the db-user session tag (the key in the policy's
`${aws:PrincipalTag/<Key>}`, else the configured key, default `Username`) that the IdP
asserted for two or more distinct SAML subjects in the period: one finding per value, with
each person's federated sessions. Keys compare case-insensitively as IAM resolves them,
values exactly as the database compares user names. One person's many sessions with the
same value are not a finding.

## Why it matters
An IdP attribute collision (a copied profile, a shared mailbox login, a hand-typed
attribute) gives several people the same database identity: each can act as the other in
the database, and the audit log can no longer say who did what. It is a shared account
created by the identity provider, invisible in the database's own user list.

## Example
In the demo week `grace.kim@example.com` and `heidi.schmidt@example.com` both federate
with `Username=reporting`: their sessions on `shop-prod` are attributed `ambiguous`.

## Remediation
Give each person their own value in the IdP attribute mapped to the tag (e.g. derive it
from the login, not a free-text field), create a database user per person, and drop the
shared one. If the sharing is deliberate, record an exception with its justification.

## References
- docs/attribution.md (rules R1, R3, R4)
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
- https://docs.aws.amazon.com/singlesignon/latest/userguide/attributesforaccesscontrol.html
"#,
    sql: include_str!("../../queries/checks/shared-identity-tag.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::testing::{Lab, subjects};

    #[tokio::test]
    async fn fires_when_two_people_carry_the_same_value() {
        let mut lab = Lab::new();
        let g1 = lab.federate(
            "grace.kim@example.com",
            &[("Username", "reporting")],
            "2026-11-17 08:05:51",
            8,
        );
        // IAM resolves the key case-insensitively: `username` names the same db user.
        let h1 = lab.federate(
            "heidi.schmidt@example.com",
            &[("username", "reporting")],
            "2026-11-17 08:47:19",
            8,
        );
        let g2 = lab.federate(
            "grace.kim@example.com",
            &[("Username", "reporting")],
            "2026-11-19 08:10:26",
            8,
        );
        // Near miss: one person's own sessions.
        lab.federate(
            "carol.diaz@example.com",
            &[("Username", "cdiaz")],
            "2026-11-17 09:30:02",
            8,
        );
        lab.federate(
            "carol.diaz@example.com",
            &[("Username", "cdiaz")],
            "2026-11-20 09:12:19",
            8,
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(subjects(&found), [("reporting".to_string(), 3)]);
        assert_eq!(
            found[0].summary,
            "Username=reporting was asserted for 2 people (grace.kim@example.com, \
             heidi.schmidt@example.com): each connects as database user reporting and can act \
             as the others"
        );
        assert_eq!(
            found[0].evidence,
            serde_json::json!({
                "tag_key": "Username",
                "value": "reporting",
                "persons": ["grace.kim@example.com", "heidi.schmidt@example.com"],
                "sessions": [
                    {"person": "grace.kim@example.com", "federation_event_ids": [g1, g2]},
                    {"person": "heidi.schmidt@example.com", "federation_event_ids": [h1]}
                ]
            })
        );
        assert_eq!(found[0].first_seen.as_deref(), Some("2026-11-17T08:05:51Z"));
        assert_eq!(found[0].last_seen.as_deref(), Some("2026-11-19T08:10:26Z"));
    }

    #[tokio::test]
    async fn stays_quiet_for_one_persons_sessions_and_values_differing_in_case() {
        let mut lab = Lab::new();
        for at in [
            "2026-11-16 08:41:17",
            "2026-11-19 08:22:58",
            "2026-11-19 13:55:02",
        ] {
            lab.federate(
                "alice.nguyen@example.com",
                &[("Username", "anguyen")],
                at,
                8,
            );
        }
        // Values compare exactly, as the database compares user names: `KWright` and
        // `kwright` are two database users (the case drift is unattributed-session's).
        lab.federate(
            "kevin.wright@example.com",
            &[("Username", "KWright")],
            "2026-11-20 11:02:10",
            8,
        );
        lab.federate(
            "karl.wright@example.com",
            &[("Username", "kwright")],
            "2026-11-20 11:30:00",
            8,
        );
        // The same value under a key that is not the db-user key.
        lab.federate(
            "bob.martin@example.com",
            &[("Username", "bmartin"), ("Department", "finance")],
            "2026-11-16 09:02:44",
            8,
        );
        lab.federate(
            "erin.walsh@example.com",
            &[("Username", "ewalsh"), ("Department", "finance")],
            "2026-11-16 09:15:30",
            8,
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }

    #[tokio::test]
    async fn the_db_user_key_is_the_policys() {
        let mut lab = Lab::new();
        lab.permission_set_policy(
            "DatabaseAccess",
            serde_json::json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "rds-db:connect",
                "Resource": "arn:aws:rds-db:eu-west-1:111122223333:dbuser:*/${aws:PrincipalTag/DbUser}"
            }]}),
        );
        lab.federate(
            "alice.nguyen@example.com",
            &[("DbUser", "ops-ro"), ("Username", "anguyen")],
            "2026-11-16 08:41:17",
            8,
        );
        lab.federate(
            "bob.martin@example.com",
            &[("DbUser", "ops-ro"), ("Username", "anguyen")],
            "2026-11-16 09:02:44",
            8,
        );
        // `Username` is not the db-user key here: the shared `anguyen` names no db user.
        assert_eq!(
            subjects(&lab.findings(&CHECK).await),
            [("ops-ro".to_string(), 2)]
        );
    }
}
