//! Compaction's k-way merge: parts that are each in (time, tie) order become one part in
//! that order while holding one batch per input and one output chunk, so compacting a
//! 256 MB partition takes the memory of a few batches, not of the partition.
//!
//! An open input costs more than its batch: its Parquet reader holds a decompressed page
//! and a dictionary per column. A day of a large backfill has about a hundred parts,
//! and merging them at once peaked at 1.2–1.4 GiB at 100 M db events. So at most
//! [`MAX_FAN_IN`] inputs are open at a time: more are merged in runs of that many into
//! intermediate files, and the runs are merged again. A run is written uncompressed to
//! local disk, even for a lake on S3 (it is read once, right away), and deleted once
//! merged; one left by a killed compaction is a temporary file the next one removes.
//! Runs keep the inputs' order, so ties come out as one merge gives them.
//!
//! A part whose footer does not declare the order (written before tagtrail recorded it)
//! is sorted alone first; parts are below the compaction threshold, so that is bounded.

use std::path::PathBuf;

use arrow::compute::interleave_record_batch;
use arrow::record_batch::RecordBatch;
use arrow::row::{RowConverter, Rows, SortField};

use super::files::FileEntry;
use super::read::Batches;
use super::store::LakeFile;
use super::writer::{PartWriter, sorted};
use super::{Lake, LakeError, TableDef, read};

/// Rows read per input batch and written per output chunk.
const CHUNK_ROWS: usize = 8_192;

/// One input: its current batch, that batch's sort keys and the next row to emit.
struct Cursor {
    rest: Batches,
    batch: RecordBatch,
    keys: Rows,
    pos: usize,
    /// Index of `batch` in the chunk's list of source batches.
    slot: usize,
}

/// The most inputs one merge holds open, unless told otherwise (`compact --fan-in`).
pub const MAX_FAN_IN: usize = 16;

/// An input of one merge: a part of the lake, or an intermediate run on local disk.
enum Input<'a> {
    Part(&'a FileEntry),
    Run(PathBuf),
}

/// Merges `inputs` (each brought to the table's schema by `conform`) into one new part,
/// at most `fan_in` (at least 2) of them open at a time.
pub(crate) fn merge(
    lake: &Lake,
    table: &TableDef,
    date: &str,
    inputs: &[FileEntry],
    row_group_rows: usize,
    fan_in: usize,
    conform: impl Fn(RecordBatch, &str) -> Result<RecordBatch, LakeError> + Copy + 'static,
) -> Result<FileEntry, LakeError> {
    let fan_in = fan_in.max(2);
    let mut level: Vec<Input> = inputs.iter().map(Input::Part).collect();
    while level.len() > fan_in {
        let mut next = Vec::new();
        let mut rest = level.into_iter().peekable();
        while rest.peek().is_some() {
            let chunk: Vec<Input> = rest.by_ref().take(fan_in).collect();
            if chunk.len() == 1 {
                next.extend(chunk);
                continue;
            }
            let mut out = PartWriter::create_run(lake, table, date, row_group_rows)?;
            merge_into(lake, table, &chunk, conform, &mut out)?;
            next.push(Input::Run(out.finish_run()?));
            remove_runs(&chunk)?;
        }
        level = next;
    }
    let mut out = PartWriter::create(lake, table, date, row_group_rows)?;
    merge_into(lake, table, &level, conform, &mut out)?;
    let merged = out.finish()?;
    remove_runs(&level)?;
    Ok(merged)
}

/// Deletes the intermediate runs among `inputs`, once merged.
fn remove_runs(inputs: &[Input]) -> Result<(), LakeError> {
    for input in inputs {
        if let Input::Run(path) = input {
            std::fs::remove_file(path).map_err(LakeError::io(path))?;
        }
    }
    Ok(())
}

/// Merges `inputs`, all open at once, into `out`.
fn merge_into(
    lake: &Lake,
    table: &TableDef,
    inputs: &[Input],
    conform: impl Fn(RecordBatch, &str) -> Result<RecordBatch, LakeError> + Copy + 'static,
    out: &mut PartWriter,
) -> Result<(), LakeError> {
    let schema = (table.schema)();
    let key_columns = [table.time_column, table.tie_column].map(|c| {
        schema
            .index_of(c)
            .expect("sort columns are in the table schema")
    });
    let converter = RowConverter::new(
        key_columns
            .iter()
            .map(|&i| SortField::new(schema.field(i).data_type().clone()))
            .collect(),
    )?;
    let keys_of = |batch: &RecordBatch| {
        converter.convert_columns(&key_columns.map(|i| std::sync::Arc::clone(batch.column(i))))
    };

    let mut held: Vec<RecordBatch> = Vec::new();
    let mut cursors: Vec<Cursor> = Vec::new();
    for input in inputs {
        let (location, (declared, reader)) = match input {
            Input::Part(part) => (
                lake.storage().location(&part.path),
                read::stream_file(lake, table, &part.path, part.size, CHUNK_ROWS)?,
            ),
            Input::Run(path) => {
                let file = std::fs::File::open(path).map_err(LakeError::io(path))?;
                (
                    path.display().to_string(),
                    read::stream(table, LakeFile::Local(file), path.clone(), CHUNK_ROWS)?,
                )
            }
        };
        let mut rest: Batches = Box::new(reader.map(move |b| conform(b?, &location)));
        if !declared {
            let all = rest.collect::<Result<Vec<_>, _>>()?;
            rest = Box::new(sorted(table, all)?.into_iter().map(Ok));
        }
        if let Some(batch) = next_nonempty(&mut rest)? {
            let keys = keys_of(&batch)?;
            held.push(batch.clone());
            cursors.push(Cursor {
                rest,
                batch,
                keys,
                pos: 0,
                slot: held.len() - 1,
            });
        }
    }

    // A binary min-heap of cursor indices by (current key, input order): equal keys keep
    // the inputs' order, so the merge is deterministic.
    let less = |cursors: &[Cursor], a: usize, b: usize| {
        let (ka, kb) = (
            cursors[a].keys.row(cursors[a].pos),
            cursors[b].keys.row(cursors[b].pos),
        );
        (ka, a) < (kb, b)
    };
    let mut heap: Vec<usize> = (0..cursors.len()).collect();
    for i in (0..heap.len() / 2).rev() {
        sift_down(&mut heap, i, |a, b| less(&cursors, a, b));
    }
    let mut picks: Vec<(usize, usize)> = Vec::with_capacity(CHUNK_ROWS);
    while let Some(&top) = heap.first() {
        let c = &mut cursors[top];
        picks.push((c.slot, c.pos));
        c.pos += 1;
        if c.pos == c.batch.num_rows() {
            match next_nonempty(&mut c.rest)? {
                Some(batch) => {
                    c.keys = keys_of(&batch)?;
                    c.batch = batch.clone();
                    c.pos = 0;
                    held.push(batch);
                    c.slot = held.len() - 1;
                }
                None => {
                    heap.swap_remove(0);
                }
            }
        }
        sift_down(&mut heap, 0, |a, b| less(&cursors, a, b));
        if picks.len() == CHUNK_ROWS || heap.is_empty() {
            let sources: Vec<&RecordBatch> = held.iter().collect();
            out.write(&interleave_record_batch(&sources, &picks)?)?;
            picks.clear();
            // Only the batches the cursors still read stay held.
            held.clear();
            for &i in &heap {
                held.push(cursors[i].batch.clone());
                cursors[i].slot = held.len() - 1;
            }
        }
    }
    Ok(())
}

fn next_nonempty(rest: &mut Batches) -> Result<Option<RecordBatch>, LakeError> {
    for batch in rest.by_ref() {
        let batch = batch?;
        if batch.num_rows() > 0 {
            return Ok(Some(batch));
        }
    }
    Ok(None)
}

/// Restores the heap property below `i`.
fn sift_down(heap: &mut [usize], mut i: usize, less: impl Fn(usize, usize) -> bool) {
    loop {
        let left = 2 * i + 1;
        if left >= heap.len() {
            return;
        }
        let right = left + 1;
        let child = if right < heap.len() && less(heap[right], heap[left]) {
            right
        } else {
            left
        };
        if !less(heap[child], heap[i]) {
            return;
        }
        heap.swap(child, i);
        i = child;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::INGEST_REJECTS;
    use arrow::array::{AsArray, Int64Array, StringArray, TimestampMicrosecondArray};
    use arrow::datatypes::TimestampMicrosecondType;
    use parquet::arrow::ArrowWriter;
    use std::sync::Arc;

    /// Rejects rows at `times` (microseconds), offsets `offsets`, tagged with `label`.
    fn batch(label: &str, times: &[i64], offsets: &[i64]) -> RecordBatch {
        let n = times.len();
        let text = |s: &str| Arc::new(StringArray::from(vec![s; n])) as _;
        RecordBatch::try_new(
            (INGEST_REJECTS.schema)(),
            vec![
                text("s3://b/k"),
                Arc::new(Int64Array::from(offsets.to_vec())),
                text("mysql_audit"),
                text(label),
                text("x"),
                Arc::new(TimestampMicrosecondArray::from(times.to_vec()).with_timezone("UTC")),
            ],
        )
        .unwrap()
    }

    /// A part as tagtrail writes it: sorted, and declared so in the footer.
    fn declared(lake: &Lake, b: RecordBatch) -> FileEntry {
        let mut w = PartWriter::create(lake, &INGEST_REJECTS, "2026-11-17", 5_000).unwrap();
        w.write(&b).unwrap();
        w.finish().unwrap()
    }

    /// A part as written before the footer declared the order: any order.
    fn undeclared(lake: &Lake, b: RecordBatch) -> FileEntry {
        let rel = "ingest_rejects/date=2026-11-17/part-old.parquet";
        let tmp = lake.storage().staging_path(rel).unwrap();
        let mut w =
            ArrowWriter::try_new(std::fs::File::create(&tmp).unwrap(), b.schema(), None).unwrap();
        w.write(&b).unwrap();
        w.close().unwrap();
        let size = std::fs::metadata(&tmp).unwrap().len();
        lake.storage().publish(&tmp, rel).unwrap();
        FileEntry {
            path: rel.to_string(),
            size,
        }
    }

    /// The rows (time, label) of `entry`, in file order, and its row groups' sizes.
    fn rows_of(lake: &Lake, entry: &FileEntry) -> (Vec<(i64, String)>, Vec<i64>) {
        let (is_declared, reader) =
            read::stream_file(lake, &INGEST_REJECTS, &entry.path, entry.size, 100_000).unwrap();
        assert!(is_declared);
        let mut rows: Vec<(i64, String)> = Vec::new();
        for b in reader {
            let b = b.unwrap();
            let times = b.column(5).as_primitive::<TimestampMicrosecondType>();
            let labels = b.column(3).as_string::<i32>();
            rows.extend((0..b.num_rows()).map(|i| (times.value(i), labels.value(i).to_string())));
        }
        let meta = read::metadata(lake, &entry.path, entry.size).unwrap();
        let groups = meta.row_groups().iter().map(|g| g.num_rows()).collect();
        (rows, groups)
    }

    /// The part files of the test partition, by name.
    fn files_in(lake: &Lake) -> Vec<String> {
        let dir = lake.storage().location("ingest_rejects/date=2026-11-17");
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn parts_interleave_into_one_sorted_part_across_chunks_and_ties_keep_input_order() {
        // 20 000 even and 20 000 odd times: several input batches and output chunks.
        let evens: Vec<i64> = (0..20_000).map(|i| 2 * i).collect();
        let odds: Vec<i64> = (0..20_000).map(|i| 2 * i + 1).collect();
        // Unsorted, and colliding with the evens on (time, offset): ties.
        let old: Vec<i64> = (0..3_000).rev().map(|i| 10 * i).collect();
        // Ties with the odds from 39 001 on; the later part comes last.
        let late: Vec<i64> = (0..1_000).map(|i| 39_001 + 2 * i).collect();
        let zeros = |n: usize| vec![0; n];
        // Fan-in 4 merges the four parts at once; 2 and 3 merge runs first (2: two runs
        // of two; 3: a run of three and the last part alone), then merge the runs.
        for fan_in in [4, 3, 2] {
            let dir = tempfile::tempdir().unwrap();
            let lake = Lake::open(dir.path()).unwrap();
            let inputs = [
                declared(&lake, batch("even", &evens, &zeros(evens.len()))),
                undeclared(&lake, batch("old", &old, &zeros(old.len()))),
                declared(&lake, batch("odd", &odds, &zeros(odds.len()))),
                declared(&lake, batch("late", &late, &zeros(late.len()))),
            ];
            let (is_declared, _) =
                read::stream_file(&lake, &INGEST_REJECTS, &inputs[1].path, inputs[1].size, 10)
                    .unwrap();
            assert!(!is_declared, "a plain writer declares no order");
            let before = files_in(&lake);

            let out = merge(
                &lake,
                &INGEST_REJECTS,
                "2026-11-17",
                &inputs,
                7_000,
                fan_in,
                |b, _| Ok(b),
            )
            .unwrap();

            let (rows, groups) = rows_of(&lake, &out);
            assert_eq!(rows.len(), 44_000, "fan-in {fan_in}: every row kept");
            assert!(rows.is_sorted_by_key(|r| r.0), "sorted by time");
            // A tie on (time, offset) keeps the inputs' order: the even part before the old one.
            let at = |t: i64| {
                rows.iter()
                    .filter(|r| r.0 == t)
                    .map(|r| r.1.as_str())
                    .collect::<Vec<_>>()
            };
            assert_eq!(at(0), ["even", "old"], "fan-in {fan_in}");
            assert_eq!(at(29_990), ["even", "old"], "fan-in {fan_in}");
            assert_eq!(at(29_991), ["odd"], "fan-in {fan_in}");
            assert_eq!(at(39_001), ["odd", "late"], "fan-in {fan_in}");
            assert_eq!(at(39_999), ["odd", "late"], "fan-in {fan_in}");
            assert_eq!(at(40_001), ["late"], "fan-in {fan_in}");
            assert_eq!(groups, [7_000, 7_000, 7_000, 7_000, 7_000, 7_000, 2_000]);
            // The intermediate runs are gone: the inputs (not live-listed, left for the
            // caller's swap) and the merged part remain.
            let mut expected = before.clone();
            expected.push(out.path.rsplit('/').next().unwrap().to_string());
            expected.sort();
            assert_eq!(files_in(&lake), expected, "fan-in {fan_in}");
        }
    }
}
