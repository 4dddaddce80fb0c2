//! Input formats: bytes in, Arrow record batches of a documented schema out.
//!
//! Each format module owns the schema of the batches it emits and documents every
//! column there, so the meaning of a lake column is written down exactly once.
//! Sources never touch the lake: they hand batches to a sink and report records
//! they could not read as [`Reject`]s, so bad input is counted and kept, never lost.

pub mod cloudtrail;
pub mod columns;
pub mod db_events;
pub mod db_users;
pub mod detect;
pub mod iam_policy;
mod inventory_detect;
pub mod layout;
pub mod lines;
pub mod mysql_audit;
pub mod mysql_line;
pub mod okta;
pub mod pg;
pub mod rds_files;
pub mod rds_inventory;
pub mod redact;
pub mod saml;
#[cfg(test)]
pub(crate) mod test_rows;
pub mod timefmt;
pub mod words;

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use arrow::record_batch::RecordBatch;

/// Timestamps in the lake: microseconds, UTC.
pub fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// The Arrow map type of tag columns (what `MapBuilder` produces).
pub fn tag_map_type() -> DataType {
    let entries = Fields::from(vec![
        Field::new("keys", DataType::Utf8, false),
        Field::new("values", DataType::Utf8, true),
    ]);
    DataType::Map(
        Arc::new(Field::new("entries", DataType::Struct(entries), false)),
        false,
    )
}

/// Rows per emitted batch: large enough for Parquet to compress well, small
/// enough that memory stays bounded whatever the file size.
pub const BATCH_ROWS: usize = 8192;

/// The formats tagtrail understands. The names are the `--kind` values of the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    CloudTrail,
    MysqlAudit,
    /// PostgreSQL `log_destination=stderr` with a `log_line_prefix`.
    PgStderr,
    /// PostgreSQL `log_destination=csvlog`.
    PgCsvlog,
    /// IAM policy documents (`aws iam get-role-policy`, `get-account-authorization-details`,
    /// `aws sso-admin get-inline-policy-for-permission-set`, bare documents).
    IamPolicy,
    /// `aws rds describe-db-instances` / `describe-db-clusters` JSON.
    RdsInventory,
    /// Database accounts and their authentication plugin (CSV or JSON array).
    DbUsers,
    /// Okta System Log events (`/api/v1/logs` JSON array or NDJSON export).
    OktaLog,
    /// SAML `Response`/`Assertion` XML, or a captured base64 `SAMLResponse` value.
    Saml,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::CloudTrail => "cloudtrail",
            SourceKind::MysqlAudit => "mysql-audit",
            SourceKind::PgStderr => "pg-stderr",
            SourceKind::PgCsvlog => "pg-csvlog",
            SourceKind::IamPolicy => "iam-policy",
            SourceKind::RdsInventory => "rds-inventory",
            SourceKind::DbUsers => "db-users",
            SourceKind::OktaLog => "okta",
            SourceKind::Saml => "saml",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "cloudtrail" => Some(SourceKind::CloudTrail),
            "mysql-audit" => Some(SourceKind::MysqlAudit),
            "pg-stderr" => Some(SourceKind::PgStderr),
            "pg-csvlog" => Some(SourceKind::PgCsvlog),
            "iam-policy" => Some(SourceKind::IamPolicy),
            "rds-inventory" => Some(SourceKind::RdsInventory),
            "db-users" => Some(SourceKind::DbUsers),
            "okta" => Some(SourceKind::OktaLog),
            "saml" => Some(SourceKind::Saml),
            _ => None,
        }
    }
}

/// A record that could not be read. Kept in the lake (`ingest_rejects`) with the
/// reason, so an auditor can see exactly what evidence was not used and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Record index (CloudTrail, 0-based) or 1-based line number (text logs);
    /// [`WHOLE_FILE`] when the file as a whole could not be read.
    pub offset: i64,
    pub reason: String,
    /// The start of the raw record with secrets redacted, to help find it again.
    pub excerpt: String,
}

/// `Reject::offset` of a file that could not be read at all (no record or line to point at).
pub const WHOLE_FILE: i64 = -1;

impl Reject {
    pub fn new(offset: i64, reason: impl Into<String>, raw: &str) -> Self {
        Reject {
            offset,
            reason: reason.into(),
            excerpt: redact::excerpt(raw),
        }
    }

    /// The reason with its particulars masked (numbers, times, quoted values), so that a
    /// thousand rejects of one cause count as one line of the ingest summary.
    pub fn class(&self) -> String {
        reason_class(&self.reason)
    }
}

fn reason_class(reason: &str) -> String {
    static QUOTED: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new("`[^`]*`").expect("valid regex"));
    static NUMBER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"[\w:.+-]*\d[\w:.+-]*").expect("valid regex")
    });
    let quoted = QUOTED.replace_all(reason, "`…`");
    // A token with a digit is a particular (a count, a time, a line) unless it starts
    // with a letter (`UTF-8`, `S3`).
    NUMBER
        .replace_all(&quoted, |c: &regex::Captures<'_>| {
            let token = &c[0];
            match token.chars().next() {
                Some(ch) if ch.is_alphabetic() => token.to_string(),
                _ => "N".to_string(),
            }
        })
        .into_owned()
}

#[cfg(test)]
mod reason_tests {
    use super::reason_class;

    #[test]
    fn reason_classes_mask_particulars_and_keep_words() {
        for (reason, class) in [
            (
                "time 1970-01-01T00:00:00Z is outside the accepted range 2000-01-01 .. 2100-01-01 (damaged file or wrong clock?)",
                "time N is outside the accepted range N .. N (damaged file or wrong clock?)",
            ),
            (
                "event of 17826028 bytes is longer than the 16 MiB limit: not read",
                "event of N bytes is longer than the N MiB limit: not read",
            ),
            ("field 3 is not valid UTF-8", "field N is not valid UTF-8"),
            (
                "process_id `4x2` is not a number",
                "process_id `…` is not a number",
            ),
            ("DTD not allowed", "DTD not allowed"),
        ] {
            assert_eq!(reason_class(reason), class, "{reason}");
        }
    }
}

/// What one file yielded. `records = kept + skipped + rejects.len()`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileStats {
    pub records: u64,
    pub kept: u64,
    /// Well-formed records tagtrail has no use for (e.g. unrelated CloudTrail events).
    pub skipped: u64,
    pub rejects: Vec<Reject>,
}

/// Errors that stop a whole file; single bad records become [`Reject`]s instead.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a CloudTrail log file: {0}")]
    NotCloudTrail(String),
    #[error("not a PostgreSQL log: {0}")]
    NotPostgres(String),
    #[error("not an IAM policy file: {0}")]
    NotIamPolicy(String),
    #[error("not an RDS inventory: {0}")]
    NotRdsInventory(String),
    #[error("not a database user list: {0}")]
    NotDbUsers(String),
    #[error("cannot build Arrow batch: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("cannot store batch: {0}")]
    Sink(String),
}

/// Which table a batch is for. Sources name their outputs; the lake decides where the
/// tables live (sources never depend on the lake).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    FederatedSessions,
    CloudTrailEvents,
    DbEvents,
    IamPolicies,
    RdsInstances,
    DbUsers,
    IdpEvents,
    SamlAssertions,
}

/// Where sources send their batches; the ingest driver buffers and writes them.
pub type Sink<'a> = dyn FnMut(Output, RecordBatch) -> Result<(), SourceError> + 'a;
