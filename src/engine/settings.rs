//! The knobs of attribution, exposed to SQL as the one-row table
//! `attribution_settings` so the views read them and a user can see (and query with)
//! the values an answer was computed with.

use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributionSettings {
    /// Session-tag key naming the database user when no policy says which
    /// (`${aws:PrincipalTag/<Key>}` in an `rds-db:connect` resource).
    pub tag_key: String,
    /// Clock skew allowed around a federated session's window, in seconds: database
    /// servers and STS do not share a clock.
    pub skew_seconds: i64,
    /// How long before `AssumeRoleWithSAML` the Okta SSO to the AWS app may be, in seconds.
    pub mfa_window_seconds: i64,
}

impl Default for AttributionSettings {
    fn default() -> Self {
        AttributionSettings {
            tag_key: "Username".to_string(),
            skew_seconds: 300,
            mfa_window_seconds: 600,
        }
    }
}

impl AttributionSettings {
    /// The settings as one text, for the stored attribution's marker: attribution
    /// stored with other settings is not the answer to a question asked with these.
    pub(super) fn text(&self) -> String {
        // A tag key has no control characters (validate_tag_key).
        format!(
            "{}\u{1f}{}\u{1f}{}",
            self.tag_key, self.skew_seconds, self.mfa_window_seconds
        )
    }

    pub(super) fn table(&self) -> Result<MemTable, DataFusionError> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("tag_key", DataType::Utf8, false),
            Field::new("skew_seconds", DataType::Int64, false),
            Field::new("mfa_window_seconds", DataType::Int64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec![self.tag_key.as_str()])),
                Arc::new(Int64Array::from(vec![self.skew_seconds])),
                Arc::new(Int64Array::from(vec![self.mfa_window_seconds])),
            ],
        )?;
        MemTable::try_new(schema, vec![vec![batch]])
    }
}

/// IAM tag keys: 1–128 characters of letters, digits, spaces and `_.:/=+-@`.
pub fn validate_tag_key(key: &str) -> Result<String, String> {
    let ok = (1..=128).contains(&key.chars().count())
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || " _.:/=+-@".contains(c));
    if ok {
        Ok(key.to_string())
    } else {
        Err(format!(
            "{key:?} is not an IAM tag key (1–128 letters, digits, spaces and _.:/=+-@)"
        ))
    }
}

/// `300`, `300s`, `5m` or `1h` → seconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "s"),
    };
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a duration: write 300, 300s, 5m or 1h"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use s, m or h)")),
    };
    Ok(n * scale)
}
