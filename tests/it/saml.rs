//! SAML responses, assertions and browser captures → saml_assertions through the CLI, on
//! documents signed by real software (fixtures/saml/make.py) and hostile ones.

use serde_json::json;

use crate::support::{fixture, query, tagtrail, temp_lake};

#[test]
fn saml_documents_become_exact_assertion_rows() {
    let lake = temp_lake();
    let saml = fixture("saml");
    let rejected = "1 record(s) and 2 unreadable file(s) rejected";
    crate::support::ingest_rejecting(lake.path(), &["ingest", saml.to_str().unwrap()], rejected);
    let rows = query(
        lake.path(),
        "SELECT regexp_replace(source_uri, '^.*/', '') AS file, source_offset, assertion_id, response_id, \
                issue_instant, authn_instant, not_on_or_after, issuer, name_id, audience, roles, \
                role_session_name, session_duration, source_identity, transitive_tag_keys, \
                principal_tags, access_control, amr, signed \
         FROM saml_assertions ORDER BY issue_instant",
    );
    assert_eq!(
        rows,
        json!([
            {"file": "idc-response.xml", "source_offset": 0,
             "assertion_id": "id7310948526341918251772291", "response_id": "id73109485263419181646391037",
             "issue_instant": "2026-11-16T08:52:24.301000Z", "authn_instant": "2026-11-16T08:52:10.114000Z",
             "not_on_or_after": "2026-11-16T08:57:24.301000Z",
             "issuer": "http://www.okta.com/exk1fcia6d6EMsf331d8", "name_id": "amira.haddad@example.com",
             "audience": "https://us-east-1.signin.aws.amazon.com/platform/saml/d-9067230c03",
             "roles": [], "role_session_name": null, "session_duration": null, "source_identity": null,
             "transitive_tag_keys": [], "principal_tags": {},
             "access_control": {"Username": "ahaddad", "Department": "Data Platform"},
             "amr": [], "signed": true},
            {"file": "direct-iam-response.xml", "source_offset": 0,
             "assertion_id": "id4410023875521093462219865", "response_id": "id44100238755210934116720458",
             "issue_instant": "2026-11-16T08:55:47.905000Z", "authn_instant": "2026-11-16T08:55:41.388000Z",
             "not_on_or_after": "2026-11-16T09:00:47.905000Z",
             "issuer": "http://www.okta.com/exk4fed8Nz2Kq5Wx1697", "name_id": "bruno.costa@example.com",
             "audience": "https://signin.aws.amazon.com/saml",
             "roles": ["arn:aws:iam::111122223333:role/DBReaders,arn:aws:iam::111122223333:saml-provider/Okta",
                       "arn:aws:iam::111122223333:role/DBAdmins,arn:aws:iam::111122223333:saml-provider/Okta"],
             "role_session_name": "bruno.costa@example.com", "session_duration": 3600,
             "source_identity": "bcosta", "transitive_tag_keys": ["Username", "CostCenter"],
             "principal_tags": {"Username": "bcosta", "CostCenter": "4417"}, "access_control": {},
             "amr": [], "signed": true},
            {"file": "amr-assertion.xml", "source_offset": 0,
             "assertion_id": "id8820017364410057734101298", "response_id": null,
             "issue_instant": "2026-11-16T08:58:06.012000Z", "authn_instant": "2026-11-16T08:58:03.447000Z",
             "not_on_or_after": "2026-11-16T09:03:06.012000Z",
             "issuer": "http://www.okta.com/exk1fcia6d6EMsf331d8", "name_id": "00ud2p8rVt6YhE1wK697",
             "audience": "https://us-east-1.signin.aws.amazon.com/platform/saml/d-9067230c03",
             "roles": [], "role_session_name": null, "session_duration": null, "source_identity": null,
             "transitive_tag_keys": [], "principal_tags": {}, "access_control": {"Username": "dkim"},
             "amr": ["pwd", "mfa"], "signed": true},
            {"file": "saml-response-capture.txt", "source_offset": 0,
             "assertion_id": "id2290145566781203319984417", "response_id": "id22901455667812033168840912",
             "issue_instant": "2026-11-16T09:20:11.640000Z", "authn_instant": "2026-11-16T09:19:58.020000Z",
             "not_on_or_after": "2026-11-16T09:25:11.640000Z",
             "issuer": "http://www.okta.com/exk4fed8Nz2Kq5Wx1697", "name_id": "chen.wei@example.com",
             "audience": "https://signin.aws.amazon.com/saml",
             "roles": ["arn:aws:iam::111122223333:role/DBReaders,arn:aws:iam::111122223333:saml-provider/Okta"],
             "role_session_name": "chen.wei@example.com", "session_duration": null, "source_identity": null,
             "transitive_tag_keys": [], "principal_tags": {"Username": "cwei"}, "access_control": {},
             "amr": [], "signed": true},
        ])
    );
    let files = query(
        lake.path(),
        "SELECT regexp_replace(source_uri, '^.*/', '') AS file, kind, records, kept, rejected \
         FROM ingest_manifest WHERE kind = 'saml' ORDER BY file",
    );
    assert_eq!(
        files,
        json!([
            {"file": "amr-assertion.xml", "kind": "saml", "records": 1, "kept": 1, "rejected": 0},
            {"file": "direct-iam-response.xml", "kind": "saml", "records": 1, "kept": 1, "rejected": 0},
            {"file": "doctype-entity.xml", "kind": "saml", "records": 1, "kept": 0, "rejected": 1},
            {"file": "idc-response.xml", "kind": "saml", "records": 1, "kept": 1, "rejected": 0},
            {"file": "saml-response-capture.txt", "kind": "saml", "records": 1, "kept": 1, "rejected": 0},
        ])
    );
    let rejects = query(
        lake.path(),
        "SELECT regexp_replace(source_uri, '^.*/', '') AS file, source_offset, reason, excerpt \
         FROM ingest_rejects WHERE kind = 'saml'",
    );
    assert_eq!(
        rejects,
        json!([{"file": "doctype-entity.xml", "source_offset": -1, "reason": "DTD not allowed", "excerpt": ""}])
    );
}

#[test]
fn the_lake_keeps_no_xml_and_no_signature() {
    let lake = temp_lake();
    tagtrail(
        lake.path(),
        &["ingest", fixture("saml/idc-response.xml").to_str().unwrap()],
    );
    // Every text column of the table, concatenated: no signature, certificate or markup.
    let text = query(
        lake.path(),
        "SELECT concat_ws('|', assertion_id, response_id, issuer, name_id, name_id_format, audience, \
                recipient, authn_context_class_ref, session_index, attributes) AS t FROM saml_assertions",
    );
    let t = text[0]["t"].as_str().unwrap();
    let idc = std::fs::read_to_string(fixture("saml/idc-response.xml")).unwrap();
    let sig_at = idc.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    assert!(!t.contains(&idc[sig_at..sig_at + 32]), "{t}");
    assert!(!t.contains('<'), "{t}");
    assert_eq!(
        t,
        "id7310948526341918251772291|id73109485263419181646391037|http://www.okta.com/exk1fcia6d6EMsf331d8|\
         amira.haddad@example.com|urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress|\
         https://us-east-1.signin.aws.amazon.com/platform/saml/d-9067230c03|\
         https://us-east-1.signin.aws.amazon.com/platform/saml/acs/9f3c2b1a-7e6d-4c5b-8a9f-0e1d2c3b4a59|\
         urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport|id1763283144301.1738562911|\
         {\"https://aws.amazon.com/SAML/Attributes/AccessControl:Username\":[\"ahaddad\"],\
         \"https://aws.amazon.com/SAML/Attributes/AccessControl:Department\":[\"Data Platform\"]}"
    );
}

#[test]
fn oversized_and_forced_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let amr = std::fs::read_to_string(fixture("saml/amr-assertion.xml")).unwrap();
    let big = dir.path().join("big.xml");
    let padding = "x".repeat(1 << 20);
    std::fs::write(
        &big,
        format!("<?xml version=\"1.0\"?><!--{padding}-->{amr}"),
    )
    .unwrap();
    // A capture without the `SAMLResponse=` name is still recognised with --kind.
    let capture = std::fs::read_to_string(fixture("saml/saml-response-capture.txt")).unwrap();
    let bare = dir.path().join("value.b64");
    std::fs::write(
        &bare,
        capture
            .trim()
            .trim_start_matches("SAMLResponse=")
            .trim_end_matches("&RelayState="),
    )
    .unwrap();
    let lake = temp_lake();
    crate::support::ingest_rejecting(
        lake.path(),
        &[
            "ingest",
            "--kind",
            "saml",
            big.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
        "1 record(s) rejected",
    );
    let rejects = query(
        lake.path(),
        "SELECT regexp_replace(source_uri, '^.*/', '') AS file, reason FROM ingest_rejects",
    );
    assert_eq!(
        rejects,
        json!([{"file": "big.xml",
                "reason": format!("SAML document is {} bytes, larger than the 1048576-byte limit",
                                  amr.trim_end().len() + (1 << 20) + 28)}])
    );
    let rows = query(
        lake.path(),
        "SELECT assertion_id, name_id FROM saml_assertions",
    );
    assert_eq!(
        rows,
        json!([{"assertion_id": "id2290145566781203319984417", "name_id": "chen.wei@example.com"}])
    );
}
