//! `tag-convention`: session tag values that break the organization's naming convention.
//!
//! The db-user key is left out on purpose: its values must equal database user names,
//! which follow the database's rules (`app_legacy`, `KWright`), not a tag convention;
//! a case mismatch with the real user is unattributed-session's finding.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "tag-convention",
    severity: Severity::Low,
    title: "Session tag values that break the naming convention",
    doc: r#"## What it finds
Session tag values (the principal tags of federated sessions in the period) that do not
match the naming convention, `[tags] convention` in `tagtrail.toml` (default
`^[a-z0-9]+(-[a-z0-9]+)*$`: lowercase words joined by hyphens). One finding per key and
value, with every federated session carrying it. Keys compare case-insensitively, as
IAM resolves them.

Left out: the db-user key (its values are database user names, which follow the
database's rules: `app_legacy` is a valid MariaDB user), amr-style keys (`AuthMethods`,
`amr`, `AuthnMethodsReferences`: protocol tokens such as `pwd mfa` written by the IdP),
and empty values (missing-required-tag reports those of required keys).

## Why it matters
A convention is what lets tag values be compared without guessing: `Finance`,
`finance` and `FINANCE` are three different values to every ABAC condition, tag policy
and cost report. A value off the convention today is the near-duplicate of tomorrow.

## Example
`Department=Customer Support` (capitals and a space) breaks the default convention; the
conforming spelling is `customer-support`.

## Remediation
Normalize the value where the IdP computes it (an expression such as
`String.toLowerCase(...)` in the attribute mapping) or fix the profile; if the
organization's convention is different, set `[tags] convention` to it.

## References
- https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
"#,
    sql: include_str!("../../queries/checks/tag-convention.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::testing::{Lab, subjects};

    #[tokio::test]
    async fn fires_on_values_off_the_default_convention() {
        let mut lab = Lab::new();
        let b1 = lab.federate(
            "bob.martin@example.com",
            &[("Username", "bmartin"), ("Department", "Customer Support")],
            "2026-11-16 09:02:44",
            8,
        );
        let b2 = lab.federate(
            "bob.martin@example.com",
            &[("Username", "bmartin"), ("Department", "Customer Support")],
            "2026-11-19 09:05:37",
            8,
        );
        lab.federate(
            "carol.diaz@example.com",
            &[("Username", "cdiaz"), ("project", "data_platform")],
            "2026-11-17 09:30:02",
            8,
        );
        // Conforming values.
        lab.federate(
            "alice.nguyen@example.com",
            &[("Username", "anguyen"), ("Department", "data-analytics")],
            "2026-11-16 08:41:17",
            8,
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("Department=Customer Support".to_string(), 2),
                ("project=data_platform".to_string(), 1),
            ]
        );
        assert_eq!(
            found[0].summary,
            "Department=Customer Support breaks the naming convention ^[a-z0-9]+(-[a-z0-9]+)*$: \
             2 federated session(s) of 1 person(s)"
        );
        assert_eq!(
            found[0].evidence,
            serde_json::json!({
                "tag_key": "Department",
                "value": "Customer Support",
                "convention": "^[a-z0-9]+(-[a-z0-9]+)*$",
                "federation_event_ids": [b1, b2],
                "persons": ["bob.martin@example.com"]
            })
        );
    }

    #[tokio::test]
    async fn db_user_names_amr_tokens_and_empty_values_are_not_held_to_it() {
        let mut lab = Lab::new();
        lab.federate(
            "kevin.wright@example.com",
            &[("Username", "KWright"), ("Department", "finance")],
            "2026-11-20 11:02:10",
            8,
        );
        lab.federate(
            "ops.robot@example.com",
            &[("username", "app_legacy"), ("Department", "")],
            "2026-11-20 11:30:00",
            8,
        );
        lab.federate(
            "judy.chen@example.com",
            &[("Username", "jchen"), ("AuthMethods", "pwd mfa")],
            "2026-11-17 10:02:33",
            8,
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }

    #[tokio::test]
    async fn the_convention_is_configurable() {
        let mut lab = Lab::new();
        lab.config.convention = "^[A-Z][A-Za-z]+$".into();
        lab.federate(
            "erin.walsh@example.com",
            &[("Username", "ewalsh"), ("Department", "Finance")],
            "2026-11-16 09:15:30",
            8,
        );
        lab.federate(
            "ivan.petrov@example.com",
            &[("Username", "ipetrov"), ("Department", "finance")],
            "2026-11-17 08:34:40",
            8,
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(subjects(&found), [("Department=finance".to_string(), 1)]);
        assert_eq!(found[0].evidence["convention"], "^[A-Z][A-Za-z]+$");
    }
}
