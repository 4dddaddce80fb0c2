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
pub const VIEWS: [View; 6] = [
    view!("db_session_events"),
    view!("db_sessions"),
    view!("attributed_sessions"),
    view!("who_accessed"),
    view!("idp_sessions"),
    view!("idp_aws_sso"),
];

/// `tagtrail who`: `$1` = `db.table`, `$2`/`$3` = time range.
pub const WHO: &str = include_str!("../../queries/who.sql");
