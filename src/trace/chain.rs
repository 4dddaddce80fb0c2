//! The chain one identity walks from the IdP to the database, as links in order, so a
//! trace can say which link broke first rather than list raw events.

use serde::Serialize;

/// The links, in the order a sign-in walks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    IdpSignIn,
    Mfa,
    SsoToAws,
    SamlAttributes,
    AssumeRoleWithSaml,
    RdsConnectPolicy,
    DbUser,
    DbLogin,
    Statements,
}

impl LinkKind {
    pub const ALL: [LinkKind; 9] = [
        LinkKind::IdpSignIn,
        LinkKind::Mfa,
        LinkKind::SsoToAws,
        LinkKind::SamlAttributes,
        LinkKind::AssumeRoleWithSaml,
        LinkKind::RdsConnectPolicy,
        LinkKind::DbUser,
        LinkKind::DbLogin,
        LinkKind::Statements,
    ];

    pub fn label(self) -> &'static str {
        match self {
            LinkKind::IdpSignIn => "IdP sign-in",
            LinkKind::Mfa => "MFA",
            LinkKind::SsoToAws => "SSO to AWS",
            LinkKind::SamlAttributes => "SAML attributes",
            LinkKind::AssumeRoleWithSaml => "AssumeRoleWithSAML",
            LinkKind::RdsConnectPolicy => "rds-db:connect policy",
            LinkKind::DbUser => "db user",
            LinkKind::DbLogin => "db login",
            LinkKind::Statements => "statements",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Broken,
    /// No evidence either way: the source was not ingested or not given.
    Unknown,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Broken => "broken",
            Status::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub link: LinkKind,
    pub status: Status,
    /// One plain sentence.
    pub summary: String,
    /// Event ids, `file:line`, `instance:connection:seq`.
    pub evidence: Vec<String>,
}

/// A recognized way the chain breaks, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// Stable kebab-case id, e.g. `tag-value-case`.
    pub id: &'static str,
    pub link: LinkKind,
    pub message: String,
    pub evidence: Vec<String>,
    /// Whether the link is broken by it; a key-case difference IAM tolerates, or a
    /// refused federation followed by a good one, is said but does not break it.
    pub breaks_link: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    pub subject: String,
    pub persons: Vec<String>,
    pub db_users: Vec<String>,
    pub links: Vec<Link>,
    pub diagnoses: Vec<Diagnosis>,
}
