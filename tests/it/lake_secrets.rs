//! Secrets planted in the real-server workloads (password literals in CREATE/ALTER USER,
//! ROLE and SET PASSWORD, IAM-token-shaped strings in statements and as a login password,
//! AWS secret keys after `aws_secret_access_key=`), and the test that looks for them in
//! every byte of every file of the lakes those workloads produced, in the decoded values
//! of every column of every Parquet file, and in what `tagtrail ingest` printed.

use std::path::{Path, PathBuf};

use arrow::array::Array;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::json;

use crate::support::query;

pub const MDB_ALICE_PW: &str = "Alice-S3cret-pw-71";
pub const MDB_BOB_PW: &str = "Bob-S3cret-pw-72";
pub const MDB_SHARED_PW: &str = "Shared-S3cret-pw-73";
pub const MDB_BOB_NEW_PW: &str = "Bob-N3w-pw-74";
pub const MDB_ALICE_NEW_PW: &str = "Alice-N3w-pw-75";
pub const MDB_SHARED_NEW_PW: &str = "Shared-N3w-pw-76";
pub const MDB_PASSWORD_FN_PW: &str = "Alice-Plain-pw-77";
pub const MDB_AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY71";
pub const MDB_TOKEN: &str = "IQoJb3JpZ2luSECRETTOKEN71";
pub const MDB_SIGNATURE: &str = "7f3e5d1c9b0a8f6e4d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d771";

pub const PG_ADMIN_PW: &str = "Postgres-Adm1n-pw-80";
pub const PG_ALICE_PW: &str = "Alice-Pg-S3cret-81";
pub const PG_BOB_PW: &str = "Bob-Pg-S3cret-82";
pub const PG_SHARED_PW: &str = "Shared-Pg-S3cret-83";
pub const PG_BOB_NEW_PW: &str = "Bob-Pg-N3w-84";
pub const PG_ALICE_NEW_PW: &str = "Alice-Pg-N3w-85";
/// In a statement that fails, so PostgreSQL logs it raw on a `STATEMENT:` line.
pub const PG_FAILED_PW: &str = "Dup-Pg-S3cret-86";
pub const PG_AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY81";
pub const PG_TOKEN: &str = "IQoJb3JpZ2luPGSECRETTOKEN81";
pub const PG_SIGNATURE: &str = "8f3e5d1c9b0a8f6e4d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d781";
/// In a failing statement (raw on its `STATEMENT:` line).
pub const PG_ERROR_SIGNATURE: &str =
    "9a3e5d1c9b0a8f6e4d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d782";
/// The IAM login's own token parts (sent as the password, never logged by the server).
pub const PG_LOGIN_TOKEN: &str = "IQoJbIAMLOGINSESSION83";
pub const PG_LOGIN_SIGNATURE: &str =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abc083";

pub const ALL: &[&str] = &[
    MDB_ALICE_PW,
    MDB_BOB_PW,
    MDB_SHARED_PW,
    MDB_BOB_NEW_PW,
    MDB_ALICE_NEW_PW,
    MDB_SHARED_NEW_PW,
    MDB_PASSWORD_FN_PW,
    MDB_AWS_SECRET,
    MDB_TOKEN,
    MDB_SIGNATURE,
    PG_ADMIN_PW,
    PG_ALICE_PW,
    PG_BOB_PW,
    PG_SHARED_PW,
    PG_BOB_NEW_PW,
    PG_ALICE_NEW_PW,
    PG_FAILED_PW,
    PG_AWS_SECRET,
    PG_TOKEN,
    PG_SIGNATURE,
    PG_ERROR_SIGNATURE,
    PG_LOGIN_TOKEN,
    PG_LOGIN_SIGNATURE,
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn found_in(haystack: &[u8]) -> Vec<&'static str> {
    found_of(ALL, haystack)
}

fn found_of(secrets: &[&'static str], haystack: &[u8]) -> Vec<&'static str> {
    secrets
        .iter()
        .copied()
        .filter(|s| haystack.windows(s.len()).any(|w| w == s.as_bytes()))
        .collect()
}

/// Every secret found in `lake`: in the raw bytes of each file, and in every decoded
/// value of every column of each Parquet file (pages are compressed, so raw bytes alone
/// prove nothing). Returns (file, where, secret); also counts the values it looked at.
fn scan_lake(lake: &Path) -> (Vec<String>, usize, usize) {
    scan_lake_for(lake, ALL)
}

fn scan_lake_for(lake: &Path, secrets: &[&'static str]) -> (Vec<String>, usize, usize) {
    let mut all = Vec::new();
    files(lake, &mut all);
    let (mut hits, mut parquet_files, mut values) = (Vec::new(), 0, 0);
    for file in &all {
        let bytes = std::fs::read(file).unwrap();
        for s in found_of(secrets, &bytes) {
            hits.push(format!("{}: raw bytes: {s}", file.display()));
        }
        if file.extension().is_some_and(|e| e == "parquet") {
            parquet_files += 1;
            let reader =
                ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file).unwrap())
                    .unwrap()
                    .build()
                    .unwrap();
            for batch in reader {
                let batch = batch.unwrap();
                let schema = batch.schema();
                for (field, column) in schema.fields().iter().zip(batch.columns()) {
                    let fmt = ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default())
                        .unwrap();
                    for row in 0..column.len() {
                        values += 1;
                        let text = fmt.value(row).to_string();
                        for s in found_of(secrets, text.as_bytes()) {
                            hits.push(format!(
                                "{}: column {} row {row}: {s}",
                                file.display(),
                                field.name()
                            ));
                        }
                    }
                }
            }
        }
    }
    (hits, parquet_files, values)
}

#[test]
fn planted_secrets_reach_no_lake_file_and_no_report() {
    let mdb = crate::mariadb_workload::run();
    let pg = crate::pg_workload::run();
    let lakes = [&mdb.lake, &pg.stderr_lake, &pg.csv_lake];
    for lake in lakes {
        let (hits, parquet_files, values) = scan_lake(lake);
        assert!(hits.is_empty(), "secrets in the lake: {hits:#?}");
        // The scan read real data: the db_events files and the manifest at least.
        assert!(
            parquet_files >= 2,
            "{}: {parquet_files} parquet files",
            lake.display()
        );
        assert!(values > 1000, "{}: only {values} values", lake.display());
    }
    for report in [&mdb.report, &pg.stderr_report, &pg.csv_report] {
        assert_eq!(found_in(report.as_bytes()), Vec::<&str>::new(), "{report}");
    }
    // The server logs did carry secrets tagtrail had to remove (else this proves little).
    let raw_mdb = std::fs::read(&mdb.audit_log).unwrap();
    assert_eq!(
        found_in(&raw_mdb),
        vec![MDB_PASSWORD_FN_PW, MDB_AWS_SECRET, MDB_TOKEN, MDB_SIGNATURE]
    );
    for raw in [&pg.stderr_files, &pg.csv_files] {
        let mut bytes = Vec::new();
        for f in raw {
            bytes.extend(std::fs::read(f).unwrap());
        }
        assert_eq!(
            found_in(&bytes),
            vec![
                PG_FAILED_PW,
                PG_AWS_SECRET,
                PG_TOKEN,
                PG_SIGNATURE,
                PG_ERROR_SIGNATURE
            ]
        );
    }

    // And the rows they were removed from say so, with the kind of secret.
    assert_eq!(
        query(
            &mdb.lake,
            "SELECT secret_kind, count(*) AS n FROM db_events WHERE redacted GROUP BY secret_kind ORDER BY secret_kind"
        ),
        json!([{"secret_kind": "aws-secret", "n": 1}, {"secret_kind": "iam-token", "n": 1},
               {"secret_kind": "password", "n": 1}])
    );
    for lake in [&pg.stderr_lake, &pg.csv_lake] {
        assert_eq!(
            query(
                lake,
                "SELECT operation, secret_kind, count(*) AS n FROM db_events WHERE redacted \
                 GROUP BY operation, secret_kind ORDER BY operation, secret_kind"
            ),
            json!([
                // The failing CREATE ROLE (password) and the failing SELECT (IAM token),
                // each an ERROR row carrying its statement.
                {"operation": "AUDIT_READ", "secret_kind": "iam-token", "n": 1},
                {"operation": "AUDIT_WRITE", "secret_kind": "aws-secret", "n": 1},
                {"operation": "ERROR", "secret_kind": "iam-token", "n": 1},
                {"operation": "ERROR", "secret_kind": "password", "n": 1},
            ])
        );
    }
}

pub const CT_SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEPLANTEDSESSIONTOKEN91";
pub const CT_MASTER_PW: &str = "Master-Pl4nted-pw-92";
pub const CT_REJECTED_TOKEN: &str = "IQoJb3JpZ2luX2VjEPLANTEDREJECTED93";
pub const OKTA_REJECTED_TOKEN: &str = "okta-access-token-PLANTED-94";
pub const SAML_ACCESS_TOKEN: &str = "saml-access-token-PLANTED-95";
pub const SAML_AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSAMLSECRET96";
pub const POLICY_SIGNATURE: &str =
    "5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a9f8e7d6c5b4a3928170a97";
const ELSEWHERE: &[&str] = &[
    CT_SESSION_TOKEN,
    CT_MASTER_PW,
    CT_REJECTED_TOKEN,
    OKTA_REJECTED_TOKEN,
    SAML_ACCESS_TOKEN,
    SAML_AWS_SECRET,
    POLICY_SIGNATURE,
];

/// A real-format SAML response (fixtures/saml) whose IdP was made to send a token and a
/// secret key as attributes.
fn planted_saml() -> String {
    let real = std::fs::read_to_string(crate::support::fixture("saml/idc-response.xml")).unwrap();
    let attribute = |name: &str, value: &str| {
        format!(
            r#"<saml2:Attribute Name="{name}"><saml2:AttributeValue>{value}</saml2:AttributeValue></saml2:Attribute>"#
        )
    };
    let planted = attribute(
        "https://idp.example.com/claims/accessToken",
        SAML_ACCESS_TOKEN,
    ) + &attribute(
        "https://aws.amazon.com/SAML/Attributes/PrincipalTag:Note",
        &format!("aws_secret_access_key={SAML_AWS_SECRET}"),
    );
    let end = "</saml2:AttributeStatement>";
    assert!(real.contains(end));
    real.replace(end, &format!("{planted}{end}"))
}

/// A permission set's inline policy whose condition was made to hold an IAM auth token.
fn planted_policy() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Action": "rds-db:connect",
            "Resource": "arn:aws:rds-db:eu-west-1:111122223333:dbuser:*/${aws:PrincipalTag/Username}",
            "Condition": {"StringEquals": {"aws:PrincipalTag/Note": format!(
                "shop-prod.example:3306/?Action=connect&DBUser=anguyen&X-Amz-Signature={POLICY_SIGNATURE}")}}
        }]
    })
    .to_string()
}

/// Secrets planted in CloudTrail (the session token of a federation, a master password
/// in a control-plane call, a token in a record too damaged to read), in an Okta export
/// (a token in an unreadable event), in a SAML response (a token and a secret key as
/// attributes) and in a policy (an auth token in a condition), ingested beside the demo
/// week: none of them is in any file of the lake, the rejects' excerpts included, nor in
/// anything the commands print, on stdout or stderr.
#[test]
fn secrets_planted_in_every_identity_source_reach_no_file_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let acct = "111122223333";
    let trail = dir.path().join(format!(
        "AWSLogs/{acct}/CloudTrail/eu-west-1/2026/11/17/{acct}_CloudTrail_eu-west-1_20261117T1000Z_Pl4ntedS3crets01.json"
    ));
    std::fs::create_dir_all(trail.parent().unwrap()).unwrap();
    let federation = json!({
        "eventVersion": "1.11",
        "userIdentity": {"type": "SAMLUser", "principalId": "sso:planted@example.com",
                         "userName": "planted@example.com", "identityProvider": "sso"},
        "eventTime": "2026-11-17T10:00:00Z", "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRoleWithSAML", "awsRegion": "eu-west-1",
        "sourceIPAddress": "52.210.41.7", "userAgent": "aws-cli/2.27.0",
        "requestParameters": {"roleSessionName": "planted@example.com",
            "principalTags": {"Username": "planted"},
            "roleArn": format!("arn:aws:iam::{acct}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DatabaseAccess_0123456789abcdef"),
            "principalArn": format!("arn:aws:iam::{acct}:saml-provider/AWSSSO_9882ccf00912484e_DO_NOT_DELETE"),
            "durationSeconds": 3600},
        "responseElements": {
            "credentials": {"accessKeyId": "ASIAPLANTED0000000001", "sessionToken": CT_SESSION_TOKEN,
                            "expiration": "Nov 17, 2026, 11:00:00 AM"},
            "assumedRoleUser": {"assumedRoleId": "AROAPLANTED:planted@example.com",
                "arn": format!("arn:aws:sts::{acct}:assumed-role/AWSReservedSSO_DatabaseAccess_0123456789abcdef/planted@example.com")},
            "subject": "planted@example.com", "subjectType": "persistent",
            "audience": "https://signin.aws.amazon.com/saml"},
        "requestID": "req-planted-1", "eventID": "0badc0de-0000-4000-8000-0000000000a1",
        "readOnly": true, "eventType": "AwsApiCall", "managementEvent": true,
        "recipientAccountId": acct, "eventCategory": "Management"
    });
    let modify = json!({
        "eventVersion": "1.11",
        "userIdentity": {"type": "AssumedRole", "principalId": "AROAADMIN:admin", "accountId": acct},
        "eventTime": "2026-11-17T10:05:00Z", "eventSource": "rds.amazonaws.com",
        "eventName": "ModifyDBInstance", "awsRegion": "eu-west-1",
        "sourceIPAddress": "52.210.41.8", "userAgent": "aws-cli/2.27.0",
        "requestParameters": {"dBInstanceIdentifier": "shop-prod", "masterUserPassword": CT_MASTER_PW,
                              "enableIAMDatabaseAuthentication": true, "applyImmediately": true},
        "responseElements": null,
        "requestID": "req-planted-2", "eventID": "0badc0de-0000-4000-8000-0000000000a2",
        "readOnly": false, "eventType": "AwsApiCall", "managementEvent": true,
        "recipientAccountId": acct, "eventCategory": "Management"
    });
    // No eventTime: rejected, with an excerpt of the record.
    let damaged = json!({
        "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithSAML",
        "responseElements": {"credentials": {"accessKeyId": "ASIAPLANTED0000000002",
                                              "sessionToken": CT_REJECTED_TOKEN}},
        "eventID": "0badc0de-0000-4000-8000-0000000000a3"
    });
    let records = json!({"Records": [federation, modify, damaged]});
    std::fs::write(&trail, records.to_string()).unwrap();
    let okta = dir.path().join("okta/system-log-planted.json");
    std::fs::create_dir_all(okta.parent().unwrap()).unwrap();
    let url = format!("/oauth2/v1/authorize?client_id=x&access_token={OKTA_REJECTED_TOKEN}");
    let event = |uuid: &str, published: Option<&str>| {
        // The URL first, so that a rejected event's excerpt would show it.
        let mut e = json!({
            "debugContext": {"debugData": {"url": url}},
            "uuid": uuid, "eventType": "user.session.start", "version": "0",
            "actor": {"id": "00uplanted", "type": "User", "alternateId": "planted@example.com",
                      "displayName": "Planted"},
            "client": {"ipAddress": "203.0.113.9"},
            "outcome": {"result": "SUCCESS"},
            "authenticationContext": {"externalSessionId": "idxPlanted"}
        });
        if let Some(p) = published {
            e["published"] = json!(p);
        }
        e
    };
    // The second has no time: rejected, with an excerpt.
    let event = json!([
        event("planted-okta-0", Some("2026-11-17T09:59:00.000Z")),
        event("planted-okta-1", None)
    ]);
    std::fs::write(&okta, event.to_string()).unwrap();
    std::fs::create_dir_all(dir.path().join("saml")).unwrap();
    std::fs::write(dir.path().join("saml/planted-response.xml"), planted_saml()).unwrap();
    std::fs::create_dir_all(dir.path().join("iam")).unwrap();
    std::fs::write(
        dir.path().join("iam/permission-set-DatabaseAccess.json"),
        planted_policy(),
    )
    .unwrap();

    let lake = crate::support::temp_lake();
    let mut printed = Vec::new();
    let mut run = |args: &[&str]| {
        let out = crate::support::tagtrail_output(lake.path(), args);
        printed.extend(out.stdout);
        printed.extend(out.stderr);
        out.status.code()
    };
    assert_eq!(run(&["ingest", dir.path().to_str().unwrap()]), Some(4));
    let demo = crate::support::fixture("demo");
    assert_eq!(run(&["ingest", demo.to_str().unwrap()]), Some(4));
    let reports = dir.path().join("reports");
    for args in [
        vec!["query", "SELECT * FROM ingest_rejects", "--format", "json"],
        vec![
            "query",
            "SELECT * FROM cloudtrail_events",
            "--format",
            "csv",
        ],
        vec![
            "query",
            "SELECT * FROM federated_sessions",
            "--format",
            "csv",
        ],
        vec!["query", "SELECT * FROM saml_assertions", "--format", "json"],
        vec!["query", "SELECT * FROM iam_policies", "--format", "csv"],
        vec!["findings", "--format", "json"],
        vec!["timeline", "planted@example.com", "--format", "json"],
        vec!["trace", "planted@example.com", "--format", "json"],
        vec![
            "report",
            "--week",
            "2026-W47",
            "--out",
            reports.to_str().unwrap(),
        ],
    ] {
        assert_eq!(run(&args), Some(0), "{args:?}");
    }
    let text = String::from_utf8_lossy(&printed);
    // The evidence did reach tagtrail: the rejects and the planted rows are there.
    for seen in [
        "ASIAPLANTED0000000001",
        "ModifyDBInstance",
        "record has no eventTime",
        r#"\"sessionToken\":\"<redacted>\""#,
        "planted-okta-0",
        "planted-okta-1",
        r#"https://idp.example.com/claims/accessToken\":[\"<redacted>\"]"#,
        "aws_secret_access_key=<redacted>",
        "X-Amz-Signature=<redacted>",
    ] {
        assert!(text.contains(seen), "{seen} not in what tagtrail printed");
    }
    assert_eq!(found_of(ELSEWHERE, &printed), Vec::<&str>::new(), "printed");
    let (hits, parquet_files, values) = scan_lake_for(lake.path(), ELSEWHERE);
    assert_eq!(hits, Vec::<String>::new());
    assert!(
        parquet_files > 10 && values > 10_000,
        "{parquet_files} {values}"
    );
    let mut written = Vec::new();
    files(&reports, &mut written);
    assert_eq!(written.len(), 3);
    for file in written {
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(
            found_of(ELSEWHERE, &bytes),
            Vec::<&str>::new(),
            "{}",
            file.display()
        );
    }
}
