//! Where the lake's bytes live: a local directory or an S3 prefix, behind the few
//! blocking operations the lake needs (list, read, write a finished file, delete).
//! Parquet is always encoded into a local file first (in place under a hidden temporary
//! name, or in a staging directory for S3) and then published whole, so a reader never
//! sees half a file: a rename locally, one PUT (multipart for large files) on S3.

use std::future::Future;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::{Buf, Bytes};
use chrono::{DateTime, Utc};
use object_store::path::Path as StorePath;
use object_store::{
    ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion, WriteMultipart,
};
use parquet::file::reader::{ChunkReader, Length};

use super::LakeError;
use crate::errors::describe;
use crate::fetch::s3::S3Url;

/// Files up to this size are uploaded with one PUT; larger ones in parts of this size.
const PART_BYTES: usize = 16 << 20;

/// An object of the lake, by its path relative to the lake root (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub path: String,
    pub size: u64,
    pub last_modified: DateTime<Utc>,
}

/// A small object as a writer read it, so that replacing it can be refused when another
/// writer replaced it in between ([`Storage::replace`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Absent,
    /// On S3, with its ETag.
    Present {
        e_tag: Option<String>,
    },
}

/// Why [`Storage::replace`] wrote nothing.
#[derive(Debug)]
pub enum ReplaceError {
    /// Another writer created or replaced the object after it was read.
    Changed,
    Lake(LakeError),
}

impl From<LakeError> for ReplaceError {
    fn from(e: LakeError) -> Self {
        ReplaceError::Lake(e)
    }
}

pub enum Storage {
    Local(PathBuf),
    S3(Arc<Remote>),
}

/// An S3 lake: the store, the key prefix, a runtime of its own for the blocking calls
/// (ingest and compaction are synchronous code), and the local staging directory.
pub struct Remote {
    pub url: S3Url,
    pub store: Arc<dyn ObjectStore>,
    /// The key prefix without its trailing `/` (empty at the bucket root).
    pub prefix: String,
    runtime: Option<tokio::runtime::Runtime>,
    staging: tempfile::TempDir,
}

impl Drop for Remote {
    fn drop(&mut self) {
        // A runtime may not be dropped (blocking) inside another runtime's context.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl Remote {
    pub fn new(url: S3Url, store: Arc<dyn ObjectStore>) -> Result<Remote, LakeError> {
        let io = |source| LakeError::Io {
            path: std::env::temp_dir(),
            source,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("tagtrail-lake-s3")
            .enable_all()
            .build()
            .map_err(io)?;
        let staging = tempfile::Builder::new()
            .prefix("tagtrail-lake-staging-")
            .tempdir()
            .map_err(io)?;
        Ok(Remote {
            prefix: url.prefix.trim_end_matches('/').to_string(),
            url,
            store,
            runtime: Some(runtime),
            staging,
        })
    }

    /// The object key of a lake path.
    pub fn key(&self, rel: &str) -> StorePath {
        if self.prefix.is_empty() {
            StorePath::from(rel)
        } else {
            StorePath::from(format!("{}/{rel}", self.prefix))
        }
    }

    fn location(&self, rel: &str) -> String {
        self.url.object(self.key(rel).as_ref())
    }

    fn fail(&self, rel: &str, e: &(dyn std::error::Error + 'static)) -> LakeError {
        LakeError::Store {
            location: self.location(rel),
            message: describe(e),
        }
    }

    /// Runs `f` to completion on the lake's runtime from synchronous code (also from
    /// inside another runtime, whose worker it blocks like file I/O would).
    pub(super) fn block<T: Send>(&self, f: impl Future<Output = T> + Send) -> T {
        let rt = self.runtime.as_ref().expect("the runtime lives until drop");
        std::thread::scope(|s| {
            s.spawn(|| rt.block_on(f))
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
    }
}

impl Storage {
    /// Where an error about `rel` should point: a path, or an `s3://` URL.
    pub fn location(&self, rel: &str) -> String {
        match self {
            Storage::Local(root) => root.join(rel).display().to_string(),
            Storage::S3(r) => r.location(rel),
        }
    }

    /// The lake root as the user names it.
    pub fn root(&self) -> String {
        match self {
            Storage::Local(root) => root.display().to_string(),
            Storage::S3(r) => r.url.to_string(),
        }
    }

    /// Every object under the root.
    pub fn list(&self) -> Result<Vec<Listed>, LakeError> {
        match self {
            Storage::Local(root) => {
                let mut out = Vec::new();
                walk(root, root, &mut out)?;
                Ok(out)
            }
            Storage::S3(r) => {
                use futures::TryStreamExt;
                let prefix = (!r.prefix.is_empty()).then(|| StorePath::from(r.prefix.as_str()));
                let objects: Vec<object_store::ObjectMeta> = r
                    .block(r.store.list(prefix.as_ref()).try_collect())
                    .map_err(|e| r.fail("", &e))?;
                let skip = if r.prefix.is_empty() {
                    0
                } else {
                    r.prefix.len() + 1
                };
                Ok(objects
                    .into_iter()
                    .map(|o| Listed {
                        path: o.location.as_ref()[skip..].to_string(),
                        size: o.size,
                        last_modified: o.last_modified,
                    })
                    .collect())
            }
        }
    }

    /// A small object's bytes (the file list); `None` when it does not exist.
    pub fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, LakeError> {
        match self {
            Storage::Local(root) => {
                let path = root.join(rel);
                match std::fs::read(&path) {
                    Ok(b) => Ok(Some(b)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(LakeError::io(&path)(e)),
                }
            }
            Storage::S3(r) => {
                let key = r.key(rel);
                match r.block(async { r.store.get(&key).await?.bytes().await }) {
                    Ok(b) => Ok(Some(b.to_vec())),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(r.fail(rel, &e)),
                }
            }
        }
    }

    /// [`Storage::read`], with what [`Storage::replace`] needs to know it is still that.
    pub fn read_seen(&self, rel: &str) -> Result<(Option<Vec<u8>>, Seen), LakeError> {
        match self {
            Storage::Local(_) => {
                let bytes = self.read(rel)?;
                let seen = match bytes {
                    None => Seen::Absent,
                    Some(_) => Seen::Present { e_tag: None },
                };
                Ok((bytes, seen))
            }
            Storage::S3(r) => {
                let key = r.key(rel);
                let got = r.block(async {
                    let got = r.store.get(&key).await?;
                    let e_tag = got.meta.e_tag.clone();
                    Ok::<_, object_store::Error>((got.bytes().await?, e_tag))
                });
                match got {
                    Ok((bytes, e_tag)) => Ok((Some(bytes.to_vec()), Seen::Present { e_tag })),
                    Err(object_store::Error::NotFound { .. }) => Ok((None, Seen::Absent)),
                    Err(e) => Err(r.fail(rel, &e)),
                }
            }
        }
    }

    /// Replaces a small object whole, only if it is still as `seen`: on S3 a conditional
    /// PUT (`If-Match` its ETag, or `If-None-Match: *` where it was absent), so that of
    /// two writers that read it, only the first replaces it, even if the write lock was
    /// deleted under a running writer. Locally the write lock (an OS lock the kernel
    /// holds) already makes writers take turns, and the replacement is a rename.
    pub fn replace(&self, rel: &str, bytes: Vec<u8>, seen: &Seen) -> Result<(), ReplaceError> {
        let Storage::S3(r) = self else {
            return Ok(self.write_atomic(rel, bytes)?);
        };
        let mode = match seen {
            Seen::Absent => PutMode::Create,
            Seen::Present { e_tag: Some(e_tag) } => PutMode::Update(UpdateVersion {
                e_tag: Some(e_tag.clone()),
                version: None,
            }),
            // A store that gives no ETag cannot be asked for one.
            Seen::Present { e_tag: None } => PutMode::Overwrite,
        };
        let opts = PutOptions {
            mode,
            ..PutOptions::default()
        };
        match r.block(r.store.put_opts(&r.key(rel), PutPayload::from(bytes), opts)) {
            Ok(_) => Ok(()),
            Err(object_store::Error::Precondition { .. })
            | Err(object_store::Error::AlreadyExists { .. }) => Err(ReplaceError::Changed),
            Err(e) => Err(ReplaceError::Lake(r.fail(rel, &e))),
        }
    }

    /// Replaces a small object whole: a reader sees the old or the new bytes, never a mix.
    pub fn write_atomic(&self, rel: &str, bytes: Vec<u8>) -> Result<(), LakeError> {
        let staged = self.staging_path(rel)?;
        super::private::write(&staged, &bytes)?;
        self.publish(&staged, rel)
    }

    /// A local file to encode `rel` into before [`Storage::publish`]: next to its final
    /// place under a hidden name, or in the staging directory.
    pub fn staging_path(&self, rel: &str) -> Result<PathBuf, LakeError> {
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let base = match self {
            Storage::Local(root) => root.join(dir),
            Storage::S3(r) => r.staging.path().join(dir),
        };
        super::private::create_dir(&base)?;
        Ok(base.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple())))
    }

    /// Makes the finished local file `staged` the object `rel`, in one step.
    pub fn publish(&self, staged: &Path, rel: &str) -> Result<(), LakeError> {
        match self {
            Storage::Local(root) => {
                let path = root.join(rel);
                std::fs::rename(staged, &path).map_err(LakeError::io(&path))
            }
            Storage::S3(r) => {
                let size = std::fs::metadata(staged)
                    .map_err(LakeError::io(staged))?
                    .len();
                let key = r.key(rel);
                let uploaded = if size <= PART_BYTES as u64 {
                    let bytes = std::fs::read(staged).map_err(LakeError::io(staged))?;
                    r.block(r.store.put(&key, PutPayload::from(bytes)))
                        .map(drop)
                        .map_err(|e| r.fail(rel, &e))
                } else {
                    upload_parts(r, staged, &key).map_err(|e| match e {
                        Upload::Io(source) => LakeError::Io {
                            path: staged.to_path_buf(),
                            source,
                        },
                        Upload::Store(e) => r.fail(rel, &e),
                    })
                };
                std::fs::remove_file(staged).map_err(LakeError::io(staged))?;
                uploaded
            }
        }
    }

    /// Removes `rel`; one already gone is fine (a rerun after a crash).
    pub fn delete(&self, rel: &str) -> Result<(), LakeError> {
        match self {
            Storage::Local(root) => {
                let path = root.join(rel);
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        Err(LakeError::io(&path)(e))
                    }
                    _ => Ok(()),
                }
            }
            Storage::S3(r) => match r.block(r.store.delete(&r.key(rel))) {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(r.fail(rel, &e)),
            },
        }
    }

    /// A Parquet file for reading, with its size as listed.
    pub fn open(&self, rel: &str, size: u64) -> Result<LakeFile, LakeError> {
        match self {
            Storage::Local(root) => {
                let path = root.join(rel);
                let file = std::fs::File::open(&path).map_err(LakeError::io(&path))?;
                Ok(LakeFile::Local(file))
            }
            Storage::S3(r) => Ok(LakeFile::Remote {
                remote: Arc::clone(r),
                key: r.key(rel),
                size,
            }),
        }
    }
}

enum Upload {
    Io(std::io::Error),
    Store(object_store::Error),
}

/// A multipart upload, one part in flight while the next is read from disk.
fn upload_parts(r: &Remote, staged: &Path, key: &StorePath) -> Result<(), Upload> {
    let mut file = std::fs::File::open(staged).map_err(Upload::Io)?;
    r.block(async {
        let upload = r.store.put_multipart(key).await.map_err(Upload::Store)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buf = vec![0; PART_BYTES];
        loop {
            let n = file.read(&mut buf).map_err(Upload::Io)?;
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(2).await.map_err(Upload::Store)?;
            writer.write(&buf[..n]);
        }
        writer.finish().await.map(drop).map_err(Upload::Store)
    })
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Listed>) -> Result<(), LakeError> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(LakeError::io(dir))? {
        let entry = entry.map_err(LakeError::io(dir))?;
        let path = entry.path();
        let meta = entry.metadata().map_err(LakeError::io(&path))?;
        if meta.is_dir() {
            walk(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root).expect("walked under the root");
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(Listed {
                path: rel.join("/"),
                size: meta.len(),
                last_modified: meta
                    .modified()
                    .map(DateTime::<Utc>::from)
                    .map_err(LakeError::io(&path))?,
            });
        }
    }
    Ok(())
}

/// A Parquet file the synchronous reader can fetch ranges of: a local file, or an S3
/// object read with ranged GETs (only the footer and the projected column chunks).
pub enum LakeFile {
    Local(std::fs::File),
    Remote {
        remote: Arc<Remote>,
        key: StorePath,
        size: u64,
    },
}

impl LakeFile {
    fn range(&self, start: u64, end: u64) -> parquet::errors::Result<Bytes> {
        let LakeFile::Remote { remote, key, .. } = self else {
            unreachable!("ranges are fetched from remote files only")
        };
        remote
            .block(remote.store.get_range(key, start..end))
            .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))
    }
}

impl Length for LakeFile {
    fn len(&self) -> u64 {
        match self {
            LakeFile::Local(f) => f.len(),
            LakeFile::Remote { size, .. } => *size,
        }
    }
}

impl ChunkReader for LakeFile {
    type T = Box<dyn Read + Send>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        match self {
            LakeFile::Local(f) => Ok(Box::new(f.get_read(start)?)),
            LakeFile::Remote { size, .. } => Ok(Box::new(self.range(start, *size)?.reader())),
        }
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        match self {
            LakeFile::Local(f) => f.get_bytes(start, length),
            LakeFile::Remote { .. } => self.range(start, start + length as u64),
        }
    }
}
