//! `truth.json`: what a synthetic organization's evidence must make tagtrail say,
//! computed from the model (who federated when, who connected as whom) and never from
//! the files. It holds every person-facing database session with the person behind it,
//! what was planted on whom, and the findings the planted problems must raise.
//!
//! Sessions are streamed into the file day by day; only per-person and per-account
//! tallies stay in memory, so the truth of a 10 GB organization costs what its roster
//! costs.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde_json::{Value, json};

use super::day::Day;
use super::roster::Roster;
use crate::synth::cloudtrail::iso;
use crate::synth::identity::OktaMfa;
use crate::synth::pglog::{self, PgLogin};
use crate::synth::scenario::{Login, candidates};

/// How near two tag values are, as the tag-typo check ranks them: 1 equal but for case,
/// 2 equal but for case and runs of spaces/hyphens/underscores, 3 both at least five
/// characters and at most two edits apart.
pub fn near(a: &str, b: &str) -> Option<u8> {
    if a == b {
        return None;
    }
    let norm = |s: &str| {
        let mut out = String::new();
        for c in s.to_lowercase().chars() {
            if matches!(c, ' ' | '_' | '-') {
                if !out.ends_with('-') {
                    out.push('-');
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    if a.to_lowercase() == b.to_lowercase() {
        Some(1)
    } else if norm(a) == norm(b) {
        Some(2)
    } else if a.chars().count() >= 5 && b.chars().count() >= 5 && levenshtein(a, b) <= 2 {
        Some(3)
    } else {
        None
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[derive(Default)]
struct TagValue {
    persons: BTreeSet<&'static str>,
    sessions: usize,
}

/// Streams `truth.json`.
pub struct TruthWriter<W: Write> {
    w: W,
    first: bool,
    /// Persons each db user's sessions belong to (exact, or a candidate of an ambiguous one).
    persons_per_user: BTreeMap<&'static str, BTreeSet<&'static str>>,
    no_mfa_reached: BTreeSet<&'static str>,
    /// IAM logins no federated session was open for, per db user.
    outside: BTreeMap<&'static str, usize>,
    /// (lowercased key, value) → who carried it.
    tags: BTreeMap<(String, &'static str), TagValue>,
    tag_keys: BTreeMap<String, &'static str>,
    /// Database-user tag value → the people whose federations carried it.
    user_tags: BTreeMap<&'static str, BTreeSet<&'static str>>,
    totals: BTreeMap<&'static str, u64>,
}

impl<W: Write> TruthWriter<W> {
    pub fn start(mut w: W, spec: Value) -> std::io::Result<Self> {
        write!(w, "{{\n\"spec\": {spec},\n\"sessions\": [")?;
        Ok(TruthWriter {
            w,
            first: true,
            persons_per_user: BTreeMap::new(),
            no_mfa_reached: BTreeSet::new(),
            outside: BTreeMap::new(),
            tags: BTreeMap::new(),
            tag_keys: BTreeMap::new(),
            user_tags: BTreeMap::new(),
            totals: BTreeMap::new(),
        })
    }

    /// Person-facing sessions written so far.
    pub fn person_sessions(&self) -> u64 {
        self.totals.get("person_sessions").copied().unwrap_or(0)
    }

    fn count(&mut self, what: &'static str) {
        *self.totals.entry(what).or_default() += 1;
    }

    /// Adds one day: its person-facing sessions, attributed from the day's federations
    /// (every window opens and closes within the day).
    pub fn day(&mut self, roster: &Roster, day: &Day) -> std::io::Result<()> {
        for f in &day.federations {
            self.count("federations");
            for (k, v) in f.person.principal_tags() {
                if k.eq_ignore_ascii_case("Username") {
                    self.user_tags
                        .entry(v)
                        .or_default()
                        .insert(f.person.subject);
                    continue;
                }
                self.tag_keys.entry(k.to_lowercase()).or_insert(k);
                let t = self.tags.entry((k.to_lowercase(), v)).or_default();
                t.persons.insert(f.person.subject);
                t.sessions += 1;
            }
        }
        let people_users: BTreeSet<&str> =
            roster.members.iter().map(|m| m.person.username).collect();
        let mut logins = Vec::new();
        for s in &day.sessions {
            if s.login == Login::Ok && people_users.contains(s.user) {
                logins.push((s.instance.id(), s.user, s.host, s.connect));
            }
        }
        for s in &day.pg_sessions {
            if s.login == PgLogin::Iam {
                logins.push((pglog::INSTANCE, s.user, s.host, s.connect));
            }
        }
        logins.sort();
        for (instance, user, host, connect) in logins {
            let candidates = candidates(&day.federations, user, connect);
            let attribution = match candidates.len() {
                0 => "unattributed",
                1 => "exact",
                _ => "ambiguous",
            };
            self.count("person_sessions");
            self.count(attribution);
            match attribution {
                "exact" => {
                    let person = candidates[0];
                    if roster.mfa_by_subject(person) == OktaMfa::PasswordOnly {
                        self.no_mfa_reached.insert(person);
                    }
                }
                // Every user of the roster federates with its tag on the day it logs in.
                "unattributed" => *self.outside.entry(user).or_default() += 1,
                _ => {}
            }
            if attribution != "unattributed" {
                self.persons_per_user
                    .entry(user)
                    .or_default()
                    .extend(candidates.iter().copied());
            }
            let row = json!({
                "instance": instance,
                "db_user": user,
                "client_host": host,
                "connect_time": iso(connect),
                "attribution": attribution,
                "person": (attribution == "exact").then(|| candidates[0]),
                "candidates": if attribution == "ambiguous" { candidates.clone() } else { vec![] },
            });
            let sep = if self.first { "\n" } else { ",\n" };
            self.first = false;
            write!(self.w, "{sep}{row}")?;
        }
        Ok(())
    }

    /// Closes the file with what was planted and the findings it must raise.
    pub fn finish(mut self, roster: &Roster) -> std::io::Result<W> {
        let shared: Vec<&str> = self
            .persons_per_user
            .iter()
            .filter(|(_, p)| p.len() >= 2)
            .map(|(u, _)| *u)
            .collect();
        let typos = self.typos();
        let shared_tags: Vec<&str> = self
            .user_tags
            .iter()
            .filter(|(_, p)| p.len() >= 2)
            .map(|(v, _)| *v)
            .collect();
        let mut planted_shared: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut planted_typos = Vec::new();
        for m in &roster.members {
            if m.shared {
                planted_shared
                    .entry(m.person.username)
                    .or_default()
                    .push(m.person.subject);
            }
            if m.typo {
                planted_typos.push(json!({"person": m.person.subject, "key": "Project", "value": m.person.project}));
            }
        }
        let subjects = |f: fn(&super::roster::Member) -> bool| -> Vec<&str> {
            roster
                .members
                .iter()
                .filter(|m| f(m))
                .map(|m| m.person.subject)
                .collect()
        };
        let tail = json!({
            "planted": {
                "shared_accounts": planted_shared,
                "tag_typos": planted_typos,
                "no_mfa": subjects(|m| m.mfa == OktaMfa::PasswordOnly),
                "late_connectors": subjects(|m| m.late),
            },
            "expected_findings": {
                "shared-db-account": shared,
                "shared-identity-tag": shared_tags,
                "tag-typo": typos,
                "missing-mfa": self.no_mfa_reached,
                "session-outside-window": self.outside,
            },
            "totals": self.totals,
        });
        let Value::Object(tail) = tail else {
            unreachable!("json! of an object")
        };
        write!(self.w, "\n]")?;
        for (k, v) in tail {
            write!(self.w, ",\n{}: {}", Value::String(k), v)?;
        }
        writeln!(self.w, "\n}}")?;
        Ok(self.w)
    }

    /// `Key=value` subjects of the tag-typo check: a value near another of the same key
    /// that more people carry, or as many people in more sessions.
    fn typos(&self) -> Vec<String> {
        let mut out = Vec::new();
        for ((lkey, v), tv) in &self.tags {
            let typo = self.tags.iter().any(|((lk, w), tw)| {
                lk == lkey
                    && near(v, w).is_some()
                    && (tw.persons.len() > tv.persons.len()
                        || (tw.persons.len() == tv.persons.len() && tw.sessions > tv.sessions))
            });
            if typo {
                out.push(format!("{}={v}", self.tag_keys[lkey]));
            }
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearness_follows_the_tag_typo_check() {
        assert_eq!(near("Finance", "finance"), Some(1));
        assert_eq!(near("data_analytics", "Data-Analytics"), Some(2));
        assert_eq!(near("general-ledger", "general-ldger"), Some(3));
        assert_eq!(
            near("crm", "crn"),
            None,
            "short values need case or separators"
        );
        assert_eq!(near("revenue-close", "dunning-automation"), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }
}
