//! Inventory exports through `tagtrail ingest`: the published AWS CLI samples of
//! describe-db-instances / describe-db-clusters into `rds_instances`, user lists into
//! `db_users`, and what `db_sessions.auth_method` makes of them.

use std::path::Path;
use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::support::{fixture, query, tagtrail, temp_lake};

/// Copies `fixtures/inventory` and dates every file `mtime` (observed_at is a local
/// file's modification time).
fn copy_inventory(to: &Path, mtime: SystemTime) {
    fn copy(from: &Path, to: &Path, mtime: SystemTime) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target, mtime);
            } else if entry.file_name() != "README.md" {
                std::fs::copy(entry.path(), &target).unwrap();
                std::fs::File::options()
                    .write(true)
                    .open(&target)
                    .unwrap()
                    .set_modified(mtime)
                    .unwrap();
            }
        }
    }
    copy(&fixture("inventory"), to, mtime);
}

/// 2026-11-23T00:00:00Z
fn nov_23() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_392_000)
}

#[test]
fn describe_output_and_user_lists_land_in_their_tables() {
    let dir = tempfile::tempdir().unwrap();
    copy_inventory(dir.path(), nov_23());
    let lake = temp_lake();
    let args = ["ingest", dir.path().to_str().unwrap()];
    crate::support::ingest_rejecting(lake.path(), &args, "1 record(s) rejected");
    let instances = query(
        lake.path(),
        "SELECT resource_kind, identifier, cluster_identifier, engine, engine_version, resource_id, arn, \
                account_id, region, endpoint, port, iam_auth, status, master_username, tags, observed_at, \
                source_offset FROM rds_instances ORDER BY resource_kind DESC",
    );
    assert_eq!(
        instances,
        json!([
            {"resource_kind": "instance", "identifier": "mydbinstance-1", "cluster_identifier": null,
             "engine": "mysql", "engine_version": "5.6.27", "resource_id": "db-B3COT4JG5UC4IACGJ72IGR34RM",
             "arn": null, "account_id": null, "region": null,
             "endpoint": "mydbinstance-1.ctrzran0rynq.us-east-1.rds.amazonaws.com", "port": 3306,
             "iam_auth": null, "status": "stopped", "master_username": "mymasteruser", "tags": null,
             "observed_at": "2026-11-23T00:00:00Z", "source_offset": 0},
            {"resource_kind": "cluster", "identifier": "mydbcluster", "cluster_identifier": null,
             "engine": "aurora-mysql", "engine_version": "5.7.mysql_aurora.2.04.2",
             "resource_id": "cluster-AKIAIOSFODNN7EXAMPLE",
             "arn": "arn:aws:rds:us-east-1:123456789012:cluster:mydbcluster", "account_id": "123456789012",
             "region": "us-east-1", "endpoint": "mydbcluster.cluster-cnpexample.us-east-1.rds.amazonaws.com",
             "port": 3306, "iam_auth": false, "status": "available", "master_username": "myadmin",
             "tags": null, "observed_at": "2026-11-23T00:00:00Z", "source_offset": 0},
        ])
    );
    let users = query(
        lake.path(),
        "SELECT instance, engine, user_name, host, auth_plugin, iam, origin, observed_at, source_offset \
         FROM db_users ORDER BY instance, user_name",
    );
    let row = |i: &str, e: &str, u: &str, h: Option<&str>, p: &str, iam: bool, off: i64| {
        json!({"instance": i, "engine": e, "user_name": u, "host": h, "auth_plugin": p, "iam": iam,
               "origin": "file", "observed_at": "2026-11-23T00:00:00Z", "source_offset": off})
    };
    assert_eq!(
        users,
        json!([
            row(
                "billing-prod",
                "mysql",
                "admin",
                Some("%"),
                "caching_sha2_password",
                false,
                2
            ),
            row(
                "billing-prod",
                "mysql",
                "anguyen",
                Some("%"),
                "AWSAuthenticationPlugin",
                true,
                3
            ),
            row("ledger-prod", "postgres", "alice", None, "rds_iam", true, 5),
            row("ledger-prod", "postgres", "app", None, "password", false, 6),
            row(
                "shop-prod",
                "mysql",
                "anguyen",
                Some("%"),
                "AWSAuthenticationPlugin",
                true,
                2
            ),
            row(
                "shop-prod",
                "mysql",
                "rdsadmin",
                Some("localhost"),
                "mysql_native_password",
                false,
                3
            ),
            row(
                "shop-prod",
                "mysql",
                "reporting",
                Some("%"),
                "mysql_native_password",
                false,
                4
            ),
        ])
    );
    let rejects = query(
        lake.path(),
        "SELECT kind, source_offset, reason, excerpt FROM ingest_rejects",
    );
    assert_eq!(
        rejects,
        json!([{"kind": "db-users", "source_offset": 4, "reason": "no user name",
                "excerpt": "billing-prod,,%,mysql_native_password"}])
    );
    let kinds = query(
        lake.path(),
        "SELECT kind, status, records, kept, rejected FROM ingest_manifest ORDER BY source_uri",
    );
    assert_eq!(
        kinds,
        json!([
            {"kind": "rds-inventory", "status": "ingested", "records": 1, "kept": 1, "rejected": 0},
            {"kind": "rds-inventory", "status": "ingested", "records": 1, "kept": 1, "rejected": 0},
            {"kind": "db-users", "status": "ingested", "records": 5, "kept": 4, "rejected": 1},
            {"kind": "db-users", "status": "ingested", "records": 3, "kept": 3, "rejected": 0},
        ])
    );
    // Unchanged files are not read twice.
    tagtrail(lake.path(), &["ingest", dir.path().to_str().unwrap()]);
    assert_eq!(
        query(lake.path(), "SELECT COUNT(*) AS n FROM db_users"),
        json!([{"n": 7}])
    );
}

const AUDIT: &str = "\
20261116 09:00:00,ip-10-20-1-34,anguyen,10.0.3.17,11,0,CONNECT,billing,,0
20261116 09:00:01,ip-10-20-1-34,anguyen,10.0.3.17,11,101,QUERY,billing,'SELECT 1',0
20261116 09:00:02,ip-10-20-1-34,admin,10.0.3.18,12,0,CONNECT,billing,,0
20261116 09:00:03,ip-10-20-1-34,ghost,10.0.3.19,13,0,CONNECT,billing,,0
";

fn auth_methods(lake: &Path) -> serde_json::Value {
    query(
        lake,
        "SELECT db_user, auth_method FROM db_sessions ORDER BY connection_id",
    )
}

#[test]
fn db_sessions_auth_method_comes_from_the_latest_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("rds/billing-prod/audit/server_audit.log");
    std::fs::create_dir_all(audit.parent().unwrap()).unwrap();
    std::fs::write(&audit, AUDIT).unwrap();
    let lake = temp_lake();
    tagtrail(lake.path(), &["ingest", dir.path().to_str().unwrap()]);
    // db_users is empty: the view still works, and a MySQL log says nothing.
    assert_eq!(
        auth_methods(lake.path()),
        json!([
            {"db_user": "anguyen", "auth_method": "unknown"},
            {"db_user": "admin", "auth_method": "unknown"},
            {"db_user": "ghost", "auth_method": "unknown"},
        ])
    );
    let inv = tempfile::tempdir().unwrap();
    copy_inventory(inv.path(), nov_23());
    crate::support::ingest_rejecting(
        lake.path(),
        &["ingest", inv.path().join("db-users.csv").to_str().unwrap()],
        "1 record(s) rejected",
    );
    assert_eq!(
        auth_methods(lake.path()),
        json!([
            {"db_user": "anguyen", "auth_method": "iam"},
            {"db_user": "admin", "auth_method": "password"},
            {"db_user": "ghost", "auth_method": "unknown"},
        ])
    );
    // A later observation wins: admin moved to IAM, anguyen has two host rows of which
    // one is a password account, so it is no longer certain.
    let later = inv.path().join("later.csv");
    std::fs::write(
        &later,
        "instance,user,host,plugin\n\
         billing-prod,admin,%,AWSAuthenticationPlugin\n\
         billing-prod,anguyen,%,AWSAuthenticationPlugin\n\
         billing-prod,anguyen,localhost,mysql_native_password\n",
    )
    .unwrap();
    std::fs::File::options()
        .write(true)
        .open(&later)
        .unwrap()
        .set_modified(nov_23() + Duration::from_secs(3600))
        .unwrap();
    tagtrail(lake.path(), &["ingest", later.to_str().unwrap()]);
    assert_eq!(
        auth_methods(lake.path()),
        json!([
            {"db_user": "anguyen", "auth_method": "unknown"},
            {"db_user": "admin", "auth_method": "iam"},
            {"db_user": "ghost", "auth_method": "unknown"},
        ])
    );
}
