//! `session-outside-window`: IAM database logins that no open federated session
//! explains.
//!
//! An IAM token can only be signed while the signer's credentials are valid, so an IAM
//! login as a person's db user outside all of that person's federated sessions means
//! the token came from somewhere the federation evidence does not show: another role
//! or access key allowed to sign for that user, or credentials kept past their
//! session.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "session-outside-window",
    severity: Severity::High,
    title: "IAM database logins outside every federated session",
    doc: r#"## What it finds
Successful database logins authenticated by IAM (the PostgreSQL log's `method=pam`, or
an `AWSAuthenticationPlugin` / `rds_iam` account in the inventory) as a db user that
federated sessions do carry, but none whose window — `[start − skew, expiry + skew]`,
skew 5 minutes by default — holds the connect time. One finding per instance, db user and
nearest federated session, with that session (its person, start and expiry) and by how
many minutes each login missed it. A login 4 minutes after the expiry is inside the
5-minute skew and is not reported. Logins as a db user no federated session ever carried
are `unattributed-session`'s finding (often CloudTrail of another account is missing).

## Why it matters
A token signed outside the person's session was signed with credentials the evidence
does not show: an IAM user's access key, another role whose policy allows
`rds-db:connect` for that user, or credentials kept beyond their session. Whoever it was
acted as that person in the database, and the audit trail names the wrong one.

## Example
`ipetrov` connects to `ledger-prod` at 21:52, five hours after Ivan's federated session
expired at 16:52; `dokafor` connects to `shop-prod` 101 minutes after Dave's expired.

## Remediation
Find who can sign tokens for the user: `aws iam simulate-principal-policy` or the
policies granting `rds-db:connect` on `dbuser:*/<user>` or `dbuser:*/*` (see
`policy-wildcard-dbuser`), and CloudTrail of every account people federate into; revoke
access keys that can; if the clock of a log source is off, fix it (or raise the skew in
`tagtrail.toml`, `[attribution] skew`).

## References
- docs/attribution.md (R2 the window, R5 reasons)
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Connecting.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_disable-perms.html
"#,
    sql: include_str!("../../queries/checks/session-outside-window.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::testing::{Lab, subjects};

    fn lab() -> Lab {
        let mut lab = Lab::new();
        lab.db_users(&[
            ("shop-prod", "dokafor", "AWSAuthenticationPlugin"),
            ("billing-prod", "dokafor", "AWSAuthenticationPlugin"),
            ("shop-prod", "app_legacy", "mysql_native_password"),
        ]);
        // 08:03:40 to 16:03:40; with the skew, 07:58:40 to 16:08:40.
        lab.federate(
            "dave.okafor@example.com",
            &[("Username", "dokafor")],
            "2026-11-18 08:03:40",
            8,
        );
        lab
    }

    #[tokio::test]
    async fn fires_on_iam_logins_outside_the_window() {
        let mut lab = lab();
        let ivan = lab.federate(
            "ivan.petrov@example.com",
            &[("Username", "ipetrov")],
            "2026-11-20 08:52:47",
            8,
        );
        lab.mysql_session(
            "shop-prod",
            "dokafor",
            "10.0.1.52",
            61,
            "2026-11-18 17:45:31",
            None,
        );
        lab.mysql_session(
            "billing-prod",
            "dokafor",
            "10.0.1.52",
            62,
            "2026-11-18 07:50:00",
            None,
        );
        // IAM per the PostgreSQL log (no inventory for ledger-prod).
        lab.postgres_session(
            "ledger-prod",
            "ipetrov",
            "10.0.4.18",
            8591,
            "2026-11-20 21:52:47",
            "pam",
        );
        lab.postgres_session(
            "ledger-prod",
            "ipetrov",
            "10.0.4.18",
            8592,
            "2026-11-20 21:58:10",
            "pam",
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("dokafor".to_string(), 1),
                ("dokafor".to_string(), 1),
                ("ipetrov".to_string(), 2),
            ]
        );
        assert_eq!(
            found[0].summary,
            "1 IAM login(s) as dokafor on billing-prod with no federated session open: the nearest, \
             fed-000000000001 of dave.okafor@example.com, started 13 min after"
        );
        assert_eq!(
            found[1].summary,
            "1 IAM login(s) as dokafor on shop-prod with no federated session open: the nearest, \
             fed-000000000001 of dave.okafor@example.com, expired 101 min before"
        );
        assert_eq!(
            found[2].summary,
            format!(
                "2 IAM login(s) as ipetrov on ledger-prod with no federated session open: the nearest, \
                 {ivan} of ivan.petrov@example.com, expired 300 to 305 min before"
            )
        );
        let e = &found[2].evidence;
        assert_eq!(e["nearest_session_expiry"], "2026-11-20T16:52:47Z");
        assert_eq!(e["skew_seconds"], 300);
        assert_eq!(
            e["logins"][1],
            serde_json::json!({
                "session": "ledger-prod:8592:1",
                "connect_time": "2026-11-20T21:58:10Z",
                "client_host": "10.0.4.18",
                "missed": "after expiry",
                "missed_minutes": 305,
                "reason": "no federated session open at connect: the nearest with ipetrov expired 305 min before"
            })
        );
        assert_eq!(found[2].last_seen.as_deref(), Some("2026-11-20T21:58:10Z"));
    }

    #[tokio::test]
    async fn stays_quiet_inside_the_skew_and_for_other_kinds_of_login() {
        let mut lab = lab();
        // 2½ and 4 minutes after the expiry: inside the 5-minute skew.
        lab.mysql_session(
            "shop-prod",
            "dokafor",
            "10.0.1.52",
            71,
            "2026-11-18 16:06:10",
            None,
        );
        lab.mysql_session(
            "shop-prod",
            "dokafor",
            "10.0.1.52",
            72,
            "2026-11-18 16:07:40",
            None,
        );
        // A failed IAM login after the expiry: the token was refused, as it should be.
        lab.mysql_failed_login(
            "shop-prod",
            "dokafor",
            "10.0.1.52",
            73,
            "2026-11-18 18:00:00",
        );
        // A password account: never inside a federated session, not an IAM login.
        lab.mysql_session(
            "shop-prod",
            "app_legacy",
            "10.0.3.17",
            74,
            "2026-11-18 18:00:00",
            None,
        );
        // An IAM user no federated session ever carried: unattributed-session's finding.
        lab.postgres_session(
            "ledger-prod",
            "jchen",
            "10.0.4.20",
            8601,
            "2026-11-18 12:00:00",
            "pam",
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }
}
