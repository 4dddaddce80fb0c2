//! Session-tag attributes of one assertion: what makes AWS refuse the sign-in (limits,
//! characters, more than one value) and what makes tags disagree (duplicates across
//! case, values off the naming convention).

use super::names::TagNs;
use super::scan::Attr;
use super::{Report, Rules};
use crate::lint::Severity;

/// AWS limits on session tags (IAM User Guide, "Passing session tags in AWS STS").
const MAX_TAGS: usize = 50;
const MAX_KEY_CHARS: usize = 128;
const MAX_VALUE_CHARS: usize = 256;

/// Characters IAM accepts in tag keys and values (as `engine::validate_tag_key`).
fn iam_tag_char(c: char) -> bool {
    c.is_alphanumeric() || " _.:/=+-@".contains(c)
}

pub struct Tags<'r> {
    rules: &'r Rules,
    /// Per namespace: keys seen (lowercase) with the offset of their name.
    seen: Vec<(TagNs, String, usize)>,
}

impl<'r> Tags<'r> {
    pub fn new(rules: &'r Rules) -> Self {
        Tags {
            rules,
            seen: Vec::new(),
        }
    }

    pub fn principal_tags(&self) -> usize {
        self.count(TagNs::PrincipalTag)
    }

    fn count(&self, ns: TagNs) -> usize {
        self.seen.iter().filter(|(n, _, _)| *n == ns).count()
    }

    pub fn check(&mut self, a: &Attr, ns: TagNs, key: &str, r: &mut Report<'_>) {
        let key_at = a.name_at + a.name.len().saturating_sub(key.len());
        let lower = key.to_lowercase();
        if let Some((_, _, first)) = self.seen.iter().find(|(n, k, _)| *n == ns && *k == lower) {
            let (line, col) = crate::lint::line_col(r.text, *first);
            r.error(
                key_at,
                "saml-tag-duplicate",
                format!(
                    "tag `{key}` is already given at {line}:{col}: AWS compares tag keys case-insensitively, so this is the same tag twice"
                ),
            );
        }
        self.seen.push((ns, lower, a.name_at));
        if self.count(ns) == MAX_TAGS + 1 {
            r.error(
                a.name_at,
                "saml-tag-limit",
                format!(
                    "{} tag number {}: AWS accepts at most {MAX_TAGS} session tags per sign-in",
                    ns.word(),
                    MAX_TAGS + 1
                ),
            );
        }
        self.key(key, key_at, r);
        match a.values.as_slice() {
            [(value, at)] => self.value(key, value, *at, r),
            [] => r.error(
                a.name_at,
                "saml-tag-multivalued",
                format!("tag `{key}` has no AttributeValue: a session tag takes exactly one"),
            ),
            [_, (_, second), ..] => r.error(
                *second,
                "saml-tag-multivalued",
                format!(
                    "tag `{key}` has {} AttributeValues: session tags are single-valued and AWS refuses the sign-in",
                    a.values.len()
                ),
            ),
        }
    }

    fn key(&self, key: &str, at: usize, r: &mut Report<'_>) {
        if key.is_empty() {
            r.error(at, "saml-tag-key", "no tag key after the `:`".into());
            return;
        }
        if let Some((i, c)) = key.char_indices().find(|(_, c)| !iam_tag_char(*c)) {
            r.error(
                at + i,
                "saml-tag-key",
                format!(
                    "tag key `{key}` has `{}`, which IAM rejects (letters, digits, spaces and _.:/=+-@ only)",
                    c.escape_default()
                ),
            );
        }
        if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
            r.error(
                at,
                "saml-tag-key",
                format!("tag key `{key}`: keys starting with `aws:` are reserved for AWS"),
            );
        }
        let n = key.chars().count();
        if n > MAX_KEY_CHARS {
            r.error(
                at,
                "saml-tag-limit",
                format!("tag key is {n} characters: AWS allows at most {MAX_KEY_CHARS}"),
            );
        }
    }

    fn value(&self, key: &str, value: &str, at: usize, r: &mut Report<'_>) {
        let n = value.chars().count();
        if n > MAX_VALUE_CHARS {
            r.error(
                at,
                "saml-tag-limit",
                format!(
                    "value of tag `{key}` is {n} characters: AWS allows at most {MAX_VALUE_CHARS}"
                ),
            );
        }
        if let Some(c) = value.chars().find(|c| !iam_tag_char(*c)) {
            r.error(
                at,
                "saml-tag-value",
                format!(
                    "value `{value}` of tag `{key}` has `{}`, which IAM rejects (letters, digits, spaces and _.:/=+-@ only)",
                    c.escape_default()
                ),
            );
            return;
        }
        let db_user = key.eq_ignore_ascii_case(&self.rules.db_user_key);
        if !db_user && !self.rules.convention.is_match(value) {
            r.add(
                at,
                "saml-tag-convention",
                Severity::Warning,
                format!(
                    "value `{value}` of tag `{key}` does not follow the naming convention `{}`",
                    self.rules.convention.as_str()
                ),
            );
        }
    }
}
