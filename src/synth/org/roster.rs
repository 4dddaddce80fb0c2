//! The people of a synthetic organization, and which of them carry the planted
//! problems: a shared database account in their `Username` tag, a mistyped `Project`
//! tag, an Okta sign-on policy without MFA, a habit of connecting after their session
//! expired.
//!
//! People are made once per run and live for the whole process (the scenario model
//! borrows `&'static Person`, as the demo's fixed cast does): memory grows with
//! `--people`, never with `--days` or the size of the logs.

use std::collections::{BTreeSet, HashMap};

use crate::synth::identity::{self, OktaMfa};
use crate::synth::pglog;
use crate::synth::rng::Rng;
use crate::synth::scenario::{Instance, Person};

const FIRST: [&str; 40] = [
    "amara", "ben", "chloe", "dmitri", "elena", "farid", "gita", "hugo", "ines", "jonas", "keiko",
    "liam", "maya", "nikolai", "olga", "pedro", "quinn", "rosa", "samir", "tara", "umar", "vera",
    "wen", "xavier", "yara", "zoltan", "aisha", "bruno", "clara", "diego", "emma", "felix", "hana",
    "ivo", "julia", "kofi", "lena", "marco", "nora", "oscar",
];
const LAST: [&str; 40] = [
    "abbott",
    "bauer",
    "costa",
    "dubois",
    "eriksen",
    "fischer",
    "garcia",
    "horvat",
    "ito",
    "jensen",
    "kowalski",
    "lopez",
    "moreau",
    "novak",
    "okafor",
    "petrov",
    "quinlan",
    "rossi",
    "silva",
    "tanaka",
    "ueda",
    "varga",
    "weber",
    "xu",
    "yilmaz",
    "zimmer",
    "andersen",
    "brennan",
    "castillo",
    "devlin",
    "egan",
    "fontaine",
    "gallagher",
    "hale",
    "iqbal",
    "jovanovic",
    "keane",
    "lindqvist",
    "mendes",
    "nakamura",
];

/// Department, its `Project` tag value, and the instance its people query. Values are
/// pairwise far apart (no two within the tag-typo check's edit distance or equal but
/// for case or separators), so the only typos are the planted ones.
pub const TEAMS: [(&str, &str, Team); 6] = [
    ("data-analytics", "customer-insights", Team::Shop),
    ("customer-support", "crm-cleanup", Team::Shop),
    ("marketing", "campaign-reporting", Team::Shop),
    ("finance", "revenue-close", Team::Billing),
    ("billing-ops", "dunning-automation", Team::Billing),
    ("accounting", "general-ledger", Team::Ledger),
];

/// Where a team's people connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Team {
    Shop,
    Billing,
    Ledger,
}

impl Team {
    /// The instance id (the PostgreSQL instance for the ledger team).
    pub fn instance_id(self) -> &'static str {
        match self {
            Team::Shop => Instance::ShopProd.id(),
            Team::Billing => Instance::BillingProd.id(),
            Team::Ledger => pglog::INSTANCE,
        }
    }
}

/// Shared database accounts some people's IdP profiles name as their `Username`.
pub const SHARED_ACCOUNTS: [&str; 3] = ["reporting", "analytics_ro", "support_ro"];

/// Planting rates, as "every n-th person, starting at offset". Fixed rather than drawn,
/// so that even a small organization has each problem at least once.
const SHARED_EVERY: (usize, usize) = (25, 3);
const TYPO_EVERY: (usize, usize) = (40, 11);
const NO_MFA_EVERY: (usize, usize) = (20, 7);
const LATE_EVERY: (usize, usize) = (30, 13);

fn every((n, offset): (usize, usize), i: usize) -> bool {
    i % n == offset
}

/// One person and what is planted on them.
#[derive(Debug, Clone)]
pub struct Member {
    pub person: &'static Person,
    pub team: Team,
    pub mfa: OktaMfa,
    /// Their `Username` tag names a shared account instead of their own user.
    pub shared: bool,
    /// Their `Project` tag value is a typo of their team's project.
    pub typo: bool,
    /// On days they work, they connect once more after their last session expired.
    pub late: bool,
}

/// Everyone, in a stable order.
#[derive(Debug, Clone)]
pub struct Roster {
    pub members: Vec<Member>,
    by_subject: HashMap<&'static str, usize>,
}

const BROWSERS: [&str; 3] = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
];

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A typo of `value`: one letter of the middle dropped (edit distance 1).
pub fn typo_of(value: &str, rng: &mut Rng) -> String {
    let letters: Vec<usize> = value
        .char_indices()
        .filter(|&(i, c)| i > 0 && i + 1 < value.len() && c.is_ascii_alphabetic())
        .map(|(i, _)| i)
        .collect();
    let at = letters[rng.range(0, letters.len() as i64 - 1) as usize];
    format!("{}{}", &value[..at], &value[at + 1..])
}

impl Roster {
    /// `people` people for `seed`.
    pub fn new(people: usize, seed: u64) -> Roster {
        let mut rng = Rng::for_label(&format!("org:{seed}:roster"));
        let mut usernames = BTreeSet::new();
        let mut members = Vec::with_capacity(people);
        for i in 0..people {
            let first = FIRST[(i + seed as usize) % FIRST.len()];
            let last = LAST[(i / FIRST.len() + i * 7 + seed as usize) % LAST.len()];
            let round = i / (FIRST.len() * LAST.len());
            let suffix = if round == 0 {
                String::new()
            } else {
                round.to_string()
            };
            let subject = format!("{first}.{last}{suffix}@example.com");
            // Database users are first initial + last name, numbered on a clash.
            let base = format!("{}{last}", &first[..1]);
            let mut username = base.clone();
            let mut n = 1;
            while !usernames.insert(username.clone()) {
                n += 1;
                username = format!("{base}{n}");
            }
            let (department, project, team) = TEAMS[i % TEAMS.len()];
            let shared = every(SHARED_EVERY, i) && team != Team::Ledger;
            let typo = every(TYPO_EVERY, i);
            let project = if typo {
                typo_of(project, &mut rng)
            } else {
                project.to_string()
            };
            let person = Person {
                subject: leak(subject),
                username_key: "Username",
                username: if shared {
                    SHARED_ACCOUNTS[(i / (2 * SHARED_EVERY.0)) % SHARED_ACCOUNTS.len()]
                } else {
                    leak(username)
                },
                department,
                project: leak(project),
                environment: "production",
                transitive_tag_keys: &[],
                client_ip: leak(format!("10.8.{}.{}", 1 + i / 250, 1 + i % 250)),
                public_ip: leak(format!("198.51.{}.{}", 100 + i / 250 % 100, 1 + i % 250)),
                browser: BROWSERS[rng.range(0, 2) as usize],
            };
            members.push(Member {
                person: Box::leak(Box::new(person)),
                team,
                mfa: if every(NO_MFA_EVERY, i) {
                    OktaMfa::PasswordOnly
                } else {
                    OktaMfa::Push
                },
                shared,
                typo,
                late: every(LATE_EVERY, i) && !shared,
            });
        }
        let by_subject = members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.person.subject, i))
            .collect();
        Roster {
            members,
            by_subject,
        }
    }

    /// How `person` signs in to Okta (everyone is in the export).
    pub fn mfa(&self, person: &Person) -> OktaMfa {
        self.mfa_by_subject(person.subject)
    }

    pub fn mfa_by_subject(&self, subject: &str) -> OktaMfa {
        self.by_subject
            .get(subject)
            .map_or(OktaMfa::NotLogged, |&i| self.members[i].mfa)
    }

    /// The database users of each instance with their authentication, as `tagtrail
    /// inventory` lists them: every person's own user (IAM) where their team works, the
    /// shared accounts (IAM), the applications' and the master users (passwords).
    pub fn db_users_csv(&self) -> String {
        let mut rows = BTreeSet::new();
        for m in &self.members {
            let instance = m.team.instance_id();
            let (host, plugin) = match m.team {
                Team::Ledger => ("", "rds_iam"),
                _ => ("%", "AWSAuthenticationPlugin"),
            };
            rows.insert((instance, m.person.username.to_string(), host, plugin));
        }
        let others = identity::PLATFORM_USERS
            .into_iter()
            .chain(super::day::APP_USERS);
        for (instance, user, host, plugin) in others {
            rows.insert((instance, user.to_string(), host, plugin));
        }
        let mut out = String::from("instance,user,host,plugin\n");
        for (instance, user, host, plugin) in rows {
            out.push_str(&format!("{instance},{user},{host},{plugin}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_unique_and_problems_planted_at_their_rates() {
        let r = Roster::new(500, 1);
        let subjects: BTreeSet<_> = r.members.iter().map(|m| m.person.subject).collect();
        assert_eq!(subjects.len(), 500);
        let own: Vec<_> = r.members.iter().filter(|m| !m.shared).collect();
        let users: BTreeSet<_> = own.iter().map(|m| m.person.username).collect();
        assert_eq!(users.len(), own.len(), "own database users are unique");
        let count = |f: fn(&Member) -> bool| r.members.iter().filter(|m| f(m)).count();
        assert_eq!(count(|m| m.typo), 13);
        assert_eq!(count(|m| m.mfa == OktaMfa::PasswordOnly), 25);
        // Every 30th person, but not 103, 253 and 403, who use a shared account.
        assert_eq!(count(|m| m.late), 14);
        // Every 25th person except the ledger team's (which has no shared account).
        assert_eq!(count(|m| m.shared), 17);
    }

    #[test]
    fn typos_are_one_letter_off_and_team_values_far_apart() {
        let mut rng = Rng::new(3);
        let t = typo_of("customer-insights", &mut rng);
        assert_eq!(t.len(), "customer-insights".len() - 1);
        for (i, a) in TEAMS.iter().enumerate() {
            for b in &TEAMS[i + 1..] {
                for (x, y) in [(a.0, b.0), (a.1, b.1)] {
                    assert!(crate::synth::org::truth::near(x, y).is_none(), "{x} ~ {y}");
                }
            }
        }
    }
}
