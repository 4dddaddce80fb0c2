//! A small world for check tests, written in the real input formats (CloudTrail
//! `AssumeRoleWithSAML` records, MariaDB audit lines, Okta System Log events, inventory
//! files) and ingested through the real parsers, so a check is tested on the same rows
//! production would give it. Times are `YYYY-MM-DD HH:MM:SS` UTC.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};

use super::{Check, CheckConfig, Finding};
use crate::engine::{AttributionSettings, Engine, build_session_index};
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
    /// CloudTrail digest files (path, JSON), verified by `verify-digests`' own code
    /// after ingestion, not ingested.
    digests: Vec<(String, String)>,
    pub config: CheckConfig,
    pub settings: AttributionSettings,
    next_id: u64,
}

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

    /// A service's connection pool: `n` sessions of `user` on connections 1000, 1001, …,
    /// one every minute from 2026-11-17 00:00, taking turns among `hosts`.
    pub fn pool_sessions(&mut self, instance: &str, user: &str, hosts: &[&str], n: u32) {
        for i in 0..n {
            let at = t("2026-11-17 00:00:00") + chrono::Duration::minutes(i64::from(i));
            let at = at.format("%Y-%m-%d %H:%M:%S").to_string();
            let host = hosts[i as usize % hosts.len()];
            self.mysql_session(instance, user, host, 1000 + i, &at, None);
        }
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

    /// Any other input file, at `path` under the input folder.
    pub fn file(&mut self, path: &str, content: &str) {
        self.files.push((path.to_string(), content.to_string()));
    }

    /// Writes the inputs, ingests them into a fresh lake and runs `check`.
    pub async fn findings(&self, check: &'static Check) -> Vec<Finding> {
        let (_dir, lake) = self.lake().await;
        let computed = self.run(&lake, check, false).await;
        // Every check answers the same over the session index.
        build_session_index(&lake, true).await.unwrap();
        assert_eq!(
            self.run(&lake, check, true).await,
            computed,
            "{} over the session index",
            check.id
        );
        computed
    }

    /// Writes the inputs and ingests them, each whole, into a fresh lake (in the
    /// returned folder), without a session index.
    pub async fn lake(&self) -> (tempfile::TempDir, Lake) {
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
        if !self.digests.is_empty() {
            self.verify_digests(&input, &lake);
        }
        (dir, lake)
    }

    /// `check`'s findings over all time, by an engine that reads the session index or
    /// (`indexed` false) computes the sessions from the events.
    async fn run(&self, lake: &Lake, check: &'static Check, indexed: bool) -> Vec<Finding> {
        let engine = Engine::open_with(lake, &self.settings).await.unwrap();
        assert_eq!(engine.reads_session_index(), indexed);
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
    pub fn permission_set_policy(&mut self, name: &str, document: impl std::fmt::Display) {
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
    // Okta, Identity Center, CloudTrail delivery and PostgreSQL helpers (chk-evidence).

    fn okta(
        &mut self,
        event_type: &str,
        actor: (&str, &str),
        session_id: &str,
        at: &str,
        extra: Value,
    ) -> String {
        let uuid = self.id("okta");
        let mut event = json!({
            "actor": {"id": okta_user_id(actor.0), "type": "User",
                      "alternateId": actor.0, "displayName": actor.1, "detailEntry": null},
            "client": {"userAgent": {"rawUserAgent": "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
                                     "os": "Unknown", "browser": "UNKNOWN"},
                       "zone": "null", "device": "Computer", "id": null, "ipAddress": "203.0.113.24"},
            "device": null,
            "authenticationContext": {"authenticationProvider": null, "credentialProvider": null,
                                      "credentialType": null, "issuer": null, "interface": null,
                                      "authenticationStep": 0, "externalSessionId": session_id},
            "eventType": event_type,
            "outcome": {"result": "SUCCESS", "reason": null},
            "published": t(at).format("%Y-%m-%dT%H:%M:%S.000Z").to_string(),
            "severity": "INFO",
            "legacyEventType": null,
            "transaction": {"type": "WEB", "id": format!("tx-{uuid}"), "detail": {}},
            "uuid": uuid,
            "version": "0",
            "target": null
        });
        if let (Value::Object(e), Value::Object(x)) = (&mut event, extra) {
            for (k, v) in x {
                match (e.get_mut(&k), v) {
                    (Some(Value::Object(have)), Value::Object(more)) => have.extend(more),
                    (_, v) => {
                        e.insert(k, v);
                    }
                }
            }
        }
        self.okta.push(event);
        uuid
    }

    /// `login` signs in to Okta with a password (`user.session.start`) in Okta session
    /// `session_id`, then, when `mfa`, passes an Okta Verify push 14 s later
    /// (`user.authentication.auth_via_mfa` SUCCESS).
    pub fn okta_sign_in(&mut self, login: &str, session_id: &str, at: &str, mfa: bool) {
        let name = display_name(login);
        self.okta(
            "user.session.start",
            (login, &name),
            session_id,
            at,
            json!({"displayMessage": "User login to Okta",
                   "authenticationContext": {"authenticationProvider": "OKTA_AUTHENTICATION_PROVIDER",
                                             "credentialProvider": "OKTA_CREDENTIAL_PROVIDER",
                                             "credentialType": "PASSWORD"}}),
        );
        if mfa {
            let later = (t(at) + chrono::Duration::seconds(14))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string();
            self.okta(
                "user.authentication.auth_via_mfa",
                (login, &name),
                session_id,
                &later,
                json!({"displayMessage": "Authentication of user via MFA",
                       "authenticationContext": {"credentialProvider": "OKTA_CREDENTIAL_PROVIDER",
                                                 "credentialType": "OTP"},
                       "debugContext": {"debugData": {"factor": "OKTA_VERIFY_PUSH",
                                                      "factorIntent": "AUTHENTICATION"}}}),
            );
        }
    }

    /// `login` passes MFA with `factor` in Okta session `session_id` at `at`
    /// (`user.authentication.auth_via_mfa` SUCCESS). Returns the event uuid.
    pub fn okta_mfa(&mut self, login: &str, session_id: &str, at: &str, factor: &str) -> String {
        let name = display_name(login);
        self.okta(
            "user.authentication.auth_via_mfa",
            (login, &name),
            session_id,
            at,
            json!({"displayMessage": "Authentication of user via MFA",
                   "authenticationContext": {"credentialProvider": "OKTA_CREDENTIAL_PROVIDER",
                                             "credentialType": "OTP"},
                   "debugContext": {"debugData": {"factor": factor,
                                                  "factorIntent": "AUTHENTICATION"}}}),
        )
    }

    /// `login` single-signs-on from Okta session `session_id` to the AWS IAM Identity
    /// Center app (`user.authentication.sso`). Returns the event uuid.
    pub fn okta_sso_aws(&mut self, login: &str, session_id: &str, at: &str) -> String {
        let name = display_name(login);
        self.okta(
            "user.authentication.sso",
            (login, &name),
            session_id,
            at,
            json!({"displayMessage": "User single sign on to app",
                   "debugContext": {"debugData": {"requestUri": "/app/amazon_aws_sso/0oa9x2kq7wJbD4Fh5417/sso/saml"}},
                   "target": [
                       {"id": "0oa9x2kq7wJbD4Fh5417", "type": "AppInstance", "alternateId": "AWS IAM Identity Center",
                        "displayName": "AWS IAM Identity Center", "detailEntry": {"signOnModeType": "SAML_2_0"}},
                       {"id": "0uaYk5GMQlPZOejwcF9L", "type": "AppUser", "alternateId": login,
                        "displayName": name, "detailEntry": null}]}),
        )
    }

    /// `admin` changes the lifecycle of `login` in Okta (`user.lifecycle.deactivate`,
    /// `suspend`, `reactivate`, `unsuspend`): the admin is the actor, the person the
    /// `User` target. Returns the event uuid.
    pub fn okta_lifecycle(
        &mut self,
        event_type: &str,
        login: &str,
        admin: &str,
        at: &str,
    ) -> String {
        let verb = event_type.rsplit('.').next().unwrap_or(event_type);
        let message = format!("{}{} Okta User", verb[..1].to_uppercase(), &verb[1..]);
        self.okta(
            event_type,
            (admin, &display_name(admin)),
            "102AdminConsoleSess10nXyZ",
            at,
            json!({"displayMessage": message,
                   "debugContext": {"debugData": {"requestUri": format!("/admin/user/{verb}/{}", okta_user_id(login))}},
                   "target": [{"id": okta_user_id(login), "type": "User", "alternateId": login,
                               "displayName": display_name(login), "detailEntry": null}]}),
        )
    }

    /// A later call (`GetCallerIdentity`) by `subject`'s Identity Center role session:
    /// its `onBehalfOf.userId` is how CloudTrail names the Identity Center user.
    pub fn identity_center_call(&mut self, subject: &str, user_id: &str, at: &str) {
        let event_id = self.id("gci");
        self.cloudtrail.push(json!({
            "eventVersion": "1.11",
            "userIdentity": {
                "type": "AssumedRole",
                "principalId": format!("AROARZ5UQ3XGT7KDN4E2P:{subject}"),
                "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/{subject}"),
                "accountId": ACCOUNT,
                "accessKeyId": "ASIAVEQ233KRVZ3VMJY2",
                "sessionContext": {
                    "sessionIssuer": {"type": "Role", "principalId": "AROARZ5UQ3XGT7KDN4E2P",
                                      "arn": format!("arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/{ROLE}"),
                                      "accountId": ACCOUNT, "userName": ROLE},
                    "attributes": {"creationDate": t(at).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                                   "mfaAuthenticated": "false"}
                },
                "onBehalfOf": {"userId": user_id,
                               "identityStoreArn": format!("arn:aws:identitystore::{ACCOUNT}:identitystore/d-93670a1b2c")}
            },
            "eventTime": (t(at) + chrono::Duration::seconds(2)).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "eventSource": "sts.amazonaws.com",
            "eventName": "GetCallerIdentity",
            "awsRegion": "eu-west-1",
            "sourceIPAddress": "203.0.113.24",
            "userAgent": "aws-cli/2.31.4",
            "requestParameters": null,
            "responseElements": null,
            "requestID": format!("req-{event_id}"),
            "eventID": event_id,
            "readOnly": true,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management"
        }));
    }

    /// `CreateAccountAssignment` / `DeleteAccountAssignment` in the Identity Center
    /// account: Identity Store user `user_id` gets / loses `permission_set_arn` in the
    /// lab account. Returns the event id.
    pub fn account_assignment(
        &mut self,
        event_name: &str,
        user_id: &str,
        permission_set_arn: &str,
        at: &str,
    ) -> String {
        let event_id = self.id("asg");
        let status = if event_name.starts_with("Create") {
            "accountAssignmentCreationStatus"
        } else {
            "accountAssignmentDeletionStatus"
        };
        self.cloudtrail.push(json!({
            "eventVersion": "1.08",
            "userIdentity": {"type": "AssumedRole",
                             "principalId": "AROAEXAMPLEADMIN00001:it.admin@example.com",
                             "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_1a2b3c4d5e6f7a8b/it.admin@example.com"),
                             "accountId": ACCOUNT},
            "eventTime": t(at).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "eventSource": "sso.amazonaws.com",
            "eventName": event_name,
            "awsRegion": "eu-west-1",
            "sourceIPAddress": "198.51.100.7",
            "userAgent": "aws-internal/3 aws-sdk-java/1.12.780",
            "requestParameters": {
                "instanceArn": "arn:aws:sso:::instance/ssoins-5c3d9e8f7a6b1c2d",
                "targetId": ACCOUNT,
                "targetType": "AWS_ACCOUNT",
                "permissionSetArn": permission_set_arn,
                "principalType": "USER",
                "principalId": user_id
            },
            "responseElements": {status: {"status": "IN_PROGRESS",
                                          "requestId": format!("{event_id}-request"),
                                          "targetId": ACCOUNT, "targetType": "AWS_ACCOUNT",
                                          "permissionSetArn": permission_set_arn,
                                          "principalType": "USER", "principalId": user_id}},
            "requestID": format!("req-{event_id}"),
            "eventID": event_id,
            "readOnly": false,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management"
        }));
        event_id
    }

    /// A CloudTrail log file of its own, delivered in `region` at `at` (the time in its
    /// name), holding `records`. Returns its `AWSLogs/…` key.
    pub fn cloudtrail_file(&mut self, region: &str, at: &str, records: Vec<Value>) -> String {
        let at = t(at);
        let n = self.id("f");
        let key = format!(
            "AWSLogs/{ACCOUNT}/CloudTrail/{region}/{}/{ACCOUNT}_CloudTrail_{region}_{}_{}.json",
            at.format("%Y/%m/%d"),
            at.format("%Y%m%dT%H%MZ"),
            n.replace('-', "")
        );
        self.file(&key, &json!({ "Records": records }).to_string());
        key
    }

    /// A CloudTrail digest for the hour ending at `end` in `region`, listing the lab's
    /// files `logs` (keys from [`Lab::cloudtrail_file`]) with their true SHA-256, except
    /// those in `altered`, which get another file's hash. Unsigned: only the log-file
    /// hashes and the chain are checked.
    pub fn cloudtrail_digest(&mut self, region: &str, end: &str, logs: &[&str], altered: &[&str]) {
        use sha2::{Digest as _, Sha256};
        let end = t(end);
        let stamp = |d: DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let key = format!(
            "AWSLogs/{ACCOUNT}/CloudTrail-Digest/{region}/{}/{ACCOUNT}_CloudTrail-Digest_{region}_lab-trail_{region}_{}.json.gz",
            end.format("%Y/%m/%d"),
            end.format("%Y%m%dT%H%M%SZ")
        );
        let log_files: Vec<Value> = logs
            .iter()
            .map(|k| {
                let content = self
                    .files
                    .iter()
                    .find(|(p, _)| p == k)
                    .map(|(_, c)| c.as_str())
                    .unwrap_or_else(|| panic!("{k} is not a lab file"));
                let content = if altered.contains(k) {
                    "{\"Records\":[]}"
                } else {
                    content
                };
                json!({"s3Bucket": "lab-trail-bucket", "s3Object": k,
                       "hashValue": hex::encode(Sha256::digest(content.as_bytes())),
                       "hashAlgorithm": "SHA-256",
                       "newestEventTime": stamp(end - chrono::Duration::minutes(5)),
                       "oldestEventTime": stamp(end - chrono::Duration::minutes(55))})
            })
            .collect();
        let digest = json!({
            "awsAccountId": ACCOUNT,
            "digestStartTime": stamp(end - chrono::Duration::hours(1)),
            "digestEndTime": stamp(end),
            "digestS3Bucket": "lab-trail-bucket",
            "digestS3Object": key,
            "digestPublicKeyFingerprint": "4ff50e8ff0ebf1a2d0b5b5b7a8d3e4c1",
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": stamp(end - chrono::Duration::minutes(5)),
            "oldestEventTime": stamp(end - chrono::Duration::minutes(55)),
            "previousDigestS3Bucket": null,
            "previousDigestS3Object": null,
            "previousDigestHashValue": null,
            "previousDigestHashAlgorithm": null,
            "previousDigestSignature": null,
            "logFiles": log_files
        });
        self.digests.push((key, digest.to_string()));
    }

    /// What `tagtrail verify-digests DIR` stores: the digests checked against the lab's
    /// files, rows in `digest_checks`.
    fn verify_digests(&self, input: &std::path::Path, lake: &Lake) {
        use std::io::Write as _;
        for (rel, json) in &self.digests {
            let p = input.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            let mut gz = flate2::write::GzEncoder::new(
                std::fs::File::create(&p).unwrap(),
                flate2::Compression::fast(),
            );
            gz.write_all(json.as_bytes()).unwrap();
            gz.finish().unwrap();
        }
        let rows = crate::integrity::verify_dir(
            input,
            &crate::integrity::PublicKeys::new(),
            crate::integrity::Period::default(),
            t("2026-11-23 00:00:00").timestamp_micros(),
        )
        .unwrap();
        let mut writer = crate::lake::writer::LakeWriter::new(lake);
        writer
            .add(
                &crate::lake::DIGEST_CHECKS,
                crate::integrity::to_batch(&rows).unwrap(),
            )
            .unwrap();
        writer.finish().unwrap();
    }
}

/// A stable Okta user id (`00u` + 17 characters) for a login.
fn okta_user_id(login: &str) -> String {
    use sha2::{Digest as _, Sha256};
    format!(
        "00u{}",
        &hex::encode(Sha256::digest(login.as_bytes()))[..17]
    )
}

/// `grace.kim@example.com` → `Grace Kim`.
fn display_name(login: &str) -> String {
    login
        .split('@')
        .next()
        .unwrap_or(login)
        .split('.')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A finding about [`Lab::pool_sessions`]' `n` sessions (more than 100) counts them
/// all and names the first 100: connections 1000 to 1099.
pub fn assert_first_hundred_sessions(finding: &Finding, instance: &str, n: i64) {
    assert_eq!(finding.count, n, "{finding:?}");
    let named: Vec<String> = (1000..1100).map(|c| format!("{instance}:{c}:1")).collect();
    assert_eq!(finding.evidence["sessions"], serde_json::json!(named));
}

/// (subject, count) of each finding, in order.
pub fn subjects(findings: &[Finding]) -> Vec<(String, i64)> {
    findings
        .iter()
        .map(|f| (f.subject.clone(), f.count))
        .collect()
}
