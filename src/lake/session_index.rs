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

#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    fingerprint: String,
}

/// A digest of what the sessions are computed from: `sql` (the views' text, from the
/// caller) and every ingest-manifest row of a database-log file (which file, which
/// content, which run, with what result), in a fixed order. An ingest of database logs
/// adds rows and changes it; one of CloudTrail or inventory does not, and compaction,
/// which moves rows between parts, does not either.
pub fn fingerprint(lake: &Lake, sql: &str) -> Result<String, LakeError> {
    let kinds: Vec<&str> = DB_KINDS.iter().map(|k| k.name()).collect();
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
            if kind.is_null(i) || !kinds.contains(&kind.value(i)) {
                continue;
            }
            rows.push(format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
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
    let mut hasher = Sha256::new();
    hasher.update(sql.as_bytes());
    for row in &rows {
        hasher.update([0x1e]);
        hasher.update(row.as_bytes());
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The fingerprint the stored index was computed for; `None` when there is none (or the
/// marker is unreadable: the index is then not trusted, and rebuilt by the next ingest).
pub fn stored_fingerprint(lake: &Lake) -> Result<Option<String>, LakeError> {
    Ok(lake
        .storage()
        .read(MARKER)?
        .and_then(|bytes| serde_json::from_slice::<Marker>(&bytes).ok())
        .map(|m| m.fingerprint))
}

/// Records that the committed index is the one for `fingerprint`.
pub fn store_fingerprint(lake: &Lake, fingerprint: &str) -> Result<(), LakeError> {
    let marker = Marker {
        fingerprint: fingerprint.to_string(),
    };
    let mut bytes = serde_json::to_vec_pretty(&marker).expect("serializable");
    bytes.push(b'\n');
    lake.storage().write_atomic(MARKER, bytes)
}
