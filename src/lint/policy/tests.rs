//! Each policy diagnostic on a small document, next to the near miss that must not fire;
//! and the policy files of fixtures/iam (one a published AWS CLI sample) as baseline.

use super::*;
use crate::lint::line_col;

const DB_ANALYST: &str = include_str!("../../../fixtures/iam/files/DbAnalyst.json");
const DB_SHARED: &str = include_str!("../../../fixtures/iam/files/get-role-policy-DbShared.json");
const AUTH_DETAILS: &str = include_str!("../../../fixtures/iam/files/authorization-details.json");
const STANDALONE: &str = include_str!("../../../fixtures/iam/files/standalone.json");

const DB: &str = "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY1";

fn rules() -> Rules {
    Rules {
        tag_key: "Username".into(),
        observed_keys: None,
    }
}

fn run_with(text: &str, rules: &Rules) -> Vec<String> {
    lint(text.as_bytes(), "role-Test.json", rules)
        .into_iter()
        .map(|d| {
            format!(
                "{}:{} {} {}: {}",
                d.line, d.col, d.id, d.severity, d.message
            )
        })
        .collect()
}

fn run(text: &str) -> Vec<String> {
    run_with(text, &rules())
}

fn ids_with(text: &str, rules: &Rules) -> Vec<String> {
    lint(text.as_bytes(), "role-Test.json", rules)
        .into_iter()
        .map(|d| format!("{}:{} {}", d.line, d.col, d.id))
        .collect()
}

fn ids(text: &str) -> Vec<String> {
    ids_with(text, &rules())
}

/// A bare policy document, one statement per line from line 2:
/// `{"Effect": …, "Action": "rds-db:connect", "Resource": "<r>"}`.
fn doc(statements: &[(&str, &str)]) -> String {
    let lines: Vec<String> = statements
        .iter()
        .map(|(effect, r)| {
            format!(r#"  {{"Effect": "{effect}", "Action": "rds-db:connect", "Resource": "{r}"}}"#)
        })
        .collect();
    format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [\n{}\n]}}\n",
        lines.join(",\n")
    )
}

/// Column where the resource of a [`doc`] line starts.
const R: usize = 64;

/// Line:col of the first occurrence of `needle` in `text`.
fn at(text: &str, needle: &str) -> String {
    let (line, col) = line_col(
        text,
        text.find(needle).unwrap_or_else(|| panic!("{needle}")),
    );
    format!("{line}:{col}")
}

#[test]
fn fixture_policies() {
    // Per-person Allow and a Deny of one literal user, as a permission set.
    assert_eq!(run(DB_ANALYST), Vec::<String>::new());
    assert_eq!(
        run(DB_SHARED),
        vec![format!(
            "{} policy-literal-user warning: database user `app_rw` is one fixed account: everyone who holds the role logs in as it, so its sessions name no person (shared account); per person: ${{aws:PrincipalTag/Username}}",
            at(DB_SHARED, "app_rw")
        )]
    );
    // The managed policy's default version (v2) only.
    assert_eq!(
        ids(AUTH_DETAILS),
        vec![format!(
            "{} policy-wildcard-user",
            at(AUTH_DETAILS, "analyst_*")
        )]
    );
    assert_eq!(
        run(STANDALONE),
        vec![
            "1:96 policy-wildcard-user error: Resource `*` allows rds-db:connect as every database user on every database (NotAction does not exclude rds-db:connect); name one person's user with ${aws:PrincipalTag/Username}"
        ]
    );
}

#[test]
fn resource_arn_mistakes_point_at_the_wrong_part() {
    let text = doc(&[
        (
            "Allow",
            "arn:aws:rds:eu-west-1:111122223333:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY1/${aws:PrincipalTag/Username}",
        ),
        (
            "Allow",
            "arn:aws:rds-db:eu-west-1:111122223333:dbuser/db-ABCDEFGHIJKLMNOPQRSTUVWXY1/${aws:PrincipalTag/Username}",
        ),
        (
            "Allow",
            "arn:aws:rds-db:eu-west-1:111122223333:dbuser:shop-prod/${aws:PrincipalTag/Username}",
        ),
    ]);
    assert_eq!(
        run(&text),
        vec![
            format!(
                "2:{} policy-resource-arn error: `rds:` is the RDS management service: database logins are allowed on `rds-db:` ARNs",
                R + 8
            ),
            format!(
                "3:{} policy-resource-arn error: `dbuser/` where AWS expects `dbuser:` (dbuser:DbiResourceId/DB_USER)",
                R + 38
            ),
            format!(
                "4:{} policy-resource-arn error: `shop-prod` looks like a DB instance name, not its DbiResourceId (`db-` and 26 uppercase letters and digits: aws rds describe-db-instances --query 'DBInstances[].DbiResourceId'): the ARN never matches",
                R + 45
            ),
        ]
    );
    assert_eq!(
        ids(&doc(&[(
            "Allow",
            &format!("{DB}/${{aws:PrincipalTag/Username}}")
        )])),
        Vec::<String>::new()
    );
}

#[test]
fn other_services_resources_are_checked_only_when_every_action_is_rds_db() {
    let text = doc(&[("Allow", "arn:aws:s3:::reports/*")]);
    assert_eq!(ids(&text), vec![format!("2:{} policy-resource-arn", R + 8)]);
    let mixed = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["rds-db:connect", "s3:GetObject"], "Resource": ["arn:aws:s3:::reports/*", "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABC/${aws:PrincipalTag/Username}"]}]}"#;
    assert_eq!(ids(mixed), Vec::<String>::new());
}

#[test]
fn wildcard_users_are_errors_unless_denied() {
    let text = doc(&[
        ("Allow", &format!("{DB}/*")),
        (
            "Allow",
            &format!("{DB}/${{aws:PrincipalTag/Username, 'guest'}}"),
        ),
        ("Deny", &format!("{DB}/*")),
    ]);
    let user = R + DB.len() + 1;
    assert_eq!(
        run(&text),
        vec![
            format!(
                "2:{user} policy-wildcard-user error: database user `*` is a pattern: whoever holds the role may connect as any matching user; name one person's user with ${{aws:PrincipalTag/Username}}"
            ),
            format!(
                "3:{user} policy-wildcard-user error: database user `${{aws:PrincipalTag/Username, 'guest'}}` is a pattern: whoever holds the role may connect as any matching user; name one person's user with ${{aws:PrincipalTag/Username}}"
            ),
        ]
    );
    let not_resource = r#"{"Statement": {"Effect": "Allow", "Action": "rds-db:connect", "NotResource": "arn:aws:rds-db:eu-west-1:111122223333:dbuser:*/admin"}}"#;
    assert_eq!(
        run(not_resource),
        vec![
            "1:64 policy-wildcard-user error: NotResource allows rds-db:connect as every database user it does not list; name one person's user with ${aws:PrincipalTag/Username}"
        ]
    );
}

#[test]
fn literal_users_are_a_shared_account_warning_unless_denied() {
    let text = doc(&[
        ("Allow", &format!("{DB}/app_rw")),
        ("Deny", &format!("{DB}/admin")),
    ]);
    assert_eq!(
        ids(&text),
        vec![format!("2:{} policy-literal-user", R + DB.len() + 1)]
    );
}

#[test]
fn tag_key_case_against_the_configuration() {
    let text = doc(&[
        ("Allow", &format!("{DB}/${{aws:PrincipalTag/username}}")),
        ("Allow", &format!("{DB}/${{aws:PrincipalTag/Username}}")),
        ("Allow", &format!("{DB}/${{aws:PrincipalTag/DbUser}}")),
    ]);
    let key = R + DB.len() + 1 + "${aws:PrincipalTag/".len();
    // Without a lake, a key other than the configured one is no finding: tagtrail
    // follows the policy's key.
    assert_eq!(
        run(&text),
        vec![format!(
            "2:{key} policy-tag-key-case warning: tag key `username` is `Username` in the configuration (--tag-key, tagtrail.toml [attribution] tag_key): IAM ignores the case, keep one spelling"
        )]
    );
}

#[test]
fn tag_keys_against_the_lakes_sessions() {
    let text = doc(&[
        ("Allow", &format!("{DB}/${{aws:PrincipalTag/project}}")),
        ("Allow", &format!("{DB}/${{aws:PrincipalTag/Project}}")),
        ("Allow", &format!("{DB}/${{aws:PrincipalTag/Username}}")),
    ]);
    let key = R + DB.len() + 1 + "${aws:PrincipalTag/".len();
    let lake = Rules {
        tag_key: "Username".into(),
        observed_keys: Some(vec!["CostCenter".into(), "Project".into()]),
    };
    assert_eq!(
        run_with(&text, &lake),
        vec![
            format!(
                "2:{key} policy-tag-key-case warning: tag key `project` is `Project` in the lake's federated sessions: IAM ignores the case, keep one spelling"
            ),
            format!(
                "4:{key} policy-tag-key-unknown warning: no federated session in the lake carries tag `Username` (they carry `CostCenter`, `Project`): nobody gets this grant"
            ),
        ]
    );
    // A lake without sessions says nothing about keys.
    let empty = Rules {
        observed_keys: Some(vec![]),
        ..lake
    };
    assert_eq!(ids_with(&text, &empty), Vec::<String>::new());
}

#[test]
fn nested_permission_set_documents_are_located_in_the_outer_text() {
    let inner = doc(&[(
        "Allow",
        "arn:aws:rds-db:eu-west-1:111122223333:dbuser/db-ABC/${aws:PrincipalTag/Username}",
    )]);
    let text = format!(
        "{{\n  \"InlinePolicy\": {}\n}}\n",
        serde_json::Value::from(inner.as_str())
    );
    let (line, col) = line_col(&text, text.find("dbuser/").unwrap());
    assert_eq!(
        ids(&text),
        vec![format!("{line}:{col} policy-resource-arn")]
    );
}

#[test]
fn unreadable_files_and_documents() {
    assert_eq!(
        run("{\"Version\": \"2012-10-17\"\n \"Statement\": []}"),
        vec!["2:2 policy-json-malformed error: not JSON: expected `,` or `}`"]
    );
    assert_eq!(
        run("{\"Policy\": 1}"),
        vec![
            "1:1 policy-input error: not an IAM policy file: none of PolicyDocument, RoleDetailList, InlinePolicy, Statement at the top level"
        ]
    );
    assert_eq!(
        run(r#"{"Statement": [{"Effect": "Maybe", "Action": "rds-db:connect", "Resource": "*"}]}"#),
        vec![
            "1:1 policy-document error: Statement 0: Effect must be \"Allow\" or \"Deny\", not \"Maybe\""
        ]
    );
    assert_eq!(ids(r#"{"InlinePolicy": ""}"#), Vec::<String>::new());
}
