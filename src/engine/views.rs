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
    use super::readers_of;

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
}
