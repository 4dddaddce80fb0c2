//! CloudTrail records → `federated_sessions` and `cloudtrail_events`.
//!
//! A CloudTrail log file is `{"Records":[...]}` (plain or gzip); the LookupEvents API
//! returns the same record as a JSON string per event. Both go through [`Decoder`], so
//! a record means the same thing whichever way it arrived.
//!
//! Real trails are mostly noise for tagtrail (S3 reads, KMS, Describe* calls), so a
//! record's fate is decided from its bytes first ([`prefilter`]): only records whose
//! `eventName` is in the [`EventFilter`] get a full decode. `AssumeRoleWithSAML` becomes
//! a `federated_sessions` row ([`sessions`]); the other kept events become
//! `cloudtrail_events` rows ([`events`]). Secrets in the records (STS session tokens,
//! passwords, OAuth tokens) are never stored: the session decoder does not deserialise
//! them and the event decoder scrubs the JSON it keeps.

pub mod events;
pub mod identity;
pub mod prefilter;
pub mod records;
pub mod sessions;

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{FileStats, Output, Reject, Sink, SourceError};

pub use sessions::{permission_set, schema};

/// The event that starts a federated session; it always goes to `federated_sessions`.
pub const ASSUME_ROLE_WITH_SAML: &str = "AssumeRoleWithSAML";

/// Events kept in `cloudtrail_events` unless the user chooses otherwise: the Identity
/// Center sign-in sequence, role chaining and the caller-IP witness, the RDS control
/// plane (IAM auth on/off, tags that drive ABAC), policy and ABAC changes, and the
/// token-based database logins that CloudTrail does record.
pub const DEFAULT_EVENTS: &[&str] = &[
    // Identity Center sign-in and credentials (signin, sso, sso-oauth)
    "UserAuthentication",
    "CredentialChallenge",
    "CredentialVerification",
    "Authenticate",
    "Federate",
    "GetRoleCredentials",
    "ListAccountRoles",
    "CreateToken",
    "CreateTokenWithIAM",
    // Sign-in, role chaining, caller identity
    "ConsoleLogin",
    "AssumeRole",
    "AssumeRoleWithWebIdentity",
    "GetCallerIdentity",
    // RDS control plane
    "CreateDBInstance",
    "ModifyDBInstance",
    "ModifyDBCluster",
    "AddTagsToResource",
    "RemoveTagsFromResource",
    "DeleteDBInstance",
    // Policy and ABAC changes
    "PutRolePolicy",
    "AttachRolePolicy",
    "CreatePermissionSet",
    "PutInlinePolicyToPermissionSet",
    "DeleteRolePolicy",
    "DeleteInlinePolicyFromPermissionSet",
    "ProvisionPermissionSet",
    "CreateAccountAssignment",
    "DeleteAccountAssignment",
    "CreateInstanceAccessControlAttributeConfiguration",
    "UpdateInstanceAccessControlAttributeConfiguration",
    // Token-based database logins CloudTrail records
    "DbConnect",
    "DbConnectAdmin",
    "GetClusterCredentials",
    "GetClusterCredentialsWithIAM",
];

/// Which `eventName`s end up in `cloudtrail_events`. `AssumeRoleWithSAML` is always
/// decoded (into `federated_sessions`) whatever the filter says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFilter {
    names: BTreeSet<String>,
}

impl Default for EventFilter {
    fn default() -> Self {
        EventFilter::new(DEFAULT_EVENTS.iter().copied())
    }
}

impl EventFilter {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        EventFilter {
            names: names.into_iter().map(str::to_string).collect(),
        }
    }

    /// Parses the `--events` value: comma-separated names, where `default` stands for
    /// [`DEFAULT_EVENTS`] (so `default,DescribeDBInstances` adds one event).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut names = BTreeSet::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item == "default" {
                names.extend(DEFAULT_EVENTS.iter().map(|s| s.to_string()));
            } else if item.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                names.insert(item.to_string());
            } else {
                return Err(format!(
                    "`{item}` is not an event name (letters, digits, `_`)"
                ));
            }
        }
        if names.is_empty() {
            return Err("no event names given".into());
        }
        Ok(EventFilter { names })
    }

    pub fn keeps(&self, event_name: &str) -> bool {
        event_name == ASSUME_ROLE_WITH_SAML || self.names.contains(event_name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }
}

#[derive(Deserialize)]
struct LogFile<'a> {
    #[serde(rename = "Records", borrow)]
    records: Vec<&'a RawValue>,
}

/// Just enough of a record to decide whether to decode the rest, for records the
/// byte-level prefilter cannot decide alone.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "eventName", borrow, default)]
    event_name: Option<&'a str>,
}

/// Turns single CloudTrail records into rows of both tables and flushes full batches.
pub struct Decoder<'f> {
    filter: &'f EventFilter,
    sessions: sessions::Rows,
    events: events::Rows,
    stats: FileStats,
}

impl<'f> Decoder<'f> {
    pub fn new(filter: &'f EventFilter) -> Self {
        Decoder {
            filter,
            sessions: sessions::Rows::new(),
            events: events::Rows::new(),
            stats: FileStats::default(),
        }
    }

    /// Decodes one record (a JSON object) read from `source_uri` at `offset`.
    pub fn record(
        &mut self,
        raw: &str,
        source_uri: &str,
        offset: i64,
        sink: &mut Sink<'_>,
    ) -> Result<(), SourceError> {
        self.stats.records += 1;
        let name = match prefilter::event_name(raw.as_bytes()) {
            prefilter::Name::Found(name) => name,
            prefilter::Name::Unsure => match serde_json::from_str::<Head>(raw) {
                Ok(Head {
                    event_name: Some(n),
                }) => n,
                Ok(Head { event_name: None }) => "",
                Err(e) => {
                    self.reject(offset, format!("record is not a JSON object: {e}"), raw);
                    return Ok(());
                }
            },
        };
        if !self.filter.keeps(name) {
            self.stats.skipped += 1;
            return Ok(());
        }
        let outcome = if name == ASSUME_ROLE_WITH_SAML {
            self.sessions.push(raw, source_uri, offset)
        } else {
            self.events.push(raw, source_uri, offset)
        };
        match outcome {
            Ok(()) => self.stats.kept += 1,
            Err(reason) => self.reject(offset, reason, raw),
        }
        if self.sessions.len() >= super::BATCH_ROWS {
            sink(Output::FederatedSessions, self.sessions.finish()?)?;
        }
        if self.events.len() >= super::BATCH_ROWS {
            sink(Output::CloudTrailEvents, self.events.finish()?)?;
        }
        Ok(())
    }

    fn reject(&mut self, offset: i64, reason: String, raw: &str) {
        self.stats.rejects.push(Reject::new(offset, reason, raw));
    }

    /// An element of the file that is not a readable record: counted and kept.
    fn bad(&mut self, offset: i64, reason: String, raw: &[u8]) {
        self.stats.records += 1;
        // The excerpt is short; do not convert a whole cut-off file to text for it.
        let head = &raw[..raw.len().min(1024)];
        self.reject(offset, reason, &String::from_utf8_lossy(head));
    }

    /// Flushes what is left and returns the counts.
    pub fn finish(mut self, sink: &mut Sink<'_>) -> Result<FileStats, SourceError> {
        if self.sessions.len() > 0 {
            sink(Output::FederatedSessions, self.sessions.finish()?)?;
        }
        if self.events.len() > 0 {
            sink(Output::CloudTrailEvents, self.events.finish()?)?;
        }
        Ok(self.stats)
    }
}

/// Decodes one CloudTrail file's bytes (already decompressed).
pub fn parse(
    bytes: &[u8],
    source_uri: &str,
    filter: &EventFilter,
    sink: &mut Sink<'_>,
) -> Result<FileStats, SourceError> {
    let mut decoder = Decoder::new(filter);
    let Some(items) = records::split(bytes) else {
        // An unusual layout (other keys first, …): let the JSON parser read it or say why not.
        let file: LogFile = serde_json::from_slice(bytes).map_err(|e| {
            SourceError::NotCloudTrail(format!("expected {{\"Records\":[...]}}: {e}"))
        })?;
        for (index, raw) in file.records.iter().enumerate() {
            decoder.record(raw.get(), source_uri, index as i64, sink)?;
        }
        return decoder.finish(sink);
    };
    for (index, item) in items.enumerate() {
        let offset = index as i64;
        match item {
            records::Item::Record(raw) => match std::str::from_utf8(raw) {
                Ok(raw) => decoder.record(raw, source_uri, offset, sink)?,
                Err(e) => decoder.bad(offset, format!("record is not UTF-8: {e}"), raw),
            },
            records::Item::Bad { text, reason } => decoder.bad(offset, reason, text),
        }
    }
    decoder.finish(sink)
}

#[cfg(test)]
mod tests;
