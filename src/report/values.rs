//! One cell of an Arrow array as JSON or as text, with tagtrail's conventions:
//! timestamps in RFC 3339 UTC, lists as arrays (`a, b` as text), maps as objects.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, TimeUnit};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use serde_json::Value;

use crate::sources::timefmt::format_micros;

pub fn json_value(array: &dyn Array, row: usize) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::Boolean => Value::Bool(array.as_boolean().value(row)),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => {
            let text = display(array, row);
            text.parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::String(text))
        }
        DataType::Float32 | DataType::Float64 => display(array, row)
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        DataType::Timestamp(_, _) => Value::String(timestamp_text(array, row)),
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => {
            let items = list_items(array, row);
            Value::Array(
                (0..items.len())
                    .map(|i| json_value(items.as_ref(), i))
                    .collect(),
            )
        }
        DataType::Map(_, _) => {
            let entries = array.as_map().value(row);
            let (keys, values) = (entries.column(0), entries.column(1));
            Value::Object(
                (0..entries.len())
                    .map(|i| (cell_text(keys.as_ref(), i), json_value(values.as_ref(), i)))
                    .collect(),
            )
        }
        DataType::Struct(_) => {
            let st = array.as_struct();
            Value::Object(
                st.column_names()
                    .into_iter()
                    .zip(st.columns())
                    .map(|(name, col)| (name.to_string(), json_value(col.as_ref(), row)))
                    .collect(),
            )
        }
        _ => Value::String(display(array, row)),
    }
}

pub fn cell_text(array: &dyn Array, row: usize) -> String {
    if array.is_null(row) {
        return String::new();
    }
    match array.data_type() {
        DataType::Timestamp(_, _) => timestamp_text(array, row),
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => {
            let items = list_items(array, row);
            (0..items.len())
                .map(|i| cell_text(items.as_ref(), i))
                .collect::<Vec<_>>()
                .join(", ")
        }
        DataType::Map(_, _) => {
            let entries = array.as_map().value(row);
            let (keys, values) = (entries.column(0), entries.column(1));
            (0..entries.len())
                .map(|i| {
                    format!(
                        "{}={}",
                        cell_text(keys.as_ref(), i),
                        cell_text(values.as_ref(), i)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
        _ => display(array, row),
    }
}

fn list_items(array: &dyn Array, row: usize) -> arrow::array::ArrayRef {
    match array.data_type() {
        DataType::List(_) => array.as_list::<i32>().value(row),
        DataType::LargeList(_) => array.as_list::<i64>().value(row),
        _ => array.as_fixed_size_list().value(row),
    }
}

fn timestamp_text(array: &dyn Array, row: usize) -> String {
    let micros = match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            array
                .as_primitive::<arrow::datatypes::TimestampSecondType>()
                .value(row)
                * 1_000_000
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            array
                .as_primitive::<arrow::datatypes::TimestampMillisecondType>()
                .value(row)
                * 1_000
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => array
            .as_primitive::<arrow::datatypes::TimestampMicrosecondType>()
            .value(row),
        _ => {
            array
                .as_primitive::<arrow::datatypes::TimestampNanosecondType>()
                .value(row)
                / 1_000
        }
    };
    format_micros(micros)
}

fn display(array: &dyn Array, row: usize) -> String {
    match ArrayFormatter::try_new(array, &FormatOptions::default()) {
        Ok(f) => f.value(row).to_string(),
        Err(e) => format!("<{e}>"),
    }
}
