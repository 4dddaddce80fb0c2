//! Arrow types of the lake's Parquet columns as Hive-style DDL types. Athena (Hive DDL)
//! and Spark read the same Parquet files, so a column's declared type must be the one
//! its files hold or the engine refuses (or silently nulls) the column.

use arrow::datatypes::{DataType, Field, TimeUnit};

use super::{DdlError, SqlEngine};

/// The DDL type of `field`, e.g. `array<string>` (Athena) or `ARRAY<STRING>` (Spark).
pub fn column_type(engine: SqlEngine, field: &Field) -> Result<String, DdlError> {
    let t = hive_type(field.data_type()).ok_or_else(|| DdlError::UnsupportedType {
        column: field.name().clone(),
        data_type: field.data_type().to_string(),
    })?;
    Ok(match engine {
        SqlEngine::Athena => t,
        SqlEngine::Spark => upper_keywords(&t),
    })
}

/// Spark's spelling: the type keywords in upper case, struct field names (`name:`) kept.
fn upper_keywords(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut word = String::new();
    for c in t.chars().chain(std::iter::once('\0')) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if c == ':' {
            out.push_str(&word);
        } else {
            out.push_str(&word.to_uppercase());
        }
        word.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

fn hive_type(t: &DataType) -> Option<String> {
    Some(match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "int".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Date32 => "date".into(),
        DataType::Binary | DataType::LargeBinary => "binary".into(),
        // Parquet stores these as INT64 micro/milliseconds adjusted to UTC; both engines
        // read them as timestamps (Spark: in the session time zone when shown).
        DataType::Timestamp(TimeUnit::Microsecond | TimeUnit::Millisecond, _) => "timestamp".into(),
        DataType::Dictionary(_, value) => return hive_type(value),
        DataType::List(item) | DataType::LargeList(item) => {
            format!("array<{}>", hive_type(item.data_type())?)
        }
        DataType::Struct(fields) => {
            let parts: Option<Vec<String>> = fields
                .iter()
                .map(|f| Some(format!("{}:{}", f.name(), hive_type(f.data_type())?)))
                .collect();
            format!("struct<{}>", parts?.join(","))
        }
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "map<{},{}>",
                hive_type(kv[0].data_type())?,
                hive_type(kv[1].data_type())?
            ),
            _ => return None,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::datatypes::{DataType, Field, Fields, TimeUnit};

    use super::column_type;
    use crate::ddl::SqlEngine;

    fn both(t: DataType) -> (String, String) {
        let f = Field::new("c", t, true);
        (
            column_type(SqlEngine::Athena, &f).unwrap(),
            column_type(SqlEngine::Spark, &f).unwrap(),
        )
    }

    #[test]
    fn scalar_types() {
        assert_eq!(both(DataType::Utf8), ("string".into(), "STRING".into()));
        assert_eq!(both(DataType::Int64), ("bigint".into(), "BIGINT".into()));
        assert_eq!(both(DataType::Int32), ("int".into(), "INT".into()));
        assert_eq!(
            both(DataType::Boolean),
            ("boolean".into(), "BOOLEAN".into())
        );
        assert_eq!(
            both(DataType::Timestamp(
                TimeUnit::Microsecond,
                Some("UTC".into())
            )),
            ("timestamp".into(), "TIMESTAMP".into())
        );
        assert_eq!(
            both(DataType::Dictionary(
                Box::new(DataType::Int32),
                Box::new(DataType::Utf8)
            )),
            ("string".into(), "STRING".into())
        );
    }

    #[test]
    fn nested_types_keep_field_names() {
        let list = DataType::new_list(DataType::Utf8, true);
        assert_eq!(both(list), ("array<string>".into(), "ARRAY<STRING>".into()));
        let st = DataType::Struct(Fields::from(vec![
            Field::new("sessionName", DataType::Utf8, true),
            Field::new("n", DataType::Int64, true),
        ]));
        assert_eq!(
            both(st),
            (
                "struct<sessionName:string,n:bigint>".into(),
                "STRUCT<sessionName:STRING,n:BIGINT>".into()
            )
        );
        let map = DataType::Map(
            Arc::new(Field::new(
                "entries",
                DataType::Struct(Fields::from(vec![
                    Field::new("keys", DataType::Utf8, false),
                    Field::new("values", DataType::Utf8, true),
                ])),
                false,
            )),
            false,
        );
        assert_eq!(
            both(map),
            ("map<string,string>".into(), "MAP<STRING,STRING>".into())
        );
    }

    #[test]
    fn unsupported_type_names_the_column() {
        let f = Field::new(
            "when",
            DataType::Time32(arrow::datatypes::TimeUnit::Second),
            true,
        );
        let err = column_type(SqlEngine::Spark, &f).unwrap_err();
        assert_eq!(
            err.to_string(),
            "column when: type Time32(s) has no Athena/Spark DDL type"
        );
    }
}
