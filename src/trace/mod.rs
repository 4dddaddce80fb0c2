//! `tagtrail trace`: one identity followed along the chain IdP sign-in → MFA → SSO →
//! SAML attributes → AssumeRoleWithSAML → rds-db:connect policy → db user → db login →
//! statements, saying which link breaks and why, with the evidence to check it.
//!
//! [`lake`] gathers each link's evidence (SQL in `queries/trace/`), [`files`] reads
//! `--assertion`/`--policy` files, [`diagnose`] recognizes the known breaks from those
//! [`facts`] alone, and [`links`] turns both into one status per link.

pub mod chain;
mod columns;
pub mod diagnose;
pub mod facts;
pub mod files;
pub mod lake;
pub mod links;
pub mod render;

use std::path::PathBuf;

pub use chain::{Diagnosis, Link, LinkKind, Status, Trace};
pub use facts::Facts;
pub use lake::Period;

use crate::engine::{Engine, EngineError};

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("reading trace evidence: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("{path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a policy file tagtrail reads: {message}")]
    Policy { path: String, message: String },
    #[error(transparent)]
    Lint(#[from] crate::lint::LintError),
}

/// The views the trace queries read several times each (once per person and db user):
/// computed once, the attribution views are most of a trace's time.
const CACHED_VIEWS: &[&str] = &[
    "role_sessions",
    "session_mfa",
    "attributed_sessions",
    "idp_aws_sso",
    "db_grants",
];

/// What to trace and with which extra evidence.
#[derive(Debug, Clone)]
pub struct TraceOptions {
    pub subject: String,
    pub period: Period,
    /// Captured SAML responses or assertions (XML or the base64 form value).
    pub assertions: Vec<PathBuf>,
    /// IAM or permission-set policy files; they replace the lake's grants.
    pub policies: Vec<PathBuf>,
    /// The configured db-user tag key, for the lint of assertions.
    pub tag_key: String,
    /// Clock skew allowed around a session's validity, µs.
    pub skew: i64,
}

/// Gathers the evidence and judges every link.
pub async fn trace(engine: &Engine, opts: &TraceOptions) -> Result<Trace, TraceError> {
    engine.cache_views(CACHED_VIEWS).await?;
    let mut facts = lake::load(engine, &opts.subject, opts.period, opts.skew).await?;
    facts.configured_key = opts.tag_key.clone();
    if !opts.policies.is_empty() {
        facts.grants.clear();
        for path in &opts.policies {
            facts.grants.extend(files::read_policy(path)?);
        }
    }
    for path in &opts.assertions {
        facts
            .assertions
            .extend(files::read_assertion(path, &opts.tag_key)?);
    }
    Ok(judge(&facts))
}

/// The trace of already gathered facts.
pub fn judge(facts: &Facts) -> Trace {
    let diagnoses = diagnose::diagnose(facts);
    Trace {
        subject: facts.subject.clone(),
        persons: facts.persons.clone(),
        db_users: diagnose::tag_values(facts),
        links: links::links(facts, &diagnoses),
        diagnoses,
    }
}

#[cfg(test)]
mod tests;
