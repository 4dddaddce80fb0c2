//! Reading query results by column name, whatever string or list type DataFusion chose.

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

/// One result row: the batch and the row in it.
pub struct Row<'b> {
    batch: &'b RecordBatch,
    row: usize,
}

/// Every row of every batch.
pub fn rows(batches: &[RecordBatch]) -> impl Iterator<Item = Row<'_>> {
    batches
        .iter()
        .flat_map(|b| (0..b.num_rows()).map(move |row| Row { batch: b, row }))
}

fn column<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b ArrayRef, ArrowError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| ArrowError::SchemaError(format!("trace query has no column {name}")))
}

fn text_at(array: &dyn Array, row: usize) -> Result<Option<String>, ArrowError> {
    if array.is_null(row) {
        return Ok(None);
    }
    let one = cast(&array.slice(row, 1), &DataType::Utf8)?;
    let s = one
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("cast to Utf8 gives a StringArray");
    Ok(Some(s.value(0).to_string()))
}

impl Row<'_> {
    pub fn text(&self, name: &str) -> Result<Option<String>, ArrowError> {
        text_at(column(self.batch, name)?.as_ref(), self.row)
    }

    pub fn text_or_empty(&self, name: &str) -> Result<String, ArrowError> {
        Ok(self.text(name)?.unwrap_or_default())
    }

    /// Integers and timestamps (microseconds).
    pub fn int(&self, name: &str) -> Result<Option<i64>, ArrowError> {
        let c = column(self.batch, name)?;
        if c.is_null(self.row) {
            return Ok(None);
        }
        let one = cast(&c.slice(self.row, 1), &DataType::Int64)?;
        let v = one
            .as_any()
            .downcast_ref::<Int64Array>()
            .expect("cast to Int64 gives an Int64Array");
        Ok(Some(v.value(0)))
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ArrowError> {
        let c = column(self.batch, name)?;
        if c.is_null(self.row) {
            return Ok(None);
        }
        let one = cast(&c.slice(self.row, 1), &DataType::Boolean)?;
        Ok(Some(
            one.as_any()
                .downcast_ref::<BooleanArray>()
                .expect("cast to Boolean gives a BooleanArray")
                .value(0),
        ))
    }

    /// A list of strings; null lists and null items read as empty.
    pub fn list(&self, name: &str) -> Result<Vec<String>, ArrowError> {
        let c = column(self.batch, name)?;
        if c.is_null(self.row) {
            return Ok(Vec::new());
        }
        let items = match c.data_type() {
            DataType::List(_) => c.as_list::<i32>().value(self.row),
            DataType::LargeList(_) => c.as_list::<i64>().value(self.row),
            other => {
                return Err(ArrowError::SchemaError(format!(
                    "column {name} is {other}, not a list"
                )));
            }
        };
        (0..items.len())
            .map(|i| Ok(text_at(items.as_ref(), i)?.unwrap_or_default()))
            .collect()
    }
}
