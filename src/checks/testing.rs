//! A small world for check tests, written in the real input formats (CloudTrail
//! `AssumeRoleWithSAML` records, MariaDB audit lines, Okta System Log events, inventory
//! files) and ingested through the real parsers, so a check is tested on the same rows
//! production would give it. Times are `YYYY-MM-DD HH:MM:SS` UTC.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};

use super::{Check, CheckConfig, Finding};
use crate::engine::{AttributionSettings, Engine};
use crate::ingest::{IngestOptions, Silent, ingest};
use crate::lake::Lake;

pub const ACCOUNT: &str = "111122223333";
const ROLE: &str = "AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a";
const ISSUER: &str = "https://portal.sso.eu-west-1.amazonaws.com/saml/assertion/MTExMTIyMjIzMzMz";
const QUALIFIER: &str = "DH/ZENecYMinf64yC8XCs/m11bw=";

pub fn t(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .and_utc()
}

/// Inputs collected in memory, written and ingested by [`Lab::findings`].
#[derive(Default)]
pub struct Lab {
    cloudtrail: Vec<Value>,
    /// (instance, audit lines)
    mysql: Vec<(String, Vec<String>)>,
    okta: Vec<Value>,
    files: Vec<(String, String)>,
    pub config: CheckConfig,
    pub settings: AttributionSettings,
    next_id: u64,
}

// Remove when every helper has a check using it.
#[allow(dead_code)]
impl Lab {
    pub fn new() -> Lab {
        Lab::default()
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}-{:012}", self.next_id)
    }

    /// `subject` signs in through Identity Center at `at` with `tags`, for `hours`.
    /// Returns the event id.
    pub fn federate(
        &mut self,
        subject: &str,
        tags: &[(&str, &str)],
        at: &str,
        hours: i64,
    ) -> String {
        let start = t(at);
        let expiry = start + chrono::Duration::hours(hours);
        let event_id = self.id("fed");
        let tags: serde_json::Map<String, Value> = tags
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let role_arn =
            format!("arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/{ROLE}");
        self.cloudtrail.push(json!({
            "eventVersion": "1.11",
            "userIdentity": {"type": "SAMLUser", "principalId": format!("{QUALIFIER}:{subject}"),
                             "userName": subject, "identityProvider": QUALIFIER},
            "eventTime": start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "eventSource": "sts.amazonaws.com",
            "eventName": "AssumeRoleWithSAML",
            "awsRegion": "eu-west-1",
            "sourceIPAddress": "52.210.41.7",
            "userAgent": "aws-cli/2.27.0",
            "requestParameters": {
                "roleSessionName": subject,
                "principalTags": tags,
                "roleArn": role_arn,
                "principalArn": format!("arn:aws:iam::{ACCOUNT}:saml-provider/AWSSSO_9882ccf00912484e_DO_NOT_DELETE"),
                "durationSeconds": hours * 3600
            },
            "responseElements": {
                "credentials": {"accessKeyId": "ASIAQ5HT7G42NCZLAUX7",
                                "expiration": expiry.format("%b %-d, %Y, %-I:%M:%S %p").to_string()},
                "assumedRoleUser": {"assumedRoleId": format!("AROARZ5UQ3XGT7KDN4E2P:{subject}"),
                                    "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/{subject}")},
                "subject": subject, "subjectType": "persistent", "issuer": ISSUER,
                "audience": "https://signin.aws.amazon.com/saml", "nameQualifier": QUALIFIER
            },
            "requestID": format!("req-{event_id}"),
            "eventID": event_id,
            "readOnly": true,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management"
        }));
        event_id
    }

    /// Any other CloudTrail record (ModifyDBInstance, PutRolePolicy, …), as JSON.
    pub fn cloudtrail_record(&mut self, record: Value) {
        self.cloudtrail.push(record);
    }

    /// A raw MariaDB audit line on `instance`.
    pub fn audit_line(&mut self, instance: &str, line: String) {
        match self.mysql.iter_mut().find(|(i, _)| i == instance) {
            Some((_, lines)) => lines.push(line),
            None => self.mysql.push((instance.to_string(), vec![line])),
        }
    }

    /// A successful MariaDB session of `user` from `host` at `at`: connect, one
    /// statement reading `object` when given, disconnect a minute later.
    pub fn mysql_session(
        &mut self,
        instance: &str,
        user: &str,
        host: &str,
        conn: u32,
        at: &str,
        object: Option<&str>,
    ) {
        let start = t(at);
        let ts = |d: DateTime<Utc>| d.format("%Y%m%d %H:%M:%S").to_string();
        self.audit_line(
            instance,
            format!(
                "{},ip-10-20-1-34,{user},{host},{conn},0,CONNECT,shop,,0",
                ts(start)
            ),
        );
        if let Some(object) = object {
            let (db, table) = object.split_once('.').unwrap_or(("shop", object));
            let at = ts(start + chrono::Duration::seconds(10));
            self.audit_line(
                instance,
                format!(
                    "{at},ip-10-20-1-34,{user},{host},{conn},{},READ,{db},{table},",
                    conn * 10
                ),
            );
            self.audit_line(instance, format!("{at},ip-10-20-1-34,{user},{host},{conn},{},QUERY,{db},'SELECT * FROM {table}',0", conn * 10));
        }
        self.audit_line(
            instance,
            format!(
                "{},ip-10-20-1-34,{user},{host},{conn},0,DISCONNECT,shop,,0",
                ts(start + chrono::Duration::minutes(1))
            ),
        );
    }

    /// A failed MariaDB login (error 1045).
    pub fn mysql_failed_login(
        &mut self,
        instance: &str,
        user: &str,
        host: &str,
        conn: u32,
        at: &str,
    ) {
        let ts = t(at).format("%Y%m%d %H:%M:%S");
        self.audit_line(
            instance,
            format!("{ts},ip-10-20-1-34,{user},{host},{conn},0,FAILED_CONNECT,,,1045"),
        );
        self.audit_line(
            instance,
            format!("{ts},ip-10-20-1-34,{user},{host},{conn},0,DISCONNECT,,,0"),
        );
    }

    /// An Okta System Log event (the `/api/v1/logs` shape).
    pub fn okta_event(&mut self, event: Value) {
        self.okta.push(event);
    }

    /// Any other input file, at `path` under the input folder.
    pub fn file(&mut self, path: &str, content: &str) {
        self.files.push((path.to_string(), content.to_string()));
    }

    /// Writes the inputs, ingests them into a fresh lake and runs `check`.
    pub async fn findings(&self, check: &'static Check) -> Vec<Finding> {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        let mut paths: Vec<PathBuf> = Vec::new();
        let mut write = |rel: &str, content: &str| {
            let p = input.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, content).unwrap();
            paths.push(p);
        };
        if !self.cloudtrail.is_empty() {
            write(
                &format!(
                    "AWSLogs/{ACCOUNT}/CloudTrail/eu-west-1/2026/11/16/{ACCOUNT}_CloudTrail_eu-west-1_20261116T0000Z_lab.json"
                ),
                &json!({"Records": self.cloudtrail}).to_string(),
            );
        }
        for (instance, lines) in &self.mysql {
            write(
                &format!("rds/{instance}/audit/server_audit.log"),
                &(lines.join("\n") + "\n"),
            );
        }
        if !self.okta.is_empty() {
            write(
                "okta/system-log.json",
                &Value::Array(self.okta.clone()).to_string(),
            );
        }
        for (rel, content) in &self.files {
            write(rel, content);
        }
        let lake = Lake::open(dir.path().join("lake")).unwrap();
        let report = ingest(&lake, &IngestOptions::local(paths), &mut Silent)
            .await
            .unwrap();
        for f in &report.files {
            assert!(
                matches!(f.status, crate::ingest::FileStatus::Ingested)
                    && f.stats.rejects.is_empty(),
                "lab input {} was not read whole: {:?} {:?}",
                f.location,
                f.status,
                f.stats.rejects
            );
        }
        let engine = Engine::open_with(&lake, &self.settings).await.unwrap();
        super::tables::register(engine.context(), &self.config, &self.settings.tag_key).unwrap();
        super::run(&engine, &[check], &self.config, i64::MIN / 2, i64::MAX / 2)
            .await
            .unwrap()
    }

    // Inventory and policy helpers of the tag checks (tag-key-case, tag-resource-mismatch).

    /// RDS instance `identifier` in the inventory (`aws rds describe-db-instances`, one
    /// file per instance) with resource `tags`.
    pub fn rds_instance_tags(&mut self, identifier: &str, tags: &[(&str, &str)]) {
        let tag_list: Vec<Value> = tags
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        let doc = json!({"DBInstances": [{
            "DBInstanceIdentifier": identifier,
            "DBInstanceClass": "db.r6g.large",
            "Engine": "mariadb",
            "DBInstanceStatus": "available",
            "MasterUsername": "admin",
            "Endpoint": {"Address": format!("{identifier}.c9akciq32.eu-west-1.rds.amazonaws.com"),
                         "Port": 3306, "HostedZoneId": "Z29XKXDKYMONMX"},
            "EngineVersion": "10.11.9",
            "DbiResourceId": format!("db-{}", identifier.to_uppercase().replace('-', "")),
            "DBInstanceArn": format!("arn:aws:rds:eu-west-1:{ACCOUNT}:db:{identifier}"),
            "IAMDatabaseAuthenticationEnabled": true,
            "TagList": tag_list
        }]});
        self.file(
            &format!("inventory/describe-db-instances-{identifier}.json"),
            &serde_json::to_string_pretty(&doc).unwrap(),
        );
    }

    /// The inline policy of permission set `name` (`aws sso-admin
    /// get-inline-policy-for-permission-set`, file named after the set). [`Lab::federate`]
    /// signs in to the set `DatabaseAccess`.
    pub fn permission_set_policy(&mut self, name: &str, document: Value) {
        let out = json!({"InlinePolicy": document.to_string()});
        self.file(&format!("iam/{name}.json"), &out.to_string());
    }

    // Inventory files.

    /// `aws rds describe-db-instances` output, the whole file: (identifier, engine,
    /// `IAMDatabaseAuthenticationEnabled`). The master user is `postgres` for
    /// PostgreSQL, else `admin`.
    pub fn rds_instances(&mut self, instances: &[(&str, &str, bool)]) {
        let list: Vec<Value> = instances
            .iter()
            .enumerate()
            .map(|(i, (id, engine, iam))| {
                let pg = engine.contains("postgres");
                json!({
                    "DBInstanceIdentifier": id,
                    "DBInstanceClass": "db.r6g.large",
                    "Engine": engine,
                    "DBInstanceStatus": "available",
                    "MasterUsername": if pg { "postgres" } else { "admin" },
                    "Endpoint": {"Address": format!("{id}.c9akciq32.eu-west-1.rds.amazonaws.com"),
                                 "Port": if pg { 5432 } else { 3306 },
                                 "HostedZoneId": "Z29XKXDKYMONMX"},
                    "EngineVersion": if pg { "15.8" } else { "10.11.9" },
                    "DbiResourceId": format!("db-LAB{i:022}"),
                    "DBInstanceArn": format!("arn:aws:rds:eu-west-1:{ACCOUNT}:db:{id}"),
                    "IAMDatabaseAuthenticationEnabled": iam,
                    "TagList": [{"Key": "Environment", "Value": "production"}]
                })
            })
            .collect();
        self.file(
            "inventory/describe-db-instances.json",
            &serde_json::to_string_pretty(&json!({ "DBInstances": list })).unwrap(),
        );
    }

    /// The database-user export, the whole file: (instance, user, plugin), with MySQL
    /// plugin names (`AWSAuthenticationPlugin`, `mysql_native_password`, …) or, for
    /// PostgreSQL roles, `rds_iam` / `password`.
    pub fn db_users(&mut self, users: &[(&str, &str, &str)]) {
        let mut csv = String::from("instance,user,host,plugin\n");
        for (instance, user, plugin) in users {
            let host = if matches!(*plugin, "rds_iam" | "password") {
                ""
            } else {
                "%"
            };
            csv.push_str(&format!("{instance},{user},{host},{plugin}\n"));
        }
        self.file("inventory/db-users.csv", &csv);
    }

    /// A PostgreSQL session in the RDS error log (`log_connections` /
    /// `log_disconnections` on), one second long, authenticated by `method` (`pam` is
    /// RDS IAM authentication; `md5`, `scram-sha-256` are passwords). Sessions of the
    /// same instance and hour share the hourly log file, as on RDS.
    pub fn postgres_session(
        &mut self,
        instance: &str,
        user: &str,
        host: &str,
        pid: u32,
        at: &str,
        method: &str,
    ) {
        let start = t(at);
        let ts = |d: DateTime<Utc>| d.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        let (t0, t1) = (ts(start), ts(start + chrono::Duration::seconds(1)));
        let lines = format!(
            "{t0}:{host}(40112):[unknown]@[unknown]:[{pid}]:LOG:  connection received: host={host} port=40112\n\
             {t0}:{host}(40112):{user}@ledger:[{pid}]:LOG:  connection authenticated: identity=\"{user}\" method={method} (/rdsdbdata/config/pg_hba.conf:13)\n\
             {t0}:{host}(40112):{user}@ledger:[{pid}]:LOG:  connection authorized: user={user} database=ledger application_name=psql SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)\n\
             {t1}:{host}(40112):{user}@ledger:[{pid}]:LOG:  disconnection: session time: 0:00:01.000 user={user} database=ledger host={host} port=40112\n"
        );
        let path = format!(
            "rds/{instance}/error/postgresql.log.{}",
            start.format("%Y-%m-%d-%H")
        );
        match self.files.iter_mut().find(|(p, _)| *p == path) {
            Some((_, content)) => content.push_str(&lines),
            None => self.file(&path, &lines),
        }
    }
}

/// (subject, count) of each finding, in order.
pub fn subjects(findings: &[Finding]) -> Vec<(String, i64)> {
    findings
        .iter()
        .map(|f| (f.subject.clone(), f.count))
        .collect()
}
