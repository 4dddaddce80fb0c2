//! `--assertion` and `--policy` files: read with the SAML source's safe reader, the
//! lint rules and the policy analysis, located to `file:line` so the trace can point at
//! the line to fix.

use std::path::Path;

use arrow::array::{Array, StringArray};
use arrow::record_batch::RecordBatch;

use super::TraceError;
use super::facts::{Assertion, Grant, SamlAttribute};
use crate::lint::{self, line_col};
use crate::policy::{self, Effect};
use crate::sources::iam_policy;
use crate::sources::saml::{decode, xml};

/// Lint ids that mean an attribute name (or the XML around it) AWS will not read.
const NAME_LINTS: [&str; 4] = [
    "saml-xml-malformed",
    "saml-tag-namespace",
    "saml-attribute-name",
    "saml-tag-key",
];

/// Where an assertion goes: IAM Identity Center's audience/recipient is
/// `…/platform/saml/…`, direct IAM federation's is `signin.aws.amazon.com/saml`.
pub fn identity_center(target: &str, roles: &[String]) -> Option<bool> {
    if roles.iter().any(|r| r.contains("AWSReservedSSO_")) || target.contains("/platform/saml/") {
        Some(true)
    } else if target.contains("signin.aws.amazon.com/saml") || !roles.is_empty() {
        Some(false)
    } else {
        None
    }
}

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|at| line_col(text, at).0)
}

/// The session-tag attributes of every assertion in `path`, and the lint's complaints
/// about attribute names. An unreadable document still yields its lint diagnostics.
pub fn read_assertion(path: &Path, tag_key: &str) -> Result<Vec<Assertion>, TraceError> {
    let bytes = std::fs::read(path).map_err(|source| TraceError::File {
        path: path.display().to_string(),
        source,
    })?;
    let file = path.display().to_string();
    let rules = lint::saml::Rules::new(tag_key, ".*")?;
    let name_problems: Vec<(String, String, String)> = lint::saml::lint(&bytes, &rules)
        .into_iter()
        .filter(|d| NAME_LINTS.contains(&d.id))
        .map(|d| {
            (
                format!("{file}:{}:{}", d.line, d.col),
                d.id.to_string(),
                d.message,
            )
        })
        .collect();
    let parsed = decode::to_xml(&bytes).and_then(|text| xml::read(&text).map(|doc| (text, doc)));
    let Ok((text, doc)) = parsed else {
        return Ok(vec![Assertion {
            origin: file,
            name_problems,
            ..Assertion::default()
        }]);
    };
    let mut out = Vec::new();
    for (i, a) in doc.assertions.iter().enumerate() {
        let roles: Vec<String> = a
            .attributes
            .iter()
            .filter(|(n, _)| n.ends_with("/Attributes/Role"))
            .flat_map(|(_, v)| v.clone())
            .collect();
        let target = format!(
            "{} {}",
            a.audience.as_deref().unwrap_or(""),
            a.recipient.as_deref().unwrap_or("")
        );
        let attributes = a
            .attributes
            .iter()
            .filter(|(n, _)| n.contains("PrincipalTag:") || n.contains("AccessControl:"))
            .map(|(name, values)| SamlAttribute {
                name: name.clone(),
                values: values.clone(),
                at: format!(
                    "{file}:{}",
                    line_of(&text, &format!("Name=\"{name}\"")).unwrap_or(1)
                ),
            })
            .collect();
        out.push(Assertion {
            origin: file.clone(),
            name_id: a.name_id.clone(),
            to_identity_center: identity_center(&target, &roles),
            attributes,
            // The lint reads the whole file: its findings go with the first assertion.
            name_problems: if i == 0 {
                name_problems.clone()
            } else {
                Vec::new()
            },
        });
    }
    Ok(out)
}

/// The `rds-db:connect` Allow grants of a policy file, in any shape `ingest` reads.
pub fn read_policy(path: &Path) -> Result<Vec<Grant>, TraceError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| TraceError::File {
        path: file.clone(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut batches: Vec<RecordBatch> = Vec::new();
    let ctx = iam_policy::Context {
        source_uri: &file,
        observed_at: 0,
    };
    iam_policy::parse(&bytes, &ctx, &mut |_, batch| {
        batches.push(batch);
        Ok(())
    })
    .map_err(|e| TraceError::Policy {
        path: file.clone(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    for batch in &batches {
        let (Some(docs), Some(names)) =
            (strings(batch, "document"), strings(batch, "principal_name"))
        else {
            continue;
        };
        for row in (0..docs.len()).filter(|r| docs.is_valid(*r)) {
            let grants =
                policy::rds_connect_grants(docs.value(row)).map_err(|e| TraceError::Policy {
                    path: file.clone(),
                    message: e.to_string(),
                })?;
            for g in grants.into_iter().filter(|g| g.effect == Effect::Allow) {
                let line = line_of(&text, &g.resource)
                    .or_else(|| line_of(&text, &g.db_user_pattern))
                    .unwrap_or(1);
                out.push(Grant {
                    at: format!("{file}:{line}"),
                    principal: if names.is_valid(row) {
                        names.value(row).to_string()
                    } else {
                        String::new()
                    },
                    db_user_pattern: g.db_user_pattern,
                    kind: g.kind.name().to_string(),
                    tag_key: g.tag_key,
                });
            }
        }
    }
    Ok(out)
}

fn strings<'b>(batch: &'b RecordBatch, name: &str) -> Option<&'b StringArray> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
}
