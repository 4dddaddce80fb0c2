//! The live queries. Each returns the accounts sorted by name, or why it could not
//! (connection refused, access denied, timeout) as text for the caller to prefix with
//! the redacted URL.

use std::time::Duration;

use mysql_async::prelude::Queryable;

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
    tokio::time::timeout(TIMEOUT, work)
        .await
        .map_err(|_| format!("no answer within {} s", TIMEOUT.as_secs()))?
}

async fn mysql(target: &Target) -> Result<Vec<DbUser>, String> {
    let mut url = target.url.clone();
    if url.scheme() == "mariadb" {
        url.set_scheme("mysql")
            .map_err(|()| "cannot read the URL as mysql://".to_string())?;
    }
    let opts = mysql_async::Opts::from_url(url.as_str()).map_err(|e| format!("bad URL: {e}"))?;
    let mut conn = mysql_async::Conn::new(opts)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
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

async fn postgres(target: &Target) -> Result<Vec<DbUser>, String> {
    let (client, connection) = tokio_postgres::connect(target.url.as_str(), tokio_postgres::NoTls)
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
