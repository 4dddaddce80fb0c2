//! Every `Resource` of the statements that apply to `rds-db:connect`, as written —
//! including those [`super::rds_connect_grants`] drops because they can name no
//! database user (`arn:aws:rds:…`, `dbuser/…`): the mistakes `tagtrail lint` reports.

use serde_json::Value;

use super::{CONNECT, Effect, PolicyError, glob, one_of, parse};

/// One `Resource` entry of a statement that applies to `rds-db:connect`; for
/// `NotResource`, the excluded list as JSON, as in [`super::Grant::resource`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectResource {
    /// 0-based position of the statement in the document.
    pub statement: usize,
    pub effect: Effect,
    pub resource: String,
    pub not_action: bool,
    pub not_resource: bool,
    /// Every `Action` is an `rds-db:` one, so every resource is meant to name
    /// database users (with `*` or other services' actions, some may not).
    pub rds_db_only: bool,
}

pub fn rds_connect_resources(document: &str) -> Result<Vec<ConnectResource>, PolicyError> {
    let doc = parse(document)?;
    let doc = doc.as_object().ok_or(PolicyError::NotObject)?;
    let statements = match doc.get("Statement") {
        None | Some(Value::Null) => return Err(PolicyError::NoStatement),
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(one) => vec![one],
    };
    let mut out = Vec::new();
    for (index, st) in statements.into_iter().enumerate() {
        let bad = |reason: String| PolicyError::BadStatement { index, reason };
        let st = st
            .as_object()
            .ok_or_else(|| bad("not a JSON object".into()))?;
        let effect = match st.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => return Err(bad("Effect must be \"Allow\" or \"Deny\"".into())),
        };
        let (actions, not_action) = one_of(st, "Action", "NotAction").map_err(bad)?;
        let (resources, not_resource) = one_of(st, "Resource", "NotResource").map_err(bad)?;
        if actions.iter().any(|a| glob(a, CONNECT, true)) == not_action {
            continue;
        }
        let rds_db_only = !not_action
            && actions.iter().all(|a| {
                a.get(..7)
                    .is_some_and(|p| p.eq_ignore_ascii_case("rds-db:"))
            });
        let entries = if not_resource {
            vec![Value::from(resources).to_string()]
        } else {
            resources
        };
        out.extend(entries.into_iter().map(|resource| ConnectResource {
            statement: index,
            effect,
            resource,
            not_action,
            not_resource,
            rds_db_only,
        }));
    }
    Ok(out)
}
