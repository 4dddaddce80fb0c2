//! How a database log reached us, as opposed to what the server wrote: the same
//! audit or PostgreSQL lines arrive as the file itself, wrapped by CloudWatch Logs'
//! export to S3, or wrapped in the JSON the AWS CLI prints for
//! `aws rds download-db-log-file-portion`. [`open_lines`] undoes the wrapping, so every
//! line parser reads the lines the server wrote, whatever the delivery.
//!
//! Format-agnostic on purpose: bytes in, lines out. Nothing here knows MySQL or
//! PostgreSQL, so the MySQL-family and PostgreSQL parsers share it.

use std::io::{BufRead, Cursor, Read};

use crate::sources::lines::{Budget, MAX_LINE_BYTES, Metered, read_line_capped};
use serde::Deserialize;

/// How a file wraps the server's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// The server's lines as written: a file copied from the instance, the RDS
    /// console's download, or the CLI's `--output text` (which adds blank lines between
    /// portions; parsers skip blank lines).
    Plain,
    /// CloudWatch Logs `CreateExportTask` output: every event's first line is prefixed
    /// by the event time, `2019-08-09T18:00:00.000Z ` (darold/pgbadger#521, #609);
    /// continuation lines of a multi-line event carry no prefix. The files are not
    /// time-ordered ("Time-based sorting on chunks of log data inside an exported file
    /// is not guaranteed", API_CreateExportTask), so nothing downstream may assume order.
    CloudWatchExport,
    /// The AWS CLI's JSON output of `aws rds download-db-log-file-portion`: objects
    /// `{"LogFileData": "...", "Marker": "...", "AdditionalDataPending": ...}` — one for
    /// the whole file when the CLI paginates itself (it concatenates the `LogFileData`
    /// of every page: the CLI reference names `LogFileData` as the paginated result
    /// key, and aws/aws-cli#3079 shows the `{"LogFileData": "…"}` shape), or one per
    /// call, concatenated, when a script loops over `--marker` with `--no-paginate`.
    CliJson,
}

impl Layout {
    /// The name shown in reports.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Plain => "plain",
            Layout::CloudWatchExport => "cloudwatch-export",
            Layout::CliJson => "rds-cli-json",
        }
    }
}

/// Bytes read ahead to recognise the layout: the decision needs only the start of the
/// first non-empty line (or the first JSON key), never a whole line.
const HEAD_BYTES: u64 = 4096;

/// Recognises the layout from the first bytes of (decompressed) content.
pub fn detect(head: &[u8]) -> Layout {
    let text = head.trim_ascii_start();
    if text.starts_with(b"{") && is_portion_json(&text[1..]) {
        return Layout::CliJson;
    }
    if cloudwatch_prefix_len(text) > 0 {
        return Layout::CloudWatchExport;
    }
    Layout::Plain
}

/// The first key of a DownloadDBLogFilePortion response (the CLI keeps the API's order,
/// but accept any of the three), so that CloudTrail's `{"Records": …}` is never taken.
fn is_portion_json(after_brace: &[u8]) -> bool {
    let t = after_brace.trim_ascii_start();
    [
        &b"\"LogFileData\""[..],
        b"\"Marker\"",
        b"\"AdditionalDataPending\"",
    ]
    .iter()
    .any(|k| t.starts_with(k))
}

/// Length of a CloudWatch export prefix at the start of `line` (`YYYY-MM-DDTHH:MM:SS`,
/// optional fraction, `Z`, one space), or 0 when the line has none.
pub fn cloudwatch_prefix_len(line: &[u8]) -> usize {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    if line.len() < SHAPE.len() + 2 {
        return 0;
    }
    let shaped = SHAPE.iter().zip(line).all(|(s, b)| match s {
        b'd' => b.is_ascii_digit(),
        other => other == b,
    });
    if !shaped {
        return 0;
    }
    let mut i = SHAPE.len();
    if line[i] == b'.' {
        i += 1;
        let digits = line[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return 0;
        }
        i += digits;
    }
    if line.get(i) == Some(&b'Z') && line.get(i + 1) == Some(&b' ') {
        i + 2
    } else {
        0
    }
}

/// A reader that yields the server's lines, and the layout it found.
pub struct Lines<'a> {
    pub layout: Layout,
    pub reader: Box<dyn BufRead + Send + 'a>,
}

/// Reads ahead to recognise the layout, then returns a reader over the server's lines
/// (no bytes lost: the look-ahead is replayed). Line numbers are kept for
/// [`Layout::CloudWatchExport`] (a prefix is removed, never a line); for
/// [`Layout::CliJson`] they count the lines of the unwrapped `LogFileData`.
pub fn open_lines<'a>(mut reader: Box<dyn BufRead + Send + 'a>) -> std::io::Result<Lines<'a>> {
    let mut head = Vec::with_capacity(HEAD_BYTES as usize);
    reader.by_ref().take(HEAD_BYTES).read_to_end(&mut head)?;
    let layout = detect(&head);
    let replayed = Cursor::new(head).chain(reader);
    let reader: Box<dyn BufRead + Send + 'a> = match layout {
        Layout::Plain => Box::new(replayed),
        Layout::CloudWatchExport => Box::new(StripCloudWatch::new(replayed)),
        Layout::CliJson => Box::new(Portions::new(replayed)),
    };
    Ok(Lines { layout, reader })
}

/// Serves one line at a time with its CloudWatch prefix removed: memory is bounded by
/// the longest line.
struct StripCloudWatch<R> {
    inner: R,
    line: Vec<u8>,
    pos: usize,
}

impl<R: BufRead> StripCloudWatch<R> {
    fn new(inner: R) -> Self {
        StripCloudWatch {
            inner,
            line: Vec::with_capacity(1024),
            pos: 0,
        }
    }
}

impl<R: BufRead> Read for StripCloudWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        read_through_buffer(self, buf)
    }
}

impl<R: BufRead> BufRead for StripCloudWatch<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos >= self.line.len() {
            self.line.clear();
            self.pos = 0;
            // One byte over the limit is kept, and the newline: the parser reading
            // these lines then sees a line too long and rejects it with its reason.
            let (_, over) = read_line_capped(&mut self.inner, &mut self.line, MAX_LINE_BYTES + 1)?;
            if over {
                self.line.push(b'\n');
            }
            self.pos = cloudwatch_prefix_len(&self.line);
        }
        Ok(&self.line[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.line.len());
    }
}

/// `Read` for the readers here, whose real work is in `fill_buf`: copy what it serves.
fn read_through_buffer(reader: &mut impl BufRead, buf: &mut [u8]) -> std::io::Result<usize> {
    let available = reader.fill_buf()?;
    let n = available.len().min(buf.len());
    buf[..n].copy_from_slice(&available[..n]);
    reader.consume(n);
    Ok(n)
}

/// One DownloadDBLogFilePortion response; other fields are ignored.
#[derive(Deserialize)]
struct Portion {
    #[serde(rename = "LogFileData", default)]
    log_file_data: Option<String>,
}

/// Serves the `LogFileData` of each concatenated JSON object in turn. Each object is
/// held in memory while it is served (a CLI page is at most 1 MB; a self-paginated
/// download is the whole file in one string, as the CLI printed it), up to
/// [`MAX_PORTION_BYTES`].
struct Portions<R: Read> {
    objects: serde_json::StreamDeserializer<'static, serde_json::de::IoRead<Metered<R>>, Portion>,
    budget: Budget,
    data: Vec<u8>,
    pos: usize,
}

/// The largest `DownloadDBLogFilePortion` object read: the same bound as any document
/// tagtrail reads whole.
pub const MAX_PORTION_BYTES: usize = 256 << 20;

impl<R: Read> Portions<R> {
    fn new(inner: R) -> Self {
        let budget = Budget::default();
        let metered = Metered::new(inner, budget.clone(), MAX_PORTION_BYTES, "a log portion");
        Portions {
            objects: serde_json::Deserializer::from_reader(metered).into_iter(),
            budget,
            data: Vec::new(),
            pos: 0,
        }
    }
}

impl<R: Read> Read for Portions<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        read_through_buffer(self, buf)
    }
}

impl<R: Read> BufRead for Portions<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.pos >= self.data.len() {
            let Some(next) = self.objects.next() else {
                break;
            };
            self.budget.reset();
            let portion = next.map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("not DownloadDBLogFilePortion JSON: {e}"),
                )
            })?;
            let mut data = portion.log_file_data.unwrap_or_default().into_bytes();
            // Portions end at line ends; make sure two portions never glue two lines.
            if !data.is_empty() && !data.ends_with(b"\n") {
                data.push(b'\n');
            }
            self.data = data;
            self.pos = 0;
        }
        Ok(&self.data[self.pos.min(self.data.len())..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.data.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unwrap(input: &[u8]) -> (Layout, String) {
        let lines = open_lines(Box::new(input)).unwrap();
        let mut out = String::new();
        let mut reader = lines.reader;
        reader.read_to_string(&mut out).unwrap();
        (lines.layout, out)
    }

    #[test]
    fn recognises_layouts() {
        let cases: [(&[u8], Layout); 9] = [
            (
                b"2019-08-09T18:00:00.000Z 2019-08-09 18:00:00 UTC:10.50.72.222(33436):lmn@lmn_db:[26802]:LOG:  x",
                Layout::CloudWatchExport,
            ),
            (
                b"\n2026-11-16T04:07:05Z 20261116 04:07:05,vm,app,10.0.3.17,821,0,CONNECT,shop,,0",
                Layout::CloudWatchExport,
            ),
            (
                b"20261116 04:07:05,vm,app,10.0.3.17,821,0,CONNECT,shop,,0",
                Layout::Plain,
            ),
            (
                b"2026-11-28 15:03:15 UTC::@:[123]:LOG:  database system is ready",
                Layout::Plain,
            ),
            (b"2026-11-16T04:07:05.Z x", Layout::Plain),
            (b"{\n    \"LogFileData\": \"x\\n\"\n}", Layout::CliJson),
            (
                b"{\"Marker\": \"0\", \"LogFileData\": \"\"}",
                Layout::CliJson,
            ),
            (b"{\"Records\":[{\"eventVersion\":\"1.08\"}]}", Layout::Plain),
            (b"", Layout::Plain),
        ];
        for (head, want) in cases {
            assert_eq!(detect(head), want, "{}", String::from_utf8_lossy(head));
        }
    }

    /// Real MariaDB 10.11 lines (db-audit-formats.md §a.7, observed locally) and a real
    /// RDS PostgreSQL multi-line event as CloudWatch exported it (darold/pgbadger#521).
    #[test]
    fn strips_cloudwatch_prefixes_and_keeps_continuations_and_line_count() {
        let export = "2026-11-28T15:03:15.000Z 20261128 15:03:15,vm,alice,127.0.0.1,5,0,CONNECT,shop,,0\r\n\
             \n\
             2026-11-28T15:03:15.000Z 20261128 15:03:15,vm,bob,127.0.0.1,9,0,FAILED_CONNECT,,,1045\n\
             2019-08-08T00:49:34.000Z 2019-08-08 00:49:34 UTC:10.40.77.242(56266):xyz@xyz_db:[20474]:LOG:  duration: 5.076 ms  statement: SELECT col1, col2\n\
             \tFROM sample1 JOIN sample2 ON sample1.id = sample2.id\n\
             \tWHERE sample1.col3 = 'xyzxyz-1234-xyzw-abcd-abcd1abcd2abcd'\n\
             no prefix here";
        let (layout, out) = unwrap(export.as_bytes());
        assert_eq!(layout, Layout::CloudWatchExport);
        assert_eq!(
            out,
            "20261128 15:03:15,vm,alice,127.0.0.1,5,0,CONNECT,shop,,0\r\n\
             \n\
             20261128 15:03:15,vm,bob,127.0.0.1,9,0,FAILED_CONNECT,,,1045\n\
             2019-08-08 00:49:34 UTC:10.40.77.242(56266):xyz@xyz_db:[20474]:LOG:  duration: 5.076 ms  statement: SELECT col1, col2\n\
             \tFROM sample1 JOIN sample2 ON sample1.id = sample2.id\n\
             \tWHERE sample1.col3 = 'xyzxyz-1234-xyzw-abcd-abcd1abcd2abcd'\n\
             no prefix here"
        );
    }

    #[test]
    fn a_long_first_line_is_stripped_once_not_per_buffer() {
        let statement = "x".repeat(10_000);
        let export = format!(
            "2026-11-28T15:03:15.000Z 20261128 15:03:15,vm,a,h,1,2,QUERY,d,'{statement}',0\n"
        );
        let (_, out) = unwrap(export.as_bytes());
        assert_eq!(
            out,
            format!("20261128 15:03:15,vm,a,h,1,2,QUERY,d,'{statement}',0\n")
        );
    }

    #[test]
    fn unwraps_cli_json_single_and_concatenated_portions() {
        let single = br#"{
    "LogFileData": "20261128 15:03:15,vm,alice,127.0.0.1,5,0,CONNECT,shop,,0\n20261128 15:03:15,vm,alice,127.0.0.1,5,16,QUERY,shop,'SELECT \\'a\\'',0\n",
    "Marker": "9:326043",
    "AdditionalDataPending": false
}
"#;
        let (layout, out) = unwrap(single);
        assert_eq!(layout, Layout::CliJson);
        assert_eq!(
            out,
            "20261128 15:03:15,vm,alice,127.0.0.1,5,0,CONNECT,shop,,0\n\
             20261128 15:03:15,vm,alice,127.0.0.1,5,16,QUERY,shop,'SELECT \\'a\\'',0\n"
        );
        let pages = br#"{"LogFileData": "line one\nline two", "Marker": "4:4038", "AdditionalDataPending": true}
{"LogFileData": null, "Marker": "4:4038", "AdditionalDataPending": true}{"LogFileData": "line three\n", "AdditionalDataPending": false}"#;
        let (_, out) = unwrap(pages);
        assert_eq!(out, "line one\nline two\nline three\n");
    }

    #[test]
    fn broken_json_is_an_error_after_the_lines_before_it() {
        let lines = open_lines(Box::new(
            &br#"{"LogFileData": "kept\n"} {"LogFileData": "cut"#[..],
        ))
        .unwrap();
        let mut reader = lines.reader;
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        assert_eq!(first, "kept\n");
        let err = reader.read_line(&mut String::new()).unwrap_err();
        assert!(
            err.to_string()
                .contains("not DownloadDBLogFilePortion JSON"),
            "{err}"
        );
    }
}
