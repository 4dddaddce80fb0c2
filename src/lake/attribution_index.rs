//! The stored attribution: every session of the session index with the person behind
//! it, the rows of the view `attributed_sessions` in `session_attribution_index`.
//!
//! A question about a few rows (`who` a table) needs the attribution of a few sessions,
//! but computing it reads every federated session, Okta sign-on and policy of the lake:
//! at 100 M db events that was 1.2 s of `who`'s 3.4. Stored, the engine reads the
//! rows of the sessions asked about instead.
//!
//! Current means: computed over the session index the lake holds now (its
//! [`session_index::fingerprint`]), from every input the lake holds now (any ingest,
//! of CloudTrail, Okta, policies, inventory or SAML as well as of database logs,
//! changes the attribution), by the SQL the binary holds now and with the attribution
//! settings the question asks with (`--tag-key`, `--skew`). `_tagtrail/attribution_index.json`
//! records the digest of all four, written only after the rows are committed; an engine
//! whose digest differs computes the attribution as before.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::session_index::{self, facts_schema};
use super::{Lake, LakeError};

/// Where the marker lives, relative to the lake root.
pub const MARKER: &str = "_tagtrail/attribution_index.json";

/// Schema of `session_attribution_index`: the rows of the view `attributed_sessions`
/// (`queries/views/attributed_sessions.sql` documents the columns), the session's own
/// columns first, as in `session_facts_index` but for the authentication method, which
/// `db_sessions` resolves from the log or the inventory.
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        let list = |n: &str| Field::new_list(n, Field::new_list_field(DataType::Utf8, true), true);
        let mut fields: Vec<Field> = facts_schema()
            .fields()
            .iter()
            .map(|f| match f.name().as_str() {
                "log_auth_method" => s("auth_method"),
                _ => f.as_ref().clone(),
            })
            .collect();
        fields.extend([
            s("attribution"),
            s("confidence"),
            s("person"),
            s("person_key"),
            s("on_behalf_of_user_id"),
            list("candidates"),
            list("federation_event_ids"),
            s("federation_event_id"),
            s("tag_key"),
            s("tag_key_source"),
            s("mfa_status"),
            s("mfa_evidence"),
            s("reason"),
            list("case_mismatch"),
            Field::new("inventory_iam", DataType::Boolean, true),
        ]);
        Arc::new(Schema::new(fields))
    });
    SCHEMA.clone()
}

/// What `_tagtrail/attribution_index.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    /// Digest of the session index, the inputs, the views' text and the settings.
    pub fingerprint: String,
}

impl Marker {
    /// The marker of attribution computed over the session index `index` (its
    /// fingerprint) by `sql` with `settings` (their text), over the lake's `inputs`
    /// ([`session_index::all_inputs`]).
    pub fn new(index: &str, sql: &str, settings: &str, inputs: &[String]) -> Marker {
        let mut hasher = Sha256::new();
        for part in [index, sql, settings] {
            hasher.update(part.as_bytes());
            hasher.update([0x1d]);
        }
        for row in inputs {
            hasher.update([0x1e]);
            hasher.update(row.as_bytes());
        }
        Marker {
            fingerprint: hex::encode(hasher.finalize()),
        }
    }

    /// The marker for the lake now: its session index computed by `index_sql`, its
    /// attribution by `sql` with `settings`. The ingest manifest is read once, for
    /// both digests.
    pub fn of_lake(
        lake: &Lake,
        index_sql: &str,
        sql: &str,
        settings: &str,
    ) -> Result<Marker, LakeError> {
        let inputs = session_index::all_inputs(lake)?;
        let db_inputs = session_index::db_inputs(&inputs);
        let index = session_index::fingerprint_of(index_sql, &db_inputs);
        Ok(Marker::new(&index, sql, settings, &inputs))
    }
}

/// The stored attribution's marker; `None` when there is none or it is unreadable (the
/// attribution is then computed, and stored again by the next ingest).
pub fn stored_marker(lake: &Lake) -> Result<Option<Marker>, LakeError> {
    session_index::read_marker(lake, MARKER)
}

/// Records that the committed attribution is the one `marker` describes.
pub fn store_marker(lake: &Lake, marker: &Marker) -> Result<(), LakeError> {
    session_index::write_marker(lake, MARKER, marker)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each of the four things the attribution is computed from changes the marker.
    #[test]
    fn the_marker_follows_the_index_the_views_the_settings_and_every_input() {
        let inputs = vec!["cloudtrail.json.gz".to_string()];
        let base = Marker::new("index", "views", "Username 300 600", &inputs);
        assert_eq!(
            base,
            Marker::new("index", "views", "Username 300 600", &inputs)
        );
        let more = vec![inputs[0].clone(), "okta.json".to_string()];
        for other in [
            Marker::new("index 2", "views", "Username 300 600", &inputs),
            Marker::new("index", "views 2", "Username 300 600", &inputs),
            Marker::new("index", "views", "Login 300 600", &inputs),
            Marker::new("index", "views", "Username 300 600", &more),
            // The parts are separated: moving text between them is another marker.
            Marker::new("indexviews", "", "Username 300 600", &inputs),
        ] {
            assert_ne!(other, base);
        }
    }
}
