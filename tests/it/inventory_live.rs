//! `tagtrail inventory` against real servers: a MariaDB with an IAM account
//! (AWSAuthenticationPlugin) and a password account, a PostgreSQL 15 with rds_iam
//! members (direct and inherited) and a password role. The rows in `db_users` are
//! asserted exactly, and the connection password must appear nowhere: not in the
//! lake, not in the output.

use std::path::Path;

use arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Value, json};

use crate::mariadb_server;
use crate::pg_server;
use crate::support::{free_port, query, tagtrail_output, temp_lake};

const MDB_ADMIN_PW: &str = "Inv-Mdb-Secret-4711";
const PG_ADMIN_PW: &str = "Inv-Pg-Secret-0815";

/// Runs `tagtrail inventory`; returns (success, stdout + stderr).
fn inventory(lake: &Path, args: &[&str]) -> (bool, String) {
    let mut all = vec!["inventory"];
    all.extend_from_slice(args);
    let out = tagtrail_output(lake, &all);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Every decoded value of every Parquet file, and the raw bytes of every file, in the lake.
fn lake_text(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            lake_text(&path, out);
            continue;
        }
        out.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        if path.extension().is_some_and(|e| e == "parquet") {
            let reader =
                ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
                    .unwrap()
                    .build()
                    .unwrap();
            for batch in reader {
                for col in batch.unwrap().columns() {
                    let fmt =
                        ArrayFormatter::try_new(col.as_ref(), &FormatOptions::default()).unwrap();
                    for row in 0..col.len() {
                        out.push_str(&fmt.value(row).to_string());
                        out.push('\n');
                    }
                }
            }
        }
    }
}

fn assert_no_secret(lake: &Path, output: &str, secret: &str) {
    assert!(!output.contains(secret), "password in the output: {output}");
    let mut text = String::new();
    lake_text(lake, &mut text);
    assert!(!text.contains(secret), "password in the lake");
}

fn users(lake: &Path, instance: &str) -> Value {
    query(
        lake,
        &format!(
            "SELECT instance, engine, user_name, host, auth_plugin, iam, origin, source_uri \
             FROM db_users WHERE instance = '{instance}' \
               AND observed_at = (SELECT MAX(observed_at) FROM db_users WHERE instance = '{instance}') \
             ORDER BY user_name, host"
        ),
    )
}

#[test]
fn mariadb_accounts_with_their_plugins() {
    let server = mariadb_server::Server::start("UTC");
    server.root_sql(&format!(
        "CREATE USER 'inventory'@'127.0.0.1' IDENTIFIED BY '{MDB_ADMIN_PW}';
         GRANT SELECT ON mysql.* TO 'inventory'@'127.0.0.1';
         CREATE USER 'app'@'%' IDENTIFIED WITH mysql_native_password USING PASSWORD('App-Pw-1');
         CREATE USER 'anguyen'@'%' IDENTIFIED BY 'placeholder';"
    ));
    // MariaDB refuses CREATE USER … IDENTIFIED WITH a plugin it has not loaded, and
    // AWSAuthenticationPlugin exists only on RDS: the account's plugin is set in
    // mysql.global_priv's JSON (what CREATE USER would have stored) and reloaded.
    server.root_sql(
        "UPDATE mysql.global_priv
            SET priv = JSON_SET(priv, '$.plugin', 'AWSAuthenticationPlugin', '$.authentication_string', 'RDS')
          WHERE user = 'anguyen' AND host = '%';
         FLUSH PRIVILEGES;",
    );
    let lake = temp_lake();
    let url = format!(
        "mysql://inventory:{MDB_ADMIN_PW}@127.0.0.1:{}/",
        server.port
    );
    let (ok, output) = inventory(lake.path(), &[&url, "--instance", "shop-prod"]);
    assert!(ok, "{output}");
    assert_no_secret(lake.path(), &output, MDB_ADMIN_PW);
    let source = format!("mysql://inventory@127.0.0.1:{}/", server.port);
    let row = |user: &str, host: &str, plugin: &str, iam: bool| {
        json!({"instance": "shop-prod", "engine": "mysql", "user_name": user, "host": host,
               "auth_plugin": plugin, "iam": iam, "origin": "live", "source_uri": source})
    };
    let rows = users(lake.path(), "shop-prod");
    // The bootstrap's own accounts (root, mariadb.sys) are there too; ours exactly so.
    let ours: Vec<Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| ["anguyen", "app", "inventory"].contains(&r["user_name"].as_str().unwrap()))
        .cloned()
        .collect();
    assert_eq!(
        ours,
        vec![
            row("anguyen", "%", "AWSAuthenticationPlugin", true),
            row("app", "%", "mysql_native_password", false),
            row("inventory", "127.0.0.1", "mysql_native_password", false),
        ]
    );
    let root = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_name"] == "root" && r["host"] == "localhost")
        .expect("root@localhost is listed");
    // Bootstrapped with an empty plugin: built-in password authentication.
    assert_eq!(
        (&root["auth_plugin"], &root["iam"]),
        (&Value::Null, &json!(false))
    );
    assert!(output.contains("AWSAuthenticationPlugin"), "{output}");
    let manifest = query(
        lake.path(),
        "SELECT source_uri, kind, status, records FROM ingest_manifest",
    );
    assert_eq!(
        manifest,
        json!([{"source_uri": source, "kind": "db-users", "status": "ingested",
                "records": rows.as_array().unwrap().len()}])
    );
}

#[test]
fn postgres_login_roles_and_rds_iam_membership() {
    let server = pg_server::Server::start(PG_ADMIN_PW);
    let lake = temp_lake();
    let url = format!(
        "postgres://postgres:{PG_ADMIN_PW}@127.0.0.1:{}/postgres",
        server.port
    );
    let source = format!("postgres://postgres@127.0.0.1:{}/postgres", server.port);
    let row = |user: &str, plugin: &str, iam: bool| {
        json!({"instance": "ledger-prod", "engine": "postgres", "user_name": user, "host": null,
               "auth_plugin": plugin, "iam": iam, "origin": "live", "source_uri": source})
    };
    // No rds_iam role yet (not RDS): the query still works and nobody is an IAM user.
    let (ok, output) = inventory(lake.path(), &[&url, "--instance", "ledger-prod"]);
    assert!(ok, "{output}");
    assert_eq!(
        users(lake.path(), "ledger-prod"),
        json!([row("postgres", "password", false)])
    );
    server.admin(
        "postgres",
        &[
            "CREATE ROLE rds_iam",
            "CREATE ROLE alice LOGIN",
            "GRANT rds_iam TO alice",
            // Inherited membership counts, as in pg_hba's +rds_iam.
            "CREATE ROLE iam_team",
            "GRANT rds_iam TO iam_team",
            "CREATE ROLE bob LOGIN IN ROLE iam_team",
            "CREATE ROLE app LOGIN PASSWORD 'App-Pg-Pw-2'",
        ],
    );
    // Observations are a second apart at least, so "latest" is unambiguous.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (ok, output) = inventory(lake.path(), &[&url, "--instance", "ledger-prod"]);
    assert!(ok, "{output}");
    assert_eq!(
        users(lake.path(), "ledger-prod"),
        json!([
            row("alice", "rds_iam", true),
            row("app", "password", false),
            row("bob", "rds_iam", true),
            // A superuser is not an rds_iam member, even though pg_has_role says so.
            row("postgres", "password", false),
        ])
    );
    assert_no_secret(lake.path(), &output, PG_ADMIN_PW);
}

#[test]
fn unreachable_servers_and_bad_urls_fail_clearly_without_the_password() {
    let lake = temp_lake();
    let port = free_port();
    let secret = "Refused-Secret-9931";
    let (ok, output) = inventory(
        lake.path(),
        &[&format!("mysql://admin:{secret}@127.0.0.1:{port}/")],
    );
    assert!(!ok);
    assert!(
        output.contains(&format!(
            "tagtrail: error: cannot read database users (recorded as rejected in ingest_manifest): mysql://admin@127.0.0.1:{port}/: cannot connect:"
        )),
        "{output}"
    );
    let (ok, pg_output) = inventory(
        lake.path(),
        &[&format!("postgres://admin:{secret}@127.0.0.1:{port}/db")],
    );
    assert!(!ok);
    assert!(
        pg_output.contains(&format!(
            "postgres://admin@127.0.0.1:{port}/db: cannot connect:"
        )),
        "{pg_output}"
    );
    assert_eq!(
        query(
            lake.path(),
            "SELECT source_uri, status FROM ingest_manifest ORDER BY source_uri"
        ),
        json!([
            {"source_uri": format!("mysql://admin@127.0.0.1:{port}/"), "status": "rejected"},
            {"source_uri": format!("postgres://admin@127.0.0.1:{port}/db"), "status": "rejected"},
        ])
    );
    assert_no_secret(lake.path(), &format!("{output}{pg_output}"), secret);
    let (ok, output) = inventory(lake.path(), &[&format!("redis://admin:{secret}@h/")]);
    assert!(!ok);
    assert!(
        output.contains("URL: redis://admin@h/: scheme `redis` is not mysql://"),
        "{output}"
    );
    assert!(!output.contains(secret), "{output}");
    let (ok, output) = inventory(lake.path(), &["a", "b", "--instance", "x"]);
    assert!(!ok);
    assert!(
        output.contains("--instance: names one instance but 2 URLs"),
        "{output}"
    );
}

/// `tagtrail inventory URL`; the outcome and the output.
fn read_over(lake: &Path, url: &str, instance: &str) -> (bool, String) {
    inventory(lake, &[url, "--instance", instance])
}

#[test]
fn mariadb_over_tls_as_the_url_asks() {
    let server = mariadb_server::Server::start("UTC");
    // REQUIRE SSL: a plain-text login is refused however right the password.
    server.root_sql(&format!(
        "CREATE USER 'tls_reader'@'127.0.0.1' IDENTIFIED BY '{MDB_ADMIN_PW}' REQUIRE SSL;
         GRANT SELECT ON mysql.* TO 'tls_reader'@'127.0.0.1';"
    ));
    let lake = temp_lake();
    let base = format!(
        "mysql://tls_reader:{MDB_ADMIN_PW}@127.0.0.1:{}/",
        server.port
    );
    let ca = server.ca_cert().display().to_string();
    let (ok, plain) = read_over(lake.path(), &format!("{base}?sslmode=disable"), "shop-prod");
    assert!(!ok);
    assert!(
        plain.contains("cannot connect:") && plain.contains("Access denied for user 'tls_reader'"),
        "{plain}"
    );
    let (ok, untrusted) = read_over(
        lake.path(),
        &format!("{base}?sslmode=verify-full"),
        "shop-prod",
    );
    assert!(!ok);
    assert!(
        untrusted.contains(
            "invalid peer certificate: UnknownIssuer (the server's certificate is not signed by a trusted root: add sslrootcert=PATH"
        ),
        "{untrusted}"
    );
    // libpq's default, `prefer`: TLS, the certificate unchecked.
    let (ok, output) = read_over(lake.path(), &base, "shop-prod");
    assert!(ok, "{output}");
    let (ok, output) = read_over(
        lake.path(),
        &format!("{base}?sslmode=verify-full&sslrootcert={ca}"),
        "shop-prod",
    );
    assert!(ok, "{output}");
    let source = format!("mysql://tls_reader@127.0.0.1:{}/", server.port);
    let rows = users(lake.path(), "shop-prod");
    let reader: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["user_name"] == "tls_reader")
        .collect();
    assert_eq!(
        reader,
        vec![
            &json!({"instance": "shop-prod", "engine": "mysql", "user_name": "tls_reader",
                      "host": "127.0.0.1", "auth_plugin": "mysql_native_password", "iam": false,
                      "origin": "live", "source_uri": source})
        ]
    );
    assert_eq!(
        query(
            lake.path(),
            "SELECT status, count(*) AS n FROM ingest_manifest GROUP BY status ORDER BY status"
        ),
        json!([{"status": "ingested", "n": 2}, {"status": "rejected", "n": 2}])
    );
    assert_no_secret(
        lake.path(),
        &format!("{plain}{untrusted}{output}"),
        MDB_ADMIN_PW,
    );
}

#[test]
fn postgres_over_tls_as_rds_force_ssl_requires() {
    let server = pg_server::Server::start(PG_ADMIN_PW);
    // pg_hba rejects tls_reader without encryption, as rds.force_ssl does for everyone.
    server.admin(
        "postgres",
        &[&format!(
            "CREATE ROLE tls_reader LOGIN PASSWORD '{PG_ADMIN_PW}'"
        )],
    );
    let lake = temp_lake();
    let url = |host: &str, query: &str| {
        format!(
            "postgres://tls_reader:{PG_ADMIN_PW}@{host}:{}/postgres{query}",
            server.port
        )
    };
    let ca = server.ca_cert().display().to_string();
    let mut said = String::new();
    let mut read = |url: String| {
        let (ok, output) = read_over(lake.path(), &url, "ledger-prod");
        said.push_str(&output);
        (ok, output)
    };
    let (ok, output) = read(url("127.0.0.1", "?sslmode=disable"));
    assert!(!ok);
    assert!(
        output.contains("pg_hba.conf rejects connection for host \"127.0.0.1\", user \"tls_reader\", database \"postgres\", no encryption"),
        "{output}"
    );
    let (ok, output) = read(url("127.0.0.1", "?sslmode=verify-full"));
    assert!(!ok);
    assert!(
        output.contains("invalid peer certificate: UnknownIssuer (the server's certificate"),
        "{output}"
    );
    // The certificate names 127.0.0.1, not localhost: verify-full refuses the name,
    // verify-ca checks the chain only.
    let (ok, output) = read(url(
        "localhost",
        &format!("?sslmode=verify-full&sslrootcert={ca}"),
    ));
    assert!(!ok);
    assert!(
        output.contains("certificate not valid for name \"localhost\"")
            && output.contains("use sslmode=verify-ca"),
        "{output}"
    );
    let (ok, output) = read(url(
        "localhost",
        &format!("?sslmode=verify-ca&sslrootcert={ca}"),
    ));
    assert!(ok, "{output}");
    let (ok, output) = read(url("127.0.0.1", ""));
    assert!(ok, "{output}");
    let (ok, output) = read(url(
        "127.0.0.1",
        &format!("?sslmode=verify-full&sslrootcert={ca}"),
    ));
    assert!(ok, "{output}");
    assert_eq!(
        query(
            lake.path(),
            "SELECT source_uri, status, count(*) AS n FROM ingest_manifest \
             GROUP BY source_uri, status ORDER BY source_uri, status"
        ),
        json!([
            {"source_uri": format!("postgres://tls_reader@127.0.0.1:{}/postgres", server.port),
             "status": "ingested", "n": 2},
            {"source_uri": format!("postgres://tls_reader@127.0.0.1:{}/postgres", server.port),
             "status": "rejected", "n": 2},
            {"source_uri": format!("postgres://tls_reader@localhost:{}/postgres", server.port),
             "status": "ingested", "n": 1},
            {"source_uri": format!("postgres://tls_reader@localhost:{}/postgres", server.port),
             "status": "rejected", "n": 1},
        ])
    );
    assert_no_secret(lake.path(), &said, PG_ADMIN_PW);
}
