//! `failed-auth-burst`: runs of failed database logins for one user or from one
//! client address.
//!
//! One failed login is a typo or an expired token; a run of them in minutes is a
//! script with a wrong credential, a person locked out who will find another way in,
//! or someone guessing. Thresholds come from `tagtrail.toml` (`[thresholds]`).

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "failed-auth-burst",
    severity: Severity::Medium,
    title: "Bursts of failed database logins",
    doc: r#"## What it finds
At least N failed database logins (MySQL-family `FAILED_CONNECT`, error 1045/1044;
PostgreSQL `FATAL` authentication failures) within M minutes, for one db user (across
instances) or from one client address trying several db users. N and M are
`[thresholds] failed_auth_burst_count` (default 5) and `failed_auth_burst_minutes`
(default 10). Overlapping runs merge, so one finding is one burst: its subject (the db
user, or the client address), first and last failure, count, instances, addresses and
the failure messages. Four failures, or five spread over more than M minutes, are not a
burst. A client address failing as a single user is reported once, as that user's
burst.

## Why it matters
IAM authentication failures mean a token signed for the wrong user, for another instance
or past its 15 minutes — or someone trying tokens they should not have. Password
failures in bursts are guessing or a leaked, rotated credential still in use. Either way
someone is trying to get in and not succeeding yet.

## Example
`dokafor` fails five times against `shop-prod` from 10.0.1.52 between 08:19 and 08:23:
his client signs tokens with the wrong region. 10.0.9.99 fails as `admin`, `root`,
`app_legacy`, `test` and `backup` within two minutes: password spraying.

## Remediation
Find the client (address, application name) and its owner; for IAM failures check the
token's region, host and port and the user's `rds-db:connect` grant; for spraying, block
the address in the security group and review which accounts still use passwords
(`password-auth-account`).

## References
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Troubleshooting.html
- https://mariadb.com/kb/en/mariadb-audit-plugin-log-format/
- https://attack.mitre.org/techniques/T1110/
"#,
    sql: include_str!("../../queries/checks/failed-auth-burst.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::testing::{Lab, subjects};

    /// Failed logins as `user` from `host` at each `HH:MM:SS` on 2026-11-16.
    fn fail(lab: &mut Lab, user: &str, host: &str, conn: u32, times: &[&str]) {
        for (i, at) in times.iter().enumerate() {
            lab.mysql_failed_login(
                "shop-prod",
                user,
                host,
                conn + i as u32,
                &format!("2026-11-16 {at}"),
            );
        }
    }

    #[tokio::test]
    async fn fires_once_per_burst_of_a_user_or_of_a_spraying_client() {
        let mut lab = Lab::new();
        // Seven failures two minutes apart: windows of five overlap, one burst.
        let run = [
            "08:19:40", "08:21:40", "08:23:40", "08:25:40", "08:27:40", "08:29:40", "08:31:40",
        ];
        fail(&mut lab, "dokafor", "10.0.1.52", 100, &run);
        // An hour later, five in a minute: a second burst.
        let later = ["09:30:00", "09:30:10", "09:30:20", "09:30:30", "09:30:40"];
        fail(&mut lab, "dokafor", "10.0.1.52", 200, &later);
        // One address, five users, two minutes.
        for (i, user) in ["admin", "root", "app_legacy", "test", "backup"]
            .iter()
            .enumerate()
        {
            fail(
                &mut lab,
                user,
                "10.0.9.99",
                300 + i as u32,
                &[&format!("03:{:02}:{:02}", i * 25 / 60, i * 25 % 60)],
            );
        }
        // A PostgreSQL IAM failure of the same user joins the run on another instance.
        lab.file(
            "rds/ledger-prod/error/postgresql.log.2026-11-16-08",
            "2026-11-16 08:33:00 UTC:10.0.1.53(41001):[unknown]@[unknown]:[8538]:LOG:  connection received: host=10.0.1.53 port=41001\n\
             2026-11-16 08:33:00 UTC:10.0.1.53(41001):dokafor@ledger:[8538]:FATAL:  PAM authentication failed for user \"dokafor\"\n\
             2026-11-16 08:33:00 UTC:10.0.1.53(41001):dokafor@ledger:[8538]:DETAIL:  Connection matched pg_hba.conf line 13: \"hostssl all +rds_iam all pam\"\n",
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [
                ("10.0.9.99".to_string(), 5),
                ("dokafor".to_string(), 8),
                ("dokafor".to_string(), 5),
            ]
        );
        assert_eq!(
            found[0].summary,
            "5 failed logins from 10.0.9.99 between 2026-11-16T03:00:00Z and 2026-11-16T03:01:40Z, \
             trying 5 db users (threshold: 5 within 10 min)"
        );
        assert_eq!(
            found[0].evidence["db_users"],
            serde_json::json!(["admin", "app_legacy", "backup", "root", "test"])
        );
        assert_eq!(
            found[1].summary,
            "8 failed logins as dokafor between 2026-11-16T08:19:40Z and 2026-11-16T08:33:00Z \
             (threshold: 5 within 10 min)"
        );
        assert_eq!(
            found[1].evidence["instances"],
            serde_json::json!(["ledger-prod", "shop-prod"])
        );
        assert_eq!(
            found[1].evidence["client_hosts"],
            serde_json::json!(["10.0.1.52", "10.0.1.53"])
        );
        assert_eq!(found[1].evidence["sessions"][7], "ledger-prod:8538:1");
        assert_eq!(
            (
                found[2].first_seen.as_deref(),
                found[2].last_seen.as_deref()
            ),
            (Some("2026-11-16T09:30:00Z"), Some("2026-11-16T09:30:40Z"))
        );
    }

    #[tokio::test]
    async fn stays_quiet_below_the_count_or_beyond_the_minutes() {
        let mut lab = Lab::new();
        // N − 1 failures in a minute.
        fail(
            &mut lab,
            "dokafor",
            "10.0.1.52",
            100,
            &["08:19:40", "08:19:50", "08:20:00", "08:20:10"],
        );
        // N failures spread over 11 minutes.
        fail(
            &mut lab,
            "anguyen",
            "10.0.1.21",
            200,
            &["10:00:00", "10:03:00", "10:06:00", "10:09:00", "10:11:00"],
        );
        // Successful logins do not count.
        for i in 0..5 {
            lab.mysql_session(
                "shop-prod",
                "app_legacy",
                "10.0.3.17",
                300 + i,
                &format!("2026-11-16 02:30:0{i}"),
                None,
            );
        }
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
        // The thresholds are the configuration's.
        lab.config.failed_auth_burst_count = 4;
        lab.config.failed_auth_burst_minutes = 11;
        assert_eq!(
            subjects(&lab.findings(&CHECK).await),
            [("anguyen".to_string(), 5), ("dokafor".to_string(), 4)]
        );
    }
}
