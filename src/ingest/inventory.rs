//! Inventory exports through the ingest pipeline: RDS describe output → `rds_instances`,
//! database user lists → `db_users`. Both are small documents, read whole.

use std::path::Path;

use super::pipeline::Content;
use crate::lake::writer::LakeWriter;
use crate::sources::{FileStats, SourceKind, db_users, rds_inventory};

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
    let bytes = content.read_all()?;
    let mut sink = writer.sink();
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
