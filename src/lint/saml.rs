//! `tagtrail lint saml`: a SAML response, assertion or IdP attribute-statement snippet
//! checked against what AWS does with it at sign-in.
//!
//! Input: raw XML, or the `SAMLResponse` form value as a browser capture shows it (then
//! line:col are positions in the decoded XML). Read with the SAML source's safe rules:
//! no DTD, predefined entities only, the same size limits.
//!
//! | id | severity | what |
//! |---|---|---|
//! | `saml-input` | error | not XML, not base64 XML, too large, or a root that is no SAML |
//! | `saml-xml-malformed` | error | not well-formed XML (a missing closing quote is pointed at where it is missing) |
//! | `saml-xml-unsafe` | error | a DTD or an entity other than the five predefined ones |
//! | `saml-encrypted` | warning | an `EncryptedAssertion`, whose attributes cannot be read |
//! | `saml-tag-namespace` | error | a session-tag attribute name AWS ignores (`PrincipleTag:`, `principaltag:`, no `https://`, `Attribute/`) |
//! | `saml-attribute-name` | error / warning | a near miss of `Role`, `RoleSessionName`, … (error); an AWS-namespace name AWS does not read (warning) |
//! | `saml-tag-key` | error | a tag key that is empty, starts with `aws:` or has characters IAM rejects |
//! | `saml-tag-value` | error | a tag value with characters IAM rejects |
//! | `saml-tag-multivalued` | error | a tag attribute with other than one `AttributeValue` |
//! | `saml-tag-duplicate` | error | the same tag key twice (keys compare case-insensitively) |
//! | `saml-tag-limit` | error | more than 50 tags, a key over 128 or a value over 256 characters |
//! | `saml-tag-convention` | warning | a tag value off the naming convention (the db-user key is exempt) |
//! | `saml-role` | error | `Role` missing or not `role-arn,saml-provider-arn` |
//! | `saml-role-session-name` | error | `RoleSessionName` missing or not 2–64 of `[A-Za-z0-9_+=,.@-]` |
//! | `saml-session-duration` | error | `SessionDuration` not a number of seconds in 900–43200 |

mod names;
mod scan;
mod tags;

use regex::Regex;

use super::{Diagnostic, LintError, Severity};
use crate::sources::saml::decode;
use crate::sources::saml::{MAX_INPUT_BYTES, MAX_XML_BYTES};
use names::{Class, Known};
use scan::{Attr, Scan};

/// What the organization decided: which tag names the database user (exempt from the
/// convention: database user names follow the database's rules) and the convention.
#[derive(Debug, Clone)]
pub struct Rules {
    pub db_user_key: String,
    pub convention: Regex,
}

impl Rules {
    pub fn new(db_user_key: &str, convention: &str) -> Result<Rules, LintError> {
        let convention = Regex::new(convention).map_err(|source| LintError::Convention {
            pattern: convention.to_string(),
            source,
        })?;
        Ok(Rules {
            db_user_key: db_user_key.to_string(),
            convention,
        })
    }
}

/// Collects diagnostics at byte offsets of one text.
pub(super) struct Report<'t> {
    pub text: &'t str,
    pub out: Vec<Diagnostic>,
}

impl Report<'_> {
    pub fn add(&mut self, at: usize, id: &'static str, severity: Severity, message: String) {
        self.out
            .push(Diagnostic::at(self.text, at, id, severity, message));
    }

    pub fn error(&mut self, at: usize, id: &'static str, message: String) {
        self.add(at, id, Severity::Error, message);
    }
}

/// The diagnostics of one file's bytes.
pub fn lint(input: &[u8], rules: &Rules) -> Vec<Diagnostic> {
    let input_error = |message: String| {
        vec![Diagnostic::at(
            "",
            0,
            "saml-input",
            Severity::Error,
            message,
        )]
    };
    if input.len() > MAX_INPUT_BYTES {
        return input_error(format!(
            "larger than the {MAX_INPUT_BYTES}-byte limit for SAML input"
        ));
    }
    let raw = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let xml = if raw.trim_ascii_start().starts_with(b"<") {
        if raw.len() > MAX_XML_BYTES {
            return input_error(format!(
                "SAML document larger than the {MAX_XML_BYTES}-byte limit"
            ));
        }
        match std::str::from_utf8(raw) {
            Ok(text) => text.to_string(),
            Err(e) => return input_error(format!("not UTF-8: {e}")),
        }
    } else {
        match decode::to_xml(raw) {
            Ok(xml) => xml,
            Err(reason) => return input_error(reason),
        }
    };
    let mut report = Report {
        text: &xml,
        out: Vec::new(),
    };
    match scan::scan(&xml) {
        Ok(doc) => check(&doc, rules, &mut report),
        Err(bad) => {
            let id = if bad.unsafe_construct {
                "saml-xml-unsafe"
            } else {
                "saml-xml-malformed"
            };
            report.error(bad.at, id, bad.message);
        }
    }
    let mut out = report.out;
    out.sort_by_key(|d| (d.line, d.col));
    out
}

fn check(doc: &Scan, rules: &Rules, r: &mut Report<'_>) {
    let fragment = match doc.root.as_str() {
        "Response" | "Assertion" => false,
        "AttributeStatement" | "Attribute" => true,
        other => {
            r.error(
                0,
                "saml-input",
                format!(
                    "root element <{other}> is not a SAML Response, Assertion, AttributeStatement or Attribute"
                ),
            );
            return;
        }
    };
    for &at in &doc.encrypted {
        r.add(
            at,
            "saml-encrypted",
            Severity::Warning,
            "encrypted assertion: its attributes cannot be read without the service provider's key"
                .into(),
        );
    }
    if !fragment && doc.assertions.is_empty() && doc.encrypted.is_empty() {
        r.error(0, "saml-input", "the response holds no Assertion".into());
        return;
    }
    let groups: Vec<Option<usize>> = if fragment {
        vec![None]
    } else {
        (0..doc.assertions.len()).map(Some).collect()
    };
    for group in groups {
        let attrs: Vec<&Attr> = doc.attrs.iter().filter(|a| a.assertion == group).collect();
        let start = group.map_or(0, |g| doc.assertions[g]);
        check_group(&attrs, start, fragment, rules, r);
    }
}

/// One assertion's attributes (or a fragment's), whose tags make one session.
fn check_group(attrs: &[&Attr], start: usize, fragment: bool, rules: &Rules, r: &mut Report<'_>) {
    let mut tags = tags::Tags::new(rules);
    let mut seen = Vec::new();
    for a in attrs {
        match names::classify(&a.name) {
            Class::Tag(ns, key) => tags.check(a, ns, key, r),
            Class::Known(k) => {
                seen.push(k);
                known(a, k, r);
            }
            Class::NearMiss { meant, reason, tag } => r.error(
                a.name_at,
                if tag {
                    "saml-tag-namespace"
                } else {
                    "saml-attribute-name"
                },
                format!("AWS ignores attribute `{}`: {reason}; meant `{meant}`?", a.name),
            ),
            Class::UnknownAws => r.add(
                a.name_at,
                "saml-attribute-name",
                Severity::Warning,
                format!(
                    "AWS reads no attribute `{}` (it reads Role, RoleSessionName, SessionDuration, SourceIdentity, TransitiveTagKeys, PrincipalTag:<key>, AccessControl:<key>)",
                    a.name
                ),
            ),
            Class::Other => {}
        }
    }
    // IAM federation (a Role or a PrincipalTag) needs Role and RoleSessionName; an
    // Identity Center assertion (AccessControl only) needs neither. A snippet may be
    // only part of the statement, so it is not asked for what it lacks.
    let iam = !seen.is_empty() || tags.principal_tags() > 0;
    if fragment || !iam {
        return;
    }
    if !seen.contains(&Known::Role) {
        r.error(
            start,
            "saml-role",
            format!(
                "no `{}Role` attribute: AWS cannot tell which role to assume",
                names::PREFIX
            ),
        );
    }
    if !seen.contains(&Known::RoleSessionName) {
        r.error(
            start,
            "saml-role-session-name",
            format!(
                "no `{}RoleSessionName` attribute: AWS refuses the sign-in",
                names::PREFIX
            ),
        );
    }
}

/// `Role`, `RoleSessionName`, `SessionDuration` values.
fn known(a: &Attr, k: Known, r: &mut Report<'_>) {
    for (value, at) in &a.values {
        let problem = match k {
            Known::Role => role_problem(value.trim()).map(|p| ("saml-role", p)),
            Known::RoleSessionName => {
                let ok = (2..=64).contains(&value.chars().count())
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
                (!ok).then(|| {
                    (
                        "saml-role-session-name",
                        format!("RoleSessionName `{value}` must be 2 to 64 characters of letters, digits and _+=,.@-"),
                    )
                })
            }
            Known::SessionDuration => match value.trim().parse::<i64>() {
                Ok(s) if (900..=43200).contains(&s) => None,
                Ok(s) => Some((
                    "saml-session-duration",
                    format!(
                        "SessionDuration {s} is outside 900..43200 seconds (15 minutes to 12 hours)"
                    ),
                )),
                Err(_) => Some((
                    "saml-session-duration",
                    format!("SessionDuration `{value}` is not a number of seconds"),
                )),
            },
            Known::SourceIdentity | Known::TransitiveTagKeys => None,
        };
        if let Some((id, message)) = problem {
            r.error(*at, id, message);
        }
    }
}

/// What is wrong with one `Role` value: `arn:aws:iam::ACCOUNT:role/NAME` and
/// `arn:aws:iam::ACCOUNT:saml-provider/NAME`, comma-separated, either order.
fn role_problem(value: &str) -> Option<String> {
    const SHAPE: &str = "`arn:aws:iam::ACCOUNT:role/NAME,arn:aws:iam::ACCOUNT:saml-provider/NAME`";
    let parts: Vec<&str> = value.split(',').collect();
    if parts.len() != 2 {
        return Some(format!(
            "Role value `{value}` is not a role ARN and a SAML provider ARN: {SHAPE}"
        ));
    }
    if parts.iter().any(|p| p.trim() != *p) {
        return Some(format!(
            "Role value `{value}` has spaces around the comma: {SHAPE}"
        ));
    }
    // (is a role, account) of one part.
    let arn = |p: &str| -> Option<(bool, String)> {
        let rest = ["arn:aws:", "arn:aws-cn:", "arn:aws-us-gov:"]
            .iter()
            .find_map(|partition| p.strip_prefix(partition))?;
        let (account, resource) = rest.strip_prefix("iam::")?.split_once(':')?;
        let (kind, name) = resource.split_once('/')?;
        let digits = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        let role = match kind {
            "role" => true,
            "saml-provider" => false,
            _ => return None,
        };
        (digits && !name.is_empty()).then(|| (role, account.to_string()))
    };
    match (arn(parts[0]), arn(parts[1])) {
        (None, _) | (_, None) => {
            let bad = if arn(parts[0]).is_none() {
                parts[0]
            } else {
                parts[1]
            };
            Some(format!(
                "Role value part `{bad}` is neither a role ARN nor a SAML provider ARN: {SHAPE}"
            ))
        }
        (Some((a, _)), Some((b, _))) if a == b => {
            let what = if a { "role" } else { "SAML provider" };
            Some(format!(
                "Role value `{value}` names two {what} ARNs: {SHAPE}"
            ))
        }
        (Some((_, a)), Some((_, b))) if a != b => Some(format!(
            "Role value `{value}`: the role and the SAML provider are in different accounts ({a}, {b})"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
