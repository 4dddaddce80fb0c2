//! `secret-in-log`: passwords and IAM tokens that reached a database log, reported
//! with where and when, never with the secret.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "secret-in-log",
    severity: Severity::Critical,
    title: "A password or IAM token was written to a database log",
    doc: r#"## What it finds
Database log entries that carried a secret: a password literal (`CREATE USER …
IDENTIFIED BY '…'`, `SET PASSWORD … = PASSWORD('…')`, PostgreSQL `ALTER ROLE … PASSWORD
'…'`), an RDS IAM auth token, or an AWS secret. tagtrail removes the secret while
ingesting and flags the entry (`db_events.redacted`, `secret_kind`); this check reports
every flagged entry, one finding per instance, database user and kind of secret, with
the instance, log file and line, database user, client and time of each. The secret
itself never reaches the lake, so it cannot appear in a finding.

Passwords the server masked itself (MariaDB `IDENTIFIED BY *****`) are not secrets and
are not reported.

## Why it matters
Audit logs are read by far more people and systems than the database: CloudWatch
Logs, the log bucket, the SIEM, support tickets. A password in a statement is a
credential handed to all of them, and stays there for the log's retention period.
`log_statement = 'ddl'` / `'all'` and pgaudit's ROLE class do not redact passwords;
MariaDB's audit plugin masks only some statement forms.

## Example
`admin` ran `ALTER ROLE app_legacy WITH LOGIN PASSWORD '…'` on `ledger-prod` with
pgaudit's ROLE class on: "1 password(s) written to the PostgreSQL log of ledger-prod by
statements of admin: anyone who can read the log has it; change it", evidence pointing
at `rds/ledger-prod/error/postgresql.log.2026-11-18-10` line 3.

## Remediation
Change every password that was logged (the statement as stored shows which account),
purge or restrict the copies of the log (CloudWatch log group, exports, SIEM), and set
passwords with client-side hashing instead of literals: PostgreSQL `\password` in psql
(sends a SCRAM verifier), MariaDB `IDENTIFIED BY PASSWORD '<hash>'` or
`IDENTIFIED VIA ed25519 USING PASSWORD(…)` from a session with auditing off.

## References
- src/sources/redact.rs (the patterns and kinds)
- https://github.com/pgaudit/pgaudit#pgauditlog (ROLE class)
- https://www.postgresql.org/docs/current/sql-alterrole.html (the password "will appear in cleartext in … the server log")
- https://mariadb.com/kb/en/mariadb-audit-plugin-log-settings/
"#,
    sql: include_str!("../../queries/checks/secret-in-log.sql"),
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::CHECK;
    use crate::checks::Severity;
    use crate::checks::testing::{Lab, subjects};

    const MARIADB_SECRET: &str = "Tr0ub4dor&3";
    const PG_SECRET: &str = "S3cr3t-Ledger!";

    /// `admin` connects to shop-prod and runs `statements` (as MariaDB's audit plugin
    /// writes them: quoted, inner quotes backslash-escaped).
    fn mariadb_admin(lab: &mut Lab, statements: &[&str]) {
        let line = |rest: String| format!("20261116 10:00:{rest}");
        lab.audit_line(
            "shop-prod",
            line("00,ip-10-20-1-34,admin,10.0.1.5,51,0,CONNECT,mysql,,0".into()),
        );
        for (i, s) in statements.iter().enumerate() {
            let quoted = s.replace('\'', "\\'");
            lab.audit_line(
                "shop-prod",
                line(format!(
                    "1{i},ip-10-20-1-34,admin,10.0.1.5,51,51{i},QUERY,mysql,'{quoted}',0"
                )),
            );
        }
        lab.audit_line(
            "shop-prod",
            line("30,ip-10-20-1-34,admin,10.0.1.5,51,0,DISCONNECT,mysql,,0".into()),
        );
    }

    #[tokio::test]
    async fn mariadb_passwords_in_statements() {
        let mut lab = Lab::new();
        mariadb_admin(
            &mut lab,
            &[
                &format!("CREATE USER 'app_ro'@'%' IDENTIFIED BY '{MARIADB_SECRET}'"),
                &format!("SET PASSWORD FOR 'app_ro'@'%' = PASSWORD('{MARIADB_SECRET}')"),
                "SELECT user, host FROM mysql.user",
            ],
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(subjects(&found), [("admin".to_string(), 2)]);
        let f = &found[0];
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(
            f.summary,
            "2 password(s) written to the MariaDB/MySQL audit log of shop-prod by statements of \
             admin: anyone who can read the log has it; change it"
        );
        let occurrences = &f.evidence["occurrences"];
        assert_eq!(
            occurrences[0],
            json!({
                "event_time": "2026-11-16T10:00:10Z",
                "source_uri": occurrences[0]["source_uri"],
                "source_offset": 2,
                "db_user": "admin",
                "client_host": "10.0.1.5",
                "connection_id": 51,
                "operation": "QUERY",
                "redacted_text": "CREATE USER 'app_ro'@'%' IDENTIFIED BY <redacted>"
            })
        );
        assert!(
            occurrences[0]["source_uri"]
                .as_str()
                .unwrap()
                .ends_with("rds/shop-prod/audit/server_audit.log"),
            "{occurrences}"
        );
        assert_eq!(occurrences[1]["event_time"], "2026-11-16T10:00:11Z");
        assert_eq!(occurrences[1]["source_offset"], 3);
        let text = serde_json::to_string(&found).unwrap();
        assert!(!text.contains(MARIADB_SECRET), "{text}");
        assert!(!text.contains("Tr0ub4dor"), "{text}");
    }

    /// The plugin masked the password itself, and statements that only mention
    /// passwords carry none.
    #[tokio::test]
    async fn server_masks_and_innocent_statements_are_no_finding() {
        let mut lab = Lab::new();
        mariadb_admin(
            &mut lab,
            &[
                "CREATE USER 'alice'@'%' IDENTIFIED BY *****",
                "SELECT password_hint FROM customers WHERE id = 1",
                "ALTER USER 'app_ro'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'",
            ],
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }

    #[tokio::test]
    async fn postgres_alter_role_password_in_pgaudit() {
        let mut lab = Lab::new();
        let log = format!(
            "2026-11-18 10:30:00 UTC:10.0.4.20(50412):[unknown]@[unknown]:[9120]:LOG:  connection received: host=10.0.4.20 port=50412
2026-11-18 10:30:00 UTC:10.0.4.20(50412):admin@ledger:[9120]:LOG:  connection authorized: user=admin database=ledger application_name=psql SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)
2026-11-18 10:30:07 UTC:10.0.4.20(50412):admin@ledger:[9120]:LOG:  AUDIT: SESSION,1,1,ROLE,ALTER ROLE,,,ALTER ROLE app_legacy WITH LOGIN PASSWORD '{PG_SECRET}',<not logged>
2026-11-18 10:30:20 UTC:10.0.4.20(50412):admin@ledger:[9120]:LOG:  disconnection: session time: 0:00:20.117 user=admin database=ledger host=10.0.4.20 port=50412
"
        );
        lab.file("rds/ledger-prod/error/postgresql.log.2026-11-18-10", &log);
        let found = lab.findings(&CHECK).await;
        assert_eq!(subjects(&found), [("admin".to_string(), 1)]);
        let f = &found[0];
        assert_eq!(
            f.summary,
            "1 password(s) written to the PostgreSQL log of ledger-prod by statements of admin: \
             anyone who can read the log has it; change it"
        );
        assert_eq!(f.evidence["instance"], "ledger-prod");
        assert_eq!(f.evidence["secret_kind"], "password");
        let o = &f.evidence["occurrences"][0];
        assert_eq!(o["event_time"], "2026-11-18T10:30:07Z");
        assert_eq!(o["source_offset"], 3);
        assert_eq!(o["client_host"], "10.0.4.20");
        assert_eq!(o["connection_id"], 9120);
        assert_eq!(
            o["redacted_text"],
            "ALTER ROLE app_legacy WITH LOGIN PASSWORD <redacted>"
        );
        assert_eq!(f.first_seen.as_deref(), Some("2026-11-18T10:30:07Z"));
        let text = serde_json::to_string(&found).unwrap();
        assert!(!text.contains(PG_SECRET), "{text}");
    }
}
