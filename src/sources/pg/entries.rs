//! Frames a stderr log into entries: a prefixed line, its TAB continuation lines, and the
//! DETAIL/HINT/CONTEXT/STATEMENT lines PostgreSQL writes right after it for the same pid.

use std::io::BufRead;

use chrono_tz::Tz;

use super::prefix::{LinePrefix, PrefixedLine};
use super::time::{parse_epoch, parse_time};
use super::{Entry, Item, known, split_remote};
use crate::sources::lines::{read_line_capped, split_zero_fill};
use crate::sources::timefmt::in_range;
use crate::sources::{Reject, SourceError};

/// Longer entries are cut (and flagged `statement_truncated`) so memory stays bounded.
pub(super) const MAX_ENTRY_BYTES: usize = 16 << 20;

/// Room for a line's prefix beyond [`MAX_ENTRY_BYTES`] when reading a line.
const PREFIX_ROOM: usize = 64 << 10;

/// Where continuation lines go.
#[derive(Debug, Clone, Copy)]
enum Tail {
    Message,
    Detail,
    Statement,
    Ignored,
}

enum Current {
    Open(Box<Entry>, Tail),
    /// An entry that was rejected: its continuation and detail lines go with it.
    Rejected(Option<i64>),
}

/// Reads line by line and hands each complete entry, stray line or reject to `on`.
pub(super) fn read_stderr(
    reader: impl BufRead,
    prefix: &LinePrefix,
    tz: Tz,
    on: &mut dyn FnMut(Item) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    read_stderr_within(reader, prefix, tz, MAX_ENTRY_BYTES, on)
}

/// [`read_stderr`] with entries cut at `max_entry` bytes.
pub(super) fn read_stderr_within(
    mut reader: impl BufRead,
    prefix: &LinePrefix,
    tz: Tz,
    max_entry: usize,
    on: &mut dyn FnMut(Item) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let mut current: Option<Current> = None;
    let mut buf = Vec::with_capacity(1024);
    let mut number = 0i64;
    loop {
        buf.clear();
        // A line is kept up to its prefix and one byte over the entry limit: enough for
        // the entry to be cut and flagged as for any longer text, without holding a huge
        // line whole.
        match read_line_capped(&mut reader, &mut buf, max_entry + PREFIX_ROOM) {
            Ok((0, _)) => break,
            Ok((_, over)) => {
                if over {
                    drop_cut_character(&mut buf);
                }
            }
            // A truncated or corrupt (gzip) file: keep what was read, record where it broke.
            Err(e) => {
                flush(&mut current, on)?;
                let reason = format!("file unreadable from line {} on: {e}", number + 1);
                on(Item::Reject(Reject::new(number + 1, reason, "")))?;
                return Ok(());
            }
        }
        number += 1;
        let mut raw = trim_eol(&buf);
        if let Some((reason, rest)) = split_zero_fill(raw) {
            on(Item::Reject(Reject::new(number, reason, "")))?;
            raw = rest;
        }
        let text = String::from_utf8_lossy(raw);
        let not_utf8 = matches!(text, std::borrow::Cow::Owned(_));
        if let Some(rest) = text.strip_prefix('\t') {
            match &mut current {
                Some(Current::Open(entry, tail)) => {
                    entry.not_utf8 |= not_utf8;
                    append(entry, *tail, rest, max_entry);
                }
                Some(Current::Rejected(_)) => {}
                None => on(Item::Stray)?,
            }
            continue;
        }
        if text.trim().is_empty() {
            continue;
        }
        let Some(line) = prefix.parse(&text) else {
            on(Item::Stray)?;
            continue;
        };
        if let Some(tail) = attach(&mut current, &line) {
            if let Some(Current::Open(entry, t)) = &mut current {
                *t = tail;
                entry.not_utf8 |= not_utf8;
                let part = match tail {
                    Tail::Detail => Some(&mut entry.detail),
                    Tail::Statement => Some(&mut entry.statement),
                    Tail::Message | Tail::Ignored => None,
                };
                if let Some(part) = part {
                    *part = Some(line.message.to_string());
                }
            }
            continue;
        }
        flush(&mut current, on)?;
        current = Some(match entry(&line, number, tz) {
            Ok(e) => {
                let mut e = Entry { not_utf8, ..e };
                // Regression (hostile corpus): a first line over the limit was kept at
                // limit + prefix room and not flagged as cut.
                e.truncated = cut_at(&mut e.message, max_entry);
                Current::Open(Box::new(e), Tail::Message)
            }
            Err(reason) => {
                on(Item::Reject(Reject::new(number, reason, &text)))?;
                Current::Rejected(line.pid)
            }
        });
    }
    flush(&mut current, on)
}

/// Whether a DETAIL-like line continues the current entry, and which part it fills.
fn attach(current: &mut Option<Current>, line: &PrefixedLine<'_>) -> Option<Tail> {
    let tail = match line.severity {
        "DETAIL" => Tail::Detail,
        "STATEMENT" => Tail::Statement,
        "HINT" | "CONTEXT" | "QUERY" | "LOCATION" => Tail::Ignored,
        _ => return None,
    };
    let pid = match current.as_ref()? {
        Current::Open(e, _) => e.pid,
        Current::Rejected(pid) => *pid,
    };
    (pid == line.pid).then_some(tail)
}

fn flush(
    current: &mut Option<Current>,
    on: &mut dyn FnMut(Item) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    match current.take() {
        Some(Current::Open(entry, _)) => on(Item::Entry(entry)),
        Some(Current::Rejected(_)) | None => Ok(()),
    }
}

fn entry(line: &PrefixedLine<'_>, number: i64, tz: Tz) -> Result<Entry, String> {
    let time = match (line.time, line.epoch) {
        (Some(t), _) => parse_time(t, tz)?,
        (None, Some(n)) => parse_epoch(n)?,
        (None, None) => return Err("line has no time (prefix cut short by %q)".into()),
    };
    let time = in_range(time)?;
    let (client_host, client_port) = match (line.remote, line.host) {
        (Some(r), _) => split_remote(r, true),
        (None, Some(h)) => (known(Some(h)), None),
        (None, None) => (None, None),
    };
    Ok(Entry {
        line: number,
        time,
        user: known(line.user),
        database: known(line.database),
        client_host,
        client_port,
        pid: line.pid,
        session_id: known(line.session_id),
        application_name: known(line.application_name),
        sql_state: known(line.sql_state),
        severity: line.severity.to_string(),
        message: line.message.to_string(),
        ..Default::default()
    })
}

/// A continuation line: one TAB already stripped, the newline kept.
fn append(entry: &mut Entry, tail: Tail, rest: &str, max_entry: usize) {
    let size = entry.message.len()
        + entry.detail.as_ref().map_or(0, String::len)
        + entry.statement.as_ref().map_or(0, String::len);
    if size + 1 + rest.len() > max_entry {
        entry.truncated = true;
        return;
    }
    let part = match tail {
        Tail::Message => &mut entry.message,
        Tail::Detail => entry.detail.get_or_insert_default(),
        Tail::Statement => entry.statement.get_or_insert_default(),
        Tail::Ignored => return,
    };
    part.push('\n');
    part.push_str(rest);
}

/// Cuts `text` to at most `max` bytes, at a character boundary; whether it cut.
fn cut_at(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    true
}

/// A line cut at the byte limit may end inside a character: that is a cut, not bytes
/// that are not UTF-8, so the partial character goes.
fn drop_cut_character(buf: &mut Vec<u8>) {
    if let Err(e) = std::str::from_utf8(buf)
        && e.error_len().is_none()
    {
        buf.truncate(e.valid_up_to());
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
