//! Large database audit logs for benchmarks: a busy RDS for MariaDB instance's
//! `server_audit` files and a busy RDS for PostgreSQL instance's hourly stderr logs with
//! pgaudit, in the shapes real servers write (see shared/research/db-audit-formats.md
//! §a and §c and the lines the real servers wrote in tests/it).
//!
//! Sessions interleave as on a real server (several open at once), statements carry the
//! escaping traps (quotes, commas, double quotes, newlines), health checks and failed
//! logins are mixed in. Deterministic (labelled splitmix64) and written file by file, so
//! memory stays small whatever the size asked for.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};

use super::audit::quote_statement;
use super::rng::Rng;
use super::scenario::at;

/// Bytes per file: RDS rotates audit logs by size and PostgreSQL logs by the hour; a
/// busy instance's hour is about this big.
const FILE_BYTES: u64 = 128 << 20;
/// Sessions open at the same time.
const CONCURRENT: usize = 8;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LogSummary {
    pub files: u64,
    /// Physical lines written.
    pub lines: u64,
    /// Log entries (a multi-line PostgreSQL entry counts once).
    pub entries: u64,
    pub bytes: u64,
}

const USERS: [&str; 10] = [
    "app",
    "app",
    "app",
    "reporting",
    "dokafor",
    "gchen",
    "hsingh",
    "etl_loader",
    "mlopez",
    "app_legacy",
];

/// (statement, tables read, tables written): realistic application SQL with the
/// characters that break naive parsers.
const STATEMENTS: [(&str, &[&str], &[&str]); 8] = [
    (
        "SELECT id, email, name FROM customers WHERE id = 48213",
        &["customers"],
        &[],
    ),
    (
        "UPDATE orders SET status = 'shipped', note = 'left at door, \"blue\" gate' WHERE id = 99120",
        &[],
        &["orders"],
    ),
    (
        "INSERT INTO audit_trail (actor, action, payload) VALUES ('svc-checkout', 'charge', '{\"amount\": 129.90, \"currency\": \"EUR\", \"card\": \"visa\"}')",
        &[],
        &["audit_trail"],
    ),
    (
        "SELECT o.id, o.total, c.email\nFROM orders o\nJOIN customers c ON c.id = o.customer_id\nWHERE o.created_at >= '2026-11-01'\nORDER BY o.id DESC\nLIMIT 100",
        &["orders", "customers"],
        &[],
    ),
    (
        "SELECT sku, name, price, stock FROM products WHERE category IN ('garden', 'tools', 'kitchen') AND stock > 0 ORDER BY price",
        &["products"],
        &[],
    ),
    ("SELECT 1", &[], &[]),
    (
        "UPDATE customers SET note = 'O''Brien, Pat: call back after 5pm', updated_at = now() WHERE id = 7781",
        &[],
        &["customers"],
    ),
    (
        "WITH recent AS (SELECT customer_id, sum(total) AS spent FROM orders WHERE created_at > now() - interval 30 day GROUP BY customer_id) SELECT c.id, c.email, r.spent FROM recent r JOIN customers c ON c.id = r.customer_id WHERE r.spent > 1000 ORDER BY r.spent DESC",
        &["orders", "customers"],
        &[],
    ),
];

/// What every generated session is made of, whatever the engine.
struct Session {
    id: u64,
    user: &'static str,
    host: String,
    port: u16,
    failed: bool,
    health_check: bool,
    statements_left: usize,
}

/// Hands out sessions in the order a server would see them.
struct Sessions {
    rng: Rng,
    next_id: u64,
    open: Vec<Session>,
}

impl Sessions {
    fn new(label: &str, first_id: u64) -> Self {
        Sessions {
            rng: Rng::for_label(label),
            next_id: first_id,
            open: Vec::new(),
        }
    }

    fn new_session(&mut self) -> Session {
        let r = self.rng.range(0, 99);
        let health_check = r < 15;
        let failed = (15..17).contains(&r);
        self.next_id += self.rng.range(1, 4) as u64;
        let user = if health_check {
            "rdsadmin"
        } else {
            USERS[self.rng.range(0, USERS.len() as i64 - 1) as usize]
        };
        Session {
            id: self.next_id,
            user,
            host: if health_check {
                "localhost".to_string()
            } else {
                format!("10.0.{}.{}", self.rng.range(1, 4), self.rng.range(10, 250))
            },
            port: self.rng.range(32768, 60999) as u16,
            failed,
            health_check,
            statements_left: if health_check || failed {
                usize::from(health_check)
            } else {
                self.rng.range(2, 12) as usize
            },
        }
    }
}

/// One step of the interleaved workload.
enum Step {
    Connect(Session),
    Statement(usize, usize),
    Disconnect(Session),
}

impl Sessions {
    /// The next thing that happens on the server.
    fn step(&mut self) -> Step {
        if self.open.len() < CONCURRENT && self.rng.range(0, 3) == 0 || self.open.is_empty() {
            let s = self.new_session();
            return Step::Connect(s);
        }
        let i = self.rng.range(0, self.open.len() as i64 - 1) as usize;
        if self.open[i].statements_left == 0 {
            return Step::Disconnect(self.open.swap_remove(i));
        }
        self.open[i].statements_left -= 1;
        let st = if self.open[i].health_check {
            5
        } else {
            self.rng.range(0, STATEMENTS.len() as i64 - 1) as usize
        };
        Step::Statement(i, st)
    }
}

/// Files of `FILE_BYTES` or less, named by `name(n)`, until `target` bytes are written.
/// `step` appends what happens next on the server to the text and returns how many log
/// entries that was (a multi-line PostgreSQL entry is one).
fn write_files(
    target: u64,
    mut name: impl FnMut(u64) -> PathBuf,
    mut step: impl FnMut(&mut String) -> u64,
) -> std::io::Result<LogSummary> {
    let mut summary = LogSummary::default();
    let mut text = String::with_capacity(4096);
    while summary.bytes < target {
        let path = name(summary.files);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
        let budget = FILE_BYTES.min(target - summary.bytes);
        let mut written = 0u64;
        while written < budget {
            text.clear();
            summary.entries += step(&mut text);
            summary.lines += text.matches('\n').count() as u64;
            written += text.len() as u64;
            w.write_all(text.as_bytes())?;
        }
        w.flush()?;
        summary.bytes += written;
        summary.files += 1;
    }
    Ok(summary)
}

fn tick(rng: &mut Rng, t: &mut DateTime<Utc>) {
    if rng.range(0, 4) == 0 {
        *t += Duration::seconds(1);
    }
}

/// RDS for MariaDB `server_audit.log` files (10 fields, TABLE rows before their QUERY
/// row) of at least `target` bytes under `out/rds/shop-bench/audit/`.
pub fn mysql_audit(out: &Path, target: u64) -> std::io::Result<LogSummary> {
    let mut sessions = Sessions::new("dblogs:mysql", 20_000);
    let mut t = at("2026-11-16 00:00:00");
    let mut qid: u64 = 7_700_000;
    let dir = out.join("rds/shop-bench/audit");
    write_files(
        target,
        // Rotated names as RDS keeps them: the oldest has the highest number.
        |n| dir.join(format!("server_audit.log.{}", 1000 - n)),
        |line| {
            tick(&mut sessions.rng, &mut t);
            let ts = t.format("%Y%m%d %H:%M:%S");
            let head = |s: &Session| format!("{ts},ip-10-20-1-34,{},{},{}", s.user, s.host, s.id);
            match sessions.step() {
                Step::Connect(s) => {
                    if s.failed {
                        line.push_str(&format!("{},0,FAILED_CONNECT,,,1045\n", head(&s)));
                        line.push_str(&format!("{},0,DISCONNECT,,,0\n", head(&s)));
                    } else {
                        line.push_str(&format!("{},0,CONNECT,shop,,0\n", head(&s)));
                        sessions.open.push(s);
                    }
                }
                Step::Statement(i, st) => {
                    let s = &sessions.open[i];
                    let (sql, reads, writes) = STATEMENTS[st];
                    qid += sessions.rng.range(1, 4) as u64;
                    for table in reads {
                        line.push_str(&format!("{},{qid},READ,shop,{table},\n", head(s)));
                    }
                    for table in writes {
                        line.push_str(&format!("{},{qid},WRITE,shop,{table},\n", head(s)));
                    }
                    let db = if s.health_check { "mysql" } else { "shop" };
                    line.push_str(&format!(
                        "{},{qid},QUERY,{db},{},0\n",
                        head(s),
                        quote_statement(sql)
                    ));
                }
                Step::Disconnect(s) => {
                    let db = if s.health_check { "mysql" } else { "shop" };
                    line.push_str(&format!("{},0,DISCONNECT,{db},,0\n", head(&s)));
                }
            }
            // One audit line is one entry.
            line.matches('\n').count() as u64
        },
    )
}

/// pgaudit's CSV field quoting: quoted (with `"` doubled) only when the text holds
/// `,` `"` CR or LF (`append_valid_csv()` in pgaudit.c).
fn pgaudit_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// PostgreSQL's stderr continuation: every newline inside a message is followed by a TAB.
fn with_tabs(text: &str) -> String {
    text.replace('\n', "\n\t")
}

/// RDS for PostgreSQL hourly stderr logs (RDS prefix, connection logging, pgaudit with
/// `read,write,ddl,role`, multi-line statements) of at least `target` bytes under
/// `out/rds/pg-bench/error/`.
pub fn pgaudit(out: &Path, target: u64) -> std::io::Result<LogSummary> {
    let mut sessions = Sessions::new("dblogs:pg", 30_000);
    let start = at("2026-11-16 00:00:00");
    let mut t = start;
    let dir = out.join("rds/pg-bench/error");
    let mut stmt_ids: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    write_files(
        target,
        |n| {
            let hour = start + Duration::hours(n as i64);
            dir.join(format!("postgresql.log.{}", hour.format("%Y-%m-%d-%H")))
        },
        |text| {
            tick(&mut sessions.rng, &mut t);
            let ts = t.format("%Y-%m-%d %H:%M:%S UTC");
            let mut entries = 0u64;
            let mut entry =
                |text: &mut String, s: &Session, user: &str, db: &str, sev: &str, msg: &str| {
                    let remote = if s.health_check {
                        "[local]".to_string()
                    } else {
                        format!("{}({})", s.host, s.port)
                    };
                    text.push_str(&format!(
                        "{ts}:{remote}:{user}@{db}:[{}]:{sev}:  {}\n",
                        s.id,
                        with_tabs(msg)
                    ));
                    entries += 1;
                };
            match sessions.step() {
                Step::Connect(s) => {
                    let received = if s.health_check {
                        "connection received: host=[local]".to_string()
                    } else {
                        format!("connection received: host={} port={}", s.host, s.port)
                    };
                    entry(text, &s, "[unknown]", "[unknown]", "LOG", &received);
                    if s.failed {
                        entry(
                            text,
                            &s,
                            s.user,
                            "shop",
                            "FATAL",
                            &format!("password authentication failed for user \"{}\"", s.user),
                        );
                        entry(
                            text,
                            &s,
                            s.user,
                            "shop",
                            "DETAIL",
                            "Connection matched pg_hba.conf line 15: \"host all all 0.0.0.0/0 md5\"",
                        );
                    } else {
                        let iam = s.user != "app" && s.user != "rdsadmin";
                        let method = if iam { "pam" } else { "md5" };
                        entry(
                            text,
                            &s,
                            s.user,
                            "shop",
                            "LOG",
                            &format!(
                                "connection authenticated: identity=\"{}\" method={method} (/rdsdbdata/config/pg_hba.conf:{})",
                                s.user,
                                if iam { 13 } else { 15 }
                            ),
                        );
                        entry(
                            text,
                            &s,
                            s.user,
                            "shop",
                            "LOG",
                            &format!(
                                "connection authorized: user={} database=shop application_name=psql SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)",
                                s.user
                            ),
                        );
                        stmt_ids.insert(s.id, 0);
                        sessions.open.push(s);
                    }
                }
                Step::Statement(i, st) => {
                    let s = &sessions.open[i];
                    let (sql, reads, writes) = STATEMENTS[st];
                    let id = stmt_ids.entry(s.id).or_default();
                    *id += 1;
                    let (class, command) = if writes.is_empty() {
                        ("READ", "SELECT")
                    } else if sql.starts_with("INSERT") {
                        ("WRITE", "INSERT")
                    } else {
                        ("WRITE", "UPDATE")
                    };
                    let stmt = pgaudit_field(&format!("{sql};"));
                    entry(
                        text,
                        s,
                        s.user,
                        "shop",
                        "LOG",
                        &format!("AUDIT: SESSION,{id},1,{class},{command},,,{stmt},<none>"),
                    );
                    for table in reads.iter().chain(writes.iter()) {
                        entry(
                            text,
                            s,
                            s.user,
                            "shop",
                            "LOG",
                            &format!(
                                "AUDIT: OBJECT,{id},1,{class},{command},TABLE,public.{table},{stmt},<none>"
                            ),
                        );
                    }
                }
                Step::Disconnect(s) => {
                    stmt_ids.remove(&s.id);
                    entry(
                        text,
                        &s,
                        s.user,
                        "shop",
                        "LOG",
                        &format!(
                            "disconnection: session time: 0:00:{:02}.{:03} user={} database=shop host={} port={}",
                            sessions.rng.range(0, 59),
                            sessions.rng.range(0, 999),
                            s.user,
                            s.host,
                            s.port
                        ),
                    );
                }
            }
            entries
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::mysql_audit::{Context, parse};

    /// The benchmark input is only worth measuring if tagtrail reads every line of it.
    #[test]
    fn generated_mysql_audit_parses_without_rejects() {
        let dir = tempfile::tempdir().unwrap();
        let sum = mysql_audit(dir.path(), 300_000).unwrap();
        assert_eq!(sum.files, 1);
        assert!(sum.bytes >= 300_000 && sum.lines > 1000, "{sum:?}");
        let path = dir
            .path()
            .join("rds/shop-bench/audit/server_audit.log.1000");
        let ctx = Context {
            instance: "shop-bench",
            tz: chrono_tz::UTC,
            source_uri: "x",
            dialect: None,
        };
        let mut rows = 0;
        let stats = parse(
            std::io::BufReader::new(std::fs::File::open(path).unwrap()),
            &ctx,
            &mut |_, b| {
                rows += b.num_rows();
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(stats.rejects, vec![]);
        assert_eq!((stats.kept, rows as u64), (sum.entries, sum.entries));
    }

    /// Every generated PostgreSQL entry is read; DETAIL lines fold into their FATAL, so
    /// rows = entries - DETAIL lines.
    #[test]
    fn generated_pgaudit_log_parses_without_rejects() {
        use crate::sources::pg;
        let dir = tempfile::tempdir().unwrap();
        let sum = pgaudit(dir.path(), 300_000).unwrap();
        assert_eq!(sum.files, 1);
        let path = dir
            .path()
            .join("rds/pg-bench/error/postgresql.log.2026-11-16-00");
        let text = std::fs::read_to_string(&path).unwrap();
        let details = text.lines().filter(|l| l.contains(":DETAIL:  ")).count() as u64;
        assert!(
            details > 0 && text.contains("\n\t"),
            "the traps are in the input"
        );
        let ctx = pg::Context {
            instance: "pg-bench",
            tz: chrono_tz::UTC,
            source_uri: "x",
            format: pg::Format::Stderr(pg::LinePrefix::rds()),
        };
        let mut rows = 0;
        let stats = pg::parse(text.as_bytes(), &ctx, &mut |_, b| {
            rows += b.num_rows();
            Ok(())
        })
        .unwrap();
        assert_eq!(stats.rejects, vec![]);
        assert_eq!(rows as u64, sum.entries - details);
    }

    #[test]
    fn pgaudit_fields_are_quoted_only_when_needed_and_continuations_get_tabs() {
        assert_eq!(pgaudit_field("SELECT 1;"), "SELECT 1;");
        assert_eq!(pgaudit_field("SELECT a, b;"), "\"SELECT a, b;\"");
        assert_eq!(pgaudit_field("x = \"y\""), "\"x = \"\"y\"\"\"");
        assert_eq!(with_tabs("a\nb\nc"), "a\n\tb\n\tc");
    }
}
