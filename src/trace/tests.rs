//! Each diagnosis on hand-made facts: the case it names and a near miss it must leave alone.

use std::path::Path;

use super::chain::{LinkKind, Status};
use super::diagnose::{diagnose, minutes};
use super::facts::{Assertion, DbAccount, Facts, Federation, Login, SamlAttribute};
use super::files::{read_assertion, read_policy};
use super::judge;

const MIN: i64 = 60_000_000;

fn session(tags: &[(&str, &str)]) -> Federation {
    Federation {
        id: "fed-1".into(),
        time: 0,
        role_name: "AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a".into(),
        start: 0,
        expiry: 480 * MIN,
        tag_key: "Username".into(),
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        mfa_status: "verified".into(),
        mfa_evidence: None,
    }
}

fn account(instance: &str, user: &str, iam: bool) -> DbAccount {
    DbAccount {
        instance: instance.into(),
        user_name: user.into(),
        auth_plugin: Some(if iam { "rds_iam" } else { "password" }.into()),
        iam: Some(iam),
    }
}

fn facts(tags: &[(&str, &str)], accounts: Vec<DbAccount>) -> Facts {
    Facts {
        subject: "kevin.wright@example.com".into(),
        persons: vec!["kevin.wright@example.com".into()],
        federations: vec![session(tags)],
        inventory_seen: true,
        accounts,
        skew: 5 * MIN,
        ..Facts::default()
    }
}

fn ids(f: &Facts) -> Vec<&'static str> {
    diagnose(f).iter().map(|d| d.id).collect()
}

fn repo(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn tag_missing_from_the_session() {
    let f = facts(&[("Department", "finance")], vec![]);
    let d = diagnose(&f);
    assert_eq!(d[0].id, "tag-missing");
    assert_eq!(
        d[0].message,
        "1 session(s) carry no `Username` tag (tags sent: Department): `${aws:PrincipalTag/Username}` resolves to nothing, so rds-db:connect names no db user"
    );
    let t = judge(&f);
    assert_eq!(t.links[4].link, LinkKind::AssumeRoleWithSaml);
    assert_eq!(t.links[4].status, Status::Broken);
    // Near miss: the tag is there.
    let ok = facts(
        &[("Username", "kwright")],
        vec![account("db", "kwright", true)],
    );
    assert_eq!(ids(&ok), Vec::<&str>::new());
}

#[test]
fn tag_key_case_still_works_for_iam() {
    let f = facts(&[("username", "fli")], vec![account("db", "fli", true)]);
    let d = diagnose(&f);
    assert_eq!(ids(&f), ["tag-key-case"]);
    assert!(d[0].message.starts_with(
        "key `username` vs policy variable `${aws:PrincipalTag/Username}`: IAM resolves tag keys case-insensitively, so rds-db:connect still works;"
    ));
    // IAM still resolves it: the session link is not broken, nor is the db user.
    let t = judge(&f);
    assert_eq!(t.links[4].status, Status::Ok);
    assert_eq!(t.links[6].status, Status::Ok);
    assert_eq!(t.db_users, ["fli"]);
    // Near miss: same key in another tag name's case is not this tag.
    let other = facts(
        &[("Username", "fli"), ("department", "x")],
        vec![account("db", "fli", true)],
    );
    assert_eq!(ids(&other), Vec::<&str>::new());
}

fn assertion_with(name: &str, to_idc: Option<bool>) -> Assertion {
    Assertion {
        origin: "a.xml".into(),
        to_identity_center: to_idc,
        attributes: vec![SamlAttribute {
            name: format!("https://aws.amazon.com/SAML/Attributes/{name}"),
            values: vec!["kwright".into()],
            at: "a.xml:3".into(),
        }],
        ..Assertion::default()
    }
}

#[test]
fn principal_tag_sent_to_identity_center() {
    let mut f = facts(
        &[("Username", "kwright")],
        vec![account("db", "kwright", true)],
    );
    f.assertions = vec![assertion_with("PrincipalTag:Username", Some(true))];
    let d = diagnose(&f);
    assert_eq!(d[0].id, "tag-namespace");
    assert_eq!(
        d[0].message,
        "attribute `PrincipalTag:Username` goes to IAM Identity Center, which reads only `AccessControl:Username`: the tag never reaches the session"
    );
    assert_eq!(d[0].evidence, ["a.xml:3"]);
    // The assertion does not say where it goes: the AWSReservedSSO_ role does.
    f.assertions = vec![assertion_with("PrincipalTag:Username", None)];
    assert_eq!(ids(&f), ["tag-namespace"]);
    // Near miss: AccessControl: to Identity Center is right.
    f.assertions = vec![assertion_with("AccessControl:Username", Some(true))];
    assert_eq!(ids(&f), Vec::<&str>::new());
    assert_eq!(judge(&f).links[3].status, Status::Ok);
}

#[test]
fn access_control_sent_to_direct_iam() {
    let mut f = facts(
        &[("Username", "kwright")],
        vec![account("db", "kwright", true)],
    );
    f.federations[0].role_name = "DBReaders".into();
    f.assertions = vec![assertion_with("AccessControl:Username", None)];
    let d = diagnose(&f);
    assert_eq!(
        d[0].message,
        "attribute `AccessControl:Username` goes to IAM (direct SAML federation), which reads only `PrincipalTag:Username`: the tag never reaches the session"
    );
    f.assertions = vec![assertion_with("PrincipalTag:Username", None)];
    assert_eq!(ids(&f), Vec::<&str>::new());
}

#[test]
fn real_assertions_say_where_they_go() {
    let idc = read_assertion(&repo("fixtures/saml/idc-response.xml"), "Username").unwrap();
    assert_eq!(idc[0].to_identity_center, Some(true));
    assert_eq!(
        idc[0].attributes[0].name,
        "https://aws.amazon.com/SAML/Attributes/AccessControl:Username"
    );
    assert!(
        idc[0].attributes[0]
            .at
            .ends_with("fixtures/saml/idc-response.xml:32")
    );
    assert!(idc[0].name_problems.is_empty());
    let iam = read_assertion(&repo("fixtures/saml/direct-iam-response.xml"), "Username").unwrap();
    assert_eq!(iam[0].to_identity_center, Some(false));
    // The direct-IAM assertion against an Identity Center session: PrincipalTag: is wrong there.
    let mut f = facts(
        &[("Username", "bcosta")],
        vec![account("db", "bcosta", true)],
    );
    f.assertions = iam.clone();
    assert_eq!(ids(&f), Vec::<&str>::new(), "it says it goes to IAM");
    f.assertions = idc;
    f.federations[0].role_name = "DBReaders".into();
    assert_eq!(
        ids(&f),
        Vec::<&str>::new(),
        "it says it goes to Identity Center"
    );
}

#[test]
fn malformed_attribute_name_from_the_lint() {
    let bad = read_assertion(&repo("fixtures/lint/saml/principle-tag.xml"), "Username").unwrap();
    let mut f = facts(
        &[("Username", "bcosta")],
        vec![account("db", "bcosta", true)],
    );
    f.assertions = bad;
    let d = diagnose(&f);
    let names: Vec<_> = d.iter().filter(|d| d.id == "saml-attribute-name").collect();
    assert!(!names.is_empty());
    assert!(
        names[0]
            .message
            .starts_with("malformed SAML attribute (saml-tag-namespace): "),
        "{}",
        names[0].message
    );
    assert!(names[0].evidence[0].contains("fixtures/lint/saml/principle-tag.xml:17:"));
    let unclosed =
        read_assertion(&repo("fixtures/lint/saml/unclosed-quote.xml"), "Username").unwrap();
    assert_eq!(unclosed[0].name_problems[0].1, "saml-xml-malformed");
    // Near miss: the well-formed original.
    f.assertions =
        read_assertion(&repo("fixtures/saml/direct-iam-response.xml"), "Username").unwrap();
    f.federations[0].role_name = "DBReaders".into();
    assert_eq!(ids(&f), Vec::<&str>::new());
}

#[test]
fn value_case_differs_from_the_db_user() {
    let f = facts(
        &[("Username", "KWright")],
        vec![
            account("ledger-prod", "kwright", true),
            account("shop-prod", "kwright", true),
        ],
    );
    let d = diagnose(&f);
    assert_eq!(ids(&f), ["tag-value-case"]);
    assert_eq!(
        d[0].message,
        "tag value `KWright` does not match db user `kwright` (ledger-prod, shop-prod): db user names are case-sensitive in MySQL and PostgreSQL, so the token is for a user that does not exist; send the value in lower case"
    );
    // Near miss: an upper-case value that is the db user's exact name works.
    let exact = facts(
        &[("Username", "KWright")],
        vec![account("db", "KWright", true)],
    );
    assert_eq!(ids(&exact), Vec::<&str>::new());
    let spaces = facts(
        &[("Username", "kevin wright")],
        vec![account("db", "kwright", true)],
    );
    assert_eq!(ids(&spaces), ["tag-value-format", "db-user-missing"]);
}

#[test]
fn db_user_missing_or_not_iam() {
    let missing = facts(
        &[("Username", "kwright")],
        vec![account("db", "anguyen", true)],
    );
    assert_eq!(ids(&missing), ["db-user-missing"]);
    let mut no_inventory = missing.clone();
    no_inventory.inventory_seen = false;
    assert_eq!(ids(&no_inventory), Vec::<&str>::new());
    assert_eq!(judge(&no_inventory).links[6].status, Status::Unknown);
    let password = facts(
        &[("Username", "kwright")],
        vec![account("db", "kwright", false)],
    );
    let d = diagnose(&password);
    assert_eq!(d[0].id, "db-user-not-iam");
    assert_eq!(
        d[0].message,
        "db user `kwright` on db authenticates with password, not IAM: an IAM token is refused, and no login as it leads to a person"
    );
}

fn login(at_minutes: i64, success: bool) -> Login {
    Login {
        at: "ledger-prod:8591:1".into(),
        instance: "ledger-prod".into(),
        engine: "postgresql".into(),
        time: at_minutes * MIN,
        db_user: "kwright".into(),
        success,
        auth_method: Some("iam".into()),
        statement_count: 1,
        ..Login::default()
    }
}

#[test]
fn a_password_account_traced_directly() {
    let f = Facts {
        subject: "app_legacy".into(),
        inventory_seen: true,
        accounts: vec![account("shop-prod", "app_legacy", false)],
        ..Facts::default()
    };
    assert_eq!(ids(&f), ["db-user-not-iam"]);
    assert_eq!(judge(&f).links[6].status, Status::Broken);
    // Near miss: an IAM account traced directly is fine.
    let iam = Facts {
        accounts: vec![account("shop-prod", "app_legacy", true)],
        ..f
    };
    assert_eq!(ids(&iam), Vec::<&str>::new());
    assert_eq!(
        judge(&iam).links[6].summary,
        "app_legacy IAM-enabled on 1 instance(s)"
    );
}

#[test]
fn login_after_the_credentials_expired() {
    let mut f = facts(
        &[("Username", "kwright")],
        vec![account("db", "kwright", true)],
    );
    f.logins = vec![login(480 + 300, true)];
    let d = diagnose(&f);
    assert_eq!(ids(&f), ["login-after-expiry"]);
    assert_eq!(
        d[0].message,
        "login to ledger-prod as kwright at 1970-01-01T13:00:00Z came 300 min after the credentials of fed-1 expired (1970-01-01T08:00:00Z): no federated session was open, so the token came from other credentials or a cached one"
    );
    // Near miss: 2½ minutes late is inside the 5-minute clock skew.
    f.logins = vec![Login {
        time: 480 * MIN + 150_000_000,
        ..login(0, true)
    }];
    assert_eq!(ids(&f), Vec::<&str>::new());
    assert_eq!(minutes(150_000_000), "2.5 min");
}

#[test]
fn pam_and_1045_failures_of_iam_users() {
    let mut f = facts(
        &[("Username", "kwright")],
        vec![account("ledger-prod", "kwright", true)],
    );
    f.logins = vec![Login {
        failure_reason: Some("PAM authentication failed for user \"kwright\"".into()),
        ..login(10, false)
    }];
    assert_eq!(ids(&f), ["iam-auth-failed"]);
    assert_eq!(judge(&f).links[7].status, Status::Broken);
    f.logins = vec![Login {
        failure_code: Some(1045),
        failure_reason: Some("Access denied for user 'kwright'@'10.0.1.5'".into()),
        ..login(10, false)
    }];
    assert!(diagnose(&f)[0].message.contains("MySQL 1045 access denied"));
    // Near miss: 1045 for a password account is a wrong password, not an IAM problem.
    f.accounts = vec![account("ledger-prod", "kwright", false)];
    f.logins[0].auth_method = Some("password".into());
    assert_eq!(ids(&f), ["db-user-not-iam"]);
}

#[test]
fn mfa_absent() {
    let mut f = facts(
        &[("Username", "ewalsh")],
        vec![account("db", "ewalsh", true)],
    );
    f.federations[0].mfa_status = "absent".into();
    assert_eq!(ids(&f), ["mfa-absent"]);
    assert_eq!(judge(&f).links[1].status, Status::Broken);
    f.federations[0].mfa_status = "verified".into();
    assert_eq!(ids(&f), Vec::<&str>::new());
    assert_eq!(judge(&f).links[1].status, Status::Ok);
}

#[test]
fn policy_file_grant_with_its_line() {
    let grants = read_policy(&repo("fixtures/demo/iam/DatabaseAccess.json")).unwrap();
    assert_eq!(grants.len(), 1);
    assert!(
        grants[0]
            .at
            .ends_with("fixtures/demo/iam/DatabaseAccess.json:2")
    );
    assert_eq!(grants[0].tag_key.as_deref(), Some("Username"));
    assert_eq!(grants[0].kind, "per_person");
    assert_eq!(grants[0].principal, "DatabaseAccess");
    let case = read_policy(&repo(
        "fixtures/lint/policy/role-DbPerPerson__tag-case.json",
    ))
    .unwrap();
    let mut f = facts(
        &[("Username", "kwright")],
        vec![account("db", "kwright", true)],
    );
    f.grants = case;
    let key = f.grants[0].tag_key.clone().unwrap();
    assert_ne!(
        key, "Username",
        "the fixture spells the key in another case"
    );
    assert_eq!(ids(&f), ["tag-key-case"]);
}

#[test]
fn refused_federation_breaks_the_link_until_one_succeeds() {
    let failure = super::facts::FederationFailure {
        id: "fail-1".into(),
        time: 10 * MIN,
        role_name: "AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a".into(),
        error_code: "ValidationError".into(),
        error_message: Some("Unable to validate tags".into()),
    };
    let mut f = facts(
        &[("Username", "kwright")],
        vec![account("db", "kwright", true)],
    );
    f.federation_failures = vec![failure];
    let d = diagnose(&f);
    assert_eq!(
        d[0].message,
        "AssumeRoleWithSAML into AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a at 1970-01-01T00:10:00Z was refused: ValidationError (Unable to validate tags)"
    );
    assert_eq!(judge(&f).links[4].status, Status::Broken);
    // Near miss: a later federation went through.
    f.federations[0].time = 20 * MIN;
    assert!(
        diagnose(&f)[0]
            .message
            .ends_with("; a later federation succeeded")
    );
    assert_eq!(judge(&f).links[4].status, Status::Ok);
}
