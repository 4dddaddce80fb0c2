//! The session tag keys the lake has seen, for `lint policy` to compare
//! `${aws:PrincipalTag/…}` keys with what sessions actually carry.

use arrow::array::{Array, StringArray};

use crate::engine::{Engine, EngineError};

/// Distinct keys of `federated_sessions.principal_tags`, sorted.
pub async fn session_tag_keys(engine: &Engine) -> Result<Vec<String>, EngineError> {
    let batches = engine
        .sql(
            "SELECT DISTINCT k FROM (SELECT unnest(map_keys(principal_tags)) AS k FROM federated_sessions) t \
             WHERE k IS NOT NULL ORDER BY k",
        )
        .await?;
    let mut keys = Vec::new();
    for b in &batches {
        let col = b.column(0);
        let strings =
            arrow::compute::cast(col, &arrow::datatypes::DataType::Utf8).map_err(|e| {
                EngineError::DataFusion {
                    context: "reading session tag keys".into(),
                    source: e.into(),
                }
            })?;
        let strings = strings
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("cast to Utf8 gives a StringArray");
        keys.extend(
            (0..strings.len())
                .filter(|i| strings.is_valid(*i))
                .map(|i| strings.value(i).to_string()),
        );
    }
    Ok(keys)
}
