//! MySQL-family audit logs (MariaDB Audit Plugin on RDS for MariaDB, AWS's fork on
//! RDS for MySQL, Aurora Advanced Auditing) → `db_events`.
//!
//! The line grammar lives in [`super::mysql_line`]; this module adds what a line
//! does not say by itself: which instance wrote it, the server's time zone, and
//! provenance. Statements are redacted before they are stored.

use std::io::BufRead;

use chrono_tz::Tz;

use super::db_events::{DbEvent, DbEventRows, FileContext};
use super::lines::{MAX_LINE_BYTES, read_line_capped, split_zero_fill};
use super::mysql_line::{AuditRecord, AuditTime, Dialect, parse_line};
use super::timefmt::{in_range, local_to_utc};
use super::{BATCH_ROWS, FileStats, Output, Reject, Sink, SourceError};

/// What a line cannot tell: the instance that wrote it and the server's zone.
pub struct Context<'a> {
    pub instance: &'a str,
    pub tz: Tz,
    pub source_uri: &'a str,
    /// `--mysql-dialect`: the writer when detection from the first line would be wrong.
    pub dialect: Option<Dialect>,
}

/// Reads an audit log line by line (bounded memory) and emits `db_events` batches.
/// Empty lines are ignored; unreadable ones become rejects with their line number.
pub fn parse(
    reader: impl BufRead,
    ctx: &Context<'_>,
    sink: &mut Sink<'_>,
) -> Result<FileStats, SourceError> {
    let mut stats = FileStats::default();
    let file = FileContext {
        instance: ctx.instance,
        engine: "mysql",
        source_uri: ctx.source_uri,
    };
    let mut rows = DbEventRows::default();
    // One file, one writer: the first line decides (TABLE rows of a MariaDB file and
    // QUERY rows of an RDS for MySQL file differ in width, not in origin).
    let mut file_dialect = ctx.dialect;
    let mut reader = reader;
    let mut line = Vec::with_capacity(1024);
    let mut number = 0i64;
    loop {
        line.clear();
        let (length, too_long) = match read_line_capped(&mut reader, &mut line, MAX_LINE_BYTES) {
            Ok((0, _)) => break,
            Ok(read) => read,
            // A truncated or corrupt (gzip) file: keep what was read, record where it broke.
            Err(e) => {
                stats.records += 1;
                let reason = format!("file unreadable from line {} on: {e}", number + 1);
                stats.rejects.push(Reject::new(number + 1, reason, ""));
                break;
            }
        };
        number += 1;
        let mut text = trim_eol(&line);
        if too_long {
            stats.records += 1;
            let reason = format!(
                "line of {length} bytes is longer than the {} MiB limit: not read",
                MAX_LINE_BYTES >> 20
            );
            // Redacted whole before the excerpt is cut: a secret may run past the cut.
            stats
                .rejects
                .push(Reject::new(number, reason, &String::from_utf8_lossy(text)));
            continue;
        }
        if let Some((reason, rest)) = split_zero_fill(text) {
            stats.records += 1;
            stats.rejects.push(Reject::new(number, reason, ""));
            text = rest;
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        stats.records += 1;
        let parsed = parse_line(text).map_err(|e| e.to_string()).and_then(|rec| {
            let time = match rec.time {
                AuditTime::Local(t) => local_to_utc(t, ctx.tz)
                    .ok_or_else(|| format!("local time {t} does not exist in zone {}", ctx.tz))?,
                AuditTime::EpochMicros(us) => us,
            };
            Ok((rec, in_range(time)?))
        });
        match parsed {
            Ok((rec, time)) => {
                let dialect = *file_dialect.get_or_insert(rec.dialect);
                rows.push(&file, &event(&rec, dialect, time, number));
                stats.kept += 1;
            }
            Err(reason) => {
                stats
                    .rejects
                    .push(Reject::new(number, reason, &String::from_utf8_lossy(text)))
            }
        }
        if rows.len() >= BATCH_ROWS {
            sink(Output::DbEvents, rows.finish()?)?;
        }
    }
    if !rows.is_empty() {
        sink(Output::DbEvents, rows.finish()?)?;
    }
    Ok(stats)
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// MariaDB ≥ 12.0 writes `host:port`. An IPv6 address has several colons and no
/// port, so only a single colon followed by a port number splits.
fn split_host_port(host: &str) -> (&str, Option<i32>) {
    match host.split_once(':') {
        Some((h, p)) if !p.contains(':') => match p.parse::<u16>() {
            Ok(port) => (h, Some(i32::from(port))),
            Err(_) => (host, None),
        },
        _ => (host, None),
    }
}

fn event<'a>(rec: &'a AuditRecord<'_>, dialect: Dialect, time: i64, line: i64) -> DbEvent<'a> {
    let is_query = rec.operation.starts_with("QUERY");
    // COM_CHANGE_USER re-authenticates the connection as another user: from there on
    // it is that user's session, so it opens a new one (same connection id).
    let connects = matches!(rec.operation, "CONNECT" | "FAILED_CONNECT" | "CHANGEUSER");
    let (host, port) = split_host_port(rec.host);
    DbEvent {
        event_time: time,
        server_host: Some(rec.server_host),
        db_user: Some(rec.user),
        client_host: Some(host),
        client_port: port,
        connection_id: Some(rec.connection_id),
        opens_session: connects,
        query_id: Some(rec.query_id),
        operation: rec.operation,
        database: Some(rec.database),
        // TABLE rows name a table; PROXY_CONNECT and the like name a user.
        object: (!is_query).then_some(&*rec.object),
        statement: is_query.then_some(&*rec.object),
        statement_truncated: rec.truncated,
        not_utf8: rec.not_utf8,
        return_code: rec.retcode,
        ssl: rec.connection_type.map(|t| t.eq_ignore_ascii_case("SSL")),
        connection_type: rec.connection_type,
        dialect: dialect.name(),
        source_offset: line,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json_value;
    use serde_json::json;

    fn rows(log: &str, tz: Tz) -> (FileStats, Vec<serde_json::Value>) {
        rows_as(log, tz, None)
    }

    fn rows_as(log: &str, tz: Tz, dialect: Option<Dialect>) -> (FileStats, Vec<serde_json::Value>) {
        let ctx = Context {
            instance: "shop-prod",
            tz,
            source_uri: "/logs/server_audit.log",
            dialect,
        };
        let mut batches = Vec::new();
        let stats = parse(log.as_bytes(), &ctx, &mut |_, b| {
            batches.push(b);
            Ok(())
        })
        .unwrap();
        let cols = [
            "event_time",
            "db_user",
            "operation",
            "database",
            "object",
            "statement",
            "return_code",
            "connection_type",
            "dialect",
            "source_offset",
        ];
        let out = batches
            .iter()
            .flat_map(|b| {
                (0..b.num_rows())
                    .map(|r| {
                        let obj: serde_json::Map<String, serde_json::Value> = cols
                            .iter()
                            .map(|c| {
                                (
                                    c.to_string(),
                                    json_value(b.column_by_name(c).unwrap().as_ref(), r),
                                )
                            })
                            .collect();
                        serde_json::Value::Object(obj)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        (stats, out)
    }

    #[test]
    fn rows_carry_instance_zone_and_redacted_statements() {
        let log = "20261116 04:07:05,ip-10-22-1-51,app,10.0.3.17,821,0,CONNECT,shop,,0,TCP/IP\r\n\
                   \n\
                   20261116 04:07:06,ip-10-22-1-51,app,10.0.3.17,821,12,QUERY,shop,'SET PASSWORD = PASSWORD(\\'hunter2\\')',0,,\n\
                   20261116 04:07:07,vm,app,10.0.3.17,821,13,READ,shop,customers,\n";
        let (stats, rows) = rows(log, chrono_tz::America::New_York);
        assert_eq!((stats.records, stats.kept, stats.rejects.len()), (3, 3, 0));
        assert_eq!(
            rows,
            vec![
                json!({"event_time": "2026-11-16T09:07:05Z", "db_user": "app", "operation": "CONNECT", "database": "shop",
                       "object": null, "statement": null, "return_code": 0, "connection_type": "TCP/IP",
                       "dialect": "rds-mysql", "source_offset": 1}),
                json!({"event_time": "2026-11-16T09:07:06Z", "db_user": "app", "operation": "QUERY", "database": "shop",
                       "object": null, "statement": "SET PASSWORD = PASSWORD(<redacted>)", "return_code": 0,
                       "connection_type": null, "dialect": "rds-mysql", "source_offset": 3}),
                json!({"event_time": "2026-11-16T09:07:07Z", "db_user": "app", "operation": "READ", "database": "shop",
                       "object": "customers", "statement": null, "return_code": null, "connection_type": null,
                       "dialect": "rds-mysql", "source_offset": 4}),
            ]
        );
    }

    #[test]
    fn the_first_line_fixes_the_dialect_of_the_file_unless_overridden() {
        // RDS for MariaDB: 10 fields everywhere. An Aurora file read with the override
        // keeps its label even on a line that looks like another writer's.
        let log = "20261116 04:07:07,vm,app,10.0.3.17,821,13,READ,shop,customers,\n\
                   20261116 04:07:07,vm,app,10.0.3.17,821,13,QUERY,shop,'SELECT 1',0,,\n";
        let dialects = |d| -> Vec<_> {
            rows_as(log, chrono_tz::UTC, d)
                .1
                .iter()
                .map(|r| r["dialect"].clone())
                .collect()
        };
        assert_eq!(dialects(None), vec![json!("mariadb"), json!("mariadb")]);
        assert_eq!(
            dialects(Some(Dialect::Aurora)),
            vec![json!("aurora"), json!("aurora")]
        );
    }

    /// Regression: a 17 MiB line (a damaged log; a few KiB of gzip) was held whole in
    /// memory. It is rejected with its length, the lines around it are read, and the
    /// password in it stays out of the excerpt.
    #[test]
    fn a_line_over_the_limit_is_rejected_and_its_neighbours_read() {
        let huge = format!(
            "20261116 04:07:06,vm,app,10.0.3.17,821,12,QUERY,shop,'CREATE USER x IDENTIFIED BY \\'pw-in-a-long-line\\' {}',0\n",
            "x".repeat(17 << 20)
        );
        let log = format!(
            "20261116 04:07:05,vm,app,10.0.3.17,821,0,CONNECT,shop,,0\n{huge}20261116 04:07:07,vm,app,10.0.3.17,821,0,DISCONNECT,shop,,0\n"
        );
        let (stats, rows) = rows(&log, chrono_tz::UTC);
        assert_eq!((stats.records, stats.kept), (3, 2));
        assert_eq!(rows.len(), 2);
        let reject = &stats.rejects[0];
        assert_eq!(reject.offset, 2);
        assert_eq!(
            reject.reason,
            format!(
                "line of {} bytes is longer than the 16 MiB limit: not read",
                huge.len()
            )
        );
        assert!(
            reject.excerpt.starts_with("20261116 04:07:06,vm,app"),
            "{}",
            reject.excerpt
        );
        assert!(
            !reject.excerpt.contains("pw-in-a-long-line"),
            "{}",
            reject.excerpt
        );
    }

    #[test]
    fn mariadb_12_host_port_is_split_but_ipv6_is_not() {
        assert_eq!(
            split_host_port("10.0.3.17:51234"),
            ("10.0.3.17", Some(51234))
        );
        assert_eq!(split_host_port("localhost"), ("localhost", None));
        assert_eq!(split_host_port("::1"), ("::1", None));
        assert_eq!(split_host_port("fe80::1:3306"), ("fe80::1:3306", None));
        assert_eq!(split_host_port("app:notaport"), ("app:notaport", None));
    }

    #[test]
    fn a_local_time_that_does_not_exist_is_rejected_not_guessed() {
        let log = "20260308 02:30:00,vm,app,10.0.3.17,1,0,CONNECT,shop,,0\n";
        let (stats, rows) = rows(log, chrono_tz::America::New_York);
        assert!(rows.is_empty());
        assert_eq!(stats.rejects.len(), 1);
        assert_eq!(stats.rejects[0].offset, 1);
        assert!(
            stats.rejects[0]
                .reason
                .contains("does not exist in zone America/New_York"),
            "{:?}",
            stats.rejects
        );
    }
}
