//! `tag-typo`: session tag values that are a mistyped form of another value of the same
//! key, or outside the key's vocabulary.
//!
//! Tag values are free text typed into IdP profiles; a typo silently moves a person out
//! of every ABAC condition, cost report and access review keyed on the right spelling.
//! The db-user key is left out on purpose: its values are people's database user names,
//! and two user names two letters apart (`jchen`, `jcheng`) are two people, not a typo.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "tag-typo",
    severity: Severity::Medium,
    title: "Session tag values that look mistyped or are outside the vocabulary",
    doc: r#"## What it finds
Session tag values (the principal tags of federated sessions in the period) that are a
near-duplicate of a more common value of the same key, or that are absent from the key's
vocabulary when it has one (`[tags.vocabulary]` or an AWS Organizations tag policy). One
finding per key and value, naming the suggested value and every federated session
(CloudTrail event id) carrying the typo.

Near-duplicate: equal ignoring case; equal once spaces, hyphens and underscores are made
one (`data_platform` / `data-platform`); or, both at least 5 characters long, a
Levenshtein distance of at most 2 (`finanse` / `finance`). Without a vocabulary, "more
common" means carried by more people (a typo lives in one person's IdP profile and
repeats in each of their sessions), or by as many people in more sessions; an exact tie
is not reported, since nothing says which spelling is right. With a vocabulary, every
value outside it is reported, with the nearest allowed value as the suggestion, and two
allowed values (`project-alpha`, `project-alpha2`) are never typos of each other.

Keys compare case-insensitively, as IAM resolves them. Left out: the db-user key (its
values are database user names, where near-duplicates are different people) and
amr-style keys (`AuthMethods`, `amr`, `AuthnMethodsReferences`), whose values are
protocol tokens written by the IdP.

## Why it matters
ABAC conditions compare values exactly: `Department=finanse` matches no resource tagged
`finance`, so the person is denied (or, with a deny-unless condition, slips past it),
and reports grouped by department or project miscount them. Typos also defeat tag
policies that only check resources, not sessions.

## Example
Three people federate with `Department=finance` and one with `Department=finanse`:
`Department=finanse looks like a typo of the more common finance (edit distance 1)`.
With `Project = ["project-alpha", "project-alpha2"]` as vocabulary, `project-alpah` is
reported (did you mean `project-alpha`?) while `project-alpha2` is not.

## Remediation
Correct the attribute in the IdP profile (or its source, the HR system) and have the
IdP offer a fixed list instead of free text; publish the allowed values as an AWS
Organizations tag policy and point `[tags] vocabulary_from` at it.

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
- https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_tag-policies.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/introduction_attribute-based-access-control.html
"#,
    sql: include_str!("../../queries/checks/tag-typo.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::testing::{Lab, subjects};

    fn tags<'a>(user: &'a str, department: &'a str) -> [(&'a str, &'a str); 2] {
        [("Username", user), ("Department", department)]
    }

    #[tokio::test]
    async fn fires_on_near_duplicates_of_a_more_common_value() {
        let mut lab = Lab::new();
        for (who, user) in [
            ("erin.walsh@example.com", "ewalsh"),
            ("ivan.petrov@example.com", "ipetrov"),
            ("judy.chen@example.com", "jchen"),
        ] {
            lab.federate(who, &tags(user, "finance"), "2026-11-16 09:00:00", 8);
        }
        let k1 = lab.federate(
            "kevin.wright@example.com",
            &tags("kwright", "finanse"),
            "2026-11-16 10:00:00",
            8,
        );
        let k2 = lab.federate(
            "kevin.wright@example.com",
            &tags("kwright", "finanse"),
            "2026-11-18 10:00:00",
            8,
        );
        lab.federate(
            "lena.berg@example.com",
            &tags("lberg", "Finance"),
            "2026-11-16 11:00:00",
            8,
        );
        // Separators: two people write it with a hyphen, one with an underscore.
        for (who, project) in [
            ("ivan.petrov@example.com", "data-platform"),
            ("judy.chen@example.com", "data-platform"),
            ("mia.lopez@example.com", "data_platform"),
        ] {
            lab.federate(
                who,
                &[("Username", "x"), ("Project", project)],
                "2026-11-17 09:00:00",
                8,
            );
        }
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("Department=Finance".to_string(), 1),
                ("Department=finanse".to_string(), 2),
                ("Project=data_platform".to_string(), 1),
            ]
        );
        assert_eq!(
            found[1].summary,
            "Department=finanse looks like a typo of the more common finance (edit distance 1): \
             2 federated session(s) of 1 person(s)"
        );
        assert_eq!(
            found[1].evidence,
            serde_json::json!({
                "tag_key": "Department",
                "value": "finanse",
                "suggested": "finance",
                "reason": "edit distance 1",
                "federation_event_ids": [k1, k2],
                "persons": ["kevin.wright@example.com"]
            })
        );
        assert_eq!(found[0].evidence["reason"], "differs only in case");
        assert_eq!(
            found[2].evidence["reason"],
            "differs only in spaces, hyphens or underscores"
        );
        assert_eq!(found[2].evidence["suggested"], "data-platform");
    }

    #[tokio::test]
    async fn stays_quiet_on_db_user_names_short_values_and_ties() {
        let mut lab = Lab::new();
        // Usernames two letters apart are two people, not a typo.
        lab.federate(
            "judy.chen@example.com",
            &tags("jchen", "finance"),
            "2026-11-16 09:00:00",
            8,
        );
        lab.federate(
            "jack.cheng@example.com",
            &tags("jcheng", "finance"),
            "2026-11-16 09:00:00",
            8,
        );
        lab.federate(
            "jo.chen@example.com",
            &tags("jchen2", "finance"),
            "2026-11-16 09:00:00",
            8,
        );
        // Short values (< 5 characters) are compared by case and separators only.
        for (who, team) in [
            ("judy.chen@example.com", "ops"),
            ("jack.cheng@example.com", "ops"),
            ("jo.chen@example.com", "dba"),
        ] {
            lab.federate(
                who,
                &[("Username", "x"), ("Team", team)],
                "2026-11-17 09:00:00",
                8,
            );
        }
        // A tie: nothing says which spelling is right.
        lab.federate(
            "judy.chen@example.com",
            &[("Username", "x"), ("Project", "billing-ops")],
            "2026-11-18 09:00:00",
            8,
        );
        lab.federate(
            "jack.cheng@example.com",
            &[("Username", "x"), ("Project", "billing-ups")],
            "2026-11-18 09:00:00",
            8,
        );
        // amr values are the IdP's tokens.
        lab.federate(
            "jo.chen@example.com",
            &[("Username", "x"), ("AuthMethods", "pwd mfa")],
            "2026-11-18 09:00:00",
            8,
        );
        lab.federate(
            "judy.chen@example.com",
            &[("Username", "x"), ("AuthMethods", "pwd,mfa")],
            "2026-11-18 10:00:00",
            8,
        );
        lab.federate(
            "jack.cheng@example.com",
            &[("Username", "x"), ("AuthMethods", "pwd,mfa")],
            "2026-11-18 10:00:00",
            8,
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }

    #[tokio::test]
    async fn with_a_vocabulary_every_value_outside_it_is_reported() {
        let mut lab = Lab::new();
        lab.config.vocabulary.insert(
            "Project".into(),
            vec!["project-alpha".into(), "project-alpha2".into()],
        );
        // Both allowed, a distance of 1 apart: never typos of each other.
        lab.federate(
            "alice.nguyen@example.com",
            &[("Username", "anguyen"), ("Project", "project-alpha")],
            "2026-11-16 09:00:00",
            8,
        );
        lab.federate(
            "bob.martin@example.com",
            &[("Username", "bmartin"), ("project", "project-alpha2")],
            "2026-11-16 09:00:00",
            8,
        );
        let typo = lab.federate(
            "carol.diaz@example.com",
            &[("Username", "cdiaz"), ("Project", "project-alpah")],
            "2026-11-16 09:30:00",
            8,
        );
        // Outside the vocabulary and near nothing in it.
        lab.federate(
            "carol.diaz@example.com",
            &[("Username", "cdiaz"), ("Project", "moonshot")],
            "2026-11-17 09:30:00",
            8,
        );
        // The vocabulary of Project says nothing about Department.
        lab.federate(
            "dave.okafor@example.com",
            &[("Username", "dokafor"), ("Department", "platform")],
            "2026-11-17 09:30:00",
            8,
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("Project=moonshot".to_string(), 1),
                ("Project=project-alpah".to_string(), 1),
            ]
        );
        assert_eq!(
            found[0].summary,
            "Project=moonshot is not in the vocabulary of Project: 1 federated session(s) of 1 person(s)"
        );
        assert_eq!(found[0].evidence["suggested"], serde_json::Value::Null);
        assert_eq!(
            found[1].summary,
            "Project=project-alpah is not in the vocabulary of Project (did you mean project-alpha? \
             edit distance 2): 1 federated session(s) of 1 person(s)"
        );
        assert_eq!(
            found[1].evidence["federation_event_ids"],
            serde_json::json!([typo])
        );
    }
}
