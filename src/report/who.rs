//! The answer to "who accessed this table?": one row per (person, db user, instance,
//! attribution). The JSON field names and order are a contract users' scripts rely on.

use std::io::Write;

use arrow::array::RecordBatch;
use serde::Serialize;

use super::{Format, cell_text, json_value, write_rows};

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
    /// The weakest of the row's sessions: `high`, `medium`, `low` or `none`.
    pub confidence: String,
    /// The weakest of the row's sessions: `verified`, `unknown`, `absent`; null unless exact.
    pub mfa_status: Option<String>,
    /// Every person who could have opened the sessions, when ambiguous; else empty.
    pub candidates: Vec<String>,
    /// What the answer rests on (`--explain`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// Why a row says what it says: enough for a responder to find the records again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub sessions: i64,
    pub client_hosts: Vec<String>,
    /// The AssumeRoleWithSAML events (CloudTrail eventID) behind the sessions.
    pub federation_event_ids: Vec<String>,
    /// How each session was attributed, or why not.
    pub reasons: Vec<String>,
    pub mfa_evidence: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("unexpected shape of the who query result: {0}")]
pub struct ShapeError(String);

/// Converts the rows of `queries/who.sql`; `explain` keeps the evidence columns.
pub fn rows(batches: &[RecordBatch], explain: bool) -> Result<Vec<WhoRow>, ShapeError> {
    let mut out = Vec::new();
    for b in batches {
        let col = |name: &str| {
            b.column_by_name(name)
                .map(|c| c.as_ref())
                .ok_or_else(|| ShapeError(format!("no column {name}")))
        };
        let text = |name: &str, r: usize| -> Result<Option<String>, ShapeError> {
            let c = col(name)?;
            Ok((!c.is_null(r)).then(|| cell_text(c, r)))
        };
        let list = |name: &str, r: usize| -> Result<Vec<String>, ShapeError> {
            Ok(match json_value(col(name)?, r) {
                serde_json::Value::Array(items) => items
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            })
        };
        let number = |name: &str, r: usize| -> Result<i64, ShapeError> {
            cell_text(col(name)?, r)
                .parse()
                .map_err(|_| ShapeError(format!("{name} is not a number")))
        };
        for r in 0..b.num_rows() {
            let attribution = text("attribution", r)?.unwrap_or_default();
            let evidence = if explain {
                Some(Evidence {
                    sessions: number("sessions", r)?,
                    client_hosts: list("client_hosts", r)?,
                    federation_event_ids: list("federation_event_ids", r)?,
                    reasons: list("reasons", r)?,
                    mfa_evidence: list("mfa_evidence", r)?,
                })
            } else {
                None
            };
            out.push(WhoRow {
                person: text("person", r)?,
                db_user: text("db_user", r)?.unwrap_or_default(),
                instance: text("instance", r)?.unwrap_or_default(),
                object: text("object", r)?.unwrap_or_default(),
                operations: list("operations", r)?,
                first_seen: text("first_seen", r)?.unwrap_or_default(),
                last_seen: text("last_seen", r)?.unwrap_or_default(),
                statements: number("statements", r)?,
                confidence: text("confidence", r)?.unwrap_or_default(),
                mfa_status: text("mfa_status", r)?,
                candidates: if attribution == "ambiguous" {
                    list("candidates", r)?
                } else {
                    Vec::new()
                },
                attribution,
                evidence,
            });
        }
    }
    Ok(out)
}

pub fn write(out: &mut dyn Write, rows: &[WhoRow], format: Format) -> std::io::Result<()> {
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, rows)?;
        return writeln!(out);
    }
    let explain = rows.iter().any(|r| r.evidence.is_some());
    let mut headers = HEADERS.to_vec();
    if explain {
        headers.extend(EVIDENCE_HEADERS);
    }
    let cells: Vec<Vec<String>> = rows.iter().map(fields).collect();
    write_rows(out, &headers, &cells, format)
}

const HEADERS: [&str; 12] = [
    "person",
    "db_user",
    "instance",
    "object",
    "operations",
    "first_seen",
    "last_seen",
    "statements",
    "attribution",
    "confidence",
    "mfa_status",
    "candidates",
];

const EVIDENCE_HEADERS: [&str; 5] = [
    "sessions",
    "client_hosts",
    "federation_event_ids",
    "reasons",
    "mfa_evidence",
];

fn fields(r: &WhoRow) -> Vec<String> {
    let mut cells = vec![
        r.person.clone().unwrap_or_default(),
        r.db_user.clone(),
        r.instance.clone(),
        r.object.clone(),
        r.operations.join(", "),
        r.first_seen.clone(),
        r.last_seen.clone(),
        r.statements.to_string(),
        r.attribution.clone(),
        r.confidence.clone(),
        r.mfa_status.clone().unwrap_or_default(),
        r.candidates.join(", "),
    ];
    if let Some(e) = &r.evidence {
        cells.extend([
            e.sessions.to_string(),
            e.client_hosts.join(", "),
            e.federation_event_ids.join(", "),
            e.reasons.join("; "),
            e.mfa_evidence.join("; "),
        ]);
    }
    cells
}
