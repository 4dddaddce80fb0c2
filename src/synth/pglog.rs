//! Renders the week's PostgreSQL sessions (`ledger-prod`, RDS for PostgreSQL 15 with
//! pgaudit) as RDS stderr logs: prefix `%t:%r:%u@%d:[%p]:`, one file per hour
//! (`error/postgresql.log.YYYY-MM-DD-HH`). Line shapes are those of the real
//! PostgreSQL 15 + pgaudit logs in `fixtures/pg/` (recorded by `fixtures/pg/record.sh`):
//! IAM users authenticate through PAM, application accounts with scram-sha-256.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::rng::Rng;
use super::scenario::{BASTION_IP, at};

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

/// The server's process ids, carried from one rendered batch of sessions to the next.
#[derive(Debug, Clone)]
pub struct Pids {
    rng: Rng,
    pid: i64,
}

impl Pids {
    pub fn new() -> Self {
        Self::labelled("")
    }

    /// Pids whose gaps are drawn from a generator of their own for `label` (a seed).
    pub fn labelled(label: &str) -> Self {
        Pids {
            rng: Rng::for_label(&format!("pglog-ids{label}")),
            pid: 8_411,
        }
    }
}

impl Default for Pids {
    fn default() -> Self {
        Self::new()
    }
}

/// Every log file of the week: (file name, content), one per hour with lines.
pub fn render(sessions: &[PgSession]) -> Vec<(String, String)> {
    render_with(&mut Pids::new(), sessions)
}

/// The hourly log files of `sessions`, numbering processes on from `pids`.
pub fn render_with(pids: &mut Pids, sessions: &[PgSession]) -> Vec<(String, String)> {
    let Pids { rng, pid } = pids;
    let mut lines: Vec<(DateTime<Utc>, usize, usize, String)> = Vec::new();
    let mut ordered: Vec<&PgSession> = sessions.iter().collect();
    ordered.sort_by_key(|s| s.connect);
    for (si, s) in ordered.iter().enumerate() {
        *pid += rng.range(2, 40);
        let pid = *pid;
        let port = rng.range(40_000, 60_999);
        let remote = format!("{}({port})", s.host);
        let me = format!("{}@{}", s.user, s.database);
        // One prefixed line (`%t:%r:%u@%d:[%p]:`), kept with its time and session.
        let mut emit = |t: DateTime<Utc>, who: &str, level: &str, msg: String| {
            let n = lines.len();
            let line = format!(
                "{} UTC:{remote}:{who}:[{pid}]:{level}:  {msg}",
                t.format("%Y-%m-%d %H:%M:%S")
            );
            lines.push((t, si, n, line));
        };
        let t0 = s.connect;
        let received = format!("connection received: host={} port={port}", s.host);
        emit(t0, "[unknown]@[unknown]", "LOG", received);
        let (method, hba_line) = match s.login {
            PgLogin::Iam | PgLogin::IamRefused => ("pam", 13),
            PgLogin::Password => ("scram-sha-256", 15),
        };
        if s.login == PgLogin::IamRefused {
            let failed = format!("PAM authentication failed for user \"{}\"", s.user);
            emit(t0, &me, "FATAL", failed);
            let rule = format!(
                "Connection matched pg_hba.conf line {hba_line}: \"hostssl all +rds_iam all pam\""
            );
            emit(t0, &me, "DETAIL", rule);
            continue;
        }
        let authenticated = format!(
            "connection authenticated: identity=\"{}\" method={method} ({HBA}:{hba_line})",
            s.user
        );
        emit(t0, &me, "LOG", authenticated);
        let authorized = format!(
            "connection authorized: user={} database={} application_name={} SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)",
            s.user, s.database, s.application_name
        );
        emit(t0, &me, "LOG", authorized);
        for (i, st) in s.statements.iter().enumerate() {
            let object_type = if st.object.is_empty() { "" } else { "TABLE" };
            let audit = format!(
                "AUDIT: SESSION,{},1,{},{},{object_type},{},{},<not logged>",
                i + 1,
                st.class,
                st.command,
                st.object,
                csv_field(st.sql)
            );
            emit(t0 + Duration::seconds(st.after), &me, "LOG", audit);
        }
        let end = s.disconnect();
        let took = end - t0;
        let disconnection = format!(
            "disconnection: session time: {}:{:02}:{:02}.{:03} user={} database={} host={} port={port}",
            took.num_hours(),
            took.num_minutes() % 60,
            took.num_seconds() % 60,
            rng.range(0, 999),
            s.user,
            s.database,
            s.host
        );
        emit(end, &me, "LOG", disconnection);
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

/// The PostgreSQL instance's week: an IAM session corroborated by the bastion's address,
/// a password application account, a token PAM refused, and a login hours after the
/// person's federated session expired.
pub fn week() -> Vec<PgSession> {
    let pg = |user, host, connect: &str, login, disconnect_after| PgSession {
        user,
        host,
        database: "ledger",
        application_name: "psql",
        connect: at(connect),
        login,
        statements: Vec::new(),
        disconnect_after,
    };
    let read = |after, object, sql| PgStatement {
        after,
        class: "READ",
        command: "SELECT",
        object,
        sql,
    };
    let app = |connect: &str| PgSession {
        application_name: "ledger-nightly",
        statements: vec![
            read(
                2,
                "public.entries",
                "SELECT account_id, sum(amount_cents) FROM entries WHERE booked_on = current_date - 1 GROUP BY account_id",
            ),
            PgStatement {
                after: 9,
                class: "WRITE",
                command: "INSERT",
                object: "public.balances",
                sql: "INSERT INTO balances (account_id, day, amount_cents) SELECT account_id, current_date - 1, sum(amount_cents) FROM entries WHERE booked_on = current_date - 1 GROUP BY account_id",
            },
        ],
        ..pg("ledger_app", "10.0.3.30", connect, PgLogin::Password, 14)
    };
    vec![
        app("2026-11-17 02:00:03"),
        app("2026-11-18 02:00:04"),
        PgSession {
            statements: vec![read(
                12,
                "public.entries",
                "SELECT id, account_id, amount_cents FROM entries WHERE account_id = 1207 ORDER BY booked_on DESC LIMIT 20",
            )],
            ..pg(
                "ewalsh",
                "10.0.4.11",
                "2026-11-18 10:30:00",
                PgLogin::Iam,
                95,
            )
        },
        // Kevin's token names `KWright` (his tag), the database user is `kwright`: PAM
        // refuses it.
        pg(
            "kwright",
            "10.0.4.31",
            "2026-11-20 11:06:40",
            PgLogin::IamRefused,
            0,
        ),
        // Dave, 2½ minutes after his Wednesday session (F12) expired at 16:03:40: inside
        // the default 5-minute clock skew, outside with --skew 0.
        PgSession {
            statements: vec![read(
                20,
                "public.accounts",
                "SELECT count(*) FROM accounts WHERE closed_on IS NULL",
            )],
            ..pg(
                "dokafor",
                "10.0.1.52",
                "2026-11-18 16:06:10",
                PgLogin::Iam,
                61,
            )
        },
        pg(
            "bmartin",
            "10.0.1.34",
            "2026-11-19 09:30:00",
            PgLogin::IamRefused,
            0,
        ),
        PgSession {
            statements: vec![
                read(
                    8,
                    "public.accounts",
                    "SELECT id, name, iban FROM accounts WHERE id IN (1207, 3310)",
                ),
                read(
                    41,
                    "public.entries",
                    "SELECT * FROM entries WHERE account_id = 3310 AND booked_on >= '2026-11-01'",
                ),
            ],
            ..pg(
                "cdiaz",
                BASTION_IP,
                "2026-11-20 10:15:05",
                PgLogin::Iam,
                180,
            )
        },
        // Ivan, five hours after his Friday session (F20) expired at 16:52:47.
        PgSession {
            statements: vec![read(
                6,
                "public.accounts",
                "SELECT id, name, iban FROM accounts ORDER BY id",
            )],
            ..pg(
                "ipetrov",
                "10.0.4.18",
                "2026-11-20 21:52:47",
                PgLogin::Iam,
                40,
            )
        },
    ]
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
