//! `password-auth-account`: database users that log in with a password on an instance
//! where IAM database authentication is on.
//!
//! Turning IAM authentication on does not turn passwords off: every account created
//! with a password keeps working, and none of its sessions can be traced to a person.
//! Found from the inventory (the account's plugin or `rds_iam` membership) and from
//! the PostgreSQL log (`method=md5/scram-sha-256`), so an account missing from an old
//! export is still seen when it logs in.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "password-auth-account",
    severity: Severity::Medium,
    title: "Password accounts on instances with IAM database authentication",
    doc: r#"## What it finds
Database users that authenticate with a password on an instance whose latest inventory
says IAM database authentication is enabled: accounts whose plugin is not
`AWSAuthenticationPlugin` (MySQL family) or that are not members of `rds_iam`
(PostgreSQL) in the latest user export, and users the database log shows logging in with
a password (`method=md5` / `scram-sha-256`). One finding per instance and user, with the
password logins of the period (`count`; the evidence names the first 100 in sorted order). The master user is flagged as such; `rdsadmin`, the
account RDS itself manages the instance with, is reported as `info`. Instances with IAM
authentication off are `iam-auth-disabled`'s finding instead.

## Why it matters
IAM authentication ties a login to a federated session and so to a person; a password
bypasses all of that. Each password account is a credential that can be copied, shared
and used from anywhere, and its sessions are unattributable by construction.

## Example
On `shop-prod` (IAM auth on), `app_legacy` is `mysql_native_password` in the inventory
and logs in every night from 10.0.3.17; on `ledger-prod`, `ledger_app` authenticates with
`scram-sha-256`.

## Remediation
Move people to IAM (`ALTER USER … IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'`, or
`GRANT rds_iam TO …` and drop the password); give services their own IAM role or keep the
password in Secrets Manager with rotation, and record an exception with its
justification. Keep the master user for break-glass only, its password in Secrets
Manager.

## References
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html
- docs/attribution.md (R5: password accounts are unattributed)
"#,
    sql: include_str!("../../queries/checks/password-auth-account.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::Severity;
    use crate::checks::testing::{Lab, assert_first_hundred_sessions, subjects};

    fn lab() -> Lab {
        let mut lab = Lab::new();
        lab.rds_instances(&[
            ("shop-prod", "mariadb", true),
            ("ledger-prod", "postgres", true),
            ("billing-prod", "mysql", false),
        ]);
        lab.db_users(&[
            ("shop-prod", "admin", "mysql_native_password"),
            ("shop-prod", "anguyen", "AWSAuthenticationPlugin"),
            ("shop-prod", "app_legacy", "mysql_native_password"),
            ("shop-prod", "rdsadmin", "mysql_native_password"),
            ("ledger-prod", "anguyen", "rds_iam"),
            ("billing-prod", "app_legacy", "mysql_native_password"),
        ]);
        lab
    }

    #[tokio::test]
    async fn fires_on_password_accounts_where_iam_is_on() {
        let mut lab = lab();
        for (conn, at) in [(41, "2026-11-17 02:30:11"), (42, "2026-11-18 02:30:09")] {
            lab.mysql_session("shop-prod", "app_legacy", "10.0.3.17", conn, at, None);
        }
        // Not in the user export: the log says it is a password login.
        lab.postgres_session(
            "ledger-prod",
            "ledger_app",
            "10.0.3.30",
            8419,
            "2026-11-17 02:00:03",
            "scram-sha-256",
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("admin".to_string(), 0),
                ("app_legacy".to_string(), 2),
                ("ledger_app".to_string(), 1),
                ("rdsadmin".to_string(), 0),
            ]
        );
        assert_eq!(
            found[1].summary,
            "app_legacy authenticates with a password on shop-prod, where IAM database authentication \
             is enabled (inventory: mysql_native_password); 2 password login(s) in the period"
        );
        assert_eq!(
            found[1].evidence,
            serde_json::json!({
                "instance": "shop-prod",
                "evidence": "inventory and log",
                "auth_plugins": "mysql_native_password",
                "master_user": false,
                "sessions": ["shop-prod:41:1", "shop-prod:42:1"],
                "client_hosts": ["10.0.3.17"]
            })
        );
        assert_eq!(found[1].first_seen.as_deref(), Some("2026-11-17T02:30:11Z"));
        assert!(found[0].summary.ends_with("; it is the master user"));
        assert_eq!(found[2].evidence["evidence"], "log");
        assert_eq!(found[2].evidence["instance"], "ledger-prod");
        assert_eq!(
            (found[3].severity, found[2].severity),
            (Severity::Info, Severity::Medium)
        );
    }

    #[tokio::test]
    async fn stays_quiet_for_iam_users_and_where_iam_auth_is_off() {
        let mut lab = Lab::new();
        lab.rds_instances(&[
            ("shop-prod", "mariadb", true),
            ("ledger-prod", "postgres", true),
            ("billing-prod", "mysql", false),
            ("archive-prod", "postgres", false),
        ]);
        lab.db_users(&[
            ("shop-prod", "anguyen", "AWSAuthenticationPlugin"),
            ("billing-prod", "app_legacy", "mysql_native_password"),
        ]);
        lab.mysql_session(
            "shop-prod",
            "anguyen",
            "10.0.1.21",
            51,
            "2026-11-17 09:00:00",
            None,
        );
        lab.mysql_session(
            "billing-prod",
            "app_legacy",
            "10.0.3.17",
            52,
            "2026-11-17 02:30:00",
            None,
        );
        // IAM logins per the PostgreSQL log; a password one where IAM auth is off.
        lab.postgres_session(
            "ledger-prod",
            "anguyen",
            "10.0.1.21",
            8501,
            "2026-11-17 09:10:00",
            "pam",
        );
        lab.postgres_session(
            "archive-prod",
            "ledger_app",
            "10.0.3.30",
            8502,
            "2026-11-17 09:20:00",
            "md5",
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }

    #[tokio::test]
    async fn a_service_account_counts_every_login_and_names_a_hundred() {
        let mut lab = lab();
        lab.pool_sessions("shop-prod", "app_legacy", &["10.0.3.17"], 102);
        let found = lab.findings(&CHECK).await;
        assert_eq!(found[1].subject, "app_legacy");
        assert_first_hundred_sessions(&found[1], "shop-prod", 102);
        assert!(
            found[1]
                .summary
                .ends_with("; 102 password login(s) in the period"),
            "{}",
            found[1].summary
        );
    }
}
