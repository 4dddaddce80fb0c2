//! MySQL-family audit logs (MariaDB Audit Plugin on RDS for MariaDB, AWS's fork on
//! RDS for MySQL, Aurora Advanced Auditing) → `db_events`.
//!
//! The line grammar lives in [`super::mysql_line`]; this module adds what a line
//! does not say by itself: which instance wrote it, the server's time zone, and
//! provenance. Statements are redacted before they are stored.

use std::io::BufRead;
use std::sync::{Arc, LazyLock};

use arrow::array::{
    ArrayRef, BooleanBuilder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use chrono_tz::Tz;

use super::mysql_line::{AuditRecord, AuditTime, Dialect, parse_line};
use super::redact::redact;
use super::timefmt::local_to_utc;
use super::ts_type;
use super::{BATCH_ROWS, FileStats, Output, Reject, Sink, SourceError};

/// Schema of `db_events`: one row per audit-log line, whatever the engine.
///
/// | column | type | meaning |
/// |---|---|---|
/// | instance | utf8 | RDS instance identifier (from `--instance` or the path `rds/<id>/…`) |
/// | engine | utf8 | `mysql` for the MySQL family |
/// | event_time | timestamp(us, UTC) | when the server logged the event, converted to UTC |
/// | server_host | utf8 | the server's host name as logged (not the instance id) |
/// | db_user | utf8 | database user; empty on some DISCONNECT rows |
/// | client_host | utf8 | client host or IP as logged |
/// | connection_id | int64 | server thread id; with the connect time it identifies a session |
/// | query_id | int64 | per-server statement counter; a QUERY row and its TABLE rows share it; 0 on connection rows |
/// | operation | utf8 | CONNECT, DISCONNECT, FAILED_CONNECT, CHANGEUSER, QUERY[_DDL/_DML/_DCL], READ, WRITE, CREATE, ALTER, RENAME, DROP, … |
/// | database | utf8 | default database of the connection (schema of the table on TABLE rows); null when empty |
/// | object | utf8 | table name on TABLE rows (`READ`, `WRITE`, …); null otherwise |
/// | statement | utf8 | the SQL text of query rows, unescaped, secrets replaced by `<redacted>` |
/// | statement_truncated | boolean | the server cut the statement (log limit hit mid-character) |
/// | return_code | int32 | MySQL error number (0 = success, 1045 = access denied…); null on TABLE rows |
/// | connection_type | utf8 | RDS for MySQL only: SOCKET, TCP/IP, SSL… on connection rows |
/// | dialect | utf8 | which writer produced the line: `mariadb`, `rds-mysql`, `aurora` |
/// | source_uri | utf8 | the log file |
/// | source_offset | int64 | 1-based line number in that file |
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        let i = |n: &str| Field::new(n, DataType::Int64, true);
        Arc::new(Schema::new(vec![
            Field::new("instance", DataType::Utf8, false),
            Field::new("engine", DataType::Utf8, false),
            Field::new("event_time", ts_type(), false),
            s("server_host"),
            s("db_user"),
            s("client_host"),
            i("connection_id"),
            i("query_id"),
            Field::new("operation", DataType::Utf8, false),
            s("database"),
            s("object"),
            s("statement"),
            Field::new("statement_truncated", DataType::Boolean, false),
            Field::new("return_code", DataType::Int32, true),
            s("connection_type"),
            Field::new("dialect", DataType::Utf8, false),
            Field::new("source_uri", DataType::Utf8, false),
            Field::new("source_offset", DataType::Int64, false),
        ]))
    });
    SCHEMA.clone()
}

/// TABLE-event operations: their `object` is a table name, not a statement.
const TABLE_OPERATIONS: [&str; 6] = ["READ", "WRITE", "CREATE", "ALTER", "RENAME", "DROP"];

/// What a line cannot tell: the instance that wrote it and the server's zone.
pub struct Context<'a> {
    pub instance: &'a str,
    pub tz: Tz,
    pub source_uri: &'a str,
}

/// Reads an audit log line by line (bounded memory) and emits `db_events` batches.
/// Empty lines are ignored; unreadable ones become rejects with their line number.
pub fn parse(
    reader: impl BufRead,
    ctx: &Context<'_>,
    sink: &mut Sink<'_>,
) -> Result<FileStats, SourceError> {
    let mut stats = FileStats::default();
    let mut rows = Rows::default();
    let mut reader = reader;
    let mut line = Vec::with_capacity(1024);
    let mut number = 0i64;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            // A truncated or corrupt (gzip) file: keep what was read, record where it broke.
            Err(e) => {
                stats.records += 1;
                let reason = format!("file unreadable from line {} on: {e}", number + 1);
                stats.rejects.push(Reject::new(number + 1, reason, ""));
                break;
            }
        }
        number += 1;
        let text = trim_eol(&line);
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
            Ok((rec, time))
        });
        match parsed {
            Ok((rec, time)) => {
                rows.push(&rec, time, ctx, number);
                stats.kept += 1;
            }
            Err(reason) => {
                stats
                    .rejects
                    .push(Reject::new(number, reason, &String::from_utf8_lossy(text)))
            }
        }
        if rows.n >= BATCH_ROWS {
            sink(Output::DbEvents, rows.finish()?)?;
        }
    }
    if rows.n > 0 {
        sink(Output::DbEvents, rows.finish()?)?;
    }
    Ok(stats)
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::MariaDb => "mariadb",
        Dialect::RdsMysql => "rds-mysql",
        Dialect::Aurora => "aurora",
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

#[derive(Default)]
struct Rows {
    n: usize,
    instance: StringBuilder,
    engine: StringBuilder,
    time: TimestampMicrosecondBuilder,
    server_host: StringBuilder,
    user: StringBuilder,
    host: StringBuilder,
    connection_id: Int64Builder,
    query_id: Int64Builder,
    operation: StringBuilder,
    database: StringBuilder,
    object: StringBuilder,
    statement: StringBuilder,
    truncated: BooleanBuilder,
    retcode: Int32Builder,
    connection_type: StringBuilder,
    dialect: StringBuilder,
    source_uri: StringBuilder,
    offset: Int64Builder,
}

impl Rows {
    fn push(&mut self, rec: &AuditRecord, time: i64, ctx: &Context<'_>, line: i64) {
        let is_table = TABLE_OPERATIONS.contains(&rec.operation.as_str());
        let is_query = rec.operation.starts_with("QUERY");
        self.instance.append_value(ctx.instance);
        self.engine.append_value("mysql");
        self.time.append_value(time);
        self.server_host.append_option(non_empty(&rec.server_host));
        self.user.append_value(&rec.user);
        self.host.append_option(non_empty(&rec.host));
        self.connection_id.append_value(rec.connection_id);
        self.query_id.append_value(rec.query_id);
        self.operation.append_value(&rec.operation);
        self.database.append_option(non_empty(&rec.database));
        self.object.append_option(
            (!is_query)
                .then(|| non_empty(&rec.object))
                .flatten()
                .map(|o| {
                    // PROXY_CONNECT objects name a user, never a secret, but stay uniform.
                    if is_table {
                        o.to_string()
                    } else {
                        redact(o).into_owned()
                    }
                }),
        );
        self.statement
            .append_option(is_query.then(|| redact(&rec.object)));
        self.truncated.append_value(rec.truncated);
        self.retcode.append_option(rec.retcode);
        self.connection_type
            .append_option(rec.connection_type.as_deref());
        self.dialect.append_value(dialect_name(rec.dialect));
        self.source_uri.append_value(ctx.source_uri);
        self.offset.append_value(line);
        self.n += 1;
    }

    fn finish(&mut self) -> Result<RecordBatch, SourceError> {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.instance.finish()),
            Arc::new(self.engine.finish()),
            Arc::new(std::mem::take(&mut self.time).with_timezone("UTC").finish()),
            Arc::new(self.server_host.finish()),
            Arc::new(self.user.finish()),
            Arc::new(self.host.finish()),
            Arc::new(self.connection_id.finish()),
            Arc::new(self.query_id.finish()),
            Arc::new(self.operation.finish()),
            Arc::new(self.database.finish()),
            Arc::new(self.object.finish()),
            Arc::new(self.statement.finish()),
            Arc::new(self.truncated.finish()),
            Arc::new(self.retcode.finish()),
            Arc::new(self.connection_type.finish()),
            Arc::new(self.dialect.finish()),
            Arc::new(self.source_uri.finish()),
            Arc::new(self.offset.finish()),
        ];
        self.n = 0;
        Ok(RecordBatch::try_new(schema(), cols)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json_value;
    use serde_json::json;

    fn rows(log: &str, tz: Tz) -> (FileStats, Vec<serde_json::Value>) {
        let ctx = Context {
            instance: "shop-prod",
            tz,
            source_uri: "/logs/server_audit.log",
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
                       "dialect": "mariadb", "source_offset": 4}),
            ]
        );
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
