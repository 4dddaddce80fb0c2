//! IAM policy documents → the `rds-db:connect` grants they make: which database users a
//! role or permission set may log in as, and whether that login names one person.
//!
//! Pure functions over text, no I/O, so the same rules serve policy files and the
//! documents CloudTrail records (through the `rds_connect_grants` SQL function).
//!
//! The rules, as IAM evaluates identity policies:
//! - A statement applies to `rds-db:connect` when one of its `Action` patterns matches
//!   it (`rds-db:connect`, `rds-db:*`, `*`, `RDS-DB:Connect`, `rds-db:conn*`: action
//!   names and their `*`/`?` wildcards match case-insensitively), or when it has a
//!   `NotAction` none of whose patterns matches it (such grants are marked `not_action`).
//! - Each `Resource` that can name a database user
//!   (`arn:<partition>:rds-db:<region>:<account>:dbuser:<DbiResourceId|cluster-…|prx-…|*>/<db-user>`,
//!   or a wildcard covering such ARNs, `*` included) is one grant. A statement with
//!   `NotResource` applies to every resource it does not list; rather than compute that
//!   set difference, it becomes one grant over everything (`*`), marked `not_resource`,
//!   with the excluded list kept in `resource` — an over-estimate, which is the safe
//!   side for "who may connect" (a `Deny` marked so is advisory).
//! - The database-user part decides the kind: exactly `${aws:PrincipalTag/<Key>}` is
//!   `per_person` (the user is the caller's session tag, so the login names one person)
//!   with `tag_key` = `<Key>` exactly as written. IAM compares tag keys
//!   case-insensitively (`${aws:PrincipalTag/username}` reads the tag `Username`), so
//!   joins on `tag_key` must be case-insensitive too (`principal_tag()` does that). A
//!   user part with `*` or `?`, or with a policy variable plus literal text, another
//!   variable (`${aws:username}`), or a variable with a default
//!   (`${aws:PrincipalTag/U, 'x'}`: the default is a shared fallback) is `wildcard`.
//!   Anything else is `literal`: one fixed account that everyone holding the role
//!   shares. `${*}`, `${?}` and `${$}` are IAM's escapes for the literal characters.
//! - `Condition` is not evaluated; its presence and JSON text are reported.

use serde_json::{Map, Value};

mod resources;
pub use resources::{ConnectResource, rds_connect_resources};

/// Why a document could not be read as an IAM policy. IAM itself rejects such
/// documents, so these come from truncated or hand-edited evidence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy document is not JSON: {0}")]
    NotJson(String),
    #[error("policy document is not a JSON object")]
    NotObject,
    #[error("policy document has no Statement")]
    NoStatement,
    #[error("Statement {index}: {reason}")]
    BadStatement { index: usize, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn name(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    /// The database user is the caller's `${aws:PrincipalTag/<Key>}`: one person each.
    PerPerson,
    /// The statement covers a range of database users (`*`, `?`, variables with text).
    Wildcard,
    /// One fixed database user, shared by everyone who can get the role.
    Literal,
}

impl GrantKind {
    pub fn name(self) -> &'static str {
        match self {
            GrantKind::PerPerson => "per_person",
            GrantKind::Wildcard => "wildcard",
            GrantKind::Literal => "literal",
        }
    }
}

/// One (statement, resource) that allows or denies `rds-db:connect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub effect: Effect,
    /// 0-based position of the statement in the document.
    pub statement: usize,
    pub sid: Option<String>,
    /// The `Resource` entry as written; for `NotResource`, the excluded list as JSON.
    pub resource: String,
    pub region: String,
    pub account_id: String,
    /// `DbiResourceId`, `cluster-…`, `prx-…` or a wildcard.
    pub db_resource_id: String,
    /// The database-user part as written (variables unexpanded).
    pub db_user_pattern: String,
    pub kind: GrantKind,
    /// For `per_person`: the tag key, in the case the policy writes it.
    pub tag_key: Option<String>,
    /// The statement's `Condition` as JSON text, when it has one.
    pub condition: Option<String>,
    pub not_action: bool,
    pub not_resource: bool,
}

const CONNECT: &str = "rds-db:connect";

/// The document as compact JSON text (key order kept), so that two copies of one
/// policy compare equal whatever their whitespace or encoding.
pub fn normalize(document: &str) -> Result<String, PolicyError> {
    Ok(parse(document)?.to_string())
}

/// The document as JSON (key order kept). API responses URL-encode documents
/// (`%7B%22Version…`); those are decoded first.
pub fn parse(document: &str) -> Result<Value, PolicyError> {
    let text = document.trim();
    let decoded;
    let text = if text.starts_with("%7B") || text.starts_with("%7b") {
        decoded = percent_decode(text)?;
        decoded.as_str()
    } else {
        text
    };
    serde_json::from_str(text).map_err(|e| PolicyError::NotJson(e.to_string()))
}

fn percent_decode(text: &str) -> Result<String, PolicyError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| PolicyError::NotJson(format!("bad URL escape at byte {i}")))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|e| PolicyError::NotJson(e.to_string()))
}

/// The `rds-db:connect` grants of a policy document, in statement and resource order.
pub fn rds_connect_grants(document: &str) -> Result<Vec<Grant>, PolicyError> {
    let doc = parse(document)?;
    let doc = doc.as_object().ok_or(PolicyError::NotObject)?;
    let statements = match doc.get("Statement") {
        None | Some(Value::Null) => return Err(PolicyError::NoStatement),
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(one) => vec![one],
    };
    let mut grants = Vec::new();
    for (index, st) in statements.into_iter().enumerate() {
        let bad = |reason: &str| PolicyError::BadStatement {
            index,
            reason: reason.to_string(),
        };
        let st = st.as_object().ok_or_else(|| bad("not a JSON object"))?;
        statement(st, index, &mut grants).map_err(|r| bad(&r))?;
    }
    Ok(grants)
}

fn statement(st: &Map<String, Value>, index: usize, out: &mut Vec<Grant>) -> Result<(), String> {
    let effect = match st.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(other) => return Err(format!("Effect must be \"Allow\" or \"Deny\", not {other}")),
        None => return Err("no Effect".into()),
    };
    let (actions, not_action) = one_of(st, "Action", "NotAction")?;
    let (resources, not_resource) = one_of(st, "Resource", "NotResource")?;
    let matches_connect = actions.iter().any(|a| glob(a, CONNECT, true));
    if matches_connect == not_action {
        return Ok(());
    }
    let condition = match st.get("Condition") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) if m.is_empty() => None,
        Some(c @ Value::Object(_)) => Some(c.to_string()),
        Some(_) => return Err("Condition must be a JSON object".into()),
    };
    let sid = st.get("Sid").and_then(Value::as_str).map(str::to_string);
    let grant = |resource: String, target: Target| {
        let (kind, tag_key) = user_kind(&target.db_user);
        Grant {
            effect,
            statement: index,
            sid: sid.clone(),
            resource,
            region: target.region,
            account_id: target.account_id,
            db_resource_id: target.db_resource_id,
            db_user_pattern: target.db_user,
            kind,
            tag_key,
            condition: condition.clone(),
            not_action,
            not_resource,
        }
    };
    if not_resource {
        if !resources.iter().any(|r| r == "*") {
            let listed = Value::from(resources.clone()).to_string();
            out.push(grant(listed, Target::everything()));
        }
        return Ok(());
    }
    for r in resources {
        if let Some(target) = target(&r) {
            out.push(grant(r, target));
        }
    }
    Ok(())
}

/// The value of `key` or of its negated form (exactly one must be present), as a list.
fn one_of(
    st: &Map<String, Value>,
    key: &str,
    not_key: &str,
) -> Result<(Vec<String>, bool), String> {
    let (value, negated) = match (st.get(key), st.get(not_key)) {
        (Some(v), None) => (v, false),
        (None, Some(v)) => (v, true),
        (Some(_), Some(_)) => return Err(format!("both {key} and {not_key}")),
        (None, None) => return Err(format!("neither {key} nor {not_key}")),
    };
    let name = if negated { not_key } else { key };
    let list = match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{name} entries must be strings, not {v}"))
            })
            .collect::<Result<_, _>>()?,
        other => return Err(format!("{name} must be a string or a list, not {other}")),
    };
    Ok((list, negated))
}

/// The parts of a database-user ARN a resource pattern covers.
struct Target {
    region: String,
    account_id: String,
    db_resource_id: String,
    db_user: String,
}

impl Target {
    fn everything() -> Self {
        Target {
            region: "*".into(),
            account_id: "*".into(),
            db_resource_id: "*".into(),
            db_user: "*".into(),
        }
    }
}

/// What database users a `Resource` entry can name; `None` when it names none
/// (another service's ARN, a malformed ARN).
fn target(resource: &str) -> Option<Target> {
    if resource == "*" {
        return Some(Target::everything());
    }
    let parts = split_arn(resource);
    if parts.len() < 6 {
        // `arn:aws:rds-db:*`: a wildcard spanning the remaining fields.
        return (resource.contains('*') && could_be_rds_db(literal_prefix(resource)))
            .then(Target::everything);
    }
    let [arn, _partition, service, region, account, rest] =
        [parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]];
    if arn != "arn" || !glob(service, "rds-db", false) {
        return None;
    }
    let (id, user) = if let Some(rest) = rest.strip_prefix("dbuser:") {
        match rest.split_once('/') {
            Some((id, user)) => (id.to_string(), user.to_string()),
            // `dbuser:*` (or `dbuser:db-*`): the `*` also spans the `/<user>` part.
            None if rest.contains('*') => (rest.to_string(), "*".to_string()),
            None => return None,
        }
    } else if (rest.contains('*') || rest.contains('?'))
        && "dbuser:".starts_with(literal_prefix(rest))
    {
        ("*".to_string(), "*".to_string())
    } else {
        return None;
    };
    Some(Target {
        region: region.to_string(),
        account_id: account.to_string(),
        db_resource_id: id,
        db_user: user,
    })
}

/// Whether an ARN's text before a spanning `*` is compatible with `arn:<aws…>:rds-db:`.
fn could_be_rds_db(prefix: &str) -> bool {
    let fields: Vec<&str> = prefix.split(':').collect();
    let (last, whole) = fields
        .split_last()
        .expect("split yields one field at least");
    let fits = |i: usize, f: &str, complete: bool| match i {
        0 => {
            if complete {
                f == "arn"
            } else {
                "arn".starts_with(f)
            }
        }
        1 => f.starts_with("aws") || "aws".starts_with(f),
        2 => {
            if complete {
                f == "rds-db"
            } else {
                "rds-db".starts_with(f)
            }
        }
        _ => true,
    };
    whole.iter().enumerate().all(|(i, f)| fits(i, f, true)) && fits(whole.len(), last, false)
}

/// The text before the first wildcard.
fn literal_prefix(s: &str) -> &str {
    s.find(['*', '?']).map_or(s, |i| &s[..i])
}

/// Splits an ARN into at most six fields on `:`, but not inside `${…}` (policy
/// variables such as `${aws:PrincipalAccount}` contain colons).
pub(crate) fn split_arn(s: &str) -> Vec<&str> {
    let mut parts = Vec::with_capacity(6);
    let (mut depth, mut start) = (0usize, 0usize);
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'$' if bytes.get(i + 1) == Some(&b'{') => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 && parts.len() < 5 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Classifies the database-user part of a resource; see the module documentation.
fn user_kind(user: &str) -> (GrantKind, Option<String>) {
    if let Some(inner) = user.strip_prefix("${").and_then(|u| u.strip_suffix('}'))
        && !inner.contains(['{', '}', '$'])
    {
        const TAG: &str = "aws:PrincipalTag/";
        let key = inner
            .get(..TAG.len())
            .filter(|p| p.eq_ignore_ascii_case(TAG))
            .map(|_| &inner[TAG.len()..]);
        return match key {
            Some(k) if !k.is_empty() && !k.contains(',') => {
                (GrantKind::PerPerson, Some(k.to_string()))
            }
            _ if matches!(inner, "*" | "?" | "$") => (GrantKind::Literal, None),
            _ => (GrantKind::Wildcard, None),
        };
    }
    let plain = user
        .replace("${*}", "")
        .replace("${?}", "")
        .replace("${$}", "");
    if plain.contains(['*', '?']) || plain.contains("${") {
        (GrantKind::Wildcard, None)
    } else {
        (GrantKind::Literal, None)
    }
}

/// IAM wildcard match: `*` any run of characters, `?` any one character.
fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let norm = |s: &str| -> Vec<char> {
        if ignore_case {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (p, t) = (norm(pattern), norm(text));
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests;
