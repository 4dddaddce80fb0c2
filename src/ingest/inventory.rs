//! Inventory exports through the ingest pipeline: RDS describe output → `rds_instances`,
//! database user lists → `db_users`. Both are small documents, read whole.

use std::io::Read;
use std::path::Path;

use arrow::record_batch::RecordBatch;

use super::pipeline::Content;
use crate::lake::for_output;
use crate::lake::writer::LakeWriter;
use crate::sources::{FileStats, Output, SourceError, SourceKind, db_users, detect, rds_inventory};

/// When the inventory was taken: a local file's modification time (the moment it was
/// exported), else `fallback` (the ingest run's start: S3 objects, forced reads).
pub fn observed_at(content: &Content<'_>, fallback: i64) -> i64 {
    let mtime = |p: &Path| -> Option<i64> {
        let t = std::fs::metadata(p).ok()?.modified().ok()?;
        Some(chrono::DateTime::<chrono::Utc>::from(t).timestamp_micros())
    };
    match content {
        Content::File(p) => mtime(p).unwrap_or(fallback),
        _ => fallback,
    }
}

/// Parses an inventory input of `kind` and hands its batches to `writer`.
pub fn write(
    writer: &mut LakeWriter<'_>,
    kind: SourceKind,
    content: &Content<'_>,
    source_uri: &str,
    observed_at: i64,
    instance: Option<&str>,
) -> Result<FileStats, String> {
    let bytes = read_all(content).map_err(|e| format!("cannot read: {e}"))?;
    let mut sink = |out: Output, batch: RecordBatch| {
        writer
            .add(for_output(out), batch)
            .map_err(|e| SourceError::Sink(e.to_string()))
    };
    let parsed = match kind {
        SourceKind::RdsInventory => rds_inventory::parse(
            &bytes,
            &rds_inventory::Context {
                source_uri,
                observed_at,
            },
            &mut sink,
        ),
        _ => db_users::parse(
            &bytes,
            &db_users::Context {
                instance,
                source_uri,
                observed_at,
            },
            &mut sink,
        ),
    };
    parsed.map_err(|e| e.to_string())
}

fn read_all(content: &Content<'_>) -> std::io::Result<Vec<u8>> {
    let mut reader = match content {
        Content::File(p) => detect::open(p)?,
        Content::Bytes(b) => detect::open_bytes(b),
        Content::Decoded(_) => return Ok(Vec::new()),
    };
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    Ok(bytes)
}
