//! Renders the federations as CloudTrail records and delivers them the way CloudTrail
//! does (shared/research/cloudtrail-events.md §1.3, §2.1, §5.1): the Identity Center
//! sign-in sequence around each `AssumeRoleWithSAML`, grouped into one file per burst
//! of activity, each record 5–15 minutes older than the delivery time in the file name,
//! records shuffled, gzip (`mtime` 0) except one downloaded-and-decompressed `.json`, and
//! one `AssumeRoleWithSAML` delivered twice.

use std::io::Write;

use chrono::{DateTime, Duration, DurationRound, Utc};
use flate2::{Compression, GzBuilder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::rng::{ALNUM, BASE64_CHARS, BASE64URL_CHARS, KEY_CHARS, Rng, base64};
use super::scenario::{
    ACCOUNT, DURATION_SECONDS, Delivery, Federation, Flow, IDENTITY_STORE, ORG_ID, Outcome,
    PERMISSION_SET, REGION, ROLE_ARN, ROLE_ID, ROLE_NAME, SAML_PROVIDER_ARN,
};

/// What Identity Center's STS client sends (verbatim from the real sample, §1.3).
const IDC_USER_AGENT: &str = "aws-sdk-java/2.46.14 md/io#sync md/http#Apache md/internal ua/2.1 api/STS#2.46.x os/Linux#4.14.355-284.735.amzn2.x86_64 lang/java#17.0.19 md/OpenJDK_64-Bit_Server_VM#17.0.19+11-LTS md/vendor#Amazon.com_Inc. md/en_US m/E,N,AJ";
/// Addresses Identity Center calls STS from (AWS eu-west-1 ranges).
const IDC_ADDRESSES: &[&str] = &["52.210.41.7", "34.248.130.12", "54.74.18.201"];
const TLS13: (&str, &str) = ("TLSv1.3", "TLS_AES_128_GCM_SHA256");

/// The CLI's user agent while running `command` (e.g. `rds.describe-db-instances`).
fn cli_user_agent(command: &str) -> String {
    format!(
        "aws-cli/2.31.4 md/awscrt#0.27.6 ua/2.1 os/linux#6.8.0-88-generic md/arch#x86_64 lang/python#3.13.7 md/pyimpl#CPython m/E,b cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#{command}"
    )
}

/// `2026-11-16T08:41:17Z`
pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// STS's `credentials.expiration`: a Java locale string, `Nov 16, 2026, 5:12:03 PM`.
pub fn expiration(t: DateTime<Utc>) -> String {
    t.format("%b %-d, %Y, %-I:%M:%S %p").to_string()
}

/// The Identity Center SAML issuer of this organisation's instance.
pub fn issuer() -> String {
    format!(
        "https://portal.sso.{REGION}.amazonaws.com/saml/assertion/{}",
        base64(format!("{ACCOUNT}_ins-5c3d9e8f7a6b1c2d").as_bytes())
    )
}

/// `saml:namequalifier`: a hash of issuer, account and provider name (AWS uses SHA-1;
/// any 20 bytes in base64 look the same).
pub fn name_qualifier() -> String {
    let provider = SAML_PROVIDER_ARN.rsplit('/').next().unwrap_or_default();
    let digest = Sha256::digest(format!("{}{ACCOUNT}/{provider}", issuer()).as_bytes());
    base64(&digest[..20])
}

fn identity_store_arn() -> String {
    format!("arn:aws:identitystore::{ACCOUNT}:identitystore/{IDENTITY_STORE}")
}

fn assumed_role_arn(subject: &str) -> String {
    format!("arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/{subject}")
}

/// A fake STS access key id (`ASIA` + 16).
fn access_key_id(label: &str) -> String {
    format!(
        "ASIA{}",
        Rng::for_label(&format!("akid:{label}")).string(KEY_CHARS, 16)
    )
}

/// One CloudTrail record and when it happened.
#[derive(Debug, Clone)]
pub struct Record {
    pub time: DateTime<Utc>,
    pub event_id: String,
    pub value: Value,
}

/// Builds the records of one federation; each gets ids from its own label.
struct Burst<'a> {
    f: &'a Federation,
    records: Vec<Record>,
}

impl Burst<'_> {
    fn ids(&self, kind: &str) -> (String, String) {
        let mut r = Rng::for_label(&format!("ids:{}:{kind}", self.f.label));
        (r.uuid(), r.uuid())
    }

    fn offset(&self, kind: &str, lo: i64, hi: i64) -> DateTime<Utc> {
        self.f.at
            + Duration::seconds(
                Rng::for_label(&format!("dt:{}:{kind}", self.f.label)).range(lo, hi),
            )
    }

    fn push(&mut self, time: DateTime<Utc>, event_id: String, value: Value) {
        self.records.push(Record {
            time,
            event_id,
            value,
        });
    }

    /// The portal user's identity (2025+ shape: no user name, `onBehalfOf` instead).
    fn identity_center_user(&self, with_credential: bool) -> Value {
        let mut v = json!({
            "type": "IdentityCenterUser",
            "accountId": ACCOUNT,
            "onBehalfOf": {
                "userId": self.f.person.identity_store_user_id(),
                "identityStoreArn": identity_store_arn(),
            },
        });
        if with_credential {
            // One portal sign-in per person and day.
            let day = self.f.at.format("%Y%m%d");
            let mut r = Rng::for_label(&format!("credential:{}:{day}", self.f.person.subject));
            v["credentialId"] = json!(format!("AAAAAG{}", r.string(BASE64URL_CHARS, 80)));
        }
        v
    }

    /// The person working with the role session (`AssumedRole` + `onBehalfOf`).
    fn assumed_role(&self, access_key: Option<String>) -> Value {
        let subject = self.f.person.subject;
        let mut v = json!({
            "type": "AssumedRole",
            "principalId": format!("{ROLE_ID}:{subject}"),
            "arn": assumed_role_arn(subject),
            "accountId": ACCOUNT,
        });
        if let Some(key) = access_key {
            v["accessKeyId"] = json!(key);
        }
        v["sessionContext"] = json!({
            "sessionIssuer": {
                "type": "Role",
                "principalId": ROLE_ID,
                "arn": ROLE_ARN,
                "accountId": ACCOUNT,
                "userName": ROLE_NAME,
            },
            "attributes": {
                "creationDate": iso(self.f.at),
                "mfaAuthenticated": "false",
            },
        });
        v["onBehalfOf"] = json!({
            "userId": self.f.person.identity_store_user_id(),
            "identityStoreArn": identity_store_arn(),
        });
        v
    }

    /// Okta → Identity Center sign-in (`CredentialType: EXTERNAL_IDP`).
    fn user_authentication(&mut self) {
        let t = self.offset("UserAuthentication", -110, -60);
        let (request_id, event_id) = self.ids("UserAuthentication");
        let mut r = Rng::for_label(&format!("workflow:{}", self.f.label));
        let workflow = r.uuid();
        let state = r.string(BASE64URL_CHARS, 48);
        let v = json!({
            "eventVersion": "1.11",
            "userIdentity": self.identity_center_user(false),
            "eventTime": iso(t),
            "eventSource": "signin.amazonaws.com",
            "eventName": "UserAuthentication",
            "awsRegion": REGION,
            "sourceIPAddress": self.f.person.public_ip,
            "userAgent": self.f.person.browser,
            "requestParameters": null,
            "responseElements": null,
            "additionalEventData": {
                "AuthWorkflowID": workflow,
                "LoginTo": format!("https://{IDENTITY_STORE}.awsapps.com/start/?state={state}&organization={IDENTITY_STORE}&region={REGION}"),
                "CredentialType": "EXTERNAL_IDP",
            },
            "requestID": request_id,
            "eventID": event_id,
            "readOnly": false,
            "eventType": "AwsServiceEvent",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "serviceEventDetails": {"UserAuthentication": "Success"},
            "eventCategory": "Management",
        });
        self.push(t, event_id, v);
    }

    /// Portal / CLI lists the permission sets of the account (`sso.amazonaws.com`).
    fn list_account_roles(&mut self) {
        let t = self.offset("ListAccountRoles", -40, -15);
        let (request_id, event_id) = self.ids("ListAccountRoles");
        let v = json!({
            "eventVersion": "1.11",
            "userIdentity": self.identity_center_user(true),
            "eventTime": iso(t),
            "eventSource": "sso.amazonaws.com",
            "eventName": "ListAccountRoles",
            "awsRegion": REGION,
            "sourceIPAddress": self.f.person.public_ip,
            "userAgent": self.f.person.browser,
            "requestParameters": null,
            "responseElements": null,
            "requestID": request_id,
            "eventID": event_id,
            "readOnly": true,
            "eventType": "AwsServiceEvent",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "serviceEventDetails": {"account_id": ACCOUNT},
            "eventCategory": "Management",
        });
        self.push(t, event_id, v);
    }

    /// The CLI fetches role credentials; Identity Center calls STS in the same second.
    fn get_role_credentials(&mut self) {
        let t = self.f.at;
        let (request_id, event_id) = self.ids("GetRoleCredentials");
        let v = json!({
            "eventVersion": "1.11",
            "userIdentity": self.identity_center_user(true),
            "eventTime": iso(t),
            "eventSource": "sso.amazonaws.com",
            "eventName": "GetRoleCredentials",
            "awsRegion": REGION,
            "sourceIPAddress": self.f.person.public_ip,
            "userAgent": cli_user_agent(self.first_cli_command()),
            "requestParameters": null,
            "responseElements": null,
            "requestID": request_id,
            "eventID": event_id,
            "readOnly": true,
            "eventType": "AwsServiceEvent",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "serviceEventDetails": {"role_name": PERMISSION_SET, "account_id": ACCOUNT},
            "eventCategory": "Management",
        });
        self.push(t, event_id, v);
    }

    fn first_cli_command(&self) -> &'static str {
        if self.f.caller_identity {
            "sts.get-caller-identity"
        } else {
            "rds.describe-db-instances"
        }
    }

    /// The record tagtrail reads (shape of the real Identity Center sample, §1.3).
    fn assume_role_with_saml(&mut self) -> Record {
        let f = self.f;
        let p = f.person;
        let (request_id, event_id) = self.ids("AssumeRoleWithSAML");
        let mut r = Rng::for_label(&format!("saml:{}", f.label));
        let assertion_id = format!("_{}", r.uuid());
        let source_ip = IDC_ADDRESSES[r.range(0, IDC_ADDRESSES.len() as i64 - 1) as usize];
        let extended = base64(
            format!(
                "1:{REGION}:S:{}:R:{}",
                f.at.timestamp_millis() + r.range(0, 999),
                r.string(ALNUM, 8)
            )
            .as_bytes(),
        );
        let nq = name_qualifier();

        let mut tags = serde_json::Map::new();
        for (k, v) in p.principal_tags() {
            tags.insert(k.to_string(), json!(v));
        }
        if let Outcome::TagValidationError { project } = &f.outcome {
            tags.insert("Project".to_string(), json!(project));
        }
        let mut request = json!({
            "sAMLAssertionID": assertion_id,
            "roleSessionName": p.subject,
            "principalTags": tags,
        });
        if !p.transitive_tag_keys.is_empty() {
            request["transitiveTagKeys"] = json!(p.transitive_tag_keys);
        }
        request["roleArn"] = json!(ROLE_ARN);
        request["principalArn"] = json!(SAML_PROVIDER_ARN);
        request["durationSeconds"] = json!(DURATION_SECONDS);

        let mut v = json!({
            "eventVersion": f.event_version,
            "userIdentity": {
                "type": "SAMLUser",
                "principalId": format!("{nq}:{}", p.subject),
                "userName": p.subject,
                "identityProvider": nq,
            },
            "eventTime": iso(f.at),
            "eventSource": "sts.amazonaws.com",
            "eventName": "AssumeRoleWithSAML",
            "awsRegion": REGION,
            "sourceIPAddress": source_ip,
            "userAgent": IDC_USER_AGENT,
        });
        match &f.outcome {
            Outcome::Success => {
                v["requestParameters"] = request;
                v["responseElements"] = json!({
                    "credentials": {
                        "accessKeyId": access_key_id(&format!("{}:sts", f.label)),
                        "sessionToken": format!("IQoJb3JpZ2luX2VjE{}FAKE", r.string(BASE64_CHARS, 60)),
                        "expiration": expiration(f.expires()),
                    },
                    "assumedRoleUser": {
                        "assumedRoleId": format!("{ROLE_ID}:{}", p.subject),
                        "arn": assumed_role_arn(p.subject),
                    },
                    "subject": p.subject,
                    "subjectType": "persistent",
                    "issuer": issuer(),
                    "audience": "https://signin.aws.amazon.com/saml",
                    "nameQualifier": nq,
                });
            }
            Outcome::TagValidationError { .. } => {
                v["errorCode"] = json!("ValidationError");
                v["errorMessage"] = json!("Unable to validate tags");
                v["requestParameters"] = request;
                v["responseElements"] = Value::Null;
            }
        }
        v["additionalEventData"] = json!({
            "ExtendedRequestId": extended,
            "RequestDetails": {"endpointType": "regional", "awsServingRegion": REGION},
        });
        v["requestID"] = json!(request_id);
        v["eventID"] = json!(event_id);
        v["readOnly"] = json!(true);
        v["resources"] = json!([
            {"accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": ROLE_ARN},
            {"accountId": ACCOUNT, "type": "AWS::IAM::SAMLProvider", "ARN": SAML_PROVIDER_ARN},
        ]);
        v["eventType"] = json!("AwsApiCall");
        v["managementEvent"] = json!(true);
        v["recipientAccountId"] = json!(ACCOUNT);
        v["eventCategory"] = json!("Management");
        v["tlsDetails"] = json!({
            "tlsVersion": TLS13.0,
            "cipherSuite": TLS13.1,
            "clientProvidedHostHeader": format!("sts.{REGION}.amazonaws.com"),
        });
        let record = Record {
            time: f.at,
            event_id,
            value: v,
        };
        self.records.push(record.clone());
        record
    }

    /// The portal federates the browser into the console.
    fn console_login(&mut self) {
        let t = self.offset("ConsoleLogin", 1, 3);
        let (_, event_id) = self.ids("ConsoleLogin");
        let v = json!({
            "eventVersion": "1.11",
            "userIdentity": self.assumed_role(None),
            "eventTime": iso(t),
            "eventSource": "signin.amazonaws.com",
            "eventName": "ConsoleLogin",
            "awsRegion": REGION,
            "sourceIPAddress": self.f.person.public_ip,
            "userAgent": self.f.person.browser,
            "requestParameters": null,
            "responseElements": {"ConsoleLogin": "Success"},
            "additionalEventData": {"MobileVersion": "No", "MFAUsed": "No"},
            "eventID": event_id,
            "readOnly": false,
            "eventType": "AwsConsoleSignIn",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management",
            "tlsDetails": {
                "tlsVersion": TLS13.0,
                "cipherSuite": TLS13.1,
                "clientProvidedHostHeader": format!("{REGION}.signin.aws.amazon.com"),
            },
        });
        self.push(t, event_id, v);
    }

    fn session_key(&self) -> String {
        access_key_id(&format!("{}:session", self.f.label))
    }

    fn get_caller_identity(&mut self) {
        let t = self.offset("GetCallerIdentity", 1, 3);
        let (request_id, event_id) = self.ids("GetCallerIdentity");
        let v = json!({
            "eventVersion": "1.11",
            "userIdentity": self.assumed_role(Some(self.session_key())),
            "eventTime": iso(t),
            "eventSource": "sts.amazonaws.com",
            "eventName": "GetCallerIdentity",
            "awsRegion": REGION,
            "sourceIPAddress": self.f.api_ip.unwrap_or(self.f.person.public_ip),
            "userAgent": cli_user_agent("sts.get-caller-identity"),
            "requestParameters": null,
            "responseElements": null,
            "requestID": request_id,
            "eventID": event_id,
            "readOnly": true,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management",
            "tlsDetails": {
                "tlsVersion": TLS13.0,
                "cipherSuite": TLS13.1,
                "clientProvidedHostHeader": format!("sts.{REGION}.amazonaws.com"),
            },
        });
        self.push(t, event_id, v);
    }

    /// The person looks up the endpoint before generating an IAM auth token (which itself
    /// leaves no trace in CloudTrail).
    fn describe_db_instances(&mut self, instance: &str) {
        let t = self.offset("DescribeDBInstances", 20, 90);
        let (request_id, event_id) = self.ids("DescribeDBInstances");
        let console = self.f.flow == Flow::Console;
        let user_agent = if console {
            self.f.person.browser.to_string()
        } else {
            cli_user_agent("rds.describe-db-instances")
        };
        let mut v = json!({
            "eventVersion": "1.11",
            "userIdentity": self.assumed_role(Some(self.session_key())),
            "eventTime": iso(t),
            "eventSource": "rds.amazonaws.com",
            "eventName": "DescribeDBInstances",
            "awsRegion": REGION,
            "sourceIPAddress": self.f.api_ip.unwrap_or(self.f.person.public_ip),
            "userAgent": user_agent,
            "requestParameters": {"dBInstanceIdentifier": instance},
            "responseElements": null,
            "requestID": request_id,
            "eventID": event_id,
            "readOnly": true,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management",
            "tlsDetails": {
                "tlsVersion": TLS13.0,
                "cipherSuite": TLS13.1,
                "clientProvidedHostHeader": format!("rds.{REGION}.amazonaws.com"),
            },
        });
        if console {
            v["sessionCredentialFromConsole"] = json!("true");
        }
        self.push(t, event_id, v);
    }
}

/// All records around one federation; returns them with the `AssumeRoleWithSAML` record.
pub fn federation_records(f: &Federation) -> (Vec<Record>, Record) {
    let mut b = Burst {
        f,
        records: Vec::new(),
    };
    if f.sign_in {
        b.user_authentication();
        b.list_account_roles();
    }
    if f.flow == Flow::Cli && f.succeeded() {
        b.get_role_credentials();
    }
    let saml = b.assume_role_with_saml();
    if f.succeeded() {
        if f.flow == Flow::Console {
            b.console_login();
        }
        if f.caller_identity {
            b.get_caller_identity();
        }
        if let Some(instance) = f.describe {
            b.describe_db_instances(instance);
        }
    }
    (b.records, saml)
}

/// One delivered log file.
#[derive(Debug, Clone)]
pub struct CtFile {
    /// Path relative to the output directory.
    pub rel_path: String,
    pub bytes: Vec<u8>,
    pub records: usize,
}

/// A file's records span at most this much, so a delivery time 5–15 minutes after all
/// of them exists.
const MAX_SPAN_SECONDS: i64 = 8 * 60 + 30;

/// Groups every record into delivered files.
pub fn deliver(federations: &[Federation]) -> std::io::Result<Vec<CtFile>> {
    let mut all = Vec::new();
    let mut twice = None;
    let mut uncompressed = None;
    for f in federations {
        let (records, saml) = federation_records(f);
        all.extend(records);
        match f.delivery {
            Delivery::Normal => {}
            Delivery::Twice => twice = Some(saml),
            Delivery::Uncompressed => uncompressed = Some(saml.event_id),
        }
    }
    all.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));

    // Bursts: records close in time share a file.
    let mut groups: Vec<Vec<Record>> = Vec::new();
    for r in all {
        match groups.last_mut() {
            Some(g) if (r.time - g[0].time).num_seconds() <= MAX_SPAN_SECONDS => g.push(r),
            _ => groups.push(vec![r]),
        }
    }
    // The redelivered record: its burst is delivered as two files that both hold it.
    if let Some(dup) = twice {
        let gi = groups
            .iter()
            .position(|g| g.iter().any(|r| r.event_id == dup.event_id))
            .expect("duplicated record is delivered");
        let at = groups[gi]
            .iter()
            .position(|r| r.event_id == dup.event_id)
            .expect("in group")
            + 1;
        let mut second = groups[gi].split_off(at);
        assert!(!second.is_empty(), "the duplicate needs a second file");
        second.insert(0, dup);
        groups.insert(gi + 1, second);
    }

    let mut files = Vec::new();
    for (i, mut records) in groups.into_iter().enumerate() {
        let mut rng = Rng::for_label(&format!("file:{i}"));
        let first = records.iter().map(|r| r.time).min().expect("non-empty");
        let last = records.iter().map(|r| r.time).max().expect("non-empty");
        let minute = Duration::minutes(1);
        let lo = (last + Duration::minutes(5) + minute - Duration::seconds(1))
            .duration_trunc(minute)
            .expect("truncate");
        let hi = (first + Duration::minutes(15))
            .duration_trunc(minute)
            .expect("truncate");
        assert!(lo <= hi, "burst too long: {first} .. {last}");
        let slack = ((hi - lo).num_minutes()).min(3);
        let delivered = lo + Duration::minutes(rng.range(0, slack));

        // CloudTrail does not order records; make sure this file is not sorted either.
        rng.shuffle(&mut records);
        if records.windows(2).all(|w| w[0].time <= w[1].time) {
            records.reverse();
        }
        let plain = records
            .iter()
            .any(|r| Some(&r.event_id) == uncompressed.as_ref());
        let json = serde_json::to_string(&json!({
            "Records": records.iter().map(|r| r.value.clone()).collect::<Vec<_>>()
        }))
        .map_err(std::io::Error::other)?;
        let name = format!(
            "{ACCOUNT}_CloudTrail_{REGION}_{}_{}.json{}",
            delivered.format("%Y%m%dT%H%MZ"),
            rng.string(ALNUM, 16),
            if plain { "" } else { ".gz" }
        );
        let rel_path = format!(
            "cloudtrail/AWSLogs/{ORG_ID}/{ACCOUNT}/CloudTrail/{REGION}/{}/{name}",
            delivered.format("%Y/%m/%d")
        );
        let bytes = if plain {
            json.into_bytes()
        } else {
            gzip(json.as_bytes())?
        };
        files.push(CtFile {
            rel_path,
            bytes,
            records: records.len(),
        });
    }
    Ok(files)
}

/// gzip with a zero mtime and no file name, so the bytes depend on the content only.
pub fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::best());
    enc.write_all(data)?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::scenario::at;

    #[test]
    fn expiration_uses_the_sts_locale_format() {
        assert_eq!(
            expiration(at("2026-11-16 17:12:03")),
            "Nov 16, 2026, 5:12:03 PM"
        );
        assert_eq!(
            expiration(at("2026-11-17 00:08:19")),
            "Nov 17, 2026, 12:08:19 AM"
        );
        assert_eq!(
            expiration(at("2026-11-17 12:08:19")),
            "Nov 17, 2026, 12:08:19 PM"
        );
    }

    #[test]
    fn identity_center_constants_have_real_shapes() {
        assert_eq!(name_qualifier().len(), 28);
        assert!(issuer().starts_with("https://portal.sso.eu-west-1.amazonaws.com/saml/assertion/"));
        let key = access_key_id("x");
        assert_eq!(key.len(), 20);
        assert!(key.starts_with("ASIA"));
        assert_eq!(ROLE_ID.len(), 21);
    }
}
