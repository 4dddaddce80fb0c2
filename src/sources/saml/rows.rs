//! Assertions → `saml_assertions` columns: the AWS attributes picked out by name, every
//! attribute kept as JSON.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Int64Array, ListBuilder, MapBuilder, StringArray, StringBuilder,
    TimestampMicrosecondArray,
};
use arrow::record_batch::RecordBatch;

use super::xml::{Assertion, Document};
use crate::sources::redact::scrub_named;
use crate::sources::timefmt::{Micros, in_range, parse_iso};

const AWS: &str = "https://aws.amazon.com/SAML/Attributes/";

struct Row {
    strings: [Option<String>; 11],
    issue_instant: Micros,
    authn_instant: Option<Micros>,
    not_on_or_after: Option<Micros>,
    roles: Vec<String>,
    role_session_name: Option<String>,
    source_identity: Option<String>,
    session_duration: Option<i64>,
    transitive_tag_keys: Vec<String>,
    principal_tags: Vec<(String, String)>,
    access_control: Vec<(String, String)>,
    amr: Vec<String>,
    attributes: String,
    signed: bool,
    source_uri: String,
    source_offset: i64,
}

// Indexes into `Row::strings`, in schema order.
const ASSERTION_ID: usize = 0;
const RESPONSE_ID: usize = 1;
const ISSUER: usize = 2;
const NAME_ID: usize = 3;
const NAME_ID_FORMAT: usize = 4;
const NAME_QUALIFIER: usize = 5;
const SP_NAME_QUALIFIER: usize = 6;
const AUDIENCE: usize = 7;
const RECIPIENT: usize = 8;
const CLASS_REF: usize = 9;
const SESSION_INDEX: usize = 10;

/// A document's rows; a document is at most 1 MiB, so they are few and built at once.
#[derive(Default)]
pub struct Rows {
    rows: Vec<Row>,
}

fn is_amr(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "amr" || n == "session.amr" || n.ends_with("/claims/authnmethodsreferences")
}

fn time(v: &Option<String>) -> Option<Micros> {
    v.as_deref().and_then(parse_iso)
}

impl Rows {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn push(
        &mut self,
        doc: &Document,
        a: &Assertion,
        source_uri: &str,
        offset: i64,
    ) -> Result<(), String> {
        if a.encrypted {
            return Err(
                "encrypted assertion: cannot be read without the service provider's key".into(),
            );
        }
        let id = a.id.clone().ok_or("assertion has no ID")?;
        let issue_instant = match &a.issue_instant {
            None => return Err("assertion has no IssueInstant".into()),
            Some(s) => parse_iso(s)
                .ok_or_else(|| format!("IssueInstant `{s}` is not a timestamp"))
                .and_then(in_range)?,
        };
        // An IdP can be made to send anything as an attribute, a token included.
        let attributes: Vec<(String, Vec<String>)> = a
            .attributes
            .iter()
            .map(|(n, vals)| {
                let clean = vals.iter().map(|v| scrub_named(n, v).into_owned());
                (n.clone(), clean.collect())
            })
            .collect();
        let values = |name: &str| -> Vec<String> {
            attributes
                .iter()
                .filter(|(n, _)| n == name)
                .flat_map(|(_, v)| v.iter().cloned())
                .collect()
        };
        let single = |suffix: &str| values(&format!("{AWS}{suffix}")).into_iter().next();
        let tags = |prefix: &str| -> Vec<(String, String)> {
            let prefix = format!("{AWS}{prefix}");
            attributes
                .iter()
                .filter_map(|(n, v)| {
                    let key = n.strip_prefix(&prefix)?;
                    Some((key.to_string(), v.first().cloned().unwrap_or_default()))
                })
                .collect()
        };
        let mut all = serde_json::Map::new();
        for (name, vals) in &attributes {
            let entry = all
                .entry(name.clone())
                .or_insert_with(|| serde_json::Value::Array(vec![]));
            if let serde_json::Value::Array(list) = entry {
                list.extend(vals.iter().cloned().map(serde_json::Value::String));
            }
        }
        let mut strings: [Option<String>; 11] = Default::default();
        strings[ASSERTION_ID] = Some(id);
        strings[RESPONSE_ID] = doc.response_id.clone();
        strings[ISSUER] = a.issuer.clone().or_else(|| doc.response_issuer.clone());
        strings[NAME_ID] = a.name_id.clone();
        strings[NAME_ID_FORMAT] = a.name_id_format.clone();
        strings[NAME_QUALIFIER] = a.name_qualifier.clone();
        strings[SP_NAME_QUALIFIER] = a.sp_name_qualifier.clone();
        strings[AUDIENCE] = a.audience.clone();
        strings[RECIPIENT] = a.recipient.clone();
        strings[CLASS_REF] = a.authn_context_class_ref.clone();
        strings[SESSION_INDEX] = a.session_index.clone();
        self.rows.push(Row {
            strings,
            issue_instant,
            authn_instant: time(&a.authn_instant),
            not_on_or_after: time(&a.confirmation_not_on_or_after)
                .or_else(|| time(&a.conditions_not_on_or_after)),
            roles: values(&format!("{AWS}Role")),
            role_session_name: single("RoleSessionName"),
            source_identity: single("SourceIdentity"),
            session_duration: single("SessionDuration").and_then(|s| s.trim().parse().ok()),
            transitive_tag_keys: values(&format!("{AWS}TransitiveTagKeys")),
            principal_tags: tags("PrincipalTag:"),
            access_control: tags("AccessControl:"),
            amr: attributes
                .iter()
                .filter(|(n, _)| is_amr(n))
                .flat_map(|(_, v)| v.iter().cloned())
                .collect(),
            attributes: serde_json::Value::Object(all).to_string(),
            signed: a.signed || doc.response_signed,
            source_uri: source_uri.to_string(),
            source_offset: offset,
        });
        Ok(())
    }

    pub fn finish(&mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        let rows = std::mem::take(&mut self.rows);
        let s = |i: usize| -> ArrayRef {
            Arc::new(StringArray::from_iter(
                rows.iter().map(|r| r.strings[i].as_deref()),
            ))
        };
        let ts = |v: Vec<Option<Micros>>| -> ArrayRef {
            Arc::new(TimestampMicrosecondArray::from(v).with_timezone("UTC"))
        };
        let list = |get: &dyn Fn(&Row) -> &Vec<String>| -> ArrayRef {
            let mut b = ListBuilder::new(StringBuilder::new());
            for r in &rows {
                for v in get(r) {
                    b.values().append_value(v);
                }
                b.append(true);
            }
            Arc::new(b.finish())
        };
        let map = |get: &dyn Fn(&Row) -> &Vec<(String, String)>| -> Result<ArrayRef, arrow::error::ArrowError> {
            let mut b = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
            for r in &rows {
                for (k, v) in get(r) {
                    b.keys().append_value(k);
                    b.values().append_value(v);
                }
                b.append(true)?;
            }
            Ok(Arc::new(b.finish()))
        };
        let cols: Vec<ArrayRef> = vec![
            s(ASSERTION_ID),
            s(RESPONSE_ID),
            ts(rows.iter().map(|r| Some(r.issue_instant)).collect()),
            ts(rows.iter().map(|r| r.authn_instant).collect()),
            s(ISSUER),
            s(NAME_ID),
            s(NAME_ID_FORMAT),
            s(NAME_QUALIFIER),
            s(SP_NAME_QUALIFIER),
            s(AUDIENCE),
            s(RECIPIENT),
            ts(rows.iter().map(|r| r.not_on_or_after).collect()),
            s(CLASS_REF),
            s(SESSION_INDEX),
            list(&|r| &r.roles),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|r| r.role_session_name.as_deref()),
            )),
            Arc::new(Int64Array::from_iter(
                rows.iter().map(|r| r.session_duration),
            )),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|r| r.source_identity.as_deref()),
            )),
            list(&|r| &r.transitive_tag_keys),
            map(&|r| &r.principal_tags)?,
            map(&|r| &r.access_control)?,
            list(&|r| &r.amr),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.attributes.as_str()),
            )),
            Arc::new(BooleanArray::from_iter(rows.iter().map(|r| Some(r.signed)))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.source_uri.as_str()),
            )),
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|r| r.source_offset),
            )),
        ];
        RecordBatch::try_new(super::schema(), cols)
    }
}
