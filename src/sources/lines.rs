//! Reading text logs line by line with a bound on a line's length.
//!
//! `BufRead::read_until` keeps a whole line in memory however long it is, so a log with
//! one gigabyte-long line (a damaged file, or a hostile one: a few megabytes of gzip)
//! took gigabytes to ingest. No real audit line comes near the limit: MariaDB cuts
//! statements at `server_audit_query_log_limit` (1 KiB by default) and PostgreSQL
//! entries are cut at the same 16 MiB.

use std::io::{BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The longest line read; the rest of a longer line is skipped and the line rejected.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// One line of `reader` (with its `\n`) appended to `buf`, keeping at most `max` bytes
/// of it and skipping the rest. Returns the line's whole length in bytes (0 at the end
/// of the input) and whether it was longer than `max`.
pub fn read_line_capped(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<(usize, bool)> {
    let (mut total, mut over) = (0, false);
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((total, over));
        }
        let (done, used) = match memchr::memchr(b'\n', available) {
            Some(i) => (true, i + 1),
            None => (false, available.len()),
        };
        let take = used.min(max.saturating_sub(buf.len()));
        buf.extend_from_slice(&available[..take]);
        over |= take < used;
        reader.consume(used);
        total += used;
        if done {
            return Ok((total, over));
        }
    }
}

/// Bytes read since the last [`Budget::reset`], shared between a [`Metered`] reader and
/// the code that knows where elements end. A streaming JSON parser holds a whole
/// element (an Okta event, a CLI log portion) before handing it on and cannot be told
/// a limit; the reader under it can.
#[derive(Clone, Default)]
pub struct Budget(Arc<AtomicUsize>);

impl Budget {
    /// An element ended: the next one starts from zero.
    pub fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

/// A reader that fails once more than `max` bytes were read since its budget's last reset.
pub struct Metered<R> {
    inner: R,
    budget: Budget,
    max: usize,
    what: &'static str,
}

impl<R> Metered<R> {
    /// `what` names the element in the error (`an Okta event`).
    pub fn new(inner: R, budget: Budget, max: usize, what: &'static str) -> Self {
        Metered {
            inner,
            budget,
            max,
            what,
        }
    }
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let used = self.budget.0.fetch_add(n, Ordering::Relaxed) + n;
        if used > self.max {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is longer than the {} limit", self.what, size(self.max)),
            ));
        }
        Ok(n)
    }
}

/// `16 MiB` for whole mebibytes, else bytes.
pub fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// A line that opens with NUL bytes: the reject reason for the run, and the rest of the
/// line. A crash can leave a file's last blocks zero-filled (its size was written, its
/// data not); the server's next line, written after the restart, follows the zeros on
/// the same "line". The zeros are rejected and that next line is read.
pub fn split_zero_fill(line: &[u8]) -> Option<(String, &[u8])> {
    let zeros = line.iter().take_while(|b| **b == 0).count();
    (zeros > 0).then(|| {
        let reason = format!(
            "{zeros} NUL byte(s) where a line should start: a zero-filled region, as a crash leaves"
        );
        (reason, &line[zeros..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metered_reader_fails_past_its_budget_until_reset() {
        let budget = Budget::default();
        let mut r = Metered::new(&b"abcdefghij"[..], budget.clone(), 4, "an element");
        let mut one = [0u8; 3];
        assert_eq!(r.read(&mut one).unwrap(), 3);
        budget.reset();
        assert_eq!(r.read(&mut one).unwrap(), 3);
        let err = r.read(&mut one).unwrap_err();
        assert_eq!(
            err.to_string(),
            "an element is longer than the 4 bytes limit"
        );
    }

    #[test]
    fn a_zero_filled_run_is_split_from_the_line_after_it() {
        assert_eq!(split_zero_fill(b"2026 ok"), None);
        let (reason, rest) = split_zero_fill(b"\0\0\0\x002026 ok").unwrap();
        assert_eq!(
            (reason.as_str(), rest),
            (
                "4 NUL byte(s) where a line should start: a zero-filled region, as a crash leaves",
                &b"2026 ok"[..]
            )
        );
        assert_eq!(split_zero_fill(b"\0\0").unwrap().1, b"");
    }

    #[test]
    fn lines_longer_than_the_limit_are_cut_and_the_rest_skipped() {
        // A small buffer, so that lines span several fills.
        let text = b"short\nabcdefghijklmnop\n\nlast without newline";
        let mut reader = std::io::BufReader::with_capacity(4, &text[..]);
        let mut lines = Vec::new();
        loop {
            let mut buf = Vec::new();
            let (n, over) = read_line_capped(&mut reader, &mut buf, 8).unwrap();
            if n == 0 {
                break;
            }
            lines.push((String::from_utf8(buf).unwrap(), n, over));
        }
        let want = [
            ("short\n", 6, false),
            ("abcdefgh", 17, true),
            ("\n", 1, false),
            ("last wit", 20, true),
        ];
        let got: Vec<_> = lines.iter().map(|(s, n, o)| (s.as_str(), *n, *o)).collect();
        assert_eq!(got, want);
    }
}
