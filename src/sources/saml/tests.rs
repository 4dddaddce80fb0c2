//! SAML reader tests on responses signed by real software (fixtures/saml/make.py, signxml)
//! and on hostile documents.

use arrow::record_batch::RecordBatch;
use serde_json::{Value, json};

use super::*;
use crate::sources::{FileStats, Output, SourceKind, detect};

const IDC: &str = include_str!("../../../fixtures/saml/idc-response.xml");
const DIRECT: &str = include_str!("../../../fixtures/saml/direct-iam-response.xml");
const AMR: &str = include_str!("../../../fixtures/saml/amr-assertion.xml");
const CAPTURE: &str = include_str!("../../../fixtures/saml/saml-response-capture.txt");
const DOCTYPE: &str = include_str!("../../../fixtures/saml/doctype-entity.xml");

fn run(bytes: &[u8]) -> (FileStats, Vec<Value>) {
    let mut batches: Vec<RecordBatch> = vec![];
    let stats = parse(bytes, "mem://saml", &mut |out, b| {
        assert_eq!(out, Output::SamlAssertions);
        batches.push(b);
        Ok(())
    })
    .unwrap();
    let rows = crate::sources::test_rows::rows(&batches);
    (stats, rows)
}

fn rejects(stats: &FileStats) -> Vec<(i64, &str, &str)> {
    stats
        .rejects
        .iter()
        .map(|r| (r.offset, r.reason.as_str(), r.excerpt.as_str()))
        .collect()
}

/// A minimal assertion around `body`, with the given root attributes.
fn assertion(attrs: &str, body: &str) -> String {
    format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" {attrs}><saml:Issuer>https://idp.example</saml:Issuer>{body}</saml:Assertion>"#
    )
}

#[test]
fn identity_center_response_row_is_exact() {
    let (stats, rows) = run(IDC.as_bytes());
    assert_eq!((stats.records, stats.kept, stats.rejects.len()), (1, 1, 0));
    assert_eq!(
        rows,
        vec![json!({
            "assertion_id": "id7310948526341918251772291",
            "response_id": "id73109485263419181646391037",
            "issue_instant": "2026-11-16T08:52:24.301Z",
            "authn_instant": "2026-11-16T08:52:10.114Z",
            "issuer": "http://www.okta.com/exk1fcia6d6EMsf331d8",
            "name_id": "amira.haddad@example.com",
            "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            "name_qualifier": null,
            "sp_name_qualifier": null,
            "audience": "https://us-east-1.signin.aws.amazon.com/platform/saml/d-9067230c03",
            "recipient": "https://us-east-1.signin.aws.amazon.com/platform/saml/acs/9f3c2b1a-7e6d-4c5b-8a9f-0e1d2c3b4a59",
            "not_on_or_after": "2026-11-16T08:57:24.301Z",
            "authn_context_class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
            "session_index": "id1763283144301.1738562911",
            "roles": [],
            "role_session_name": null,
            "session_duration": null,
            "source_identity": null,
            "transitive_tag_keys": [],
            "principal_tags": {},
            "access_control": {"Username": "ahaddad", "Department": "Data Platform"},
            "amr": [],
            "attributes": "{\"https://aws.amazon.com/SAML/Attributes/AccessControl:Username\":[\"ahaddad\"],\"https://aws.amazon.com/SAML/Attributes/AccessControl:Department\":[\"Data Platform\"]}",
            "signed": true,
            "source_uri": "mem://saml",
            "source_offset": 0
        })]
    );
}

#[test]
fn direct_iam_response_yields_roles_tags_and_session_settings() {
    let (_, rows) = run(DIRECT.as_bytes());
    let r = &rows[0];
    assert_eq!(
        r["roles"],
        json!([
            "arn:aws:iam::111122223333:role/DBReaders,arn:aws:iam::111122223333:saml-provider/Okta",
            "arn:aws:iam::111122223333:role/DBAdmins,arn:aws:iam::111122223333:saml-provider/Okta"
        ])
    );
    assert_eq!(r["role_session_name"], "bruno.costa@example.com");
    assert_eq!(r["session_duration"], 3600);
    assert_eq!(r["source_identity"], "bcosta");
    assert_eq!(r["transitive_tag_keys"], json!(["Username", "CostCenter"]));
    assert_eq!(
        r["principal_tags"],
        json!({"Username": "bcosta", "CostCenter": "4417"})
    );
    assert_eq!(r["access_control"], json!({}));
    assert_eq!(r["audience"], "https://signin.aws.amazon.com/saml");
    // Only the assertion is signed in this response.
    assert_eq!(r["signed"], true);
}

#[test]
fn amr_values_and_name_qualifiers_of_a_bare_assertion() {
    let (_, rows) = run(AMR.as_bytes());
    let r = &rows[0];
    assert_eq!(r["amr"], json!(["pwd", "mfa"]));
    assert_eq!(r["response_id"], Value::Null);
    assert_eq!(r["name_id"], "00ud2p8rVt6YhE1wK697");
    assert_eq!(
        r["name_id_format"],
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    );
    assert_eq!(
        r["name_qualifier"],
        "http://www.okta.com/exk1fcia6d6EMsf331d8"
    );
    assert_eq!(
        r["sp_name_qualifier"],
        "https://us-east-1.signin.aws.amazon.com/platform/saml/d-9067230c03"
    );
    let other_names = assertion(
        r#"ID="a1" IssueInstant="2026-11-16T08:00:00Z""#,
        r#"<saml:AttributeStatement>
             <saml:Attribute Name="http://schemas.microsoft.com/claims/authnmethodsreferences"><saml:AttributeValue>http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password</saml:AttributeValue></saml:Attribute>
             <saml:Attribute Name="session.amr"><saml:AttributeValue>hwk</saml:AttributeValue></saml:Attribute>
           </saml:AttributeStatement>"#,
    );
    let (_, rows) = run(other_names.as_bytes());
    assert_eq!(
        rows[0]["amr"],
        json!([
            "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password",
            "hwk"
        ])
    );
}

#[test]
fn browser_captures_decode_in_every_form() {
    let (stats, rows) = run(CAPTURE.as_bytes());
    assert_eq!((stats.kept, stats.rejects.len()), (1, 0));
    assert_eq!(rows[0]["assertion_id"], "id2290145566781203319984417");
    assert_eq!(rows[0]["name_id"], "chen.wei@example.com");
    assert_eq!(rows[0]["principal_tags"], json!({"Username": "cwei"}));
    // The bare value, URL-encoded or not, and wrapped base64 with other form fields first.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(AMR);
    let wrapped: String = b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    let encoded = b64
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    for input in [
        b64.clone(),
        encoded.clone(),
        format!("RelayState=x&SAMLResponse={encoded}"),
        wrapped,
    ] {
        let (stats, rows) = run(input.as_bytes());
        assert_eq!(stats.rejects.len(), 0, "{input:.40}");
        assert_eq!(rows[0]["assertion_id"], "id8820017364410057734101298");
    }
}

#[test]
fn a_dtd_is_refused_before_any_entity_is_read() {
    let (stats, rows) = run(DOCTYPE.as_bytes());
    assert!(rows.is_empty());
    assert_eq!((stats.records, stats.kept), (1, 0));
    assert_eq!(rejects(&stats), vec![(WHOLE_FILE, "DTD not allowed", "")]);
}

#[test]
fn only_predefined_entities_and_character_references_are_resolved() {
    let ok = assertion(
        r#"ID="a&amp;1" IssueInstant="2026-11-16T08:00:00Z""#,
        r#"<saml:Subject><saml:NameID>J&#xF6;rg &lt;j&amp;g&gt; &#65;</saml:NameID></saml:Subject>"#,
    );
    let (_, rows) = run(ok.as_bytes());
    assert_eq!(rows[0]["assertion_id"], "a&1");
    assert_eq!(rows[0]["name_id"], "Jörg <j&g> A");
    let custom = assertion(
        r#"ID="a1" IssueInstant="2026-11-16T08:00:00Z""#,
        r#"<saml:Subject><saml:NameID>&xxe;</saml:NameID></saml:Subject>"#,
    );
    let (stats, rows) = run(custom.as_bytes());
    assert!(rows.is_empty());
    assert_eq!(
        rejects(&stats),
        vec![(
            WHOLE_FILE,
            "undefined entity &xxe; (only the predefined XML entities are allowed)",
            ""
        )]
    );
}

#[test]
fn oversized_documents_are_rejected_unread() {
    let padding = "<!--".to_string() + &"x".repeat(MAX_XML_BYTES) + "-->";
    let big = format!("<?xml version=\"1.0\"?>{padding}{AMR}");
    let (stats, rows) = run(big.as_bytes());
    assert!(rows.is_empty());
    assert_eq!(
        rejects(&stats),
        vec![(
            WHOLE_FILE,
            format!(
                "SAML document is {} bytes, larger than the 1048576-byte limit",
                big.trim().len()
            )
            .as_str(),
            ""
        )]
    );
    let huge = "A".repeat(MAX_INPUT_BYTES + 10);
    let (stats, _) = run(huge.as_bytes());
    assert_eq!(
        rejects(&stats),
        vec![(
            WHOLE_FILE,
            "SAML input larger than the 4198400-byte limit",
            ""
        )]
    );
}

#[test]
fn unusable_assertions_are_rejected_one_by_one() {
    let doc = r#"<Response xmlns="urn:oasis:names:tc:SAML:2.0:protocol" ID="r1">
        <Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" IssueInstant="2026-11-16T08:00:00Z"/>
        <Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="a2"/>
        <EncryptedAssertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion"><EncryptedData>xyz</EncryptedData></EncryptedAssertion>
        <Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="a3" IssueInstant="soon"/>
        <Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="a4" IssueInstant="2026-11-16T08:00:04Z"><Issuer>i</Issuer></Assertion>
      </Response>"#;
    let (stats, rows) = run(doc.as_bytes());
    assert_eq!((stats.records, stats.kept), (5, 1));
    assert_eq!(
        rejects(&stats),
        vec![
            (0, "assertion has no ID", ""),
            (1, "assertion has no IssueInstant", ""),
            (
                2,
                "encrypted assertion: cannot be read without the service provider's key",
                ""
            ),
            (3, "IssueInstant `soon` is not a timestamp", ""),
        ]
    );
    assert_eq!(rows[0]["assertion_id"], "a4");
    assert_eq!(rows[0]["response_id"], "r1");
    assert_eq!(rows[0]["source_offset"], 4);
    assert_eq!(rows[0]["signed"], false);
    assert_eq!(rows[0]["attributes"], "{}");
}

#[test]
fn documents_that_are_not_saml_say_why() {
    for (input, reason) in [
        (
            "<html><body/></html>",
            "root element is <html>, not a SAML Response or Assertion",
        ),
        (
            "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"r\"><samlp:Status/></samlp:Response>",
            "SAML response holds no assertion",
        ),
        ("<Assertion ID=\"a\">", "XML ends inside <Assertion>"),
        ("bm90IHhtbA==", "base64 value does not decode to XML"),
    ] {
        let (stats, _) = run(input.as_bytes());
        assert_eq!(rejects(&stats), vec![(WHOLE_FILE, reason, "")], "{input}");
    }
}

#[test]
fn signature_contents_never_reach_a_row() {
    let (_, rows) = run(IDC.as_bytes());
    let text = serde_json::to_string(&rows).unwrap();
    let sig = &IDC[IDC.find("<ds:SignatureValue>").unwrap() + 19..][..40];
    assert!(!text.contains(sig));
    assert!(!text.contains("X509Certificate"));
    assert!(!text.contains("DigestValue"));
}

#[test]
fn sniffs_xml_and_captured_saml() {
    for head in [IDC, DIRECT, AMR, CAPTURE, DOCTYPE] {
        assert_eq!(
            detect::sniff(head.as_bytes()),
            Some(SourceKind::Saml),
            "{head:.60}"
        );
    }
    assert!(looks_like_saml(
        b"\xEF\xBB\xBF<!-- c --><Assertion ID='x'/>"
    ));
    assert!(!looks_like_saml(b"<html></html>"));
    assert!(!looks_like_saml(
        b"20221201 14:07:05,ip-10-22-1-51,rdsadmin,localhost,821,0,CONNECT,,,0,SOCKET"
    ));
    assert!(!looks_like_saml(b"aGVsbG8gd29ybGQgdGhpcyBpcyBub3QgeG1s"));
}
