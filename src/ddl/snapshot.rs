//! Views whose SQL needs a tagtrail function no other engine has (the IAM policy
//! parser behind `db_grants`), and tables tagtrail builds in memory
//! (`attribution_settings`), are printed as their rows: a `SELECT … UNION ALL SELECT …`
//! of typed literals computed from the lake when `tagtrail ddl` runs. Their answers are
//! then the same as tagtrail's, as of that run.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{
    DataType, Field, Int32Type, Int64Type, SchemaRef, TimeUnit, TimestampMicrosecondType,
};

use super::types::column_type;
use super::{DdlError, SqlEngine};

/// `SELECT <literals> AS <columns> UNION ALL …`, or a typed empty `SELECT … WHERE 1 = 0`.
pub fn rows_sql(
    engine: SqlEngine,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<String, DdlError> {
    let mut selects = Vec::new();
    for batch in batches {
        for row in 0..batch.num_rows() {
            let mut cells = Vec::new();
            for (i, field) in schema.fields().iter().enumerate() {
                let lit = literal(engine, field, batch.column(i).as_ref(), row)?;
                cells.push(format!("{lit} AS {}", engine.ident(field.name())));
            }
            selects.push(format!("SELECT {}", cells.join(", ")));
        }
    }
    if selects.is_empty() {
        let mut cells = Vec::new();
        for field in schema.fields() {
            cells.push(format!(
                "CAST(NULL AS {}) AS {}",
                sql_type(engine, field)?,
                engine.ident(field.name())
            ));
        }
        return Ok(format!("SELECT {} WHERE 1 = 0", cells.join(", ")));
    }
    Ok(selects.join("\nUNION ALL\n"))
}

/// The type in a CAST: the DDL type, except Athena's SQL calls `string` `varchar`.
fn sql_type(engine: SqlEngine, field: &Field) -> Result<String, DdlError> {
    let t = column_type(engine, field)?;
    Ok(match engine {
        SqlEngine::Spark => t,
        SqlEngine::Athena => match t.as_str() {
            "string" => "varchar".into(),
            "timestamp" => "timestamp(6)".into(),
            other => other.into(),
        },
    })
}

fn literal(
    engine: SqlEngine,
    field: &Field,
    column: &dyn Array,
    row: usize,
) -> Result<String, DdlError> {
    if column.is_null(row) {
        return Ok(format!("CAST(NULL AS {})", sql_type(engine, field)?));
    }
    let column = arrow::compute::cast(&column.slice(row, 1), &storage_type(column.data_type()))
        .map_err(|e| DdlError::Unsupported(format!("column {}: {e}", field.name())))?;
    Ok(match column.data_type() {
        DataType::Utf8 => text(engine, column.as_string::<i32>().value(0)),
        DataType::Boolean => column.as_boolean().value(0).to_string(),
        DataType::Int64 => format!(
            "CAST({} AS BIGINT)",
            column.as_primitive::<Int64Type>().value(0)
        ),
        DataType::Int32 => format!(
            "CAST({} AS INT)",
            column.as_primitive::<Int32Type>().value(0)
        ),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            let us = column.as_primitive::<TimestampMicrosecondType>().value(0);
            match engine {
                SqlEngine::Spark => format!("timestamp_micros({us})"),
                SqlEngine::Athena => format!(
                    "CAST(from_unixtime_nanos(CAST({us} AS BIGINT) * 1000) AT TIME ZONE 'UTC' AS timestamp(6))"
                ),
            }
        }
        other => {
            return Err(DdlError::UnsupportedType {
                column: field.name().clone(),
                data_type: other.to_string(),
            });
        }
    })
}

/// Dictionaries and views read as their plain type; timestamps as microseconds.
fn storage_type(t: &DataType) -> DataType {
    match t {
        DataType::Dictionary(_, v) => storage_type(v),
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::Timestamp(_, tz) => DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
        other => other.clone(),
    }
}

/// A string literal: Spark reads `\` as an escape, Trino doubles `'`.
pub fn text(engine: SqlEngine, s: &str) -> String {
    match engine {
        SqlEngine::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        SqlEngine::Athena => format!("'{}'", s.replace('\'', "''")),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        BooleanArray, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
    };
    use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

    use super::rows_sql;
    use crate::ddl::SqlEngine;

    fn schema() -> arrow::datatypes::SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("name", DataType::Utf8, true),
            Field::new("n", DataType::Int64, true),
            Field::new("ok", DataType::Boolean, true),
            Field::new(
                "at",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                true,
            ),
        ]))
    }

    #[test]
    fn rows_become_typed_literals() {
        let batch = RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(StringArray::from(vec![Some("it's \\d"), None])),
                Arc::new(Int64Array::from(vec![Some(300), None])),
                Arc::new(BooleanArray::from(vec![Some(true), None])),
                Arc::new(
                    TimestampMicrosecondArray::from(vec![Some(1_763_284_463_000_001), None])
                        .with_timezone("UTC"),
                ),
            ],
        )
        .unwrap();
        assert_eq!(
            rows_sql(SqlEngine::Spark, &schema(), std::slice::from_ref(&batch)).unwrap(),
            "SELECT 'it\\'s \\\\d' AS `name`, CAST(300 AS BIGINT) AS `n`, true AS `ok`, timestamp_micros(1763284463000001) AS `at`\n\
             UNION ALL\n\
             SELECT CAST(NULL AS STRING) AS `name`, CAST(NULL AS BIGINT) AS `n`, CAST(NULL AS BOOLEAN) AS `ok`, CAST(NULL AS TIMESTAMP) AS `at`"
        );
        assert_eq!(
            rows_sql(SqlEngine::Athena, &schema(), &[batch])
                .unwrap()
                .lines()
                .next()
                .unwrap(),
            "SELECT 'it''s \\d' AS \"name\", CAST(300 AS BIGINT) AS \"n\", true AS \"ok\", CAST(from_unixtime_nanos(CAST(1763284463000001 AS BIGINT) * 1000) AT TIME ZONE 'UTC' AS timestamp(6)) AS \"at\""
        );
    }

    #[test]
    fn no_rows_is_a_typed_empty_select() {
        assert_eq!(
            rows_sql(SqlEngine::Spark, &schema(), &[]).unwrap(),
            "SELECT CAST(NULL AS STRING) AS `name`, CAST(NULL AS BIGINT) AS `n`, CAST(NULL AS BOOLEAN) AS `ok`, CAST(NULL AS TIMESTAMP) AS `at` WHERE 1 = 0"
        );
    }
}
