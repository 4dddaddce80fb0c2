//! The names RDS and CloudWatch give database log files, and the instance a path names.
//!
//! Content decides the format ([`super::detect::sniff`]); names decide which objects
//! under an S3 prefix are worth downloading, and which instance wrote a file when its
//! lines do not say (the MySQL audit `serverhost` is a host name, not the instance).

use std::path::Path;

/// What a file name says a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogName {
    /// `server_audit.log` and its rotations `.1`…`.9` or `.01`…`.99` (the width follows
    /// the rotation count, db-audit-formats.md §a.5): RDS for MySQL and MariaDB.
    ServerAudit,
    /// Aurora MySQL Advanced Auditing: `audit.log.<stripe>.<YYYY-MM-DD-HH-MM>.<seq>`
    /// (§b), e.g. `audit.log.2.2026-11-16-04-35.1`.
    AuroraAudit,
    /// RDS PostgreSQL `postgresql.log.YYYY-MM-DD-HH[MM]`, `.csv` for csvlog (§d.1).
    Postgres { csv: bool },
    /// A chunk of a CloudWatch Logs export: `<prefix>/<taskId>/<stream>/000000.gz`
    /// (§d.3); the content says which format it holds.
    CloudWatchExport,
}

/// Classifies a path or S3 key by its last segments; a trailing `.gz` (a compressed
/// copy) is allowed on every RDS name.
pub fn classify(path: &str) -> Option<LogName> {
    if export_stream(path).is_some() {
        return Some(LogName::CloudWatchExport);
    }
    let name = path.rsplit('/').next().unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(name);
    if let Some(rest) = name.strip_prefix("server_audit.log") {
        let rotation = rest.strip_prefix('.').unwrap_or("x");
        return (rest.is_empty() || is_digits(rotation, 1..=2)).then_some(LogName::ServerAudit);
    }
    if let Some(rest) = name.strip_prefix("audit.log.") {
        let parts: Vec<&str> = rest.split('.').collect();
        let aurora = matches!(parts.as_slice(), [stripe, stamp, seq]
            if is_digits(stripe, 1..=2) && is_digits(seq, 1..=4) && is_stamp(stamp, 5));
        return aurora.then_some(LogName::AuroraAudit);
    }
    if let Some(rest) = name.strip_prefix("postgresql.log.") {
        let (stamp, csv) = match rest.strip_suffix(".csv") {
            Some(s) => (s, true),
            None => (rest, false),
        };
        let hourly = is_stamp(stamp, 4);
        // `%Y-%m-%d-%H%M` (log_filename with minutes) puts hour and minute together.
        let minutes =
            stamp.len() == 15 && is_stamp(&stamp[..13], 4) && is_digits(&stamp[13..], 2..=2);
        return (hourly || minutes).then_some(LogName::Postgres { csv });
    }
    None
}

/// The log stream of a CloudWatch export chunk `…/<taskId>/<stream>/<NNNNNN>.gz`
/// (the task id is the UUID `CreateExportTask` returns, boto/boto3#2246).
pub fn export_stream(path: &str) -> Option<&str> {
    let mut segs = path.rsplit('/');
    let chunk = segs.next()?;
    let stream = segs.next()?;
    let task = segs.next()?;
    let chunk_ok = chunk
        .strip_suffix(".gz")
        .is_some_and(|n| is_digits(n, 6..=6));
    (chunk_ok && is_uuid(task) && !stream.is_empty()).then_some(stream)
}

/// The instance a CloudWatch log stream belongs to. RDS instance groups name the stream
/// after the instance (`rds-dbinstance-1`); Aurora PostgreSQL cluster groups add a
/// `.<n>` per log file (`prod-aurora-inst-1.0`, fecgov/openFEC#4640; `<name>-0.0`…
/// `-0.3`, darold/pgbadger#654). Instance identifiers never contain a dot.
pub fn stream_instance(stream: &str) -> &str {
    match stream.rsplit_once('.') {
        Some((id, n)) if !id.is_empty() && is_digits(n, 1..=4) => id,
        _ => stream,
    }
}

/// The RDS instance named by a path or key, most explicit first:
/// `…/rds/instance/<id>/…` (the CloudWatch group form), `…/rds/<id>/…` (tagtrail's
/// folder convention), then the stream of a CloudWatch export. A cluster
/// (`…/rds/cluster/<name>/…`) is not an instance: its instances reuse each other's
/// connection ids, so only its export streams name the instance.
pub fn instance_from_path(path: &Path) -> Option<String> {
    let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    // The id must be a directory, not the file itself.
    let dir = |i: usize| {
        parts
            .get(i)
            .copied()
            .filter(|id| i + 1 < parts.len() && !id.is_empty())
    };
    let mut from_rds = None;
    for (i, p) in parts.iter().enumerate() {
        if *p != "rds" {
            continue;
        }
        match parts.get(i + 1).copied() {
            Some("instance") => {
                if let Some(id) = dir(i + 2) {
                    return Some(id.to_string());
                }
            }
            Some("cluster") => {}
            _ => from_rds = from_rds.or(dir(i + 1)),
        }
    }
    if let Some(id) = from_rds {
        return Some(id.to_string());
    }
    let text = parts.join("/");
    export_stream(&text).map(|s| stream_instance(s).to_string())
}

fn is_digits(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY-MM-DD-HH` (`parts` = 4) or `YYYY-MM-DD-HH-MM` (5).
fn is_stamp(s: &str, parts: usize) -> bool {
    let p: Vec<&str> = s.split('-').collect();
    p.len() == parts && is_digits(p[0], 4..=4) && p[1..].iter().all(|x| is_digits(x, 2..=2))
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: &str = "4f15b84a-1adb-492a-820c-c0cedcaf1933";

    #[test]
    fn classifies_rds_and_cloudwatch_names() {
        let export = format!("exportedlogs/{TASK}/shop-prod/000000.gz");
        let export2 = format!("x/{TASK}/prod-aurora-inst-1.0/000001.gz");
        let cases: Vec<(&str, Option<LogName>)> = vec![
            ("audit/server_audit.log", Some(LogName::ServerAudit)),
            (
                "rds/db1/audit/server_audit.log.1",
                Some(LogName::ServerAudit),
            ),
            ("server_audit.log.01", Some(LogName::ServerAudit)),
            ("server_audit.log.9.gz", Some(LogName::ServerAudit)),
            ("server_audit.log.gz", Some(LogName::ServerAudit)),
            ("server_audit.log.bak", None),
            ("server_audit.log.123", None),
            (
                "audit/audit.log.2.2026-11-16-04-35.1",
                Some(LogName::AuroraAudit),
            ),
            (
                "audit.log.0.2024-01-04-08-30.0.gz",
                Some(LogName::AuroraAudit),
            ),
            ("audit.log.0.2024-01-04.0", None),
            ("audit.log", None),
            (
                "error/postgresql.log.2024-03-08-10",
                Some(LogName::Postgres { csv: false }),
            ),
            (
                "error/postgresql.log.2024-03-08-10.csv",
                Some(LogName::Postgres { csv: true }),
            ),
            (
                "postgresql.log.2024-03-08-1030.gz",
                Some(LogName::Postgres { csv: false }),
            ),
            ("postgresql.log.2024-03-08", None),
            (&export, Some(LogName::CloudWatchExport)),
            (&export2, Some(LogName::CloudWatchExport)),
            ("exportedlogs/not-a-task/shop-prod/000000.gz", None),
            ("exportedlogs/aws-logs-write-test", None),
            (
                "AWSLogs/1/CloudTrail/eu-west-1/2026/11/16/x_CloudTrail_y.json.gz",
                None,
            ),
        ];
        for (p, want) in cases {
            assert_eq!(classify(p), want, "{p}");
        }
    }

    #[test]
    fn instance_from_paths() {
        let cases: Vec<(String, Option<&str>)> = vec![
            (
                "fixtures/demo/rds/shop-prod/audit/server_audit.log".into(),
                Some("shop-prod"),
            ),
            (
                "/exports/aws/rds/instance/billing-prod/audit/000000.gz".into(),
                Some("billing-prod"),
            ),
            (
                "/aws/rds/instance/pg-1/postgresql/postgresql.log.2024-03-08-10".into(),
                Some("pg-1"),
            ),
            ("/logs/rds/db1/server_audit.log.1".into(), Some("db1")),
            (
                "/logs/rds/db1/error/postgresql.log.2024-03-08-10.csv".into(),
                Some("db1"),
            ),
            ("/logs/server_audit.log".into(), None),
            ("/logs/rds".into(), None),
            ("/logs/rds/server_audit.log".into(), None),
            // CloudWatch export to S3: the stream names the instance.
            (
                format!("exportedlogs/{TASK}/shop-prod/000000.gz"),
                Some("shop-prod"),
            ),
            (
                format!("x/{TASK}/prod-aurora-inst-1.0/000003.gz"),
                Some("prod-aurora-inst-1"),
            ),
            (
                format!("aws/rds/cluster/shop/audit/{TASK}/shop-instance-1/000000.gz"),
                Some("shop-instance-1"),
            ),
            // The group form names the instance even when the stream is something else.
            (
                format!("aws/rds/instance/shop-prod/audit/{TASK}/shop-prod/000000.gz"),
                Some("shop-prod"),
            ),
            // A cluster alone does not name an instance.
            (
                "/aws/rds/cluster/shop/audit/audit.log.2.2026-11-16-04-35.1".into(),
                None,
            ),
            (
                "rds/cluster/shop/audit.log.2.2026-11-16-04-35.1".into(),
                None,
            ),
            (
                "/evidence/rds/aurora-1/audit/audit.log.2.2026-11-16-04-35.1".into(),
                Some("aurora-1"),
            ),
        ];
        for (p, want) in cases {
            assert_eq!(instance_from_path(Path::new(&p)).as_deref(), want, "{p}");
        }
    }

    #[test]
    fn stream_names_map_to_instances() {
        for (stream, id) in [
            ("rds-dbinstance-1", "rds-dbinstance-1"),
            ("prod-aurora-inst-1.0", "prod-aurora-inst-1"),
            ("name-0.3", "name-0"),
            ("db.x", "db.x"),
        ] {
            assert_eq!(stream_instance(stream), id);
        }
    }
}
