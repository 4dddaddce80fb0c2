//! Reading text logs line by line with a bound on a line's length.
//!
//! `BufRead::read_until` keeps a whole line in memory however long it is, so a log with
//! one gigabyte-long line (a damaged file, or a hostile one: a few megabytes of gzip)
//! took gigabytes to ingest. No real audit line comes near the limit: MariaDB cuts
//! statements at `server_audit_query_log_limit` (1 KiB by default) and PostgreSQL
//! entries are cut at the same 16 MiB.

use std::io::BufRead;

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

#[cfg(test)]
mod tests {
    use super::*;

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
