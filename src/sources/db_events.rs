//! `db_events`: one row per database audit or connection log entry, whatever the engine.
//!
//! The MySQL family and PostgreSQL log different things in different shapes; both land
//! in this one table so that sessions, attribution and checks are written once. Columns
//! an engine does not have stay null. Every text that can carry SQL passes through
//! [`redact_with_kind`] here, in one place, so no parser can forget it.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use super::columns::{Cell, RowBuilder};
use super::redact::{SecretKind, redact_with_kind};
use super::{ts_type, words};

/// Schema of `db_events`.
///
/// | column | type | meaning |
/// |---|---|---|
/// | instance | utf8 | RDS instance identifier: `--instance`, else the path (`…/rds/instance/<id>/…`, `rds/<id>/…`), else the CloudWatch export stream |
/// | engine | utf8 | `mysql` (MySQL family) or `postgres` |
/// | event_time | timestamp(us, UTC) | when the server logged the entry, converted to UTC |
/// | server_host | utf8 | MySQL: the server's host name as logged (not the instance id) |
/// | db_user | utf8 | database user; null when the line has none (`[unknown]`, some DISCONNECT rows) |
/// | client_host | utf8 | client host or IP as logged (`[local]` for a PostgreSQL socket) |
/// | client_port | int32 | client TCP port when logged (PostgreSQL `%r`, MariaDB ≥ 12 `host:port`) |
/// | connection_id | int64 | MySQL thread id or PostgreSQL backend pid; with the session's first event time it identifies a session |
/// | session_id | utf8 | PostgreSQL csvlog `session_id` (`<hex start>.<hex pid>`); null elsewhere |
/// | opens_session | boolean | this entry starts a new session for its connection id (MySQL CONNECT/FAILED_CONNECT/CHANGEUSER, PostgreSQL `connection received`) |
/// | query_id | int64 | MySQL query id (a QUERY row and its TABLE rows share it); pgaudit statement id |
/// | substatement_id | int64 | pgaudit substatement id |
/// | operation | utf8 | see below |
/// | audit_type | utf8 | pgaudit `SESSION` (one row per statement) or `OBJECT` (one per audited relation); both rows of a statement share `query_id` |
/// | command | utf8 | pgaudit command (`SELECT`, `ALTER ROLE`…) |
/// | database | utf8 | database (MySQL: default schema, or the table's schema on TABLE rows) |
/// | object_type | utf8 | pgaudit object type (`TABLE`, `VIEW`…) |
/// | object | utf8 | table (MySQL TABLE rows: `name`; pgaudit: `schema.name`) |
/// | statement | utf8 | SQL text, unescaped, secrets replaced by `<redacted>` |
/// | words | int64 | signature of the words of `statement` and `object` ([`super::words`]): a question about one table compares and searches only the rows whose signature holds the table's bits; 0 with neither; null in lakes written before tagtrail stored it |
/// | statement_truncated | boolean | the server cut the statement (log limit hit) |
/// | not_utf8 | boolean | the entry held bytes that are not UTF-8 (a latin1 client, a damaged file); they are U+FFFD here and the rest is kept (null in lakes written before tagtrail kept such text) |
/// | return_code | int32 | MySQL error number (0 = success, 1045 = access denied…) |
/// | sql_state | utf8 | PostgreSQL SQLSTATE (csvlog; `28P01` bad password, `28000` PAM/hba) |
/// | severity | utf8 | PostgreSQL severity (`LOG`, `ERROR`, `FATAL`…) |
/// | message | utf8 | PostgreSQL message (and DETAIL) of failures and errors, redacted |
/// | auth_method | utf8 | PostgreSQL `connection authenticated: … method=` (`pam` = IAM on RDS, `md5`, `scram-sha-256`…) |
/// | auth_identity | utf8 | PostgreSQL `identity="…"` the server authenticated |
/// | ssl | boolean | PostgreSQL `SSL enabled` on `connection authorized`; MySQL `connection_type = SSL` |
/// | connection_type | utf8 | RDS for MySQL connection rows: SOCKET, TCP/IP, SSL… |
/// | application_name | utf8 | PostgreSQL `application_name` when the client set one |
/// | redacted | boolean | tagtrail removed a secret from this row's statement or message |
/// | secret_kind | utf8 | which kind: `password`, `iam-token`, `aws-secret`, `oauth-token` |
/// | dialect | utf8 | the writer: `mariadb`, `rds-mysql`, `aurora`, `pg-stderr`, `pg-csvlog` |
/// | source_uri | utf8 | the log file or object |
/// | source_offset | int64 | 1-based line number in that file (first line of a multi-line entry) |
///
/// Operations. MySQL: `CONNECT`, `DISCONNECT`, `FAILED_CONNECT`, `CHANGEUSER`,
/// `QUERY[_DDL|_DML|_DCL]`, and the TABLE events `READ`, `WRITE`, `CREATE`, `ALTER`,
/// `RENAME`, `DROP`. PostgreSQL: `CONNECTION_RECEIVED`, `AUTHENTICATED`, `CONNECT`
/// (connection authorized), `FAILED_CONNECT`, `DISCONNECT`, `QUERY` (`log_statement`),
/// `ERROR` (with its statement), and pgaudit rows as `AUDIT_<CLASS>` (`AUDIT_READ`,
/// `AUDIT_WRITE`, `AUDIT_DDL`, `AUDIT_ROLE`, `AUDIT_FUNCTION`, `AUDIT_MISC`…).
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        let i = |n: &str| Field::new(n, DataType::Int64, true);
        let req = |n: &str, t: DataType| Field::new(n, t, false);
        Arc::new(Schema::new(vec![
            req("instance", DataType::Utf8),
            req("engine", DataType::Utf8),
            req("event_time", ts_type()),
            s("server_host"),
            s("db_user"),
            s("client_host"),
            Field::new("client_port", DataType::Int32, true),
            i("connection_id"),
            s("session_id"),
            req("opens_session", DataType::Boolean),
            i("query_id"),
            i("substatement_id"),
            req("operation", DataType::Utf8),
            s("audit_type"),
            s("command"),
            s("database"),
            s("object_type"),
            s("object"),
            s("statement"),
            i("words"),
            req("statement_truncated", DataType::Boolean),
            Field::new("not_utf8", DataType::Boolean, true),
            Field::new("return_code", DataType::Int32, true),
            s("sql_state"),
            s("severity"),
            s("message"),
            s("auth_method"),
            s("auth_identity"),
            Field::new("ssl", DataType::Boolean, true),
            s("connection_type"),
            s("application_name"),
            req("redacted", DataType::Boolean),
            s("secret_kind"),
            req("dialect", DataType::Utf8),
            req("source_uri", DataType::Utf8),
            req("source_offset", DataType::Int64),
        ]))
    });
    SCHEMA.clone()
}

/// One `db_events` row as a parser sees it: borrowed text, raw (unredacted) statement
/// and message. Fields left at their default become nulls (or `false`).
#[derive(Debug, Default, Clone)]
pub struct DbEvent<'a> {
    pub event_time: i64,
    pub server_host: Option<&'a str>,
    pub db_user: Option<&'a str>,
    pub client_host: Option<&'a str>,
    pub client_port: Option<i32>,
    pub connection_id: Option<i64>,
    pub session_id: Option<&'a str>,
    pub opens_session: bool,
    pub query_id: Option<i64>,
    pub substatement_id: Option<i64>,
    pub operation: &'a str,
    pub audit_type: Option<&'a str>,
    pub command: Option<&'a str>,
    pub database: Option<&'a str>,
    pub object_type: Option<&'a str>,
    pub object: Option<&'a str>,
    pub statement: Option<&'a str>,
    pub statement_truncated: bool,
    /// Some bytes were not UTF-8 and were replaced (see the schema).
    pub not_utf8: bool,
    pub return_code: Option<i32>,
    pub sql_state: Option<&'a str>,
    pub severity: Option<&'a str>,
    pub message: Option<&'a str>,
    pub auth_method: Option<&'a str>,
    pub auth_identity: Option<&'a str>,
    pub ssl: Option<bool>,
    pub connection_type: Option<&'a str>,
    pub application_name: Option<&'a str>,
    pub dialect: &'a str,
    pub source_offset: i64,
}

/// What is the same for every row of one file.
#[derive(Debug, Clone, Copy)]
pub struct FileContext<'a> {
    pub instance: &'a str,
    pub engine: &'a str,
    pub source_uri: &'a str,
}

/// Accumulates rows into batches of the [`schema`], redacting as it goes.
pub struct DbEventRows {
    rows: RowBuilder,
}

impl Default for DbEventRows {
    fn default() -> Self {
        DbEventRows {
            rows: RowBuilder::new(schema()),
        }
    }
}

impl DbEventRows {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn push(&mut self, file: &FileContext<'_>, ev: &DbEvent<'_>) {
        let (statement, k1) = clean(ev.statement);
        let (message, k2) = clean(ev.message);
        // Objects are names, but a malformed line can put anything there.
        let (object, k3) = clean(ev.object);
        let object = nz(object.as_deref());
        let kind = [k1, k2, k3].into_iter().flatten().min();
        self.rows.push(&[
            Cell::Str(Some(file.instance)),
            Cell::Str(Some(file.engine)),
            Cell::Time(Some(ev.event_time)),
            Cell::Str(nz(ev.server_host)),
            Cell::Str(nz(ev.db_user)),
            Cell::Str(nz(ev.client_host)),
            Cell::I32(ev.client_port),
            Cell::Int(ev.connection_id),
            Cell::Str(nz(ev.session_id)),
            Cell::Bool(Some(ev.opens_session)),
            Cell::Int(ev.query_id),
            Cell::Int(ev.substatement_id),
            Cell::Str(Some(ev.operation)),
            Cell::Str(nz(ev.audit_type)),
            Cell::Str(nz(ev.command)),
            Cell::Str(nz(ev.database)),
            Cell::Str(nz(ev.object_type)),
            Cell::Str(object),
            Cell::Str(statement.as_deref()),
            Cell::Int(Some(words::of_row(statement.as_deref(), object))),
            Cell::Bool(Some(ev.statement_truncated)),
            Cell::Bool(Some(ev.not_utf8)),
            Cell::I32(ev.return_code),
            Cell::Str(nz(ev.sql_state)),
            Cell::Str(nz(ev.severity)),
            Cell::Str(nz(message.as_deref())),
            Cell::Str(nz(ev.auth_method)),
            Cell::Str(nz(ev.auth_identity)),
            Cell::Bool(ev.ssl),
            Cell::Str(nz(ev.connection_type)),
            Cell::Str(nz(ev.application_name)),
            Cell::Bool(Some(kind.is_some())),
            Cell::Str(kind.map(SecretKind::name)),
            Cell::Str(Some(ev.dialect)),
            Cell::Str(Some(file.source_uri)),
            Cell::Int(Some(ev.source_offset)),
        ]);
    }

    pub fn finish(&mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        self.rows.finish()
    }
}

/// Empty text is stored as null: "not logged" and "logged empty" mean the same here.
fn nz(v: Option<&str>) -> Option<&str> {
    v.filter(|s| !s.is_empty())
}

fn clean(text: Option<&str>) -> (Option<Cow<'_, str>>, Option<SecretKind>) {
    match text {
        None => (None, None),
        Some(t) => {
            let (c, k) = redact_with_kind(t);
            (Some(c), k)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json_value;

    #[test]
    fn secrets_are_removed_and_flagged_with_their_kind() {
        let file = FileContext {
            instance: "db1",
            engine: "postgres",
            source_uri: "/x",
        };
        let mut rows = DbEventRows::default();
        rows.push(
            &file,
            &DbEvent {
                operation: "QUERY",
                statement: Some("ALTER ROLE bob PASSWORD 'hunter2'"),
                dialect: "pg-stderr",
                source_offset: 3,
                ..Default::default()
            },
        );
        rows.push(
            &file,
            &DbEvent {
                operation: "CONNECT",
                db_user: Some(""),
                dialect: "pg-stderr",
                source_offset: 4,
                ..Default::default()
            },
        );
        let batch = rows.finish().unwrap();
        let col =
            |name: &str, row: usize| json_value(batch.column_by_name(name).unwrap().as_ref(), row);
        assert_eq!(col("statement", 0), "ALTER ROLE bob PASSWORD <redacted>");
        assert_eq!(col("redacted", 0), true);
        assert_eq!(col("secret_kind", 0), "password");
        assert_eq!(col("redacted", 1), false);
        assert_eq!(col("secret_kind", 1), serde_json::Value::Null);
        assert_eq!(
            col("db_user", 1),
            serde_json::Value::Null,
            "empty text is null"
        );
        assert_eq!(col("opens_session", 1), false);
    }
}
