//! `audit-gap`: periods the audit evidence does not cover — a database that logged
//! nothing while sessions were open, a CloudTrail region that delivered no file for a
//! day, and CloudTrail log files or digests that fail integrity validation.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "audit-gap",
    severity: Severity::Medium,
    title: "Periods without audit evidence",
    doc: r#"## What it finds
Three kinds of hole in the evidence, each a finding of its own (`evidence.kind`):
- **db-audit**: an instance whose audit log has no record for longer than
  `audit_gap_minutes` (default 60) while at least one session was open across the whole
  gap (it logged rows before and after it). Quiet hours with no open session log
  nothing on any engine and are not reported. Subject: the instance.
- **cloudtrail-delivery**: an account and region whose consecutive CloudTrail log files
  (by the time in their names, as ingested) are more than `cloudtrail_gap_hours`
  (default 24) apart, for the account/regions tagtrail relies on (where federated
  sessions were issued or the inventory has a database). CloudTrail writes no file
  for an hour without events, so shorter silences are normal; the hourly digests
  (`tagtrail verify-digests`) prove delivery hour by hour. Subject: `account/region`.
- **cloudtrail-integrity**: log files or digests whose latest `verify-digests` check
  failed (`altered`, `missing`, `bad-signature`, `moved`, `unreadable`,
  `chain-broken`, `gap`); severity high, since this is evidence changed or removed,
  not merely absent. `unsigned`, `no-key` and `unchecked` mean "could not check" and
  are not reported. Subject: `account/region`.

## Why it matters
Every other check can only see what was logged. Audit plugins get switched off,
parameter groups reset on a restore, log files rotate away before export, trails stop
or lose files; an attacker with admin rights does exactly that first. A hole while a
session was open means statements ran unrecorded.

## Example
`shop-prod` logged a statement of connection 61 at 10:05 and nothing else until 13:05,
when the same connection ran another statement and disconnected: "no audit records
from shop-prod for 180 min (2026-11-16T10:05:00Z to 2026-11-16T13:05:00Z) while 1
session(s) were open".

## Remediation
For database gaps, check the instance's events and parameter group for the window
(`server_audit_logging`, `pgaudit.log`, restarts, restores) and whether the log files
of those hours were exported; keep the audit plugin required by policy. For CloudTrail,
check that the trail is logging (`GetTrailStatus`, `StopLogging` events), that the
bucket policy still allows delivery, and ingest the missing files; for integrity
failures, treat the listed files as tampered evidence and investigate who had write
access to the bucket.

## References
- https://mariadb.com/kb/en/mariadb-audit-plugin-log-settings/
- https://github.com/pgaudit/pgaudit
- https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
- https://docs.aws.amazon.com/awscloudtrail/latest/userguide/how-cloudtrail-works.html (delivery about every 5 minutes, only when there are events)
"#,
    sql: include_str!("../../queries/checks/audit-gap.sql"),
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::CHECK;
    use crate::checks::Severity;
    use crate::checks::testing::{Lab, subjects};

    /// One MariaDB audit line on shop-prod.
    fn line(lab: &mut Lab, at: &str, user: &str, conn: u32, query_id: u32, op: &str, rest: &str) {
        let ts = crate::checks::testing::t(at).format("%Y%m%d %H:%M:%S");
        lab.audit_line(
            "shop-prod",
            format!("{ts},ip-10-20-1-34,{user},10.0.2.17,{conn},{query_id},{op},shop,{rest}"),
        );
    }

    /// Connection 61 connects at 10:00, runs a statement at 10:05 and, after the hole,
    /// one at 13:05, and disconnects at 13:06 (unless `disconnect` is false).
    fn open_across_the_hole(disconnect: bool, after: bool) -> Lab {
        let mut lab = Lab::new();
        line(
            &mut lab,
            "2026-11-16 10:00:00",
            "app",
            61,
            0,
            "CONNECT",
            ",0",
        );
        line(
            &mut lab,
            "2026-11-16 10:05:00",
            "app",
            61,
            610,
            "QUERY",
            "'SELECT 1',0",
        );
        if after {
            line(
                &mut lab,
                "2026-11-16 13:05:00",
                "app",
                61,
                611,
                "QUERY",
                "'SELECT 2',0",
            );
        }
        if disconnect {
            line(
                &mut lab,
                "2026-11-16 13:06:00",
                "app",
                61,
                0,
                "DISCONNECT",
                ",0",
            );
        }
        // Another client's short session after the hole, so the instance logs again.
        lab.mysql_session(
            "shop-prod",
            "reporting",
            "10.0.2.41",
            62,
            "2026-11-16 13:10:00",
            None,
        );
        lab
    }

    #[tokio::test]
    async fn db_silence_while_a_session_is_open() {
        let found = open_across_the_hole(true, true).findings(&CHECK).await;
        assert_eq!(subjects(&found), [("shop-prod".to_string(), 1)]);
        let f = &found[0];
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(
            f.summary,
            "no audit records from shop-prod for 180 min (2026-11-16T10:05:00Z to \
             2026-11-16T13:05:00Z) while 1 session(s) were open"
        );
        assert_eq!(f.evidence["kind"], "db-audit");
        assert_eq!(f.evidence["sessions"], json!(["shop-prod:61:1"]));
        assert_eq!(f.evidence["gap_minutes"], 180);
        let bounds = f.evidence["bounds"].as_array().unwrap();
        assert!(
            bounds[0]
                .as_str()
                .unwrap()
                .ends_with("rds/shop-prod/audit/server_audit.log#2")
                && bounds[1]
                    .as_str()
                    .unwrap()
                    .ends_with("rds/shop-prod/audit/server_audit.log#3"),
            "{bounds:?}"
        );
        assert_eq!(f.first_seen.as_deref(), Some("2026-11-16T10:05:00Z"));
        assert_eq!(f.last_seen.as_deref(), Some("2026-11-16T13:05:00Z"));
    }

    /// The gap runs from the last row before the silence to the first row after it, in
    /// db_events order (time, then file and line), down to the second: it is found
    /// minute by minute, and rows of the same second must still pick the right bound.
    #[tokio::test]
    async fn db_gap_bounds_are_the_rows_next_to_the_silence() {
        let mut lab = Lab::new();
        for (at, query_id, op, rest) in [
            ("2026-11-16 10:00:00", 0, "CONNECT", ",0"),
            ("2026-11-16 10:05:10", 610, "QUERY", "'SELECT 1',0"),
            ("2026-11-16 10:05:40", 611, "QUERY", "'SELECT 2',0"),
            ("2026-11-16 10:05:40", 612, "QUERY", "'SELECT 3',0"),
            ("2026-11-16 13:05:20", 613, "QUERY", "'SELECT 4',0"),
            ("2026-11-16 13:05:20", 614, "QUERY", "'SELECT 5',0"),
            ("2026-11-16 13:06:00", 0, "DISCONNECT", ",0"),
        ] {
            line(&mut lab, at, "app", 61, query_id, op, rest);
        }
        let found = lab.findings(&CHECK).await;
        assert_eq!(subjects(&found), [("shop-prod".to_string(), 1)]);
        let f = &found[0];
        assert_eq!(
            f.summary,
            "no audit records from shop-prod for 179 min (2026-11-16T10:05:40Z to \
             2026-11-16T13:05:20Z) while 1 session(s) were open"
        );
        let bounds: Vec<&str> = f.evidence["bounds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap().rsplit('/').next().unwrap())
            .collect();
        assert_eq!(bounds, ["server_audit.log#4", "server_audit.log#5"]);
    }

    #[tokio::test]
    async fn db_near_misses() {
        // A quiet night: sessions before and after, none open across.
        let mut quiet = Lab::new();
        quiet.mysql_session(
            "shop-prod",
            "app",
            "10.0.2.17",
            61,
            "2026-11-16 18:00:00",
            None,
        );
        quiet.mysql_session(
            "shop-prod",
            "app",
            "10.0.2.17",
            62,
            "2026-11-17 07:00:00",
            None,
        );
        assert_eq!(subjects(&quiet.findings(&CHECK).await), [], "quiet night");

        // The disconnect is the first row after the hole: still open across it.
        let found = open_across_the_hole(true, false).findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [("shop-prod".to_string(), 1)],
            "disconnect after the hole"
        );

        // No row of connection 61 after the hole: nothing shows it was still open.
        let found = open_across_the_hole(false, false).findings(&CHECK).await;
        assert_eq!(subjects(&found), [], "no row after the hole");

        // 180 minutes is within a 240-minute threshold.
        let mut lab = open_across_the_hole(true, true);
        lab.config.audit_gap_minutes = 240;
        assert_eq!(subjects(&lab.findings(&CHECK).await), [], "threshold 240");
    }

    /// The lab's federation makes eu-west-1 a region the evidence relies on; its file
    /// is delivered at 2026-11-16 00:00.
    fn federated() -> Lab {
        let mut lab = Lab::new();
        lab.federate(
            "alice.nguyen@example.com",
            &[("Username", "anguyen")],
            "2026-11-15 23:50:00",
            1,
        );
        lab
    }

    #[tokio::test]
    async fn cloudtrail_delivery_gaps() {
        let mut lab = federated();
        let next = lab.cloudtrail_file("eu-west-1", "2026-11-17 12:00:00", vec![]);
        // Never federated into: us-east-1 files days apart are not relied on.
        lab.cloudtrail_file("us-east-1", "2026-11-14 12:00:00", vec![]);
        lab.cloudtrail_file("us-east-1", "2026-11-19 12:00:00", vec![]);
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [("111122223333/eu-west-1".to_string(), 36)]
        );
        let f = &found[0];
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(
            f.summary,
            "no CloudTrail log file for account 111122223333 in eu-west-1 for 36 h \
             (2026-11-16T00:00:00Z to 2026-11-17T12:00:00Z)"
        );
        assert_eq!(f.evidence["kind"], "cloudtrail-delivery");
        assert_eq!(f.evidence["bounds"][1], next.rsplit('/').next().unwrap());

        // A file in between: two quiet spells of 20 h and 16 h.
        let mut lab = federated();
        lab.cloudtrail_file("eu-west-1", "2026-11-16 20:00:00", vec![]);
        lab.cloudtrail_file("eu-west-1", "2026-11-17 12:00:00", vec![]);
        assert_eq!(subjects(&lab.findings(&CHECK).await), [], "quiet spells");
    }

    #[tokio::test]
    async fn cloudtrail_integrity_failures() {
        let mut lab = Lab::new();
        let record = |id: &str| {
            json!({"eventVersion": "1.11", "eventTime": "2026-11-16T10:03:00Z",
                   "eventSource": "rds.amazonaws.com", "eventName": "ModifyDBInstance",
                   "awsRegion": "eu-west-1", "eventID": id, "eventType": "AwsApiCall",
                   "recipientAccountId": "111122223333",
                   "userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLEADMIN00001:it.admin@example.com",
                                    "accountId": "111122223333"},
                   "requestParameters": {"dBInstanceIdentifier": "shop-prod",
                                         "enableIAMDatabaseAuthentication": false},
                   "responseElements": null})
        };
        let kept = lab.cloudtrail_file("eu-west-1", "2026-11-16 10:05:00", vec![record("e-1")]);
        let changed = lab.cloudtrail_file("eu-west-1", "2026-11-16 10:10:00", vec![record("e-2")]);
        lab.cloudtrail_digest(
            "eu-west-1",
            "2026-11-16 11:01:31",
            &[&kept, &changed],
            &[&changed],
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [("111122223333/eu-west-1".to_string(), 1)]
        );
        let f = &found[0];
        assert_eq!(f.severity, Severity::High);
        assert_eq!(
            f.summary,
            "1 CloudTrail integrity check(s) failed for trail lab-trail of account 111122223333 \
             in eu-west-1 (altered)"
        );
        assert_eq!(f.evidence["kind"], "cloudtrail-integrity");
        let failed = f.evidence["failed_checks"][0].as_str().unwrap();
        assert!(
            failed.starts_with(&format!("altered log-file {changed}: ")),
            "{failed}"
        );

        // The same digest with true hashes: valid (and unsigned, which is no failure).
        let mut lab = Lab::new();
        let kept = lab.cloudtrail_file("eu-west-1", "2026-11-16 10:05:00", vec![record("e-1")]);
        lab.cloudtrail_digest("eu-west-1", "2026-11-16 11:01:31", &[&kept], &[]);
        assert_eq!(subjects(&lab.findings(&CHECK).await), [], "valid digest");
    }
}
