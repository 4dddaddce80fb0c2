//! `unattributed-session`: database sessions no federated session explains.
//!
//! Every IAM-authenticated session should trace back to one person's federated
//! session; one that does not is either a password login, a broken tag, a login
//! outside any session window, or evidence missing from the lake. Grouped by db user
//! and the kind of reason, so a password service account is one finding, not a
//! thousand.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "unattributed-session",
    severity: Severity::Medium,
    title: "Database sessions that no federated session explains",
    doc: r#"## What it finds
Successful database sessions that tagtrail cannot attribute to any person, one finding
per instance, database user and kind of reason: a password account, a tag value that
differs from the db user only in case, a login outside every federated session window,
or no federated session carrying that db user at all. The evidence names the first 100
sessions in sorted order (a service account logs hundreds of thousands a week; `tagtrail
sessions --db-user …` lists them all); `count` is every one.

## Why it matters
The point of IAM database authentication with session tags is that every session names a
person. An unattributed session is activity nobody answers for: an incident responder
cannot say who ran it, and an auditor cannot accept it.

## Example
`rdsadmin` and `app_legacy` on `shop-prod` log in with passwords (inventory says
`mysql_native_password`); `ipetrov` connects to `ledger-prod` five hours after his
federated session expired.

## Remediation
Move people off password accounts (`CREATE USER … IDENTIFIED WITH AWSAuthenticationPlugin`
/ `GRANT rds_iam`); fix the IdP attribute feeding the db-user tag; ingest the CloudTrail
of every account people federate into; for service accounts, record an exception with
its justification.

## References
- docs/attribution.md (the rules and the reasons)
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.html
"#,
    sql: include_str!("../../queries/checks/unattributed-session.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::testing::{Lab, assert_first_hundred_sessions, subjects};

    fn lab() -> Lab {
        let mut lab = Lab::new();
        lab.federate(
            "ann.nguyen@example.com",
            &[("Username", "anguyen")],
            "2026-11-16 09:00:00",
            8,
        );
        lab
    }

    #[tokio::test]
    async fn fires_on_sessions_without_a_federated_session() {
        let mut lab = lab();
        lab.mysql_session(
            "shop-prod",
            "app_legacy",
            "10.0.2.9",
            11,
            "2026-11-16 10:00:00",
            None,
        );
        lab.mysql_session(
            "shop-prod",
            "app_legacy",
            "10.0.2.10",
            12,
            "2026-11-16 11:00:00",
            None,
        );
        // Signed in 09:00 for 8 h: 17:00 + 5 min skew; 18:00 is outside.
        lab.mysql_session(
            "shop-prod",
            "anguyen",
            "10.0.1.21",
            13,
            "2026-11-16 18:00:00",
            None,
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [("anguyen".to_string(), 1), ("app_legacy".to_string(), 2)]
        );
        assert_eq!(
            found[0].summary,
            "1 session(s) of anguyen on shop-prod that no federated session explains: outside every federated session"
        );
        assert_eq!(
            found[1].evidence["client_hosts"],
            serde_json::json!(["10.0.2.10", "10.0.2.9"])
        );
        assert_eq!(found[1].first_seen.as_deref(), Some("2026-11-16T10:00:00Z"));
    }

    #[tokio::test]
    async fn stays_quiet_inside_the_window_and_its_skew() {
        let mut lab = lab();
        lab.mysql_session(
            "shop-prod",
            "anguyen",
            "10.0.1.21",
            21,
            "2026-11-16 09:30:00",
            None,
        );
        // 4 minutes after expiry: inside the 5-minute skew.
        lab.mysql_session(
            "shop-prod",
            "anguyen",
            "10.0.1.21",
            22,
            "2026-11-16 17:04:00",
            None,
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }

    #[tokio::test]
    async fn a_service_account_counts_every_session_and_names_a_hundred() {
        let mut lab = lab();
        lab.pool_sessions("shop-prod", "app_pool", &["10.0.2.9"], 102);
        let found = lab.findings(&CHECK).await;
        assert_eq!(subjects(&found), [("app_pool".to_string(), 102)]);
        assert_first_hundred_sessions(&found[0], "shop-prod", 102);
    }
}
