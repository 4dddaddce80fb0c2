//! Every table a statement names, listed once, by the rule of `names_table`.
//!
//! `names_table(statement, default_db, 'shop.customers')` answers for one name at a
//! time. `table_keys(statement, default_database, object)` lists every name a row
//! answers true for, so a responder can ask which tables a statement named, and an
//! index of table accesses could hold, per name, the sessions that named it (the first
//! one tried, a row per session, day and name, was not kept: BENCHMARKS.md,
//! twenty-seventh run). Either is only sound if the list is exactly the set of names
//! `names_table` accepts: this module follows its patterns (`udf::table_name`) piece
//! by piece, and a differential test holds the two to the same answers.
//!
//! The names listed are those an index can key: a database of one identifier (ASCII
//! letters, digits, `_`, `$`), a `.`, and a table of one or more identifiers joined by
//! `.` (`ledger.public.entries` is database `ledger`, table `public.entries`). Both
//! patterns ignore ASCII case, so a name is listed lowercased. A statement that is not
//! ASCII gets no list ([`table_keys`] returns `None`): Unicode case folding (`K`, the
//! Kelvin sign, matches `k`) and Unicode word characters make its names differ from
//! its bytes, and such statements must still be searched.
//!
//! What the patterns accept, in a statement's bytes:
//! - an identifier is a maximal run of word bytes; a *chain* is identifiers joined by
//!   single `.` bytes with nothing between; a chain *ends* where the next byte is not a
//!   backtick (the pattern's `END`: the text's end or a byte outside `[\w$`]`);
//! - a *quoted* name is the bytes between a backtick and the next one;
//! - **bare**: a chain, or a quoted name, that starts where the byte before is neither
//!   `.` nor a backtick, names `default_db.chain` when the default database is one
//!   identifier;
//! - **qualified**: an identifier or quoted name (the database) that starts where the
//!   byte before is neither `.` nor a backtick, then spaces, one `.`, spaces, then a
//!   chain or a quoted name (the table), names `database.table`.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::{Array, ListBuilder, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::exec_err;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use super::udf::{Strings, is_string};
use crate::sources::words::is_word_byte as is_word;

/// `\s` on ASCII: space, tab, newline, vertical tab, form feed, carriage return.
fn is_space(b: u8) -> bool {
    b == b' ' || (0x09..=0x0d).contains(&b)
}

/// Whether `s` is one identifier (a key's database).
fn is_ident(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_word(b))
}

/// Whether `s` is identifiers joined by single dots (a key's table).
fn is_chain(s: &[u8]) -> bool {
    s.split(|&b| b == b'.').all(is_ident)
}

/// Whether a name may start at `at`: the byte before it is neither `.` nor a backtick.
fn may_start(s: &[u8], at: usize) -> bool {
    at == 0 || !matches!(s[at - 1], b'.' | b'`')
}

/// The end of the run of bytes from `at` that `is` holds for.
fn run_end(s: &[u8], at: usize, is: fn(u8) -> bool) -> usize {
    s[at..]
        .iter()
        .position(|&b| !is(b))
        .map_or(s.len(), |n| at + n)
}

/// The end of the identifier starting at `at`.
fn ident_end(s: &[u8], at: usize) -> usize {
    run_end(s, at, is_word)
}

/// The ends of the chains that start at `at` (an identifier's first byte) and end
/// where the pattern's `END` allows: one per prefix of the dot-joined run.
fn chain_ends(s: &[u8], at: usize, mut each: impl FnMut(usize)) {
    let mut e = ident_end(s, at);
    loop {
        if e == s.len() || s[e] != b'`' {
            each(e);
        }
        if e + 1 < s.len() && s[e] == b'.' && is_word(s[e + 1]) {
            e = ident_end(s, e + 1);
        } else {
            return;
        }
    }
}

/// The quoted name opening at the backtick `at`: its bytes and the index past its
/// closing backtick.
fn quoted(s: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let close = s[at + 1..].iter().position(|&b| b == b'`')? + at + 1;
    Some((&s[at + 1..close], close + 1))
}

/// The keys of a db event row: those of its statement ([`table_keys`]) and, for a TABLE
/// row, its `database.object` lowercased as `who` compares it (`lower(concat(database,
/// '.', object))`, SQL's `lower` being Rust's). `None` when its statement must be
/// searched.
pub fn row_keys(
    statement: Option<&str>,
    database: Option<&str>,
    object: Option<&str>,
) -> Option<BTreeSet<String>> {
    let mut keys = match statement {
        Some(s) => table_keys(s, database)?,
        None => BTreeSet::new(),
    };
    if let Some(object) = object {
        keys.insert(format!("{}.{object}", database.unwrap_or("")).to_lowercase());
    }
    Some(keys)
}

/// Whether `object` is a name the keys can list: a database of one identifier and a
/// table of identifiers joined by `.` (the names the differential test compares, and
/// the only ones the stored table accesses key).
pub(super) fn is_keyed(object: &str) -> bool {
    object
        .split_once('.')
        .is_some_and(|(db, table)| is_ident(db.as_bytes()) && is_chain(table.as_bytes()))
}

/// Every table name the statement names (see the module documentation), lowercased as
/// `db.table`; `None` for a statement that is not ASCII, whose names must be searched.
pub fn table_keys(statement: &str, default_db: Option<&str>) -> Option<BTreeSet<String>> {
    if !statement.is_ascii() {
        return None;
    }
    let s = statement.as_bytes();
    let default_db = default_db
        .filter(|d| is_ident(d.as_bytes()))
        .map(str::to_ascii_lowercase);
    let mut keys = BTreeSet::new();
    let mut add = |db: &str, table: &[u8]| {
        let mut key = String::with_capacity(db.len() + 1 + table.len());
        key.push_str(db);
        key.push('.');
        key.extend(table.iter().map(|b| b.to_ascii_lowercase() as char));
        keys.insert(key);
    };
    // Every table that starts at `at`: its chains or its quoted name.
    let tables = |at: usize, each: &mut dyn FnMut(&[u8])| {
        if s[at] == b'`' {
            if let Some((name, _)) = quoted(s, at).filter(|(n, _)| is_chain(n)) {
                each(name);
            }
        } else if is_word(s[at]) {
            chain_ends(s, at, |e| each(&s[at..e]));
        }
    };
    for at in 0..s.len() {
        let starts_ident = is_word(s[at]) && (at == 0 || !is_word(s[at - 1]));
        if !(starts_ident || s[at] == b'`') || !may_start(s, at) {
            continue;
        }
        if let Some(d) = &default_db {
            tables(at, &mut |t| add(d, t));
        }
        // This name as a database: one identifier, then spaces, `.`, spaces.
        let (db, mut next) = if s[at] == b'`' {
            match quoted(s, at) {
                Some((name, past)) if is_ident(name) => (name, past),
                _ => continue,
            }
        } else {
            let e = ident_end(s, at);
            (&s[at..e], e)
        };
        next = run_end(s, next, is_space);
        if next >= s.len() || s[next] != b'.' {
            continue;
        }
        next = run_end(s, next + 1, is_space);
        if next < s.len() {
            let db = String::from_utf8_lossy(db).to_ascii_lowercase();
            tables(next, &mut |t| add(&db, t));
        }
    }
    Some(keys)
}

/// Keyable names (see [`is_keyed`]) made of `statement`'s identifiers and quoted names
/// and of `default_db`: a database, then one to three table parts (the third among the
/// first two pieces only). A name `names_table` accepts for the statement is made of
/// those pieces, so the differential test compares [`table_keys`] with `names_table`
/// over these (names of more parts are left to the keys' own check).
#[cfg(test)]
fn names_of_pieces(statement: &str, default_db: Option<&str>) -> Vec<String> {
    let mut pieces: Vec<&str> = statement
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .collect();
    pieces.extend(statement.split('`').skip(1));
    pieces.push("zz");
    pieces.retain(|p| !p.is_empty());
    pieces.sort_unstable();
    pieces.dedup();
    let mut tables: Vec<String> = Vec::new();
    for t1 in &pieces {
        tables.push(t1.to_string());
        for t2 in &pieces {
            tables.push(format!("{t1}.{t2}"));
            tables.extend(pieces.iter().take(2).map(|t3| format!("{t1}.{t2}.{t3}")));
        }
    }
    let dbs = pieces.iter().copied().chain(default_db);
    dbs.flat_map(|d| tables.iter().map(move |t| format!("{d}.{t}")))
        .filter(|name| is_keyed(name))
        .collect()
}

/// `table_keys(statement, default_database, object)`: [`row_keys`] as a list, NULL
/// for a row whose statement must be searched.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) struct TableKeys {
    signature: Signature,
}

impl TableKeys {
    pub(super) fn new() -> Self {
        TableKeys {
            signature: Signature::new(TypeSignature::Any(3), Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for TableKeys {
    fn name(&self) -> &str {
        "table_keys"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        if args.len() == 3 && args.iter().all(|t| is_string(t) || t.is_null()) {
            Ok(DataType::new_list(DataType::Utf8, true))
        } else {
            exec_err!(
                "table_keys(statement, default_database, object) expects strings, got {args:?}"
            )
        }
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [statements, databases, objects] = [0, 1, 2].map(|i| Strings::of(&arrays[i]));
        let (statements, databases, objects) = (statements?, databases?, objects?);
        let mut out = ListBuilder::new(StringBuilder::new());
        for row in 0..args.number_rows {
            match row_keys(statements.get(row), databases.get(row), objects.get(row)) {
                Some(keys) => {
                    for key in keys {
                        out.values().append_value(key);
                    }
                    out.append(true);
                }
                None => out.append(false),
            }
        }
        let list = out.finish();
        debug_assert_eq!(list.len(), args.number_rows);
        Ok(ColumnarValue::Array(Arc::new(list)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::udf::TableMatcher;
    use crate::synth::rng::Rng;

    /// Random statements over the bytes the patterns care about (word bytes, `.`,
    /// backticks, every ASCII space, a byte that is not one): for every keyable name
    /// made of their pieces, `names_table` accepts it exactly when the keys list it.
    /// The words are few, so the names repeat and each compiles its patterns once.
    #[test]
    fn the_keys_are_the_names_names_table_accepts() {
        const WORDS: &[&str] = &["a", "B", "$_1"];
        const SEPARATORS: &[&str] = &[
            ".", ". ", " .", "`", "``", " ", "\t", "\x0b", "\x0c", "\r\n", "\x1c", ",", "(", " . ",
            "..",
        ];
        const DBS: &[Option<&str>] = &[
            None,
            Some("a"),
            Some("A"),
            Some("b"),
            Some("a.b"),
            Some(""),
            Some("a b"),
        ];
        let small = |name: &str| {
            name.split('.')
                .all(|p| ["a", "b", "$_1", "zz"].contains(&p.to_ascii_lowercase().as_str()))
        };
        let mut matchers: std::collections::HashMap<String, TableMatcher> = Default::default();
        let mut names_table = |statement: &str, db: Option<&str>, name: &str| {
            matchers
                .entry(name.to_string())
                .or_insert_with(|| TableMatcher::new(name))
                .matches(statement, db)
        };
        let mut rng = Rng::new(0x7461_626c_655f_6b65);
        let mut pick = |n: usize| (rng.next_u64() % n as u64) as usize;
        let (mut checked, mut named) = (0, 0);
        for _ in 0..3000 {
            // Words and separators, a word never right after a word.
            let mut statement = String::new();
            let mut after_word = false;
            for _ in 0..pick(12) {
                let word = !after_word && pick(2) == 0;
                let parts = if word { WORDS } else { SEPARATORS };
                statement.push_str(parts[pick(parts.len())]);
                after_word = word;
            }
            let db = DBS[pick(DBS.len())];
            let keys = table_keys(&statement, db).expect("ASCII");
            for key in &keys {
                assert!(
                    names_table(&statement, db, key),
                    "{key:?} listed for {statement:?} (db {db:?})"
                );
            }
            for name in names_of_pieces(&statement, db) {
                if !small(&name) {
                    // Only a quoted name can hold another word: its keys were checked above.
                    continue;
                }
                let accepted = names_table(&statement, db, &name);
                assert_eq!(
                    keys.contains(&name.to_ascii_lowercase()),
                    accepted,
                    "{name:?} in {statement:?} (db {db:?}): {keys:?}"
                );
                checked += 1;
                named += usize::from(accepted);
            }
        }
        // Many names checked, and a fair share of them named.
        assert!(checked > 100_000 && named > 2_000, "{named} of {checked}");
    }

    /// In SQL, a row's keys are its statement's and its TABLE object's; NULL when the
    /// statement is not ASCII; empty for a row that names nothing.
    #[tokio::test]
    async fn table_keys_in_sql_lists_a_rows_names_or_null() {
        use arrow::array::AsArray;
        let (_dir, engine) = crate::engine::tests::empty_engine().await;
        let batches = engine
            .sql(
                "SELECT table_keys(s, d, o) AS k FROM (VALUES \
                 ('SELECT * FROM customers JOIN billing.invoices', 'shop', NULL), \
                 (NULL, 'shop', 'Customers'), \
                 ('SELECT ''\u{e9}'' FROM customers', NULL, NULL), \
                 (NULL, NULL, NULL)) AS t(s, d, o)",
            )
            .await
            .unwrap();
        let mut rows: Vec<Option<Vec<String>>> = Vec::new();
        for batch in &batches {
            let lists = batch.column(0).as_list::<i32>();
            for i in 0..lists.len() {
                rows.push((!lists.is_null(i)).then(|| {
                    let keys = lists.value(i);
                    let keys = keys.as_string::<i32>();
                    keys.iter().map(|k| k.unwrap().to_string()).collect()
                }));
            }
        }
        let keys = |k: &[&str]| Some(k.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            rows,
            [
                keys(&[
                    "billing.invoices",
                    "shop.billing",
                    "shop.billing.invoices",
                    "shop.customers",
                    "shop.from",
                    "shop.join",
                    "shop.select",
                ]),
                keys(&["shop.customers"]),
                None,
                keys(&[]),
            ]
        );
    }

    #[test]
    fn a_statement_lists_its_qualified_bare_and_quoted_tables() {
        let keys = |s: &str, db: Option<&str>| {
            table_keys(s, db)
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            keys(
                "SELECT * FROM Shop.customers c JOIN `billing` . `invoices` i",
                None
            ),
            "billing.invoices shop.customers"
        );
        // Bare names are every identifier, with the connection's default database.
        assert_eq!(
            keys("select * from customers", Some("Shop")),
            "shop.customers shop.from shop.select"
        );
        // A table part may hold dots: each prefix of a dotted run.
        assert_eq!(
            keys("SELECT 1 FROM ledger.public.entries", None),
            "ledger.public ledger.public.entries"
        );
        // A name followed by a backtick is no name; one after a `.` or a backtick is
        // no start of one.
        assert_eq!(
            keys("SELECT * FROM customers`x`", Some("s")),
            "s.from s.select s.x"
        );
        assert_eq!(table_keys("SELECT * FROM \u{17f}hop.x", None), None);
        let row = |s, d, o| row_keys(s, d, o).map(|k| k.into_iter().collect::<Vec<_>>());
        assert_eq!(
            row(None, Some("Shop"), Some("Customers")),
            Some(vec!["shop.customers".to_string()])
        );
        assert_eq!(row(None, None, Some("t")), Some(vec![".t".to_string()]));
        assert_eq!(row(Some("SELECT 'é'"), None, Some("t")), None);
        for (name, keyed) in [
            ("shop.customers", true),
            ("ledger.public.entries", true),
            ("customers", false),
            ("shop.my-table", false),
            (".x", false),
            ("shop.x.", false),
        ] {
            assert_eq!(is_keyed(name), keyed, "{name}");
        }
    }
}
