//! Local files and directories.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{IngestError, Ingestor, Progress};
use crate::lake::manifest::FileKey;

pub(super) fn ingest(
    ingestor: &mut Ingestor<'_>,
    paths: &[PathBuf],
    progress: &mut dyn Progress,
) -> Result<(), IngestError> {
    let files = discover(paths)?;
    progress.add_total(files.len() as u64);
    for path in files {
        let io = |source| IngestError::Io {
            path: path.clone(),
            source,
        };
        let uri = std::path::absolute(&path)
            .map_err(io)?
            .to_string_lossy()
            .into_owned();
        let (size, sha256) = fingerprint(&path).map_err(io)?;
        let key = FileKey {
            source_uri: uri,
            size,
            sha256,
            etag: None,
        };
        let location = path.display().to_string();
        ingestor.file(&location, &path, key)?;
        progress.done(&location);
    }
    Ok(())
}

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
    Ok((size, hex(&hasher.finalize())))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
