//! The SQL files under `queries/`, embedded in the binary so the views always match
//! the code that reads them.

pub struct View {
    pub name: &'static str,
    pub file: &'static str,
    pub sql: &'static str,
}

macro_rules! view {
    ($name:literal) => {
        View {
            name: $name,
            file: concat!("views/", $name, ".sql"),
            sql: include_str!(concat!("../../queries/views/", $name, ".sql")),
        }
    };
}

/// In dependency order: each view reads only tables and the views before it.
pub const VIEWS: [View; 17] = [
    view!("pg_csvlog_hours"),
    view!("db_events_ordered"),
    view!("db_event_minutes"),
    view!("db_session_spans"),
    view!("db_session_events"),
    view!("db_session_facts"),
    view!("db_sessions"),
    view!("iam_policy_documents"),
    view!("db_grants"),
    view!("idp_sessions"),
    view!("idp_aws_sso"),
    view!("role_sessions"),
    view!("session_tags"),
    view!("session_mfa"),
    view!("session_matches"),
    view!("attributed_sessions"),
    view!("who_accessed"),
];

/// The text of the views up to `name` in dependency order (those it can read, and
/// itself), for the markers of what stores a view's rows: rows stored by other SQL are
/// not used.
pub fn text_through(name: &str) -> String {
    let at = VIEWS
        .iter()
        .position(|v| v.name == name)
        .unwrap_or_else(|| panic!("{name} is not a view"));
    VIEWS[..=at]
        .iter()
        .map(|v| v.sql)
        .collect::<Vec<_>>()
        .join("\n;\n")
}

/// The views that read `name`, directly or through other views: the later views (in
/// dependency order) whose SQL names it or one of its readers. A name in a comment
/// counts too, which only costs planning a view again; a reader is never missed, since
/// its SQL must name what it reads.
pub fn readers_of(name: &str) -> std::collections::BTreeSet<&'static str> {
    let mut readers: std::collections::BTreeSet<&'static str> = Default::default();
    let later = VIEWS.iter().skip_while(|v| v.name != name).skip(1);
    for view in later {
        let names = |read: &str| names_word(view.sql, read);
        if names(name) || readers.iter().any(|r| names(r)) {
            readers.insert(view.name);
        }
    }
    readers
}

/// The views `name` reads, directly or through other views: the earlier views (in
/// dependency order) that its SQL names or that one of them names. As with
/// [`readers_of`], a name in a comment counts too.
pub fn read_by(name: &str) -> std::collections::BTreeSet<&'static str> {
    let mut read: std::collections::BTreeSet<&'static str> = Default::default();
    let Some(at) = VIEWS.iter().position(|v| v.name == name) else {
        return read;
    };
    // Latest first: a view's readers come after it, so each reader is found before it.
    for view in VIEWS[..at].iter().rev() {
        let named_by = |reader: &str| {
            let sql = VIEWS
                .iter()
                .find(|v| v.name == reader)
                .map_or("", |v| v.sql);
            names_word(sql, view.name)
        };
        if named_by(name) || read.iter().any(|r| named_by(r)) {
            read.insert(view.name);
        }
    }
    read
}

/// Whether `text` holds `word` with no identifier character on either side.
fn names_word(text: &str, word: &str) -> bool {
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    text.match_indices(word).any(|(at, _)| {
        !ident(text[..at].chars().next_back()) && !ident(text[at + word.len()..].chars().next())
    })
}

/// The csvlog hours view on its own: a focused engine computes it over the dates of
/// its connections ([`super::focus`]).
pub const PG_CSVLOG_HOURS: &str = include_str!("../../queries/views/pg_csvlog_hours.sql");

/// `tagtrail who`: `$1` = `db.table`, `$2`/`$3` = time range.
pub const WHO: &str = include_str!("../../queries/who.sql");

/// The rows `who` is about: `$1`–`$3` as in [`WHO`], `$4`/`$5` the `date=` partitions
/// of `$2` and `$3`.
pub const WHO_ROWS: &str = include_str!("../../queries/focus/who_rows.sql");

/// The connections of [`WHO_ROWS`] (`Engine::focused`, without the session index).
pub static WHO_CONNECTIONS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT DISTINCT instance, connection_id FROM (\n{WHO_ROWS}\n) r")
});

/// `tagtrail sessions`: `$1` person, `$2` db user, `$3` instance, `$4` unattributed only,
/// `$5`/`$6` period.
pub const SESSIONS: &str = include_str!("../../queries/sessions.sql");

/// `tagtrail timeline`: `$1` person or db user, `$2`/`$3` period.
pub const TIMELINE: &str = include_str!("../../queries/timeline.sql");

/// The connections of one person or db user `$1` (`Engine::focused`), for [`TIMELINE`]
/// and for [`SESSIONS`] of one person or db user.
pub const SUBJECT_CONNECTIONS: &str = include_str!("../../queries/focus/subject.sql");

#[cfg(test)]
mod tests {
    use super::{VIEWS, read_by, readers_of};

    /// What each cached view makes plan again: its readers, through other views too,
    /// and nothing that reads neither it nor them.
    #[test]
    fn a_view_is_read_by_the_views_that_name_it_or_its_readers() {
        let readers = readers_of("db_sessions");
        for reader in ["session_matches", "attributed_sessions", "who_accessed"] {
            assert!(readers.contains(reader), "{reader}: {readers:?}");
        }
        for other in [
            "db_sessions",
            "db_session_spans",
            "role_sessions",
            "idp_sessions",
            "session_mfa",
        ] {
            assert!(!readers.contains(other), "{other}: {readers:?}");
        }
        assert!(readers_of("who_accessed").is_empty());
        // attributed_sessions does not name idp_sessions: it reads it through idp_aws_sso and session_mfa.
        assert!(readers_of("idp_sessions").contains("attributed_sessions"));
    }

    /// What a view to cache makes plan first: the views it reads, through other views
    /// too, and none it does not read.
    #[test]
    fn a_view_reads_the_views_it_names_and_what_they_read() {
        let read = read_by("session_matches");
        for view in [
            "db_sessions",
            "db_session_spans",
            "role_sessions",
            "db_grants",
        ] {
            assert!(read.contains(view), "{view}: {read:?}");
        }
        for other in ["session_matches", "attributed_sessions", "idp_aws_sso"] {
            assert!(!read.contains(other), "{other}: {read:?}");
        }
        // who_accessed names attributed_sessions alone of the MFA views: it reads
        // idp_sessions through session_mfa and idp_aws_sso.
        assert!(read_by("who_accessed").contains("idp_sessions"));
        assert!(read_by("pg_csvlog_hours").is_empty());
        // A view reads exactly those of which it is a reader.
        for view in VIEWS.iter().map(|v| v.name) {
            for other in VIEWS.iter().map(|v| v.name) {
                assert_eq!(
                    read_by(view).contains(other),
                    readers_of(other).contains(view),
                    "{view} reads {other}"
                );
            }
        }
    }

    /// Each query's rows as JSON, over a lake of what `lab` wrote.
    async fn answers(
        lab: &crate::checks::testing::Lab,
        queries: &[&str],
    ) -> Vec<Vec<serde_json::Value>> {
        let (_dir, lake) = lab.lake().await;
        let engine = crate::engine::Engine::open(&lake).await.unwrap();
        let mut all = Vec::new();
        for sql in queries {
            all.push(crate::sources::test_rows::rows(
                &engine.sql(sql).await.unwrap(),
            ));
        }
        all
    }

    /// Events at one instant: an Okta session's first MFA is the earlier in file order,
    /// and a federated session's latest SSO the one of greater uuid (docs/attribution.md),
    /// whichever order the SQL engine meets them in.
    #[tokio::test]
    async fn ties_at_one_instant_go_to_the_first_mfa_in_the_file_and_the_greater_sso_uuid() {
        use crate::checks::testing::Lab;
        use serde_json::json;
        let mut lab = Lab::new();
        let login = "amira.haddad@example.com";
        lab.okta_sign_in(login, "102mfaTie", "2026-11-16 08:50:00", false);
        let first = lab.okta_mfa(
            login,
            "102mfaTie",
            "2026-11-16 08:50:14",
            "OKTA_VERIFY_PUSH",
        );
        lab.okta_mfa(login, "102mfaTie", "2026-11-16 08:50:14", "FIDO_WEBAUTHN");
        lab.okta_sign_in(login, "102noMfa", "2026-11-16 08:51:00", false);
        // Two SSOs at one instant from two Okta sessions; the second has the greater uuid.
        lab.okta_sso_aws(login, "102mfaTie", "2026-11-16 08:52:00");
        let latest = lab.okta_sso_aws(login, "102noMfa", "2026-11-16 08:52:00");
        lab.federate(login, &[("Username", "ahaddad")], "2026-11-16 08:52:03", 1);
        let got = answers(
            &lab,
            &[
                "SELECT external_session_id, mfa_factor, mfa_event_id FROM idp_sessions ORDER BY 1",
                "SELECT mfa_status, okta_sso_event_id, okta_session_id FROM session_mfa",
            ],
        )
        .await;
        assert_eq!(
            got[0],
            vec![
                json!({"external_session_id": "102mfaTie", "mfa_factor": "OKTA_VERIFY_PUSH", "mfa_event_id": first}),
                json!({"external_session_id": "102noMfa", "mfa_factor": null, "mfa_event_id": null}),
            ]
        );
        assert_eq!(
            got[1],
            vec![
                json!({"mfa_status": "absent", "okta_sso_event_id": latest, "okta_session_id": "102noMfa"})
            ]
        );
    }

    /// The federated session behind a session of one person with several: the latest
    /// begun before the connect, else the earliest to begin; of two begun at one instant,
    /// the greater event id, at every run.
    #[tokio::test]
    async fn the_federated_session_behind_a_session_is_the_latest_begun_then_the_greatest_id() {
        use crate::checks::testing::Lab;
        use serde_json::json;
        let mut lab = Lab::new();
        let mut federate = |user: &str, at: &str, hours: i64| {
            lab.federate(
                &format!("{user}@example.com"),
                &[("Username", user)],
                at,
                hours,
            )
        };
        // Both began before the connect: the later.
        federate("ahaddad", "2026-11-16 08:00:00", 2);
        let later = federate("ahaddad", "2026-11-16 08:30:00", 2);
        // Both at one instant: the greater id.
        federate("bcosta", "2026-11-16 10:00:00", 1);
        let greater = federate("bcosta", "2026-11-16 10:00:00", 1);
        // Neither had begun (the connect is inside the skew): the earlier.
        let earlier = federate("dkim", "2026-11-16 12:00:00", 1);
        federate("dkim", "2026-11-16 12:02:00", 1);
        lab.mysql_session(
            "shop-prod",
            "ahaddad",
            "10.0.1.5",
            1,
            "2026-11-16 09:00:00",
            None,
        );
        lab.mysql_session(
            "shop-prod",
            "bcosta",
            "10.0.1.6",
            2,
            "2026-11-16 10:30:00",
            None,
        );
        lab.mysql_session(
            "shop-prod",
            "dkim",
            "10.0.1.7",
            3,
            "2026-11-16 11:57:00",
            None,
        );
        let chosen = answers(
            &lab,
            &[
                "SELECT db_user, attribution, federation_event_id FROM attributed_sessions \
               ORDER BY db_user",
            ],
        )
        .await;
        assert_eq!(
            chosen[0],
            vec![
                json!({"db_user": "ahaddad", "attribution": "exact", "federation_event_id": later}),
                json!({"db_user": "bcosta", "attribution": "exact", "federation_event_id": greater}),
                json!({"db_user": "dkim", "attribution": "exact", "federation_event_id": earlier}),
            ]
        );
    }
}
