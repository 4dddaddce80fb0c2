//! SAML attribute names AWS reads, and the near misses it silently ignores.
//!
//! AWS matches attribute names exactly: `https://aws.amazon.com/SAML/Attributes/` then
//! `Role`, `RoleSessionName`, `SessionDuration`, `SourceIdentity`, `TransitiveTagKeys`,
//! `PrincipalTag:<Key>` (IAM federation) or `AccessControl:<Key>` (IAM Identity Center
//! ABAC). A name that is almost one of these is dropped without an error, and the
//! session simply lacks the tag — so a near miss is reported with the name meant.

pub const PREFIX: &str = "https://aws.amazon.com/SAML/Attributes/";

/// The two session-tag namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagNs {
    PrincipalTag,
    AccessControl,
}

impl TagNs {
    pub fn word(self) -> &'static str {
        match self {
            TagNs::PrincipalTag => "PrincipalTag",
            TagNs::AccessControl => "AccessControl",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    Role,
    RoleSessionName,
    SessionDuration,
    SourceIdentity,
    TransitiveTagKeys,
}

const KNOWN: [(&str, Known); 5] = [
    ("Role", Known::Role),
    ("RoleSessionName", Known::RoleSessionName),
    ("SessionDuration", Known::SessionDuration),
    ("SourceIdentity", Known::SourceIdentity),
    ("TransitiveTagKeys", Known::TransitiveTagKeys),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class<'a> {
    /// A session tag: namespace and key, exactly as AWS reads them.
    Tag(TagNs, &'a str),
    Known(Known),
    /// In AWS's namespace but nothing AWS reads.
    UnknownAws,
    /// Almost an AWS name: the name meant, why this one is not it, and whether it was
    /// meant to be a session tag.
    NearMiss {
        meant: String,
        reason: String,
        tag: bool,
    },
    /// Some other attribute (the IdP's own, `amr`, e-mail, …).
    Other,
}

pub fn classify(name: &str) -> Class<'_> {
    if let Some(rest) = name.strip_prefix(PREFIX) {
        return match rest_class(rest) {
            Rest::Tag(ns, key, None) => Class::Tag(ns, key),
            Rest::Known(k, None) => Class::Known(k),
            Rest::Tag(ns, key, Some(reason)) => near(ns.word(), key, reason, true),
            Rest::Known(k, Some(reason)) => near(known_word(k), "", reason, false),
            Rest::Unknown => Class::UnknownAws,
        };
    }
    let Some((reason, rest)) = loose_prefix(name) else {
        // No prefix at all: `PrincipalTag:Username` alone.
        return match rest_class(name) {
            Rest::Tag(ns, key, _) => near(
                ns.word(),
                key,
                format!("the `{PREFIX}` prefix is missing"),
                true,
            ),
            _ => Class::Other,
        };
    };
    match rest_class(rest) {
        Rest::Tag(ns, key, more) => near(ns.word(), key, join(reason, more), true),
        Rest::Known(k, more) => near(known_word(k), "", join(reason, more), false),
        Rest::Unknown => Class::NearMiss {
            meant: format!("{PREFIX}{rest}"),
            reason,
            tag: false,
        },
    }
}

fn near(word: &str, key: &str, reason: String, tag: bool) -> Class<'static> {
    let meant = if tag {
        format!("{PREFIX}{word}:{key}")
    } else {
        format!("{PREFIX}{word}")
    };
    Class::NearMiss { meant, reason, tag }
}

fn join(first: String, more: Option<String>) -> String {
    match more {
        Some(m) => format!("{first}; {m}"),
        None => first,
    }
}

fn known_word(k: Known) -> &'static str {
    KNOWN
        .iter()
        .find(|(_, v)| *v == k)
        .map(|(w, _)| *w)
        .expect("every Known is listed")
}

/// A prefix that is almost [`PREFIX`]: why it is not, and the rest of the name.
fn loose_prefix(name: &str) -> Option<(String, &str)> {
    let lower = name.to_ascii_lowercase();
    let (scheme, after) = if lower.starts_with("https://") {
        (None, 8)
    } else if lower.starts_with("http://") {
        (Some("`http://` where AWS expects `https://`"), 7)
    } else {
        (Some("`https://` is missing"), 0)
    };
    let host = "aws.amazon.com/saml/";
    if !lower[after..].starts_with(host) {
        return None;
    }
    let segment_at = after + host.len();
    let (segment, rest_at) = if lower[segment_at..].starts_with("attributes/") {
        (None, segment_at + "attributes/".len())
    } else if lower[segment_at..].starts_with("attribute/") {
        (
            Some("`Attribute/` where AWS expects `Attributes/`"),
            segment_at + "attribute/".len(),
        )
    } else {
        return None;
    };
    let reasons: Vec<&str> = [scheme, segment].into_iter().flatten().collect();
    // Not PREFIX, yet nothing but the case differs.
    let reason = if reasons.is_empty() {
        "the prefix is case-sensitive".to_string()
    } else {
        reasons.join("; ")
    };
    Some((format!("{reason} (`{PREFIX}`)"), &name[rest_at..]))
}

enum Rest<'a> {
    /// Namespace, key, and what is wrong with the part before the key.
    Tag(TagNs, &'a str, Option<String>),
    Known(Known, Option<String>),
    Unknown,
}

/// What the part after the prefix is meant to be.
fn rest_class(rest: &str) -> Rest<'_> {
    let split = rest.find([':', '/']);
    if let Some(at) = split {
        let (word, sep, key) = (&rest[..at], &rest[at..at + 1], &rest[at + 1..]);
        for ns in [TagNs::PrincipalTag, TagNs::AccessControl] {
            if !close(word, ns.word(), 2) {
                continue;
            }
            let mut problems = Vec::new();
            if word != ns.word() {
                problems.push(if word.eq_ignore_ascii_case(ns.word()) {
                    format!(
                        "`{word}` must be written `{}` (names are case-sensitive)",
                        ns.word()
                    )
                } else {
                    format!("`{word}` is misspelled: `{}`", ns.word())
                });
            }
            if sep == "/" {
                problems.push(format!("`{}/` where AWS expects `{}:`", word, ns.word()));
            }
            let problems = (!problems.is_empty()).then(|| problems.join("; "));
            return Rest::Tag(ns, key, problems);
        }
    }
    for (word, k) in KNOWN {
        let max = if word.len() <= 4 { 0 } else { 2 };
        if rest == word {
            return Rest::Known(k, None);
        }
        if close(rest, word, max) {
            let why = if rest.eq_ignore_ascii_case(word) {
                format!("`{rest}` must be written `{word}` (names are case-sensitive)")
            } else {
                format!("`{rest}` is misspelled: `{word}`")
            };
            return Rest::Known(k, Some(why));
        }
    }
    Rest::Unknown
}

/// Whether `a` is `b` up to case and at most `max` edits (insertions, deletions,
/// substitutions) beyond that.
fn close(a: &str, b: &str, max: usize) -> bool {
    let a: Vec<char> = a.to_lowercase().chars().filter(|c| *c != ' ').collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meant(name: &str) -> (String, String) {
        match classify(name) {
            Class::NearMiss { meant, reason, .. } => (meant, reason),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn exact_names_are_what_aws_reads() {
        assert_eq!(
            classify("https://aws.amazon.com/SAML/Attributes/PrincipalTag:Username"),
            Class::Tag(TagNs::PrincipalTag, "Username")
        );
        assert_eq!(
            classify("https://aws.amazon.com/SAML/Attributes/AccessControl:Cost Center"),
            Class::Tag(TagNs::AccessControl, "Cost Center")
        );
        assert_eq!(
            classify("https://aws.amazon.com/SAML/Attributes/RoleSessionName"),
            Class::Known(Known::RoleSessionName)
        );
        assert_eq!(
            classify("https://aws.amazon.com/SAML/Attributes/Department"),
            Class::UnknownAws
        );
        assert_eq!(classify("session.amr"), Class::Other);
        assert_eq!(classify("email"), Class::Other);
        // `Roles` is not one edit from `Role` for a four-letter word.
        assert_eq!(
            classify("https://aws.amazon.com/SAML/Attributes/Roles"),
            Class::UnknownAws
        );
    }

    #[test]
    fn tag_namespace_near_misses_name_what_was_meant() {
        let want = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:Username";
        for (name, reason) in [
            (
                "https://aws.amazon.com/SAML/Attributes/PrincipleTag:Username",
                "`PrincipleTag` is misspelled: `PrincipalTag`",
            ),
            (
                "https://aws.amazon.com/SAML/Attributes/principaltag:Username",
                "`principaltag` must be written `PrincipalTag` (names are case-sensitive)",
            ),
            (
                "https://aws.amazon.com/SAML/Attributes/PrincipalTag/Username",
                "`PrincipalTag/` where AWS expects `PrincipalTag:`",
            ),
            (
                "aws.amazon.com/SAML/Attributes/PrincipalTag:Username",
                "`https://` is missing (`https://aws.amazon.com/SAML/Attributes/`)",
            ),
            (
                "http://aws.amazon.com/SAML/Attributes/PrincipalTag:Username",
                "`http://` where AWS expects `https://` (`https://aws.amazon.com/SAML/Attributes/`)",
            ),
            (
                "https://aws.amazon.com/SAML/Attribute/PrincipalTag:Username",
                "`Attribute/` where AWS expects `Attributes/` (`https://aws.amazon.com/SAML/Attributes/`)",
            ),
            (
                "https://aws.amazon.com/saml/attributes/PrincipalTag:Username",
                "the prefix is case-sensitive (`https://aws.amazon.com/SAML/Attributes/`)",
            ),
            (
                "PrincipalTag:Username",
                "the `https://aws.amazon.com/SAML/Attributes/` prefix is missing",
            ),
        ] {
            assert_eq!(
                meant(name),
                (want.to_string(), reason.to_string()),
                "{name}"
            );
        }
        assert_eq!(
            meant("aws.amazon.com/SAML/Attribute/principletag:Username"),
            (
                want.to_string(),
                "`https://` is missing; `Attribute/` where AWS expects `Attributes/` \
                 (`https://aws.amazon.com/SAML/Attributes/`); `principletag` is misspelled: \
                 `PrincipalTag`"
                    .to_string()
            )
        );
        assert_eq!(
            meant("https://aws.amazon.com/SAML/Attributes/AccessControll:Team").0,
            "https://aws.amazon.com/SAML/Attributes/AccessControl:Team"
        );
    }

    #[test]
    fn other_aws_attribute_near_misses() {
        assert_eq!(
            meant("https://aws.amazon.com/SAML/Attributes/RoleSesionName"),
            (
                "https://aws.amazon.com/SAML/Attributes/RoleSessionName".to_string(),
                "`RoleSesionName` is misspelled: `RoleSessionName`".to_string()
            )
        );
        assert_eq!(
            meant("https://aws.amazon.com/SAML/Attributes/role").1,
            "`role` must be written `Role` (names are case-sensitive)"
        );
        assert!(matches!(
            classify("http://aws.amazon.com/SAML/Attributes/Role"),
            Class::NearMiss { tag: false, .. }
        ));
    }
}
