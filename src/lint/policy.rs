//! `tagtrail lint policy`: IAM and permission-set policy files checked for how they
//! grant `rds-db:connect` — the shapes `sources::iam_policy` ingests, read by the same
//! code, and the grants `policy::rds_connect_grants` finds in them.
//!
//! | id | severity | what |
//! |---|---|---|
//! | `policy-input` | error | not UTF-8, or JSON of none of the policy file shapes |
//! | `policy-json-malformed` | error | not JSON (at the parser's line:col) |
//! | `policy-document` | error | a policy document IAM itself would reject (no Statement, bad Effect, …) |
//! | `policy-resource-arn` | error | an `rds-db:connect` resource that can never match a database user: `rds:` for `rds-db:`, `dbuser/` for `dbuser:`, an instance name where the DbiResourceId belongs, a bad region or account |
//! | `policy-wildcard-user` | error | an Allow for a range of database users (`*`, `analyst_*`, `Resource: "*"`, `NotResource`, a tag variable with a default) |
//! | `policy-literal-user` | warning | an Allow for one fixed database user: everyone with the role shares it |
//! | `policy-tag-key-case` | warning | `${aws:PrincipalTag/…}` spelled in another case than the configured tag key or the keys sessions carry |
//! | `policy-tag-key-unknown` | warning | a tag key no federated session in the lake carries |
//!
//! Positions: policy documents are parsed (and may be JSON strings inside JSON), so a
//! value is found again by searching the file's text for it.

mod arn;

use arrow::array::{Array, StringArray};
use arrow::record_batch::RecordBatch;

use super::position::Locator;
use super::{Diagnostic, Severity};
use crate::policy::{self, ConnectResource, Effect, Grant, GrantKind};
use crate::sources::{SourceError, iam_policy};

/// What the tag keys in `${aws:PrincipalTag/…}` are compared with.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// The db-user tag key (`--tag-key`, tagtrail.toml `[attribution] tag_key`).
    pub tag_key: String,
    /// Session tag keys seen in the lake's `federated_sessions`; `None` without a lake.
    pub observed_keys: Option<Vec<String>>,
}

/// The diagnostics of one policy file. `file_name` names permission sets and roles as
/// `iam_policy` does (it decides nothing here but the shape).
pub fn lint(input: &[u8], file_name: &str, rules: &Rules) -> Vec<Diagnostic> {
    let raw = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => {
            return vec![Diagnostic::at(
                "",
                0,
                "policy-input",
                Severity::Error,
                format!("not UTF-8: {e}"),
            )];
        }
    };
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        let line_start: usize = text
            .split_inclusive('\n')
            .take(e.line().saturating_sub(1))
            .map(str::len)
            .sum();
        let at = line_start + e.column().saturating_sub(1);
        return vec![Diagnostic::at(
            text,
            at,
            "policy-json-malformed",
            Severity::Error,
            format!("not JSON: {}", strip_position(&e.to_string())),
        )];
    }
    let mut batches: Vec<RecordBatch> = Vec::new();
    let ctx = iam_policy::Context {
        source_uri: file_name,
        observed_at: 0,
    };
    let stats = iam_policy::parse(raw, &ctx, &mut |_, batch| {
        batches.push(batch);
        Ok(())
    });
    let input_error = |message: String| {
        vec![Diagnostic::at(
            text,
            0,
            "policy-input",
            Severity::Error,
            message,
        )]
    };
    let stats = match stats {
        Ok(s) => s,
        Err(SourceError::NotIamPolicy(why)) => {
            return input_error(format!("not an IAM policy file: {why}"));
        }
        Err(e) => return input_error(e.to_string()),
    };
    let mut l = Lint {
        locate: Locator::new(text),
        rules,
        out: Vec::new(),
    };
    for reject in &stats.rejects {
        l.add(0, "policy-document", Severity::Error, reject.reason.clone());
    }
    for document in batches.iter().flat_map(documents) {
        l.document(&document);
    }
    let mut out = l.out;
    out.sort_by_key(|d| (d.line, d.col));
    out
}

/// The `document` column of an `iam_policies` batch.
fn documents(batch: &RecordBatch) -> Vec<String> {
    let Some(col) = batch
        .column_by_name("document")
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
    else {
        return Vec::new();
    };
    (0..col.len())
        .filter(|i| col.is_valid(*i))
        .map(|i| col.value(i).to_string())
        .collect()
}

/// serde_json's message without its " at line L column C" (the diagnostic says where).
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

struct Lint<'t, 'r> {
    locate: Locator<'t>,
    rules: &'r Rules,
    out: Vec<Diagnostic>,
}

impl Lint<'_, '_> {
    fn add(&mut self, at: usize, id: &'static str, severity: Severity, message: String) {
        let text = self.locate.text();
        self.out
            .push(Diagnostic::at(text, at, id, severity, message));
    }

    fn document(&mut self, document: &str) {
        let found = policy::rds_connect_grants(document)
            .and_then(|g| policy::rds_connect_resources(document).map(|r| (g, r)));
        let (grants, resources) = match found {
            Ok(found) => found,
            Err(e) => {
                self.add(0, "policy-document", Severity::Error, e.to_string());
                return;
            }
        };
        for r in &resources {
            let at = self.locate.find(if r.not_resource {
                "NotResource"
            } else {
                &r.resource
            });
            if !r.not_resource
                && let Some((offset, message)) = arn::problem(&r.resource, r.rds_db_only)
            {
                self.add(at + offset, "policy-resource-arn", Severity::Error, message);
            }
            let grant = grants
                .iter()
                .find(|g| g.statement == r.statement && g.resource == r.resource);
            if let Some(g) = grant.filter(|g| g.effect == Effect::Allow) {
                self.grant(r, g, at);
            }
        }
    }

    /// Whom an Allow lets connect: one person (the tag), everyone (a pattern), or
    /// everyone as one account (a literal).
    fn grant(&mut self, r: &ConnectResource, g: &Grant, at: usize) {
        // The user part ends the resource (for `*` and `dbuser:*`, it is that `*`).
        let user_at = at
            + r.resource
                .strip_suffix(g.db_user_pattern.as_str())
                .map_or(0, str::len);
        let not_action = if r.not_action {
            " (NotAction does not exclude rds-db:connect)"
        } else {
            ""
        };
        match g.kind {
            GrantKind::Wildcard => {
                let what = if r.not_resource {
                    format!(
                        "NotResource allows rds-db:connect as every database user it does not list{not_action}"
                    )
                } else if r.resource == "*" {
                    format!(
                        "Resource `*` allows rds-db:connect as every database user on every database{not_action}"
                    )
                } else {
                    format!(
                        "database user `{}` is a pattern: whoever holds the role may connect as any matching user{not_action}",
                        g.db_user_pattern
                    )
                };
                let key = &self.rules.tag_key;
                self.add(
                    user_at,
                    "policy-wildcard-user",
                    Severity::Error,
                    format!("{what}; name one person's user with ${{aws:PrincipalTag/{key}}}"),
                );
            }
            GrantKind::Literal => {
                let key = &self.rules.tag_key;
                self.add(
                    user_at,
                    "policy-literal-user",
                    Severity::Warning,
                    format!(
                        "database user `{}` is one fixed account: everyone who holds the role logs in as it, so its sessions name no person (shared account); per person: ${{aws:PrincipalTag/{key}}}",
                        g.db_user_pattern
                    ),
                );
            }
            GrantKind::PerPerson => {
                if let Some(key) = &g.tag_key {
                    let key_at = user_at + "${aws:PrincipalTag/".len();
                    self.tag_key(key, key_at);
                }
            }
        }
    }

    /// The key of `${aws:PrincipalTag/<key>}`: IAM ignores its case, but a key spelled
    /// two ways is a typo waiting to be made where case does count (IdP mappings,
    /// `aws:PrincipalTag` condition keys in other tools, reports).
    fn tag_key(&mut self, key: &str, at: usize) {
        let configured = self.rules.tag_key.clone();
        if key != configured && key.eq_ignore_ascii_case(&configured) {
            self.add(
                at,
                "policy-tag-key-case",
                Severity::Warning,
                format!(
                    "tag key `{key}` is `{configured}` in the configuration (--tag-key, tagtrail.toml [attribution] tag_key): IAM ignores the case, keep one spelling"
                ),
            );
        }
        let Some(observed) = self.rules.observed_keys.clone().filter(|o| !o.is_empty()) else {
            return;
        };
        match observed.iter().find(|o| o.eq_ignore_ascii_case(key)) {
            Some(o) if o == key => {}
            Some(o) => {
                if *o != configured {
                    self.add(
                        at,
                        "policy-tag-key-case",
                        Severity::Warning,
                        format!(
                            "tag key `{key}` is `{o}` in the lake's federated sessions: IAM ignores the case, keep one spelling"
                        ),
                    );
                }
            }
            None => self.add(
                at,
                "policy-tag-key-unknown",
                Severity::Warning,
                format!(
                    "no federated session in the lake carries tag `{key}` (they carry {}): nobody gets this grant",
                    observed
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests;
