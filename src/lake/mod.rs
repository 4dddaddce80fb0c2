//! The lake: a directory of Hive-partitioned Parquet tables,
//! `<root>/<table>/date=YYYY-MM-DD/part-<uuid>.parquet`, plus the ingest manifest
//! that makes re-ingestion idempotent. Any Parquet reader (DuckDB, Spark, pandas) can
//! read it; tagtrail's own engine registers it with DataFusion.

pub mod manifest;
pub mod read;
pub mod tables;
pub mod writer;

use std::path::{Path, PathBuf};

pub use tables::{
    ALL_TABLES, CLOUDTRAIL_EVENTS, DB_EVENTS, DB_USERS, DIGEST_CHECKS, FEDERATED_SESSIONS,
    INGEST_MANIFEST, INGEST_REJECTS, RDS_INSTANCES, TableDef, for_output,
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

/// A lake directory. Opening creates the table folders, so an empty lake is still a
/// valid, queryable lake.
#[derive(Debug, Clone)]
pub struct Lake {
    root: PathBuf,
}

impl Lake {
    pub fn open(root: impl Into<PathBuf>) -> Result<Lake, LakeError> {
        let root = root.into();
        for t in ALL_TABLES {
            let dir = root.join(t.name);
            std::fs::create_dir_all(&dir).map_err(LakeError::io(&dir))?;
        }
        Ok(Lake { root })
    }

    /// Opens an existing lake without creating anything; `None` when `root` holds none.
    pub fn existing(root: impl Into<PathBuf>) -> Option<Lake> {
        let root = root.into();
        root.join(INGEST_MANIFEST.name)
            .is_dir()
            .then_some(Lake { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn table_dir(&self, table: &TableDef) -> PathBuf {
        self.root.join(table.name)
    }
}
