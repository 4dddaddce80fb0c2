//! The lake's db events split by connection into temporary Parquet files, a folder per
//! bucket, in one read of the lake per 68 buckets.
//!
//! The session index groups every db event into sessions; done at once over the whole
//! lake, its memory followed the lake (13.4 GiB at 100 M events). A session is made of
//! its connection's rows alone, so the index is computed a bucket of connections at a
//! time. Reading the lake once per bucket would make the work grow with the square of
//! the lake (every bucket's rows are spread over every Parquet page), so the rows are
//! first written out by bucket, here, and each bucket then reads only its folder.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{AsArray, RecordBatch, UInt32Array, new_null_array};
use arrow::compute::take_record_batch;
use arrow::datatypes::{Int64Type, SchemaRef};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use futures::StreamExt;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use super::{Engine, EngineError, df};

/// The columns of `db_events` that the plans of `views` read (projected or filtered),
/// with `connection_id` and `date`. The split writes only these and NULL for the rest:
/// decoding and encoding the lake's columns is the split's cost, and the session views
/// read 20 of its 35 stored columns (the statements, most of a lake's bytes, not at
/// all; at 100 M events the index took 288 s with those, 378 s with all but the
/// statements). Taken
/// from the optimized plans rather than listed, so a view that starts reading a column
/// gets it. (The index test compares the index with the views over the full rows.)
pub(super) async fn columns_read(
    engine: &Engine,
    views: &[&str],
) -> Result<BTreeSet<String>, EngineError> {
    let mut read: BTreeSet<String> = ["connection_id", "date"].map(String::from).into();
    for view in views {
        let context = format!("planning view {view}");
        let plan = engine
            .ctx
            .table(*view)
            .await
            .and_then(|t| t.into_optimized_plan())
            .map_err(df(context.clone()))?;
        plan.apply(|node| {
            if let LogicalPlan::TableScan(scan) = node
                && scan.table_name.table() == "db_events"
            {
                let projected = scan.projected_schema.fields().iter();
                read.extend(projected.map(|f| f.name().clone()));
                for filter in &scan.filters {
                    read.extend(filter.column_refs().into_iter().map(|c| c.name.clone()));
                }
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .map_err(df(context))?;
    }
    Ok(read)
}

/// How the buckets are written (tests use tiny ones, to split files and passes).
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    /// Rows per row group of a bucket file.
    pub(super) row_group_rows: usize,
    /// Row groups per bucket file.
    pub(super) file_row_groups: usize,
    /// Buckets written in one read of the lake.
    pub(super) open_buckets: usize,
}

impl Layout {
    /// Parquet, not Arrow IPC: a bucket is read back column by column (the views read a
    /// third of the columns), and DataFusion held whole Arrow IPC files in memory (2.3 GB
    /// for a bucket of 1.9 M rows, against 0.6 GB). Row groups of 4 K rows (with 64 K,
    /// each open bucket held 4–6 MB). 64 row groups a file: a Parquet writer keeps every
    /// row group's metadata until its file is closed, so with one file per bucket the
    /// split's memory grew with the lake (1.6 GB at 100 M events). 68 buckets a read:
    /// each open bucket holds a row group being written (about 3 MB: 101 held 290 MiB),
    /// so this bounds the split's memory however many buckets a lake needs, and each
    /// read of the lake costs time (at 100 M events, 202 buckets in four reads took
    /// 221 s; 101 in one to three reads, 128–138 s).
    pub(super) const DEFAULT: Layout = Layout {
        row_group_rows: 4096,
        file_row_groups: 64,
        open_buckets: 68,
    };
}

/// Bytes per page and dictionary of a bucket file.
const PAGE_BYTES: usize = 16 << 10;

/// The bucket folders, deleted with this value.
pub(super) struct Buckets {
    _dir: tempfile::TempDir,
    pub(super) paths: Vec<PathBuf>,
}

/// The rows of `engine`'s `db_events`, written to `buckets` folders of Parquet files by
/// `connection_id` modulo `buckets` (rows without an id in bucket 0), as
/// [`Engine::bucket`] reads them.
pub(super) async fn split(
    engine: &Engine,
    buckets: u64,
    layout: Layout,
    kept: &BTreeSet<String>,
) -> Result<Buckets, EngineError> {
    let context = "splitting db_events by connection for the session index";
    let tmp = std::env::temp_dir();
    remove_abandoned(&tmp);
    let dir = tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}-", std::process::id()))
        .tempdir_in(&tmp)
        .map_err(|e| df(context)(DataFusionError::IoError(e)))?;
    let n = usize::try_from(buckets).unwrap_or(usize::MAX).max(1);
    let paths: Vec<PathBuf> = (0..n)
        .map(|b| dir.path().join(format!("bucket-{b}")))
        .collect();
    let per_read = layout.open_buckets.max(1);
    for first in (0..n).step_by(per_read) {
        let open = first..n.min(first + per_read);
        split_into(engine, n, &paths[open.clone()], open.start, layout, kept)
            .await
            .map_err(df(context))?;
    }
    Ok(Buckets { _dir: dir, paths })
}

/// The start of a split's folder name, followed by the process id.
const PREFIX: &str = "tagtrail-index-";

/// Removes the split folders in `tmp` of index runs that were killed before they could
/// (their process is gone), which would otherwise stay there, 25 bytes per event.
/// Best effort: a folder that cannot be read or removed (another user's) is left, and
/// without `/proc` to tell whether a process lives, every folder is.
fn remove_abandoned(tmp: &Path) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !proc.join(pid.to_string()).exists() {
            // Best effort, as above: what cannot be removed now is tried next time.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// One read of the lake, writing the rows of buckets `first..first + folders.len()` (of
/// `n`) into `folders`.
async fn split_into(
    engine: &Engine,
    n: usize,
    folders: &[PathBuf],
    first: usize,
    layout: Layout,
    kept: &BTreeSet<String>,
) -> Result<(), DataFusionError> {
    let table = engine.ctx.table("db_events").await?;
    // The rows with every column as the lake has it, those not kept NULL (but for the
    // columns that cannot be); they are not read at all.
    let schema: SchemaRef = Arc::new(table.schema().as_arrow().clone());
    let kept: Vec<&str> = schema
        .fields()
        .iter()
        .filter(|f| kept.contains(f.name()) || !f.is_nullable())
        .map(|f| f.name().as_str())
        .collect();
    let mut stream = table.select_columns(&kept)?.execute_stream().await?;
    let mut out = folders
        .iter()
        .map(|folder| Bucket::create(folder, &schema, layout))
        .collect::<Result<Vec<_>, _>>()?;
    while let Some(batch) = stream.next().await {
        let batch = with_nulls(&batch?, &schema)?;
        let ids = batch
            .column_by_name("connection_id")
            .and_then(|c| c.as_primitive_opt::<Int64Type>())
            .ok_or_else(|| {
                DataFusionError::Plan("db_events has no BIGINT column connection_id".into())
            })?;
        let mut rows = vec![Vec::new(); out.len()];
        for (row, id) in ids.iter().enumerate() {
            let b = id.map_or(0, |id| (id.unsigned_abs() % n as u64) as usize);
            if let Some(rows) = b.checked_sub(first).and_then(|i| rows.get_mut(i)) {
                rows.push(row as u32);
            }
        }
        for (bucket, rows) in out.iter_mut().zip(rows) {
            if !rows.is_empty() {
                bucket.add(take_record_batch(&batch, &UInt32Array::from(rows))?)?;
            }
        }
    }
    for bucket in out {
        bucket.finish()?;
    }
    Ok(())
}

/// `batch` (some columns of `schema`) with the others all NULL, in `schema`'s order.
fn with_nulls(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, DataFusionError> {
    let columns = schema
        .fields()
        .iter()
        .map(|field| match batch.column_by_name(field.name()) {
            Some(column) => column.clone(),
            None => new_null_array(field.data_type(), batch.num_rows()),
        })
        .collect();
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// One bucket's folder, and the file being written in it.
struct Bucket {
    folder: PathBuf,
    schema: SchemaRef,
    layout: Layout,
    files: usize,
    rows_in_file: usize,
    writer: ArrowWriter<BufWriter<File>>,
}

impl Bucket {
    /// The folder with its first file, so that an empty bucket still reads as a table
    /// of the events' columns.
    fn create(
        folder: &Path,
        schema: &SchemaRef,
        layout: Layout,
    ) -> Result<Bucket, DataFusionError> {
        std::fs::create_dir(folder)?;
        Ok(Bucket {
            writer: Bucket::file(folder, 0, schema, layout)?,
            folder: folder.to_path_buf(),
            schema: schema.clone(),
            layout,
            files: 1,
            rows_in_file: 0,
        })
    }

    fn file(
        folder: &Path,
        index: usize,
        schema: &SchemaRef,
        layout: Layout,
    ) -> Result<ArrowWriter<BufWriter<File>>, DataFusionError> {
        let file = BufWriter::new(File::create(folder.join(format!("part-{index}.parquet")))?);
        // Each open bucket holds its row group being written: small row groups, pages
        // and dictionaries keep that near a few hundred kilobytes ([`Layout::DEFAULT`];
        // with zstd, each bucket held 4–6 MB). No statistics or page index: the file is
        // read whole, and its writer would hold them until it closes.
        let properties = WriterProperties::builder()
            .set_compression(Compression::UNCOMPRESSED)
            .set_max_row_group_row_count(Some(layout.row_group_rows.max(1)))
            .set_dictionary_page_size_limit(PAGE_BYTES)
            .set_data_page_size_limit(PAGE_BYTES)
            .set_statistics_enabled(EnabledStatistics::None)
            .set_offset_index_disabled(true)
            .build();
        Ok(ArrowWriter::try_new(
            file,
            schema.clone(),
            Some(properties),
        )?)
    }

    /// Encodes `batch` into the row group being written, starting the bucket's next
    /// file whenever this one has its layout's row groups.
    fn add(&mut self, mut batch: RecordBatch) -> Result<(), DataFusionError> {
        let file_rows = self.layout.file_row_groups.max(1) * self.layout.row_group_rows.max(1);
        while batch.num_rows() > 0 {
            if self.rows_in_file == file_rows {
                let next = Bucket::file(&self.folder, self.files, &self.schema, self.layout)?;
                std::mem::replace(&mut self.writer, next).close()?;
                self.files += 1;
                self.rows_in_file = 0;
            }
            let here = batch.num_rows().min(file_rows - self.rows_in_file);
            self.writer.write(&batch.slice(0, here))?;
            self.rows_in_file += here;
            batch = batch.slice(here, batch.num_rows() - here);
        }
        Ok(())
    }

    fn finish(self) -> Result<(), DataFusionError> {
        self.writer.close()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tests::demo_lake;
    use datafusion::prelude::{ParquetReadOptions, SessionContext};

    /// A split folder whose process is gone (an index killed with `kill -9`) is removed
    /// by the next split; a live process's folder and other files are left alone.
    #[test]
    fn regression_a_killed_index_left_its_split_folder_in_tmp() {
        let tmp = tempfile::tempdir().unwrap();
        let gone = u32::MAX; // above any Linux pid_max
        let own = std::process::id();
        for name in [
            format!("{PREFIX}{gone}-abc"),
            format!("{PREFIX}{own}-def"),
            format!("{PREFIX}x-ghi"),
            "other".to_string(),
        ] {
            std::fs::create_dir(tmp.path().join(&name)).unwrap();
            std::fs::write(tmp.path().join(name).join("part-0.parquet"), b"x").unwrap();
        }
        remove_abandoned(tmp.path());
        let mut left: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut want = vec![
            format!("{PREFIX}{own}-def"),
            format!("{PREFIX}x-ghi"),
            "other".to_string(),
        ];
        want.sort();
        assert_eq!(left, want);
    }

    /// Each bucket holds exactly its connections' rows, in files of at most the
    /// layout's row groups, whether its buckets were written in one read or several.
    #[tokio::test]
    async fn every_row_lands_once_in_its_connections_bucket_in_files_of_bounded_size() {
        let (_dir, lake) = demo_lake().await;
        let engine = Engine::open(&lake).await.unwrap();
        let layout = Layout {
            row_group_rows: 5,
            file_row_groups: 2,
            open_buckets: 2,
        };
        let kept = columns_read(&engine, &["db_session_spans", "db_session_facts"])
            .await
            .unwrap();
        assert_eq!(
            kept.iter().map(String::as_str).collect::<Vec<_>>(),
            [
                "application_name",
                "auth_method",
                "client_host",
                "client_port",
                "connection_id",
                "database",
                "date",
                "db_user",
                "dialect",
                "engine",
                "event_time",
                "instance",
                "message",
                "opens_session",
                "operation",
                "query_id",
                "return_code",
                "source_offset",
                "source_uri",
                "sql_state",
                "ssl"
            ]
        );
        let split = split(&engine, 3, layout, &kept).await.unwrap();
        let ctx = SessionContext::new();
        let (mut total, mut users) = (0, 0);
        for (b, folder) in split.paths.iter().enumerate() {
            let files = std::fs::read_dir(folder).unwrap().count();
            let path = format!("{}/", folder.display());
            let rows = ctx
                .read_parquet(path.as_str(), ParquetReadOptions::default())
                .await
                .unwrap();
            let sql = format!(
                "SELECT count(*) AS n, count(*) FILTER (WHERE COALESCE(abs(connection_id) % 3, 0) <> {b}) AS elsewhere, \
                 count(statement) + count(object) AS not_kept, count(db_user) AS users FROM bucket"
            );
            ctx.register_table("bucket", rows.into_view()).unwrap();
            let counts = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
            ctx.deregister_table("bucket").unwrap();
            let count = |i: usize| counts[0].column(i).as_primitive::<Int64Type>().value(0);
            let (n, elsewhere, not_kept) = (count(0), count(1), count(2));
            // Not read by the session views: 128 statements and 36 objects in the lake.
            assert_eq!((elsewhere, not_kept), (0, 0), "bucket {b}");
            users += count(3);
            assert!(n > 10, "bucket {b}: {n} rows");
            // 10 rows a file, the last one partly filled.
            assert_eq!(files as i64, (n + 9) / 10, "bucket {b}: {n} rows");
            total += n;
        }
        assert_eq!(total, 347, "the demo's db events, each once");
        assert_eq!(users, 339, "the users of the demo's db events, kept");
    }
}
