//! The answer to "who accessed this table?": one row per (person, db user, instance,
//! attribution). The JSON field names and order are a contract users' scripts rely on.

use std::io::Write;

use arrow::array::{Array, RecordBatch};
use serde::Serialize;

use super::{Format, cell_text, json_value, new_table, write_csv_row};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhoRow {
    /// The SAML subject (IdP login); null unless attribution is exact.
    pub person: Option<String>,
    pub db_user: String,
    pub instance: String,
    pub object: String,
    pub operations: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub statements: i64,
    /// `exact`, `ambiguous` or `unattributed`.
    pub attribution: String,
    /// Every person who could have opened the sessions, when ambiguous; else empty.
    pub candidates: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("unexpected shape of the who query result: {0}")]
pub struct ShapeError(String);

/// Converts the rows of `queries/who.sql`.
pub fn rows(batches: &[RecordBatch]) -> Result<Vec<WhoRow>, ShapeError> {
    let mut out = Vec::new();
    for b in batches {
        let col = |name: &str| {
            b.column_by_name(name)
                .ok_or_else(|| ShapeError(format!("no column {name}")))
        };
        let (person, db_user, instance, object) = (
            col("person")?,
            col("db_user")?,
            col("instance")?,
            col("object")?,
        );
        let (ops, first, last, n) = (
            col("operations")?,
            col("first_seen")?,
            col("last_seen")?,
            col("statements")?,
        );
        let (attribution, candidates) = (col("attribution")?, col("candidates")?);
        let strings = |a: &dyn Array, r: usize| -> Vec<String> {
            match json_value(a, r) {
                serde_json::Value::Array(items) => items
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            }
        };
        for r in 0..b.num_rows() {
            let attribution = cell_text(attribution.as_ref(), r);
            out.push(WhoRow {
                person: (!person.is_null(r)).then(|| cell_text(person.as_ref(), r)),
                db_user: cell_text(db_user.as_ref(), r),
                instance: cell_text(instance.as_ref(), r),
                object: cell_text(object.as_ref(), r),
                operations: strings(ops.as_ref(), r),
                first_seen: cell_text(first.as_ref(), r),
                last_seen: cell_text(last.as_ref(), r),
                statements: cell_text(n.as_ref(), r)
                    .parse()
                    .map_err(|_| ShapeError("statements is not a number".into()))?,
                candidates: if attribution == "ambiguous" {
                    strings(candidates.as_ref(), r)
                } else {
                    Vec::new()
                },
                attribution,
            });
        }
    }
    Ok(out)
}

pub fn write(out: &mut dyn Write, rows: &[WhoRow], format: Format) -> std::io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)
        }
        Format::Csv => {
            write_csv_row(out, HEADERS.into_iter())?;
            for r in rows {
                write_csv_row(out, fields(r).iter().map(String::as_str))?;
            }
            Ok(())
        }
        Format::Table => {
            let mut table = new_table(HEADERS);
            for r in rows {
                table.add_row(fields(r));
            }
            writeln!(out, "{table}")
        }
    }
}

const HEADERS: [&str; 10] = [
    "person",
    "db_user",
    "instance",
    "object",
    "operations",
    "first_seen",
    "last_seen",
    "statements",
    "attribution",
    "candidates",
];

fn fields(r: &WhoRow) -> [String; 10] {
    [
        r.person.clone().unwrap_or_default(),
        r.db_user.clone(),
        r.instance.clone(),
        r.object.clone(),
        r.operations.join(", "),
        r.first_seen.clone(),
        r.last_seen.clone(),
        r.statements.to_string(),
        r.attribution.clone(),
        r.candidates.join(", "),
    ]
}
