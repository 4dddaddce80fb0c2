//! The ingest manifest and the rejects table: what was read, when, with what result,
//! and every record that could not be used. They make re-ingestion idempotent and
//! tell an auditor how complete the evidence is.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use super::{INGEST_MANIFEST, Lake, LakeError, read};
use crate::sources::ts_type;

/// Schema of `ingest_manifest`: one row per file per ingest run.
///
/// | column | type | meaning |
/// |---|---|---|
/// | source_uri | utf8 | absolute path of the file, or `s3://bucket/key` |
/// | size | int64 | bytes on disk / of the object |
/// | sha256 | utf8 | hex SHA-256 of the bytes as stored; with path and size, the idempotency key of local files |
/// | etag | utf8 | S3 `ETag` of an object (null for local files); with key and size, what lets a re-run skip an object without downloading it |
/// | kind | utf8 | detected or forced format (`cloudtrail`, `mysql-audit`); null if unrecognised |
/// | layout | utf8 | how a database log was delivered: `plain`, `cloudwatch-export`, `rds-cli-json`; null for other files |
/// | status | utf8 | `ingested`, or `rejected` when the whole file was unreadable |
/// | message | utf8 | why a file was rejected; null otherwise |
/// | records | int64 | records (lines, CloudTrail records) seen |
/// | kept | int64 | records stored in a table |
/// | skipped | int64 | well-formed records tagtrail does not use |
/// | duplicates | int64 | records already in the lake (CloudTrail `eventID`) |
/// | rejected | int64 | unreadable records, detailed in `ingest_rejects` |
/// | ingested_at | timestamp(us, UTC) | when this run read the file |
pub fn manifest_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let n = |name: &str| Field::new(name, DataType::Int64, false);
        Arc::new(Schema::new(vec![
            Field::new("source_uri", DataType::Utf8, false),
            n("size"),
            Field::new("sha256", DataType::Utf8, false),
            Field::new("etag", DataType::Utf8, true),
            Field::new("kind", DataType::Utf8, true),
            Field::new("layout", DataType::Utf8, true),
            Field::new("status", DataType::Utf8, false),
            Field::new("message", DataType::Utf8, true),
            n("records"),
            n("kept"),
            n("skipped"),
            n("duplicates"),
            n("rejected"),
            Field::new("ingested_at", ts_type(), false),
        ]))
    });
    SCHEMA.clone()
}

/// Schema of `ingest_rejects`: one row per unreadable record (or whole file).
///
/// | column | type | meaning |
/// |---|---|---|
/// | source_uri | utf8 | the file |
/// | source_offset | int64 | record index (0-based) or 1-based line number; -1 = the whole file |
/// | kind | utf8 | format the file was read as; null if unrecognised |
/// | reason | utf8 | why the record could not be used |
/// | excerpt | utf8 | the first 200 characters of the record, secrets redacted |
/// | ingested_at | timestamp(us, UTC) | the ingest run |
pub fn rejects_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            Field::new("source_uri", DataType::Utf8, false),
            Field::new("source_offset", DataType::Int64, false),
            Field::new("kind", DataType::Utf8, true),
            Field::new("reason", DataType::Utf8, false),
            Field::new("excerpt", DataType::Utf8, false),
            Field::new("ingested_at", ts_type(), false),
        ]))
    });
    SCHEMA.clone()
}

/// What identifies one input: where it came from, its size and content hash, and for
/// S3 objects the ETag (known before downloading).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileKey {
    pub source_uri: String,
    pub size: i64,
    pub sha256: String,
    pub etag: Option<String>,
}

/// Inputs already ingested successfully. Inputs rejected whole are not listed, so a
/// newer tagtrail that can read them will.
#[derive(Debug, Default)]
pub struct IngestedKeys {
    by_sha256: HashSet<(String, i64, String)>,
    by_etag: HashSet<(String, i64, String)>,
}

impl IngestedKeys {
    /// A local file with this path, size and content.
    pub fn has_file(&self, uri: &str, size: i64, sha256: &str) -> bool {
        self.by_sha256
            .contains(&(uri.to_string(), size, sha256.to_string()))
    }

    /// An S3 object with this key, size and ETag: its content has not changed.
    pub fn has_object(&self, uri: &str, size: i64, etag: &str) -> bool {
        self.by_etag
            .contains(&(uri.to_string(), size, etag.to_string()))
    }

    pub fn insert(&mut self, key: &FileKey) {
        self.by_sha256
            .insert((key.source_uri.clone(), key.size, key.sha256.clone()));
        if let Some(etag) = &key.etag {
            self.by_etag
                .insert((key.source_uri.clone(), key.size, etag.clone()));
        }
    }
}

pub fn ingested_keys(lake: &Lake) -> Result<IngestedKeys, LakeError> {
    let mut keys = IngestedKeys::default();
    for batch in read::table_columns(
        lake,
        &INGEST_MANIFEST,
        &["source_uri", "size", "sha256", "etag", "status"],
    )? {
        let uri = string_column(&batch, 0)?;
        let size = batch
            .column(1)
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or_else(|| type_error("size"))?;
        let sha = string_column(&batch, 2)?;
        let etag = string_column(&batch, 3)?;
        let status = string_column(&batch, 4)?;
        for i in 0..batch.num_rows() {
            if status.value(i) == "ingested" {
                keys.insert(&FileKey {
                    source_uri: uri.value(i).to_string(),
                    size: size.value(i),
                    sha256: sha.value(i).to_string(),
                    etag: (!etag.is_null(i)).then(|| etag.value(i).to_string()),
                });
            }
        }
    }
    Ok(keys)
}

pub(crate) fn string_column(batch: &RecordBatch, i: usize) -> Result<&StringArray, LakeError> {
    let col = batch.column(i);
    col.as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| type_error(&format!("{:?}", col.data_type())))
}

fn type_error(what: &str) -> LakeError {
    LakeError::Arrow(arrow::error::ArrowError::SchemaError(format!(
        "unexpected column type {what}"
    )))
}
