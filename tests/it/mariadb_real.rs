//! The MySQL-family parser on lines a real MariaDB server with the MariaDB Audit Plugin
//! (`server_audit`, as on RDS for MariaDB) wrote while real clients connected: the
//! server runs in New York time to prove `--tz`, and the statements carry the escaping
//! traps (quotes, commas, newlines, tabs, backslashes). Needs `mariadbd` and the
//! `mariadb` client (Debian package mariadb-server; `.ci/run` installs it).

use std::path::Path;

use serde_json::json;

use crate::mariadb_server::Server;
use crate::support::{query, tagtrail, temp_lake};

const UPDATE: &str = "UPDATE customers SET note = 'line one\nline two, with comma\nline three \"dq\" and ''sq''\tand a back\\\\slash' WHERE id = 1";

/// A CloudTrail file in which alice federated (Username=alice) shortly before `now`.
fn alice_federated(dir: &Path, now: chrono::DateTime<chrono::Utc>) {
    let start = now - chrono::Duration::seconds(120);
    let record = json!({
        "eventVersion": "1.11",
        "userIdentity": {"type": "SAMLUser", "principalId": "q1w2e3=:alice@example.com", "userName": "alice@example.com", "identityProvider": "q1w2e3="},
        "eventTime": start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithSAML", "awsRegion": "eu-west-1",
        "sourceIPAddress": "52.94.1.10", "userAgent": "aws-sdk-java/2.46.14 md/internal",
        "requestParameters": {
            "roleSessionName": "alice@example.com",
            "roleArn": "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a",
            "principalArn": "arn:aws:iam::111122223333:saml-provider/AWSSSO_9882ccf00912484e_DO_NOT_DELETE",
            "principalTags": {"Username": "alice", "Department": "engineering"},
            "durationSeconds": 3600
        },
        "responseElements": {
            "credentials": {"accessKeyId": "ASIAQWERTYUIOPASDFGH", "sessionToken": "IQoJb3JpZ2luX2VjEFAKE", "expiration": (start + chrono::Duration::seconds(3600)).format("%b %-d, %Y, %-I:%M:%S %p").to_string()},
            "assumedRoleUser": {"assumedRoleId": "AROAEXAMPLEID123456:alice@example.com", "arn": "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a/alice@example.com"},
            "subject": "alice@example.com", "subjectType": "persistent", "issuer": "https://portal.sso.eu-west-1.amazonaws.com/saml/assertion/QUJD",
            "audience": "https://signin.aws.amazon.com/saml", "nameQualifier": "q1w2e3="
        },
        "eventID": "5a1ce0de-aaaa-4bbb-8ccc-0123456789ab", "readOnly": true, "eventType": "AwsApiCall",
        "managementEvent": true, "recipientAccountId": "111122223333", "eventCategory": "Management"
    });
    std::fs::write(
        dir.join("alice.json"),
        json!({"Records": [record]}).to_string(),
    )
    .unwrap();
}

#[test]
fn real_mariadb_audit_log_is_parsed_and_attributed() {
    let server = Server::start("America/New_York");
    server.root_sql(
        "CREATE DATABASE shop; \
         CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(100), email VARCHAR(100), note TEXT); \
         CREATE TABLE shop.customers_archive LIKE shop.customers; \
         INSERT INTO shop.customers VALUES (1, 'Pat', 'pat@example.com', ''); \
         CREATE USER 'alice'@'%' IDENTIFIED BY 'Secr3t-pw'; GRANT SELECT, UPDATE ON shop.* TO 'alice'@'%'; \
         CREATE USER 'shared_app'@'%' IDENTIFIED BY 'app-pw-123'; GRANT SELECT ON shop.* TO 'shared_app'@'%';",
    );
    let began = chrono::Utc::now();
    assert!(server.client(
        "alice",
        "Secr3t-pw",
        Some("shop"),
        "SELECT id, name FROM customers WHERE email LIKE '%@example.com'"
    ));
    assert!(server.client("alice", "Secr3t-pw", Some("shop"), UPDATE));
    assert!(server.client(
        "alice",
        "Secr3t-pw",
        None,
        "SELECT count(*) FROM shop.customers_archive"
    ));
    assert!(server.client(
        "shared_app",
        "app-pw-123",
        None,
        "SELECT email FROM shop.customers"
    ));
    assert!(!server.client("alice", "wrong-password", Some("shop"), "SELECT 1"));
    let ended = chrono::Utc::now();

    let evidence = tempfile::tempdir().unwrap();
    alice_federated(evidence.path(), began);
    let lake = temp_lake();
    let log = server.audit_log();
    tagtrail(
        lake.path(),
        &[
            "ingest",
            "--instance",
            "lab-mariadb",
            "--tz",
            "America/New_York",
            log.to_str().unwrap(),
            evidence.path().to_str().unwrap(),
        ],
    );
    drop(server);

    // Times: New York local time converted to UTC lands inside the run (a wrong zone is hours off).
    let bounds = query(
        lake.path(),
        &format!(
            "SELECT count(*) AS outside FROM db_events WHERE db_user IN ('alice', 'shared_app') \
             AND (event_time < TIMESTAMP '{}' OR event_time > TIMESTAMP '{}')",
            (began - chrono::Duration::seconds(2)).format("%Y-%m-%dT%H:%M:%SZ"),
            (ended + chrono::Duration::seconds(2)).format("%Y-%m-%dT%H:%M:%SZ"),
        ),
    );
    assert_eq!(bounds, json!([{"outside": 0}]));

    // The statements come back exactly as the clients sent them.
    let alice = query(
        lake.path(),
        "SELECT operation, database, object, statement, return_code, client_host FROM db_events \
         WHERE db_user = 'alice' ORDER BY event_time, source_offset",
    );
    let rows = alice.as_array().unwrap();
    let statements: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["statement"].as_str())
        .collect();
    assert!(statements.contains(&UPDATE), "{statements:#?}");
    assert!(
        statements.contains(&"SELECT id, name FROM customers WHERE email LIKE '%@example.com'")
    );
    assert!(
        rows.iter().all(|r| r["client_host"] == "127.0.0.1"),
        "{alice:#?}"
    );
    let ops: Vec<&str> = rows
        .iter()
        .map(|r| r["operation"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops.iter().filter(|o| **o == "CONNECT").count(),
        3,
        "{ops:?}"
    );
    let failed: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["operation"] == "FAILED_CONNECT")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["return_code"], 1045);
    assert!(rows.iter().any(|r| r["operation"] == "READ"
        && r["database"] == "shop"
        && r["object"] == "customers"));

    // Passwords never reach the lake (MariaDB masks them; tagtrail would too).
    let all = tagtrail(
        lake.path(),
        &["query", "SELECT * FROM db_events", "--format", "csv"],
    );
    assert!(!all.contains("Secr3t-pw") && !all.contains("app-pw-123"));
    assert!(
        all.contains("IDENTIFIED BY *****"),
        "the masked CREATE USER is kept"
    );

    // Who touched shop.customers: alice (federated, exact); root, who created and filled it
    // over the socket (CREATE TABLE, CREATE TABLE … LIKE shop.customers, INSERT); and
    // shared_app (a password account nobody federated as).
    let who: serde_json::Value = serde_json::from_str(&tagtrail(
        lake.path(),
        &["who", "shop.customers", "--format", "json"],
    ))
    .unwrap();
    let scrubbed: Vec<serde_json::Value> = who
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r["first_seen"] = json!("<time>");
            r["last_seen"] = json!("<time>");
            r
        })
        .collect();
    assert_eq!(
        scrubbed,
        vec![
            json!({"person": "alice@example.com", "db_user": "alice", "instance": "lab-mariadb", "object": "shop.customers",
                   "operations": ["READ", "SELECT", "UPDATE", "WRITE"], "first_seen": "<time>", "last_seen": "<time>",
                   "statements": 2, "attribution": "exact", "confidence": "medium",
                   "mfa_status": "unknown", "candidates": []}),
            json!({"person": null, "db_user": "root", "instance": "lab-mariadb", "object": "shop.customers",
                   "operations": ["CREATE", "INSERT", "WRITE"], "first_seen": "<time>", "last_seen": "<time>",
                   "statements": 3, "attribution": "unattributed", "confidence": "none",
                   "mfa_status": null, "candidates": []}),
            json!({"person": null, "db_user": "shared_app", "instance": "lab-mariadb", "object": "shop.customers",
                   "operations": ["READ", "SELECT"], "first_seen": "<time>", "last_seen": "<time>",
                   "statements": 1, "attribution": "unattributed", "confidence": "none",
                   "mfa_status": null, "candidates": []}),
        ]
    );
}
