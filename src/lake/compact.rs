//! `tagtrail compact`: merges the small parts of each partition (one per ingest run) into
//! files of 64–256 MB with several row groups, sorted by time, so queries open few
//! files and prune by row-group statistics. The parts are merged as sorted streams,
//! at most 16 open at a time (`lake/merge.rs`), so memory holds a batch and a page per
//! column of 16 parts, whatever the partition's size or number of parts.
//!
//! Atomic and safe to rerun, in four steps: remove orphans (leftovers of an interrupted
//! run, never live, such as a merge's intermediate runs); write the merged files (not
//! live yet); swap the file list (the commit point: readers see the old parts or the
//! new ones, never both); delete the replaced parts. A crash before the swap leaves the
//! lake as it was plus orphans; after it, the replaced parts are orphans; either way the
//! next run ends in the same contents. One writer at a time: a swap is refused if the
//! list changed meanwhile.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, new_null_array};
use arrow::record_batch::RecordBatch;

use super::files::{FileEntry, data_file};
pub use super::merge::MAX_FAN_IN;
use super::merge::merge;
use super::{ALL_TABLES, Lake, LakeError, TableDef};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactOptions {
    /// Rows per row group of the merged files.
    pub row_group_rows: usize,
    /// Parts smaller than this are merged.
    pub small_file_bytes: u64,
    /// A merged file takes parts until their sizes add up to this.
    pub max_file_bytes: u64,
    /// The most parts a merge reads at once (each holds a page per column); more are
    /// merged in runs first (`lake/merge.rs`).
    pub fan_in: usize,
}

impl Default for CompactOptions {
    fn default() -> Self {
        CompactOptions {
            row_group_rows: 131_072,
            small_file_bytes: 64 << 20,
            max_file_bytes: 256 << 20,
            fan_in: MAX_FAN_IN,
        }
    }
}

/// Parts of one partition to merge into one file.
#[derive(Clone)]
pub struct Group {
    pub table: &'static TableDef,
    pub date: String,
    pub inputs: Vec<FileEntry>,
}

/// What a compaction will do, from one read of the file list.
#[derive(Clone)]
pub struct Plan {
    generation: Option<u64>,
    pub orphans: Vec<String>,
    pub groups: Vec<Group>,
}

/// Merged files written but not live yet.
#[derive(Debug, Clone)]
pub struct Written {
    generation: Option<u64>,
    pub replaced: Vec<String>,
    pub added: Vec<FileEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactReport {
    pub orphans_removed: usize,
    pub partitions: usize,
    pub files_before: usize,
    pub files_after: usize,
    /// The file list's generation afterwards; `None` when nothing changed.
    pub generation: Option<u64>,
}

/// Plans, writes, swaps and cleans up.
pub fn compact(lake: &Lake, opts: &CompactOptions) -> Result<CompactReport, LakeError> {
    let plan = plan(lake, opts)?;
    let orphans_removed = plan.remove_orphans(lake)?;
    let written = plan.write(lake, opts)?;
    let generation = written.swap(lake)?;
    written.delete_replaced(lake)?;
    Ok(CompactReport {
        orphans_removed,
        partitions: plan.groups.len(),
        files_before: written.replaced.len(),
        files_after: written.added.len(),
        generation,
    })
}

/// Groups the small live parts of each partition, in path order, into runs whose sizes
/// add up to at most `max_file_bytes`; runs of one part are left alone.
pub fn plan(lake: &Lake, opts: &CompactOptions) -> Result<Plan, LakeError> {
    let live = lake.live_files()?;
    let mut partitions: BTreeMap<(&str, &str), Vec<FileEntry>> = BTreeMap::new();
    for (path, file) in &live.files {
        let (table, date) = data_file(path).expect("live files are data files");
        if file.size < opts.small_file_bytes {
            partitions
                .entry((table, date))
                .or_default()
                .push(FileEntry {
                    path: path.clone(),
                    size: file.size,
                });
        }
    }
    let mut groups = Vec::new();
    for ((table, date), parts) in partitions {
        let table = ALL_TABLES
            .iter()
            .copied()
            .find(|t| t.name == table)
            .expect("data files name a table");
        let mut run: Vec<FileEntry> = Vec::new();
        let mut flush = |run: &mut Vec<FileEntry>| {
            if run.len() > 1 {
                groups.push(Group {
                    table,
                    date: date.to_string(),
                    inputs: std::mem::take(run),
                });
            }
            run.clear();
        };
        for part in parts {
            let size: u64 = run.iter().map(|p| p.size).sum();
            if !run.is_empty() && size + part.size > opts.max_file_bytes {
                flush(&mut run);
            }
            run.push(part);
        }
        flush(&mut run);
    }
    Ok(Plan {
        generation: live.generation,
        orphans: live.orphans.clone(),
        groups,
    })
}

impl Plan {
    /// Deletes what an interrupted run left behind (never live, so never read).
    pub fn remove_orphans(&self, lake: &Lake) -> Result<usize, LakeError> {
        for path in &self.orphans {
            lake.storage().delete(path)?;
        }
        Ok(self.orphans.len())
    }

    /// Writes one merged, time-sorted file per group. Nothing is live yet.
    pub fn write(&self, lake: &Lake, opts: &CompactOptions) -> Result<Written, LakeError> {
        let mut written = Written {
            generation: self.generation,
            replaced: Vec::new(),
            added: Vec::new(),
        };
        for group in &self.groups {
            let table = group.table;
            let entry = merge(
                lake,
                table,
                &group.date,
                &group.inputs,
                opts.row_group_rows,
                opts.fan_in,
                move |batch, location| to_schema(table, batch, location),
            )?;
            written
                .replaced
                .extend(group.inputs.iter().map(|i| i.path.clone()));
            written.added.push(entry);
        }
        Ok(written)
    }
}

impl Written {
    /// The commit point: the merged files replace their inputs in the file list. Skipped
    /// when there is nothing to replace and the list already exists.
    pub fn swap(&self, lake: &Lake) -> Result<Option<u64>, LakeError> {
        if self.added.is_empty() && self.generation.is_some() {
            return Ok(None);
        }
        lake.swap(Some(self.generation), &self.replaced, &self.added)
            .map(Some)
    }

    /// Deletes the replaced parts (after the swap: no reader needs them any more).
    pub fn delete_replaced(&self, lake: &Lake) -> Result<(), LakeError> {
        for path in &self.replaced {
            lake.storage().delete(path)?;
        }
        Ok(())
    }
}

/// `batch` with the table's current columns: a part written before a column existed
/// gets nulls there, as the query engine reads it.
fn to_schema(
    table: &TableDef,
    batch: RecordBatch,
    location: &str,
) -> Result<RecordBatch, LakeError> {
    let schema = (table.schema)();
    if batch.schema().fields() == schema.fields() {
        return Ok(batch.with_schema(schema)?);
    }
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|f| match batch.column_by_name(f.name()) {
            Some(c) if c.data_type() == f.data_type() => Ok(Arc::clone(c)),
            Some(c) => Err(LakeError::Store {
                location: location.to_string(),
                message: format!(
                    "column {} is {:?}, the table has {:?}",
                    f.name(),
                    c.data_type(),
                    f.data_type()
                ),
            }),
            None => Ok(new_null_array(f.data_type(), batch.num_rows())),
        })
        .collect::<Result<_, _>>()?;
    Ok(RecordBatch::try_new(schema, columns)?)
}
