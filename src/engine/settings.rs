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
