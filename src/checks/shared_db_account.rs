//! `shared-db-account`: database users more than one person uses.
//!
//! A shared account defeats the point of per-person database users: whatever it did,
//! nobody in particular did it. Three kinds of evidence show one, each enough on its
//! own: the attributions themselves, password logins from several machines, and a
//! policy that hands the same user to everyone in a role.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "shared-db-account",
    severity: Severity::High,
    title: "Database accounts used by more than one person",
    doc: r#"## What it finds
A database user is shared when, in the period:
- its successful sessions are attributed to two or more distinct people (every candidate
  of an ambiguous attribution counts: two people carrying the same `Username` tag at once
  share the account);
- it is a password account (`auth_method` password) whose unattributed sessions on one
  instance came from two or more client addresses; or
- a policy allows `rds-db:connect` on that literal user (not `${aws:PrincipalTag/…}`) to a
  role or permission set two or more people federated into.
One finding per db user, with the rules that fired (`rules`), the people (`persons`,
`grant_persons`), the client addresses, the grants, instances and sessions (the first 100
in sorted order; `count` is all of them). A person's
own sessions, from however many addresses, are not sharing.

## Why it matters
Attribution ends at a shared account: the audit log says `reporting` read the customer
table, and two people could have. It also means one person's leaked credential or token
is everyone's, and offboarding one of them does not lock them out.

## Example
`reporting` on `shop-prod` is attributed to both `grace.kim@example.com` and
`heidi.schmidt@example.com` — their IdP sends the same `Username` value; `app_legacy`
logs in with its password from 10.0.3.17 and 10.0.3.18.

## Remediation
Give each person their own database user and per-person tag value (see
`shared-identity-tag` for the IdP side); grant
`dbuser:<id>/${aws:PrincipalTag/Username}` instead of a fixed user; give each service its
own account and role. For a sealed break-glass account, record an exception with its
justification.

## References
- docs/attribution.md (R3, R4: candidates and ambiguous attributions)
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
- https://www.cisecurity.org/controls/account-management (CIS Control 5.1, unique accounts)
"#,
    sql: include_str!("../../queries/checks/shared-db-account.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::testing::{Lab, assert_first_hundred_sessions, subjects};
    use serde_json::json;

    #[tokio::test]
    async fn fires_on_accounts_several_people_use() {
        let mut lab = Lab::new();
        // Two people carry Username=reporting at the same time: ambiguous.
        lab.federate(
            "grace.kim@example.com",
            &[("Username", "reporting")],
            "2026-11-17 08:05:51",
            8,
        );
        lab.federate(
            "heidi.schmidt@example.com",
            &[("Username", "reporting")],
            "2026-11-17 08:47:19",
            8,
        );
        lab.mysql_session(
            "shop-prod",
            "reporting",
            "10.0.2.41",
            81,
            "2026-11-17 09:12:44",
            Some("shop.customers"),
        );
        // Two people with Username=teamdb at different times: each session exact.
        lab.federate(
            "ann.nguyen@example.com",
            &[("Username", "teamdb")],
            "2026-11-18 08:00:00",
            1,
        );
        lab.federate(
            "bob.martin@example.com",
            &[("Username", "teamdb")],
            "2026-11-18 12:00:00",
            1,
        );
        lab.mysql_session(
            "shop-prod",
            "teamdb",
            "10.0.1.21",
            82,
            "2026-11-18 08:30:00",
            None,
        );
        lab.mysql_session(
            "shop-prod",
            "teamdb",
            "10.0.1.34",
            83,
            "2026-11-18 12:30:00",
            None,
        );
        // A password account from two addresses.
        lab.db_users(&[("shop-prod", "app_legacy", "mysql_native_password")]);
        lab.mysql_session(
            "shop-prod",
            "app_legacy",
            "10.0.3.17",
            84,
            "2026-11-19 02:30:09",
            None,
        );
        lab.mysql_session(
            "shop-prod",
            "app_legacy",
            "10.0.3.18",
            85,
            "2026-11-19 14:02:51",
            None,
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("app_legacy".to_string(), 2),
                ("reporting".to_string(), 1),
                ("teamdb".to_string(), 2),
            ]
        );
        assert_eq!(
            found[0].summary,
            "db user app_legacy is shared: password logins nobody is attributed to came from 2 \
             addresses (10.0.3.17, 10.0.3.18)"
        );
        assert_eq!(
            found[1].summary,
            "db user reporting is shared: its sessions were attributed to 2 people \
             (grace.kim@example.com, heidi.schmidt@example.com)"
        );
        assert_eq!(
            found[1].evidence,
            json!({
                "rules": ["attributed to several people"],
                "persons": ["grace.kim@example.com", "heidi.schmidt@example.com"],
                "client_hosts": [],
                "grants": [],
                "grant_persons": [],
                "instances": ["shop-prod"],
                "sessions": ["shop-prod:81:1"]
            })
        );
        assert_eq!(
            found[2].evidence["persons"],
            json!(["ann.nguyen@example.com", "bob.martin@example.com"])
        );
        assert_eq!(
            (
                found[2].first_seen.as_deref(),
                found[2].last_seen.as_deref()
            ),
            (Some("2026-11-18T08:30:00Z"), Some("2026-11-18T12:30:00Z"))
        );
    }

    #[tokio::test]
    async fn fires_on_a_literal_grant_to_a_role_several_people_use() {
        let mut lab = Lab::new();
        let inline = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "ConnectAsYourself", "Effect": "Allow", "Action": "rds-db:connect",
             "Resource": "arn:aws:rds-db:eu-west-1:111122223333:dbuser:*/${aws:PrincipalTag/Username}"},
            {"Sid": "Reporting", "Effect": "Allow", "Action": "rds-db:connect",
             "Resource": "arn:aws:rds-db:eu-west-1:111122223333:dbuser:*/shared_ro"}
        ]});
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
        assert_eq!(subjects(&found), [("shared_ro".to_string(), 2)]);
        assert_eq!(
            found[0].summary,
            "db user shared_ro is shared: a policy grants it by name to a role 2 people used \
             (ann.nguyen@example.com, bob.martin@example.com)"
        );
        assert_eq!(
            found[0].evidence["grants"],
            json!([
                "AwsSSOInlinePolicy of permission_set DatabaseAccess, statement Reporting: \
                 arn:aws:rds-db:eu-west-1:111122223333:dbuser:*/shared_ro"
            ])
        );
        assert_eq!(
            found[0].evidence["rules"],
            json!(["granted by name to a shared role"])
        );
    }

    #[tokio::test]
    async fn stays_quiet_for_one_persons_own_sessions() {
        let mut lab = Lab::new();
        lab.federate(
            "ann.nguyen@example.com",
            &[("Username", "anguyen")],
            "2026-11-16 09:00:00",
            8,
        );
        // Ann from her laptop and from a bastion, twice federated: still Ann.
        lab.federate(
            "ann.nguyen@example.com",
            &[("Username", "anguyen")],
            "2026-11-16 12:00:00",
            8,
        );
        lab.mysql_session(
            "shop-prod",
            "anguyen",
            "10.0.1.21",
            91,
            "2026-11-16 09:30:00",
            None,
        );
        lab.mysql_session(
            "shop-prod",
            "anguyen",
            "10.0.5.5",
            92,
            "2026-11-16 13:30:00",
            None,
        );
        // A password account from one address; the same name on another instance,
        // from another address, is another account.
        lab.db_users(&[
            ("shop-prod", "app_legacy", "mysql_native_password"),
            ("billing-prod", "app_legacy", "mysql_native_password"),
        ]);
        for (instance, host, conn) in [
            ("shop-prod", "10.0.3.17", 93),
            ("shop-prod", "10.0.3.17", 94),
            ("billing-prod", "10.0.3.18", 95),
        ] {
            lab.mysql_session(
                instance,
                "app_legacy",
                host,
                conn,
                "2026-11-16 02:30:00",
                None,
            );
        }
        // A literal grant to a role only one person used.
        let inline = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "rds-db:connect",
             "Resource": "arn:aws:rds-db:eu-west-1:111122223333:dbuser:*/shared_ro"}
        ]});
        lab.permission_set_policy("DatabaseAccess", inline);
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }

    #[tokio::test]
    async fn a_shared_service_account_counts_every_session_and_names_a_hundred() {
        let mut lab = Lab::new();
        lab.db_users(&[("shop-prod", "app_legacy", "mysql_native_password")]);
        lab.pool_sessions("shop-prod", "app_legacy", &["10.0.3.17", "10.0.3.18"], 102);
        let found = lab.findings(&CHECK).await;
        assert_eq!(subjects(&found), [("app_legacy".to_string(), 102)]);
        assert_first_hundred_sessions(&found[0], "shop-prod", 102);
        assert_eq!(
            found[0].evidence["client_hosts"],
            json!(["10.0.3.17", "10.0.3.18"])
        );
    }
}
