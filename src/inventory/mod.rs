//! `tagtrail inventory`: reads the database accounts of live servers and how each
//! authenticates, into `db_users` (origin `live`). The connection URL carries a
//! password; it is used to connect and nowhere else: rows, the manifest, messages and
//! `Debug` output name the server by the URL without it.

pub mod live;
pub mod tls;

use sha2::{Digest, Sha256};

use crate::ingest::{IngestError, Ingestor};
use crate::lake::Lake;
use crate::lake::manifest::FileKey;
use crate::sources::db_users::{DbUser, DbUserRows, Provenance};
use crate::sources::{Output, SourceKind};

/// Which query reads the accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// MySQL, MariaDB, Aurora MySQL: `mysql.user`.
    Mysql,
    /// PostgreSQL, Aurora PostgreSQL: login roles and `rds_iam` membership.
    Postgres,
}

/// A database to read accounts from.
#[derive(Clone)]
pub struct Target {
    url: url::Url,
    pub engine: Engine,
    /// From the URL's `sslmode` / `sslrootcert`, which the URL no longer carries.
    pub tls: tls::Tls,
    /// The RDS instance the rows are recorded under.
    pub instance: String,
    redacted: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("url", &self.redacted)
            .field("engine", &self.engine)
            .field("tls", &self.tls)
            .field("instance", &self.instance)
            .finish()
    }
}

impl Target {
    /// `mysql://` (`mariadb://`) or `postgres://` (`postgresql://`) with a host, and
    /// optionally `?sslmode=…&sslrootcert=…` (see [`tls`]).
    /// `instance`: the `--instance` flag; else the first label of an RDS endpoint
    /// (`shop-prod.abc.eu-west-1.rds.amazonaws.com` → `shop-prod`), else the host.
    /// Errors never quote the password.
    pub fn parse(text: &str, instance: Option<&str>) -> Result<Target, String> {
        let mut url = url::Url::parse(text).map_err(|e| {
            format!(
                "`{}` is not a URL ({e}); write mysql://USER:PASSWORD@HOST:PORT/ or postgres://USER:PASSWORD@HOST:PORT/DB",
                redact_text(text)
            )
        })?;
        let tls =
            tls::Tls::take_from(&mut url).map_err(|e| format!("{}: {e}", redact_url(&url)))?;
        let redacted = redact_url(&url);
        let engine = match url.scheme() {
            "mysql" | "mariadb" => Engine::Mysql,
            "postgres" | "postgresql" => Engine::Postgres,
            other => {
                return Err(format!(
                    "{redacted}: scheme `{other}` is not mysql://, mariadb://, postgres:// or postgresql://"
                ));
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("{redacted}: no host"))?;
        if url.username().is_empty() {
            return Err(format!(
                "{redacted}: no user (write USER:PASSWORD@ before the host)"
            ));
        }
        let instance = match instance {
            Some(i) => i.to_string(),
            None => instance_from_host(host),
        };
        Ok(Target {
            url,
            engine,
            tls,
            instance,
            redacted,
        })
    }

    /// The URL without its password: what the lake and every message call this server.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// The password, to remove it from driver messages.
    fn password(&self) -> Option<String> {
        self.url.password().map(percent_decode)
    }
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|&b| hex(b)),
            bytes.get(i + 2).and_then(|&b| hex(b)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn instance_from_host(host: &str) -> String {
    let rds = [".rds.amazonaws.com", ".rds.amazonaws.com.cn"];
    match host.split_once('.') {
        Some((first, _)) if rds.iter().any(|s| host.ends_with(s)) => first.to_string(),
        _ => host.to_string(),
    }
}

fn redact_url(url: &url::Url) -> String {
    let mut u = url.clone();
    if u.password().is_some() {
        // Only fails for URLs that cannot have credentials, which have no password.
        let _ = u.set_password(None);
    }
    u.to_string()
}

/// Text that did not parse as a URL: drop whatever sits between `:` and `@` after the
/// scheme, so a malformed URL's password is not echoed either.
fn redact_text(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &text[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:<redacted>{}", &text[..s + 3], &text[at..]),
                None => text.to_string(),
            }
        }
        _ => text.to_string(),
    }
}

/// What one server gave.
#[derive(Debug)]
pub struct Outcome {
    pub target: String,
    pub instance: String,
    pub result: Result<Vec<DbUser>, String>,
}

/// Queries every target, writes what was read to `db_users`, and records each target
/// (read, or why not) in the ingest manifest. One unreachable server does not stop the
/// others.
pub async fn run(lake: &Lake, targets: &[Target]) -> Result<Vec<Outcome>, IngestError> {
    let settings = crate::ingest::IngestOptions::local(Vec::new()).settings;
    let mut ingestor = Ingestor::new(lake, &settings)?;
    let mut outcomes = Vec::new();
    for target in targets {
        let observed_at = chrono::Utc::now().timestamp_micros();
        let result = live::read_users(target).await.map_err(|reason| {
            let reason = match target.password() {
                // Drivers do not quote passwords; this makes sure of it.
                Some(p) if !p.is_empty() => reason.replace(&p, "<redacted>"),
                _ => reason,
            };
            format!("{}: {reason}", target.redacted())
        });
        match &result {
            Ok(users) => {
                let prov = Provenance {
                    origin: "live",
                    source_uri: target.redacted(),
                    observed_at,
                };
                let mut rows = DbUserRows::default();
                let mut hash = Sha256::new();
                for (i, u) in users.iter().enumerate() {
                    rows.push(&prov, u, i as i64);
                    hash.update(format!("{u:?}\n"));
                }
                let key = FileKey {
                    source_uri: target.redacted().to_string(),
                    size: users.len() as i64,
                    sha256: hex::encode(hash.finalize()),
                    etag: None,
                };
                let batch = rows.finish().map_err(crate::lake::LakeError::from)?;
                ingestor.live(key, SourceKind::DbUsers, Output::DbUsers, batch)?;
            }
            Err(reason) => {
                let key = FileKey {
                    source_uri: target.redacted().to_string(),
                    size: 0,
                    sha256: String::new(),
                    etag: None,
                };
                ingestor.unreadable(target.redacted(), key, reason.clone());
            }
        }
        outcomes.push(Outcome {
            target: target.redacted().to_string(),
            instance: target.instance.clone(),
            result,
        });
    }
    ingestor.finish()?;
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password_everywhere() {
        let t = Target::parse(
            "mysql://admin:s3cr%40t@shop-prod.c9akciq32.eu-west-1.rds.amazonaws.com:3306/",
            None,
        )
        .unwrap();
        assert_eq!(t.engine, Engine::Mysql);
        assert_eq!(t.instance, "shop-prod");
        assert_eq!(
            t.redacted(),
            "mysql://admin@shop-prod.c9akciq32.eu-west-1.rds.amazonaws.com:3306/"
        );
        assert_eq!(t.password().as_deref(), Some("s3cr@t"));
        assert!(!format!("{t:?}").contains("s3cr"), "{t:?}");
        let pg = Target::parse("postgresql://app:pw@10.0.0.5/ledger", Some("ledger-prod")).unwrap();
        assert_eq!(
            (pg.engine, pg.instance.as_str()),
            (Engine::Postgres, "ledger-prod")
        );
        assert_eq!(
            Target::parse("postgres://app@db.internal/x", None)
                .unwrap()
                .instance,
            "db.internal"
        );
    }

    #[test]
    fn bad_urls_are_explained_without_the_password() {
        let e = Target::parse("redis://u:hunter2@h/", None).unwrap_err();
        assert_eq!(
            e,
            "redis://u@h/: scheme `redis` is not mysql://, mariadb://, postgres:// or postgresql://"
        );
        let e = Target::parse("mysql://u:hunter2@:99999/", None).unwrap_err();
        assert!(!e.contains("hunter2") && e.contains("<redacted>"), "{e}");
        let e = Target::parse("mysql://:hunter2@h/", None).unwrap_err();
        assert_eq!(
            e,
            "mysql://h/: no user (write USER:PASSWORD@ before the host)"
        );
    }
}
