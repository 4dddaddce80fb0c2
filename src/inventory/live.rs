//! The live queries. Each returns the accounts sorted by name, or why it could not
//! (connection refused, access denied, timeout) as text for the caller to prefix with
//! the redacted URL.

use std::time::Duration;

use mysql_async::prelude::Queryable;

use super::tls::{SslMode, Tls};
use super::{Engine, Target};
use crate::sources::db_users::{DbUser, PG_IAM_ROLE};

/// Longest wait for one server (connect and query): a firewalled port must not hang
/// the command.
const TIMEOUT: Duration = Duration::from_secs(30);

/// MySQL family: every account with its authentication plugin.
pub const MYSQL_QUERY: &str = "SELECT user, host, plugin FROM mysql.user ORDER BY user, host";

/// PostgreSQL: login roles and whether RDS would authenticate them with IAM. RDS
/// matches `+rds_iam` in pg_hba, i.e. direct or inherited membership, superusers not
/// included; `pg_has_role(…, 'MEMBER')` counts a superuser as a member of every role,
/// so membership is walked through pg_auth_members instead. Without an `rds_iam` role
/// (not RDS) the walk is empty and nobody is an IAM user.
pub const PG_QUERY: &str = "\
WITH RECURSIVE iam(oid) AS (
  SELECT oid FROM pg_roles WHERE rolname = 'rds_iam'
  UNION
  SELECT m.member FROM pg_auth_members m JOIN iam ON m.roleid = iam.oid
)
SELECT r.rolname::text AS rolname,
       r.oid IN (SELECT oid FROM iam) AS rds_iam
FROM pg_roles r
WHERE r.rolcanlogin AND r.rolname <> 'rds_iam'
ORDER BY r.rolname";

pub async fn read_users(target: &Target) -> Result<Vec<DbUser>, String> {
    let work = async {
        match target.engine {
            Engine::Mysql => mysql(target).await,
            Engine::Postgres => postgres(target).await,
        }
    };
    let read = tokio::time::timeout(TIMEOUT, work)
        .await
        .map_err(|_| format!("no answer within {} s", TIMEOUT.as_secs()))?;
    read.map_err(|reason| match super::tls::hint(&reason) {
        Some(hint) => format!("{reason} ({hint})"),
        None => reason,
    })
}

async fn mysql(target: &Target) -> Result<Vec<DbUser>, String> {
    let mut url = target.url.clone();
    if url.scheme() == "mariadb" {
        url.set_scheme("mysql")
            .map_err(|()| "cannot read the URL as mysql://".to_string())?;
    }
    let opts = mysql_async::Opts::from_url(url.as_str()).map_err(|e| format!("bad URL: {e}"))?;
    // Stay on the TCP connection the URL names: switching to a local socket would
    // bypass TLS.
    let opts = mysql_async::OptsBuilder::from_opts(opts).prefer_socket(false);
    super::tls::install_default_provider();
    let conn = match mysql_ssl(&target.tls)? {
        None => mysql_async::Conn::new(opts).await,
        Some(ssl) => match mysql_async::Conn::new(opts.clone().ssl_opts(ssl)).await {
            // `prefer`: a server without TLS is spoken to in plain text, as libpq would.
            Err(mysql_async::Error::Driver(
                mysql_async::DriverError::NoClientSslFlagFromServer,
            )) if target.tls.mode == SslMode::Prefer => mysql_async::Conn::new(opts).await,
            other => other,
        },
    };
    let mut conn = conn.map_err(|e| format!("cannot connect: {e}"))?;
    let rows: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = conn
        .query(MYSQL_QUERY)
        .await
        .map_err(|e| format!("`{MYSQL_QUERY}` failed: {e}"))?;
    // A failed goodbye does not make the rows read less true.
    if let Err(e) = conn.disconnect().await {
        eprintln!(
            "tagtrail: warning: {}: disconnecting: {e}",
            target.redacted()
        );
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok(rows
        .iter()
        .map(|(user, host, plugin)| {
            DbUser::mysql(&target.instance, &text(user), &text(host), &text(plugin))
        })
        .collect())
}

/// mysql_async's TLS options for the mode; `None` for plain text.
fn mysql_ssl(tls: &Tls) -> Result<Option<mysql_async::SslOpts>, String> {
    if tls.mode == SslMode::Disable {
        return Ok(None);
    }
    // DER bytes; mysql_async reads PEM or DER.
    let roots: Vec<_> = tls
        .roots()?
        .into_iter()
        .map(|der| der.to_vec().into())
        .collect();
    Ok(Some(
        mysql_async::SslOpts::default()
            .with_disable_built_in_roots(!roots.is_empty())
            .with_root_certs(roots)
            .with_danger_accept_invalid_certs(!tls.mode.verifies())
            .with_danger_skip_domain_validation(tls.mode != SslMode::VerifyFull),
    ))
}

async fn postgres(target: &Target) -> Result<Vec<DbUser>, String> {
    let mut config: tokio_postgres::Config = target
        .url
        .as_str()
        .parse()
        .map_err(|e| format!("bad URL: {e}"))?;
    config.ssl_mode(match target.tls.mode {
        SslMode::Disable => tokio_postgres::config::SslMode::Disable,
        SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
        _ => tokio_postgres::config::SslMode::Require,
    });
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(target.tls.client_config()?);
    let (client, connection) = config
        .connect(tls)
        .await
        .map_err(|e| format!("cannot connect: {}", pg_error(&e)))?;
    let driver = tokio::spawn(connection);
    let rows = client.query(PG_QUERY, &[]).await.map_err(|e| {
        format!(
            "reading login roles and {PG_IAM_ROLE} membership failed: {}",
            pg_error(&e)
        )
    });
    drop(client);
    // The connection ends when the client is dropped; its result adds nothing.
    let _ = driver.await;
    rows?
        .iter()
        .map(|row| {
            let name: String = row.try_get(0).map_err(|e| e.to_string())?;
            let iam: bool = row.try_get(1).map_err(|e| e.to_string())?;
            Ok(DbUser::postgres(&target.instance, &name, iam))
        })
        .collect()
}

/// tokio-postgres says "db error" for server errors; the server's message is the useful part.
fn pg_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => match std::error::Error::source(e) {
            Some(src) => format!("{e}: {src}"),
            None => e.to_string(),
        },
    }
}
