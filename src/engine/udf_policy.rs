//! SQL functions over IAM policy documents, so policy files and the documents CloudTrail
//! records go through the same Rust rules ([`crate::policy`]):
//!
//! - `rds_connect_grants(document)`: the `rds-db:connect` grants, a list of structs
//!   (fields in [`grant_fields`]); NULL when the document is NULL or unreadable.
//! - `policy_document_error(document)`: why a document is unreadable, else NULL.
//! - `normalize_policy_document(document)`: compact JSON text (URL-encoded documents
//!   decoded); the input unchanged when it is not JSON, so the evidence stays visible.
//! - `json_string_at(json, key, …)`: the value at a key path of a JSON text — a string
//!   as itself, anything else as JSON text, NULL when absent — for the JSON columns of
//!   `cloudtrail_events` (`json_string_at(request_parameters, 'policyDocument')`).

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Int32Array, ListArray, StringArray, StructArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::exec_err;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};

use super::udf::{is_string, to_utf8};
use crate::policy::{self, Grant};

pub fn all() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(Grants::new()),
        ScalarUDF::from(Text::new("policy_document_error", |d| {
            policy::rds_connect_grants(d).err().map(|e| e.to_string())
        })),
        ScalarUDF::from(Text::new("normalize_policy_document", |d| {
            Some(policy::normalize(d).unwrap_or_else(|_| d.to_string()))
        })),
        ScalarUDF::from(JsonStringAt::new()),
    ]
}

/// The struct fields of one `rds_connect_grants` element (see [`policy::Grant`]).
pub fn grant_fields() -> Fields {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let b = |n: &str| Field::new(n, DataType::Boolean, true);
    Fields::from(vec![
        s("effect"),
        Field::new("statement", DataType::Int32, true),
        s("sid"),
        s("resource"),
        s("region"),
        s("account_id"),
        s("db_resource_id"),
        s("db_user_pattern"),
        s("grant_kind"),
        s("tag_key"),
        b("has_condition"),
        s("condition"),
        b("not_action"),
        b("not_resource"),
    ])
}

fn list_type() -> DataType {
    DataType::List(Arc::new(Field::new(
        "item",
        DataType::Struct(grant_fields()),
        true,
    )))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Grants {
    signature: Signature,
}

impl Grants {
    fn new() -> Self {
        Grants {
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Grants {
    fn name(&self) -> &str {
        "rds_connect_grants"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args {
            [t] if is_string(t) || t.is_null() => Ok(list_type()),
            _ => exec_err!("rds_connect_grants(document) expects a string, got {args:?}"),
        }
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let docs = to_utf8(&arrays[0])?;
        let mut grants: Vec<Grant> = Vec::new();
        let mut offsets = vec![0i32];
        let mut valid = Vec::with_capacity(docs.len());
        for row in 0..docs.len() {
            let parsed = (!docs.is_null(row))
                .then(|| policy::rds_connect_grants(docs.value(row)))
                .and_then(|r| r.ok());
            valid.push(parsed.is_some());
            grants.extend(parsed.unwrap_or_default());
            offsets.push(i32::try_from(grants.len()).map_err(|_| {
                datafusion::error::DataFusionError::Execution(
                    "rds_connect_grants: too many grants in one batch".into(),
                )
            })?);
        }
        let values = grants_array(&grants)?;
        let list = ListArray::try_new(
            Arc::new(Field::new("item", DataType::Struct(grant_fields()), true)),
            OffsetBuffer::new(offsets.into()),
            Arc::new(values),
            Some(NullBuffer::from(valid)),
        )?;
        Ok(ColumnarValue::Array(Arc::new(list)))
    }
}

fn grants_array(grants: &[Grant]) -> Result<StructArray> {
    let s = |f: &dyn Fn(&Grant) -> Option<&str>| -> ArrayRef {
        Arc::new(grants.iter().map(f).collect::<StringArray>())
    };
    let b = |f: &dyn Fn(&Grant) -> bool| -> ArrayRef {
        Arc::new(grants.iter().map(|g| Some(f(g))).collect::<BooleanArray>())
    };
    let columns: Vec<ArrayRef> = vec![
        s(&|g| Some(g.effect.name())),
        Arc::new(
            grants
                .iter()
                .map(|g| i32::try_from(g.statement).ok())
                .collect::<Int32Array>(),
        ),
        s(&|g| g.sid.as_deref()),
        s(&|g| Some(&g.resource)),
        s(&|g| Some(&g.region)),
        s(&|g| Some(&g.account_id)),
        s(&|g| Some(&g.db_resource_id)),
        s(&|g| Some(&g.db_user_pattern)),
        s(&|g| Some(g.kind.name())),
        s(&|g| g.tag_key.as_deref()),
        b(&|g| g.condition.is_some()),
        s(&|g| g.condition.as_deref()),
        b(&|g| g.not_action),
        b(&|g| g.not_resource),
    ];
    Ok(StructArray::try_new(grant_fields(), columns, None)?)
}

/// A string → string function of one argument; NULL in, NULL out.
struct Text {
    name: &'static str,
    f: fn(&str) -> Option<String>,
    signature: Signature,
}

impl Text {
    fn new(name: &'static str, f: fn(&str) -> Option<String>) -> Self {
        Text {
            name,
            f,
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Text {}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for Text {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args {
            [t] if is_string(t) || t.is_null() => Ok(DataType::Utf8),
            _ => exec_err!("{}(document) expects a string, got {args:?}", self.name),
        }
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let docs = to_utf8(&arrays[0])?;
        let out: StringArray = (0..docs.len())
            .map(|row| {
                if docs.is_null(row) {
                    None
                } else {
                    (self.f)(docs.value(row))
                }
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonStringAt {
    signature: Signature,
}

impl JsonStringAt {
    fn new() -> Self {
        JsonStringAt {
            signature: Signature::new(TypeSignature::VariadicAny, Volatility::Immutable),
        }
    }
}

/// The value at `path` in a JSON text; see the module documentation.
pub fn json_string_at(json: &str, path: &[&str]) -> Option<String> {
    let mut v: serde_json::Value = serde_json::from_str(json).ok()?;
    for key in path {
        v = match v {
            serde_json::Value::Object(mut m) => m.remove(*key)?,
            _ => return None,
        };
    }
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

impl ScalarUDFImpl for JsonStringAt {
    fn name(&self) -> &str {
        "json_string_at"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        if args.len() >= 2 && args.iter().all(|t| is_string(t) || t.is_null()) {
            Ok(DataType::Utf8)
        } else {
            exec_err!("json_string_at(json, key, ...) expects strings, got {args:?}")
        }
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let columns = arrays.iter().map(to_utf8).collect::<Result<Vec<_>>>()?;
        let out: StringArray = (0..args.number_rows)
            .map(|row| {
                if columns.iter().any(|c| c.is_null(row)) {
                    return None;
                }
                let path: Vec<&str> = columns[1..].iter().map(|c| c.value(row)).collect();
                json_string_at(columns[0].value(row), &path)
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::json_string_at;

    #[test]
    fn json_string_at_paths() {
        let j =
            r#"{"permissionSet":{"name":"DbAnalyst","n":3},"inlinePolicy":"{\"a\":1}","z":null}"#;
        assert_eq!(
            json_string_at(j, &["permissionSet", "name"]).as_deref(),
            Some("DbAnalyst")
        );
        assert_eq!(
            json_string_at(j, &["permissionSet", "n"]).as_deref(),
            Some("3")
        );
        assert_eq!(
            json_string_at(j, &["inlinePolicy"]).as_deref(),
            Some("{\"a\":1}")
        );
        assert_eq!(json_string_at(j, &["z"]), None);
        assert_eq!(json_string_at(j, &["missing", "x"]), None);
        assert_eq!(json_string_at("not json", &["a"]), None);
    }
}
