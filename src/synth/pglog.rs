//! Renders the week's PostgreSQL sessions (`ledger-prod`, RDS for PostgreSQL 15 with
//! pgaudit) as RDS stderr logs: prefix `%t:%r:%u@%d:[%p]:`, one file per hour
//! (`error/postgresql.log.YYYY-MM-DD-HH`). Line shapes are those of the real
//! PostgreSQL 15 + pgaudit logs in `fixtures/pg/` (recorded by `fixtures/pg/record.sh`):
//! IAM users authenticate through PAM, application accounts with scram-sha-256.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::rng::Rng;

/// The RDS instance identifier.
pub const INSTANCE: &str = "ledger-prod";
/// Where RDS keeps pg_hba.conf; the line numbers are RDS's default rules.
const HBA: &str = "/rdsdbdata/config/pg_hba.conf";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgLogin {
    /// An IAM token, checked by PAM (`hostssl all +rds_iam all pam`).
    Iam,
    /// A password account (`md5`/`scram-sha-256`).
    Password,
    /// PAM refused the token (expired or signed for another user).
    IamRefused,
}

/// One pgaudit row: seconds after connect, class, command, object, statement.
#[derive(Debug, Clone)]
pub struct PgStatement {
    pub after: i64,
    pub class: &'static str,
    pub command: &'static str,
    /// `schema.table`, or empty when pgaudit names none.
    pub object: &'static str,
    pub sql: &'static str,
}

#[derive(Debug, Clone)]
pub struct PgSession {
    pub user: &'static str,
    pub host: &'static str,
    pub database: &'static str,
    pub application_name: &'static str,
    pub connect: DateTime<Utc>,
    pub login: PgLogin,
    pub statements: Vec<PgStatement>,
    pub disconnect_after: i64,
}

impl PgSession {
    pub fn disconnect(&self) -> DateTime<Utc> {
        self.connect + Duration::seconds(self.disconnect_after)
    }
}

/// pgaudit's CSV field: quoted only when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Every log file of the week: (file name, content), one per hour with lines.
pub fn render(sessions: &[PgSession]) -> Vec<(String, String)> {
    let mut rng = Rng::for_label("pglog-ids");
    let mut pid = 8_411_i64;
    let mut lines: Vec<(DateTime<Utc>, usize, usize, String)> = Vec::new();
    let mut ordered: Vec<&PgSession> = sessions.iter().collect();
    ordered.sort_by_key(|s| s.connect);
    for (si, s) in ordered.iter().enumerate() {
        pid += rng.range(2, 40);
        let port = rng.range(40_000, 60_999);
        let remote = format!("{}({port})", s.host);
        let at = |t: DateTime<Utc>, who: &str, level: &str, msg: String| {
            format!(
                "{} UTC:{remote}:{who}:[{pid}]:{level}:  {msg}",
                t.format("%Y-%m-%d %H:%M:%S")
            )
        };
        let me = format!("{}@{}", s.user, s.database);
        let t0 = s.connect;
        let mut push = |t: DateTime<Utc>, line: String| {
            let n = lines.len();
            lines.push((t, si, n, line));
        };
        push(
            t0,
            at(
                t0,
                "[unknown]@[unknown]",
                "LOG",
                format!("connection received: host={} port={port}", s.host),
            ),
        );
        let (method, hba_line) = match s.login {
            PgLogin::Iam | PgLogin::IamRefused => ("pam", 13),
            PgLogin::Password => ("scram-sha-256", 15),
        };
        if s.login == PgLogin::IamRefused {
            push(
                t0,
                at(
                    t0,
                    &me,
                    "FATAL",
                    format!("PAM authentication failed for user \"{}\"", s.user),
                ),
            );
            push(
                t0,
                at(
                    t0,
                    &me,
                    "DETAIL",
                    format!(
                        "Connection matched pg_hba.conf line {hba_line}: \"hostssl all +rds_iam all pam\""
                    ),
                ),
            );
            continue;
        }
        push(
            t0,
            at(
                t0,
                &me,
                "LOG",
                format!(
                    "connection authenticated: identity=\"{}\" method={method} ({HBA}:{hba_line})",
                    s.user
                ),
            ),
        );
        push(
            t0,
            at(
                t0,
                &me,
                "LOG",
                format!(
                    "connection authorized: user={} database={} application_name={} SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)",
                    s.user, s.database, s.application_name
                ),
            ),
        );
        for (i, st) in s.statements.iter().enumerate() {
            let t = t0 + Duration::seconds(st.after);
            let object_type = if st.object.is_empty() { "" } else { "TABLE" };
            push(
                t,
                at(
                    t,
                    &me,
                    "LOG",
                    format!(
                        "AUDIT: SESSION,{},1,{},{},{object_type},{},{},<not logged>",
                        i + 1,
                        st.class,
                        st.command,
                        st.object,
                        csv_field(st.sql)
                    ),
                ),
            );
        }
        let end = s.disconnect();
        let took = end - t0;
        push(
            end,
            at(
                end,
                &me,
                "LOG",
                format!(
                    "disconnection: session time: {}:{:02}:{:02}.{:03} user={} database={} host={} port={port}",
                    took.num_hours(),
                    took.num_minutes() % 60,
                    took.num_seconds() % 60,
                    rng.range(0, 999),
                    s.user,
                    s.database,
                    s.host
                ),
            ),
        );
    }
    lines.sort_by_key(|(t, si, n, _)| (*t, *si, *n));
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for (t, _, _, line) in lines {
        let name = format!("postgresql.log.{}", t.format("%Y-%m-%d-%H"));
        let file = files.entry(name).or_default();
        file.push_str(&line);
        file.push('\n');
    }
    files.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::scenario::at;

    #[test]
    fn an_iam_session_has_the_real_line_shapes() {
        let s = PgSession {
            user: "cdiaz",
            host: "10.0.1.47",
            database: "ledger",
            application_name: "psql",
            connect: at("2026-11-17 10:40:00"),
            login: PgLogin::Iam,
            statements: vec![PgStatement {
                after: 5,
                class: "READ",
                command: "SELECT",
                object: "public.entries",
                sql: "SELECT id, amount FROM entries WHERE id IN (1, 2)",
            }],
            disconnect_after: 65,
        };
        let files = render(&[s]);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "postgresql.log.2026-11-17-10");
        let lines: Vec<&str> = files[0].1.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(
            lines[0].starts_with("2026-11-17 10:40:00 UTC:10.0.1.47("),
            "{}",
            lines[0]
        );
        assert!(lines[1].contains(":cdiaz@ledger:[") && lines[1].ends_with(
            "LOG:  connection authenticated: identity=\"cdiaz\" method=pam (/rdsdbdata/config/pg_hba.conf:13)"
        ), "{}", lines[1]);
        assert!(lines[3].ends_with(
            "LOG:  AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.entries,\"SELECT id, amount FROM entries WHERE id IN (1, 2)\",<not logged>"
        ), "{}", lines[3]);
        assert!(
            lines[4].contains("disconnection: session time: 0:01:05."),
            "{}",
            lines[4]
        );
    }
}
