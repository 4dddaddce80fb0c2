//! Each link's status and one-sentence summary, from the facts and the diagnoses: a link
//! with a diagnosis is broken, a link without evidence is unknown.

use super::chain::{Diagnosis, Link, LinkKind, Status};
use super::diagnose::{db_user_names, expected_key, tag_values};
use super::facts::{Facts, IdpEvent};
use crate::sources::timefmt::format_micros;

/// At most this many evidence items per link; the rest are counted.
const MAX_EVIDENCE: usize = 4;

pub fn links(f: &Facts, diagnoses: &[Diagnosis]) -> Vec<Link> {
    LinkKind::ALL
        .iter()
        .map(|&kind| {
            let broken: Vec<&Diagnosis> = diagnoses
                .iter()
                .filter(|d| d.link == kind && d.breaks_link)
                .collect();
            let (status, summary, evidence) = match broken.first() {
                Some(first) => (
                    Status::Broken,
                    first.message.clone(),
                    broken.iter().flat_map(|d| d.evidence.clone()).collect(),
                ),
                None => healthy(f, kind),
            };
            Link {
                link: kind,
                status,
                summary,
                evidence: capped(evidence),
            }
        })
        .collect()
}

fn capped(mut evidence: Vec<String>) -> Vec<String> {
    let mut seen = Vec::new();
    evidence.retain(|e| {
        let new = !seen.contains(e);
        seen.push(e.clone());
        new
    });
    if evidence.len() > MAX_EVIDENCE {
        let more = evidence.len() - MAX_EVIDENCE;
        evidence.truncate(MAX_EVIDENCE);
        evidence.push(format!("… {more} more"));
    }
    evidence
}

type Answer = (Status, String, Vec<String>);

fn unknown(why: &str) -> Answer {
    (Status::Unknown, why.to_string(), Vec::new())
}

fn idp(events: &[IdpEvent], what: &str) -> Answer {
    let ok: Vec<&IdpEvent> = events.iter().filter(|e| e.success).collect();
    let ids = |v: &[&IdpEvent]| v.iter().map(|e| e.id.clone()).collect();
    match ok.last() {
        Some(last) => (
            Status::Ok,
            format!("{} {what}, last at {}", ok.len(), format_micros(last.time)),
            ids(&ok),
        ),
        None if events.is_empty() => unknown(&format!("no {what} in the lake")),
        None => {
            let failed: Vec<&IdpEvent> = events.iter().collect();
            let reason = failed.last().and_then(|e| e.reason.clone());
            (
                Status::Broken,
                format!(
                    "every {what} failed ({})",
                    reason.unwrap_or_else(|| "no reason given".into())
                ),
                ids(&failed),
            )
        }
    }
}

fn healthy(f: &Facts, kind: LinkKind) -> Answer {
    let fed_ids = || f.federations.iter().map(|s| s.id.clone()).collect();
    match kind {
        LinkKind::IdpSignIn => idp(&f.sign_ins, "sign-in(s)"),
        LinkKind::SsoToAws => idp(&f.sso, "SSO(s) to the AWS app"),
        LinkKind::Mfa => {
            let verified: Vec<String> = f
                .federations
                .iter()
                .filter(|s| s.mfa_status == "verified")
                .map(|s| s.id.clone())
                .collect();
            let total = f.federations.len();
            match verified.len() {
                0 => unknown("no MFA evidence for the federated sessions"),
                n if n == total => (
                    Status::Ok,
                    format!("MFA verified for all {total} federated session(s)"),
                    verified,
                ),
                n => (
                    Status::Ok,
                    format!(
                        "MFA verified for {n} of {total} federated session(s), no evidence either way for the others"
                    ),
                    verified,
                ),
            }
        }
        LinkKind::SamlAttributes => match expected_key(f) {
            _ if f.assertions.is_empty() => {
                unknown("no SAML assertion (give one with --assertion FILE)")
            }
            Some(key) => {
                let sent: Vec<&super::facts::SamlAttribute> = f
                    .assertions
                    .iter()
                    .flat_map(|a| &a.attributes)
                    .filter(|a| {
                        a.name
                            .rsplit_once(':')
                            .is_some_and(|(_, k)| k.eq_ignore_ascii_case(&key))
                    })
                    .collect();
                match sent.first() {
                    Some(a) => (
                        Status::Ok,
                        format!("`{}` = {}", a.name, a.values.join(", ")),
                        sent.iter().map(|a| a.at.clone()).collect(),
                    ),
                    None => (
                        Status::Broken,
                        format!("the assertion has no `{key}` session-tag attribute"),
                        f.assertions.iter().map(|a| a.origin.clone()).collect(),
                    ),
                }
            }
            None => (
                Status::Ok,
                format!("{} assertion(s) read", f.assertions.len()),
                f.assertions.iter().map(|a| a.origin.clone()).collect(),
            ),
        },
        LinkKind::AssumeRoleWithSaml => match f.federations.first() {
            None => unknown("no AssumeRoleWithSAML for this identity in the lake"),
            Some(first) => (
                Status::Ok,
                format!(
                    "{} session(s) as {}, {}={}",
                    f.federations.len(),
                    first.role_name,
                    first
                        .tag(&first.tag_key)
                        .map_or(first.tag_key.as_str(), |(k, _)| k.as_str()),
                    tag_values(f).join(", ")
                ),
                fed_ids(),
            ),
        },
        LinkKind::RdsConnectPolicy => match f.grants.first() {
            None => unknown("no rds-db:connect policy (give one with --policy FILE)"),
            Some(g) => (
                Status::Ok,
                format!(
                    "{} allows rds-db:connect as dbuser:*/{}",
                    g.principal, g.db_user_pattern
                ),
                f.grants.iter().map(|g| g.at.clone()).collect(),
            ),
        },
        LinkKind::DbUser => {
            if !f.inventory_seen {
                return unknown("no database inventory in the lake");
            }
            let names = db_user_names(f);
            let found: Vec<String> = f
                .accounts
                .iter()
                .filter(|a| names.contains(&a.user_name))
                .map(|a| format!("{}:{}", a.instance, a.user_name))
                .collect();
            match found.first() {
                None => unknown("no tag value to look up in the inventory"),
                Some(_) => (
                    Status::Ok,
                    format!(
                        "{} IAM-enabled on {} instance(s)",
                        names.join(", "),
                        found.len()
                    ),
                    found,
                ),
            }
        }
        LinkKind::DbLogin => {
            let ok: Vec<String> = f
                .logins
                .iter()
                .filter(|l| l.success)
                .map(|l| l.at.clone())
                .collect();
            let failed: Vec<&super::facts::Login> =
                f.logins.iter().filter(|l| !l.success).collect();
            match (ok.len(), failed.first()) {
                (0, None) => unknown("no database login in the lake"),
                (_, Some(l)) => (
                    Status::Broken,
                    format!(
                        "{} login(s) failed, last: {}",
                        failed.len(),
                        l.failure_reason
                            .as_deref()
                            .unwrap_or("no reason logged")
                            .lines()
                            .next()
                            .unwrap_or("")
                    ),
                    failed.iter().map(|l| l.at.clone()).collect(),
                ),
                (n, None) => (Status::Ok, format!("{n} successful login(s)"), ok),
            }
        }
        LinkKind::Statements => {
            let with: Vec<&super::facts::Login> =
                f.logins.iter().filter(|l| l.statement_count > 0).collect();
            let total: i64 = with.iter().map(|l| l.statement_count).sum();
            if total == 0 {
                unknown("no statements logged")
            } else {
                (
                    Status::Ok,
                    format!("{total} statement(s) in {} session(s)", with.len()),
                    with.iter().map(|l| l.at.clone()).collect(),
                )
            }
        }
    }
}
