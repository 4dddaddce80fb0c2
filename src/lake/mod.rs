//! The lake: Hive-partitioned Parquet tables under a root that is a directory or an S3
//! prefix (`s3://bucket/prefix`),
//! `<root>/<table>/date=YYYY-MM-DD/part-<uuid>.parquet`, plus the ingest manifest
//! that makes re-ingestion idempotent. Any Parquet reader (DuckDB, Spark, pandas) can
//! read it; tagtrail's own engine registers it with DataFusion.
//!
//! `<root>/_tagtrail/files.json` ([`files`]) lists the live parts; it is replaced whole
//! (a rename, or one PUT) to commit an ingest run or a compaction, and every reader
//! (the engine, ingest-time lookups) reads only the parts it lists. Parts are sorted by
//! the table's time column and split into row groups; ingest writes one part per
//! partition and run, [`compact`] merges them into files of 64–256 MB. Other tools
//! reading the folders directly see every part, including a crashed run's leftovers
//! until the next compaction removes them.

pub mod access_index;
pub mod attribution_index;
pub mod compact;
pub mod files;
pub mod lock;
pub mod manifest;
mod merge;
pub mod private;
pub mod read;
mod s3;
pub mod session_index;
pub(crate) mod store;
pub mod tables;
pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::fetch::AwsOptions;
use crate::fetch::s3::S3Url;
use files::{FileEntry, LiveFiles};
use store::Storage;

pub use tables::{
    ALL_TABLES, ATTRIBUTION_INDEX, CLOUDTRAIL_EVENTS, DB_EVENTS, DB_USERS, DIGEST_CHECKS,
    EVENT_MINUTES_INDEX, FEDERATED_SESSIONS, INGEST_MANIFEST, INGEST_REJECTS, RDS_INSTANCES,
    SESSION_FACTS_INDEX, SESSION_SPANS_INDEX, TABLE_ACCESS_INDEX, TableDef, for_output,
};

/// Errors say which file they concern, so a user can find it.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: Parquet: {source}")]
    Parquet {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },
    #[error("Arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("{location}: {message}")]
    Store { location: String, message: String },
    #[error("{location}: {message}")]
    FileList { location: String, message: String },
    /// Another run holds the write lock ([`lock`]).
    #[error("{location}: {message}")]
    Locked { location: String, message: String },
}

impl LakeError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LakeError + '_ {
        move |source| LakeError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
    pub(crate) fn parquet(
        path: &Path,
    ) -> impl FnOnce(parquet::errors::ParquetError) -> LakeError + '_ {
        move |source| LakeError::Parquet {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Where a lake lives, as `--lake` names it: a directory or `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LakeLocation {
    Local(PathBuf),
    S3(S3Url),
}

impl LakeLocation {
    pub fn parse(text: &str) -> Result<LakeLocation, String> {
        if text.starts_with("s3://") {
            S3Url::parse(text).map(LakeLocation::S3)
        } else if text.contains("://") {
            Err(format!(
                "`{text}`: a lake is a directory or s3://bucket/prefix"
            ))
        } else {
            Ok(LakeLocation::Local(PathBuf::from(text)))
        }
    }
}

impl std::fmt::Display for LakeLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LakeLocation::Local(p) => write!(f, "{}", p.display()),
            LakeLocation::S3(u) => write!(f, "{u}"),
        }
    }
}

/// A lake, local or on S3. Cheap to clone: clones share the storage and the cached
/// file list.
#[derive(Clone)]
pub struct Lake {
    storage: Arc<Storage>,
    live: Arc<Mutex<Option<Arc<LiveFiles>>>>,
}

impl std::fmt::Debug for Lake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lake({})", self.storage.root())
    }
}

impl Lake {
    /// A local lake. Opening creates the table folders, so an empty lake is still a
    /// valid, queryable lake.
    pub fn open(root: impl Into<PathBuf>) -> Result<Lake, LakeError> {
        let root = root.into();
        for t in ALL_TABLES {
            private::create_dir(&root.join(t.name))?;
        }
        let lake = Lake::on(Storage::Local(root));
        files::start_list(&lake.storage)?;
        Ok(lake)
    }

    /// Opens an existing local lake without creating anything; `None` when `root` holds none.
    pub fn existing(root: impl Into<PathBuf>) -> Option<Lake> {
        let root = root.into();
        root.join(INGEST_MANIFEST.name)
            .is_dir()
            .then(|| Lake::on(Storage::Local(root)))
    }

    /// A lake at `location`; on S3 it is reached with `aws` (credentials, region,
    /// endpoint) as ingestion reaches a trail bucket. With `create` false, `None` when
    /// nothing is there yet.
    pub async fn connect(
        location: &LakeLocation,
        aws: &AwsOptions,
        create: bool,
    ) -> Result<Option<Lake>, LakeError> {
        match location {
            LakeLocation::Local(root) if create => Lake::open(root).map(Some),
            LakeLocation::Local(root) => Ok(Lake::existing(root)),
            LakeLocation::S3(url) => {
                let lake = Lake::on_s3(url.clone(), s3::connect(url, aws).await?)?;
                if create {
                    files::start_list(&lake.storage)?;
                    return Ok(Some(lake));
                }
                Ok(lake.exists_on_s3()?.then_some(lake))
            }
        }
    }

    /// An S3 lake through a store the caller built (tests, embedding).
    pub fn on_s3(url: S3Url, store: Arc<dyn object_store::ObjectStore>) -> Result<Lake, LakeError> {
        Ok(Lake::on(Storage::S3(Arc::new(store::Remote::new(
            url, store,
        )?))))
    }

    fn on(storage: Storage) -> Lake {
        Lake {
            storage: Arc::new(storage),
            live: Arc::new(Mutex::new(None)),
        }
    }

    /// A file list, or (a lake copied from disk) a manifest part, is there.
    fn exists_on_s3(&self) -> Result<bool, LakeError> {
        if files::read_list(&self.storage)?.is_some() {
            return Ok(true);
        }
        Ok(!self.live_files()?.of(INGEST_MANIFEST.name, None).is_empty())
    }

    /// The lake as the user named it (a directory or an `s3://` URL).
    pub fn location(&self) -> String {
        self.storage.root()
    }

    /// The root as a URL or absolute-path prefix ending with `/`, to which table names
    /// are appended for the query engine.
    pub fn root_url(&self) -> String {
        match &*self.storage {
            Storage::Local(root) => format!("{}/", root.display()),
            Storage::S3(r) if r.prefix.is_empty() => format!("s3://{}/", r.url.bucket),
            Storage::S3(r) => format!("s3://{}/{}/", r.url.bucket, r.prefix),
        }
    }

    /// The object store holding the lake (for local lakes, the file system).
    pub fn object_store(&self) -> Arc<dyn object_store::ObjectStore> {
        match &*self.storage {
            Storage::Local(_) => Arc::new(object_store::local::LocalFileSystem::new()),
            Storage::S3(r) => Arc::clone(&r.store),
        }
    }

    /// The lake's write lock for `command`, or an error naming the run that holds it.
    /// Every command that writes takes it first ([`lock`]).
    pub fn lock(&self, command: &str) -> Result<lock::WriteLock, LakeError> {
        lock::acquire(&self.storage, command)
    }

    pub(crate) fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The live data files, read once and then cached until this lake commits.
    pub fn live_files(&self) -> Result<Arc<LiveFiles>, LakeError> {
        let mut cached = self.live.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(live) = &*cached {
            return Ok(Arc::clone(live));
        }
        let live = Arc::new(files::resolve(&self.storage)?);
        *cached = Some(Arc::clone(&live));
        Ok(live)
    }

    /// Makes `added` live (and, for a lake without a list, writes the list).
    pub fn commit(&self, added: &[FileEntry]) -> Result<u64, LakeError> {
        self.swap(None, &[], added)
    }

    /// Replaces `removed` by `added` in one step, if the list is still at generation
    /// `expected` (when given).
    pub fn swap(
        &self,
        expected: Option<Option<u64>>,
        removed: &[String],
        added: &[FileEntry],
    ) -> Result<u64, LakeError> {
        let generation = files::swap(&self.storage, expected, removed, added);
        *self.live.lock().unwrap_or_else(|p| p.into_inner()) = None;
        generation
    }
}
