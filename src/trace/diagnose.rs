//! The recognized ways the chain breaks, each read off [`Facts`] alone.

use super::chain::{Diagnosis, LinkKind};
use super::facts::{Facts, Federation, Login, Micros};
use crate::sources::timefmt::format_micros;

/// Every diagnosis, in chain order.
pub fn diagnose(f: &Facts) -> Vec<Diagnosis> {
    let mut out = Vec::new();
    mfa_absent(f, &mut out);
    saml_names(f, &mut out);
    tag_namespace(f, &mut out);
    federation_failed(f, &mut out);
    tag_missing(f, &mut out);
    tag_key_case(f, &mut out);
    value_format(f, &mut out);
    db_user_missing(f, &mut out);
    login_after_expiry(f, &mut out);
    iam_auth_failed(f, &mut out);
    out
}

/// The tag key that names the db user: the policy's variable wins over the configured key.
pub fn expected_key(f: &Facts) -> Option<String> {
    f.grants
        .iter()
        .find_map(|g| g.tag_key.clone())
        .or_else(|| f.federations.first().map(|s| s.tag_key.clone()))
        .or_else(|| (!f.configured_key.is_empty()).then(|| f.configured_key.clone()))
}

/// The db-user names the sessions' tags carry (as sent), first seen first.
pub fn tag_values(f: &Facts) -> Vec<String> {
    let Some(key) = expected_key(f) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for s in &f.federations {
        if let Some((_, v)) = s.tag(&key)
            && !out.contains(v)
        {
            out.push(v.clone());
        }
    }
    out
}

/// The db users the trace judges: the tags' values, and the subject itself when it is
/// an inventory account (a db user traced directly, federated or not).
pub fn db_user_names(f: &Facts) -> Vec<String> {
    let mut names = tag_values(f);
    if !names.contains(&f.subject) && f.accounts.iter().any(|a| a.user_name == f.subject) {
        names.push(f.subject.clone());
    }
    names
}

fn mfa_absent(f: &Facts, out: &mut Vec<Diagnosis>) {
    let absent: Vec<&Federation> = f
        .federations
        .iter()
        .filter(|s| s.mfa_status == "absent")
        .collect();
    if let Some(first) = absent.first() {
        out.push(Diagnosis {
            id: "mfa-absent",
            link: LinkKind::Mfa,
            message: format!(
                "no MFA: {} of {} federated session(s) came from an IdP session that never verified a second factor ({})",
                absent.len(),
                f.federations.len(),
                first.mfa_evidence.as_deref().unwrap_or("no MFA event")
            ),
            evidence: absent.iter().map(|s| s.id.clone()).collect(),
            breaks_link: true,
        });
    }
}

fn saml_names(f: &Facts, out: &mut Vec<Diagnosis>) {
    for a in &f.assertions {
        for (at, id, message) in &a.name_problems {
            out.push(Diagnosis {
                id: "saml-attribute-name",
                link: LinkKind::SamlAttributes,
                message: format!("malformed SAML attribute ({id}): {message}"),
                evidence: vec![at.clone()],
                breaks_link: true,
            });
        }
    }
}

/// Where the assertion goes: its own audience says so, else the role the lake saw.
fn to_identity_center(f: &Facts, told: Option<bool>) -> Option<bool> {
    told.or_else(|| {
        (!f.federations.is_empty()).then(|| f.federations.iter().any(|s| s.is_identity_center()))
    })
}

fn tag_namespace(f: &Facts, out: &mut Vec<Diagnosis>) {
    for a in &f.assertions {
        let Some(idc) = to_identity_center(f, a.to_identity_center) else {
            continue;
        };
        for attr in &a.attributes {
            let (sent, read, reader) = if idc {
                ("PrincipalTag:", "AccessControl:", "IAM Identity Center")
            } else {
                (
                    "AccessControl:",
                    "PrincipalTag:",
                    "IAM (direct SAML federation)",
                )
            };
            let Some(key) = attr.name.split_once(sent).map(|(_, k)| k) else {
                continue;
            };
            out.push(Diagnosis {
                id: "tag-namespace",
                link: LinkKind::SamlAttributes,
                message: format!(
                    "attribute `{sent}{key}` goes to {reader}, which reads only `{read}{key}`: the tag never reaches the session"
                ),
                evidence: vec![attr.at.clone()],
                breaks_link: true,
            });
        }
    }
}

fn tag_missing(f: &Facts, out: &mut Vec<Diagnosis>) {
    let Some(key) = expected_key(f) else { return };
    let missing: Vec<&Federation> = f
        .federations
        .iter()
        .filter(|s| s.tag(&key).is_none())
        .collect();
    if let Some(first) = missing.first() {
        let keys: Vec<&str> = first.tags.iter().map(|(k, _)| k.as_str()).collect();
        out.push(Diagnosis {
            id: "tag-missing",
            link: LinkKind::AssumeRoleWithSaml,
            message: format!(
                "{} session(s) carry no `{key}` tag (tags sent: {}): `${{aws:PrincipalTag/{key}}}` resolves to nothing, so rds-db:connect names no db user",
                missing.len(),
                if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
            ),
            evidence: missing.iter().map(|s| s.id.clone()).collect(),
            breaks_link: true,
        });
    }
}

fn tag_key_case(f: &Facts, out: &mut Vec<Diagnosis>) {
    let Some(key) = expected_key(f) else { return };
    let mut sent: Vec<(String, Vec<String>)> = Vec::new();
    let mut note = |k: &str, at: &str| {
        if k != key && k.eq_ignore_ascii_case(&key) {
            match sent.iter_mut().find(|(s, _)| s == k) {
                Some((_, ev)) => ev.push(at.to_string()),
                None => sent.push((k.to_string(), vec![at.to_string()])),
            }
        }
    };
    for s in &f.federations {
        for (k, _) in &s.tags {
            note(k, &s.id);
        }
    }
    for a in &f.assertions {
        for attr in &a.attributes {
            if let Some((_, k)) = attr.name.rsplit_once(':') {
                note(k, &attr.at);
            }
        }
    }
    for (k, evidence) in sent {
        out.push(Diagnosis {
            id: "tag-key-case",
            link: LinkKind::AssumeRoleWithSaml,
            message: format!(
                "key `{k}` vs policy variable `${{aws:PrincipalTag/{key}}}`: IAM resolves tag keys case-insensitively, so rds-db:connect still works; exact comparisons break (ABAC conditions on aws:TagKeys, SIEM joins, reports), and fixing the case on one side only makes two tags"
            ),
            evidence,
            breaks_link: false,
        });
    }
}

fn value_format(f: &Facts, out: &mut Vec<Diagnosis>) {
    for value in tag_values(f) {
        let exact = f.accounts.iter().any(|a| a.user_name == value);
        let folded: Vec<&str> = f
            .accounts
            .iter()
            .filter(|a| a.user_name != value && a.user_name.eq_ignore_ascii_case(&value))
            .map(|a| a.instance.as_str())
            .collect();
        let spaces = value.chars().any(char::is_whitespace);
        let upper = value.chars().any(char::is_uppercase);
        let evidence = sessions_with(f, &value);
        if !folded.is_empty() && !exact {
            let user = f
                .accounts
                .iter()
                .find(|a| a.user_name.eq_ignore_ascii_case(&value))
                .map_or(String::new(), |a| a.user_name.clone());
            out.push(Diagnosis {
                id: "tag-value-case",
                link: LinkKind::DbUser,
                message: format!(
                    "tag value `{value}` does not match db user `{user}` ({}): db user names are case-sensitive in MySQL and PostgreSQL, so the token is for a user that does not exist; send the value in lower case",
                    folded.join(", ")
                ),
                evidence,
                breaks_link: true,
            });
        } else if spaces || (upper && !exact) {
            out.push(Diagnosis {
                id: "tag-value-format",
                link: LinkKind::DbUser,
                message: format!(
                    "tag value `{value}` has {}: db user names are case-sensitive and cannot hold spaces, so no db user will match",
                    if spaces { "spaces" } else { "upper case" }
                ),
                evidence,
                breaks_link: true,
            });
        }
    }
}

fn sessions_with(f: &Facts, value: &str) -> Vec<String> {
    f.federations
        .iter()
        .filter(|s| s.tags.iter().any(|(_, v)| v == value))
        .map(|s| s.id.clone())
        .collect()
}

fn db_user_missing(f: &Facts, out: &mut Vec<Diagnosis>) {
    if !f.inventory_seen {
        return;
    }
    let values = tag_values(f);
    for value in db_user_names(f) {
        let exact: Vec<_> = f.accounts.iter().filter(|a| a.user_name == value).collect();
        let folded = f
            .accounts
            .iter()
            .any(|a| a.user_name.eq_ignore_ascii_case(&value));
        if exact.is_empty() && !folded && values.contains(&value) {
            out.push(Diagnosis {
                id: "db-user-missing",
                link: LinkKind::DbUser,
                message: format!(
                    "no db user `{value}` in the inventory of any instance: create it with IAM authentication"
                ),
                evidence: sessions_with(f, &value),
                breaks_link: true,
            });
        }
        for a in exact.iter().filter(|a| a.iam == Some(false)) {
            out.push(Diagnosis {
                id: "db-user-not-iam",
                link: LinkKind::DbUser,
                message: format!(
                    "db user `{value}` on {} authenticates with {}, not IAM: an IAM token is refused, and no login as it leads to a person",
                    a.instance,
                    a.auth_plugin.as_deref().unwrap_or("a password")
                ),
                evidence: vec![format!("db_users {}:{}", a.instance, a.user_name)],
                breaks_link: true,
            });
        }
    }
}

fn covers(s: &Federation, t: Micros, skew: Micros) -> bool {
    t >= s.start - skew && t <= s.expiry + skew
}

fn login_after_expiry(f: &Facts, out: &mut Vec<Diagnosis>) {
    for login in &f.logins {
        let mine: Vec<&Federation> = f
            .federations
            .iter()
            .filter(|s| {
                s.tags
                    .iter()
                    .any(|(_, v)| v.eq_ignore_ascii_case(&login.db_user))
            })
            .collect();
        if mine.iter().any(|s| covers(s, login.time, f.skew)) {
            continue;
        }
        let Some(last) = mine
            .iter()
            .filter(|s| s.expiry < login.time)
            .max_by_key(|s| s.expiry)
        else {
            continue;
        };
        out.push(Diagnosis {
            id: "login-after-expiry",
            link: LinkKind::DbLogin,
            message: format!(
                "login to {} as {} at {} came {} after the credentials of {} expired ({}): no federated session was open, so the token came from other credentials or a cached one",
                login.instance,
                login.db_user,
                format_micros(login.time),
                minutes(login.time - last.expiry),
                last.id,
                format_micros(last.expiry)
            ),
            evidence: vec![login.at.clone(), last.id.clone()],
            breaks_link: true,
        });
    }
}

/// `300 min`, `2.5 min`.
pub fn minutes(d: Micros) -> String {
    let tenths = (d as f64 / 6_000_000.0).round() as i64;
    if tenths % 10 == 0 {
        format!("{} min", tenths / 10)
    } else {
        format!("{}.{} min", tenths / 10, (tenths % 10).abs())
    }
}

fn is_iam_user(f: &Facts, l: &Login) -> bool {
    l.auth_method.as_deref() == Some("iam")
        || f.accounts
            .iter()
            .any(|a| a.instance == l.instance && a.user_name == l.db_user && a.iam == Some(true))
}

fn iam_auth_failed(f: &Facts, out: &mut Vec<Diagnosis>) {
    for l in f.logins.iter().filter(|l| !l.success) {
        let reason = l.failure_reason.as_deref().unwrap_or("");
        let what = if reason.contains("PAM authentication failed") {
            "PostgreSQL `PAM authentication failed`"
        } else if l.failure_code == Some(1045) && is_iam_user(f, l) {
            "MySQL 1045 access denied"
        } else {
            continue;
        };
        out.push(Diagnosis {
            id: "iam-auth-failed",
            link: LinkKind::DbLogin,
            message: format!(
                "login to {} as {} at {} failed: {what} refused the IAM token: it was made for another db user, host or region, expired (tokens last 15 min), or rds-db:connect does not allow this user",
                l.instance,
                l.db_user,
                format_micros(l.time)
            ),
            evidence: vec![l.at.clone()],
            breaks_link: true,
        });
    }
}

fn federation_failed(f: &Facts, out: &mut Vec<Diagnosis>) {
    for x in &f.federation_failures {
        let recovered = f.federations.iter().any(|s| s.time > x.time);
        out.push(Diagnosis {
            id: "federation-failed",
            link: LinkKind::AssumeRoleWithSaml,
            message: format!(
                "AssumeRoleWithSAML into {} at {} was refused: {}{}{}",
                x.role_name,
                format_micros(x.time),
                x.error_code,
                x.error_message
                    .as_deref()
                    .map_or(String::new(), |m| format!(" ({m})")),
                if recovered {
                    "; a later federation succeeded"
                } else {
                    ""
                }
            ),
            evidence: vec![x.id.clone()],
            breaks_link: !recovered,
        });
    }
}
