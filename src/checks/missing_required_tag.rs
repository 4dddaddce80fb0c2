//! `missing-required-tag`: federated sessions without a tag every session must carry.
//!
//! Without the db-user key a session can sign no database token (or, with a wildcard
//! policy, one for nobody in particular); without the keys ABAC conditions compare, the
//! conditions deny or, written as deny-unless, let the session through.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "missing-required-tag",
    severity: Severity::Medium,
    title: "Federated sessions lacking a required tag",
    doc: r#"## What it finds
Federated sessions in the period that carry no tag for a required key (`[tags] required`
in `tagtrail.toml`; by default the db-user key, `[attribution] tag_key`, `Username`), or
carry it with an empty value. One finding per person and missing key, with the federated
sessions (CloudTrail event ids), their roles, and the keys they did carry. Keys compare
case-insensitively, as IAM resolves `${aws:PrincipalTag/…}`: `username` satisfies
`Username` (the drift is tag-key-case's finding). Every successful federated session
counts, whatever its role: the IdP sends the same attributes to every role.

## Why it matters
A session without the db-user tag cannot be tied to a database user, and a policy
variable that resolves to nothing makes IAM deny the request, so the person either
cannot work or is handed a shared fallback. A missing ABAC key (Department, Project)
silently changes what the person may touch. It usually means the person's IdP profile
lacks the attribute, or the attribute mapping of the AWS app forgot it.

## Example
`mia.lopez@example.com`'s profile has no value in the attribute mapped to `Username`,
so her sessions carry only `Department`, `Environment` and `Project`: `2 federated
session(s) of mia.lopez@example.com lack the required tag Username`.

## Remediation
Fill the attribute in the person's IdP profile (or its HR source) and make it mandatory;
check the attribute mapping of the AWS IAM Identity Center (or SAML) app sends
`https://aws.amazon.com/SAML/Attributes/PrincipalTag:<Key>` for every required key.

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html
- https://docs.aws.amazon.com/singlesignon/latest/userguide/attributesforaccesscontrol.html
"#,
    sql: include_str!("../../queries/checks/missing-required-tag.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::testing::{Lab, subjects};

    #[tokio::test]
    async fn fires_per_person_without_the_db_user_key() {
        let mut lab = Lab::new();
        let f1 = lab.federate(
            "frank.li@example.com",
            &[
                ("Department", "customer-support"),
                ("Project", "returns-desk"),
            ],
            "2026-11-18 09:20:14",
            8,
        );
        let f2 = lab.federate(
            "frank.li@example.com",
            &[
                ("Department", "customer-support"),
                ("Project", "returns-desk"),
            ],
            "2026-11-19 09:20:14",
            8,
        );
        lab.federate(
            "mia.lopez@example.com",
            &[("Username", ""), ("Department", "finance")],
            "2026-11-18 10:00:00",
            8,
        );
        // Keys compare case-insensitively: `username` is there.
        lab.federate(
            "bob.martin@example.com",
            &[("username", "bmartin")],
            "2026-11-18 11:00:00",
            8,
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("frank.li@example.com".to_string(), 2),
                ("mia.lopez@example.com".to_string(), 1),
            ]
        );
        assert_eq!(
            found[0].summary,
            "2 federated session(s) of frank.li@example.com lack the required tag Username"
        );
        assert_eq!(
            found[0].evidence,
            serde_json::json!({
                "missing_key": "Username",
                "federation_event_ids": [f1, f2],
                "roles": ["AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a"],
                "keys_present": ["Department", "Project"]
            })
        );
        assert_eq!(found[0].first_seen.as_deref(), Some("2026-11-18T09:20:14Z"));
        assert_eq!(
            found[1].summary,
            "1 federated session(s) of mia.lopez@example.com lack the required tag Username \
             (or carry it empty)"
        );
    }

    #[tokio::test]
    async fn configured_keys_replace_the_default() {
        let mut lab = Lab::new();
        lab.config.required_keys = vec!["Department".into(), "Project".into()];
        // No Username, but it is not required any more.
        lab.federate(
            "frank.li@example.com",
            &[
                ("department", "customer-support"),
                ("Project", "returns-desk"),
            ],
            "2026-11-18 09:20:14",
            8,
        );
        lab.federate(
            "alice.nguyen@example.com",
            &[("Username", "anguyen"), ("Department", "data-analytics")],
            "2026-11-18 09:30:00",
            8,
        );
        lab.federate(
            "alice.nguyen@example.com",
            &[("Username", "anguyen")],
            "2026-11-19 09:30:00",
            8,
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("alice.nguyen@example.com".to_string(), 2),
                ("alice.nguyen@example.com".to_string(), 1),
            ]
        );
        // Same subject: ordered by first_seen.
        assert_eq!(found[0].evidence["missing_key"], "Project");
        assert_eq!(found[1].evidence["missing_key"], "Department");
    }
}
