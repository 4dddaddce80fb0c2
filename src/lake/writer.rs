//! Buffers batches per (table, day) and writes each day as a sorted, zstd-compressed
//! Parquet part with several row groups. Parts are encoded into a temporary file and
//! published whole ([`super::store`]), and are live once committed to the file list.

use std::collections::BTreeMap;

use arrow::array::{Array, Int64Array, TimestampMicrosecondArray, UInt32Array};
use arrow::compute::{SortColumn, concat_batches, lexsort_to_indices, take_record_batch};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use parquet::arrow::{ArrowSchemaConverter, ArrowWriter};
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::SortingColumn;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::files::FileEntry;
use super::{Lake, LakeError, TableDef};
use crate::lake::for_output;
use crate::sources::timefmt::partition_date;
use crate::sources::{Output, SourceError};

/// Rows buffered per partition before a part is written: bounds memory on huge inputs
/// while keeping parts large enough to scan fast.
const MAX_BUFFERED_ROWS: usize = 262_144;
/// Bytes buffered over all partitions before the largest is written: an input spread
/// over many days must not hold every day in memory until the end.
const MAX_BUFFERED_BYTES: usize = 192 << 20;
const MICROS_PER_DAY: i64 = 86_400_000_000;
/// Rows per row group of the parts ingest writes: a full part (`MAX_BUFFERED_ROWS`)
/// has several, so readers can skip some by their statistics.
const ROW_GROUP_ROWS: usize = 65_536;

pub struct LakeWriter<'a> {
    lake: &'a Lake,
    buffers: BTreeMap<(&'static str, i64), Buffer>,
    buffered_bytes: usize,
    /// Bytes buffered over all partitions before the largest is written.
    budget: usize,
    written: Vec<FileEntry>,
}

struct Buffer {
    table: &'static TableDef,
    batches: Vec<RecordBatch>,
    rows: usize,
    bytes: usize,
}

impl<'a> LakeWriter<'a> {
    pub fn new(lake: &'a Lake) -> Self {
        LakeWriter::with_budget(lake, MAX_BUFFERED_BYTES)
    }

    /// A writer that buffers at most `budget` bytes over all partitions: for a caller
    /// whose own working set leaves less room than ingest's (the session index).
    pub fn with_budget(lake: &'a Lake, budget: usize) -> Self {
        LakeWriter {
            lake,
            buffers: BTreeMap::new(),
            buffered_bytes: 0,
            budget,
            written: Vec::new(),
        }
    }

    /// Splits `batch` by the UTC day of its time column and buffers the pieces.
    /// The sink a source writes through: each batch to the table of its output.
    pub fn sink(&mut self) -> impl FnMut(Output, RecordBatch) -> Result<(), SourceError> + '_ {
        move |out, batch| {
            self.add(for_output(out), batch)
                .map_err(|e| SourceError::Sink(e.to_string()))
        }
    }

    pub fn add(&mut self, table: &'static TableDef, batch: RecordBatch) -> Result<(), LakeError> {
        let times = time_column(table, &batch)?;
        let mut by_day: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
        for (i, t) in times.iter().enumerate() {
            let day = t.unwrap_or(0).div_euclid(MICROS_PER_DAY);
            by_day.entry(day).or_default().push(i as u32);
        }
        let single = by_day.len() == 1;
        for (day, rows) in by_day {
            let piece = if single {
                batch.clone()
            } else {
                take_record_batch(&batch, &UInt32Array::from(rows))?
            };
            let full = {
                let buf = self
                    .buffers
                    .entry((table.name, day))
                    .or_insert_with(|| Buffer {
                        table,
                        batches: Vec::new(),
                        rows: 0,
                        bytes: 0,
                    });
                let bytes = piece.get_array_memory_size();
                buf.rows += piece.num_rows();
                buf.bytes += bytes;
                self.buffered_bytes += bytes;
                buf.batches.push(piece);
                buf.rows >= MAX_BUFFERED_ROWS
            };
            if full {
                self.flush((table.name, day))?;
            }
        }
        while self.buffered_bytes > self.budget {
            let largest = self
                .buffers
                .iter()
                .max_by_key(|(_, b)| b.bytes)
                .map(|(k, _)| *k)
                .expect("bytes are buffered");
            self.flush(largest)?;
        }
        Ok(())
    }

    fn flush(&mut self, key: (&'static str, i64)) -> Result<(), LakeError> {
        let buf = self.buffers.remove(&key).expect("buffer exists");
        self.buffered_bytes -= buf.bytes;
        self.write_part(buf, key.1)
    }

    /// Writes every buffered partition and makes the parts live; returns them.
    pub fn finish(self) -> Result<Vec<FileEntry>, LakeError> {
        let lake = self.lake;
        let written = self.finish_staged()?;
        lake.commit(&written)?;
        Ok(written)
    }

    /// Writes every buffered partition but leaves the parts invisible, for a caller
    /// that commits several writers' parts at once ([`Lake::commit`]).
    pub fn finish_staged(mut self) -> Result<Vec<FileEntry>, LakeError> {
        for ((_, day), buf) in std::mem::take(&mut self.buffers) {
            self.write_part(buf, day)?;
        }
        Ok(self.written)
    }

    fn write_part(&mut self, buf: Buffer, day: i64) -> Result<(), LakeError> {
        let batches = sorted(buf.table, buf.batches)?;
        let date = partition_date(day * MICROS_PER_DAY);
        let entry = write_file(self.lake, buf.table, &date, &batches, ROW_GROUP_ROWS)?;
        self.written.push(entry);
        Ok(())
    }
}

/// `batches` in (time, tie) order. Logs are mostly written in time order: then the
/// batches are kept as they are, without the concatenation and sort copies.
pub(crate) fn sorted(
    table: &TableDef,
    batches: Vec<RecordBatch>,
) -> Result<Vec<RecordBatch>, LakeError> {
    if in_order(table, &batches) {
        return Ok(batches);
    }
    let schema = (table.schema)();
    let all = concat_batches(&schema, &batches)?;
    let sort = [table.time_column, table.tie_column].map(|c| SortColumn {
        values: all
            .column(schema.index_of(c).expect("sort column in schema"))
            .clone(),
        options: None,
    });
    Ok(vec![take_record_batch(
        &all,
        &lexsort_to_indices(&sort, None)?,
    )?])
}

/// Encodes `batches` as a new part of `table`'s `date` partition, in row groups of
/// `row_group_rows`, and publishes it whole. The part is not live until committed.
pub(crate) fn write_file(
    lake: &Lake,
    table: &TableDef,
    date: &str,
    batches: &[RecordBatch],
    row_group_rows: usize,
) -> Result<FileEntry, LakeError> {
    let mut part = PartWriter::create(lake, table, date, row_group_rows)?;
    for batch in batches {
        part.write(batch)?;
    }
    part.finish()
}

/// A new part written batch by batch (in (time, tie) order: its footer says so), so a
/// caller that streams rows, like compaction's merge, never holds the whole part.
pub(crate) struct PartWriter<'a> {
    lake: &'a Lake,
    rel: String,
    tmp: std::path::PathBuf,
    writer: ArrowWriter<std::fs::File>,
}

impl<'a> PartWriter<'a> {
    pub(crate) fn create(
        lake: &'a Lake,
        table: &TableDef,
        date: &str,
        row_group_rows: usize,
    ) -> Result<PartWriter<'a>, LakeError> {
        PartWriter::with(lake, table, date, properties(table, row_group_rows)?)
    }

    /// A part that stays a local file ([`PartWriter::finish_run`]): an intermediate run
    /// of compaction's merge, uncompressed, since it is read once, right away.
    pub(crate) fn create_run(
        lake: &'a Lake,
        table: &TableDef,
        date: &str,
        row_group_rows: usize,
    ) -> Result<PartWriter<'a>, LakeError> {
        let mut props = properties(table, row_group_rows)?.into_builder();
        props = props.set_compression(Compression::UNCOMPRESSED);
        PartWriter::with(lake, table, date, props.build())
    }

    fn with(
        lake: &'a Lake,
        table: &TableDef,
        date: &str,
        properties: WriterProperties,
    ) -> Result<PartWriter<'a>, LakeError> {
        let rel = format!(
            "{}/date={date}/part-{}.parquet",
            table.name,
            uuid::Uuid::new_v4()
        );
        let tmp = lake.storage().staging_path(&rel)?;
        let file = super::private::create_file(&tmp)?;
        let writer = ArrowWriter::try_new(file, (table.schema)(), Some(properties))
            .map_err(LakeError::parquet(&tmp))?;
        Ok(PartWriter {
            lake,
            rel,
            tmp,
            writer,
        })
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), LakeError> {
        self.writer
            .write(batch)
            .map_err(LakeError::parquet(&self.tmp))
    }

    /// Closes the file and leaves it where it was written, on local disk (for a lake on
    /// S3 too): its path. Where the process dies before its caller deletes it, the next
    /// compaction removes it (an interrupted write's temporary file), or, on S3, the
    /// staging folder goes with the process.
    pub(crate) fn finish_run(self) -> Result<std::path::PathBuf, LakeError> {
        self.writer.close().map_err(LakeError::parquet(&self.tmp))?;
        Ok(self.tmp)
    }

    /// Closes the file and publishes it (not live until committed).
    pub(crate) fn finish(self) -> Result<FileEntry, LakeError> {
        let tmp = self.tmp;
        self.writer.close().map_err(LakeError::parquet(&tmp))?;
        let size = std::fs::metadata(&tmp).map_err(LakeError::io(&tmp))?.len();
        self.lake.storage().publish(&tmp, &self.rel)?;
        Ok(FileEntry {
            path: self.rel,
            size,
        })
    }
}

/// The footer's declaration that a part is in (time, tie) order, ascending, nulls first
/// (`lexsort`'s default), by the columns' leaf positions in the Parquet schema.
pub(crate) fn sorting_columns(table: &TableDef) -> Result<Vec<SortingColumn>, LakeError> {
    let descriptor = ArrowSchemaConverter::new()
        .convert(&(table.schema)())
        .map_err(|source| LakeError::Parquet {
            path: table.name.into(),
            source,
        })?;
    [table.time_column, table.tie_column]
        .iter()
        .map(|name| {
            let idx = descriptor
                .columns()
                .iter()
                .position(|c| c.path().parts() == [name.to_string()])
                .expect("sort columns are top-level leaves");
            Ok(SortingColumn {
                column_idx: idx as i32,
                descending: false,
                nulls_first: true,
            })
        })
        .collect()
}

/// Whether the rows of `batches`, in sequence, are already in (time, tie) order.
/// Columns that are not plain non-null 64-bit integers (or timestamps) count as unsorted.
fn in_order(table: &TableDef, batches: &[RecordBatch]) -> bool {
    fn values<'b>(batch: &'b RecordBatch, name: &str) -> Option<&'b [i64]> {
        let col = batch.column_by_name(name)?;
        if col.null_count() > 0 {
            return None;
        }
        let any = col.as_any();
        any.downcast_ref::<TimestampMicrosecondArray>()
            .map(|a| a.values().as_ref())
            .or_else(|| {
                any.downcast_ref::<Int64Array>()
                    .map(|a| a.values().as_ref())
            })
    }
    let mut last: Option<(i64, i64)> = None;
    for batch in batches {
        let (Some(time), Some(tie)) = (
            values(batch, table.time_column),
            values(batch, table.tie_column),
        ) else {
            return false;
        };
        for pair in time.iter().copied().zip(tie.iter().copied()) {
            if last.is_some_and(|l| l > pair) {
                return false;
            }
            last = Some(pair);
        }
    }
    true
}

fn properties(table: &TableDef, row_group_rows: usize) -> Result<WriterProperties, LakeError> {
    let mut props = WriterProperties::builder()
        .set_sorting_columns(Some(sorting_columns(table)?))
        .set_max_row_group_row_count(Some(row_group_rows.max(1)))
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).expect("valid zstd level"),
        ))
        .set_dictionary_enabled(false)
        // Row-group statistics are what readers prune with; page-level ones on long
        // statements cost more to compute than they save.
        .set_statistics_enabled(EnabledStatistics::Chunk);
    for col in table.dictionary_columns {
        props = props.set_column_dictionary_enabled(ColumnPath::from(*col), true);
    }
    for field in (table.schema)().fields() {
        let name = field.name().as_str();
        if delta_encoded(field.data_type()) && !HASH_COLUMNS.contains(&name) {
            props =
                props.set_column_encoding(ColumnPath::from(name), Encoding::DELTA_BINARY_PACKED);
        }
    }
    Ok(props.build())
}

/// Integer columns whose values are bits of a hash (`db_events.words`): their deltas
/// are as wide as the values, so they stay plain.
const HASH_COLUMNS: [&str; 1] = ["words"];

/// Integers and times are stored as deltas, bit-packed. Plain, each took 8 bytes a row
/// to decompress at every read however well zstd packed it: over a week of 33.6 M db
/// events, the times, offsets, connection and query ids were half of what `who`
/// decompressed (the statements the other half); as deltas, reading its rows took a
/// tenth less. Times and offsets grow within a part, and ids within a connection, so
/// their deltas take a few bits. (A column that is also a dictionary column,
/// `db_events.connection_id`, falls back to deltas past the dictionary's limit.)
fn delta_encoded(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Int32 | DataType::Int64 | DataType::Timestamp(_, _)
    )
}

fn time_column<'b>(
    table: &TableDef,
    batch: &'b RecordBatch,
) -> Result<&'b TimestampMicrosecondArray, LakeError> {
    let col = batch.column(batch.schema().index_of(table.time_column)?);
    col.as_any()
        .downcast_ref::<TimestampMicrosecondArray>()
        .ok_or_else(|| {
            LakeError::Arrow(arrow::error::ArrowError::SchemaError(format!(
                "{}.{} is {:?}, not a microsecond timestamp",
                table.name,
                table.time_column,
                col.data_type()
            )))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::{FEDERATED_SESSIONS, read};
    use crate::sources::cloudtrail;
    use arrow::array::AsArray;
    use std::sync::Arc;

    /// Three federations, two of them on 2026-11-17, out of order, in one batch.
    fn add_two_days(writer: &mut LakeWriter) {
        let record = |id: &str, t: &str| {
            format!(
                r#"{{"eventName":"AssumeRoleWithSAML","eventID":"{id}","eventTime":"{t}","responseElements":{{"subject":"s"}}}}"#
            )
        };
        let json = format!(
            r#"{{"Records":[{},{},{}]}}"#,
            record("late", "2026-11-17T10:00:00Z"),
            record("next-day", "2026-11-18T00:00:01Z"),
            record("early", "2026-11-17T08:00:00Z")
        );
        let filter = cloudtrail::EventFilter::default();
        cloudtrail::parse(json.as_bytes(), "mem://x", &filter, &mut |out, b| {
            writer
                .add(crate::lake::for_output(out), b)
                .map_err(|e| crate::sources::SourceError::Sink(e.to_string()))
        })
        .unwrap();
    }

    /// Over its budget a writer writes its largest partition at once, and goes on
    /// until it is under it again; within it, nothing until `finish`.
    #[test]
    fn a_writer_over_its_budget_writes_its_largest_partitions_as_it_goes() {
        for (budget, early) in [(usize::MAX, 0), (1, 2)] {
            let dir = tempfile::tempdir().unwrap();
            let lake = Lake::open(dir.path()).unwrap();
            let mut writer = LakeWriter::with_budget(&lake, budget);
            add_two_days(&mut writer);
            assert_eq!(writer.written.len(), early, "budget {budget}");
            assert!(writer.buffered_bytes <= budget);
            assert_eq!(writer.finish().unwrap().len(), 2, "budget {budget}");
        }
    }

    #[test]
    fn parts_are_split_by_day_and_sorted_by_time() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path()).unwrap();
        let mut writer = LakeWriter::new(&lake);
        add_two_days(&mut writer);
        let written = writer.finish().unwrap();
        let days: Vec<&str> = written
            .iter()
            .map(|f| f.path.split('/').nth(1).unwrap())
            .collect();
        assert_eq!(days, ["date=2026-11-17", "date=2026-11-18"]);
        assert!(
            written
                .iter()
                .all(|f| f.path.rsplit('/').next().unwrap().starts_with("part-"))
        );
        let ids: Vec<String> = read::table_columns(&lake, &FEDERATED_SESSIONS, &["event_id"])
            .unwrap()
            .iter()
            .flat_map(|b| {
                b.column(0)
                    .as_string::<i32>()
                    .iter()
                    .flatten()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        // Part files are named by uuid, so compare as a set of per-day orders.
        let mut per_day: Vec<Vec<String>> = vec![];
        for p in &written {
            let f = std::fs::File::open(dir.path().join(&p.path)).unwrap();
            let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
                .unwrap()
                .build()
                .unwrap();
            per_day.push(
                r.flat_map(|b| {
                    let b = b.unwrap();
                    b.column(0)
                        .as_string::<i32>()
                        .iter()
                        .flatten()
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .collect(),
            );
        }
        assert_eq!(
            per_day,
            vec![
                vec!["early".to_string(), "late".to_string()],
                vec!["next-day".to_string()]
            ]
        );
        assert_eq!(ids.len(), 3);
    }

    /// A db_events part as ingest writes it: integers and times as deltas, the word
    /// signature and the texts not, connection ids as a dictionary.
    #[tokio::test]
    async fn integers_and_times_are_written_as_deltas_but_the_word_signature_is_not() {
        let mut lab = crate::checks::testing::Lab::new();
        lab.mysql_session(
            "shop-prod",
            "anguyen",
            "10.0.1.5",
            7,
            "2026-11-16 09:14:02",
            Some("shop.customers"),
        );
        let (_dir, lake) = lab.lake().await;
        let live = lake.live_files().unwrap();
        let parts = live.of(crate::lake::DB_EVENTS.name, Some("2026-11-16"));
        assert_eq!(parts.len(), 1, "{parts:?}");
        let (path, file) = parts[0];
        let meta = read::metadata(&lake, path, file.size).unwrap();
        assert_eq!(meta.file_metadata().num_rows(), 4);
        let encodings = |name: &str| -> Vec<Encoding> {
            let column = meta
                .row_group(0)
                .columns()
                .iter()
                .find(|c| c.column_path().string() == name)
                .unwrap_or_else(|| panic!("no column {name}"));
            column.encodings().filter(|e| *e != Encoding::RLE).collect()
        };
        for delta in ["event_time", "query_id", "source_offset", "return_code"] {
            assert_eq!(encodings(delta), [Encoding::DELTA_BINARY_PACKED], "{delta}");
        }
        for plain in ["words", "statement"] {
            assert_eq!(encodings(plain), [Encoding::PLAIN], "{plain}");
        }
        // A dictionary (its page plain), with deltas for the ids past its limit.
        assert_eq!(
            encodings("connection_id"),
            [Encoding::PLAIN, Encoding::RLE_DICTIONARY]
        );
    }

    #[test]
    fn order_is_checked_across_batch_boundaries_and_ties() {
        use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
        fn schema() -> arrow::datatypes::SchemaRef {
            Arc::new(Schema::new(vec![
                Field::new("t", DataType::Timestamp(TimeUnit::Microsecond, None), true),
                Field::new("o", DataType::Int64, true),
            ]))
        }
        static T: TableDef = TableDef {
            name: "t",
            schema,
            time_column: "t",
            tie_column: "o",
            dictionary_columns: &[],
        };
        let batch = |t: Vec<Option<i64>>, o: Vec<i64>| {
            RecordBatch::try_new(
                schema(),
                vec![
                    Arc::new(TimestampMicrosecondArray::from(t)),
                    Arc::new(Int64Array::from(o)),
                ],
            )
            .unwrap()
        };
        let a = batch(vec![Some(1), Some(2), Some(2)], vec![9, 1, 2]);
        assert!(in_order(&T, &[a.clone(), batch(vec![Some(2)], vec![3])]));
        assert!(
            !in_order(&T, &[a.clone(), batch(vec![Some(2)], vec![1])]),
            "tie goes back"
        );
        assert!(
            !in_order(&T, &[a.clone(), batch(vec![Some(1)], vec![10])]),
            "time goes back"
        );
        assert!(
            !in_order(&T, &[batch(vec![None], vec![1])]),
            "nulls are sorted the slow way"
        );
    }
}
