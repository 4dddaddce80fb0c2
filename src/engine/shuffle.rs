//! The lake's db events split by connection into temporary Parquet files, one per
//! bucket, in one read of the lake.
//!
//! The session index groups every db event into sessions; done at once over the whole
//! lake, its memory followed the lake (13.4 GiB at 100 M events). A session is made of
//! its connection's rows alone, so the index is computed a bucket of connections at a
//! time. Reading the lake once per bucket would make the work grow with the square of
//! the lake (every bucket's rows are spread over every Parquet page), so the rows are
//! first written out by bucket, here, and each bucket then reads only its file.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use arrow::array::{Array, AsArray, RecordBatch, UInt32Array, new_null_array};
use arrow::compute::take_record_batch;
use arrow::datatypes::{Int64Type, SchemaRef};
use datafusion::error::DataFusionError;
use futures::StreamExt;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::{Engine, EngineError, df};

/// Columns the session views never read, written as NULL: the statements are most of a
/// lake's bytes. (The index test compares the index with the views over the full rows.)
const LEFT_OUT: [&str; 1] = ["statement"];

/// Rows per row group, and bytes per page and dictionary, of a bucket file. Parquet,
/// not Arrow IPC: a bucket is read back column by column (the views read a third of the
/// columns), and DataFusion held whole Arrow IPC files in memory (2.3 GB for a bucket
/// of 1.9 M rows, against 0.6 GB). Uncompressed: temporary, and read once.
const ROW_GROUP_ROWS: usize = 4096;
const PAGE_BYTES: usize = 16 << 10;

/// The bucket files, deleted with this value.
pub(super) struct Buckets {
    _dir: tempfile::TempDir,
    pub(super) paths: Vec<PathBuf>,
}

/// The rows of `engine`'s `db_events`, written to `buckets` Parquet files by
/// `connection_id` modulo `buckets` (rows without an id in bucket 0), as
/// [`Engine::bucket`] reads them.
pub(super) async fn split(engine: &Engine, buckets: u64) -> Result<Buckets, EngineError> {
    let context = "splitting db_events by connection for the session index";
    let dir = tempfile::Builder::new()
        .prefix("tagtrail-index-")
        .tempdir()
        .map_err(|e| df(context)(DataFusionError::IoError(e)))?;
    let mut stream = engine
        .ctx
        .sql("SELECT * FROM db_events")
        .await
        .map_err(df(context))?
        .execute_stream()
        .await
        .map_err(df(context))?;
    let schema = stream.schema();
    let n = usize::try_from(buckets).unwrap_or(usize::MAX).max(1);
    let mut out = Vec::with_capacity(n);
    let mut paths = Vec::with_capacity(n);
    for b in 0..n {
        let path = dir.path().join(format!("bucket-{b}.parquet"));
        out.push(Bucket::create(&path, &schema).map_err(df(context))?);
        paths.push(path);
    }
    while let Some(batch) = stream.next().await {
        let batch = without_left_out(&batch.map_err(df(context))?).map_err(df(context))?;
        let ids = batch
            .column_by_name("connection_id")
            .and_then(|c| c.as_primitive_opt::<Int64Type>())
            .ok_or_else(|| df(context)(DataFusionError::Internal("connection_id".into())))?;
        let mut rows = vec![Vec::new(); n];
        for (row, id) in ids.iter().enumerate() {
            let b = id.map_or(0, |id| (id.unsigned_abs() % n as u64) as usize);
            rows[b].push(row as u32);
        }
        for (bucket, rows) in out.iter_mut().zip(rows) {
            if !rows.is_empty() {
                let part = take_record_batch(&batch, &UInt32Array::from(rows))
                    .map_err(|e| df(context)(e.into()))?;
                bucket.add(part).map_err(df(context))?;
            }
        }
    }
    for bucket in out {
        bucket.finish().map_err(df(context))?;
    }
    Ok(Buckets { _dir: dir, paths })
}

/// `batch` with the [`LEFT_OUT`] columns all NULL.
fn without_left_out(batch: &RecordBatch) -> Result<RecordBatch, DataFusionError> {
    let columns = batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(field, column)| {
            if LEFT_OUT.contains(&field.name().as_str()) {
                new_null_array(field.data_type(), column.len())
            } else {
                column.clone()
            }
        })
        .collect();
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

/// One bucket's file.
struct Bucket {
    writer: ArrowWriter<BufWriter<File>>,
}

impl Bucket {
    fn create(path: &std::path::Path, schema: &SchemaRef) -> Result<Bucket, DataFusionError> {
        let file = BufWriter::new(File::create(path)?);
        // Every bucket's file is open at once, each holding its row group being
        // written: small row groups, pages and dictionaries keep that near a few
        // hundred kilobytes per bucket, flat in the number of buckets (with row groups
        // of 64 K rows, or zstd, each bucket held 4–6 MB).
        let properties = WriterProperties::builder()
            .set_compression(Compression::UNCOMPRESSED)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_dictionary_page_size_limit(PAGE_BYTES)
            .set_data_page_size_limit(PAGE_BYTES)
            .build();
        Ok(Bucket {
            writer: ArrowWriter::try_new(file, schema.clone(), Some(properties))?,
        })
    }

    /// Encodes `batch` into the row group being written (held encoded and compressed,
    /// so each open bucket costs a compressed row group at most).
    fn add(&mut self, batch: RecordBatch) -> Result<(), DataFusionError> {
        Ok(self.writer.write(&batch)?)
    }

    fn finish(self) -> Result<(), DataFusionError> {
        self.writer.close()?;
        Ok(())
    }
}
