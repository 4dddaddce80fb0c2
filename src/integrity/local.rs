//! Verifies a local copy of a trail's bucket (`aws s3 sync s3://bucket DIR`): digests
//! are the files under a `CloudTrail-Digest` folder, and every key a digest names is
//! looked up by its `AWSLogs/…` part, so the copy may sit under any bucket or prefix
//! folder. A log file kept decompressed (`….json` for a `….json.gz` key) is found too:
//! CloudTrail hashes the uncompressed content anyway.
//!
//! Signatures: `<digest file>.signature` (hex, the `x-amz-meta-signature` value), else
//! the `previousDigestSignature` of the digest that names this one as its previous.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::chain::{self, ChainEntry};
use super::digest::{self, Digest, DigestLocation, DigestName, LogFiles, LogLookup};
use super::keys::PublicKeys;
use super::{Check, HOUR, IntegrityError, ItemKind, Period, awslogs_suffix, unreadable_digest};
use crate::sources::detect;
use crate::sources::timefmt::Micros;

/// The file name suffix of the signature sidecar of a digest file.
pub const SIDECAR_SUFFIX: &str = ".signature";

/// Checks every digest under `dir` (in `period`), the log files they list and their
/// chain; returns the `digest_checks` rows. Fails only when `dir` cannot be walked or
/// holds no digest.
pub fn verify_dir(
    dir: &Path,
    keys: &PublicKeys,
    period: Period,
    checked_at: Micros,
) -> Result<Vec<Check>, IntegrityError> {
    // The digest just after the period still vouches for the last one in it.
    let and_next = Period {
        until: period.until.map(|u| u + HOUR),
        ..period
    };
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut logs: HashMap<String, Vec<PathBuf>> = HashMap::new();
    let mut digests = Vec::new();
    for path in files {
        let key = key_of(dir, &path);
        if path
            .components()
            .any(|c| c.as_os_str() == "CloudTrail-Digest")
        {
            if !key.ends_with(SIDECAR_SUFFIX) && and_next.keeps(DigestName::parse(&key).as_ref()) {
                digests.push(LocalDigest::read(path, key));
            }
        } else {
            logs.entry(key).or_default().push(path);
        }
    }
    if digests.is_empty() {
        return Err(IntegrityError::NoDigests(dir.to_path_buf()));
    }

    // A digest's signature is also the next digest's previousDigestSignature. Digests
    // are read twice rather than held, so memory stays flat on a year of digests; read
    // and parse errors are reported by the second pass.
    let mut named_by_next: HashMap<String, (String, String)> = HashMap::new();
    for d in &digests {
        if let Ok(bytes) = d.uncompressed()
            && let Ok(parsed) = Digest::parse(&bytes)
            && let (Some(prev), Some(sig)) = (
                parsed.previous_digest_s3_object,
                parsed.previous_digest_signature,
            )
        {
            named_by_next.insert(awslogs_suffix(&prev).to_string(), (d.key.clone(), sig));
        }
    }
    digests.retain(|d| period.keeps(d.name.as_ref()));
    if digests.is_empty() {
        return Err(IntegrityError::NoDigests(dir.to_path_buf()));
    }

    let mut lookup = LocalLogs {
        index: &logs,
        cache: HashMap::new(),
    };
    let mut rows = Vec::new();
    // Per digest, what the chain needs: the parsed digest (without its log list) and hash.
    let mut chained: Vec<(Option<Digest>, Option<String>)> = Vec::with_capacity(digests.len());
    for d in &digests {
        let bytes = match d.uncompressed() {
            Ok(b) => b,
            Err(reason) => {
                rows.push(unreadable_digest(
                    &d.key,
                    &d.uri,
                    d.name.as_ref(),
                    reason,
                    checked_at,
                ));
                chained.push((None, None));
                continue;
            }
        };
        let (signature, mut from) = match (d.sidecar.as_ref(), named_by_next.get(&d.key)) {
            (Ok(Some(s)), _) => (
                Some(s.as_str()),
                " (signature from its .signature sidecar)".to_string(),
            ),
            (_, Some((next, s))) => (
                Some(s.as_str()),
                format!(" (signature from previousDigestSignature of {next})"),
            ),
            (_, None) => (None, String::new()),
        };
        if let Err(e) = &d.sidecar {
            from.push_str(&format!(" ({e})"));
        }
        let at = DigestLocation {
            bucket: None,
            key: &d.key,
            uri: &d.uri,
        };
        let mut v = digest::verify(&bytes, &at, signature, keys, &mut lookup, checked_at);
        if let Some(first) = v.rows.first_mut()
            && first.item_kind == ItemKind::Digest
        {
            first.detail.push_str(&from);
        }
        rows.append(&mut v.rows);
        let digest = v.digest.map(|mut parsed| {
            parsed.log_files = Vec::new();
            parsed
        });
        chained.push((digest, Some(v.sha256)));
    }

    let entries: Vec<ChainEntry> = digests
        .iter()
        .zip(&chained)
        .map(|(d, (digest, sha256))| ChainEntry {
            key: &d.key,
            uri: &d.uri,
            name: d.name.as_ref(),
            digest: digest.as_ref(),
            sha256: sha256.as_deref(),
            signature: match &d.sidecar {
                Ok(s) => s.as_deref(),
                Err(_) => None,
            },
        })
        .collect();
    rows.extend(chain::check(&entries, checked_at));
    Ok(rows)
}

/// A digest file found on disk.
struct LocalDigest {
    path: PathBuf,
    /// The path from `AWSLogs/` on (else relative to the directory).
    key: String,
    uri: String,
    name: Option<DigestName>,
    /// The sidecar's hex signature; `Ok(None)` when there is no sidecar.
    sidecar: Result<Option<String>, String>,
}

impl LocalDigest {
    fn read(path: PathBuf, key: String) -> LocalDigest {
        let mut sidecar = path.as_os_str().to_owned();
        sidecar.push(SIDECAR_SUFFIX);
        let sidecar = PathBuf::from(sidecar);
        LocalDigest {
            uri: path.display().to_string(),
            name: DigestName::parse(&key),
            key,
            sidecar: match std::fs::read_to_string(&sidecar) {
                Ok(s) if s.trim().is_empty() => Ok(None),
                Ok(s) => Ok(Some(s.trim().to_string())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("cannot read {}: {e}", sidecar.display())),
            },
            path,
        }
    }

    /// The uncompressed content (digests are delivered gzipped; a plain copy works too).
    fn uncompressed(&self) -> Result<Vec<u8>, String> {
        let raw = std::fs::read(&self.path).map_err(|e| format!("cannot read: {e}"))?;
        if !detect::is_gzip(&raw) {
            return Ok(raw);
        }
        let mut out = Vec::new();
        MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| format!("cannot decompress: {e}"))?;
        Ok(out)
    }
}

/// Log files under the directory, by `AWSLogs/…` key; each hashed once.
struct LocalLogs<'a> {
    index: &'a HashMap<String, Vec<PathBuf>>,
    cache: HashMap<PathBuf, LogLookup>,
}

impl LogFiles for LocalLogs<'_> {
    fn lookup(&mut self, bucket: &str, key: &str) -> LogLookup {
        let key = awslogs_suffix(key);
        let Some(paths) = self.index.get(key).or_else(|| {
            key.strip_suffix(".gz")
                .and_then(|plain| self.index.get(plain))
        }) else {
            return LogLookup::Missing;
        };
        // Copies of several buckets side by side: prefer the one in a folder named like the bucket.
        let Some(path) = paths
            .iter()
            .find(|p| p.components().any(|c| c.as_os_str() == bucket))
            .or(paths.first())
        else {
            return LogLookup::Missing;
        };
        self.cache
            .entry(path.clone())
            .or_insert_with(|| LogLookup::hash(path.display().to_string(), detect::open(path)))
            .clone()
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), IntegrityError> {
    let io = |source| IntegrityError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        if entry.file_type().map_err(io)?.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// `AWSLogs/…` from the first `AWSLogs` folder on, `/`-separated; else relative to `dir`.
fn key_of(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let from = parts.iter().position(|p| p == "AWSLogs").unwrap_or(0);
    parts[from..].join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_start_at_awslogs() {
        let dir = Path::new("/data/copy");
        assert_eq!(
            key_of(
                dir,
                Path::new("/data/copy/bucket/prefix/AWSLogs/1/CloudTrail/x.json.gz")
            ),
            "AWSLogs/1/CloudTrail/x.json.gz"
        );
        assert_eq!(
            key_of(dir, Path::new("/data/copy/loose/x.json")),
            "loose/x.json"
        );
    }
}
