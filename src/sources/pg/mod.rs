//! RDS / Aurora PostgreSQL logs (stderr with a `log_line_prefix`, or csvlog) → `db_events`.
//!
//! Both formats go through one pipeline: a reader turns the file into `Entry`s (a
//! message with its DETAIL and statement, and what the prefix or the CSV columns say
//! about the session), `message` recognises the connection, authentication, statement
//! and pgaudit messages, and `emit` turns them into rows. The two readers differ only
//! in how entries are framed, so the same event yields the same row from either file.

mod csvlog;
mod emit;
mod entries;
mod message;
mod pgaudit;
mod prefix;
mod time;

#[cfg(test)]
mod tests;

use std::io::BufRead;

use chrono_tz::Tz;

pub use prefix::{LinePrefix, PrefixError, PrefixedLine, RDS_PREFIX};

use super::{FileStats, Reject, Sink, SourceError};

/// What the log itself cannot tell.
pub struct Context<'a> {
    /// The RDS instance that wrote the file.
    pub instance: &'a str,
    /// `log_timezone`, needed only for zone abbreviations other than UTC/GMT.
    pub tz: Tz,
    pub source_uri: &'a str,
    pub format: Format<'a>,
}

/// How entries are framed in the file.
#[derive(Debug, Clone, Copy)]
pub enum Format<'a> {
    /// `log_destination=stderr`: one prefixed line per entry, TAB continuation lines.
    Stderr(&'a LinePrefix),
    /// `log_destination=csvlog`: one CSV record per entry (23, 24 or 26 columns).
    Csvlog,
}

impl Format<'_> {
    fn dialect(self) -> &'static str {
        match self {
            Format::Stderr(_) => "pg-stderr",
            Format::Csvlog => "pg-csvlog",
        }
    }
}

/// Reads a PostgreSQL log as a stream (memory bounded by the largest entry) and emits
/// `db_events` batches. Unreadable entries become rejects with their 1-based line
/// number; lines that are not PostgreSQL entries (curl/PAM debug output) are skipped.
pub fn parse(
    reader: impl BufRead,
    ctx: &Context<'_>,
    sink: &mut Sink<'_>,
) -> Result<FileStats, SourceError> {
    let mut emitter = emit::Emitter::new(ctx, sink);
    match ctx.format {
        Format::Stderr(prefix) => {
            entries::read_stderr(reader, prefix, ctx.tz, &mut |item| emitter.item(item))?;
            // Lines but not one entry: the server writes another prefix. Saying so beats
            // counting a whole file of evidence as skipped.
            if emitter.only_strays() {
                return Err(SourceError::NotPostgres(format!(
                    "no line starts with log_line_prefix `{}` (pass the server's --log-line-prefix)",
                    prefix.as_str()
                )));
            }
        }
        Format::Csvlog => csvlog::read_csvlog(reader, ctx.tz, &mut |item| emitter.item(item))?,
    }
    emitter.finish()
}

/// One log entry: the message, its DETAIL and failing statement, and the session facts
/// from the prefix (stderr) or the columns (csvlog). Unknown values are `None`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Entry {
    /// 1-based line of the entry's first line.
    line: i64,
    time: i64,
    user: Option<String>,
    database: Option<String>,
    client_host: Option<String>,
    client_port: Option<i32>,
    pid: Option<i64>,
    session_id: Option<String>,
    application_name: Option<String>,
    sql_state: Option<String>,
    severity: String,
    message: String,
    detail: Option<String>,
    /// The statement of an ERROR (stderr `STATEMENT:` line, csvlog `query`).
    statement: Option<String>,
    /// The entry was longer than `entries::MAX_ENTRY_BYTES` and was cut.
    truncated: bool,
    /// Some of its bytes were not UTF-8 (now U+FFFD); the rest is kept.
    not_utf8: bool,
}

/// What a reader hands on, in file order.
enum Item {
    Entry(Box<Entry>),
    /// A line that is neither an entry nor part of one (counted as skipped).
    Stray,
    Reject(Reject),
}

/// `[unknown]` is what PostgreSQL logs for user and database before authentication.
fn known(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.is_empty() && *s != "[unknown]")
        .map(str::to_string)
}

/// `host(port)` (stderr `%r`) or `host:port` (csvlog `connection_from`); `[local]` has no port.
fn split_remote(remote: &str, stderr: bool) -> (Option<String>, Option<i32>) {
    if remote.is_empty() {
        return (None, None);
    }
    let split = if stderr {
        remote.strip_suffix(')').and_then(|r| r.rsplit_once('('))
    } else {
        remote.rsplit_once(':')
    };
    match split.map(|(h, p)| (h, p.parse::<i32>())) {
        Some((host, Ok(port))) => (Some(host.to_string()), Some(port)),
        _ => (Some(remote.to_string()), None),
    }
}
