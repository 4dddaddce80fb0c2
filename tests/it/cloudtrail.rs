//! CloudTrail files → federated_sessions, on real records (AWS documentation example and
//! a real IAM Identity Center event, fixtures/cloudtrail/make.sh).

use serde_json::json;

use crate::support::{fixture, query, tagtrail, temp_lake};

#[test]
fn assume_role_with_saml_records_become_sessions() {
    let lake = temp_lake();
    let summary = tagtrail(
        lake.path(),
        &["ingest", fixture("cloudtrail/AWSLogs").to_str().unwrap()],
    );
    // 8 records: 3 AssumeRoleWithSAML (one failed), one of them delivered a second time
    // in another file, and 4 kept events (ConsoleLogin, GetCallerIdentity,
    // GetRoleCredentials, UserAuthentication).
    for line in [
        "files ingested",
        "records kept",
        "records skipped",
        "duplicate eventID",
        "records rejected",
    ] {
        assert!(summary.contains(line), "{summary}");
    }
    let counts = query(
        lake.path(),
        "SELECT sum(records) AS records, sum(kept) AS kept, sum(skipped) AS skipped, \
         sum(duplicates) AS duplicates, sum(rejected) AS rejected, count(*) AS files FROM ingest_manifest",
    );
    assert_eq!(
        counts,
        json!([{"records": 8, "kept": 7, "skipped": 0, "duplicates": 1, "rejected": 0, "files": 4}])
    );

    let rows = query(
        lake.path(),
        "SELECT event_id, event_time, event_version, account_id, region, role_name, permission_set, subject, \
         subject_type, name_qualifier, role_session_name, source_identity, principal_tags, transitive_tag_keys, \
         duration_seconds, session_start, session_expiry, credential_expiration, assumed_role_id, access_key_id, \
         source_ip, error_code, error_message, source_offset, date \
         FROM federated_sessions ORDER BY event_time",
    );
    assert_eq!(
        rows,
        json!([
            {
                "event_id": "dEXAMPLE-265a-41e0-9352-4401bEXAMPLE", "event_time": "2023-08-28T18:30:58Z",
                "event_version": "1.08", "account_id": "444455556666", "region": "us-east-2",
                "role_name": "SAMLTestRoleShibboleth", "permission_set": null, "subject": "SamlExample",
                "subject_type": "transient", "name_qualifier": "bdGOnTesti4+ExamplexL/jEvs=",
                "role_session_name": "MyAssignedRoleSessionName", "source_identity": "MySAMLUser",
                "principal_tags": {"CostCenter": "987654", "Department": "Engineering", "Project": "Unicorn"},
                "transitive_tag_keys": ["CostCenter", "Project"], "duration_seconds": 1800,
                "session_start": "2023-08-28T18:30:58Z", "session_expiry": "2023-08-28T19:00:58Z",
                "credential_expiration": "2023-08-28T19:00:58Z",
                "assumed_role_id": "AROAD35QRSTUVWEXAMPLE:MyAssignedRoleSessionName",
                "access_key_id": "ASIAIOSFODNN7EXAMPLE", "source_ip": "AWS Internal",
                "error_code": null, "error_message": null, "source_offset": 1, "date": "2023-08-28"
            },
            {
                "event_id": "f00dcafe-1b2c-4d5e-8f90-a1b2c3d4e5f6", "event_time": "2023-08-28T18:41:12Z",
                "event_version": "1.08", "account_id": "444455556666", "region": "us-east-2",
                "role_name": "SAMLTestRoleShibboleth", "permission_set": null, "subject": "SamlExample",
                "subject_type": null, "name_qualifier": null,
                "role_session_name": "MyAssignedRoleSessionName", "source_identity": "MySAMLUser",
                "principal_tags": {"CostCenter": "987654", "Department": "Engineering", "Project": "Unicorn"},
                "transitive_tag_keys": ["CostCenter", "Project"], "duration_seconds": 1800,
                "session_start": "2023-08-28T18:41:12Z", "session_expiry": null, "credential_expiration": null,
                "assumed_role_id": null, "access_key_id": null, "source_ip": "AWS Internal",
                "error_code": "ValidationError", "error_message": "Unable to validate tags",
                "source_offset": 2, "date": "2023-08-28"
            },
            {
                "event_id": "423fa918-3e60-4161-812c-8ccb1afbd672", "event_time": "2026-07-01T00:08:20Z",
                "event_version": "1.11", "account_id": "950363612855", "region": "ap-southeast-2",
                "role_name": "AWSReservedSSO_AdministratorAccess_7243976e43c75fc5",
                "permission_set": "AdministratorAccess", "subject": "aidan.steele@glassechidna.com.au",
                "subject_type": "persistent", "name_qualifier": "/nQTosBbaHrvuioiTKQkrbl3/WM=",
                "role_session_name": "aidan.steele@glassechidna.com.au", "source_identity": null,
                "principal_tags": null, "transitive_tag_keys": null, "duration_seconds": 43200,
                "session_start": "2026-07-01T00:08:20Z", "session_expiry": "2026-07-01T12:08:20Z",
                "credential_expiration": "2026-07-01T12:08:19Z",
                "assumed_role_id": "AROA52RQV4237EYPOIPDF:aidan.steele@glassechidna.com.au",
                "access_key_id": "ASIA52RQV423TWB3UWEE", "source_ip": "13.239.101.254",
                "error_code": null, "error_message": null, "source_offset": 0, "date": "2026-07-01"
            }
        ])
    );
}

#[test]
fn session_tokens_never_reach_the_lake() {
    let lake = temp_lake();
    tagtrail(
        lake.path(),
        &["ingest", fixture("cloudtrail/AWSLogs").to_str().unwrap()],
    );
    let everything = tagtrail(
        lake.path(),
        &[
            "query",
            "SELECT * FROM federated_sessions",
            "--format",
            "csv",
        ],
    );
    assert!(
        everything.contains("ASIA52RQV423TWB3UWEE"),
        "the key id is kept: {everything}"
    );
    for secret in [
        "IQoJb",
        "REDACTED FOR BREVITY",
        "encoded session token blob",
    ] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
    for file in walk(lake.path()) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(5).any(|w| w == b"IQoJb"),
            "{} holds a session token",
            file.display()
        );
    }
}

#[test]
fn reingesting_adds_nothing() {
    let lake = temp_lake();
    let path = fixture("cloudtrail/AWSLogs");
    tagtrail(lake.path(), &["ingest", path.to_str().unwrap()]);
    let ids = "SELECT event_id FROM federated_sessions UNION ALL SELECT event_id FROM cloudtrail_events ORDER BY event_id";
    let before = query(lake.path(), ids);
    assert_eq!(before.as_array().unwrap().len(), 7);
    let second = tagtrail(lake.path(), &["ingest", path.to_str().unwrap()]);
    assert!(
        second.contains("files already in the lake (unchanged)"),
        "{second}"
    );
    assert_eq!(query(lake.path(), ids), before);
    assert_eq!(
        query(lake.path(), "SELECT count(*) AS n FROM ingest_manifest"),
        json!([{"n": 4}])
    );
    // The same records under another name (a copy of the bucket) are deduplicated by eventID.
    let copy = tempfile::tempdir().unwrap();
    for f in walk(&path) {
        std::fs::copy(&f, copy.path().join(f.file_name().unwrap())).unwrap();
    }
    tagtrail(lake.path(), &["ingest", copy.path().to_str().unwrap()]);
    assert_eq!(query(lake.path(), ids), before);
    assert_eq!(
        query(
            lake.path(),
            "SELECT sum(duplicates) AS d FROM ingest_manifest"
        ),
        json!([{"d": 9}]),
        "1 in the first run, then all 8 records of the copy"
    );
}

pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out.sort();
    out
}

#[test]
fn identity_center_and_sign_in_events_are_kept_with_their_principals() {
    let lake = temp_lake();
    tagtrail(
        lake.path(),
        &["ingest", fixture("cloudtrail/AWSLogs").to_str().unwrap()],
    );
    let rows = query(
        lake.path(),
        "SELECT event_name, event_source, account_id, identity_type, actor, principal_id, \
         on_behalf_of_user_id, source_ip, date FROM cloudtrail_events ORDER BY event_time, event_name",
    );
    assert_eq!(
        rows,
        json!([
            {"event_name": "UserAuthentication", "event_source": "signin.amazonaws.com", "account_id": "111122223333",
             "identity_type": "Unknown", "actor": "user1", "principal_id": "111122223333",
             "on_behalf_of_user_id": null, "source_ip": "203.0.113.0", "date": "2020-12-07"},
            {"event_name": "ConsoleLogin", "event_source": "signin.amazonaws.com", "account_id": "444455556666",
             "identity_type": "AssumedRole", "actor": "MyAssignedRoleSessionName",
             "principal_id": "AROAD35QRSTUVWEXAMPLE:MyAssignedRoleSessionName",
             "on_behalf_of_user_id": null, "source_ip": "198.51.100.24", "date": "2023-08-28"},
            {"event_name": "GetCallerIdentity", "event_source": "sts.amazonaws.com", "account_id": "950363612855",
             "identity_type": "AssumedRole", "actor": "aidan.steele@glassechidna.com.au",
             "principal_id": "AROA52RQV4237EYPOIPDF:aidan.steele@glassechidna.com.au",
             "on_behalf_of_user_id": "976710cc5d-9d976f61-3b89-4b98-88db-2ea3bbc1f3fa",
             "source_ip": "54.79.161.228", "date": "2026-07-01"},
            {"event_name": "GetRoleCredentials", "event_source": "sso.amazonaws.com", "account_id": "607481581596",
             "identity_type": "IdentityCenterUser", "actor": "976710cc5d-9d976f61-3b89-4b98-88db-2ea3bbc1f3fa",
             "principal_id": null, "on_behalf_of_user_id": "976710cc5d-9d976f61-3b89-4b98-88db-2ea3bbc1f3fa",
             "source_ip": "54.79.161.228", "date": "2026-07-01"},
        ])
    );
    // Each downstream call joins to the session that made it by the assumed role id.
    let joined = query(
        lake.path(),
        "SELECT e.event_name, s.subject FROM cloudtrail_events e \
         JOIN federated_sessions s ON e.principal_id = s.assumed_role_id ORDER BY e.event_name",
    );
    assert_eq!(
        joined,
        json!([
            {"event_name": "ConsoleLogin", "subject": "SamlExample"},
            {"event_name": "GetCallerIdentity", "subject": "aidan.steele@glassechidna.com.au"},
        ])
    );
}
