//! Renders database sessions as MariaDB-audit-plugin (`server_audit`) log lines, in the
//! two builds RDS runs (see shared/research/db-audit-formats.md §a):
//!
//! * RDS for MariaDB — MariaDB's plugin: always 10 fields; with `TABLE` events each table a
//!   statement touches gets a `READ`/`WRITE` row (empty retcode) with the statement's query
//!   id, written before the `QUERY` row.
//! * RDS for MySQL 8.0 — `aws/audit-plugin-for-mysql`: connection rows carry an 11th field
//!   `connection_type` (`TCP/IP`, `SOCKET`); `QUERY` rows end `,<retcode>,,`; no TABLE rows.
//!
//! Connection ids are handed out in connect order and query ids in log order, both
//! increasing over the whole week of one server (with the gaps other threads leave).

use chrono::{DateTime, Duration, Utc};

use super::rng::Rng;
use super::scenario::{DbSession, Dialect, Instance, Login};

/// The plugin's `escape_string()`: the statement in single quotes, with `'`, `\`,
/// newline, tab, CR, backspace and form feed backslash-escaped, nothing else.
pub fn quote_statement(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 2);
    out.push('\'');
    for c in sql.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `YYYYMMDD HH:MM:SS` (RDS hosts run UTC).
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%d %H:%M:%S").to_string()
}

/// One session's step, in the order they happen.
#[derive(Debug, Clone, Copy)]
enum Step {
    Connect,
    Statement(usize),
    Disconnect,
}

/// One written line with the time it carries (for splitting rotated files).
#[derive(Debug, Clone)]
pub struct Line {
    pub time: DateTime<Utc>,
    pub text: String,
}

/// The server's counters, carried from one rendered batch of sessions to the next so a
/// log rendered hour by hour numbers connections and queries as one server would.
#[derive(Debug, Clone)]
pub struct ServerIds {
    rng: Rng,
    next_conn: u64,
    next_query: u64,
}

impl ServerIds {
    pub fn new(instance: Instance) -> Self {
        Self::labelled(instance, "")
    }

    /// Counters whose gaps are drawn from a generator of their own for `label` (a seed).
    pub fn labelled(instance: Instance, label: &str) -> Self {
        let (next_conn, next_query) = instance.first_ids();
        ServerIds {
            rng: Rng::for_label(&format!("audit-ids:{}{label}", instance.id())),
            next_conn,
            next_query,
        }
    }
}

/// Every audit line of `instance` for the week, in log order.
pub fn render(instance: Instance, sessions: &[DbSession]) -> Vec<Line> {
    render_with(&mut ServerIds::new(instance), instance, sessions)
}

/// The audit lines of `instance` for `sessions`, numbering on from `ids`.
pub fn render_with(ids: &mut ServerIds, instance: Instance, sessions: &[DbSession]) -> Vec<Line> {
    let mut mine: Vec<&DbSession> = sessions.iter().filter(|s| s.instance == instance).collect();
    mine.sort_by_key(|s| s.connect);

    let ServerIds {
        rng,
        next_conn,
        next_query,
    } = ids;
    let mut conn_ids = Vec::with_capacity(mine.len());
    for _ in &mine {
        conn_ids.push(*next_conn);
        *next_conn += rng.range(1, 6) as u64;
    }

    // (time, session order, step order) keeps each session's steps in order and
    // interleaves sessions by time, as the server writes them.
    let mut steps: Vec<(DateTime<Utc>, usize, usize, Step)> = Vec::new();
    for (si, s) in mine.iter().enumerate() {
        steps.push((s.connect, si, 0, Step::Connect));
        for (i, st) in s.statements.iter().enumerate() {
            steps.push((
                s.connect + Duration::seconds(st.after),
                si,
                i + 1,
                Step::Statement(i),
            ));
        }
        steps.push((s.disconnect(), si, usize::MAX, Step::Disconnect));
    }
    steps.sort_by_key(|&(t, si, order, _)| (t, si, order));

    let dialect = instance.dialect();
    let mut lines = Vec::new();
    for (time, si, _, step) in steps {
        let s = mine[si];
        let head = format!(
            "{},{},{},{},{}",
            timestamp(time),
            instance.serverhost(),
            s.user,
            s.host,
            conn_ids[si]
        );
        let conn_type = if s.host == "localhost" {
            "SOCKET"
        } else {
            "TCP/IP"
        };
        // Connection rows: (operation, database, retcode).
        let conn_row = |op: &str, db: &str, code: u32| match dialect {
            Dialect::MariaDb => format!("{head},0,{op},{db},,{code}"),
            Dialect::RdsMysql => format!("{head},0,{op},{db},,{code},{conn_type}"),
        };
        let mut push = |text: String| lines.push(Line { time, text });
        match (step, s.login) {
            (Step::Connect, Login::Ok) => push(conn_row("CONNECT", s.database, 0)),
            // A refused login: FAILED_CONNECT then DISCONNECT, no database (§a.4).
            (Step::Connect, Login::Failed(code)) => {
                push(conn_row("FAILED_CONNECT", "", code));
                push(conn_row("DISCONNECT", "", 0));
            }
            (Step::Disconnect, Login::Ok) => push(conn_row("DISCONNECT", s.database, 0)),
            (Step::Disconnect, Login::Failed(_)) => {}
            (Step::Statement(i), _) => {
                let st = &s.statements[i];
                let qid = *next_query;
                *next_query += rng.range(1, 4) as u64;
                let sql = quote_statement(st.sql);
                match dialect {
                    Dialect::MariaDb => {
                        for t in &st.tables {
                            push(format!(
                                "{head},{qid},{},{},{},",
                                t.op.as_str(),
                                t.database,
                                t.table
                            ));
                        }
                        push(format!(
                            "{head},{qid},QUERY,{},{sql},{}",
                            s.database, st.retcode
                        ));
                    }
                    Dialect::RdsMysql => push(format!(
                        "{head},{qid},QUERY,{},{sql},{},,",
                        s.database, st.retcode
                    )),
                }
            }
        }
    }
    lines
}

/// Joins lines into file content (each line ends with `\n`).
pub fn to_file(lines: &[Line]) -> String {
    let mut out = String::new();
    for l in lines {
        out.push_str(&l.text);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_observed_mariadb_lines() {
        // db-audit-formats.md §a.7, observed on MariaDB 10.11.
        assert_eq!(
            quote_statement(
                "UPDATE customers SET note = 'line one\nline two, with comma\nline three \"dq\" and ''sq''' WHERE id = 1"
            ),
            r#"'UPDATE customers SET note = \'line one\nline two, with comma\nline three "dq" and \'\'sq\'\'\' WHERE id = 1'"#
        );
        assert_eq!(
            quote_statement("INSERT INTO t VALUES ('Tab\tChar', 'back\\\\slash')"),
            r"'INSERT INTO t VALUES (\'Tab\tChar\', \'back\\\\slash\')'"
        );
        assert_eq!(
            quote_statement("CREATE USER 'alice'@'%' IDENTIFIED BY *****"),
            r"'CREATE USER \'alice\'@\'%\' IDENTIFIED BY *****'"
        );
        assert_eq!(quote_statement("a\rb\u{8}c\u{c}"), r"'a\rb\bc\f'");
    }
}
