//! Splits a System Log file into events without holding more than one at a time.

use std::fmt;
use std::io::BufRead;

use serde::de::{self, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::event::Rows;
use crate::sources::lines::{Budget, MAX_LINE_BYTES, Metered, read_line_capped, size};
use crate::sources::{BATCH_ROWS, FileStats, Output, Reject, Sink, SourceError};

/// Reads one System Log file (decompressed) and emits `idp_events` batches. Events that
/// cannot be rows become rejects with their index; a file that breaks off keeps the
/// events before the break and records where it broke.
pub fn parse(
    mut reader: impl BufRead,
    source_uri: &str,
    sink: &mut Sink<'_>,
) -> Result<FileStats, SourceError> {
    let mut state = State {
        rows: Rows::new(),
        stats: FileStats::default(),
        next: 0,
        source_uri,
    };
    if skip_to_content(&mut reader)? == Some(b'[') {
        array(reader, &mut state, sink)?;
    } else {
        ndjson(reader, &mut state, sink)?;
    }
    if state.rows.len() > 0 {
        sink(Output::IdpEvents, state.rows.finish()?)?;
    }
    Ok(state.stats)
}

struct State<'u> {
    rows: Rows,
    stats: FileStats,
    /// Index of the next event in the file.
    next: i64,
    source_uri: &'u str,
}

impl State<'_> {
    fn event(&mut self, raw: &str, sink: &mut Sink<'_>) -> Result<(), SourceError> {
        let offset = self.next;
        self.next += 1;
        self.stats.records += 1;
        match self.rows.push(raw, self.source_uri, offset) {
            Ok(()) => self.stats.kept += 1,
            Err(reason) => self.stats.rejects.push(Reject::new(offset, reason, raw)),
        }
        if self.rows.len() >= BATCH_ROWS {
            sink(Output::IdpEvents, self.rows.finish()?)?;
        }
        Ok(())
    }

    /// The rest of the file could not be read: one reject says from where.
    fn broken(&mut self, reason: String) {
        self.stats.records += 1;
        self.stats.rejects.push(Reject::new(self.next, reason, ""));
    }
}

/// Skips a UTF-8 BOM and whitespace; returns the first content byte (not consumed).
fn skip_to_content(reader: &mut impl BufRead) -> std::io::Result<Option<u8>> {
    let mut first = true;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        let bom = if first && buf.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        first = false;
        let skip = bom
            + buf[bom..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        if skip < buf.len() {
            let b = buf[skip];
            reader.consume(skip);
            return Ok(Some(b));
        }
        let n = buf.len();
        reader.consume(n);
    }
}

fn ndjson(
    mut reader: impl BufRead,
    state: &mut State<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), SourceError> {
    let mut line = Vec::with_capacity(4096);
    loop {
        line.clear();
        let (length, over) = match read_line_capped(&mut reader, &mut line, MAX_LINE_BYTES) {
            Ok((0, _)) => return Ok(()),
            Ok(read) => read,
            Err(e) => {
                state.broken(format!("file unreadable from event {} on: {e}", state.next));
                return Ok(());
            }
        };
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        if over {
            let offset = state.next;
            state.next += 1;
            state.stats.records += 1;
            let reason = format!(
                "event of {length} bytes is longer than the {} limit: not read",
                size(MAX_LINE_BYTES)
            );
            let head = String::from_utf8_lossy(&text[..text.len().min(1024)]);
            state.stats.rejects.push(Reject::new(offset, reason, &head));
            continue;
        }
        match std::str::from_utf8(text) {
            Ok(raw) => state.event(raw, sink)?,
            Err(e) => {
                let offset = state.next;
                state.next += 1;
                state.stats.records += 1;
                let head = String::from_utf8_lossy(&text[..text.len().min(1024)]);
                let reason = format!("event is not UTF-8: {e}");
                state.stats.rejects.push(Reject::new(offset, reason, &head));
            }
        }
    }
}

fn array(
    reader: impl BufRead,
    state: &mut State<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), SourceError> {
    // serde holds a whole element before handing it on: the budget bounds it.
    let budget = Budget::default();
    let metered = Metered::new(reader, budget.clone(), MAX_LINE_BYTES, "an event");
    let mut de = serde_json::Deserializer::from_reader(metered);
    let mut failed = None;
    let read = de::Deserializer::deserialize_seq(
        &mut de,
        Elements {
            state: &mut *state,
            sink,
            failed: &mut failed,
            budget,
        },
    )
    .and_then(|()| de.end());
    if let Some(e) = failed {
        return Err(e);
    }
    if let Err(e) = read {
        let reason = if e.is_eof() {
            format!("JSON array cut off at event {}: {e}", state.next)
        } else {
            format!("JSON array unreadable from event {} on: {e}", state.next)
        };
        state.broken(reason);
    }
    Ok(())
}

/// Visits the array's elements one by one, handing each to [`State::event`].
struct Elements<'a, 'u, 's, 'k> {
    state: &'a mut State<'u>,
    sink: &'a mut Sink<'k>,
    /// A sink error: it stops the file, unlike a bad event.
    failed: &'s mut Option<SourceError>,
    budget: Budget,
}

impl<'de> Visitor<'de> for Elements<'_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of Okta System Log events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            self.budget.reset();
            if let Err(e) = self.state.event(raw.get(), self.sink) {
                *self.failed = Some(e);
                return Err(de::Error::custom("cannot store batch"));
            }
        }
        Ok(())
    }
}
