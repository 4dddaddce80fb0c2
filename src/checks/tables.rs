//! The configuration as SQL tables, so a check's query reads its thresholds and
//! vocabulary like any other data, and a user can `SELECT` them to see what a run used:
//!
//! - `check_settings` (one row): `convention`, `failed_auth_burst_count`,
//!   `failed_auth_burst_minutes`, `audit_gap_minutes`, `cloudtrail_gap_hours`;
//! - `tag_vocabulary(tag_key, value)`: the allowed values per key;
//! - `required_tag_keys(tag_key)`: the keys every federated session must carry.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

use super::CheckConfig;

fn text_table(columns: &[(&str, Vec<&str>)]) -> Result<MemTable, DataFusionError> {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, _)| Field::new(*name, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = columns
        .iter()
        .map(|(_, values)| Arc::new(StringArray::from(values.clone())) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    MemTable::try_new(schema, vec![vec![batch]])
}

/// Registers the three tables; `db_user_key` is the attribution tag key, the default
/// required key.
pub fn register(
    ctx: &SessionContext,
    config: &CheckConfig,
    db_user_key: &str,
) -> Result<(), DataFusionError> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("convention", DataType::Utf8, false),
        Field::new("failed_auth_burst_count", DataType::Int64, false),
        Field::new("failed_auth_burst_minutes", DataType::Int64, false),
        Field::new("audit_gap_minutes", DataType::Int64, false),
        Field::new("cloudtrail_gap_hours", DataType::Int64, false),
    ]));
    let settings = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec![config.convention.as_str()])),
            Arc::new(Int64Array::from(vec![config.failed_auth_burst_count])),
            Arc::new(Int64Array::from(vec![config.failed_auth_burst_minutes])),
            Arc::new(Int64Array::from(vec![config.audit_gap_minutes])),
            Arc::new(Int64Array::from(vec![config.cloudtrail_gap_hours])),
        ],
    )?;
    ctx.register_table(
        "check_settings",
        Arc::new(MemTable::try_new(schema, vec![vec![settings]])?),
    )?;
    let (keys, values): (Vec<&str>, Vec<&str>) = config
        .vocabulary
        .iter()
        .flat_map(|(k, vs)| vs.iter().map(move |v| (k.as_str(), v.as_str())))
        .unzip();
    ctx.register_table(
        "tag_vocabulary",
        Arc::new(text_table(&[("tag_key", keys), ("value", values)])?),
    )?;
    let required = config.required_keys_or(db_user_key);
    ctx.register_table(
        "required_tag_keys",
        Arc::new(text_table(&[(
            "tag_key",
            required.iter().map(String::as_str).collect(),
        )])?),
    )?;
    Ok(())
}
