//! Decoder tests on real records (the research notes' AWS documentation and Identity
//! Center samples, checked in under `fixtures/cloudtrail/src/`) and on every
//! `userIdentity` variant.

use arrow::array::{Array, AsArray};
use arrow::record_batch::RecordBatch;
use serde_json::{Value, json};

use super::*;
use crate::sources::test_rows::{pick, rows};
use crate::sources::timefmt::parse_iso;

const DOC_FILE: &str = include_str!(
    "../../../fixtures/cloudtrail/src/444455556666_CloudTrail_us-east-2_20230828T1845Z_Ex4mpleUn1queStr.json"
);
const IDC_MEMBER_FILE: &str = include_str!(
    "../../../fixtures/cloudtrail/src/950363612855_CloudTrail_ap-southeast-2_20260701T0010Z_Gx7TqL2mPa9wZb4K.json"
);
const IDC_ACCOUNT_FILE: &str = include_str!(
    "../../../fixtures/cloudtrail/src/607481581596_CloudTrail_ap-southeast-2_20260701T0015Z_Qm3RcV8nLx2TyB6D.json"
);
const SIGNIN_FILE: &str = include_str!(
    "../../../fixtures/cloudtrail/src/111122223333_CloudTrail_us-east-1_20201207T2040Z_Vb8KpT1qWz4XnM7c.json"
);

struct Parsed {
    stats: FileStats,
    sessions: Vec<RecordBatch>,
    events: Vec<RecordBatch>,
}

fn parse_with(json: &str, filter: &EventFilter) -> Parsed {
    let mut p = Parsed {
        stats: FileStats::default(),
        sessions: vec![],
        events: vec![],
    };
    p.stats = parse(json.as_bytes(), "mem://test", filter, &mut |out, b| {
        match out {
            Output::FederatedSessions => p.sessions.push(b),
            Output::CloudTrailEvents => p.events.push(b),
            other => panic!("CloudTrail never emits {other:?}"),
        }
        Ok(())
    })
    .unwrap();
    p
}

fn parse_all(json: &str) -> Parsed {
    parse_with(json, &EventFilter::default())
}

fn counts(s: &FileStats) -> (u64, u64, u64, usize) {
    (s.records, s.kept, s.skipped, s.rejects.len())
}

#[test]
fn permission_set_from_identity_center_role_names() {
    let cases = [
        (
            "AWSReservedSSO_AdministratorAccess_7243976e43c75fc5",
            Some("AdministratorAccess"),
        ),
        (
            "AWSReservedSSO_DB_Read_Only_4f3c2a1b9e8d7c6a",
            Some("DB_Read_Only"),
        ),
        ("AWSReservedSSO_NoHex_zzzz", None),
        ("SAMLTestRoleShibboleth", None),
    ];
    for (role, want) in cases {
        assert_eq!(permission_set(role), want, "{role}");
    }
}

#[test]
fn other_events_are_skipped_and_tags_kept_as_a_map() {
    let json = r#"{"Records":[
        {"eventName":"GetObject","eventID":"a"},
        {"eventName":"AssumeRoleWithSAML","eventID":"b","eventTime":"2026-11-16T09:00:00Z",
         "requestParameters":{"principalTags":{"username":"fli","Project":"storefront"},"durationSeconds":"900"},
         "responseElements":{"subject":"frank.li@example.com","credentials":{"sessionToken":"IQoJsecret","expiration":"Nov 16, 2026, 9:15:00 AM"}}}
    ]}"#;
    let p = parse_all(json);
    assert_eq!(counts(&p.stats), (2, 1, 1, 0));
    assert!(p.events.is_empty());
    let b = &p.sessions[0];
    assert_eq!(b.num_rows(), 1);
    let tags = b.column_by_name("principal_tags").unwrap().as_map();
    let entries = tags.value(0);
    let keys: Vec<&str> = entries
        .column(0)
        .as_string::<i32>()
        .iter()
        .flatten()
        .collect();
    assert_eq!(keys, ["Project", "username"]);
    let expiry = b
        .column_by_name("session_expiry")
        .unwrap()
        .as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
    assert_eq!(
        expiry.value(0),
        parse_iso("2026-11-16T09:15:00Z").unwrap(),
        "string durationSeconds accepted"
    );
    assert!(b.column_by_name("transitive_tag_keys").unwrap().is_null(0));
}

#[test]
fn not_cloudtrail_is_a_file_error() {
    let filter = EventFilter::default();
    let mut sink = |_: Output, _b: RecordBatch| Ok(());
    assert!(matches!(
        parse(b"{\"foo\":1}", "x", &filter, &mut sink),
        Err(SourceError::NotCloudTrail(_))
    ));
    assert!(matches!(
        parse(b"\x1f\x8b\x08", "x", &filter, &mut sink),
        Err(SourceError::NotCloudTrail(_))
    ));
}

#[test]
fn real_identity_center_sequence_lands_in_both_tables() {
    // Member account: AssumeRoleWithSAML (session) + GetCallerIdentity by that session.
    let member = parse_all(IDC_MEMBER_FILE);
    assert_eq!(counts(&member.stats), (3, 3, 0, 0));
    let sessions = rows(&member.sessions);
    assert_eq!(sessions.len(), 2);
    let call = rows(&member.events);
    assert_eq!(
        pick(
            &call,
            &[
                "event_name",
                "identity_type",
                "principal_id",
                "actor",
                "access_key_id",
                "session_issuer_name",
                "session_created",
                "mfa_authenticated",
                "on_behalf_of_user_id",
                "identity_store_arn",
                "source_ip",
                "request_parameters",
                "additional_event_data",
                "read_only",
                "account_id",
            ]
        ),
        [json!({
            "event_name": "GetCallerIdentity",
            "identity_type": "AssumedRole",
            "principal_id": "AROA52RQV4237EYPOIPDF:aidan.steele@glassechidna.com.au",
            "actor": "aidan.steele@glassechidna.com.au",
            "access_key_id": "ASIA52RQV4232GGDZ2HL",
            "session_issuer_name": "AWSReservedSSO_AdministratorAccess_7243976e43c75fc5",
            "session_created": "2026-07-01T00:08:20Z",
            "mfa_authenticated": false,
            "on_behalf_of_user_id": "976710cc5d-9d976f61-3b89-4b98-88db-2ea3bbc1f3fa",
            "identity_store_arn": "arn:aws:identitystore::607481581596:identitystore/d-976710cc5d",
            "source_ip": "54.79.161.228",
            "request_parameters": null,
            "additional_event_data": "{\"ExtendedRequestId\":\"MTphcC1zb3V0aGVhc3QtMjpTOjE3ODI4NjQ1MDAzMjg6UjpkYVZ5RjFpag==\",\"RequestDetails\":{\"awsServingRegion\":\"ap-southeast-2\",\"endpointType\":\"regional\"}}",
            "read_only": true,
            "account_id": "950363612855",
        })]
    );
    // The join key later work uses: the downstream principal is the session's role id.
    assert_eq!(sessions[0]["assumed_role_id"], call[0]["principal_id"]);

    // Identity Center account: GetRoleCredentials by an IdentityCenterUser (2025 shape).
    let idc = parse_all(IDC_ACCOUNT_FILE);
    assert_eq!(counts(&idc.stats), (1, 1, 0, 0));
    assert_eq!(
        pick(
            &rows(&idc.events),
            &[
                "event_source",
                "event_type",
                "identity_type",
                "user_name",
                "actor",
                "credential_id",
                "identity_account_id",
                "service_event_details",
            ]
        ),
        [json!({
            "event_source": "sso.amazonaws.com",
            "event_type": "AwsServiceEvent",
            "identity_type": "IdentityCenterUser",
            "user_name": null,
            "actor": "976710cc5d-9d976f61-3b89-4b98-88db-2ea3bbc1f3fa",
            "credential_id": "AAAAAGpEaIMIfeJrfG3s_yDz-3PQWeDwT9i9d62beJKyBZzks4jkECDTgbezwS8Wx7V8mHW9RyhiUxluexutOs",
            "identity_account_id": "607481581596",
            "service_event_details": "{\"role_name\":\"AdministratorAccess\",\"account_id\":\"950363612855\"}",
        })]
    );

    // External-IdP sign-in to the portal, older `Unknown` identity with empty strings.
    let signin = parse_all(SIGNIN_FILE);
    assert_eq!(
        pick(
            &rows(&signin.events),
            &[
                "event_name",
                "identity_type",
                "user_name",
                "actor",
                "identity_arn",
                "access_key_id",
                "read_only",
                "additional_event_data",
                "service_event_details",
            ]
        ),
        [json!({
            "event_name": "UserAuthentication",
            "identity_type": "Unknown",
            "user_name": "user1",
            "actor": "user1",
            "identity_arn": null,
            "access_key_id": null,
            "read_only": false,
            "additional_event_data": "{\"AuthWorkflowID\":\"9de74b32-8362-4a01-a524-de21df59fd83\",\"LoginTo\":\"https://d-1234567890.awsapps.com/start/?state=[...]&organization=d-9067230c03&region=us-east-1\",\"CredentialType\":\"EXTERNAL_IDP\"}",
            "service_event_details": "{\"UserAuthentication\":\"Success\"}",
        })]
    );
}

#[test]
fn doc_example_session_and_console_login() {
    let p = parse_all(DOC_FILE);
    assert_eq!(counts(&p.stats), (3, 3, 0, 0));
    let events = rows(&p.events);
    assert_eq!(
        pick(&events, &["event_name", "identity_type", "event_type"]),
        [
            json!({"event_name": "ConsoleLogin", "identity_type": "AssumedRole", "event_type": "AwsConsoleSignIn"})
        ]
    );
}

/// Every `userIdentity.type`, in the shapes of the AWS CloudTrail user-identity reference.
#[test]
fn every_user_identity_variant() {
    let record = |name: &str, id: &str, identity: &str| {
        format!(
            r#"{{"eventVersion":"1.08","eventTime":"2026-11-17T10:00:00Z","eventSource":"x.amazonaws.com","eventName":"{name}","eventID":"{id}","userIdentity":{identity}}}"#
        )
    };
    let identities = [
        (
            "AssumeRole",
            r#"{"type":"AssumedRole","principalId":"AROAEXAMPLEID:alice@example.com","arn":"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a/alice@example.com","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE1","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEID","arn":"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a","accountId":"111122223333","userName":"AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a"},"attributes":{"creationDate":"2026-11-17T09:00:00Z","mfaAuthenticated":"false"},"sourceIdentity":"alice"}}"#,
        ),
        (
            "CreateDBInstance",
            r#"{"type":"IAMUser","principalId":"AIDAJ45Q7YFFAREXAMPLE","arn":"arn:aws:iam::123456789012:user/Alice","accountId":"123456789012","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"Alice"}"#,
        ),
        (
            "ModifyDBInstance",
            r#"{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012","accessKeyId":"ASIAROOTEXAMPLE","sessionContext":{"attributes":{"creationDate":"2026-11-17T08:00:00Z","mfaAuthenticated":"true"}}}"#,
        ),
        (
            "ProvisionPermissionSet",
            r#"{"type":"AWSService","invokedBy":"sso.amazonaws.com"}"#,
        ),
        (
            "AssumeRoleWithWebIdentity",
            r#"{"type":"WebIdentityUser","principalId":"accounts.google.com:application-id.apps.googleusercontent.com:user-id","userName":"user-id","identityProvider":"accounts.google.com"}"#,
        ),
        (
            "GetCallerIdentity",
            r#"{"type":"AssumedRole","principalId":"AROAWEBID:app","arn":"arn:aws:sts::123456789012:assumed-role/WebRole/app","accountId":"123456789012","sessionContext":{"webIdFederationData":{"federatedProvider":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com","attributes":{}},"attributes":{"creationDate":"2026-11-17T09:30:00Z","mfaAuthenticated":"false"}}}"#,
        ),
        (
            "ListAccountRoles",
            r#"{"type":"Unknown","principalId":"","userName":""}"#,
        ),
    ];
    let records: Vec<String> = identities
        .iter()
        .enumerate()
        .map(|(i, (name, id))| record(name, &format!("id-{i}"), id))
        .collect();
    let p = parse_all(&format!(r#"{{"Records":[{}]}}"#, records.join(",")));
    assert_eq!(counts(&p.stats), (7, 7, 0, 0));
    let cols = [
        "identity_type",
        "actor",
        "principal_id",
        "identity_arn",
        "invoked_by",
        "identity_provider",
        "session_issuer_name",
        "session_created",
        "mfa_authenticated",
        "source_identity",
        "web_identity_provider",
    ];
    let got = pick(&rows(&p.events), &cols);
    let want = [
        json!([
            "AssumedRole",
            "alice@example.com",
            "AROAEXAMPLEID:alice@example.com",
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a/alice@example.com",
            null,
            null,
            "AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a",
            "2026-11-17T09:00:00Z",
            false,
            "alice",
            null
        ]),
        json!([
            "IAMUser",
            "Alice",
            "AIDAJ45Q7YFFAREXAMPLE",
            "arn:aws:iam::123456789012:user/Alice",
            null,
            null,
            null,
            null,
            null,
            null,
            null
        ]),
        json!([
            "Root",
            "123456789012",
            "123456789012",
            "arn:aws:iam::123456789012:root",
            null,
            null,
            null,
            "2026-11-17T08:00:00Z",
            true,
            null,
            null
        ]),
        json!([
            "AWSService",
            "sso.amazonaws.com",
            null,
            null,
            "sso.amazonaws.com",
            null,
            null,
            null,
            null,
            null,
            null
        ]),
        json!([
            "WebIdentityUser",
            "user-id",
            "accounts.google.com:application-id.apps.googleusercontent.com:user-id",
            null,
            null,
            "accounts.google.com",
            null,
            null,
            null,
            null,
            null
        ]),
        json!([
            "AssumedRole",
            "app",
            "AROAWEBID:app",
            "arn:aws:sts::123456789012:assumed-role/WebRole/app",
            null,
            null,
            null,
            "2026-11-17T09:30:00Z",
            false,
            null,
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
        ]),
        json!([
            "Unknown", null, "", null, null, null, null, null, null, null, null
        ]),
    ];
    for (g, w) in got.iter().zip(&want) {
        let w: Vec<Value> = w.as_array().unwrap().clone();
        let g: Vec<Value> = cols.iter().map(|c| g[*c].clone()).collect();
        assert_eq!(g, w);
    }
    assert_eq!(got.len(), want.len());
}

#[test]
fn a_malformed_record_costs_only_itself() {
    let json = format!(
        r#"{{"Records":[{}, {{"eventName":"ConsoleLogin" "eventID":"broken"}}, 7, {}]}}"#,
        r#"{"eventName":"ConsoleLogin","eventID":"ok-1","eventTime":"2026-11-17T10:00:00Z"}"#,
        r#"{"eventName":"GetCallerIdentity","eventID":"ok-2","eventTime":"2026-11-17T10:01:00Z"}"#
    );
    let p = parse_all(&json);
    assert_eq!(counts(&p.stats), (4, 2, 0, 2));
    let ids: Vec<Value> = rows(&p.events)
        .iter()
        .map(|r| r["event_id"].clone())
        .collect();
    assert_eq!(ids, [json!("ok-1"), json!("ok-2")]);
    let rejects: Vec<(i64, &str)> = p
        .stats
        .rejects
        .iter()
        .map(|r| (r.offset, r.reason.as_str()))
        .collect();
    assert_eq!(rejects[0].0, 1);
    assert!(
        rejects[0]
            .1
            .starts_with("malformed CloudTrail record: expected `,` or `}`"),
        "{rejects:?}"
    );
    assert_eq!(rejects[1], (2, "record is not a JSON object"));
}

#[test]
fn secrets_in_kept_events_never_reach_a_column() {
    let json = r#"{"Records":[
        {"eventName":"AssumeRole","eventID":"r1","eventTime":"2026-11-17T10:00:00Z",
         "requestParameters":{"roleArn":"arn:aws:iam::1:role/Next","roleSessionName":"s"},
         "responseElements":{"credentials":{"accessKeyId":"ASIANEXT","sessionToken":"IQoJb3JpZ2luX2VjEXAMPLETOKEN","expiration":"Nov 17, 2026, 11:00:00 AM"}}},
        {"eventName":"CreateToken","eventID":"r2","eventTime":"2026-11-17T10:00:01Z","eventSource":"sso-oauth.amazonaws.com",
         "requestParameters":{"clientId":"c","clientSecret":"HIDDEN_DUE_TO_SECURITY_REASONS","grantType":"refresh_token","refreshToken":"Atzr|secret-refresh"},
         "responseElements":{"accessToken":"aoa-secret-access","tokenType":"Bearer","idToken":"eyJsecret"}},
        {"eventName":"CreateDBInstance","eventID":"r3","eventTime":"2026-11-17T10:00:02Z",
         "requestParameters":{"dBInstanceIdentifier":"shop-prod","masterUsername":"admin","masterUserPassword":"HIDDEN_DUE_TO_SECURITY_REASONS","enableIAMDatabaseAuthentication":true}}
    ]}"#;
    let p = parse_all(json);
    assert_eq!(counts(&p.stats), (3, 3, 0, 0));
    let text = serde_json::to_string(&rows(&p.events)).unwrap();
    for secret in ["IQoJb3JpZ2lu", "Atzr|secret", "aoa-secret", "eyJsecret"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    let r = rows(&p.events);
    assert_eq!(
        r[0]["response_elements"],
        json!(
            r#"{"credentials":{"accessKeyId":"ASIANEXT","sessionToken":"<redacted>","expiration":"Nov 17, 2026, 11:00:00 AM"}}"#
        )
    );
    assert_eq!(
        r[2]["request_parameters"],
        json!(
            r#"{"dBInstanceIdentifier":"shop-prod","masterUsername":"admin","masterUserPassword":"<redacted>","enableIAMDatabaseAuthentication":true}"#
        )
    );
}

#[test]
fn the_kept_set_is_configurable() {
    let json = r#"{"Records":[
        {"eventName":"DescribeDBInstances","eventID":"d","eventTime":"2026-11-17T10:00:00Z"},
        {"eventName":"ConsoleLogin","eventID":"c","eventTime":"2026-11-17T10:00:00Z"},
        {"eventName":"AssumeRoleWithSAML","eventID":"s","eventTime":"2026-11-17T10:00:00Z"}
    ]}"#;
    let names = |f: &EventFilter| -> Vec<Value> {
        let p = parse_with(json, f);
        rows(&p.events)
            .iter()
            .map(|r| r["event_name"].clone())
            .collect()
    };
    assert_eq!(names(&EventFilter::default()), [json!("ConsoleLogin")]);
    let more = EventFilter::parse("default, DescribeDBInstances").unwrap();
    assert_eq!(
        names(&more),
        [json!("DescribeDBInstances"), json!("ConsoleLogin")]
    );
    let only = EventFilter::parse("DescribeDBInstances").unwrap();
    assert_eq!(names(&only), [json!("DescribeDBInstances")]);
    // AssumeRoleWithSAML is decoded whatever the filter says.
    assert_eq!(parse_with(json, &only).sessions[0].num_rows(), 1);
    assert!(EventFilter::parse("Get Object").is_err());
    assert!(EventFilter::parse(" , ").is_err());
}
