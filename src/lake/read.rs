//! Direct Parquet reads of a few lake columns, for ingest-time lookups (manifest keys,
//! known CloudTrail event ids) and compaction, which must not depend on the query
//! engine. Only live files (see [`super::files`]) are read.

use arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::store::LakeFile;
use super::{Lake, LakeError, TableDef};

/// Every live Parquet part file of a table (paths relative to the lake), in path order.
pub fn part_files(lake: &Lake, table: &TableDef) -> Result<Vec<String>, LakeError> {
    Ok(lake
        .live_files()?
        .of(table.name, None)
        .into_iter()
        .map(|(p, _)| p.to_string())
        .collect())
}

/// Reads the named top-level columns of every part file of `table`, in that order.
pub fn table_columns(
    lake: &Lake,
    table: &TableDef,
    columns: &[&str],
) -> Result<Vec<RecordBatch>, LakeError> {
    read_columns(lake, table, None, columns)
}

/// The same for one `date=YYYY-MM-DD` partition only.
pub fn partition_columns(
    lake: &Lake,
    table: &TableDef,
    date: &str,
    columns: &[&str],
) -> Result<Vec<RecordBatch>, LakeError> {
    read_columns(lake, table, Some(date), columns)
}

fn read_columns(
    lake: &Lake,
    table: &TableDef,
    date: Option<&str>,
    columns: &[&str],
) -> Result<Vec<RecordBatch>, LakeError> {
    let schema = (table.schema)();
    let indices: Vec<usize> = columns
        .iter()
        .map(|c| schema.index_of(c))
        .collect::<Result<_, _>>()?;
    let live = lake.live_files()?;
    let mut out = Vec::new();
    for (path, file) in live.of(table.name, date) {
        for batch in read_file(lake, path, file.size, Some(&indices))? {
            // The projection keeps file order; reorder to the caller's order.
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

/// The batches of one file (relative path, listed size), all columns or the root
/// columns `projection` (in file order).
pub fn read_file(
    lake: &Lake,
    path: &str,
    size: u64,
    projection: Option<&[usize]>,
) -> Result<Vec<RecordBatch>, LakeError> {
    let storage = lake.storage();
    let located = std::path::PathBuf::from(storage.location(path));
    let file = storage.open(path, size)?;
    let mut builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(LakeError::parquet(&located))?;
    if let Some(indices) = projection {
        let mask = ProjectionMask::roots(builder.parquet_schema(), indices.iter().copied());
        builder = builder.with_projection(mask);
    }
    let reader = builder.build().map_err(LakeError::parquet(&located))?;
    reader
        .map(|b| {
            b.map_err(|e| LakeError::Parquet {
                path: located.clone(),
                source: e.into(),
            })
        })
        .collect()
}

/// The Parquet footer of one file (row groups, statistics).
pub fn metadata(
    lake: &Lake,
    path: &str,
    size: u64,
) -> Result<std::sync::Arc<parquet::file::metadata::ParquetMetaData>, LakeError> {
    let storage = lake.storage();
    let file = storage.open(path, size)?;
    ParquetRecordBatchReaderBuilder::try_new(file)
        .map(|b| b.metadata().clone())
        .map_err(LakeError::parquet(std::path::Path::new(
            &storage.location(path),
        )))
}

/// A file's batches, read as they are asked for.
pub type Batches = Box<dyn Iterator<Item = Result<RecordBatch, LakeError>>>;

/// A part read batch by batch (all columns, `batch_rows` at a time), and whether its
/// footer declares it in `table`'s (time, tie) order in every row group.
pub fn stream_file(
    lake: &Lake,
    table: &TableDef,
    path: &str,
    size: u64,
    batch_rows: usize,
) -> Result<(bool, Batches), LakeError> {
    let storage = lake.storage();
    let located = std::path::PathBuf::from(storage.location(path));
    let file = storage.open(path, size)?;
    stream(table, file, located, batch_rows)
}

/// [`stream_file`] of an opened file, named `located` in errors.
pub(crate) fn stream(
    table: &TableDef,
    file: LakeFile,
    located: std::path::PathBuf,
    batch_rows: usize,
) -> Result<(bool, Batches), LakeError> {
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(LakeError::parquet(&located))?;
    let declared = super::writer::sorting_columns(table)?;
    let sorted = builder
        .metadata()
        .row_groups()
        .iter()
        .all(|rg| rg.sorting_columns() == Some(&declared));
    let reader = builder
        .with_batch_size(batch_rows)
        .build()
        .map_err(LakeError::parquet(&located))?;
    Ok((
        sorted,
        Box::new(reader.map(move |b| {
            b.map_err(|e| LakeError::Parquet {
                path: located.clone(),
                source: e.into(),
            })
        })),
    ))
}
