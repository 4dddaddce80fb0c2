//! Test helpers shared by the source modules: batches as JSON rows, for exact comparisons.

use arrow::record_batch::RecordBatch;
use serde_json::Value;

/// Rows as JSON objects (nulls kept).
pub fn rows(batches: &[RecordBatch]) -> Vec<Value> {
    let mut buf = Vec::new();
    let mut w = arrow::json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, arrow::json::writer::JsonArray>(&mut buf);
    for b in batches {
        w.write(b).unwrap();
    }
    w.finish().unwrap();
    if buf.is_empty() {
        return vec![];
    }
    serde_json::from_slice::<Vec<Value>>(&buf).unwrap()
}

/// Only the named columns of each row.
pub fn pick(rows: &[Value], cols: &[&str]) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            Value::Object(
                cols.iter()
                    .map(|c| (c.to_string(), r[*c].clone()))
                    .collect(),
            )
        })
        .collect()
}
