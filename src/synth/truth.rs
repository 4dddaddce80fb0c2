//! The ground truth of "who accessed shop.customers", computed from the scenario model
//! (who connected when, which statements touched which tables) — never from the files.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::cloudtrail::iso;
use super::identity::{self, OktaMfa};
use super::scenario::{DbSession, Federation, Instance, Login, Scenario};

/// One answer row: per (person, db user, instance, attribution).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhoRow {
    pub person: Option<String>,
    pub db_user: String,
    pub instance: String,
    pub object: String,
    pub operations: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub statements: usize,
    pub attribution: String,
    pub confidence: String,
    pub mfa_status: Option<String>,
    pub candidates: Vec<String>,
}

#[derive(Default)]
struct Acc {
    operations: BTreeSet<String>,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    statements: usize,
    candidates: BTreeSet<String>,
    /// Per session: (IP-corroborated, MFA rank: 3 verified, 2 unknown, 1 absent).
    sessions: Vec<(bool, u8)>,
}

/// Who accessed `database.table` on `instance` over the whole week.
///
/// A session belongs to the distinct subjects whose successful federated session
/// carried `Username` = the db user and was open at connect time: one → exact, several →
/// ambiguous (person null, all candidates), none → unattributed. A statement matches when
/// it touches the table; its operations are its SQL verb plus its TABLE-row operations on
/// that table.
pub fn who_accessed(scenario: &Scenario, instance: Instance, object: &str) -> Vec<WhoRow> {
    let (database, table) = object.split_once('.').expect("database.table");
    // Key: (db_user, attribution, person-null-last, person).
    let mut rows: BTreeMap<(String, &'static str, bool, String), Acc> = BTreeMap::new();
    for s in &scenario.sessions {
        if s.instance != instance || s.login != Login::Ok {
            continue;
        }
        let candidates = scenario.candidates(s.user, s.connect);
        let (attribution, person) = match candidates.as_slice() {
            [] => ("unattributed", None),
            [one] => ("exact", Some(one.to_string())),
            _ => ("ambiguous", None),
        };
        let mut evidence = (attribution == "exact").then(|| session_evidence(scenario, s));
        for st in &s.statements {
            let hits: Vec<_> = st
                .tables
                .iter()
                .filter(|t| t.database == database && t.table == table)
                .collect();
            if hits.is_empty() {
                continue;
            }
            let key = (
                s.user.to_string(),
                attribution,
                person.is_none(),
                person.clone().unwrap_or_default(),
            );
            let acc = rows.entry(key).or_default();
            if let Some(e) = evidence.take() {
                acc.sessions.push(e);
            }
            let time = s.connect + Duration::seconds(st.after);
            acc.operations.insert(st.verb());
            for t in hits {
                acc.operations.insert(t.op.as_str().to_string());
            }
            acc.first = Some(acc.first.map_or(time, |f| f.min(time)));
            acc.last = Some(acc.last.map_or(time, |l| l.max(time)));
            acc.statements += 1;
            if attribution == "ambiguous" {
                acc.candidates
                    .extend(candidates.iter().map(|c| c.to_string()));
            }
        }
    }
    rows.into_iter()
        .map(|((db_user, attribution, _, person), acc)| WhoRow {
            person: (attribution == "exact").then_some(person),
            db_user,
            instance: instance.id().to_string(),
            object: object.to_string(),
            operations: acc.operations.into_iter().collect(),
            first_seen: iso(acc.first.expect("at least one statement")),
            last_seen: iso(acc.last.expect("at least one statement")),
            statements: acc.statements,
            // The weakest session decides (docs/attribution.md).
            confidence: match attribution {
                "exact" if acc.sessions.iter().all(|(ip, _)| *ip) => "high",
                "exact" => "medium",
                "ambiguous" => "low",
                _ => "none",
            }
            .to_string(),
            mfa_status: (attribution == "exact").then(|| {
                match acc.sessions.iter().map(|(_, m)| *m).min() {
                    Some(3) => "verified",
                    Some(1) => "absent",
                    _ => "unknown",
                }
                .to_string()
            }),
            attribution: attribution.to_string(),
            candidates: acc.candidates.into_iter().collect(),
        })
        .collect()
}

/// For an exactly attributed session: whether the chosen federated session's API calls
/// came from the database client's address, and its MFA rank. The chosen session is the
/// IP-corroborated one, else the latest that began before the connect, else the earliest.
fn session_evidence(scenario: &Scenario, s: &DbSession) -> (bool, u8) {
    let mut mine: Vec<&Federation> = scenario
        .federations
        .iter()
        .filter(|f| f.username_tag() == Some(s.user) && f.window_contains(s.connect))
        .collect();
    let ip = |f: &Federation| f.api_ip == Some(s.host);
    mine.sort_by_key(|f| {
        let began = f.at <= s.connect;
        (
            !ip(f),
            !began,
            if began {
                -f.at.timestamp()
            } else {
                f.at.timestamp()
            },
        )
    });
    let f = mine[0];
    let amr_mfa = f
        .person
        .principal_tags()
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("AuthMethods") && v.contains("mfa"));
    // The Okta SSO of a portal sign-in comes 11 s before its federation; it counts for
    // every federation of the person up to 10 minutes later (and up to the skew before).
    let sso = scenario
        .federations
        .iter()
        .filter(|g| g.person.subject == f.person.subject && g.sign_in)
        .map(|g| g.at - Duration::seconds(11))
        .filter(|t| *t >= f.at - Duration::seconds(600) && *t <= f.at + Duration::seconds(300))
        .max();
    let mfa = match (amr_mfa, sso, identity::okta_mfa(f.person)) {
        (true, _, _) => 3,
        (false, Some(_), OktaMfa::Push) => 3,
        (false, Some(_), OktaMfa::PasswordOnly) => 1,
        _ => 2,
    };
    (ip(f), mfa)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_week_has_every_kind_of_answer() {
        let rows = who_accessed(&Scenario::demo(), Instance::ShopProd, "shop.customers");
        let users: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.db_user.as_str(), r.attribution.as_str()))
            .collect();
        assert_eq!(
            users,
            [
                ("anguyen", "exact"),
                ("app_legacy", "unattributed"),
                ("bmartin", "exact"),
                ("cdiaz", "exact"),
                ("fli", "exact"),
                ("reporting", "ambiguous"),
                ("reporting", "exact"),
            ]
        );
        let bob = &rows[2];
        assert_eq!(bob.operations, ["READ", "SELECT", "UPDATE", "WRITE"]);
        assert_eq!(rows[5].person, None);
        assert_eq!(
            rows[5].candidates,
            ["grace.kim@example.com", "heidi.schmidt@example.com"]
        );
        assert_eq!(rows[6].person.as_deref(), Some("grace.kim@example.com"));
        assert!(rows.iter().all(|r| r.db_user != "dokafor"));
    }
}
