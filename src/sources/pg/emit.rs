//! Entries → `db_events` rows, with the bookkeeping that spans entries: the PAM reason
//! logged just before a PAM (IAM) failure, and batching.

use std::collections::VecDeque;

use super::message::{Message, classify};
use super::pgaudit::parse_audit;
use super::{Context, Entry, Item};
use crate::sources::db_events::{DbEvent, DbEventRows, FileContext};
use crate::sources::{BATCH_ROWS, FileStats, Output, Reject, Sink, SourceError};

/// PAM reasons waiting for their FATAL; other backends may log in between.
const MAX_PAM_NOTES: usize = 64;

pub(super) struct Emitter<'a, 's> {
    file: FileContext<'a>,
    dialect: &'static str,
    rows: DbEventRows,
    stats: FileStats,
    /// Lines that were not part of any entry.
    strays: u64,
    /// `(pid, "pam_authenticate failed: …")`.
    pam: VecDeque<(i64, String)>,
    sink: &'a mut Sink<'s>,
}

impl<'a, 's> Emitter<'a, 's> {
    pub fn new(ctx: &Context<'a>, sink: &'a mut Sink<'s>) -> Self {
        Emitter {
            file: FileContext {
                instance: ctx.instance,
                engine: "postgres",
                source_uri: ctx.source_uri,
            },
            dialect: ctx.format.dialect(),
            rows: DbEventRows::default(),
            stats: FileStats::default(),
            strays: 0,
            pam: VecDeque::new(),
            sink,
        }
    }

    pub fn item(&mut self, item: Item) -> Result<(), SourceError> {
        self.stats.records += 1;
        match item {
            Item::Stray => {
                self.strays += 1;
                self.stats.skipped += 1;
            }
            Item::Reject(r) => self.stats.rejects.push(r),
            Item::Entry(e) => match classify(&e.severity, &e.message) {
                Ok(msg) => self.entry(&e, msg)?,
                Err(reason) => self
                    .stats
                    .rejects
                    .push(Reject::new(e.line, reason, &e.message)),
            },
        }
        Ok(())
    }

    /// The file had lines, and none of them was an entry.
    pub fn only_strays(&self) -> bool {
        self.strays > 0 && self.strays == self.stats.records
    }

    pub fn finish(mut self) -> Result<FileStats, SourceError> {
        self.stats.skipped += self.pam.len() as u64;
        if !self.rows.is_empty() {
            (self.sink)(Output::DbEvents, self.rows.finish()?)?;
        }
        Ok(self.stats)
    }

    fn entry(&mut self, e: &Entry, msg: Message<'_>) -> Result<(), SourceError> {
        let pam = match (&msg, e.pid) {
            (Message::PamReason, Some(pid)) => {
                self.note_pam(pid, &e.message);
                return Ok(());
            }
            (_, Some(pid)) => self.take_pam(pid),
            (_, None) => None,
        };
        // Only a PAM failure takes the reason; otherwise the note was not needed.
        let pam = match (&msg, pam) {
            (Message::AuthFailed { .. }, p) => p,
            (_, Some(_)) => {
                self.stats.skipped += 1;
                None
            }
            (_, None) => None,
        };
        let mut ev = base(e, self.dialect);
        // Owned texts the row borrows.
        let text: String;
        let operation: String;
        let audit;
        match msg {
            Message::Received { host, port } => {
                ev.operation = "CONNECTION_RECEIVED";
                ev.opens_session = true;
                ev.client_host = Some(host);
                ev.client_port = port.or(e.client_port);
            }
            Message::Authenticated { identity, method } => {
                ev.operation = "AUTHENTICATED";
                ev.auth_identity = identity;
                ev.auth_method = Some(method);
            }
            Message::Authorized {
                user,
                database,
                application_name,
                ssl,
            } => {
                ev.operation = "CONNECT";
                ev.db_user = ev.db_user.or(user);
                ev.database = ev.database.or(database);
                ev.application_name = ev.application_name.or(application_name);
                ev.ssl = Some(ssl);
            }
            Message::Disconnected {
                user,
                database,
                host,
                port,
            } => {
                ev.operation = "DISCONNECT";
                ev.db_user = ev.db_user.or(user);
                ev.database = ev.database.or(database);
                if ev.client_host.is_none() {
                    ev.client_host = host;
                    ev.client_port = port;
                }
            }
            Message::AuthFailed {
                sql_state,
                method,
                user,
                database,
            } => {
                ev.operation = "FAILED_CONNECT";
                ev.sql_state = ev.sql_state.or(Some(sql_state));
                ev.auth_method = method;
                ev.db_user = ev.db_user.or(user);
                ev.database = ev.database.or(database);
                text = failure_text(e, pam.as_deref());
                ev.message = Some(&text);
            }
            Message::Error => {
                ev.operation = "ERROR";
                ev.statement = e.statement.as_deref();
                ev.statement_truncated = e.truncated;
                text = failure_text(e, None);
                ev.message = Some(&text);
            }
            Message::Statement(sql) => {
                ev.operation = "QUERY";
                ev.statement = Some(sql);
                ev.statement_truncated = e.truncated;
            }
            Message::Audit(payload) => {
                audit = match parse_audit(payload) {
                    Ok(a) => a,
                    Err(reason) => {
                        self.stats
                            .rejects
                            .push(Reject::new(e.line, reason, &e.message));
                        return Ok(());
                    }
                };
                operation = format!("AUDIT_{}", audit.class);
                ev.operation = &operation;
                ev.query_id = Some(audit.statement_id);
                ev.substatement_id = Some(audit.substatement_id);
                ev.audit_type = Some(&audit.audit_type);
                ev.command = Some(&audit.command);
                ev.object_type = Some(&audit.object_type);
                ev.object = Some(&audit.object);
                ev.statement = Some(&audit.statement);
                ev.statement_truncated = e.truncated;
            }
            Message::PamReason | Message::Other => {
                self.stats.skipped += 1;
                return Ok(());
            }
        }
        self.stats.kept += 1 + u64::from(pam.is_some());
        self.rows.push(&self.file, &ev);
        if self.rows.len() >= BATCH_ROWS {
            (self.sink)(Output::DbEvents, self.rows.finish()?)?;
        }
        Ok(())
    }

    fn note_pam(&mut self, pid: i64, reason: &str) {
        if self.take_pam(pid).is_some() {
            self.stats.skipped += 1;
        }
        if self.pam.len() >= MAX_PAM_NOTES {
            self.pam.pop_front();
            self.stats.skipped += 1;
        }
        self.pam.push_back((pid, reason.to_string()));
    }

    /// The PAM reason this pid logged, if it is still waiting; the caller accounts for it.
    fn take_pam(&mut self, pid: i64) -> Option<String> {
        let at = self.pam.iter().position(|(p, _)| *p == pid)?;
        self.pam.remove(at).map(|(_, reason)| reason)
    }
}

/// The session facts every row of an entry carries.
fn base<'e>(e: &'e Entry, dialect: &'e str) -> DbEvent<'e> {
    DbEvent {
        event_time: e.time,
        db_user: e.user.as_deref(),
        client_host: e.client_host.as_deref(),
        client_port: e.client_port,
        connection_id: e.pid,
        session_id: e.session_id.as_deref(),
        database: e.database.as_deref(),
        application_name: e.application_name.as_deref(),
        // csvlog writes 00000 on every successful line; only real conditions are kept.
        sql_state: e.sql_state.as_deref().filter(|s| *s != "00000"),
        severity: Some(&e.severity),
        dialect,
        source_offset: e.line,
        not_utf8: e.not_utf8,
        ..Default::default()
    }
}

/// The message as PostgreSQL wrote it, with its DETAIL and the PAM reason logged before it.
fn failure_text(e: &Entry, pam: Option<&str>) -> String {
    let mut text = e.message.clone();
    if let Some(detail) = &e.detail {
        text.push_str("\nDETAIL:  ");
        text.push_str(detail);
    }
    if let Some(reason) = pam {
        text.push_str("\nLOG:  ");
        text.push_str(reason);
    }
    text
}
