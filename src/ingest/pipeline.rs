//! The per-input pipeline shared by local files and downloaded objects: manifest check,
//! format detection, parsing into the lake, eventID deduplication, bookkeeping.

use std::io::{BufRead, Read};
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Int64Array, StringArray, TimestampMicrosecondArray};
use arrow::record_batch::RecordBatch;

use super::dedupe::KnownEvents;
use super::{FileReport, FileStatus, IngestError, IngestReport, Settings};
use crate::fetch::lookup::ApiEvent;
use crate::lake::manifest::{self, FileKey, IngestedKeys};
use crate::lake::writer::LakeWriter;
use crate::lake::{INGEST_MANIFEST, INGEST_REJECTS, Lake, LakeError, for_output};
use crate::sources::layout::{self, Layout};
use crate::sources::rds_files::{self, LogName};
use crate::sources::{
    FileStats, Output, Reject, Sink, SourceError, SourceKind, WHOLE_FILE, cloudtrail, detect,
    iam_policy, mysql_audit, okta, pg, saml,
};

/// The content of one input.
pub enum Content<'a> {
    /// A file on disk, read (and decompressed) as a stream.
    File(&'a Path),
    /// An object already downloaded.
    Bytes(&'a [u8]),
    /// A CloudTrail file already decoded by a worker thread.
    Decoded(Decoded),
}

/// A CloudTrail file decoded off the main thread: its counts and batches, or why it
/// could not be read. Deduplication and writing stay on the main thread, in input order,
/// so results do not depend on thread timing.
pub type Decoded = Result<(FileStats, Vec<(Output, RecordBatch)>), String>;

/// The most a file read whole (CloudTrail, policies, inventories) may decompress to.
/// CloudTrail delivers a region's events every five minutes, in files of a few MB; a
/// file past this is damaged or a decompression bomb, and reading it would take the
/// memory the limit protects.
pub const MAX_DOCUMENT_BYTES: u64 = 256 << 20;

/// All of `reader`, or why not: unreadable, or more than [`MAX_DOCUMENT_BYTES`].
fn read_whole(reader: std::io::Result<impl Read>) -> Result<Vec<u8>, String> {
    read_within(reader, MAX_DOCUMENT_BYTES)
}

fn read_within(reader: std::io::Result<impl Read>, limit: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader
        .and_then(|r| r.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "decompresses to more than {} MiB: not read (damaged, or a decompression bomb)",
            limit >> 20
        ));
    }
    Ok(bytes)
}

/// Decompresses and decodes one CloudTrail file held in memory.
pub fn decode_cloudtrail(raw: &[u8], uri: &str, filter: &cloudtrail::EventFilter) -> Decoded {
    let bytes = read_whole(Ok(detect::open_bytes(raw)))?;
    let mut batches = Vec::new();
    let stats = cloudtrail::parse(&bytes, uri, filter, &mut |out, batch| {
        batches.push((out, batch));
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok((stats, batches))
}

impl Content<'_> {
    fn open(&self) -> std::io::Result<Box<dyn BufRead + Send + '_>> {
        match self {
            Content::File(p) => detect::open(p),
            Content::Bytes(b) => Ok(detect::open_bytes(b)),
            Content::Decoded(_) => Ok(Box::new(&[][..])),
        }
    }

    /// The whole decompressed content, for inputs read in one piece (CloudTrail files,
    /// policies, inventories).
    pub(super) fn read_all(&self) -> Result<Vec<u8>, String> {
        read_whole(self.open())
    }

    /// The server's lines, unwrapped from their delivery layout: what every line-log
    /// parser reads.
    fn open_lines(&self) -> std::io::Result<layout::Lines<'_>> {
        layout::open_lines(self.open()?)
    }
}

pub struct Ingestor<'l> {
    lake: &'l Lake,
    settings: Settings,
    known_inputs: IngestedKeys,
    known_events: KnownEvents,
    writer: LakeWriter<'l>,
    report: IngestReport,
    started: i64,
    /// Parse database logs on their own thread (see [`Ingestor::set_threads`]).
    pipelined: bool,
}

impl<'l> Ingestor<'l> {
    pub fn new(lake: &'l Lake, settings: &Settings) -> Result<Self, IngestError> {
        Ok(Ingestor {
            lake,
            settings: settings.clone(),
            known_inputs: manifest::ingested_keys(lake)?,
            known_events: KnownEvents::new(),
            writer: LakeWriter::new(lake),
            report: IngestReport::default(),
            started: chrono::Utc::now().timestamp_micros(),
            pipelined: false,
        })
    }

    /// With more than one thread, database logs are parsed on a thread of their own
    /// while the lake writer encodes the previous batches.
    pub fn set_threads(&mut self, threads: usize) {
        self.pipelined = threads > 1;
    }

    /// An S3 object whose key, size and ETag are already in the manifest: recorded as
    /// unchanged without downloading it.
    pub fn skip_known_object(&mut self, location: &str, uri: &str, size: i64, etag: &str) -> bool {
        if !self.known_inputs.has_object(uri, size, etag) {
            return false;
        }
        self.report.files.push(FileReport {
            location: location.to_string(),
            key: FileKey {
                source_uri: uri.to_string(),
                size,
                sha256: String::new(),
                etag: Some(etag.to_string()),
            },
            kind: None,
            status: FileStatus::AlreadyIngested,
            stats: FileStats::default(),
            duplicates: 0,
            layout: None,
        });
        true
    }

    /// An input that could not be fetched at all: recorded as rejected with the reason,
    /// so the evidence gap is visible in the lake, and the run goes on.
    pub fn unreadable(&mut self, location: &str, key: FileKey, reason: String) {
        let report = FileReport {
            location: location.to_string(),
            key,
            kind: None,
            status: FileStatus::Ingested,
            stats: FileStats::default(),
            duplicates: 0,
            layout: None,
        };
        self.report.files.push(rejected(report, reason));
    }

    pub fn note_discovered(&mut self, what: String) {
        self.report.discovered.push(what);
    }

    pub fn file(&mut self, location: &str, path: &Path, key: FileKey) -> Result<(), IngestError> {
        let digest = detect::is_cloudtrail_digest(path);
        let instance = detect::instance_from_path(path);
        let name = rds_files::classify(&path.to_string_lossy());
        self.input(location, key, Content::File(path), digest, instance, name)
    }

    /// A local CloudTrail file that a worker already decoded.
    pub fn decoded_file(
        &mut self,
        location: &str,
        key: FileKey,
        decoded: Decoded,
    ) -> Result<(), IngestError> {
        self.input(location, key, Content::Decoded(decoded), false, None, None)
    }

    /// A file a worker found already in the lake.
    pub fn known_file(&mut self, location: &str, key: FileKey) {
        self.report.files.push(FileReport {
            location: location.to_string(),
            key,
            kind: None,
            status: FileStatus::AlreadyIngested,
            stats: FileStats::default(),
            duplicates: 0,
            layout: None,
        });
    }

    /// Inputs already in the lake, for workers that check before decoding.
    pub fn known_inputs(&self) -> &IngestedKeys {
        &self.known_inputs
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A downloaded object; `key_path` is its key, read like a path for the instance
    /// name and the digest folder.
    pub fn object(
        &mut self,
        location: &str,
        key_path: &Path,
        key: FileKey,
        bytes: &[u8],
    ) -> Result<(), IngestError> {
        let digest = detect::is_cloudtrail_digest(key_path);
        let instance = detect::instance_from_path(key_path);
        let name = rds_files::classify(&key_path.to_string_lossy());
        self.input(location, key, Content::Bytes(bytes), digest, instance, name)
    }

    fn input(
        &mut self,
        location: &str,
        key: FileKey,
        content: Content<'_>,
        is_digest: bool,
        path_instance: Option<String>,
        name: Option<LogName>,
    ) -> Result<(), IngestError> {
        let mut report = FileReport {
            location: location.to_string(),
            key,
            kind: None,
            status: FileStatus::Ingested,
            stats: FileStats::default(),
            duplicates: 0,
            layout: None,
        };
        let k = &report.key;
        if self.known_inputs.has_file(&k.source_uri, k.size, &k.sha256) {
            report.status = FileStatus::AlreadyIngested;
            self.report.files.push(report);
            return Ok(());
        }
        let forced = self.settings.kind;
        if forced.is_none() && is_digest {
            report.status = FileStatus::NotEvidence(
                "CloudTrail digest file (integrity data, not events)".into(),
            );
            self.report.files.push(report);
            return Ok(());
        }
        let kind = match (&content, forced) {
            (Content::Decoded(_), _) => Some(SourceKind::CloudTrail),
            (_, Some(k)) => Some(k),
            (_, None) => match sniff(&content, name, &self.settings.log_line_prefix) {
                Ok(k) => k,
                Err(e) => {
                    self.report
                        .files
                        .push(rejected(report, format!("cannot read: {e}")));
                    return Ok(());
                }
            },
        };
        report.kind = kind;
        let outcome = match kind {
            None => Err(
                "unrecognised format: neither a CloudTrail log file, a MySQL-family audit log, a PostgreSQL log, an Okta System Log nor a SAML response (for a custom log_line_prefix pass --log-line-prefix)"
                    .to_string(),
            ),
            Some(SourceKind::CloudTrail) => {
                let decoded = match content {
                    Content::Decoded(d) => d,
                    other => self.read_cloudtrail(&other, &report.key.source_uri),
                };
                self.commit_cloudtrail(decoded, &mut report.duplicates)
            }
            Some(SourceKind::MysqlAudit) => self
                .db_log_instance(path_instance)
                .and_then(|i| self.mysql_audit(&content, &report.key.source_uri, &i))
                .map(|(stats, layout)| {
                    report.layout = Some(layout);
                    stats
                }),
            Some(kind @ (SourceKind::PgStderr | SourceKind::PgCsvlog)) => self
                .db_log_instance(path_instance)
                .and_then(|i| self.postgres(&content, &report.key.source_uri, &i, kind))
                .map(|(stats, layout)| {
                    report.layout = Some(layout);
                    stats
                }),
            Some(SourceKind::IamPolicy) => self.iam_policy(&content, &report.key.source_uri),
            Some(kind @ (SourceKind::RdsInventory | SourceKind::DbUsers)) => {
                let observed_at = super::inventory::observed_at(&content, self.started);
                let instance = self.settings.instance.clone().or(path_instance);
                super::inventory::write(
                    &mut self.writer,
                    kind,
                    &content,
                    &report.key.source_uri,
                    observed_at,
                    instance.as_deref(),
                )
            }
            Some(SourceKind::OktaLog) => self.idp_file(&content, |reader, sink| {
                okta::parse(reader, &report.key.source_uri, sink)
            }),
            Some(SourceKind::Saml) => self.idp_file(&content, |reader, sink| {
                saml::parse(reader, &report.key.source_uri, sink)
            }),
        };
        self.settle(report, outcome);
        Ok(())
    }

    /// A policy file: small, read whole; `observed_at` is this run's start.
    fn iam_policy(&mut self, content: &Content<'_>, uri: &str) -> Result<FileStats, String> {
        let bytes = content.read_all()?;
        let ctx = iam_policy::Context {
            source_uri: uri,
            observed_at: self.started,
        };
        iam_policy::parse(&bytes, &ctx, &mut self.writer.sink()).map_err(|e| e.to_string())
    }

    /// Streams an identity-provider file (Okta System Log, SAML) into the lake.
    fn idp_file(
        &mut self,
        content: &Content<'_>,
        parse: impl FnOnce(
            Box<dyn BufRead + Send + '_>,
            &mut Sink<'_>,
        ) -> Result<FileStats, SourceError>,
    ) -> Result<FileStats, String> {
        let reader = content.open().map_err(|e| format!("cannot read: {e}"))?;
        parse(reader, &mut self.writer.sink()).map_err(|e| e.to_string())
    }

    /// Records how an input ended; only inputs read successfully count as ingested.
    fn settle(&mut self, mut report: FileReport, outcome: Result<FileStats, String>) {
        match outcome {
            Ok(stats) => {
                report.stats = stats;
                report.stats.kept -= report.duplicates;
                self.known_inputs.insert(&report.key);
                self.report.files.push(report);
            }
            Err(reason) => self.report.files.push(rejected(report, reason)),
        }
    }

    fn read_cloudtrail(&self, content: &Content<'_>, uri: &str) -> Decoded {
        decode_cloudtrail(&content.read_all()?, uri, &self.settings.events)
    }

    /// Drops events already in the lake and hands the rest to the writer.
    fn commit_cloudtrail(
        &mut self,
        decoded: Decoded,
        duplicates: &mut u64,
    ) -> Result<FileStats, String> {
        let (stats, batches) = decoded?;
        for (out, batch) in batches {
            let fresh = self
                .known_events
                .keep_new(self.lake, batch, duplicates)
                .map_err(|e| e.to_string())?;
            if fresh.num_rows() > 0 {
                self.writer
                    .add(for_output(out), fresh)
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(stats)
    }

    /// Events from the LookupEvents API (one `CloudTrailEvent` JSON each), through the
    /// same decoder as log files; `uri` names the query.
    pub fn api_events(&mut self, uri: &str, events: &[ApiEvent]) -> Result<(), IngestError> {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        let mut size = 0i64;
        for e in events {
            hash.update(e.json.as_bytes());
            size += e.json.len() as i64;
        }
        let mut report = FileReport {
            location: uri.to_string(),
            key: FileKey {
                source_uri: uri.to_string(),
                size,
                sha256: super::local::hex(&hash.finalize()),
                etag: None,
            },
            kind: Some(SourceKind::CloudTrail),
            status: FileStatus::Ingested,
            stats: FileStats::default(),
            duplicates: 0,
            layout: None,
        };
        let mut duplicates = 0;
        let mut batches = Vec::new();
        let mut sink = |out: Output, batch: RecordBatch| {
            batches.push((out, batch));
            Ok(())
        };
        let mut decoder = cloudtrail::Decoder::new(&self.settings.events);
        let mut decoded: Result<(), SourceError> = Ok(());
        for (i, e) in events.iter().enumerate() {
            decoded = decoder.record(&e.json, uri, i as i64, &mut sink);
            if decoded.is_err() {
                break;
            }
        }
        let decoded = decoded
            .and_then(|()| decoder.finish(&mut sink))
            .map(|stats| (stats, batches))
            .map_err(|e| e.to_string());
        let outcome = self.commit_cloudtrail(decoded, &mut duplicates);
        report.duplicates = duplicates;
        self.settle(report, outcome);
        Ok(())
    }

    /// Rows read from a live database (`tagtrail inventory`), written like a file's and
    /// recorded in the manifest under `key` on every run: each run is an observation.
    pub fn live(
        &mut self,
        key: FileKey,
        kind: SourceKind,
        output: Output,
        batch: RecordBatch,
    ) -> Result<(), IngestError> {
        let rows = batch.num_rows() as u64;
        if rows > 0 {
            self.writer.add(for_output(output), batch)?;
        }
        self.report.files.push(FileReport {
            location: key.source_uri.clone(),
            key,
            kind: Some(kind),
            status: FileStatus::Ingested,
            stats: FileStats {
                records: rows,
                kept: rows,
                ..FileStats::default()
            },
            duplicates: 0,
            layout: None,
        });
        Ok(())
    }

    /// The instance that wrote a database log: `--instance`, else the one its path names.
    fn db_log_instance(&self, path_instance: Option<String>) -> Result<String, String> {
        self.settings.instance.clone().or(path_instance).ok_or_else(|| {
            "cannot tell which RDS instance wrote this database log: put it under rds/<instance>/ or pass --instance".to_string()
        })
    }

    fn mysql_audit(
        &mut self,
        content: &Content<'_>,
        uri: &str,
        instance: &str,
    ) -> Result<(FileStats, Layout), String> {
        let ctx = mysql_audit::Context {
            instance,
            tz: self.settings.tz,
            source_uri: uri,
            dialect: self.settings.mysql_dialect,
        };
        write_db_log(&mut self.writer, content, self.pipelined, |lines, sink| {
            mysql_audit::parse(lines, &ctx, sink)
        })
    }

    fn postgres(
        &mut self,
        content: &Content<'_>,
        uri: &str,
        instance: &str,
        kind: SourceKind,
    ) -> Result<(FileStats, Layout), String> {
        let ctx = pg::Context {
            instance,
            tz: self.settings.tz,
            source_uri: uri,
            format: match kind {
                SourceKind::PgCsvlog => pg::Format::Csvlog,
                _ => pg::Format::Stderr(&self.settings.log_line_prefix),
            },
        };
        write_db_log(&mut self.writer, content, self.pipelined, |lines, sink| {
            pg::parse(lines, &ctx, sink)
        })
    }

    /// Writes the data, then the manifest and rejects, and commits them together: an
    /// interrupted run leaves nothing live, so it is redone, never half-recorded.
    pub fn finish(self) -> Result<IngestReport, IngestError> {
        let mut parts = self.writer.finish_staged()?;
        let mut meta = LakeWriter::new(self.lake);
        if let Some(batch) = manifest_batch(&self.report, self.started)? {
            meta.add(&INGEST_MANIFEST, batch)?;
        }
        if let Some(batch) = rejects_batch(&self.report, self.started)? {
            meta.add(&INGEST_REJECTS, batch)?;
        }
        parts.extend(meta.finish_staged()?);
        self.lake.commit(&parts)?;
        Ok(self.report)
    }
}

/// Guesses the format from the first decompressed, unwrapped bytes (PostgreSQL stderr
/// lines must start with `prefix`); when they say nothing (a damaged first line, an
/// empty hour of PostgreSQL log), an RDS log name still does, so its readable lines are
/// kept and the others rejected one by one.
fn sniff(
    content: &Content<'_>,
    name: Option<LogName>,
    prefix: &pg::LinePrefix,
) -> std::io::Result<Option<SourceKind>> {
    let mut head = Vec::with_capacity(4096);
    content
        .open_lines()?
        .reader
        .take(4096)
        .read_to_end(&mut head)?;
    let by_name = match name {
        Some(LogName::ServerAudit | LogName::AuroraAudit) => Some(SourceKind::MysqlAudit),
        Some(LogName::Postgres { csv: false }) => Some(SourceKind::PgStderr),
        Some(LogName::Postgres { csv: true }) => Some(SourceKind::PgCsvlog),
        _ => None,
    };
    Ok(detect::sniff_with_prefix(&head, prefix).or(by_name))
}

/// Unwraps a database log from its delivery layout and streams the rows `parse` emits
/// into the lake. `pipelined`: parse on a second thread while this one encodes Parquet
/// (the two halves cost about the same per row); a bounded channel of a few batches
/// keeps memory flat whatever the file size.
fn write_db_log(
    writer: &mut LakeWriter<'_>,
    content: &Content<'_>,
    pipelined: bool,
    parse: impl FnOnce(Box<dyn BufRead + Send + '_>, &mut Sink<'_>) -> Result<FileStats, SourceError>
    + Send,
) -> Result<(FileStats, Layout), String> {
    let lines = content
        .open_lines()
        .map_err(|e| format!("cannot read: {e}"))?;
    let layout = lines.layout;
    if !pipelined {
        return parse(lines.reader, &mut writer.sink())
            .map(|stats| (stats, layout))
            .map_err(|e| e.to_string());
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<(Output, RecordBatch)>(4);
    std::thread::scope(|scope| {
        let parser = scope.spawn(move || {
            let mut sink = |out: Output, batch: RecordBatch| {
                tx.send((out, batch))
                    .map_err(|_| SourceError::Sink("the lake writer stopped".into()))
            };
            parse(lines.reader, &mut sink)
        });
        let mut written = Ok(());
        for (out, batch) in rx.iter() {
            if let Err(e) = writer.add(for_output(out), batch) {
                written = Err(e.to_string());
                // Dropping the receiver makes the parser's next send fail, so it stops.
                break;
            }
        }
        drop(rx);
        let parsed = parser
            .join()
            .map_err(|_| "the parser thread panicked".to_string())?;
        written?;
        parsed
            .map(|stats| (stats, layout))
            .map_err(|e| e.to_string())
    })
}

/// An input nothing could be read from: one reject row for the whole file carries the reason.
fn rejected(mut report: FileReport, reason: String) -> FileReport {
    report
        .stats
        .rejects
        .push(Reject::new(WHOLE_FILE, reason.clone(), ""));
    report.status = FileStatus::Rejected(reason);
    report
}

fn manifest_batch(report: &IngestReport, at: i64) -> Result<Option<RecordBatch>, LakeError> {
    let rows: Vec<&FileReport> = report
        .files
        .iter()
        .filter(|f| matches!(f.status, FileStatus::Ingested | FileStatus::Rejected(_)))
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let n = |g: &dyn Fn(&FileReport) -> u64| {
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|f| g(f) as i64),
        ))
    };
    let batch = RecordBatch::try_new(
        manifest::manifest_schema(),
        vec![
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|f| f.key.source_uri.as_str()),
            )),
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|f| f.key.size),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|f| f.key.sha256.as_str()),
            )),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|f| f.key.etag.as_deref()),
            )),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|f| f.kind.map(SourceKind::name)),
            )),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|f| f.layout.map(Layout::name)),
            )),
            Arc::new(StringArray::from_iter_values(rows.iter().map(
                |f| match f.status {
                    FileStatus::Rejected(_) => "rejected",
                    _ => "ingested",
                },
            ))),
            Arc::new(StringArray::from_iter(rows.iter().map(
                |f| match &f.status {
                    FileStatus::Rejected(m) => Some(m.as_str()),
                    _ => None,
                },
            ))),
            n(&|f| f.stats.records),
            n(&|f| f.stats.kept),
            n(&|f| f.stats.skipped),
            n(&|f| f.duplicates),
            n(&|f| f.stats.rejects.len() as u64),
            Arc::new(TimestampMicrosecondArray::from(vec![at; rows.len()]).with_timezone("UTC")),
        ],
    )?;
    Ok(Some(batch))
}

fn rejects_batch(report: &IngestReport, at: i64) -> Result<Option<RecordBatch>, LakeError> {
    let rows: Vec<(&FileReport, &Reject)> = report
        .files
        .iter()
        .flat_map(|f| f.stats.rejects.iter().map(move |r| (f, r)))
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let batch = RecordBatch::try_new(
        manifest::rejects_schema(),
        vec![
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|(f, _)| f.key.source_uri.as_str()),
            )),
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|(_, r)| r.offset),
            )),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|(f, _)| f.kind.map(SourceKind::name)),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|(_, r)| r.reason.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|(_, r)| r.excerpt.as_str()),
            )),
            Arc::new(TimestampMicrosecondArray::from(vec![at; rows.len()]).with_timezone("UTC")),
        ],
    )?;
    Ok(Some(batch))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::read_within;

    /// A gzip bomb (a few KB that inflate past the limit) is refused with the reason
    /// after reading one byte past the limit, not inflated whole.
    #[test]
    fn a_file_that_inflates_past_the_limit_is_refused() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&vec![b' '; 3 << 20]).unwrap();
        let bomb = gz.finish().unwrap();
        assert!(bomb.len() < 40_000, "{}", bomb.len());
        let open = || Ok(crate::sources::detect::open_bytes(&bomb));
        assert_eq!(
            read_within(open(), 2 << 20),
            Err(
                "decompresses to more than 2 MiB: not read (damaged, or a decompression bomb)"
                    .into()
            )
        );
        assert_eq!(read_within(open(), 3 << 20).map(|b| b.len()), Ok(3 << 20));
    }
}
