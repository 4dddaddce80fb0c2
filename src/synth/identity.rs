//! The identity side of the demo week, in the formats the tools write: the Okta System
//! Log (`GET /api/v1/logs`, a JSON array of LogEvent objects), the RDS inventory
//! (`aws rds describe-db-instances`), the database users with their authentication plugin,
//! and the DatabaseAccess permission set's inline policy
//! (`aws sso-admin get-inline-policy-for-permission-set`).
//!
//! Okta: every portal sign-in (`Federation::sign_in`) is a `user.session.start`, then —
//! unless the person's sign-on policy lets them in with a password alone — an Okta
//! Verify push (`user.authentication.auth_via_mfa`), then `user.authentication.sso` to the
//! "AWS IAM Identity Center" app seconds before the federation. Judy's events are not in
//! the export (her MFA shows only through her `AuthMethods` session tag).

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::pglog;
use super::rng::{ALNUM, Rng};
use super::scenario::{ACCOUNT, Federation, Instance, PEOPLE, PERMISSION_SET, Person, REGION};

const AWS_APP_ID: &str = "0oa9x2kq7wJbD4Fh5417";

/// How a person's Okta sign-ins go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OktaMfa {
    /// Password, then an Okta Verify push.
    Push,
    /// Password only (a sign-on policy exception).
    PasswordOnly,
    /// Not in this Okta export.
    NotLogged,
}

pub fn okta_mfa(person: &Person) -> OktaMfa {
    match person.subject {
        "erin.walsh@example.com" => OktaMfa::PasswordOnly,
        "judy.chen@example.com" => OktaMfa::NotLogged,
        _ => OktaMfa::Push,
    }
}

fn okta_id(prefix: &str, label: &str) -> String {
    format!("{prefix}{}", Rng::for_label(label).string(ALNUM, 17))
}

fn ms(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

struct Sign<'a> {
    f: &'a Federation,
    session: String,
    transaction: String,
}

impl Sign<'_> {
    fn event(&self, t: DateTime<Utc>, event_type: &str, message: &str, step: i32) -> Value {
        let p = self.f.person;
        let uuid = Rng::for_label(&format!("okta:{}:{event_type}", self.f.label)).uuid();
        json!({
            "actor": {
                "id": okta_id("00u", &format!("okta-user:{}", p.subject)),
                "type": "User",
                "alternateId": p.subject,
                "displayName": display_name(p),
                "detailEntry": null
            },
            "client": {
                "userAgent": {"rawUserAgent": p.browser, "os": "Unknown", "browser": "UNKNOWN"},
                "zone": "null",
                "device": "Computer",
                "id": null,
                "ipAddress": p.public_ip,
                "geographicalContext": {"city": "Dublin", "state": "Leinster", "country": "Ireland", "postalCode": null,
                                        "geolocation": {"lat": 53.3498, "lon": -6.2603}}
            },
            "device": null,
            "authenticationContext": {
                "authenticationProvider": null,
                "credentialProvider": null,
                "credentialType": null,
                "issuer": null,
                "interface": null,
                "authenticationStep": step,
                "externalSessionId": self.session
            },
            "displayMessage": message,
            "eventType": event_type,
            "outcome": {"result": "SUCCESS", "reason": null},
            "published": ms(t),
            "securityContext": {"asNumber": null, "asOrg": null, "isp": null, "domain": null, "isProxy": null},
            "severity": "INFO",
            "debugContext": {"debugData": {"requestId": Rng::for_label(&format!("okta-req:{uuid}")).string(ALNUM, 24),
                                           "requestUri": "/idp/idx/identify", "url": "/idp/idx/identify?"}},
            "legacyEventType": null,
            "transaction": {"type": "WEB", "id": self.transaction, "detail": {}},
            "uuid": uuid,
            "version": "0",
            "request": {"ipChain": [{"ip": p.public_ip, "geographicalContext": null, "version": "V4", "source": null}]},
            "target": null
        })
    }
}

fn display_name(p: &Person) -> String {
    p.subject
        .split('@')
        .next()
        .unwrap_or_default()
        .split('.')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Okta System Log of the week, as `GET /api/v1/logs` returns it.
pub fn okta_log(federations: &[Federation]) -> Value {
    okta_log_with(federations, okta_mfa)
}

/// The Okta System Log of `federations`, each person signing in as `mfa` says.
pub fn okta_log_with(federations: &[Federation], mfa: impl Fn(&Person) -> OktaMfa) -> Value {
    let mut events: Vec<(DateTime<Utc>, Value)> = Vec::new();
    for f in federations.iter().filter(|f| f.sign_in) {
        let mfa = mfa(f.person);
        if mfa == OktaMfa::NotLogged {
            continue;
        }
        let s = Sign {
            f,
            session: format!(
                "102{}",
                Rng::for_label(&format!("okta-sid:{}", f.label)).string(ALNUM, 22)
            ),
            transaction: Rng::for_label(&format!("okta-tx:{}", f.label)).string(ALNUM, 27),
        };
        let start = f.at - Duration::seconds(48);
        let mut login = s.event(start, "user.session.start", "User login to Okta", 0);
        login["authenticationContext"]["authenticationProvider"] =
            json!("OKTA_AUTHENTICATION_PROVIDER");
        login["authenticationContext"]["credentialProvider"] = json!("OKTA_CREDENTIAL_PROVIDER");
        login["authenticationContext"]["credentialType"] = json!("PASSWORD");
        events.push((start, login));
        if mfa == OktaMfa::Push {
            let t = start + Duration::seconds(14);
            let mut push = s.event(
                t,
                "user.authentication.auth_via_mfa",
                "Authentication of user via MFA",
                0,
            );
            push["authenticationContext"]["credentialProvider"] = json!("OKTA_CREDENTIAL_PROVIDER");
            push["authenticationContext"]["credentialType"] = json!("OTP");
            push["debugContext"]["debugData"]["factor"] = json!("OKTA_VERIFY_PUSH");
            push["debugContext"]["debugData"]["factorIntent"] = json!("AUTHENTICATION");
            events.push((t, push));
        }
        let t = f.at - Duration::seconds(11);
        let mut sso = s.event(
            t,
            "user.authentication.sso",
            "User single sign on to app",
            0,
        );
        sso["target"] = json!([
            {"id": AWS_APP_ID, "type": "AppInstance", "alternateId": "AWS IAM Identity Center",
             "displayName": "AWS IAM Identity Center", "detailEntry": {"signOnModeType": "SAML_2_0"}},
            {"id": okta_id("0ua", &format!("okta-appuser:{}", f.person.subject)), "type": "AppUser",
             "alternateId": f.person.subject, "displayName": display_name(f.person), "detailEntry": null}
        ]);
        sso["debugContext"]["debugData"]["requestUri"] =
            json!(format!("/app/amazon_aws_sso/{AWS_APP_ID}/sso/saml"));
        sso["debugContext"]["debugData"]["url"] =
            json!(format!("/app/amazon_aws_sso/{AWS_APP_ID}/sso/saml?"));
        events.push((t, sso));
    }
    events.sort_by_key(|e| e.0);
    Value::Array(events.into_iter().map(|(_, v)| v).collect())
}

fn resource_id(id: &str) -> String {
    format!(
        "db-{}",
        Rng::for_label(&format!("dbi:{id}")).string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 26)
    )
}

/// `aws rds describe-db-instances` for the three instances (the fields tagtrail reads
/// and the ones around them that make it recognisable).
pub fn describe_db_instances() -> Value {
    let one = |id: &str, engine: &str, version: &str, port: u16| {
        json!({
            "DBInstanceIdentifier": id,
            "DBInstanceClass": "db.r6g.large",
            "Engine": engine,
            "DBInstanceStatus": "available",
            "MasterUsername": if engine == "postgres" { "postgres" } else { "admin" },
            "Endpoint": {"Address": format!("{id}.c9akciq32.{REGION}.rds.amazonaws.com"), "Port": port,
                         "HostedZoneId": "Z29XKXDKYMONMX"},
            "AllocatedStorage": 200,
            "InstanceCreateTime": "2025-03-04T10:21:44.512000+00:00",
            "EngineVersion": version,
            "DbiResourceId": resource_id(id),
            "DBInstanceArn": format!("arn:aws:rds:{REGION}:{ACCOUNT}:db:{id}"),
            "IAMDatabaseAuthenticationEnabled": true,
            "EnabledCloudwatchLogsExports": if engine == "postgres" { json!(["postgresql"]) } else { json!(["audit"]) },
            "TagList": [
                {"Key": "Environment", "Value": "production"},
                {"Key": "DataClassification", "Value": if id == "shop-prod" { "pii" } else { "confidential" }}
            ]
        })
    };
    json!({"DBInstances": [
        one(Instance::ShopProd.id(), "mariadb", "10.11.9", 3306),
        one(Instance::BillingProd.id(), "mysql", "8.0.39", 3306),
        one(pglog::INSTANCE, "postgres", "15.8", 5432),
    ]})
}

/// The accounts every instance of the synthetic estate has besides people's: the
/// master users and RDS's own, and the ledger's application, as (instance, user, host,
/// plugin) the way `tagtrail inventory` lists them.
pub const PLATFORM_USERS: [(&str, &str, &str, &str); 6] = [
    ("shop-prod", "admin", "%", "mysql_native_password"),
    (
        "shop-prod",
        "rdsadmin",
        "localhost",
        "mysql_native_password",
    ),
    ("billing-prod", "admin", "%", "caching_sha2_password"),
    (
        "billing-prod",
        "rdsadmin",
        "localhost",
        "caching_sha2_password",
    ),
    ("ledger-prod", "ledger_app", "", "password"),
    ("ledger-prod", "postgres", "", "password"),
];

/// The database users of each instance with their authentication (`mysql.user.plugin`;
/// for PostgreSQL `rds_iam` for members of that role), as `tagtrail inventory` lists them.
pub fn db_users_csv() -> String {
    let mut rows: Vec<(String, String, &str, &str)> = Vec::new();
    for p in PEOPLE {
        // Database users are lower case, whatever the IdP sends.
        let user = p.username.to_lowercase();
        for instance in [Instance::ShopProd.id(), Instance::BillingProd.id()] {
            rows.push((
                instance.to_string(),
                user.clone(),
                "%",
                "AWSAuthenticationPlugin",
            ));
        }
        rows.push((pglog::INSTANCE.to_string(), user, "", "rds_iam"));
    }
    let legacy = (
        "shop-prod",
        "app_legacy",
        "10.0.3.%",
        "mysql_native_password",
    );
    for (instance, user, host, plugin) in PLATFORM_USERS.into_iter().chain([legacy]) {
        rows.push((instance.to_string(), user.to_string(), host, plugin));
    }
    rows.sort();
    rows.dedup();
    let mut out = String::from("instance,user,host,plugin\n");
    for (instance, user, host, plugin) in rows {
        out.push_str(&format!("{instance},{user},{host},{plugin}\n"));
    }
    out
}

/// `aws sso-admin get-inline-policy-for-permission-set` for DatabaseAccess: each person
/// may connect only as the database user their `Username` tag names.
pub fn permission_set_policy() -> Value {
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ConnectAsYourself", "Effect": "Allow", "Action": "rds-db:connect",
             "Resource": format!("arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:*/${{aws:PrincipalTag/Username}}")},
            {"Sid": "FindTheEndpoints", "Effect": "Allow",
             "Action": ["rds:DescribeDBInstances", "rds:DescribeDBClusters"], "Resource": "*"}
        ]
    });
    json!({"InlinePolicy": policy.to_string()})
}

/// Relative paths and contents of the identity evidence.
pub fn files(federations: &[Federation]) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let pretty = |v: &Value| -> std::io::Result<Vec<u8>> {
        let mut s = serde_json::to_string_pretty(v).map_err(std::io::Error::other)?;
        s.push('\n');
        Ok(s.into_bytes())
    };
    Ok(vec![
        (
            "okta/system-log-2026-11-16.json".to_string(),
            pretty(&okta_log(federations))?,
        ),
        (
            "inventory/describe-db-instances.json".to_string(),
            pretty(&describe_db_instances())?,
        ),
        (
            "inventory/db-users.csv".to_string(),
            db_users_csv().into_bytes(),
        ),
        (
            format!("iam/{PERMISSION_SET}.json"),
            pretty(&permission_set_policy())?,
        ),
    ])
}
