//! A large organization trail for benchmarks: the demo week's federation records (the
//! events tagtrail keeps) diluted in the noise of a busy real trail (S3 and DynamoDB data
//! events, KMS calls made by services, Describe*/Get* calls), delivered as CloudTrail
//! does: `AWSLogs/<org>/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`.
//!
//! Deterministic like the demo (labelled splitmix64, gzip mtime 0), so a benchmark can
//! be rerun on the same bytes. Records are written file by file: memory stays small
//! whatever the size asked for.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use flate2::Compression;
use flate2::GzBuilder;
use serde_json::{Value, json};
use std::io::Write;

use super::cloudtrail::{federation_records, iso};
use super::rng::{ALNUM, KEY_CHARS, Rng};
use super::scenario::{ORG_ID, Scenario, at};

/// Accounts and regions of the synthetic organization.
const ACCOUNTS: [&str; 4] = [
    "111122223333",
    "222233334444",
    "333344445555",
    "444455556666",
];
const REGIONS: [&str; 2] = ["eu-west-1", "us-east-1"];
/// Records per delivered file: a busy account's five-minute file.
const RECORDS_PER_FILE: usize = 1500;
/// Share of records tagtrail keeps, in percent (real trails are mostly noise).
const KEPT_PERCENT: i64 = 15;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TrailSummary {
    pub files: u64,
    pub records: u64,
    pub kept_records: u64,
    /// Uncompressed JSON bytes: the unit benchmarks report throughput in.
    pub json_bytes: u64,
    pub gzip_bytes: u64,
}

/// Writes at least `target_json_bytes` of uncompressed CloudTrail JSON under `out`.
pub fn generate(out: &Path, target_json_bytes: u64) -> std::io::Result<TrailSummary> {
    let kept = kept_templates();
    let noise = noise_templates();
    let mut summary = TrailSummary::default();
    let start = at("2026-11-16 00:00:00");
    let mut rng = Rng::for_label("trail");
    let mut n = 0u64;
    while summary.json_bytes < target_json_bytes {
        let account = ACCOUNTS[(n % ACCOUNTS.len() as u64) as usize];
        let region = REGIONS[((n / ACCOUNTS.len() as u64) % REGIONS.len() as u64) as usize];
        // Files of one account and region follow each other five minutes apart.
        let slot = n / (ACCOUNTS.len() * REGIONS.len()) as u64;
        let delivered = start + Duration::minutes(5 * slot as i64 + 7);
        write_file(
            out,
            account,
            region,
            delivered,
            &mut rng,
            &mut summary,
            |rng| {
                let keep = rng.range(0, 99) < KEPT_PERCENT;
                (if keep { &kept[..] } else { &noise[..] }, keep)
            },
        )?;
        n += 1;
    }
    Ok(summary)
}

/// Writes one delivered file of [`RECORDS_PER_FILE`] records of `account` and `region`
/// under `out/AWSLogs/…`, each a template `pick` chooses (and says whether tagtrail
/// keeps it), stamped with fresh ids and a time in the minutes before `delivered`.
fn write_file<'t>(
    out: &Path,
    account: &str,
    region: &str,
    delivered: DateTime<Utc>,
    rng: &mut Rng,
    summary: &mut TrailSummary,
    mut pick: impl FnMut(&mut Rng) -> (&'t [Value], bool),
) -> std::io::Result<()> {
    let mut json = Vec::with_capacity(RECORDS_PER_FILE * 1600);
    json.extend_from_slice(b"{\"Records\":[");
    for i in 0..RECORDS_PER_FILE {
        let (pool, keep) = pick(rng);
        let template = &pool[rng.range(0, pool.len() as i64 - 1) as usize];
        let t = delivered - Duration::seconds(rng.range(60, 600));
        let record = instantiate(template, rng, t, account, region);
        if i > 0 {
            json.push(b',');
        }
        serde_json::to_writer(&mut json, &record)?;
        summary.records += 1;
        summary.kept_records += u64::from(keep);
    }
    json.extend_from_slice(b"]}");
    let rel = format!(
        "AWSLogs/{ORG_ID}/{account}/CloudTrail/{region}/{}/{account}_CloudTrail_{region}_{}_{}.json.gz",
        delivered.format("%Y/%m/%d"),
        delivered.format("%Y%m%dT%H%MZ"),
        rng.string(ALNUM, 16)
    );
    let path = out.join(rel);
    std::fs::create_dir_all(path.parent().expect("file under a folder"))?;
    let mut gz = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::fast());
    gz.write_all(&json)?;
    let bytes = gz.finish()?;
    std::fs::write(&path, &bytes)?;
    summary.files += 1;
    summary.json_bytes += json.len() as u64;
    summary.gzip_bytes += bytes.len() as u64;
    Ok(())
}

/// Unrelated events (data events, service calls, Describe*): at least `records` of them
/// for one day of `account` and `region`, in files delivered through the day from
/// `day_start`. What a synthetic organization's trail is mostly made of.
pub fn noise(
    out: &Path,
    account: &str,
    region: &str,
    day_start: DateTime<Utc>,
    records: u64,
    rng: &mut Rng,
) -> std::io::Result<TrailSummary> {
    let templates = noise_templates();
    let mut summary = TrailSummary::default();
    let files = records.div_ceil(RECORDS_PER_FILE as u64).max(1);
    let step = 86_400 / files as i64;
    for n in 0..files as i64 {
        let delivered = day_start + Duration::seconds(n * step + rng.range(600, 600 + step / 2));
        write_file(out, account, region, delivered, rng, &mut summary, |_| {
            (&templates[..], false)
        })?;
    }
    Ok(summary)
}

/// A template with fresh ids, time, account and region.
fn instantiate(
    template: &Value,
    rng: &mut Rng,
    t: DateTime<Utc>,
    account: &str,
    region: &str,
) -> Value {
    let mut v = template.clone();
    v["eventID"] = json!(rng.uuid());
    v["requestID"] = json!(rng.uuid());
    v["eventTime"] = json!(iso(t));
    v["recipientAccountId"] = json!(account);
    v["awsRegion"] = json!(region);
    if v["responseElements"]["credentials"]["accessKeyId"].is_string() {
        v["responseElements"]["credentials"]["accessKeyId"] =
            json!(format!("ASIA{}", rng.string(KEY_CHARS, 16)));
    }
    v
}

/// Every record of the demo week's federations (sign-in, credentials, sessions).
fn kept_templates() -> Vec<Value> {
    let scenario = Scenario::demo();
    let mut out = Vec::new();
    for f in &scenario.federations {
        let (records, saml) = federation_records(f);
        out.extend(records.into_iter().map(|r| r.value));
        out.push(saml.value);
    }
    out
}

/// Shapes of the events that make up most of a real trail.
fn noise_templates() -> Vec<Value> {
    let role = |name: &str| {
        json!({
            "type": "AssumedRole",
            "principalId": format!("AROAEXAMPLE{name}:i-0abc{name}"),
            "arn": format!("arn:aws:sts::111122223333:assumed-role/{name}/i-0abc{name}"),
            "accountId": "111122223333",
            "accessKeyId": "ASIAEXAMPLEEXAMPLE01",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": format!("AROAEXAMPLE{name}"),
                    "arn": format!("arn:aws:iam::111122223333:role/{name}"), "accountId": "111122223333", "userName": name},
                "attributes": {"creationDate": "2026-11-16T00:00:00Z", "mfaAuthenticated": "false"},
                "ec2RoleDelivery": "2.0"
            }
        })
    };
    let tls = json!({"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "s3.eu-west-1.amazonaws.com"});
    vec![
        json!({
            "eventVersion": "1.10", "userIdentity": role("app-orders"),
            "eventTime": "", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
            "awsRegion": "", "sourceIPAddress": "10.20.3.17", "userAgent": "[aws-sdk-java/2.25.11 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/standard]",
            "requestParameters": {"bucketName": "orders-exports-prod", "Host": "orders-exports-prod.s3.eu-west-1.amazonaws.com", "key": "exports/2026/11/16/orders-000431.csv.gz"},
            "responseElements": null,
            "additionalEventData": {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader", "x-amz-id-2": "yWkR8n0zJ1mB2lO3pQ4rS5tU6vW7xY8zA9bC0dE1fG2hI3jK4lM5nO6pQ7rS8tU9vW0xY1zA2b=", "bytesTransferredOut": 48213},
            "requestID": "", "eventID": "", "readOnly": true,
            "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::orders-exports-prod/exports/2026/11/16/orders-000431.csv.gz"},
                          {"accountId": "111122223333", "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::orders-exports-prod"}],
            "eventType": "AwsApiCall", "managementEvent": false, "recipientAccountId": "", "vpcEndpointId": "vpce-0a1b2c3d4e5f60718",
            "vpcEndpointAccountId": "111122223333", "eventCategory": "Data", "tlsDetails": tls
        }),
        json!({
            "eventVersion": "1.09",
            "userIdentity": {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"},
            "eventTime": "", "eventSource": "kms.amazonaws.com", "eventName": "Decrypt",
            "awsRegion": "", "sourceIPAddress": "ec2.amazonaws.com", "userAgent": "ec2.amazonaws.com",
            "requestParameters": {"encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "encryptionContext": {"aws:ebs:id": "vol-0f1e2d3c4b5a69788"}},
            "responseElements": null, "requestID": "", "eventID": "", "readOnly": true,
            "resources": [{"accountId": "111122223333", "type": "AWS::KMS::Key", "ARN": "arn:aws:kms:eu-west-1:111122223333:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}],
            "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "",
            "sharedEventID": "5b2c1f0e-8d7a-4c3b-9e6f-1a2b3c4d5e6f", "eventCategory": "Management"
        }),
        json!({
            "eventVersion": "1.08", "userIdentity": role("app-catalog"),
            "eventTime": "", "eventSource": "dynamodb.amazonaws.com", "eventName": "GetItem",
            "awsRegion": "", "sourceIPAddress": "10.20.5.41", "userAgent": "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/dynamodb#1.34.4",
            "requestParameters": {"tableName": "catalog-items", "key": {"pk": "ITEM#884213", "sk": "META"}, "consistentRead": false, "projectionExpression": "#n, price, stock"},
            "responseElements": null, "requestID": "", "eventID": "", "readOnly": true,
            "resources": [{"accountId": "111122223333", "type": "AWS::DynamoDB::Table", "ARN": "arn:aws:dynamodb:eu-west-1:111122223333:table/catalog-items"}],
            "eventType": "AwsApiCall", "managementEvent": false, "recipientAccountId": "", "eventCategory": "Data",
            "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "dynamodb.eu-west-1.amazonaws.com"}
        }),
        json!({
            "eventVersion": "1.09", "userIdentity": role("eks-node"),
            "eventTime": "", "eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances",
            "awsRegion": "", "sourceIPAddress": "10.20.7.9", "userAgent": "aws-sdk-go/1.55.5 (go1.22.5; linux; amd64) cluster-autoscaler",
            "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-0123456789abcdef0"}, {"instanceId": "i-0fedcba9876543210"}]}, "filterSet": {}},
            "responseElements": null, "requestID": "", "eventID": "", "readOnly": true,
            "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "", "eventCategory": "Management",
            "tlsDetails": {"tlsVersion": "TLSv1.2", "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256", "clientProvidedHostHeader": "ec2.eu-west-1.amazonaws.com"}
        }),
        json!({
            "eventVersion": "1.08", "userIdentity": role("app-payments"),
            "eventTime": "", "eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue",
            "awsRegion": "", "sourceIPAddress": "10.20.4.23", "userAgent": "aws-sdk-java/2.25.11 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS",
            "requestParameters": {"secretId": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/payments/api-key-AbCdEf"},
            "responseElements": null, "requestID": "", "eventID": "", "readOnly": true,
            "resources": [{"accountId": "111122223333", "type": "AWS::SecretsManager::Secret", "ARN": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/payments/api-key-AbCdEf"}],
            "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "", "eventCategory": "Management"
        }),
        json!({
            "eventVersion": "1.08", "userIdentity": role("lambda-reporter"),
            "eventTime": "", "eventSource": "monitoring.amazonaws.com", "eventName": "PutMetricData",
            "awsRegion": "", "sourceIPAddress": "3.250.12.77", "userAgent": "Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.224 md/arch#x86_64 lang/python#3.12.4 exec-env/AWS_Lambda_python3.12",
            "requestParameters": {"namespace": "Reporter", "metricData": [{"metricName": "RowsExported", "value": 1843.0, "unit": "Count"}]},
            "responseElements": null, "requestID": "", "eventID": "", "readOnly": false,
            "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "", "eventCategory": "Management"
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_trail_is_deterministic_and_mostly_noise() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let sa = generate(a.path(), 3 << 20).unwrap();
        let sb = generate(b.path(), 3 << 20).unwrap();
        assert_eq!(sa, sb);
        assert!(sa.json_bytes >= 3 << 20 && sa.files >= 2, "{sa:?}");
        let share = sa.kept_records * 100 / sa.records;
        assert!((10..=20).contains(&share), "{sa:?}");
    }
}
