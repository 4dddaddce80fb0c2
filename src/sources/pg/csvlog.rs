//! csvlog: one CSV record per entry, real newlines inside quoted fields. The column set
//! grew over the years, so the count says the version: 23 (PostgreSQL ≤ 12), 24 (13,
//! `backend_type`), 26 (14+, `leader_pid`, `query_id`). The first 23 never moved, so
//! wider records (a newer server's added columns) are read by the same positions.

use std::io::Read;

use chrono_tz::Tz;

use super::time::parse_time;
use super::{Entry, Item, known, split_remote};
use crate::sources::lines::{Budget, MAX_LINE_BYTES, Metered};
use crate::sources::timefmt::in_range;
use crate::sources::{Reject, SourceError};

const LOG_TIME: usize = 0;
const USER_NAME: usize = 1;
const DATABASE_NAME: usize = 2;
const PROCESS_ID: usize = 3;
const CONNECTION_FROM: usize = 4;
const SESSION_ID: usize = 5;
const ERROR_SEVERITY: usize = 11;
const SQL_STATE_CODE: usize = 12;
const MESSAGE: usize = 13;
const DETAIL: usize = 14;
const QUERY: usize = 19;
const QUERY_POS: usize = 20;
const APPLICATION_NAME: usize = 22;

/// Reads records one at a time (the reader holds one record) and hands each on.
pub(super) fn read_csvlog(
    reader: impl Read,
    tz: Tz,
    on: &mut dyn FnMut(Item) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    // The CSV reader holds a whole record, however long: the budget bounds it (to within
    // the reader's look-ahead).
    let budget = Budget::default();
    let metered = Metered::new(reader, budget.clone(), MAX_LINE_BYTES, "a csvlog record");
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(metered);
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => budget.reset(),
            Err(e) => {
                // An I/O error (the size limit) has no position: the record that
                // failed starts where the reader stands.
                let line = e.position().unwrap_or(csv.position()).line() as i64;
                let reason = format!("file unreadable from line {line} on: {e}");
                on(Item::Reject(Reject::new(line, reason, "")))?;
                return Ok(());
            }
        }
        let line = record.position().map_or(0, |p| p.line() as i64);
        let not_utf8 = std::str::from_utf8(record.as_slice()).is_err();
        let fields: Vec<String> = record
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        on(match entry(&fields, line, tz) {
            Ok(e) => Item::Entry(Box::new(Entry { not_utf8, ..e })),
            Err(reason) => Item::Reject(Reject::new(line, reason, &fields.join(","))),
        })?;
    }
}

fn entry(f: &[String], line: i64, tz: Tz) -> Result<Entry, String> {
    if !matches!(f.len(), 23 | 24 | 26..) {
        return Err(format!(
            "csvlog record has {} columns, expected 23, 24 or 26 (truncated, or not a csvlog)",
            f.len()
        ));
    }
    let text = |i: usize| known(Some(f[i].as_str()));
    let pid = match f[PROCESS_ID].as_str() {
        "" => None,
        p => Some(
            p.parse::<i64>()
                .map_err(|_| format!("process_id `{p}` is not a number"))?,
        ),
    };
    let (client_host, client_port) = split_remote(&f[CONNECTION_FROM], false);
    Ok(Entry {
        line,
        time: in_range(parse_time(&f[LOG_TIME], tz)?)?,
        user: text(USER_NAME),
        database: text(DATABASE_NAME),
        client_host,
        client_port,
        pid,
        session_id: text(SESSION_ID),
        application_name: text(APPLICATION_NAME),
        sql_state: text(SQL_STATE_CODE),
        severity: f[ERROR_SEVERITY].clone(),
        // stderr appends the error position to the message; so does this, so that one
        // event reads the same from either file.
        message: match f[QUERY_POS].as_str() {
            "" => f[MESSAGE].clone(),
            pos => format!("{} at character {pos}", f[MESSAGE]),
        },
        detail: text(DETAIL),
        statement: text(QUERY),
        truncated: false,
        not_utf8: false,
    })
}
