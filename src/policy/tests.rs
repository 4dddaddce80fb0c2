use super::*;

/// A one-statement Allow policy with the given Action and Resource JSON values.
fn doc(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{action},"Resource":{resource}}}]}}"#
    )
}

/// (db_resource_id, db_user_pattern, kind, tag_key) of each grant.
fn summary(document: &str) -> Vec<(String, String, &'static str, Option<String>)> {
    rds_connect_grants(document)
        .unwrap_or_else(|e| panic!("{document}: {e}"))
        .into_iter()
        .map(|g| {
            (
                g.db_resource_id,
                g.db_user_pattern,
                g.kind.name(),
                g.tag_key,
            )
        })
        .collect()
}

fn one(
    id: &str,
    user: &str,
    kind: &'static str,
    tag: Option<&str>,
) -> Vec<(String, String, &'static str, Option<String>)> {
    vec![(id.into(), user.into(), kind, tag.map(str::to_string))]
}

const ARN: &str = "arn:aws:rds-db:eu-west-1:123456789012:dbuser:db-ABCDEFGHIJKL01234";

#[test]
fn user_part_kinds() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "${aws:PrincipalTag/Username}",
            "per_person",
            Some("Username"),
        ),
        // The key keeps the policy's case; IAM matches it case-insensitively.
        (
            "${aws:PrincipalTag/username}",
            "per_person",
            Some("username"),
        ),
        ("${aws:principaltag/DbUser}", "per_person", Some("DbUser")),
        ("jane_doe", "literal", None),
        ("app-ro", "literal", None),
        ("*", "wildcard", None),
        ("analyst_*", "wildcard", None),
        ("user?", "wildcard", None),
        ("${aws:PrincipalTag/Username}_ro", "wildcard", None),
        ("ro_${aws:PrincipalTag/Username}", "wildcard", None),
        ("${aws:username}", "wildcard", None),
        ("${aws:PrincipalTag/Username, 'shared'}", "wildcard", None),
        ("a${*}b", "literal", None),
    ];
    for (user, kind, tag) in cases {
        let resource = format!("\"{ARN}/{user}\"");
        assert_eq!(
            summary(&doc("\"rds-db:connect\"", &resource)),
            one("db-ABCDEFGHIJKL01234", user, kind, *tag),
            "{user}"
        );
    }
}

#[test]
fn action_forms() {
    let resource = format!("\"{ARN}/jane\"");
    let matching = [
        "\"rds-db:connect\"",
        "\"RDS-DB:Connect\"",
        "\"rds-db:*\"",
        "\"*\"",
        "\"rds-db:conn*\"",
        "\"rds-db:c?nnect\"",
        "[\"s3:GetObject\",\"rds-db:connect\"]",
    ];
    for action in matching {
        assert_eq!(
            summary(&doc(action, &resource)),
            one("db-ABCDEFGHIJKL01234", "jane", "literal", None),
            "{action}"
        );
    }
    for action in [
        "\"rds:*\"",
        "\"rds-db:connect2\"",
        "[\"s3:*\",\"rds:DescribeDBInstances\"]",
        "\"rds-db:\"",
    ] {
        assert_eq!(summary(&doc(action, &resource)), vec![], "{action}");
    }
}

#[test]
fn resource_forms() {
    let act = "\"rds-db:connect\"";
    let grants = rds_connect_grants(&doc(
        act,
        r#"["arn:aws:rds-db:us-east-1:111122223333:dbuser:cluster-ABCD1234/${aws:PrincipalTag/Username}",
            "arn:aws:rds-db:us-east-1:111122223333:dbuser:prx-0123456789abcdef0/app",
            "arn:aws:s3:::bucket/*",
            "arn:aws:rds-db:*:*:dbuser:*/*",
            "arn:aws-cn:rds-db:cn-north-1:111122223333:dbuser:db-X/bob"]"#,
    ))
    .unwrap();
    let got: Vec<_> = grants
        .iter()
        .map(|g| {
            (
                g.region.as_str(),
                g.account_id.as_str(),
                g.db_resource_id.as_str(),
                g.db_user_pattern.as_str(),
                g.kind.name(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "us-east-1",
                "111122223333",
                "cluster-ABCD1234",
                "${aws:PrincipalTag/Username}",
                "per_person"
            ),
            (
                "us-east-1",
                "111122223333",
                "prx-0123456789abcdef0",
                "app",
                "literal"
            ),
            ("*", "*", "*", "*", "wildcard"),
            ("cn-north-1", "111122223333", "db-X", "bob", "literal"),
        ]
    );
    assert_eq!(
        grants[0].resource,
        "arn:aws:rds-db:us-east-1:111122223333:dbuser:cluster-ABCD1234/${aws:PrincipalTag/Username}"
    );
    // String (not list) Resource, `*`, and wildcards spanning the user part.
    assert_eq!(summary(&doc(act, "\"*\"")), one("*", "*", "wildcard", None));
    assert_eq!(
        summary(&doc(
            act,
            "\"arn:aws:rds-db:us-east-1:111122223333:dbuser:*\""
        )),
        one("*", "*", "wildcard", None)
    );
    assert_eq!(
        summary(&doc(act, "\"arn:aws:rds-db:*\"")),
        one("*", "*", "wildcard", None)
    );
    assert_eq!(summary(&doc(act, "\"arn:aws:rds:*\"")), vec![]);
    assert_eq!(
        summary(&doc(act, "\"arn:aws:rds-db:us-east-1:1:dbuser:db-X\"")),
        vec![]
    );
    // A variable holding a colon in the account field does not shift the fields.
    let g = &rds_connect_grants(&doc(
        act,
        "\"arn:aws:rds-db:us-east-1:${aws:PrincipalAccount}:dbuser:db-X/${aws:PrincipalTag/Username}\"",
    ))
    .unwrap()[0];
    assert_eq!(
        (g.account_id.as_str(), g.db_resource_id.as_str(), g.kind),
        ("${aws:PrincipalAccount}", "db-X", GrantKind::PerPerson)
    );
}

#[test]
fn deny_conditions_and_sid() {
    let document = r#"{"Version":"2012-10-17","Statement":{"Sid":"NoAdmin","Effect":"Deny","Action":"rds-db:connect",
        "Resource":"arn:aws:rds-db:eu-west-1:123456789012:dbuser:*/admin",
        "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}}"#;
    let grants = rds_connect_grants(document).unwrap();
    assert_eq!(
        grants,
        vec![Grant {
            effect: Effect::Deny,
            statement: 0,
            sid: Some("NoAdmin".into()),
            resource: "arn:aws:rds-db:eu-west-1:123456789012:dbuser:*/admin".into(),
            region: "eu-west-1".into(),
            account_id: "123456789012".into(),
            db_resource_id: "*".into(),
            db_user_pattern: "admin".into(),
            kind: GrantKind::Literal,
            tag_key: None,
            condition: Some(r#"{"Bool":{"aws:MultiFactorAuthPresent":"false"}}"#.into()),
            not_action: false,
            not_resource: false,
        }]
    );
}

#[test]
fn not_action_and_not_resource_are_marked() {
    // NotAction that does not exclude connect: the statement grants it.
    let d = format!(
        r#"{{"Statement":[{{"Effect":"Allow","NotAction":"iam:*","Resource":"{ARN}/jane"}}]}}"#
    );
    let g = rds_connect_grants(&d).unwrap();
    assert_eq!(
        (g.len(), g[0].not_action, g[0].db_user_pattern.as_str()),
        (1, true, "jane")
    );
    // NotAction that excludes connect: nothing.
    let d = format!(
        r#"{{"Statement":[{{"Effect":"Allow","NotAction":["rds-db:*"],"Resource":"{ARN}/jane"}}]}}"#
    );
    assert_eq!(rds_connect_grants(&d).unwrap(), vec![]);
    // NotResource: everything except the list, over-estimated as everything.
    let d = format!(
        r#"{{"Statement":[{{"Effect":"Allow","Action":"rds-db:connect","NotResource":["{ARN}/admin"]}}]}}"#
    );
    let g = rds_connect_grants(&d).unwrap();
    assert_eq!(
        (
            g.len(),
            g[0].not_resource,
            g[0].kind,
            g[0].db_user_pattern.as_str(),
            g[0].resource.clone()
        ),
        (
            1,
            true,
            GrantKind::Wildcard,
            "*",
            format!("[\"{ARN}/admin\"]")
        )
    );
    let d = r#"{"Statement":[{"Effect":"Allow","Action":"rds-db:connect","NotResource":"*"}]}"#;
    assert_eq!(rds_connect_grants(d).unwrap(), vec![]);
}

#[test]
fn malformed_documents_are_errors() {
    let cases: &[(&str, PolicyError)] = &[
        (
            "{\"Statement\":[",
            PolicyError::NotJson("EOF while parsing a list at line 1 column 14".into()),
        ),
        ("[1]", PolicyError::NotObject),
        ("{\"Version\":\"2012-10-17\"}", PolicyError::NoStatement),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"rds-db:connect","Resource":"*"},"x"]}"#,
            PolicyError::BadStatement {
                index: 1,
                reason: "not a JSON object".into(),
            },
        ),
        (
            r#"{"Statement":{"Effect":"allow","Action":"rds-db:connect","Resource":"*"}}"#,
            PolicyError::BadStatement {
                index: 0,
                reason: "Effect must be \"Allow\" or \"Deny\", not \"allow\"".into(),
            },
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"rds-db:connect"}}"#,
            PolicyError::BadStatement {
                index: 0,
                reason: "neither Resource nor NotResource".into(),
            },
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"a","NotAction":"b","Resource":"*"}}"#,
            PolicyError::BadStatement {
                index: 0,
                reason: "both Action and NotAction".into(),
            },
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}"#,
            PolicyError::BadStatement {
                index: 0,
                reason: "Action entries must be strings, not 1".into(),
            },
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"rds-db:connect","Resource":"*","Condition":"x"}}"#,
            PolicyError::BadStatement {
                index: 0,
                reason: "Condition must be a JSON object".into(),
            },
        ),
        (
            "%7Bbad%ZZ",
            PolicyError::NotJson("bad URL escape at byte 6".into()),
        ),
    ];
    for (document, want) in cases {
        assert_eq!(
            rds_connect_grants(document).as_ref(),
            Err(want),
            "{document}"
        );
    }
}

#[test]
fn url_encoded_documents_and_normalisation() {
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22rds-db%3Aconnect%22%2C%22Resource%22%3A%22arn%3Aaws%3Ards-db%3Aeu-west-1%3A1%3Adbuser%3Adb-X%2Fjane%22%7D%7D";
    assert_eq!(summary(encoded), one("db-X", "jane", "literal", None));
    assert_eq!(
        normalize("{ \"Version\": \"2012-10-17\",\n  \"Statement\": [] }").unwrap(),
        r#"{"Version":"2012-10-17","Statement":[]}"#
    );
}

#[test]
fn glob_rules() {
    assert!(glob("*", "", false));
    assert!(glob("a*b*c", "aXXbYc", false));
    assert!(!glob("a*b", "aXXc", false));
    assert!(glob("RDS-DB:*", "rds-db:connect", true));
    assert!(!glob("RDS-DB:*", "rds-db:connect", false));
}
