//! Direct Parquet reads of a few lake columns, for ingest-time lookups (manifest keys,
//! known CloudTrail event ids) that must not depend on the query engine.

use std::path::{Path, PathBuf};

use arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{Lake, LakeError, TableDef};

/// Every Parquet part file of a table, in path order.
pub fn part_files(lake: &Lake, table: &TableDef) -> Result<Vec<PathBuf>, LakeError> {
    let mut files = Vec::new();
    collect(&lake.table_dir(table), &mut files)?;
    files.sort();
    Ok(files)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LakeError> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(LakeError::io(dir))? {
        let path = entry.map_err(LakeError::io(dir))?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "parquet") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads the named top-level columns of every part file of `table`, in that order.
pub fn table_columns(
    lake: &Lake,
    table: &TableDef,
    columns: &[&str],
) -> Result<Vec<RecordBatch>, LakeError> {
    read_columns(table, &part_files(lake, table)?, columns)
}

/// The same for one `date=YYYY-MM-DD` partition only.
pub fn partition_columns(
    lake: &Lake,
    table: &TableDef,
    date: &str,
    columns: &[&str],
) -> Result<Vec<RecordBatch>, LakeError> {
    let mut files = Vec::new();
    collect(
        &lake.table_dir(table).join(format!("date={date}")),
        &mut files,
    )?;
    files.sort();
    read_columns(table, &files, columns)
}

fn read_columns(
    table: &TableDef,
    files: &[PathBuf],
    columns: &[&str],
) -> Result<Vec<RecordBatch>, LakeError> {
    let schema = (table.schema)();
    let indices: Vec<usize> = columns
        .iter()
        .map(|c| schema.index_of(c))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for path in files {
        let file = std::fs::File::open(path).map_err(LakeError::io(path))?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(LakeError::parquet(path))?;
        let mask = ProjectionMask::roots(builder.parquet_schema(), indices.iter().copied());
        let reader = builder
            .with_projection(mask)
            .build()
            .map_err(LakeError::parquet(path))?;
        for batch in reader {
            // The projection keeps file order; reorder to the caller's order.
            let batch = batch?;
            let mut sorted = indices.clone();
            sorted.sort_unstable();
            let order: Vec<usize> = indices
                .iter()
                .map(|i| sorted.binary_search(i).expect("projected"))
                .collect();
            out.push(batch.project(&order)?);
        }
    }
    Ok(out)
}
