//! Each SAML diagnostic on the smallest document that triggers it, next to the near
//! miss that must not; and the real-format responses from fixtures/saml (signed by
//! signxml) as the clean baseline.

use base64::Engine as _;

use super::*;
use crate::checks::config::DEFAULT_CONVENTION;
use crate::lint::line_col;

const DIRECT: &str = include_str!("../../../fixtures/saml/direct-iam-response.xml");
const IDC: &str = include_str!("../../../fixtures/saml/idc-response.xml");
const AMR: &str = include_str!("../../../fixtures/saml/amr-assertion.xml");
const CAPTURE: &str = include_str!("../../../fixtures/saml/saml-response-capture.txt");
const DOCTYPE: &str = include_str!("../../../fixtures/saml/doctype-entity.xml");

const P: &str = "https://aws.amazon.com/SAML/Attributes/";
const ROLE: &str =
    "arn:aws:iam::111122223333:role/DBReaders,arn:aws:iam::111122223333:saml-provider/Okta";

fn rules() -> Rules {
    Rules::new("Username", DEFAULT_CONVENTION).unwrap()
}

/// `line:col id severity: message` of each diagnostic.
fn run_with(xml: &str, rules: &Rules) -> Vec<String> {
    lint(xml.as_bytes(), rules)
        .into_iter()
        .map(|d| {
            format!(
                "{}:{} {} {}: {}",
                d.line, d.col, d.id, d.severity, d.message
            )
        })
        .collect()
}

fn run(xml: &str) -> Vec<String> {
    run_with(xml, &rules())
}

/// `line:col id` of each diagnostic.
fn ids(xml: &str) -> Vec<String> {
    lint(xml.as_bytes(), &rules())
        .into_iter()
        .map(|d| format!("{}:{} {}", d.line, d.col, d.id))
        .collect()
}

/// One `<saml:Attribute>` on one line: its name starts at column 23, its first value
/// at column 23 + name length + 23.
fn attr(name: &str, values: &[&str]) -> String {
    let values: String = values
        .iter()
        .map(|v| format!("<saml:AttributeValue>{v}</saml:AttributeValue>"))
        .collect();
    format!("<saml:Attribute Name=\"{name}\">{values}</saml:Attribute>")
}

/// An assertion: line 1 the Assertion, line 2 the AttributeStatement, then one line
/// per attribute from line 3.
fn assertion(attrs: &[String]) -> String {
    format!(
        "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"a1\">\n<saml:AttributeStatement>\n{}\n</saml:AttributeStatement></saml:Assertion>\n",
        attrs.join("\n")
    )
}

/// A direct IAM federation assertion: Role on line 3, RoleSessionName on line 4, then
/// `extra` from line 5.
fn iam(extra: &[String]) -> String {
    let mut attrs = vec![
        attr(&format!("{P}Role"), &[ROLE]),
        attr(&format!("{P}RoleSessionName"), &["bruno.costa@example.com"]),
    ];
    attrs.extend(extra.iter().cloned());
    assertion(&attrs)
}

fn tag(key: &str, value: &str) -> String {
    attr(&format!("{P}PrincipalTag:{key}"), &[value])
}

/// Column of the first value of an [`attr`] line named `name`.
fn value_col(name: &str) -> usize {
    23 + name.len() + 23
}

#[test]
fn real_format_responses_are_clean_except_idc_department_convention() {
    assert_eq!(run(DIRECT), Vec::<String>::new());
    assert_eq!(run(AMR), Vec::<String>::new());
    assert_eq!(run(CAPTURE), Vec::<String>::new());
    let at = IDC.find(">Data Platform<").unwrap() + 1;
    let (line, col) = line_col(IDC, at);
    assert_eq!(
        run(IDC),
        vec![format!(
            "{line}:{col} saml-tag-convention warning: value `Data Platform` of tag `Department` does not follow the naming convention `^[a-z0-9]+(-[a-z0-9]+)*$`"
        )]
    );
}

#[test]
fn missing_closing_quote_in_a_namespace_less_fragment_points_at_the_gap() {
    let snippet = "<saml:AttributeStatement>\n  <saml:Attribute Name=\"https://aws.amazon.com/SAML/Attributes/PrincipalTag:Username>\n    <saml:AttributeValue>jdoe</saml:AttributeValue>\n  </saml:Attribute>\n</saml:AttributeStatement>\n";
    assert_eq!(
        run(snippet),
        vec![
            "2:85 saml-xml-malformed error: closing \" of attribute Name missing: its value runs into `>`"
        ]
    );
}

#[test]
fn missing_closing_quote_in_a_full_response_points_at_the_gap() {
    let broken = DIRECT.replacen("PrincipalTag:Username\"", "PrincipalTag:Username", 1);
    let gap = broken.find("PrincipalTag:Username").unwrap() + "PrincipalTag:Username".len();
    let (line, col) = line_col(&broken, gap);
    assert_eq!(
        run(&broken),
        vec![format!(
            "{line}:{col} saml-xml-malformed error: closing \" of attribute Name missing: its value runs into `NameFormat=`"
        )]
    );
}

#[test]
fn well_formed_markup_characters_in_values_are_not_errors() {
    // `>` is legal in an attribute value; `&amp;` is a predefined entity.
    let xml = assertion(&[attr("urn:x:a>b", &["R&amp;D"])]);
    assert_eq!(run(&xml), Vec::<String>::new());
    // `<` is not, and a value with its closing quote is not a missing quote.
    let xml = assertion(&[attr("a<b", &["x"])]);
    assert_eq!(
        run(&xml),
        vec![
            "3:24 saml-xml-malformed error: `<` inside the value of attribute Name: write it as &lt;"
        ]
    );
}

#[test]
fn mismatched_and_unclosed_elements_name_where_they_opened() {
    let xml = "<saml:Assertion>\n  <saml:Subject>x</saml:Subjct>\n</saml:Assertion>";
    assert_eq!(
        run(xml),
        vec!["2:18 saml-xml-malformed error: </saml:Subjct> closes <saml:Subject>, opened at 2:3"]
    );
    let xml = "<saml:Assertion>\n  <saml:AttributeStatement>\n";
    assert_eq!(
        run(xml),
        vec![
            "2:3 saml-xml-malformed error: <saml:AttributeStatement> is never closed (the text ends inside it)"
        ]
    );
}

#[test]
fn dtd_and_unknown_entities_are_refused_as_unsafe() {
    assert_eq!(
        run(DOCTYPE),
        vec![
            "2:1 saml-xml-unsafe error: DTD not allowed: SAML never needs one, and entity attacks start with it"
        ]
    );
    let xml = assertion(&[attr("x", &["&xxe;"])]);
    assert_eq!(
        ids(&xml),
        vec![format!("3:{} saml-xml-unsafe", value_col("x"))]
    );
}

#[test]
fn tag_namespace_near_misses_are_errors_with_the_name_meant() {
    let name = format!("{P}PrincipleTag:Department");
    assert_eq!(
        run(&iam(&[attr(&name, &["finance"])])),
        vec![format!(
            "5:23 saml-tag-namespace error: AWS ignores attribute `{name}`: `PrincipleTag` is misspelled: `PrincipalTag`; meant `{P}PrincipalTag:Department`?"
        )]
    );
    for bad in [
        "https://aws.amazon.com/SAML/Attributes/principaltag:Department",
        "aws.amazon.com/SAML/Attributes/PrincipalTag:Department",
        "https://aws.amazon.com/SAML/Attribute/PrincipalTag:Department",
        "https://aws.amazon.com/SAML/Attributes/AccessControll:Department",
    ] {
        assert_eq!(
            ids(&iam(&[attr(bad, &["finance"])])),
            vec!["5:23 saml-tag-namespace"],
            "{bad}"
        );
    }
    assert_eq!(
        ids(&iam(&[tag("Department", "finance")])),
        Vec::<String>::new()
    );
}

#[test]
fn other_aws_attribute_names_near_misses_and_unknowns() {
    let name = format!("{P}RoleSesionName");
    assert_eq!(
        ids(&assertion(&[
            attr(&format!("{P}Role"), &[ROLE]),
            attr(&name, &["bcosta"])
        ])),
        vec![
            // RoleSessionName is then missing too, reported at the assertion.
            "1:1 saml-role-session-name".to_string(),
            "4:23 saml-attribute-name".to_string(),
        ]
    );
    assert_eq!(
        run(&iam(&[attr(&format!("{P}Department"), &["finance"])])),
        vec![format!(
            "5:23 saml-attribute-name warning: AWS reads no attribute `{P}Department` (it reads Role, RoleSessionName, SessionDuration, SourceIdentity, TransitiveTagKeys, PrincipalTag:<key>, AccessControl:<key>)"
        )]
    );
    // The IdP's own attributes are none of AWS's business.
    assert_eq!(
        ids(&iam(&[
            attr("session.amr", &["pwd", "mfa"]),
            attr("email", &["x"])
        ])),
        Vec::<String>::new()
    );
}

#[test]
fn tag_keys_iam_rejects() {
    let key_col = 23 + format!("{P}PrincipalTag:").len();
    assert_eq!(
        run(&iam(&[tag("cost#center", "x")])),
        vec![format!(
            "5:{} saml-tag-key error: tag key `cost#center` has `#`, which IAM rejects (letters, digits, spaces and _.:/=+-@ only)",
            key_col + 4
        )]
    );
    assert_eq!(
        ids(&iam(&[tag("aws:team", "x")])),
        vec![format!("5:{key_col} saml-tag-key")]
    );
    assert_eq!(
        ids(&iam(&[tag("", "x")])),
        vec![format!("5:{key_col} saml-tag-key")]
    );
    assert_eq!(
        ids(&iam(&[tag("Cost Center:a/b=c+d@e-f_g.h", "x")])),
        Vec::<String>::new()
    );
}

#[test]
fn tag_values_iam_rejects() {
    let name = format!("{P}PrincipalTag:Team");
    assert_eq!(
        run(&iam(&[tag("Team", "a;b")])),
        vec![format!(
            "5:{} saml-tag-value error: value `a;b` of tag `Team` has `;`, which IAM rejects (letters, digits, spaces and _.:/=+-@ only)",
            value_col(&name)
        )]
    );
    assert_eq!(ids(&iam(&[tag("Team", "a-b")])), Vec::<String>::new());
}

#[test]
fn tags_take_exactly_one_value() {
    let name = format!("{P}PrincipalTag:Project");
    let second = value_col(&name) + "alpha</saml:AttributeValue>".len() + 21;
    assert_eq!(
        run(&iam(&[attr(&name, &["alpha", "beta"])])),
        vec![format!(
            "5:{second} saml-tag-multivalued error: tag `Project` has 2 AttributeValues: session tags are single-valued and AWS refuses the sign-in"
        )]
    );
    assert_eq!(
        ids(&iam(&[attr(&name, &[])])),
        vec!["5:23 saml-tag-multivalued"]
    );
    assert_eq!(ids(&iam(&[attr(&name, &["alpha"])])), Vec::<String>::new());
}

#[test]
fn tag_keys_differing_only_in_case_are_duplicates() {
    let key_col = 23 + format!("{P}PrincipalTag:").len();
    assert_eq!(
        run(&iam(&[tag("Project", "a"), tag("project", "b")])),
        vec![format!(
            "6:{key_col} saml-tag-duplicate error: tag `project` is already given at 5:23: AWS compares tag keys case-insensitively, so this is the same tag twice"
        )]
    );
    // The same key in the two namespaces is two different things.
    let ac = attr(&format!("{P}AccessControl:Project"), &["a"]);
    assert_eq!(ids(&iam(&[tag("Project", "a"), ac])), Vec::<String>::new());
}

#[test]
fn aws_limits_on_session_tags() {
    let fifty: Vec<String> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    assert_eq!(ids(&iam(&fifty)), Vec::<String>::new());
    let mut fifty_one = fifty.clone();
    fifty_one.push(tag("k50", "v"));
    assert_eq!(
        run(&iam(&fifty_one)),
        vec![
            "55:23 saml-tag-limit error: PrincipalTag tag number 51: AWS accepts at most 50 session tags per sign-in"
        ]
    );
    let key_col = 23 + format!("{P}PrincipalTag:").len();
    assert_eq!(
        ids(&iam(&[tag(&"k".repeat(128), "v")])),
        Vec::<String>::new()
    );
    assert_eq!(
        run(&iam(&[tag(&"k".repeat(129), "v")])),
        vec![format!(
            "5:{key_col} saml-tag-limit error: tag key is 129 characters: AWS allows at most 128"
        )]
    );
    assert_eq!(
        ids(&iam(&[tag("Team", &"v".repeat(256))])),
        Vec::<String>::new()
    );
    let name = format!("{P}PrincipalTag:Team");
    assert_eq!(
        run(&iam(&[tag("Team", &"v".repeat(257))])),
        vec![format!(
            "5:{} saml-tag-limit error: value of tag `Team` is 257 characters: AWS allows at most 256",
            value_col(&name)
        )]
    );
}

#[test]
fn convention_applies_to_every_tag_but_the_db_user_key() {
    let name = format!("{P}PrincipalTag:Department");
    assert_eq!(
        run(&iam(&[tag("Department", "Data Platform")])),
        vec![format!(
            "5:{} saml-tag-convention warning: value `Data Platform` of tag `Department` does not follow the naming convention `^[a-z0-9]+(-[a-z0-9]+)*$`",
            value_col(&name)
        )]
    );
    assert_eq!(
        ids(&iam(&[tag("Department", "data-platform")])),
        Vec::<String>::new()
    );
    // Database user names follow the database's rules, whatever the namespace or case.
    let ac = attr(&format!("{P}AccessControl:username"), &["B.Costa"]);
    assert_eq!(
        ids(&iam(&[tag("Username", "B.Costa"), ac])),
        Vec::<String>::new()
    );
    // The convention and the db-user key come from the configuration.
    let custom = Rules::new("DbUser", "^[A-Z]+$").unwrap();
    assert_eq!(
        run_with(
            &iam(&[tag("Username", "bcosta"), tag("DbUser", "b.c")]),
            &custom
        )
        .len(),
        1
    );
}

#[test]
fn role_values_must_pair_a_role_and_a_provider_of_one_account() {
    let role_col = value_col(&format!("{P}Role"));
    let bad = |value: &str| {
        run(&assertion(&[
            attr(&format!("{P}Role"), &[value]),
            attr(&format!("{P}RoleSessionName"), &["bcosta"]),
        ]))
    };
    assert_eq!(
        bad("arn:aws:iam::111122223333:role/DBReaders"),
        vec![format!(
            "3:{role_col} saml-role error: Role value `arn:aws:iam::111122223333:role/DBReaders` is not a role ARN and a SAML provider ARN: `arn:aws:iam::ACCOUNT:role/NAME,arn:aws:iam::ACCOUNT:saml-provider/NAME`"
        )]
    );
    for (value, start) in [
        (
            "arn:aws:iam::111122223333:role/A, arn:aws:iam::111122223333:saml-provider/Okta",
            "has spaces around the comma",
        ),
        (
            "arn:aws:iam::111122223333:role/A,arn:aws:iam::444455556666:saml-provider/Okta",
            "the role and the SAML provider are in different accounts (111122223333, 444455556666)",
        ),
        (
            "arn:aws:iam::111122223333:role/A,arn:aws:iam::111122223333:role/B",
            "names two role ARNs",
        ),
        (
            "arn:aws:iam::1111:role/A,arn:aws:iam::111122223333:saml-provider/Okta",
            "part `arn:aws:iam::1111:role/A` is neither a role ARN nor a SAML provider ARN",
        ),
    ] {
        let got = bad(value);
        assert_eq!(got.len(), 1, "{value}: {got:?}");
        assert!(got[0].contains(start), "{value}: {got:?}");
    }
    // Either order is accepted by AWS.
    assert_eq!(
        bad("arn:aws:iam::111122223333:saml-provider/Okta,arn:aws:iam::111122223333:role/A"),
        Vec::<String>::new()
    );
}

#[test]
fn iam_federation_needs_role_and_role_session_name() {
    assert_eq!(
        run(&assertion(&[tag("Username", "bcosta")])),
        vec![
            format!(
                "1:1 saml-role error: no `{P}Role` attribute: AWS cannot tell which role to assume"
            ),
            format!(
                "1:1 saml-role-session-name error: no `{P}RoleSessionName` attribute: AWS refuses the sign-in"
            ),
        ]
    );
    // Identity Center reads AccessControl only; a snippet may be part of a statement.
    let ac = attr(&format!("{P}AccessControl:Username"), &["bcosta"]);
    assert_eq!(
        ids(&assertion(std::slice::from_ref(&ac))),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&format!(
            "<Attribute Name=\"{P}PrincipalTag:Username\"><AttributeValue>bcosta</AttributeValue></Attribute>"
        )),
        Vec::<String>::new()
    );
}

#[test]
fn role_session_name_format() {
    let name = format!("{P}RoleSessionName");
    let col = value_col(&name);
    let with = |v: &str| {
        ids(&assertion(&[
            attr(&format!("{P}Role"), &[ROLE]),
            attr(&name, &[v]),
        ]))
    };
    assert_eq!(
        with("b costa"),
        vec![format!("4:{col} saml-role-session-name")]
    );
    assert_eq!(with("b"), vec![format!("4:{col} saml-role-session-name")]);
    assert_eq!(
        with(&"b".repeat(65)),
        vec![format!("4:{col} saml-role-session-name")]
    );
    assert_eq!(with("bruno.costa+x=y,z@example.com"), Vec::<String>::new());
}

#[test]
fn session_duration_is_900_to_43200_seconds() {
    let name = format!("{P}SessionDuration");
    let col = value_col(&name);
    let with = |v: &str| run(&iam(&[attr(&name, &[v])]));
    assert_eq!(
        with("899"),
        vec![format!(
            "5:{col} saml-session-duration error: SessionDuration 899 is outside 900..43200 seconds (15 minutes to 12 hours)"
        )]
    );
    assert_eq!(with("43201").len(), 1);
    assert_eq!(
        with("1h"),
        vec![format!(
            "5:{col} saml-session-duration error: SessionDuration `1h` is not a number of seconds"
        )]
    );
    assert_eq!(with("900"), Vec::<String>::new());
    assert_eq!(with("43200"), Vec::<String>::new());
}

#[test]
fn encrypted_assertions_are_a_warning() {
    let xml = "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n  <saml:EncryptedAssertion><x/></saml:EncryptedAssertion>\n</samlp:Response>";
    assert_eq!(
        run(xml),
        vec![
            "2:3 saml-encrypted warning: encrypted assertion: its attributes cannot be read without the service provider's key"
        ]
    );
}

#[test]
fn inputs_that_are_not_saml() {
    assert_eq!(
        run("<html><body/></html>"),
        vec![
            "1:1 saml-input error: root element <html> is not a SAML Response, Assertion, AttributeStatement or Attribute"
        ]
    );
    assert_eq!(
        run("<samlp:Response><samlp:Status/></samlp:Response>"),
        vec!["1:1 saml-input error: the response holds no Assertion"]
    );
    assert_eq!(ids("SAMLResponse=%%%"), vec!["1:1 saml-input"]);
    let huge = format!("<Assertion>{}</Assertion>", " ".repeat(MAX_XML_BYTES));
    assert_eq!(
        run(&huge),
        vec![format!(
            "1:1 saml-input error: SAML document larger than the {MAX_XML_BYTES}-byte limit"
        )]
    );
}

#[test]
fn form_value_positions_are_in_the_decoded_xml() {
    let broken = DIRECT.replacen("PrincipalTag:Username", "PrincipleTag:Username", 1);
    let capture = format!(
        "SAMLResponse={}&RelayState=",
        base64::engine::general_purpose::STANDARD.encode(&broken)
    );
    let (line, col) = line_col(&broken, broken.find("PrincipleTag").unwrap() - P.len());
    assert_eq!(
        ids(&capture),
        vec![format!("{line}:{col} saml-tag-namespace")]
    );
}
