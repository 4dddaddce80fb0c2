//! Secrets planted in the real-server workloads (password literals in CREATE/ALTER USER,
//! ROLE and SET PASSWORD, IAM-token-shaped strings in statements and as a login password,
//! AWS secret keys after `aws_secret_access_key=`), and the test that looks for them in
//! every byte of every file of the lakes those workloads produced, in the decoded values
//! of every column of every Parquet file, and in what `tagtrail ingest` printed.

use std::path::{Path, PathBuf};

use arrow::array::Array;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::json;

use crate::support::query;

pub const MDB_ALICE_PW: &str = "Alice-S3cret-pw-71";
pub const MDB_BOB_PW: &str = "Bob-S3cret-pw-72";
pub const MDB_SHARED_PW: &str = "Shared-S3cret-pw-73";
pub const MDB_BOB_NEW_PW: &str = "Bob-N3w-pw-74";
pub const MDB_ALICE_NEW_PW: &str = "Alice-N3w-pw-75";
pub const MDB_SHARED_NEW_PW: &str = "Shared-N3w-pw-76";
pub const MDB_PASSWORD_FN_PW: &str = "Alice-Plain-pw-77";
pub const MDB_AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY71";
pub const MDB_TOKEN: &str = "IQoJb3JpZ2luSECRETTOKEN71";
pub const MDB_SIGNATURE: &str = "7f3e5d1c9b0a8f6e4d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d771";

pub const PG_ADMIN_PW: &str = "Postgres-Adm1n-pw-80";
pub const PG_ALICE_PW: &str = "Alice-Pg-S3cret-81";
pub const PG_BOB_PW: &str = "Bob-Pg-S3cret-82";
pub const PG_SHARED_PW: &str = "Shared-Pg-S3cret-83";
pub const PG_BOB_NEW_PW: &str = "Bob-Pg-N3w-84";
pub const PG_ALICE_NEW_PW: &str = "Alice-Pg-N3w-85";
/// In a statement that fails, so PostgreSQL logs it raw on a `STATEMENT:` line.
pub const PG_FAILED_PW: &str = "Dup-Pg-S3cret-86";
pub const PG_AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY81";
pub const PG_TOKEN: &str = "IQoJb3JpZ2luPGSECRETTOKEN81";
pub const PG_SIGNATURE: &str = "8f3e5d1c9b0a8f6e4d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d781";
/// In a failing statement (raw on its `STATEMENT:` line).
pub const PG_ERROR_SIGNATURE: &str =
    "9a3e5d1c9b0a8f6e4d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d782";
/// The IAM login's own token parts (sent as the password, never logged by the server).
pub const PG_LOGIN_TOKEN: &str = "IQoJbIAMLOGINSESSION83";
pub const PG_LOGIN_SIGNATURE: &str =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abc083";

pub const ALL: &[&str] = &[
    MDB_ALICE_PW,
    MDB_BOB_PW,
    MDB_SHARED_PW,
    MDB_BOB_NEW_PW,
    MDB_ALICE_NEW_PW,
    MDB_SHARED_NEW_PW,
    MDB_PASSWORD_FN_PW,
    MDB_AWS_SECRET,
    MDB_TOKEN,
    MDB_SIGNATURE,
    PG_ADMIN_PW,
    PG_ALICE_PW,
    PG_BOB_PW,
    PG_SHARED_PW,
    PG_BOB_NEW_PW,
    PG_ALICE_NEW_PW,
    PG_FAILED_PW,
    PG_AWS_SECRET,
    PG_TOKEN,
    PG_SIGNATURE,
    PG_ERROR_SIGNATURE,
    PG_LOGIN_TOKEN,
    PG_LOGIN_SIGNATURE,
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn found_in(haystack: &[u8]) -> Vec<&'static str> {
    ALL.iter()
        .copied()
        .filter(|s| haystack.windows(s.len()).any(|w| w == s.as_bytes()))
        .collect()
}

/// Every secret found in `lake`: in the raw bytes of each file, and in every decoded
/// value of every column of each Parquet file (pages are compressed, so raw bytes alone
/// prove nothing). Returns (file, where, secret); also counts the values it looked at.
fn scan_lake(lake: &Path) -> (Vec<String>, usize, usize) {
    let mut all = Vec::new();
    files(lake, &mut all);
    let (mut hits, mut parquet_files, mut values) = (Vec::new(), 0, 0);
    for file in &all {
        let bytes = std::fs::read(file).unwrap();
        for s in found_in(&bytes) {
            hits.push(format!("{}: raw bytes: {s}", file.display()));
        }
        if file.extension().is_some_and(|e| e == "parquet") {
            parquet_files += 1;
            let reader =
                ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file).unwrap())
                    .unwrap()
                    .build()
                    .unwrap();
            for batch in reader {
                let batch = batch.unwrap();
                let schema = batch.schema();
                for (field, column) in schema.fields().iter().zip(batch.columns()) {
                    let fmt = ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default())
                        .unwrap();
                    for row in 0..column.len() {
                        values += 1;
                        let text = fmt.value(row).to_string();
                        for s in found_in(text.as_bytes()) {
                            hits.push(format!(
                                "{}: column {} row {row}: {s}",
                                file.display(),
                                field.name()
                            ));
                        }
                    }
                }
            }
        }
    }
    (hits, parquet_files, values)
}

#[test]
fn planted_secrets_reach_no_lake_file_and_no_report() {
    let mdb = crate::mariadb_workload::run();
    let pg = crate::pg_workload::run();
    let lakes = [&mdb.lake, &pg.stderr_lake, &pg.csv_lake];
    for lake in lakes {
        let (hits, parquet_files, values) = scan_lake(lake);
        assert!(hits.is_empty(), "secrets in the lake: {hits:#?}");
        // The scan read real data: the db_events files and the manifest at least.
        assert!(
            parquet_files >= 2,
            "{}: {parquet_files} parquet files",
            lake.display()
        );
        assert!(values > 1000, "{}: only {values} values", lake.display());
    }
    for report in [&mdb.report, &pg.stderr_report, &pg.csv_report] {
        assert_eq!(found_in(report.as_bytes()), Vec::<&str>::new(), "{report}");
    }
    // The server logs did carry secrets tagtrail had to remove (else this proves little).
    let raw_mdb = std::fs::read(&mdb.audit_log).unwrap();
    assert_eq!(
        found_in(&raw_mdb),
        vec![MDB_PASSWORD_FN_PW, MDB_AWS_SECRET, MDB_TOKEN, MDB_SIGNATURE]
    );
    for raw in [&pg.stderr_files, &pg.csv_files] {
        let mut bytes = Vec::new();
        for f in raw {
            bytes.extend(std::fs::read(f).unwrap());
        }
        assert_eq!(
            found_in(&bytes),
            vec![
                PG_FAILED_PW,
                PG_AWS_SECRET,
                PG_TOKEN,
                PG_SIGNATURE,
                PG_ERROR_SIGNATURE
            ]
        );
    }

    // And the rows they were removed from say so, with the kind of secret.
    assert_eq!(
        query(
            &mdb.lake,
            "SELECT secret_kind, count(*) AS n FROM db_events WHERE redacted GROUP BY secret_kind ORDER BY secret_kind"
        ),
        json!([{"secret_kind": "aws-secret", "n": 1}, {"secret_kind": "iam-token", "n": 1},
               {"secret_kind": "password", "n": 1}])
    );
    for lake in [&pg.stderr_lake, &pg.csv_lake] {
        assert_eq!(
            query(
                lake,
                "SELECT operation, secret_kind, count(*) AS n FROM db_events WHERE redacted \
                 GROUP BY operation, secret_kind ORDER BY operation, secret_kind"
            ),
            json!([
                // The failing CREATE ROLE (password) and the failing SELECT (IAM token),
                // each an ERROR row carrying its statement.
                {"operation": "AUDIT_READ", "secret_kind": "iam-token", "n": 1},
                {"operation": "AUDIT_WRITE", "secret_kind": "aws-secret", "n": 1},
                {"operation": "ERROR", "secret_kind": "iam-token", "n": 1},
                {"operation": "ERROR", "secret_kind": "password", "n": 1},
            ])
        );
    }
}
