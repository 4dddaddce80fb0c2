//! The stored table accesses: per table, session and UTC day, what the session did to
//! the table that day, the rows of `queries/access/table_accesses.sql` in
//! `table_access_index`.
//!
//! `who` a table over a week reads every db event of the week to find the few that
//! name it: at 100 M db events, 1.3–1.9 s of its 2.6–3.2, most of it decoding eleven
//! columns for rows that lie on every page. Stored per table, `who` over whole days
//! reads the entries of its table instead.
//!
//! Only the tables the lake's TABLE events name are keys (`tables` in the marker): a
//! statement's bare words are names too (`names_table` reads `customers` as
//! `shop.customers` while `shop` is the default database), and keying every word made
//! the index larger than the events (BENCHMARKS.md, twenty-seventh run). A name that is
//! not a key is answered from the events, as before.
//!
//! Current means: stored over the attribution the lake holds now (its marker, which
//! covers the session index, every input and the settings) by the SQL the binary holds
//! now. `_tagtrail/access_index.json` records that digest, written after the rows are
//! committed; a question whose digest differs reads the events.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::session_index::{read_marker, write_marker};
use super::{Lake, LakeError};
use crate::sources::ts_type;

/// Where the marker lives, relative to the lake root.
pub const MARKER: &str = "_tagtrail/access_index.json";

/// Schema of `table_access_index` (`queries/access/table_accesses.sql` documents the
/// columns).
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let list = |n: &str, t: DataType| Field::new(n, DataType::new_list(t, true), true);
        Arc::new(Schema::new(vec![
            Field::new("table_key", DataType::Utf8, true),
            Field::new("instance", DataType::Utf8, true),
            Field::new("connection_id", DataType::Int64, true),
            Field::new("session_seq", DataType::Int64, true),
            Field::new("first_seen", ts_type(), true),
            Field::new("last_seen", ts_type(), true),
            list("actions", DataType::Utf8),
            list("query_ids", DataType::Int64),
        ]))
    });
    SCHEMA.clone()
}

/// What `_tagtrail/access_index.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    /// Digest of the stored attribution's marker and the SQL that stored the accesses.
    pub fingerprint: String,
    /// The keys, in order: every table a TABLE event names, as `table_keys` lists it.
    pub tables: Vec<String>,
}

/// The fingerprint of accesses stored over the attribution `attribution` (its
/// marker's fingerprint) by `sql`.
pub fn fingerprint(attribution: &str, sql: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(attribution.as_bytes());
    hasher.update([0x1d]);
    hasher.update(sql.as_bytes());
    hex::encode(hasher.finalize())
}

/// The stored accesses' marker; `None` when there is none or it is unreadable.
pub fn stored_marker(lake: &Lake) -> Result<Option<Marker>, LakeError> {
    read_marker(lake, MARKER)
}

/// Records that the committed accesses are those `marker` describes.
pub fn store_marker(lake: &Lake, marker: &Marker) -> Result<(), LakeError> {
    write_marker(lake, MARKER, marker)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The attribution and the SQL both change the fingerprint, and moving text
    /// between them is another fingerprint.
    #[test]
    fn the_fingerprint_follows_the_attribution_and_the_sql() {
        let base = fingerprint("attribution", "sql");
        assert_eq!(base, fingerprint("attribution", "sql"));
        for other in [
            fingerprint("attribution 2", "sql"),
            fingerprint("attribution", "sql 2"),
            fingerprint("attributions", "ql"),
        ] {
            assert_ne!(other, base);
        }
    }
}
