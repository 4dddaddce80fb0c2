//! Okta System Log files → idp_events, idp_sessions, idp_aws_sso through the CLI: real
//! events (Elastic's Okta integration test data, a Panther rule test event) and the
//! hand-built AWS sign-in scenario (fixtures/okta/README.md).

use serde_json::json;

use crate::support::{fixture, query, tagtrail, temp_lake};

fn ingest_okta_fixtures() -> tempfile::TempDir {
    let lake = temp_lake();
    let okta = fixture("okta");
    let args = ["ingest", okta.to_str().unwrap()];
    // Its deliberately damaged files (fixtures/okta/README.md).
    let rejected = "1 record(s) and 1 unreadable file(s) rejected";
    crate::support::ingest_rejecting(lake.path(), &args, rejected);
    lake
}

#[test]
fn okta_files_are_detected_and_every_event_accounted_for() {
    let lake = ingest_okta_fixtures();
    let files = query(
        lake.path(),
        "SELECT regexp_replace(source_uri, '^.*/', '') AS file, kind, status, records, kept, rejected \
         FROM ingest_manifest ORDER BY file",
    );
    assert_eq!(
        files,
        json!([
            {"file": "README.md", "kind": null, "status": "rejected", "records": 0, "kept": 0, "rejected": 1},
            {"file": "elastic-system-events.ndjson", "kind": "okta", "status": "ingested", "records": 3, "kept": 3, "rejected": 0},
            {"file": "panther-sso-to-aws.json", "kind": "okta", "status": "ingested", "records": 1, "kept": 0, "rejected": 1},
            {"file": "scenario-aws-sso.json", "kind": "okta", "status": "ingested", "records": 11, "kept": 11, "rejected": 0},
        ])
    );
    let rejects = query(
        lake.path(),
        "SELECT source_offset, kind, reason FROM ingest_rejects WHERE kind = 'okta'",
    );
    assert_eq!(
        rejects,
        json!([{"source_offset": 0, "kind": "okta", "reason": "event has no published time"}])
    );
}

#[test]
fn idp_events_rows_are_exact() {
    let lake = ingest_okta_fixtures();
    let rows = query(
        lake.path(),
        "SELECT uuid, published, event_type, outcome_result, actor_alternate_id, client_ip, \
                external_session_id, credential_type, authentication_provider, authentication_step, \
                target_app_name, target_app_display_name, sign_on_mode, factor, transaction_id, source_offset \
         FROM idp_events WHERE source_uri LIKE '%scenario-aws-sso.json' AND source_offset IN (2, 3, 8) \
         ORDER BY source_offset",
    );
    assert_eq!(
        rows,
        json!([
            {"uuid": "6f0b7c41-a3f4-11f1-8e21-7d5a9b3c2e10", "published": "2026-11-16T08:52:19.870000Z",
             "event_type": "user.authentication.auth_via_mfa", "outcome_result": "SUCCESS",
             "actor_alternate_id": "amira.haddad@example.com", "client_ip": "198.51.100.23",
             "external_session_id": "102mW7Yx3kQfS0uQnB8dHl5Tw", "credential_type": "OTP",
             "authentication_provider": "FACTOR_PROVIDER", "authentication_step": 0,
             "target_app_name": null, "target_app_display_name": null, "sign_on_mode": null,
             "factor": "OKTA_VERIFY_PUSH", "transaction_id": "bK2mRt7-Pq8WdXcZ4nLs0AAAC1Q", "source_offset": 2},
            {"uuid": "7a3e9d52-a3f4-11f1-b7c4-19f2e6a0d8b3", "published": "2026-11-16T08:52:24.301000Z",
             "event_type": "user.authentication.sso", "outcome_result": "SUCCESS",
             "actor_alternate_id": "amira.haddad@example.com", "client_ip": "198.51.100.23",
             "external_session_id": "102mW7Yx3kQfS0uQnB8dHl5Tw", "credential_type": null,
             "authentication_provider": null, "authentication_step": 0,
             "target_app_name": "AWS Production", "target_app_display_name": "AWS IAM Identity Center",
             "sign_on_mode": "SAML_2_0", "factor": null, "transaction_id": "cR5nWq1-Hs6ZeYfA2kMt9AAAD4E",
             "source_offset": 3},
            {"uuid": "be7c3196-a3f4-11f1-8f13-2a9d4b1e6c32", "published": "2026-11-16T08:58:03.447000Z",
             "event_type": "user.authentication.verify", "outcome_result": "SUCCESS",
             "actor_alternate_id": "dana.kim@example.com", "client_ip": "192.0.2.140",
             "external_session_id": "idxA9qWmCk3ZsT7uVbN2rLp5Hx", "credential_type": "OKTA_VERIFY_PUSH",
             "authentication_provider": "OKTA_AUTHENTICATION_PROVIDER", "authentication_step": 0,
             "target_app_name": null, "target_app_display_name": null, "sign_on_mode": null,
             "factor": "Okta Verify", "transaction_id": "gV9rAu5-Lw0DiCjE6oQx3AAAH8I", "source_offset": 8},
        ])
    );
    let per_file = query(
        lake.path(),
        "SELECT regexp_replace(source_uri, '^.*/', '') AS file, count(*) AS n, min(published) AS first \
         FROM idp_events GROUP BY 1 ORDER BY 1",
    );
    assert_eq!(
        per_file,
        json!([
            {"file": "elastic-system-events.ndjson", "n": 3, "first": "2020-02-14T20:18:57.718000Z"},
            {"file": "scenario-aws-sso.json", "n": 11, "first": "2026-11-16T08:52:10.114000Z"},
        ])
    );
}

#[test]
fn idp_sessions_say_who_passed_mfa() {
    let lake = ingest_okta_fixtures();
    let rows = query(
        lake.path(),
        "SELECT * FROM idp_sessions ORDER BY first_seen",
    );
    assert_eq!(
        rows,
        json!([
            {"external_session_id": "102bZDNFfWaQSyEZQuDgWt-uQ", "actor_alternate_id": "xxxxxx@elastic.co",
             "actor_display_name": "xxxxxx", "first_seen": "2020-02-14T20:18:57.718000Z",
             "last_seen": "2020-02-14T20:18:57.762000Z", "mfa_verified": false, "mfa_factor": null,
             "mfa_time": null, "mfa_event_id": null, "events": 2},
            {"external_session_id": "102nZHzd6OHSfGG51vsoc22gw", "actor_alternate_id": "username@elastic.co",
             "actor_display_name": "xxxxxx", "first_seen": "2020-02-14T22:18:51.843000Z",
             "last_seen": "2020-02-14T22:18:51.843000Z", "mfa_verified": false, "mfa_factor": null,
             "mfa_time": null, "mfa_event_id": null, "events": 1},
            {"external_session_id": "102mW7Yx3kQfS0uQnB8dHl5Tw", "actor_alternate_id": "amira.haddad@example.com",
             "actor_display_name": "Amira Haddad", "first_seen": "2026-11-16T08:52:10.114000Z",
             "last_seen": "2026-11-16T09:10:02.553000Z", "mfa_verified": true, "mfa_factor": "OKTA_VERIFY_PUSH",
             "mfa_time": "2026-11-16T08:52:19.870000Z", "mfa_event_id": "6f0b7c41-a3f4-11f1-8e21-7d5a9b3c2e10",
             "events": 5},
            {"external_session_id": "102Jd0pQe4HvK2rXc9sZmA1Ng", "actor_alternate_id": "bruno.costa@example.com",
             "actor_display_name": "Bruno Costa", "first_seen": "2026-11-16T08:55:41.020000Z",
             "last_seen": "2026-11-16T08:55:47.905000Z", "mfa_verified": false, "mfa_factor": null,
             "mfa_time": null, "mfa_event_id": null, "events": 3},
            {"external_session_id": "idxA9qWmCk3ZsT7uVbN2rLp5Hx", "actor_alternate_id": "dana.kim@example.com",
             "actor_display_name": "Dana Kim", "first_seen": "2026-11-16T08:58:03.447000Z",
             "last_seen": "2026-11-16T08:58:06.012000Z", "mfa_verified": true, "mfa_factor": "Okta Verify",
             "mfa_time": "2026-11-16T08:58:03.447000Z", "mfa_event_id": "be7c3196-a3f4-11f1-8f13-2a9d4b1e6c32",
             "events": 2},
        ])
    );
}

#[test]
fn idp_aws_sso_carries_session_mfa_to_each_aws_sign_in() {
    let lake = ingest_okta_fixtures();
    let rows = query(lake.path(), "SELECT * FROM idp_aws_sso ORDER BY published");
    assert_eq!(
        rows,
        json!([
            {"uuid": "7a3e9d52-a3f4-11f1-b7c4-19f2e6a0d8b3", "published": "2026-11-16T08:52:24.301000Z",
             "actor_alternate_id": "amira.haddad@example.com", "actor_display_name": "Amira Haddad",
             "external_session_id": "102mW7Yx3kQfS0uQnB8dHl5Tw", "app_name": "AWS Production",
             "app_display_name": "AWS IAM Identity Center", "app_id": "0oaua5ldoougycQAO696",
             "outcome_result": "SUCCESS", "client_ip": "198.51.100.23", "mfa_verified": true,
             "mfa_factor": "OKTA_VERIFY_PUSH", "mfa_time": "2026-11-16T08:52:19.870000Z"},
            {"uuid": "ad6b2085-a3f4-11f1-a0d2-5e8b7c6f4a21", "published": "2026-11-16T08:55:47.905000Z",
             "actor_alternate_id": "bruno.costa@example.com", "actor_display_name": "Bruno Costa",
             "external_session_id": "102Jd0pQe4HvK2rXc9sZmA1Ng", "app_name": "AWS Sandbox",
             "app_display_name": "AWS Account Federation", "app_id": "0oa4fed8Nz2Kq5Wx1697",
             "outcome_result": "SUCCESS", "client_ip": "203.0.113.77", "mfa_verified": false,
             "mfa_factor": null, "mfa_time": null},
            {"uuid": "cf8d42a7-a3f4-11f1-8f13-2a9d4b1e6c32", "published": "2026-11-16T08:58:06.012000Z",
             "actor_alternate_id": "dana.kim@example.com", "actor_display_name": "Dana Kim",
             "external_session_id": "idxA9qWmCk3ZsT7uVbN2rLp5Hx", "app_name": "amazon_aws_sso",
             "app_display_name": "AWS SSO (Dev)", "app_id": "0oa8dev2Yt5Lq9Zc3697",
             "outcome_result": "SUCCESS", "client_ip": "192.0.2.140", "mfa_verified": true,
             "mfa_factor": "Okta Verify", "mfa_time": "2026-11-16T08:58:03.447000Z"},
            {"uuid": "d09e53b8-a3f4-11f1-9b24-6c1f8e3a7d43", "published": "2026-11-16T09:01:30.777000Z",
             "actor_alternate_id": "chen.wei@example.com", "actor_display_name": "Chen Wei",
             "external_session_id": "unknown", "app_name": "AWS Production",
             "app_display_name": "AWS IAM Identity Center", "app_id": "0oaua5ldoougycQAO696",
             "outcome_result": "SUCCESS", "client_ip": "192.0.2.55", "mfa_verified": null,
             "mfa_factor": null, "mfa_time": null},
        ])
    );
}

#[test]
fn forced_kind_reads_a_gzipped_export() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("okta-export.ndjson.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&std::fs::read(fixture("okta/elastic-system-events.ndjson")).unwrap())
        .unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let lake = temp_lake();
    tagtrail(
        lake.path(),
        &["ingest", "--kind", "okta", path.to_str().unwrap()],
    );
    let rows = query(
        lake.path(),
        "SELECT uuid, event_type FROM idp_events ORDER BY source_offset",
    );
    assert_eq!(
        rows,
        json!([
            {"uuid": "faf7398a-4f77-11ea-97fb-5925e98228bd", "event_type": "user.session.end"},
            {"uuid": "3aeede38-4f67-11ea-abd3-1f5d113f2546", "event_type": "user.session.start"},
            {"uuid": "3af594f9-4f67-11ea-abd3-1f5d113f2546", "event_type": "policy.evaluate_sign_on"},
        ])
    );
}
