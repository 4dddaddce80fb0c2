//! SQL functions for the questions tagtrail's users ask, usable in their own queries:
//!
//! - `principal_tag(principal_tags, 'Username')`: a session tag by key, compared
//!   case-insensitively as IAM does for `${aws:PrincipalTag/…}`; an exact-case key wins.
//! - `names_table(statement, default_database, 'shop.customers')`: whether a SQL text
//!   names the table, qualified (`shop.customers`, `` `shop`.`customers` ``) or bare
//!   while `shop` is the connection's default database.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use regex::Regex;

pub fn all() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(PrincipalTag::new()),
        ScalarUDF::from(NamesTable::new()),
    ]
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PrincipalTag {
    signature: Signature,
}

impl PrincipalTag {
    fn new() -> Self {
        PrincipalTag {
            signature: Signature::new(TypeSignature::Any(2), Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for PrincipalTag {
    fn name(&self) -> &str {
        "principal_tag"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args {
            [DataType::Map(_, _), key] if is_string(key) => Ok(DataType::Utf8),
            _ => exec_err!(
                "principal_tag(map, key) expects a tag map and a string key, got {args:?}"
            ),
        }
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let (maps, keys) = (arrays[0].as_map(), to_utf8(&arrays[1])?);
        let map_keys = to_utf8(maps.keys())?;
        let map_values = to_utf8(maps.values())?;
        let offsets = maps.value_offsets();
        let out: StringArray = (0..n)
            .map(|row| {
                if maps.is_null(row) || keys.is_null(row) {
                    return None;
                }
                let want = keys.value(row);
                let range = offsets[row] as usize..offsets[row + 1] as usize;
                let pick = |exact: bool| {
                    range.clone().find(|&i| {
                        let k = map_keys.value(i);
                        if exact {
                            k == want
                        } else {
                            k.eq_ignore_ascii_case(want)
                        }
                    })
                };
                pick(true)
                    .or_else(|| pick(false))
                    .and_then(|i| (!map_values.is_null(i)).then(|| map_values.value(i).to_string()))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct NamesTable {
    signature: Signature,
}

impl NamesTable {
    fn new() -> Self {
        NamesTable {
            signature: Signature::new(TypeSignature::Any(3), Volatility::Immutable),
        }
    }
}

/// Compiled once per query for the constant `db.table` argument.
struct TableMatcher {
    db: Option<String>,
    qualified: Option<Regex>,
    bare: Regex,
}

impl TableMatcher {
    fn new(object: &str) -> Self {
        let (db, table) = match object.split_once('.') {
            Some((db, table)) => (Some(db), table),
            None => (None, object),
        };
        // Letters, digits, `_` and `$` continue a MySQL identifier; backticks may quote it.
        let ident = |s: &str| format!("`?{}`?", regex::escape(s));
        let qualified = db.map(|db| {
            let p = format!(
                r"(?i)(?:^|[^\w$.]){}\s*\.\s*{}(?:$|[^\w$])",
                ident(db),
                ident(table)
            );
            Regex::new(&p).expect("escaped pattern")
        });
        let bare = format!(r"(?i)(?:^|[^\w$.`]){}(?:$|[^\w$`])", ident(table));
        TableMatcher {
            db: db.map(str::to_string),
            qualified,
            bare: Regex::new(&bare).expect("escaped pattern"),
        }
    }

    fn matches(&self, statement: &str, default_db: Option<&str>) -> bool {
        self.qualified
            .as_ref()
            .is_some_and(|q| q.is_match(statement))
            || (self.bare.is_match(statement)
                && self
                    .db
                    .as_deref()
                    .is_none_or(|db| default_db.is_some_and(|d| d.eq_ignore_ascii_case(db))))
    }
}

/// The matching rule on its own, for tests and callers outside SQL.
pub fn names_table(statement: &str, default_db: Option<&str>, object: &str) -> bool {
    TableMatcher::new(object).matches(statement, default_db)
}

impl ScalarUDFImpl for NamesTable {
    fn name(&self) -> &str {
        "names_table"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        if args.len() == 3 && args.iter().all(|t| is_string(t) || t.is_null()) {
            Ok(DataType::Boolean)
        } else {
            exec_err!(
                "names_table(statement, default_database, 'db.table') expects strings, got {args:?}"
            )
        }
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let object = match &args.args[2] {
            ColumnarValue::Scalar(s) => match scalar_str(s) {
                Some(o) => o,
                None => return Ok(ColumnarValue::Scalar(ScalarValue::Boolean(None))),
            },
            ColumnarValue::Array(_) => {
                return exec_err!("names_table: the table name must be a constant");
            }
        };
        let matcher = TableMatcher::new(&object);
        let arrays = ColumnarValue::values_to_arrays(&args.args[..2])?;
        let (stmts, dbs) = (to_utf8(&arrays[0])?, to_utf8(&arrays[1])?);
        let out: BooleanArray = (0..args.number_rows)
            .map(|row| {
                if stmts.is_null(row) {
                    return Some(false);
                }
                Some(matcher.matches(
                    stmts.value(row),
                    (!dbs.is_null(row)).then(|| dbs.value(row)),
                ))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

pub(super) fn is_string(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(_, _)
    )
}

fn scalar_str(s: &ScalarValue) -> Option<String> {
    match s {
        ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => v.clone(),
        _ => None,
    }
}

/// Normalises any string-like array (views, dictionaries, nulls) to `StringArray`.
pub(super) fn to_utf8(a: &ArrayRef) -> Result<StringArray> {
    let cast = arrow::compute::cast(a, &DataType::Utf8)?;
    Ok(cast.as_string::<i32>().clone())
}

#[cfg(test)]
mod tests {
    use super::names_table;

    #[test]
    fn names_table_cases() {
        let cases: &[(&str, Option<&str>, bool)] = &[
            ("SELECT * FROM customers", Some("shop"), true),
            ("SELECT * FROM customers", Some("staging"), false),
            ("SELECT * FROM customers", None, false),
            ("SELECT * FROM shop.customers", None, true),
            ("SELECT * FROM `shop`.`customers` c", Some("mysql"), true),
            ("select name from SHOP.Customers", None, true),
            ("SELECT * FROM customers_archive", Some("shop"), false),
            ("SELECT * FROM shop.customers_archive", None, false),
            ("SELECT * FROM staging.customers", Some("shop"), false),
            (
                "UPDATE customers SET note='x' WHERE id=1",
                Some("shop"),
                true,
            ),
            (
                "SELECT c.id FROM orders o JOIN customers c ON c.id=o.cid",
                Some("shop"),
                true,
            ),
            ("SELECT * FROM `customers`", Some("shop"), true),
            ("SELECT * FROM mycustomers", Some("shop"), false),
        ];
        for (stmt, db, want) in cases {
            assert_eq!(
                names_table(stmt, *db, "shop.customers"),
                *want,
                "{stmt} in {db:?}"
            );
        }
    }
}
