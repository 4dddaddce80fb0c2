//! Drives sources into the lake: finds files, skips what the manifest already holds,
//! detects each file's format, parses it, drops CloudTrail events already stored, and
//! records every file and every unreadable record.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{BooleanArray, Int64Array, StringArray, TimestampMicrosecondArray};
use arrow::compute::filter_record_batch;
use arrow::record_batch::RecordBatch;
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use crate::lake::manifest::{self, FileKey};
use crate::lake::writer::LakeWriter;
use crate::lake::{
    CLOUDTRAIL_EVENTS, FEDERATED_SESSIONS, INGEST_MANIFEST, INGEST_REJECTS, Lake, LakeError,
    for_output, read,
};
use crate::sources::cloudtrail::EventFilter;
use crate::sources::{
    FileStats, Output, Reject, SourceError, SourceKind, WHOLE_FILE, cloudtrail, detect, mysql_audit,
};

/// A validated ingest request.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub paths: Vec<PathBuf>,
    /// Forces the format instead of detecting it.
    pub kind: Option<SourceKind>,
    /// Instance for audit logs whose path does not name one; overrides the path.
    pub instance: Option<String>,
    /// Zone of audit-log timestamps that carry none.
    pub tz: Tz,
    /// CloudTrail events kept in `cloudtrail_events`.
    pub events: EventFilter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    Ingested,
    /// Same path, size and SHA-256 as a file ingested before: nothing to add.
    AlreadyIngested,
    /// Not event data (e.g. a CloudTrail digest file).
    NotEvidence(String),
    /// The whole file was unreadable; the reason is kept in the lake.
    Rejected(String),
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    /// Absolute path, size and SHA-256: the manifest key.
    pub key: FileKey,
    pub kind: Option<SourceKind>,
    pub status: FileStatus,
    pub stats: FileStats,
    pub duplicates: u64,
}

#[derive(Debug, Default, Clone)]
pub struct IngestReport {
    pub files: Vec<FileReport>,
}

impl IngestReport {
    pub fn count(&self, f: impl Fn(&FileReport) -> bool) -> usize {
        self.files.iter().filter(|r| f(r)).count()
    }
    pub fn sum(&self, f: impl Fn(&FileReport) -> u64) -> u64 {
        self.files.iter().map(f).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Lake(#[from] LakeError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
}

/// Progress callbacks for a terminal bar; the library itself never draws.
pub trait Progress {
    fn start(&mut self, _files: u64) {}
    fn file_done(&mut self, _path: &Path) {}
}

/// No progress display (pipes, tests).
pub struct Silent;
impl Progress for Silent {}

/// Every file under the given paths, sorted, so runs are reproducible.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| IngestError::Io {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), IngestError> {
    let io = |source| IngestError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

pub fn ingest(
    lake: &Lake,
    opts: &IngestOptions,
    progress: &mut dyn Progress,
) -> Result<IngestReport, IngestError> {
    let files = discover(&opts.paths)?;
    progress.start(files.len() as u64);
    let mut known_files = manifest::ingested_keys(lake)?;
    let mut known_events = known_event_ids(lake)?;
    let started = chrono::Utc::now().timestamp_micros();
    let mut writer = LakeWriter::new(lake);
    let mut report = IngestReport::default();
    for path in files {
        let file_report = ingest_file(
            &path,
            opts,
            &mut known_files,
            &mut known_events,
            &mut writer,
        )?;
        progress.file_done(&path);
        report.files.push(file_report);
    }
    // Data first, then the manifest: an interrupted run is re-done, never half-recorded.
    writer.finish()?;
    let mut meta = LakeWriter::new(lake);
    if let Some(batch) = manifest_batch(&report, started)? {
        meta.add(&INGEST_MANIFEST, batch)?;
    }
    if let Some(batch) = rejects_batch(&report, started)? {
        meta.add(&INGEST_REJECTS, batch)?;
    }
    meta.finish()?;
    Ok(report)
}

/// Every CloudTrail `eventID` already in the lake (an event lives in exactly one of the
/// two CloudTrail tables, so one set serves both).
fn known_event_ids(lake: &Lake) -> Result<HashSet<String>, LakeError> {
    let mut ids = HashSet::new();
    for table in [&FEDERATED_SESSIONS, &CLOUDTRAIL_EVENTS] {
        for batch in read::table_columns(lake, table, &["event_id"])? {
            let col = manifest::string_column(&batch, 0)?;
            ids.extend(col.iter().flatten().map(str::to_string));
        }
    }
    Ok(ids)
}

fn ingest_file(
    path: &Path,
    opts: &IngestOptions,
    known_files: &mut HashSet<FileKey>,
    known_events: &mut HashSet<String>,
    writer: &mut LakeWriter<'_>,
) -> Result<FileReport, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let uri = std::path::absolute(path)
        .map_err(io)?
        .to_string_lossy()
        .into_owned();
    let (size, sha256) = fingerprint(path).map_err(io)?;
    let key = FileKey {
        source_uri: uri.clone(),
        size,
        sha256,
    };
    let mut report = FileReport {
        path: path.to_path_buf(),
        key: key.clone(),
        kind: None,
        status: FileStatus::Ingested,
        stats: FileStats::default(),
        duplicates: 0,
    };
    if known_files.contains(&key) {
        report.status = FileStatus::AlreadyIngested;
        return Ok(report);
    }
    if opts.kind.is_none() && detect::is_cloudtrail_digest(path) {
        report.status =
            FileStatus::NotEvidence("CloudTrail digest file (integrity data, not events)".into());
        return Ok(report);
    }
    let head = match opts.kind {
        Some(_) => Vec::new(),
        None => match detect::head(path, 4096) {
            Ok(h) => h,
            Err(e) => return Ok(rejected(report, format!("cannot read: {e}"))),
        },
    };
    report.kind = opts.kind.or_else(|| detect::sniff(&head));
    let outcome = match report.kind {
        None => Err("unrecognised format: neither a CloudTrail log file nor a MySQL-family audit log".to_string()),
        Some(SourceKind::CloudTrail) => {
            let mut bytes = Vec::new();
            match detect::open(path).and_then(|mut r| r.read_to_end(&mut bytes)) {
                Err(e) => Err(format!("cannot read: {e}")),
                Ok(_) => {
                    let duplicates = &mut report.duplicates;
                    let mut sink = |out: Output, batch: RecordBatch| {
                        let fresh = drop_known_events(batch, known_events, duplicates)?;
                        if fresh.num_rows() > 0 {
                            writer.add(for_output(out), fresh).map_err(|e| SourceError::Sink(e.to_string()))?;
                        }
                        Ok(())
                    };
                    cloudtrail::parse(&bytes, &uri, &opts.events, &mut sink).map_err(|e| e.to_string())
                }
            }
        }
        Some(SourceKind::MysqlAudit) => match opts.instance.clone().or_else(|| detect::instance_from_path(path)) {
            None => Err("cannot tell which RDS instance wrote this audit log: put it under rds/<instance>/ or pass --instance".to_string()),
            Some(instance) => {
                let ctx = mysql_audit::Context { instance: &instance, tz: opts.tz, source_uri: &uri };
                match detect::open(path) {
                    Err(e) => Err(format!("cannot read: {e}")),
                    Ok(reader) => {
                        let mut sink = |out: Output, batch: RecordBatch| {
                            writer.add(for_output(out), batch).map_err(|e| SourceError::Sink(e.to_string()))
                        };
                        mysql_audit::parse(reader, &ctx, &mut sink).map_err(|e| e.to_string())
                    }
                }
            }
        },
    };
    match outcome {
        Ok(stats) => {
            report.stats = stats;
            report.stats.kept -= report.duplicates;
            known_files.insert(report.key.clone());
        }
        Err(reason) => return Ok(rejected(report, reason)),
    }
    Ok(report)
}

/// A file nothing could be read from: one reject row at offset 0 carries the reason.
fn rejected(mut report: FileReport, reason: String) -> FileReport {
    report
        .stats
        .rejects
        .push(Reject::new(WHOLE_FILE, reason.clone(), ""));
    report.status = FileStatus::Rejected(reason);
    report
}

/// Size and SHA-256 of the bytes on disk, read in chunks (bounded memory).
fn fingerprint(path: &Path) -> std::io::Result<(i64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0i64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as i64;
        hasher.update(&buf[..n]);
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((size, hex))
}

/// CloudTrail delivers some events twice (same `eventID`), within and across files.
fn drop_known_events(
    batch: RecordBatch,
    known: &mut HashSet<String>,
    duplicates: &mut u64,
) -> Result<RecordBatch, SourceError> {
    let ids = batch
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("event_id is the first, utf8 column");
    let keep: BooleanArray = ids
        .iter()
        .map(|id| Some(known.insert(id.unwrap_or_default().to_string())))
        .collect();
    *duplicates += keep.false_count() as u64;
    Ok(filter_record_batch(&batch, &keep)?)
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
                rows.iter().map(|f| f.kind.map(SourceKind::name)),
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
