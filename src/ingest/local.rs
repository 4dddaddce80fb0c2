//! Local files and directories.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use super::pipeline::{Decoded, decode_cloudtrail};
use super::{IngestError, Ingestor, Progress};
use crate::lake::manifest::FileKey;
use crate::sources::{SourceKind, detect};

/// Files up to this size are read whole by a worker; larger ones (long audit logs) are
/// streamed on the main thread, so memory stays bounded whatever the input.
const WORKER_MAX_BYTES: u64 = 64 << 20;

/// What a worker made of one file.
enum Prepared {
    /// Already in the lake: nothing to do.
    Known(FileKey),
    /// A CloudTrail file, decoded.
    Decoded(FileKey, Decoded),
    /// Anything else (audit logs, digests, unknown, large files): the main thread
    /// handles it with the streaming path.
    Deferred(FileKey),
}

/// Reads files with `threads` workers: each fingerprints its file and, for CloudTrail,
/// decompresses and decodes it; the main thread then deduplicates and writes the results
/// in file order, in chunks, so memory holds only one chunk of files at a time.
pub(super) fn ingest(
    ingestor: &mut Ingestor<'_>,
    paths: &[PathBuf],
    threads: usize,
    progress: &mut dyn Progress,
) -> Result<(), IngestError> {
    let files = discover(paths)?;
    progress.add_total(files.len() as u64);
    let threads = threads.max(1);
    for chunk in files.chunks(threads * 4) {
        let prepared = prepare(ingestor, chunk, threads);
        for (path, prepared) in chunk.iter().zip(prepared) {
            let location = path.display().to_string();
            match prepared.map_err(|source| IngestError::Io {
                path: path.clone(),
                source,
            })? {
                Prepared::Known(key) => ingestor.known_file(&location, key),
                Prepared::Decoded(key, decoded) => {
                    ingestor.decoded_file(&location, key, decoded)?
                }
                Prepared::Deferred(key) => ingestor.file(&location, path, key)?,
            }
            progress.done(&location);
        }
    }
    Ok(())
}

fn prepare(
    ingestor: &Ingestor<'_>,
    chunk: &[PathBuf],
    threads: usize,
) -> Vec<std::io::Result<Prepared>> {
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<std::io::Result<Prepared>>>> =
        chunk.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.min(chunk.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = chunk.get(i) else { break };
                    let result = prepare_one(ingestor, path);
                    *slots[i].lock().expect("no worker panics holding a slot") = Some(result);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .expect("no worker panics holding a slot")
                .expect("every slot is filled")
        })
        .collect()
}

fn prepare_one(ingestor: &Ingestor<'_>, path: &Path) -> std::io::Result<Prepared> {
    let uri = std::path::absolute(path)?.to_string_lossy().into_owned();
    let size = std::fs::metadata(path)?.len();
    let settings = ingestor.settings();
    let readable_whole = size <= WORKER_MAX_BYTES
        && !detect::is_cloudtrail_digest(path)
        && matches!(settings.kind, None | Some(SourceKind::CloudTrail));
    if !readable_whole {
        let (size, sha256) = fingerprint(path)?;
        return Ok(Prepared::Deferred(FileKey {
            source_uri: uri,
            size,
            sha256,
            etag: None,
        }));
    }
    let raw = std::fs::read(path)?;
    let key = FileKey {
        source_uri: uri,
        size: raw.len() as i64,
        sha256: hex(&Sha256::digest(&raw)),
        etag: None,
    };
    if ingestor
        .known_inputs()
        .has_file(&key.source_uri, key.size, &key.sha256)
    {
        return Ok(Prepared::Known(key));
    }
    let is_cloudtrail = settings.kind == Some(SourceKind::CloudTrail) || {
        let mut head = Vec::with_capacity(4096);
        // A file that cannot even be decompressed this far goes the main thread's way,
        // which records the reason as a reject.
        let readable = detect::open_bytes(&raw)
            .take(4096)
            .read_to_end(&mut head)
            .is_ok();
        readable && detect::sniff(&head) == Some(SourceKind::CloudTrail)
    };
    if !is_cloudtrail {
        return Ok(Prepared::Deferred(key));
    }
    let decoded = decode_cloudtrail(&raw, &key.source_uri, &settings.events);
    Ok(Prepared::Decoded(key, decoded))
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
