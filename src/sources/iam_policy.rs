//! IAM policy files → `iam_policies`: the identity policies that say which database
//! users a role or permission set may connect as (read by `db_grants`).
//!
//! The shapes, told apart by their top-level keys:
//! - `aws iam get-role-policy` (`{"RoleName","PolicyName","PolicyDocument"}`), and its
//!   `get-user-policy` / `get-group-policy` siblings (`UserName` / `GroupName`);
//! - `aws iam get-account-authorization-details`: every inline policy of
//!   `RoleDetailList[].RolePolicyList[]` (likewise users and groups), and every managed
//!   policy of `AttachedManagedPolicies` whose default version is in `Policies[]` — one
//!   row per (principal, policy). Attached policies not in the file (AWS-managed ones
//!   unless the export included them) are counted as skipped;
//! - `aws sso-admin get-inline-policy-for-permission-set` (`{"InlinePolicy":"<json>"}`):
//!   the output does not name the permission set, so the file must be named
//!   `<PermissionSetName>.json` (or `permission-set-<PermissionSetName>.json`). An empty
//!   `InlinePolicy` means the set has none: skipped;
//! - a bare policy document (`{"Version","Statement"}`): the principal comes from the
//!   file name — `role-<RoleName>.json`, `permission-set-<Name>.json`,
//!   `user-<Name>.json`, `group-<Name>.json`, optionally with `__<PolicyName>` before
//!   `.json`; any other name gives principal_kind `unknown` and the file's stem as name.
//!
//! Permission-set inline policies are named [`PERMISSION_SET_POLICY`], the name Identity
//! Center gives the inline policy of the roles it provisions, so file rows and
//! CloudTrail rows of the same permission set supersede each other.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde_json::{Map, Value};

use super::columns::{Cell, RowBuilder};
use super::redact::scrub_json;
use super::{FileStats, Output, Reject, Sink, SourceError, ts_type};
use crate::policy;

/// `policy_name` of a permission set's inline policy.
pub const PERMISSION_SET_POLICY: &str = "AwsSSOInlinePolicy";

/// Schema of `iam_policies`: one row per (principal, policy document) in a policy file.
///
/// | column | type | meaning |
/// |---|---|---|
/// | principal_kind | utf8 | `role`, `permission_set`, `user`, `group`, or `unknown` (a bare document whose file name does not say) |
/// | principal_name | utf8 | role / permission set / user / group name |
/// | principal_arn | utf8 | the principal's ARN when the file gives it (authorization details), else null |
/// | account_id | utf8 | the account of `principal_arn`, else null |
/// | policy_name | utf8 | inline policy name, managed policy name, or `AwsSSOInlinePolicy` for a permission set |
/// | policy_arn | utf8 | the managed policy's ARN; null for inline policies |
/// | policy_type | utf8 | `inline` or `managed` |
/// | document | utf8 (JSON) | the policy document as compact JSON text (URL-encoded documents decoded) |
/// | observed_at | timestamp(us, UTC) | when the file was ingested: a file is a snapshot with no time of its own |
/// | origin | utf8 | `file` |
/// | source_uri | utf8 | the file the row came from |
/// | source_offset | int64 | 0-based index of the (principal, policy) pair in the file |
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        Arc::new(Schema::new(vec![
            s("principal_kind"),
            s("principal_name"),
            s("principal_arn"),
            s("account_id"),
            s("policy_name"),
            s("policy_arn"),
            s("policy_type"),
            s("document"),
            Field::new("observed_at", ts_type(), false),
            s("origin"),
            Field::new("source_uri", DataType::Utf8, false),
            Field::new("source_offset", DataType::Int64, false),
        ]))
    });
    SCHEMA.clone()
}

/// Whether the first bytes of a JSON file look like one of the policy shapes.
pub fn sniff(head: &[u8]) -> bool {
    const KEYS: &[&[u8]] = &[
        b"\"PolicyDocument\"",
        b"\"InlinePolicy\"",
        b"\"RoleDetailList\"",
        b"\"UserDetailList\"",
        b"\"GroupDetailList\"",
        b"\"Statement\"",
    ];
    let head = head.trim_ascii_start();
    head.starts_with(b"{") && KEYS.iter().any(|k| head.windows(k.len()).any(|w| w == *k))
}

/// Where a file came from and when it was read.
pub struct Context<'a> {
    pub source_uri: &'a str,
    /// Ingest time, µs since the epoch.
    pub observed_at: i64,
}

struct Principal<'a> {
    kind: &'a str,
    name: String,
    arn: Option<String>,
}

struct Rows<'c> {
    ctx: &'c Context<'c>,
    rows: RowBuilder,
    stats: FileStats,
    offset: i64,
}

impl Rows<'_> {
    /// One (principal, policy) pair; an unreadable document becomes a reject.
    fn push(
        &mut self,
        who: &Principal<'_>,
        policy_name: Option<&str>,
        policy_arn: Option<&str>,
        document: Option<&Value>,
    ) {
        let offset = self.offset;
        self.offset += 1;
        self.stats.records += 1;
        let document = match document {
            Some(Value::String(s)) => policy::parse(s).map_err(|e| e.to_string()),
            Some(v @ Value::Object(_)) => Ok(v.clone()),
            Some(other) => Err(format!("policy document is not a JSON object: {other}")),
            None => Err("no policy document".to_string()),
        };
        let document = match document {
            // Kept as compact JSON text. A policy holds no secret, but a condition value
            // can be made to hold one; the check reads no such value.
            Ok(mut d) => {
                scrub_json(&mut d);
                d.to_string()
            }
            Err(reason) => {
                let excerpt = format!("{} {} {}", who.kind, who.name, policy_name.unwrap_or(""));
                self.stats
                    .rejects
                    .push(Reject::new(offset, reason, &excerpt));
                return;
            }
        };
        let account = who.arn.as_deref().and_then(|a| a.split(':').nth(4));
        use Cell::{Int, Str, Time};
        self.rows.push(&[
            Str(Some(who.kind)),
            Str(Some(&who.name)),
            Str(who.arn.as_deref()),
            Str(account.filter(|a| !a.is_empty())),
            Str(policy_name),
            Str(policy_arn),
            Str(Some(if policy_arn.is_some() {
                "managed"
            } else {
                "inline"
            })),
            Str(Some(&document)),
            Time(Some(self.ctx.observed_at)),
            Str(Some("file")),
            Str(Some(self.ctx.source_uri)),
            Int(Some(offset)),
        ]);
        self.stats.kept += 1;
    }

    fn reject(&mut self, reason: impl Into<String>, raw: &Value) {
        self.stats.records += 1;
        let offset = self.offset;
        self.offset += 1;
        let raw = raw.to_string();
        self.stats.rejects.push(Reject::new(offset, reason, &raw));
    }

    fn skip(&mut self) {
        self.stats.records += 1;
        self.stats.skipped += 1;
        self.offset += 1;
    }
}

/// Decodes one policy file's bytes (already decompressed).
pub fn parse(
    bytes: &[u8],
    ctx: &Context<'_>,
    sink: &mut Sink<'_>,
) -> Result<FileStats, SourceError> {
    let root: Value = serde_json::from_slice(bytes)
        .map_err(|e| SourceError::NotIamPolicy(format!("not JSON: {e}")))?;
    let root = root
        .as_object()
        .ok_or_else(|| SourceError::NotIamPolicy("not a JSON object".into()))?;
    let mut rows = Rows {
        ctx,
        rows: RowBuilder::new(schema()),
        stats: FileStats::default(),
        offset: 0,
    };
    let s = |k: &str| root.get(k).and_then(Value::as_str).map(str::to_string);
    if root.contains_key("PolicyDocument") {
        let (kind, name) = match (s("RoleName"), s("UserName"), s("GroupName")) {
            (Some(n), _, _) => ("role", n),
            (_, Some(n), _) => ("user", n),
            (_, _, Some(n)) => ("group", n),
            _ => ("unknown", file_stem(ctx.source_uri).to_string()),
        };
        let who = Principal {
            kind,
            name,
            arn: None,
        };
        rows.push(
            &who,
            s("PolicyName").as_deref(),
            None,
            root.get("PolicyDocument"),
        );
    } else if [
        "RoleDetailList",
        "UserDetailList",
        "GroupDetailList",
        "Policies",
    ]
    .iter()
    .any(|k| root.contains_key(*k))
    {
        authorization_details(root, &mut rows);
    } else if let Some(inline) = root.get("InlinePolicy") {
        let name = file_stem(ctx.source_uri);
        let name = name.strip_prefix("permission-set-").unwrap_or(name);
        let who = Principal {
            kind: "permission_set",
            name: name.to_string(),
            arn: None,
        };
        if inline.as_str() == Some("") {
            rows.skip();
        } else {
            rows.push(&who, Some(PERMISSION_SET_POLICY), None, Some(inline));
        }
    } else if root.contains_key("Statement") {
        let (who, policy_name) = from_file_name(file_stem(ctx.source_uri));
        let doc = Value::Object(root.clone());
        rows.push(&who, Some(&policy_name), None, Some(&doc));
    } else {
        return Err(SourceError::NotIamPolicy(
            "none of PolicyDocument, RoleDetailList, InlinePolicy, Statement at the top level"
                .into(),
        ));
    }
    if !rows.rows.is_empty() {
        sink(Output::IamPolicies, rows.rows.finish()?)?;
    }
    Ok(rows.stats)
}

/// `get-account-authorization-details`: inline and attached managed policies of every
/// role, user and group in the file.
fn authorization_details(root: &Map<String, Value>, rows: &mut Rows<'_>) {
    // Managed policy ARN → (name, default version's document).
    let mut managed = std::collections::HashMap::new();
    for p in root
        .get("Policies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let arn = p.get("Arn").and_then(Value::as_str);
        let default = p.get("DefaultVersionId").and_then(Value::as_str);
        let doc = p
            .get("PolicyVersionList")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|v| {
                v.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true)
                    || (default.is_some() && v.get("VersionId").and_then(Value::as_str) == default)
            })
            .and_then(|v| v.get("Document"));
        if let Some(arn) = arn {
            let name = p.get("PolicyName").and_then(Value::as_str);
            managed.insert(arn.to_string(), (name, doc));
        }
    }
    let lists = [
        ("RoleDetailList", "role", "RoleName", "RolePolicyList"),
        ("UserDetailList", "user", "UserName", "UserPolicyList"),
        ("GroupDetailList", "group", "GroupName", "GroupPolicyList"),
    ];
    for (list, kind, name_key, inline_key) in lists {
        for entry in root
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = entry.get(name_key).and_then(Value::as_str) else {
                rows.reject(format!("{list} entry without {name_key}"), entry);
                continue;
            };
            let who = Principal {
                kind,
                name: name.to_string(),
                arn: entry.get("Arn").and_then(Value::as_str).map(str::to_string),
            };
            for p in entry
                .get(inline_key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let policy_name = p.get("PolicyName").and_then(Value::as_str);
                rows.push(&who, policy_name, None, p.get("PolicyDocument"));
            }
            let attached = match entry.get("AttachedManagedPolicies") {
                None | Some(Value::Null) => None,
                Some(Value::Array(items)) => Some(items),
                Some(other) => {
                    rows.reject(
                        format!("{name}: AttachedManagedPolicies is not a list"),
                        other,
                    );
                    None
                }
            };
            for p in attached.into_iter().flatten() {
                let arn = p.get("PolicyArn").and_then(Value::as_str);
                match arn.and_then(|a| managed.get(a)) {
                    Some((name, doc)) => {
                        let name = name.or_else(|| p.get("PolicyName").and_then(Value::as_str));
                        rows.push(&who, name, arn, *doc);
                    }
                    None => rows.skip(),
                }
            }
        }
    }
}

/// The principal a bare document's file name names; see the module documentation.
fn from_file_name(stem: &str) -> (Principal<'static>, String) {
    let prefixes = [
        ("permission-set-", "permission_set"),
        ("role-", "role"),
        ("user-", "user"),
        ("group-", "group"),
    ];
    for (prefix, kind) in prefixes {
        if let Some(rest) = stem.strip_prefix(prefix).filter(|r| !r.is_empty()) {
            let (name, policy) = match rest.split_once("__") {
                Some((n, p)) if !n.is_empty() && !p.is_empty() => (n, p.to_string()),
                _ if kind == "permission_set" => (rest, PERMISSION_SET_POLICY.to_string()),
                _ => (rest, stem.to_string()),
            };
            return (
                Principal {
                    kind,
                    name: name.to_string(),
                    arn: None,
                },
                policy,
            );
        }
    }
    (
        Principal {
            kind: "unknown",
            name: stem.to_string(),
            arn: None,
        },
        stem.to_string(),
    )
}

/// The file name without directories and `.json` (`.gz` too).
fn file_stem(uri: &str) -> &str {
    let name = uri.rsplit(['/', '\\']).next().unwrap_or(uri);
    let name = name.strip_suffix(".gz").unwrap_or(name);
    name.strip_suffix(".json").unwrap_or(name)
}

#[cfg(test)]
mod tests;
