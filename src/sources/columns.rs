//! Row-at-a-time Arrow building driven by a schema, for tables whose columns are mostly
//! flat scalars: the schema is the single list of columns, and a row is pushed as a
//! slice of [`Cell`]s in the same order, so column order cannot drift from the schema.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::record_batch::RecordBatch;

/// One value of a row; `None`s become nulls.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Str(Option<&'a str>),
    Time(Option<i64>),
    Bool(Option<bool>),
    Int(Option<i64>),
    I32(Option<i32>),
}

enum Builder {
    Str(StringBuilder),
    Time(TimestampMicrosecondBuilder),
    Bool(BooleanBuilder),
    Int(Int64Builder),
    I32(Int32Builder),
}

pub struct RowBuilder {
    schema: SchemaRef,
    builders: Vec<Builder>,
    rows: usize,
}

impl RowBuilder {
    /// Panics on a column type it cannot build: schemas are static, so that is a
    /// programming error caught by the first test, never an input error.
    pub fn new(schema: SchemaRef) -> Self {
        let builders = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8 => Builder::Str(StringBuilder::new()),
                DataType::Timestamp(_, tz) => {
                    Builder::Time(TimestampMicrosecondBuilder::new().with_timezone_opt(tz.clone()))
                }
                DataType::Boolean => Builder::Bool(BooleanBuilder::new()),
                DataType::Int64 => Builder::Int(Int64Builder::new()),
                DataType::Int32 => Builder::I32(Int32Builder::new()),
                other => panic!("RowBuilder: unsupported column type {other} ({})", f.name()),
            })
            .collect();
        RowBuilder {
            schema,
            builders,
            rows: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends one row. Panics when the cells do not match the schema (a programming
    /// error, like [`RowBuilder::new`]).
    pub fn push(&mut self, cells: &[Cell<'_>]) {
        assert_eq!(cells.len(), self.builders.len(), "row width");
        for (b, c) in self.builders.iter_mut().zip(cells) {
            match (b, c) {
                (Builder::Str(b), Cell::Str(v)) => b.append_option(*v),
                (Builder::Time(b), Cell::Time(v)) => b.append_option(*v),
                (Builder::Bool(b), Cell::Bool(v)) => b.append_option(*v),
                (Builder::Int(b), Cell::Int(v)) => b.append_option(*v),
                (Builder::I32(b), Cell::I32(v)) => b.append_option(*v),
                _ => panic!("RowBuilder: cell type does not match the schema"),
            }
        }
        self.rows += 1;
    }

    pub fn finish(&mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        let cols: Vec<ArrayRef> = self
            .builders
            .iter_mut()
            .map(|b| match b {
                Builder::Str(b) => Arc::new(b.finish()) as ArrayRef,
                Builder::Time(b) => Arc::new(b.finish()),
                Builder::Bool(b) => Arc::new(b.finish()),
                Builder::Int(b) => Arc::new(b.finish()),
                Builder::I32(b) => Arc::new(b.finish()),
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), cols)
    }
}
