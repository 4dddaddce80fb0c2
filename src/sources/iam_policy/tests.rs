use arrow::array::{Array, AsArray};
use arrow::record_batch::RecordBatch;

use super::*;

const AT: i64 = 1_794_000_000_000_000;

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/iam/files/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// (principal_kind, principal_name, account_id, policy_name, policy_type, source_offset) per row.
type Row = (String, String, Option<String>, Option<String>, String, i64);

fn run(bytes: &[u8], uri: &str) -> Result<(FileStats, Vec<Row>, Vec<String>), SourceError> {
    let ctx = Context {
        source_uri: uri,
        observed_at: AT,
    };
    let mut batches: Vec<RecordBatch> = Vec::new();
    let stats = parse(bytes, &ctx, &mut |out, b| {
        assert_eq!(out, Output::IamPolicies);
        batches.push(b);
        Ok(())
    })?;
    let mut rows = Vec::new();
    let mut docs = Vec::new();
    for b in &batches {
        let col = |n: &str| b.column_by_name(n).unwrap().as_string::<i32>().clone();
        let (kind, name, acct, pol, ty, doc) = (
            col("principal_kind"),
            col("principal_name"),
            col("account_id"),
            col("policy_name"),
            col("policy_type"),
            col("document"),
        );
        let off = b
            .column_by_name("source_offset")
            .unwrap()
            .as_primitive::<arrow::datatypes::Int64Type>();
        let at = b
            .column_by_name("observed_at")
            .unwrap()
            .as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
        for i in 0..b.num_rows() {
            let opt =
                |a: &arrow::array::StringArray| (!a.is_null(i)).then(|| a.value(i).to_string());
            assert_eq!(at.value(i), AT);
            rows.push((
                kind.value(i).into(),
                name.value(i).into(),
                opt(&acct),
                opt(&pol),
                ty.value(i).into(),
                off.value(i),
            ));
            docs.push(doc.value(i).to_string());
        }
    }
    Ok((stats, rows, docs))
}

fn row(kind: &str, name: &str, acct: Option<&str>, policy: &str, ty: &str, off: i64) -> Row {
    (
        kind.into(),
        name.into(),
        acct.map(Into::into),
        Some(policy.into()),
        ty.into(),
        off,
    )
}

#[test]
fn aws_cli_documentation_example() {
    let (stats, rows, docs) = run(
        &fixture("aws-cli-example/get-account-authorization-details.json"),
        "/x/get-account-authorization-details.json",
    )
    .unwrap();
    // EC2role's two AWS-managed policies are not in the export: skipped. The example's
    // groups Admins and Dev give AttachedManagedPolicies as an object, not a list.
    assert_eq!(
        rows,
        vec![
            row(
                "user",
                "Bob",
                Some("123456789012"),
                "DenyBillingAndIAMPolicy",
                "inline",
                2
            ),
            row(
                "group",
                "Finance",
                Some("123456789012"),
                "policygen-201310141157",
                "inline",
                5
            ),
        ]
    );
    assert_eq!((stats.records, stats.kept, stats.skipped), (6, 2, 2));
    let reasons: Vec<_> = stats
        .rejects
        .iter()
        .map(|r| (r.offset, r.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (3, "Admins: AttachedManagedPolicies is not a list"),
            (4, "Dev: AttachedManagedPolicies is not a list"),
        ]
    );
    assert_eq!(
        docs[0],
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":["aws-portal:*","iam:*"],"Resource":"*"}}"#
    );
}

#[test]
fn each_shape() {
    let (_, rows, _) = run(
        &fixture("authorization-details.json"),
        "/x/authorization-details.json",
    )
    .unwrap();
    assert_eq!(
        rows,
        vec![
            row(
                "role",
                "DbPerPerson",
                Some("111122223333"),
                "rds-connect-self",
                "inline",
                0
            ),
            row(
                "role",
                "DbPerPerson",
                Some("111122223333"),
                "RdsAnalysts",
                "managed",
                1
            ),
        ]
    );
    let (_, rows, _) = run(
        &fixture("get-role-policy-DbShared.json"),
        "/x/get-role-policy-DbShared.json",
    )
    .unwrap();
    assert_eq!(
        rows,
        vec![row(
            "role",
            "DbShared",
            None,
            "rds-connect-app",
            "inline",
            0
        )]
    );
    let (_, rows, docs) =
        run(&fixture("DbAnalyst.json"), "s3://b/policies/DbAnalyst.json").unwrap();
    assert_eq!(
        rows,
        vec![row(
            "permission_set",
            "DbAnalyst",
            None,
            "AwsSSOInlinePolicy",
            "inline",
            0
        )]
    );
    assert!(
        docs[0].starts_with(r#"{"Version":"2012-10-17","Statement":[{"Sid":"PerPerson""#),
        "{}",
        docs[0]
    );
    let (_, rows, _) = run(
        &fixture("role-LegacyDb__legacy-connect.json"),
        "/x/role-LegacyDb__legacy-connect.json",
    )
    .unwrap();
    assert_eq!(
        rows,
        vec![row("role", "LegacyDb", None, "legacy-connect", "inline", 0)]
    );
    let (_, rows, _) = run(&fixture("standalone.json"), "/x/standalone.json").unwrap();
    assert_eq!(
        rows,
        vec![row(
            "unknown",
            "standalone",
            None,
            "standalone",
            "inline",
            0
        )]
    );
    let bare = br#"{"Statement":[]}"#;
    let (_, rows, _) = run(bare, "/x/permission-set-Ops.json.gz").unwrap();
    assert_eq!(
        rows,
        vec![row(
            "permission_set",
            "Ops",
            None,
            "AwsSSOInlinePolicy",
            "inline",
            0
        )]
    );
}

#[test]
fn bad_input() {
    let (stats, rows, _) = run(br#"{"InlinePolicy":""}"#, "/x/Empty.json").unwrap();
    assert_eq!((rows.len(), stats.records, stats.skipped), (0, 1, 1));
    let (stats, rows, _) =
        run(br#"{"InlinePolicy":"{\"Statement\":[tru"}"#, "/x/Cut.json").unwrap();
    assert_eq!(rows.len(), 0);
    assert_eq!(stats.rejects.len(), 1);
    assert!(
        stats.rejects[0]
            .reason
            .starts_with("policy document is not JSON"),
        "{:?}",
        stats.rejects
    );
    assert!(matches!(
        run(b"{\"Records\":", "/x/a.json"),
        Err(SourceError::NotIamPolicy(_))
    ));
    assert!(matches!(
        run(b"{\"a\":1}", "/x/a.json"),
        Err(SourceError::NotIamPolicy(_))
    ));
}

#[test]
fn sniffs_policy_files() {
    assert!(sniff(br#"{"RoleName":"x","PolicyDocument":{}}"#));
    assert!(sniff(b"  {\n \"InlinePolicy\": \"{}\"}"));
    assert!(sniff(
        &fixture("aws-cli-example/get-account-authorization-details.json")[..4096]
    ));
    assert!(!sniff(br#"{"LogFileData":"x"}"#));
    assert_eq!(
        crate::sources::detect::sniff(br#"{"Version":"2012-10-17","Statement":[]}"#),
        Some(crate::sources::SourceKind::IamPolicy)
    );
}
