//! `db_events.words`: a 64-bit signature of the words of a row's statement and object,
//! so that a question about one table reads only the rows that could name it.
//!
//! `who shop.customers` asks of every row in its period whether it names the table: a
//! TABLE row by its `database.object`, any other by `names_table` over its statement.
//! At 100 M db events a week holds 33.6 M rows, 20.9 M statements and 11 M TABLE rows,
//! and decoding and comparing them was most of the question's time. A row can name
//! `customers` only if `customers` is one of its words, so the signature of its words,
//! stored at ingest, answers "certainly not" for nearly every other row by one AND of
//! two integers, and the scan decodes the names and statements of the rest alone.
//!
//! The format is fixed once written: a lake keeps signatures for good, and a changed
//! rule would make a question skip rows that do name its table. A different rule needs
//! a new column. (The first rule, of the statement alone, was `statement_words`: a
//! lake that holds it is read as one without signatures, every row searched.)
//!
//! - A word is a maximal run of ASCII letters, digits, `_` and `$`, compared lowercased:
//!   the runs `names_table` requires around a table name (its patterns need a character
//!   outside `[A-Za-z0-9_$]`, or the text's end, on both sides of the name). A TABLE
//!   row's object is compared whole with the name asked (`lower(concat(database, '.',
//!   object))`), so where the name's table part is one word, so is the object.
//! - Words that begin with a digit (numbers, mostly) and the SQL words of [`COMMON`] are
//!   left out: they are in most statements and would set most bits.
//! - Each other word sets two bits, `h % 64` and `(h >> 32) % 64`, of its 64-bit FNV-1a
//!   hash `h`.
//! - A text with any non-ASCII character gets every bit: Unicode case folding (`K`, the
//!   Kelvin sign, matches `k`) and Unicode word characters make its words differ from
//!   the pattern's.
//! - A row's signature is its statement's and its object's together; a row with
//!   neither (a connection, a disconnection) has no word, 0.

/// SQL words left out of signatures; a table named one of them gets no mask.
pub const COMMON: &[&str] = &[
    "and", "as", "by", "delete", "from", "group", "in", "insert", "into", "is", "join", "limit",
    "not", "null", "on", "or", "order", "select", "set", "update", "values", "where",
];

/// The signature of a statement's words (see the module documentation).
pub fn signature(statement: &str) -> i64 {
    if !statement.is_ascii() {
        return -1;
    }
    let bytes = statement.as_bytes();
    let mut bits = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        if !is_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word_byte(bytes[i]) {
            i += 1;
        }
        bits |= word_bits(&bytes[start..i]);
    }
    bits as i64
}

/// The signature stored for a row: its statement's words and its object's (a TABLE
/// row names its table in `object` alone; a pgaudit row may name a table its statement
/// reaches through a view).
pub fn of_row(statement: Option<&str>, object: Option<&str>) -> i64 {
    signature(statement.unwrap_or("")) | signature(object.unwrap_or(""))
}

/// The bits a statement naming the table `name` certainly holds, or `None` when no
/// statement can be ruled out by them (a name that is not one word of the signature's
/// rule, or a word it leaves out). Rows to search are those with `words & mask = mask`.
pub fn table_mask(name: &str) -> Option<i64> {
    let bytes = name.as_bytes();
    let one_word = !bytes.is_empty() && bytes.iter().all(|&b| is_word_byte(b));
    let bits = word_bits(bytes);
    (one_word && bits != 0).then_some(bits as i64)
}

/// A byte that continues an unquoted MySQL identifier: `\w` and `$` on ASCII, as
/// `names_table`'s patterns read them (also `engine::table_keys`).
pub(crate) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The two bits of one word, or none for a word the signature leaves out.
fn word_bits(word: &[u8]) -> u64 {
    if word.first().is_none_or(u8::is_ascii_digit) || is_common(word) {
        return 0;
    }
    // FNV-1a, 64 bits, over the lowercased bytes.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in word {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (1u64 << (h % 64)) | (1u64 << ((h >> 32) % 64))
}

fn is_common(word: &[u8]) -> bool {
    word.len() <= 6
        && COMMON
            .iter()
            .any(|c| c.as_bytes().eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::{of_row, signature, table_mask};
    use crate::engine::udf::names_table;

    fn may_name(statement: &str, table: &str) -> bool {
        let mask = table_mask(table).expect("a one-word table name");
        signature(statement) & mask == mask
    }

    /// Lakes keep signatures: these values are the format, and must never change.
    #[test]
    fn signatures_are_the_stored_format() {
        // Computed apart, by a few lines of Python over the rule above.
        assert_eq!(table_mask("customers"), Some(0x4000_0000_0002_0000));
        assert_eq!(table_mask("shop"), Some(0x0000_0000_0100_0200));
        assert_eq!(table_mask("CUSTOMERS"), table_mask("customers"));
        assert_eq!(
            signature("SELECT * FROM shop.customers WHERE id = 7"),
            0x4000_0000_0102_0281,
            "customers, shop and id"
        );
        assert_eq!(
            signature("SELECT 1"),
            0,
            "common words and numbers set no bit"
        );
        assert_eq!(signature(""), 0);
        assert_eq!(
            signature("SELECT * FROM clientes_ñ"),
            -1,
            "non-ASCII: every bit"
        );
    }

    #[test]
    fn names_that_are_not_one_word_of_the_rule_get_no_mask() {
        for name in [
            "",
            "my table",
            "my-table",
            "1st_orders",
            "42",
            "select",
            "ORDER",
            "café",
        ] {
            assert_eq!(table_mask(name), None, "{name:?}");
        }
        assert!(table_mask("orders").is_some());
        assert!(table_mask("t$1").is_some());
    }

    /// Every statement `names_table` matches holds its table's bits: the signature only
    /// ever rules out statements that do not name the table.
    #[test]
    fn every_statement_that_names_the_table_holds_its_bits() {
        let statements = [
            "SELECT * FROM shop.customers",
            "select * from SHOP.CUSTOMERS c",
            "SELECT * FROM `shop`.`customers`",
            "SELECT * FROM shop . customers",
            "SELECT * FROM `shop` . `customers` WHERE 1",
            "SELECT * FROM customers",
            "SELECT * FROM `customers`",
            "SELECT * FROM\tcustomers\nWHERE id=1",
            "UPDATE customers SET name='x'",
            "SELECT * FROM orders o JOIN customers c ON c.id=o.customer_id",
            "SELECT * FROM orders WHERE note = 'customers'",
            "customers",
            "SELECT (SELECT count(*) FROM customers)",
            "INSERT INTO customers(id) VALUES (1)",
            "SELECT * FROM shop.customers;",
            "DELETE FROM `customers` WHERE id=3",
            "SELECT*FROM`customers`WHERE id=1",
            "SELECT*FROM`shop`.`customers`",
        ];
        for stmt in statements {
            // Bare names count while `shop` is the connection's default database.
            assert!(
                names_table(stmt, Some("shop"), "shop.customers"),
                "{stmt:?}"
            );
            assert!(may_name(stmt, "customers"), "{stmt:?}");
        }
    }

    /// Every row whose `lower(concat(database, '.', object))` is the name asked holds the
    /// bits of the name's table part, as `who_rows.sql` compares it; rows with neither
    /// a statement nor an object have no word.
    #[test]
    fn every_row_whose_object_is_the_table_holds_its_bits() {
        let lower = |s: &str| s.to_lowercase();
        let rows = [
            (Some("shop"), "customers", "shop.customers"),
            (Some("SHOP"), "Customers", "shop.CUSTOMERS"),
            // concat() skips a null database.
            (None, "customers", ".customers"),
            // The Kelvin sign lowercases to `k`: non-ASCII objects get every bit.
            (Some("shop"), "\u{212A}iosk", "shop.kiosk"),
        ];
        for (database, object, name) in rows {
            let concat = format!("{}.{object}", database.unwrap_or(""));
            assert_eq!(lower(&concat), lower(name), "the comparison holds");
            let table = crate::engine::udf::split_object(name).1;
            let mask = table_mask(table).expect("a one-word table part");
            assert_eq!(of_row(None, Some(object)) & mask, mask, "{object:?}");
        }
        // A pgaudit row names its table in `object` (schema-qualified), whatever its
        // statement says (a view's name).
        let pg = of_row(Some("SELECT * FROM v_active"), Some("public.customers"));
        assert_eq!(
            pg & table_mask("customers").unwrap(),
            table_mask("customers").unwrap()
        );
        assert_eq!(of_row(None, None), 0);
        assert_eq!(of_row(Some(""), None), 0);
        assert_eq!(
            of_row(None, Some("orders")) & table_mask("customers").unwrap(),
            0
        );
    }

    /// The statements a week holds that do not name the table are ruled out, but for a
    /// hash collision; these are.
    #[test]
    fn statements_without_the_word_are_ruled_out() {
        let statements = [
            "SELECT * FROM shop.orders",
            "SELECT * FROM customers_archive",
            "SELECT * FROM shop.customers2",
            "SELECT * FROM xcustomers",
            "SELECT 1",
            "select @@version_comment limit 1",
        ];
        for stmt in statements {
            assert!(
                !names_table(stmt, Some("shop"), "shop.customers"),
                "{stmt:?}"
            );
            assert!(!may_name(stmt, "customers"), "{stmt:?}");
        }
    }
}
