//! The session index: the lake's database sessions, stored so that a question reads one
//! row per session instead of grouping every db event again, and the minutes with db
//! events (what `audit-gap` looks for silences in). `tagtrail ingest` (or
//! `tagtrail index`) computes it with the views `db_session_spans`, `db_session_facts`
//! and `db_event_minutes` and stores their rows in `session_spans_index`,
//! `session_facts_index` and `event_minutes_index`; the engine reads those tables in
//! place of the views while they are current.
//!
//! Current means: computed from the db events the lake holds now, by the SQL the binary
//! holds now. `_tagtrail/session_index.json` records the [`fingerprint`] of both, and is
//! written only after the index's parts are committed, so an interrupted index leaves a
//! marker that no longer matches and questions compute the views as before.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, Int64Array, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::manifest::string_column;
use super::{INGEST_MANIFEST, Lake, LakeError, read};
use crate::sources::{SourceKind, ts_type};

/// Where the marker lives, relative to the lake root.
pub const MARKER: &str = "_tagtrail/session_index.json";

/// The ingest kinds whose files fill `db_events`: only their runs change the sessions.
const DB_KINDS: [SourceKind; 3] = [
    SourceKind::MysqlAudit,
    SourceKind::PgStderr,
    SourceKind::PgCsvlog,
];

/// Schema of `session_spans_index`: the rows of the view `db_session_spans`
/// (`queries/views/db_session_spans.sql` documents the columns).
pub fn spans_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            Field::new("instance", DataType::Utf8, true),
            Field::new("connection_id", DataType::Int64, true),
            Field::new("session_seq", DataType::Int64, true),
            Field::new("session_start", ts_type(), true),
            Field::new("open_time", ts_type(), true),
            Field::new("open_uri", DataType::Utf8, true),
            Field::new("open_offset", DataType::Int64, true),
            Field::new("next_time", ts_type(), true),
            Field::new("next_uri", DataType::Utf8, true),
            Field::new("next_offset", DataType::Int64, true),
        ]))
    });
    SCHEMA.clone()
}

/// Schema of `session_facts_index`: the rows of the view `db_session_facts`
/// (`queries/views/db_session_facts.sql`; the columns are db_sessions').
pub fn facts_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        let t = |n: &str| Field::new(n, ts_type(), true);
        let b = |n: &str| Field::new(n, DataType::Boolean, true);
        let i = |n: &str| Field::new(n, DataType::Int64, true);
        Arc::new(Schema::new(vec![
            s("instance"),
            i("connection_id"),
            i("session_seq"),
            t("session_start"),
            s("engine"),
            t("connect_time"),
            t("disconnect_time"),
            t("last_event_time"),
            s("db_user"),
            s("client_host"),
            Field::new("client_port", DataType::Int32, true),
            s("initial_database"),
            s("application_name"),
            b("connect_seen"),
            b("success"),
            Field::new("failure_code", DataType::Int32, true),
            s("failure_sql_state"),
            s("failure_reason"),
            s("log_auth_method"),
            b("ssl"),
            i("statement_count"),
        ]))
    });
    SCHEMA.clone()
}

/// Schema of `event_minutes_index`: the rows of the view `db_event_minutes`
/// (`queries/views/db_event_minutes.sql` documents the columns).
pub fn minutes_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            Field::new("instance", DataType::Utf8, true),
            Field::new("minute", ts_type(), true),
            Field::new("first_time", ts_type(), true),
            Field::new("last_time", ts_type(), true),
            Field::new("events", DataType::Int64, true),
            Field::new("first_uri", DataType::Utf8, true),
            Field::new("first_offset", DataType::Int64, true),
            Field::new("last_uri", DataType::Utf8, true),
            Field::new("last_offset", DataType::Int64, true),
        ]))
    });
    SCHEMA.clone()
}

/// What `_tagtrail/session_index.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    /// [`fingerprint`] of the lake the index was computed for.
    pub fingerprint: String,
    /// Digest of the views' text it was computed by; absent in a marker written before
    /// the index could be updated (such an index is built again in full).
    #[serde(default)]
    pub sql: Option<String>,
    /// The database-log inputs it holds the sessions of ([`inputs`]): an ingest that
    /// only adds inputs lets the index compute again only the connections they touch.
    #[serde(default)]
    pub inputs: Vec<String>,
}

impl Marker {
    /// The marker of an index computed by `sql` over the lake's `inputs` now.
    pub fn new(sql: &str, inputs: Vec<String>) -> Marker {
        Marker {
            fingerprint: fingerprint_of(sql, &inputs),
            sql: Some(sql_digest(sql)),
            inputs,
        }
    }

    /// The `source_uri` of the inputs `now` holds beyond those this marker's index was
    /// computed for, when the index can be brought up to date by computing their
    /// connections again: computed by the same views, over inputs `now` still holds
    /// (the lake only ever gains rows). `None` when it must be built again in full,
    /// and when the new inputs kept more records than the old ones: computing their
    /// connections would then cost more than computing the lake's.
    pub fn added_uris(&self, now: &Marker) -> Option<Vec<String>> {
        if self.sql.is_none() || self.sql != now.sql || self.inputs.is_empty() {
            return None;
        }
        let held: HashSet<&str> = now.inputs.iter().map(String::as_str).collect();
        if !self.inputs.iter().all(|i| held.contains(i.as_str())) {
            return None;
        }
        let before: HashSet<&str> = self.inputs.iter().map(String::as_str).collect();
        let added: Vec<&String> = now
            .inputs
            .iter()
            .filter(|i| !before.contains(i.as_str()))
            .collect();
        let kept = |inputs: &mut dyn Iterator<Item = &String>| -> u64 {
            inputs
                .map(|i| input_field(i, KEPT).parse::<u64>().ok())
                .map(Option::unwrap_or_default)
                .sum()
        };
        if kept(&mut added.iter().copied()) > kept(&mut self.inputs.iter()) {
            return None;
        }
        let mut uris: Vec<String> = added
            .iter()
            .map(|i| input_field(i, SOURCE_URI).to_string())
            .collect();
        uris.sort_unstable();
        uris.dedup();
        Some(uris)
    }
}

/// Separates the fields of an input in [`inputs`].
const FIELD: char = '\u{1f}';

/// The fields of an input, in order: `source_uri`, `sha256`, `kind`, `status`, `kept`,
/// `ingested_at`.
const INPUT_FIELDS: usize = 6;
const SOURCE_URI: usize = 0;
const KIND: usize = 2;
const KEPT: usize = 4;

/// Field `i` of an input ([`all_inputs`]), read from the row's end: the fields after
/// the `source_uri` are tagtrail's own, while the `source_uri` is a file or key name,
/// which may hold any character, [`FIELD`] too. Every input row has the six fields
/// ([`all_inputs`] writes them, and markers keep them as written).
fn input_field(row: &str, i: usize) -> &str {
    row.rsplitn(INPUT_FIELDS, FIELD)
        .nth(INPUT_FIELDS - 1 - i)
        .unwrap_or_default()
}

fn sql_digest(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// A digest of what the sessions are computed from: `sql` (the views' text, from the
/// caller) and every ingest-manifest row of a database-log file ([`inputs`]). An ingest
/// of database logs adds rows and changes it; one of CloudTrail or inventory does not,
/// and compaction, which moves rows between parts, does not either.
pub fn fingerprint(lake: &Lake, sql: &str) -> Result<String, LakeError> {
    Ok(fingerprint_of(sql, &inputs(lake)?))
}

/// [`fingerprint`] of the database-log `inputs` ([`db_inputs`]) the caller read.
pub fn fingerprint_of(sql: &str, inputs: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(sql.as_bytes());
    for row in inputs {
        hasher.update([0x1e]);
        hasher.update(row.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Every ingest-manifest row of a database-log file (which file, which content, which
/// run, with what result), as text that starts with its `source_uri`, sorted.
pub fn inputs(lake: &Lake) -> Result<Vec<String>, LakeError> {
    Ok(db_inputs(&all_inputs(lake)?))
}

/// The rows of `all` ([`all_inputs`]) of a database-log file, in the same order: what
/// [`inputs`] reads, from rows the caller already holds.
pub fn db_inputs(all: &[String]) -> Vec<String> {
    let kinds: Vec<&str> = DB_KINDS.iter().map(|k| k.name()).collect();
    all.iter()
        .filter(|row| kinds.contains(&input_field(row, KIND)))
        .cloned()
        .collect()
}

/// Every ingest-manifest row, of every kind, as [`inputs`] writes them: what the
/// stored attribution ([`super::attribution_index`]) is computed from beside the
/// sessions (CloudTrail, Okta, policies, inventory, SAML).
pub fn all_inputs(lake: &Lake) -> Result<Vec<String>, LakeError> {
    let mut rows = Vec::new();
    for batch in read::table_columns(
        lake,
        &INGEST_MANIFEST,
        &[
            "source_uri",
            "sha256",
            "kind",
            "status",
            "kept",
            "ingested_at",
        ],
    )? {
        let (uri, sha, kind, status) = (
            string_column(&batch, 0)?,
            string_column(&batch, 1)?,
            string_column(&batch, 2)?,
            string_column(&batch, 3)?,
        );
        let kept = batch.column(4).as_any().downcast_ref::<Int64Array>();
        let at = batch
            .column(5)
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>();
        let (Some(kept), Some(at)) = (kept, at) else {
            return Err(LakeError::Arrow(arrow::error::ArrowError::SchemaError(
                "ingest_manifest: kept or ingested_at has an unexpected type".into(),
            )));
        };
        for i in 0..batch.num_rows() {
            if kind.is_null(i) {
                continue;
            }
            rows.push(format!(
                "{}{FIELD}{}{FIELD}{}{FIELD}{}{FIELD}{}{FIELD}{}",
                uri.value(i),
                sha.value(i),
                kind.value(i),
                status.value(i),
                kept.value(i),
                at.value(i)
            ));
        }
    }
    rows.sort_unstable();
    Ok(rows)
}

/// The stored index's marker; `None` when there is none (or it is unreadable: the index
/// is then not trusted, and built again in full by the next ingest).
pub fn stored_marker(lake: &Lake) -> Result<Option<Marker>, LakeError> {
    read_marker(lake, MARKER)
}

/// Records that the committed index is the one `marker` describes.
pub fn store_marker(lake: &Lake, marker: &Marker) -> Result<(), LakeError> {
    write_marker(lake, MARKER, marker)
}

/// The JSON marker at `path` (relative to the lake root); `None` when there is none or
/// it is unreadable, so that what it describes is not trusted.
pub(super) fn read_marker<T: serde::de::DeserializeOwned>(
    lake: &Lake,
    path: &str,
) -> Result<Option<T>, LakeError> {
    Ok(lake
        .storage()
        .read(path)?
        .and_then(|bytes| serde_json::from_slice::<T>(&bytes).ok()))
}

/// Writes `marker` at `path` as JSON, replacing the old one in one step.
pub(super) fn write_marker<T: Serialize>(
    lake: &Lake,
    path: &str,
    marker: &T,
) -> Result<(), LakeError> {
    let mut bytes = serde_json::to_vec_pretty(marker).expect("serializable");
    bytes.push(b'\n');
    lake.storage().write_atomic(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An input as [`inputs`] writes it, keeping `kept` records.
    fn input(uri: &str, kept: u64) -> String {
        format!("{uri}{FIELD}sha{FIELD}mysql-audit{FIELD}ok{FIELD}{kept}{FIELD}1")
    }

    /// A database-log file whose name holds the field separator is still a
    /// database-log input, whole, with its own kept count (its fields read from the
    /// row's end), and a CloudTrail file's row is not one whatever its name holds.
    #[test]
    fn regression_db_inputs_read_the_kind_past_a_separator_in_the_file_name() {
        let odd = input("s3://b/audit\u{1f}x\u{1f}mysql-audit.log", 3);
        let trail = format!(
            "s3://b/t\u{1f}x\u{1f}mysql-audit{FIELD}sha{FIELD}cloudtrail{FIELD}ok{FIELD}1{FIELD}1"
        );
        let plain = input("s3://b/server_audit.log", 5);
        let all = vec![odd.clone(), trail, plain.clone()];
        assert_eq!(db_inputs(&all), vec![odd.clone(), plain]);
        assert_eq!(
            input_field(&odd, SOURCE_URI),
            "s3://b/audit\u{1f}x\u{1f}mysql-audit.log"
        );
        assert_eq!(input_field(&odd, KIND), "mysql-audit");
        assert_eq!(input_field(&odd, KEPT), "3");
    }

    /// The index is updated only from a marker that lists its inputs, made by the same
    /// views, whose inputs the lake still holds, and when the new inputs kept no more
    /// records than the old ones; otherwise it is built again in full.
    #[test]
    fn only_an_index_of_some_of_the_inputs_by_the_same_views_is_updated() {
        let old = Marker::new("views", vec![input("a", 100), input("b", 50)]);
        let more = vec![
            input("a", 100),
            input("b", 50),
            input("c", 60),
            input("c", 0),
        ];
        let now = Marker::new("views", more.clone());
        assert_eq!(old.added_uris(&now), Some(vec!["c".to_string()]));
        assert_eq!(old.added_uris(&old), Some(vec![]));
        assert_eq!(old.added_uris(&Marker::new("other views", more)), None);
        let without_b = Marker::new("views", vec![input("a", 100), input("c", 60)]);
        assert_eq!(old.added_uris(&without_b), None);
        let doubled = vec![input("a", 100), input("b", 50), input("c", 151)];
        assert_eq!(old.added_uris(&Marker::new("views", doubled)), None);
        let unlisted = Marker {
            sql: None,
            inputs: Vec::new(),
            ..old.clone()
        };
        assert_eq!(unlisted.added_uris(&now), None);
        let empty = Marker::new("views", Vec::new());
        assert_eq!(empty.added_uris(&now), None);
    }
}
