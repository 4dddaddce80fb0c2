//! `tagtrail lint saml|policy` through the binary: the exact diagnostic lines and exit
//! status on the real-format fixtures (fixtures/saml, fixtures/iam) and on the broken
//! copies derived from them (fixtures/lint/make.sh, fixtures/lint/README.md).

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{fixture, repo, tagtrail, temp_lake};

/// Runs `tagtrail lint ARGS` from the repository root (so paths print as given), with a
/// lake folder that holds no lake unless a test ingested into it.
fn lint(lake: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tagtrail"))
        .arg("lint")
        .args(args)
        .current_dir(repo())
        .env("TAGTRAIL_LAKE", lake)
        .output()
        .expect("run tagtrail")
}

/// Exit status and stdout lines.
fn run(args: &[&str]) -> (i32, Vec<String>) {
    let lake = temp_lake();
    let out = lint(lake.path(), args);
    lines(&out)
}

fn lines(out: &Output) -> (i32, Vec<String>) {
    let stdout = String::from_utf8(out.stdout.clone()).expect("utf-8");
    (
        out.status.code().expect("exit code"),
        stdout.lines().map(str::to_string).collect(),
    )
}

const NS: &str = "https://aws.amazon.com/SAML/Attributes/";

#[test]
fn real_format_saml_is_clean_and_warnings_alone_exit_zero() {
    assert_eq!(
        run(&[
            "saml",
            "fixtures/saml/direct-iam-response.xml",
            "fixtures/saml/amr-assertion.xml",
            "fixtures/saml/saml-response-capture.txt",
        ]),
        (0, vec!["0 errors, 0 warnings in 3 files".to_string()])
    );
    assert_eq!(
        run(&["saml", "fixtures/saml/idc-response.xml"]),
        (
            0,
            vec![
                "fixtures/saml/idc-response.xml:32:1703: saml-tag-convention warning: value `Data Platform` of tag `Department` does not follow the naming convention `^[a-z0-9]+(-[a-z0-9]+)*$`".to_string(),
                "0 errors, 1 warning in 1 file".to_string(),
            ]
        )
    );
}

#[test]
fn unclosed_attribute_quotes_are_located() {
    let lake = temp_lake();
    let out = lint(
        lake.path(),
        &[
            "saml",
            "fixtures/lint/saml/fragment-unclosed-quote.xml",
            "fixtures/lint/saml/unclosed-quote.xml",
        ],
    );
    assert_eq!(
        lines(&out),
        (
            1,
            vec![
                "fixtures/lint/saml/fragment-unclosed-quote.xml:2:85: saml-xml-malformed error: closing \" of attribute Name missing: its value runs into `>`".to_string(),
                "fixtures/lint/saml/unclosed-quote.xml:17:2709: saml-xml-malformed error: closing \" of attribute Name missing: its value runs into `NameFormat=`".to_string(),
                "2 errors, 0 warnings in 2 files".to_string(),
            ]
        )
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "tagtrail: error: lint found 2 error(s)\n"
    );
}

#[test]
fn saml_attribute_name_near_misses() {
    let principle = format!(
        "AWS ignores attribute `{NS}PrincipleTag:Username`: `PrincipleTag` is misspelled: `PrincipalTag`; meant `{NS}PrincipalTag:Username`?"
    );
    let lowercase = format!(
        "AWS ignores attribute `{NS}principaltag:CostCenter`: `principaltag` must be written `PrincipalTag` (names are case-sensitive); meant `{NS}PrincipalTag:CostCenter`?"
    );
    // The capture is the same document base64-encoded: positions are in the decoded XML.
    let mut expected = Vec::new();
    for f in ["principle-tag-capture.txt", "principle-tag.xml"] {
        expected.push(format!(
            "fixtures/lint/saml/{f}:17:2649: saml-tag-namespace error: {principle}"
        ));
        expected.push(format!(
            "fixtures/lint/saml/{f}:17:2983: saml-tag-namespace error: {lowercase}"
        ));
    }
    expected.push(format!(
        "fixtures/lint/saml/fragment-near-misses.xml:5:25: saml-tag-namespace error: AWS ignores attribute `aws.amazon.com/SAML/Attributes/PrincipalTag:Department`: `https://` is missing (`{NS}`); meant `{NS}PrincipalTag:Department`?"
    ));
    expected.push(format!(
        "fixtures/lint/saml/fragment-near-misses.xml:8:25: saml-tag-namespace error: AWS ignores attribute `https://aws.amazon.com/SAML/Attribute/PrincipalTag:Project`: `Attribute/` where AWS expects `Attributes/` (`{NS}`); meant `{NS}PrincipalTag:Project`?"
    ));
    expected.push("fixtures/lint/saml/fragment-near-misses.xml:11:81: saml-tag-key error: tag key `cost#center` has `#`, which IAM rejects (letters, digits, spaces and _.:/=+-@ only)".to_string());
    expected.push("7 errors, 0 warnings in 3 files".to_string());
    assert_eq!(
        run(&[
            "saml",
            "fixtures/lint/saml/principle-tag-capture.txt",
            "fixtures/lint/saml/principle-tag.xml",
            "fixtures/lint/saml/fragment-near-misses.xml",
        ]),
        (1, expected)
    );
}

#[test]
fn saml_tag_values_role_and_duration() {
    assert_eq!(
        run(&[
            "saml",
            "fixtures/lint/saml/multivalued-tag.xml",
            "fixtures/lint/saml/role-and-duration.xml",
            "fixtures/lint/saml/tag-convention.xml",
        ]),
        (
            1,
            vec![
                "fixtures/lint/saml/multivalued-tag.xml:17:3298: saml-tag-multivalued error: tag `CostCenter` has 2 AttributeValues: session tags are single-valued and AWS refuses the sign-in".to_string(),
                "fixtures/lint/saml/role-and-duration.xml:17:1254: saml-role error: Role value `arn:aws:iam::111122223333:role/DBReaders` is not a role ARN and a SAML provider ARN: `arn:aws:iam::ACCOUNT:role/NAME,arn:aws:iam::ACCOUNT:saml-provider/NAME`".to_string(),
                "fixtures/lint/saml/role-and-duration.xml:17:2209: saml-session-duration error: SessionDuration 86400 is outside 900..43200 seconds (15 minutes to 12 hours)".to_string(),
                // Username's `B.Costa` is exempt: database user names follow database rules.
                "fixtures/lint/saml/tag-convention.xml:17:3250: saml-tag-convention warning: value `Cost Center 4417` of tag `CostCenter` does not follow the naming convention `^[a-z0-9]+(-[a-z0-9]+)*$`".to_string(),
                "3 errors, 1 warning in 3 files".to_string(),
            ]
        )
    );
}

#[test]
fn convention_and_db_user_key_come_from_tagtrail_toml() {
    assert_eq!(
        run(&[
            "saml",
            "--config",
            "fixtures/lint/tagtrail.toml",
            "fixtures/lint/saml/tag-convention.xml",
        ]),
        (
            0,
            vec![
                "fixtures/lint/saml/tag-convention.xml:17:2913: saml-tag-convention warning: value `B.Costa` of tag `Username` does not follow the naming convention `^[A-Za-z0-9 ]+$`".to_string(),
                "0 errors, 1 warning in 1 file".to_string(),
            ]
        )
    );
}

#[test]
fn missing_files_are_reported_and_the_others_still_linted() {
    assert_eq!(
        run(&[
            "saml",
            "fixtures/lint/saml/no-such-file.xml",
            "fixtures/saml/direct-iam-response.xml",
        ]),
        (
            1,
            vec![
                "fixtures/lint/saml/no-such-file.xml:1:1: lint-unreadable error: cannot read the file: No such file or directory (os error 2)".to_string(),
                "1 error, 0 warnings in 2 files".to_string(),
            ]
        )
    );
}

#[test]
fn real_format_policies() {
    assert_eq!(
        run(&[
            "policy",
            "fixtures/iam/files/DbAnalyst.json",
            "fixtures/iam/files/get-role-policy-DbShared.json",
        ]),
        (
            0,
            vec![
                "fixtures/iam/files/get-role-policy-DbShared.json:10:105: policy-literal-user warning: database user `app_rw` is one fixed account: everyone who holds the role logs in as it, so its sessions name no person (shared account); per person: ${aws:PrincipalTag/Username}".to_string(),
                "0 errors, 1 warning in 2 files".to_string(),
            ]
        )
    );
}

#[test]
fn policy_resource_and_user_mistakes() {
    assert_eq!(
        run(&[
            "policy",
            "fixtures/lint/policy/role-DbPerPerson__broken-arns.json",
            "fixtures/lint/policy/DbAnalyst-wildcard.json",
            "fixtures/lint/policy/get-role-policy-DbShared-malformed.json",
        ]),
        (
            1,
            vec![
                "fixtures/lint/policy/role-DbPerPerson__broken-arns.json:14:34: policy-resource-arn error: `rds:` is the RDS management service: database logins are allowed on `rds-db:` ARNs".to_string(),
                "fixtures/lint/policy/role-DbPerPerson__broken-arns.json:20:64: policy-resource-arn error: `dbuser/` where AWS expects `dbuser:` (dbuser:DbiResourceId/DB_USER)".to_string(),
                "fixtures/lint/policy/role-DbPerPerson__broken-arns.json:26:71: policy-resource-arn error: `shop-prod` looks like a DB instance name, not its DbiResourceId (`db-` and 26 uppercase letters and digits: aws rds describe-db-instances --query 'DBInstances[].DbiResourceId'): the ARN never matches".to_string(),
                // Inside the permission set's InlinePolicy string.
                "fixtures/lint/policy/DbAnalyst-wildcard.json:2:338: policy-wildcard-user error: database user `*` is a pattern: whoever holds the role may connect as any matching user; name one person's user with ${aws:PrincipalTag/Username}".to_string(),
                "fixtures/lint/policy/get-role-policy-DbShared-malformed.json:9:17: policy-json-malformed error: not JSON: expected `,` or `}`".to_string(),
                "5 errors, 0 warnings in 3 files".to_string(),
            ]
        )
    );
}

#[test]
fn policy_tag_keys_against_configuration_and_lake() {
    let file = "fixtures/lint/policy/role-DbPerPerson__tag-case.json";
    let config_case = format!(
        "{file}:8:125: policy-tag-key-case warning: tag key `username` is `Username` in the configuration (--tag-key, tagtrail.toml [attribution] tag_key): IAM ignores the case, keep one spelling"
    );
    assert_eq!(
        run(&["policy", file]),
        (
            0,
            vec![
                config_case.clone(),
                "0 errors, 1 warning in 1 file".to_string()
            ]
        )
    );
    // A lake of AWS's published CloudTrail sample: sessions tagged CostCenter,
    // Department, Project.
    let lake = temp_lake();
    let trail = fixture("cloudtrail/AWSLogs/o-exampleorgid");
    tagtrail(lake.path(), &["ingest", trail.to_str().unwrap()]);
    let out = lint(lake.path(), &["policy", file]);
    assert_eq!(
        lines(&out),
        (
            0,
            vec![
                config_case,
                format!(
                    "{file}:8:125: policy-tag-key-unknown warning: no federated session in the lake carries tag `username` (they carry `CostCenter`, `Department`, `Project`): nobody gets this grant"
                ),
                format!(
                    "{file}:14:125: policy-tag-key-case warning: tag key `project` is `Project` in the lake's federated sessions: IAM ignores the case, keep one spelling"
                ),
                "0 errors, 3 warnings in 1 file".to_string(),
            ]
        )
    );
}
