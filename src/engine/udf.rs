//! SQL functions for the questions tagtrail's users ask, usable in their own queries:
//!
//! - `principal_tag(principal_tags, 'Username')`: a session tag by key, compared
//!   case-insensitively as IAM does for `${aws:PrincipalTag/…}`; an exact-case key wins.
//! - `names_table(statement, default_database, 'shop.customers')`: whether a SQL text
//!   names the table, qualified (`shop.customers`, `` `shop`.`customers` ``) or bare
//!   while `shop` is the connection's default database.
//! - `table_keys(statement, default_database, object)`: every `db.table` a row names
//!   by that rule, listed ([`super::table_keys`]).

use std::sync::{Arc, Mutex};

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray, StringViewArray};
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
        ScalarUDF::from(super::table_keys::TableKeys::new()),
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

#[derive(Debug)]
struct NamesTable {
    signature: Signature,
    /// The matcher of the last table asked about: its patterns took longer to compile
    /// than to run on a batch, and a question names one table for all its batches.
    last: Mutex<Option<(String, Arc<TableMatcher>)>>,
}

impl NamesTable {
    fn new() -> Self {
        NamesTable {
            signature: Signature::new(TypeSignature::Any(3), Volatility::Immutable),
            last: Mutex::new(None),
        }
    }

    fn matcher(&self, object: &str) -> Arc<TableMatcher> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        match &*last {
            Some((o, m)) if o == object => Arc::clone(m),
            _ => {
                let m = Arc::new(TableMatcher::new(object));
                *last = Some((object.to_string(), Arc::clone(&m)));
                m
            }
        }
    }
}

// Equal and hashed by what they compute; the cache is not part of their identity.
impl PartialEq for NamesTable {
    fn eq(&self, other: &Self) -> bool {
        self.signature == other.signature
    }
}

impl Eq for NamesTable {}

impl std::hash::Hash for NamesTable {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.signature.hash(state);
    }
}

/// Compiled once for the constant `db.table` argument.
#[derive(Debug)]
pub(crate) struct TableMatcher {
    db: Option<String>,
    /// The table's name anywhere, in any case: every statement that names the table
    /// contains it, and most statements of a lake do not, so this literal search
    /// (fast) spares the two patterns below (slow) nearly every row.
    mentioned: Mentioned,
    qualified: Option<Regex>,
    bare: Regex,
}

impl TableMatcher {
    pub(crate) fn new(object: &str) -> Self {
        let (db, table) = split_object(object);
        let ident = |s: &str, after: &str| table_name::ident(&regex::escape(s), after);
        let qualified = db.map(|db| {
            let p = format!(
                "(?i){}",
                table_name::qualified(&ident(db, ""), &regex::escape(table))
            );
            Regex::new(&p).expect("escaped pattern")
        });
        let bare = format!("(?i){}", ident(table, table_name::END));
        TableMatcher {
            db: db.map(str::to_string),
            mentioned: Mentioned::new(table),
            qualified,
            bare: Regex::new(&bare).expect("escaped pattern"),
        }
    }

    pub(crate) fn matches(&self, statement: &str, default_db: Option<&str>) -> bool {
        if !self.mentioned.is_in(statement) {
            return false;
        }
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

/// The pieces of `names_table`'s patterns, shared with the rewrite for other engines
/// (`ddl::dialect`, whose regexes are Java's and Joni's), so the engines find the same
/// statements. Letters, digits, `_` and `$` continue a MySQL identifier, so an unquoted
/// name needs another character (or the text's end) on both sides. Quoted in backticks
/// it needs nothing: MySQL reads ``FROM`customers`WHERE`` as three tokens. Before a name
/// may stand anything but a `.` (what precedes one qualifies it), and before an
/// unquoted name no identifier character either.
pub mod table_name {
    /// What follows an unquoted table name.
    pub const END: &str = r"(?:$|[^\w$`])";

    /// The name `s` (already quoted for the regex), unquoted and followed by `after`,
    /// or in backticks.
    pub fn ident(s: &str, after: &str) -> String {
        format!(r"(?:(?:^|[^\w$`.]){s}{after}|(?:^|[^.`])`{s}`)")
    }

    /// `db` (an [`ident`]) qualifying the table `table` (quoted for the regex): the
    /// database's `.` ends its name, and the table's part stands right after it.
    pub fn qualified(db: &str, table: &str) -> String {
        format!(r"{db}\s*\.\s*(?:{table}{END}|`{table}`)")
    }
}

/// `db.table` as `names_table` reads it: the database up to the first `.`, if any.
pub fn split_object(object: &str) -> (Option<&str>, &str) {
    match object.split_once('.') {
        Some((db, table)) => (Some(db), table),
        None => (None, object),
    }
}

/// A case-insensitive search for a table name, as `(?i)name` finds it. Most names and
/// statements are ASCII, where the cases to fold are ASCII's alone: with a byte search
/// there (`aho-corasick`, which skips ahead to the name's rarest byte), a week's scan of
/// 33.6 M statements went from 1.6 to 1.2 s. Anything else goes to the regex, whose
/// Unicode folding also finds `K` (the Kelvin sign) for `k` and `ſ` for `s`.
#[derive(Debug)]
struct Mentioned {
    ascii: Option<aho_corasick::AhoCorasick>,
    any: Regex,
}

impl Mentioned {
    fn new(name: &str) -> Self {
        let ascii = name.is_ascii().then(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build([name])
                .expect("one short pattern")
        });
        Mentioned {
            ascii,
            any: Regex::new(&format!("(?i){}", regex::escape(name))).expect("escaped pattern"),
        }
    }

    fn is_in(&self, text: &str) -> bool {
        match &self.ascii {
            Some(bytes) if text.is_ascii() => bytes.is_match(text),
            _ => self.any.is_match(text),
        }
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
        let matcher = self.matcher(&object);
        let arrays = ColumnarValue::values_to_arrays(&args.args[..2])?;
        let (stmts, dbs) = (Strings::of(&arrays[0])?, Strings::of(&arrays[1])?);
        let out: BooleanArray = (0..args.number_rows)
            .map(|row| {
                Some(
                    stmts
                        .get(row)
                        .is_some_and(|s| matcher.matches(s, dbs.get(row))),
                )
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

/// A string column read in place: statements arrive as string views, and casting them
/// to `StringArray` copied every statement of the lake once per question.
pub(super) enum Strings<'a> {
    Views(&'a StringViewArray),
    Plain(StringArray),
}

impl<'a> Strings<'a> {
    pub(super) fn of(a: &'a ArrayRef) -> Result<Self> {
        Ok(match a.data_type() {
            DataType::Utf8View => Strings::Views(a.as_string_view()),
            _ => Strings::Plain(to_utf8(a)?),
        })
    }

    pub(super) fn get(&self, row: usize) -> Option<&str> {
        match self {
            Strings::Views(a) => (!a.is_null(row)).then(|| a.value(row)),
            Strings::Plain(a) => (!a.is_null(row)).then(|| a.value(row)),
        }
    }
}

/// Normalises any string-like array (views, dictionaries, nulls) to `StringArray`.
pub(super) fn to_utf8(a: &ArrayRef) -> Result<StringArray> {
    let cast = arrow::compute::cast(a, &DataType::Utf8)?;
    Ok(cast.as_string::<i32>().clone())
}

#[cfg(test)]
mod tests {
    use super::{Mentioned, names_table};

    /// The byte search for ASCII text finds what `(?i)name` finds, and text that is not
    /// ASCII goes to the regex, whose case folding reaches past ASCII.
    #[test]
    fn a_name_is_found_in_any_case_as_the_regex_finds_it() {
        let cases: &[(&str, &str, bool)] = &[
            ("customers", "SELECT * FROM CUSTOMERS", true),
            ("customers", "select * from CuStOmErS c", true),
            ("customers", "SELECT * FROM custom_ers", false),
            ("customers", "SELECT 'é' FROM customers", true),
            ("customers", "SELECT * FROM cuſtomers", true),
            ("kunden", "SELECT * FROM \u{212a}unden", true),
            ("kunden", "SELECT * FROM kundin", false),
            ("müşteriler", "SELECT * FROM MÜŞTERILER", true),
            ("müşteriler", "SELECT * FROM MÜŞTERİLER", false),
            ("müşteriler", "SELECT * FROM Müşteriler", true),
            ("", "SELECT 1", true),
        ];
        for (name, text, want) in cases {
            let m = Mentioned::new(name);
            assert_eq!(m.is_in(text), *want, "{name} in {text}");
            assert_eq!(m.is_in(text), m.any.is_match(text), "{name} in {text}");
        }
        assert!(Mentioned::new("customers").ascii.is_some());
        assert!(Mentioned::new("müşteriler").ascii.is_none());
    }

    /// A quoted name needs no space around it: ``FROM`customers`WHERE`` is a query on
    /// customers (MySQL accepts it), and the bare pattern, which wanted a non-word
    /// character after the closing backtick, missed it.
    #[test]
    fn names_table_finds_a_quoted_name_against_the_words_around_it() {
        for stmt in [
            "SELECT*FROM`customers`WHERE id=1",
            "SELECT * FROM `shop`.`customers`WHERE id=1",
            "SELECT*FROM`shop`.`customers`",
            "DELETE FROM`customers`",
        ] {
            assert!(names_table(stmt, Some("shop"), "shop.customers"), "{stmt}");
        }
        for stmt in [
            "SELECT*FROM`other`.`customers`WHERE id=1",
            "SELECT*FROM`customers2`",
        ] {
            assert!(!names_table(stmt, Some("shop"), "shop.customers"), "{stmt}");
        }
    }

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
            ("SELECT * FROM `my`.`customers`", Some("shop"), false),
            ("SELECT * FROM `customers_old`", Some("shop"), false),
            ("SELECT * FROM shop.`customers`", None, true),
            ("SELECT * FROM `shop` . customers", None, true),
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
