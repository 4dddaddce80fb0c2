//! Parser tests on real System Log events (Elastic's Okta integration test data, a
//! Panther rule test event; see `fixtures/okta/README.md`) and on the hand-built
//! scenario in the same shape.

use std::io::Write;

use arrow::record_batch::RecordBatch;
use serde_json::{Value, json};

use super::*;
use crate::sources::test_rows::pick;
use crate::sources::{FileStats, Output, Reject, detect};

const ELASTIC: &str = include_str!("../../../fixtures/okta/elastic-system-events.ndjson");
const PANTHER: &str = include_str!("../../../fixtures/okta/panther-sso-to-aws.json");
const SCENARIO: &str = include_str!("../../../fixtures/okta/scenario-aws-sso.json");

fn run(bytes: &[u8]) -> (FileStats, Vec<Value>) {
    let mut batches: Vec<RecordBatch> = vec![];
    let stats = parse(detect::open_bytes(bytes), "mem://okta", &mut |out, b| {
        assert_eq!(out, Output::IdpEvents);
        batches.push(b);
        Ok(())
    })
    .unwrap();
    let rows = crate::sources::test_rows::rows(&batches);
    (stats, rows)
}

fn reasons(stats: &FileStats) -> Vec<(i64, &str)> {
    stats
        .rejects
        .iter()
        .map(|r: &Reject| (r.offset, r.reason.as_str()))
        .collect()
}

#[test]
fn reads_a_real_ndjson_export_row_by_row() {
    let (stats, rows) = run(ELASTIC.as_bytes());
    assert_eq!((stats.records, stats.kept, stats.rejects.len()), (3, 3, 0));
    assert_eq!(
        rows[2],
        json!({
            "uuid": "3af594f9-4f67-11ea-abd3-1f5d113f2546",
            "published": "2020-02-14T20:18:57.762Z",
            "event_type": "policy.evaluate_sign_on",
            "outcome_result": "ALLOW",
            "outcome_reason": "Sign-on policy evaluation resulted in ALLOW",
            "severity": "INFO",
            "display_message": "Evaluation of sign-on policy",
            "actor_id": "00u1abvz4pYqdM8ms4x6",
            "actor_type": "User",
            "actor_alternate_id": "xxxxxx@elastic.co",
            "actor_display_name": "xxxxxx",
            "client_ip": "175.16.199.1",
            "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:72.0) Gecko/20100101 Firefox/72.0",
            "external_session_id": "102bZDNFfWaQSyEZQuDgWt-uQ",
            "credential_type": null,
            "credential_provider": null,
            "authentication_provider": null,
            "authentication_step": 0,
            "target_app_id": null,
            "target_app_name": null,
            "target_app_display_name": null,
            "sign_on_mode": null,
            "factor": null,
            "transaction_id": "XkcAsWb8WjwDP76xh@1v8wAABp0",
            "legacy_event_type": null,
            "target_user_id": null,
            "target_user_login": null,
            "target_user_display_name": null,
            "source_uri": "mem://okta",
            "source_offset": 2
        })
    );
    assert_eq!(
        pick(&rows[..2], &["event_type", "published", "source_offset"]),
        vec![
            json!({"event_type": "user.session.end", "published": "2020-02-14T22:18:51.843Z", "source_offset": 0}),
            json!({"event_type": "user.session.start", "published": "2020-02-14T20:18:57.718Z", "source_offset": 1}),
        ]
    );
}

#[test]
fn reads_a_pretty_printed_api_array_and_names_apps_and_factors() {
    let (stats, rows) = run(SCENARIO.as_bytes());
    assert_eq!(
        (stats.records, stats.kept, stats.rejects.len()),
        (11, 11, 0)
    );
    let cols = [
        "source_offset",
        "event_type",
        "actor_alternate_id",
        "external_session_id",
        "credential_type",
        "factor",
        "target_app_name",
        "target_app_display_name",
        "sign_on_mode",
    ];
    assert_eq!(
        pick(&rows, &cols),
        vec![
            json!({"source_offset": 0, "event_type": "user.session.start", "actor_alternate_id": "amira.haddad@example.com", "external_session_id": "102mW7Yx3kQfS0uQnB8dHl5Tw", "credential_type": "PASSWORD", "factor": null, "target_app_name": null, "target_app_display_name": null, "sign_on_mode": null}),
            json!({"source_offset": 1, "event_type": "policy.evaluate_sign_on", "actor_alternate_id": "amira.haddad@example.com", "external_session_id": "102mW7Yx3kQfS0uQnB8dHl5Tw", "credential_type": null, "factor": null, "target_app_name": null, "target_app_display_name": null, "sign_on_mode": null}),
            json!({"source_offset": 2, "event_type": "user.authentication.auth_via_mfa", "actor_alternate_id": "amira.haddad@example.com", "external_session_id": "102mW7Yx3kQfS0uQnB8dHl5Tw", "credential_type": "OTP", "factor": "OKTA_VERIFY_PUSH", "target_app_name": null, "target_app_display_name": null, "sign_on_mode": null}),
            json!({"source_offset": 3, "event_type": "user.authentication.sso", "actor_alternate_id": "amira.haddad@example.com", "external_session_id": "102mW7Yx3kQfS0uQnB8dHl5Tw", "credential_type": null, "factor": null, "target_app_name": "AWS Production", "target_app_display_name": "AWS IAM Identity Center", "sign_on_mode": "SAML_2_0"}),
            json!({"source_offset": 4, "event_type": "user.authentication.sso", "actor_alternate_id": "amira.haddad@example.com", "external_session_id": "102mW7Yx3kQfS0uQnB8dHl5Tw", "credential_type": null, "factor": null, "target_app_name": "Slack", "target_app_display_name": "Slack", "sign_on_mode": "SAML_2_0"}),
            json!({"source_offset": 5, "event_type": "user.authentication.verify", "actor_alternate_id": "bruno.costa@example.com", "external_session_id": "102Jd0pQe4HvK2rXc9sZmA1Ng", "credential_type": "PASSWORD", "factor": "Password", "target_app_name": null, "target_app_display_name": null, "sign_on_mode": null}),
            json!({"source_offset": 6, "event_type": "user.session.start", "actor_alternate_id": "bruno.costa@example.com", "external_session_id": "102Jd0pQe4HvK2rXc9sZmA1Ng", "credential_type": "PASSWORD", "factor": null, "target_app_name": null, "target_app_display_name": null, "sign_on_mode": null}),
            json!({"source_offset": 7, "event_type": "user.authentication.sso", "actor_alternate_id": "bruno.costa@example.com", "external_session_id": "102Jd0pQe4HvK2rXc9sZmA1Ng", "credential_type": null, "factor": null, "target_app_name": "AWS Sandbox", "target_app_display_name": "AWS Account Federation", "sign_on_mode": "SAML_2_0"}),
            json!({"source_offset": 8, "event_type": "user.authentication.verify", "actor_alternate_id": "dana.kim@example.com", "external_session_id": "idxA9qWmCk3ZsT7uVbN2rLp5Hx", "credential_type": "OKTA_VERIFY_PUSH", "factor": "Okta Verify", "target_app_name": null, "target_app_display_name": null, "sign_on_mode": null}),
            json!({"source_offset": 9, "event_type": "user.authentication.sso", "actor_alternate_id": "dana.kim@example.com", "external_session_id": "idxA9qWmCk3ZsT7uVbN2rLp5Hx", "credential_type": null, "factor": null, "target_app_name": "amazon_aws_sso", "target_app_display_name": "AWS SSO (Dev)", "sign_on_mode": "SAML_2_0"}),
            json!({"source_offset": 10, "event_type": "user.authentication.sso", "actor_alternate_id": "chen.wei@example.com", "external_session_id": "unknown", "credential_type": null, "factor": null, "target_app_name": "AWS Production", "target_app_display_name": "AWS IAM Identity Center", "sign_on_mode": "SAML_2_0"}),
        ]
    );
    assert_eq!(rows[3]["target_app_id"], "0oaua5ldoougycQAO696");
    assert_eq!(rows[3]["published"], "2026-11-16T08:52:24.301Z");
}

#[test]
fn gzip_and_compact_arrays_read_the_same_as_plain_ndjson() {
    let compact: Vec<Value> = ELASTIC
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let array = serde_json::to_vec(&compact).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(ELASTIC.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let (plain_stats, plain) = run(ELASTIC.as_bytes());
    let (array_stats, from_array) = run(&array);
    let (gz_stats, from_gz) = run(&gz);
    assert_eq!(plain.len(), 3);
    assert_eq!(from_array, plain);
    assert_eq!(from_gz, plain);
    assert_eq!(array_stats, plain_stats);
    assert_eq!(gz_stats, plain_stats);
}

#[test]
fn a_bad_event_is_rejected_with_its_reason_and_the_rest_kept() {
    let lines: Vec<&str> = ELASTIC.lines().collect();
    let ndjson = format!(
        "{}\n{{\"uuid\": \"x\", \"eventType\": \n\n{}\n[1,2]\n{{\"uuid\":\"u1\",\"published\":\"yesterday\"}}\n{{\"published\":\"2020-02-14T20:18:57.718Z\"}}\n",
        lines[0], lines[1]
    );
    let (stats, rows) = run(ndjson.as_bytes());
    assert_eq!((stats.records, stats.kept), (6, 2));
    assert_eq!(
        reasons(&stats),
        vec![
            (
                1,
                "event is not valid JSON: EOF while parsing a value at line 1 column 26"
            ),
            (3, "event is not a JSON object"),
            (4, "published `yesterday` is not a timestamp"),
            (5, "event has no uuid"),
        ]
    );
    assert_eq!(
        pick(&rows, &["uuid", "source_offset"]),
        vec![
            json!({"uuid": "faf7398a-4f77-11ea-97fb-5925e98228bd", "source_offset": 0}),
            json!({"uuid": "3aeede38-4f67-11ea-abd3-1f5d113f2546", "source_offset": 2}),
        ]
    );
}

#[test]
fn a_real_event_without_published_is_rejected_not_guessed() {
    // Panther's rule test event omits `published` (and the actor).
    let (stats, rows) = run(PANTHER.as_bytes());
    assert!(rows.is_empty());
    assert_eq!(reasons(&stats), vec![(0, "event has no published time")]);
}

#[test]
fn missing_optional_fields_are_nulls() {
    let (stats, rows) = run(
        br#"[{"uuid":"u-1","published":"2024-05-02 18:46:21.121000000","eventType":"user.authentication.verify","authenticationContext":{"authenticationStep":"2"},"target":[{"type":"Authenticator","alternateId":"webauthn"}]},
            {"uuid":"u-2","published":"2026-11-16T08:00:00Z","actor":"not an object","target":{"type":"AppInstance"}}]"#,
    );
    assert_eq!((stats.kept, stats.rejects.len()), (2, 0));
    assert_eq!(
        pick(
            &rows,
            &[
                "uuid",
                "published",
                "authentication_step",
                "factor",
                "actor_id",
                "target_app_id",
                "external_session_id"
            ]
        ),
        vec![
            json!({"uuid": "u-1", "published": "2024-05-02T18:46:21.121Z", "authentication_step": 2, "factor": "webauthn", "actor_id": null, "target_app_id": null, "external_session_id": null}),
            json!({"uuid": "u-2", "published": "2026-11-16T08:00:00Z", "authentication_step": null, "factor": null, "actor_id": null, "target_app_id": null, "external_session_id": null}),
        ]
    );
}

#[test]
fn a_cut_off_array_keeps_the_events_before_the_break() {
    let compact: Vec<Value> = ELASTIC
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let array = serde_json::to_string(&compact).unwrap();
    let cut = &array[..array.len() - 200];
    let (stats, rows) = run(cut.as_bytes());
    assert_eq!(rows.len(), 2);
    assert_eq!((stats.records, stats.kept), (3, 2));
    assert_eq!(stats.rejects.len(), 1);
    assert_eq!(stats.rejects[0].offset, 2);
    assert!(
        stats.rejects[0]
            .reason
            .starts_with("JSON array cut off at event 2: EOF while parsing"),
        "{}",
        stats.rejects[0].reason
    );
}

#[test]
fn sniffs_okta_but_not_cloudtrail() {
    assert!(looks_like_okta(ELASTIC.as_bytes()));
    assert!(looks_like_okta(&SCENARIO.as_bytes()[..4096]));
    assert!(looks_like_okta(PANTHER.as_bytes()));
    assert!(!looks_like_okta(
        br#"{"Records":[{"eventType":"AwsApiCall"}]}"#
    ));
    assert!(!looks_like_okta(
        br#"{"eventVersion":"1.08","eventType":"AwsApiCall","eventTime":"x"}"#
    ));
    assert_eq!(
        detect::sniff(SCENARIO.as_bytes()),
        Some(crate::sources::SourceKind::OktaLog)
    );
    assert_eq!(
        detect::sniff(ELASTIC.as_bytes()),
        Some(crate::sources::SourceKind::OktaLog)
    );
    assert_eq!(
        detect::sniff(br#"{"Records":[{"eventType":"AwsApiCall","published":"x"}]}"#),
        Some(crate::sources::SourceKind::CloudTrail)
    );
}

/// An admin deactivates a person: the actor is the admin, the person is the `User`
/// target (the shape Okta's System Log gives `user.lifecycle.deactivate` and
/// `user.lifecycle.suspend`). An SSO event's `AppUser` target is the app account, not a
/// person the event is about, so it fills no target user.
#[test]
fn lifecycle_events_name_the_target_user_not_the_admin() {
    let events = json!([
        {"uuid": "5c1f0a7e-9b1d-11f1-8a4e-2b7c1d9e0f11", "published": "2026-11-18T12:00:00.000Z",
         "eventType": "user.lifecycle.deactivate", "displayMessage": "Deactivate Okta User",
         "legacyEventType": "core.user.config.user_deactivated", "severity": "INFO",
         "outcome": {"result": "SUCCESS", "reason": null},
         "actor": {"id": "00uADM1N0000000000x1", "type": "User", "alternateId": "it.admin@example.com",
                   "displayName": "IT Admin", "detailEntry": null},
         "authenticationContext": {"authenticationStep": 0, "externalSessionId": "102AdminSess1onXyZ0000000"},
         "debugContext": {"debugData": {"requestUri": "/admin/user/deactivate/00uFRANK000000000x2"}},
         "target": [{"id": "00uFRANK000000000x2", "type": "User", "alternateId": "frank.li@example.com",
                     "displayName": "Frank Li", "detailEntry": null}]},
        {"uuid": "b5c87e41-ed2a-49d5-993d-ae40b1450857", "published": "2026-11-16T08:03:01.000Z",
         "eventType": "user.authentication.sso",
         "actor": {"id": "00uSBZREe6FaUL2WNsB5", "type": "User", "alternateId": "dave.okafor@example.com"},
         "target": [{"id": "0oa9x2kq7wJbD4Fh5417", "type": "AppInstance", "alternateId": "AWS IAM Identity Center",
                     "displayName": "AWS IAM Identity Center", "detailEntry": {"signOnModeType": "SAML_2_0"}},
                    {"id": "0uaYk5GMQlPZOejwcF9L", "type": "AppUser", "alternateId": "dave.okafor@example.com",
                     "displayName": "Dave Okafor", "detailEntry": null}]}
    ]);
    let (stats, rows) = run(events.to_string().as_bytes());
    assert_eq!((stats.kept, stats.rejects.len()), (2, 0));
    let cols = [
        "event_type",
        "actor_alternate_id",
        "target_user_id",
        "target_user_login",
        "target_user_display_name",
    ];
    assert_eq!(
        pick(&rows, &cols),
        vec![
            json!({"event_type": "user.lifecycle.deactivate", "actor_alternate_id": "it.admin@example.com",
                   "target_user_id": "00uFRANK000000000x2", "target_user_login": "frank.li@example.com",
                   "target_user_display_name": "Frank Li"}),
            json!({"event_type": "user.authentication.sso", "actor_alternate_id": "dave.okafor@example.com",
                   "target_user_id": null, "target_user_login": null, "target_user_display_name": null}),
        ]
    );
}
