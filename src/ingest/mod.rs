//! Drives sources into the lake: finds the inputs (local files, S3 objects), skips what
//! the manifest already holds, detects each input's format, parses it, drops CloudTrail
//! events already stored, and records every input and every unreadable record.

mod dedupe;
mod inventory;
mod local;
mod pipeline;
mod remote;

use std::path::PathBuf;

use chrono_tz::Tz;

use crate::sources::mysql_line::Dialect;

use crate::fetch::{AwsOptions, FetchError, s3::S3Url};
use crate::lake::manifest::FileKey;
use crate::lake::{Lake, LakeError};
use crate::sources::cloudtrail::EventFilter;
use crate::sources::layout::Layout;
use crate::sources::pg::LinePrefix;
use crate::sources::{FileStats, SourceKind};

pub use pipeline::Ingestor;

/// Where evidence comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file, or a directory walked recursively.
    Local(PathBuf),
    /// A bucket and prefix holding CloudTrail's `AWSLogs/…` layout and/or database logs
    /// (RDS file names, CloudWatch exports).
    S3(S3Url),
    /// The LookupEvents API of one region (`cloudtrail-api:<region>`); `None` takes the
    /// region from `--region` or the AWS configuration.
    CloudTrailApi(Option<String>),
}

/// How inputs are read, whatever their origin.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Forces the format instead of detecting it.
    pub kind: Option<SourceKind>,
    /// Instance for audit logs whose path does not name one; overrides the path.
    pub instance: Option<String>,
    /// Zone of audit-log timestamps that carry none.
    pub tz: Tz,
    /// CloudTrail events kept in `cloudtrail_events`.
    pub events: EventFilter,
    /// Forces the MySQL-family audit dialect instead of detecting it per file.
    pub mysql_dialect: Option<Dialect>,
    /// How PostgreSQL stderr lines start (`--log-line-prefix`).
    pub log_line_prefix: LinePrefix,
}

/// A validated ingest request.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub inputs: Vec<Input>,
    pub settings: Settings,
    /// Only the CloudTrail day folders of this period are listed in S3 (µs, UTC,
    /// `[since, until)`); local inputs are read whole.
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub aws: AwsOptions,
    /// Worker threads that decode local files in parallel.
    pub threads: usize,
}

impl IngestOptions {
    /// Local paths only, default settings: the demo and tests.
    pub fn local(paths: Vec<PathBuf>) -> Self {
        IngestOptions {
            inputs: paths.into_iter().map(Input::Local).collect(),
            settings: Settings {
                kind: None,
                instance: None,
                tz: chrono_tz::UTC,
                events: EventFilter::default(),
                mysql_dialect: None,
                log_line_prefix: LinePrefix::rds().clone(),
            },
            since: None,
            until: None,
            aws: AwsOptions::default(),
            threads: default_threads(),
        }
    }
}

/// One worker per core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    Ingested,
    /// Same path, size and content (or S3 key, size and ETag) as an input ingested
    /// before: nothing to add, and an S3 object is not even downloaded.
    AlreadyIngested,
    /// Not event data (e.g. a CloudTrail digest file).
    NotEvidence(String),
    /// The whole input was unreadable; the reason is kept in the lake.
    Rejected(String),
}

#[derive(Debug, Clone)]
pub struct FileReport {
    /// What the user would type to find it: a path or an `s3://` URL.
    pub location: String,
    pub key: FileKey,
    pub kind: Option<SourceKind>,
    pub status: FileStatus,
    pub stats: FileStats,
    pub duplicates: u64,
    /// How a database log was delivered (CloudWatch export, CLI JSON…); `None` for
    /// inputs that are not line logs.
    pub layout: Option<Layout>,
}

#[derive(Debug, Default, Clone)]
pub struct IngestReport {
    pub files: Vec<FileReport>,
    /// Accounts and regions found while listing S3 (`account/region`), for the summary.
    pub discovered: Vec<String>,
}

impl IngestReport {
    pub fn count(&self, f: impl Fn(&FileReport) -> bool) -> usize {
        self.files.iter().filter(|r| f(r)).count()
    }
    pub fn sum(&self, f: impl Fn(&FileReport) -> u64) -> u64 {
        self.files.iter().map(f).sum()
    }
    /// Reject rows of the run, a whole unreadable file's included.
    pub fn rejected_records(&self) -> u64 {
        self.sum(|f| f.stats.rejects.len() as u64)
    }
    /// Files nothing could be read from.
    pub fn rejected_files(&self) -> usize {
        self.count(|f| matches!(f.status, FileStatus::Rejected(_)))
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
    #[error("{location}: {message}")]
    Input { location: String, message: String },
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

/// Progress callbacks for a terminal bar; the library itself never draws.
pub trait Progress {
    /// More inputs became known (S3 listings arrive in steps).
    fn add_total(&mut self, _inputs: u64) {}
    fn done(&mut self, _location: &str) {}
}

/// No progress display (pipes, tests).
pub struct Silent;
impl Progress for Silent {}

/// Ingests every input; the manifest is written last, so an interrupted run is redone
/// rather than half-recorded.
pub async fn ingest(
    lake: &Lake,
    opts: &IngestOptions,
    progress: &mut dyn Progress,
) -> Result<IngestReport, IngestError> {
    let mut ingestor = Ingestor::new(lake, &opts.settings)?;
    ingestor.set_threads(opts.threads);
    let locals: Vec<PathBuf> = opts
        .inputs
        .iter()
        .filter_map(|i| match i {
            Input::Local(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    if !locals.is_empty() {
        local::ingest(&mut ingestor, &locals, opts.threads, progress)?;
    }
    let urls: Vec<&S3Url> = opts
        .inputs
        .iter()
        .filter_map(|i| match i {
            Input::S3(u) => Some(u),
            _ => None,
        })
        .collect();
    if !urls.is_empty() {
        remote::ingest(&mut ingestor, &urls, opts, progress).await?;
    }
    for input in &opts.inputs {
        if let Input::CloudTrailApi(region) = input {
            remote::event_history(&mut ingestor, region.as_deref(), opts, progress).await?;
        }
    }
    ingestor.finish()
}
