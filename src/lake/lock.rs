//! One writer at a time: `_tagtrail/write.lock`.
//!
//! Two ingests into one lake at once would each commit a file list that lacks the
//! other's parts, and a scheduled ingest overlapping a manual one is easy to start. So
//! every command that writes takes this lock first and a second one is refused with
//! who holds it, instead of corrupting the lake.
//!
//! - Locally the lock is an OS file lock (`flock`) on the file, which the kernel drops
//!   when its process ends, even by `kill -9`: a crashed writer never blocks the next.
//!   The file also says who holds it, for the refusal message.
//! - On S3 the lock is the object itself, created only if absent (`If-None-Match: *`)
//!   and deleted when the writer finishes. A writer killed midway leaves it behind; the
//!   refusal names it, its holder and its age, so that an operator who knows no writer
//!   runs can delete it.

use std::io::{Read, Seek, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

use super::LakeError;
use super::store::{Remote, Storage};

/// Where the lock lives, relative to the lake root.
pub const LOCK: &str = "_tagtrail/write.lock";

/// Who holds the lock: enough for the refused user to find the other run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    /// The command that writes (`ingest`, `compact`, …).
    pub command: String,
    pub since: DateTime<Utc>,
}

impl Holder {
    fn me(command: &str) -> Holder {
        Holder {
            pid: std::process::id(),
            host: hostname(),
            command: command.to_string(),
            since: Utc::now(),
        }
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`tagtrail {}` (pid {} on {}, since {})",
            self.command,
            self.pid,
            self.host,
            self.since.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "this host".to_string())
}

/// Held while a command writes; released when dropped (and by the kernel if the
/// process dies first, for a local lake).
#[must_use = "the lake is locked only while this lives"]
pub struct WriteLock {
    inner: Inner,
}

enum Inner {
    /// The open, locked file: closing it releases the lock.
    Local {
        _file: std::fs::File,
    },
    S3(std::sync::Arc<Remote>),
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        if let Inner::S3(r) = &self.inner {
            // Best effort: a lock left behind is reported to the next writer with its
            // holder and age, never silently taken over.
            if let Err(e) = r.block(r.store.delete(&r.key(LOCK))) {
                eprintln!(
                    "tagtrail: warning: could not remove the lake lock {}: {e}",
                    r.url.object(r.key(LOCK).as_ref())
                );
            }
        }
    }
}

/// Takes the lake's write lock for `command`, or says who holds it.
pub fn acquire(storage: &Storage, command: &str) -> Result<WriteLock, LakeError> {
    let me = Holder::me(command);
    let text = serde_json::to_vec(&me).expect("serializable");
    match storage {
        Storage::Local(root) => {
            let dir = root.join("_tagtrail");
            super::private::create_dir(&dir)?;
            let path = root.join(LOCK);
            let mut file = super::private::open_rw(&path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut held = Vec::new();
                    file.read_to_end(&mut held).map_err(LakeError::io(&path))?;
                    return Err(locked(storage.location(LOCK), &held, false));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(LakeError::io(&path)(e)),
            }
            file.set_len(0).map_err(LakeError::io(&path))?;
            file.rewind().map_err(LakeError::io(&path))?;
            file.write_all(&text).map_err(LakeError::io(&path))?;
            Ok(WriteLock {
                inner: Inner::Local { _file: file },
            })
        }
        Storage::S3(r) => {
            let key = r.key(LOCK);
            let create = PutOptions {
                mode: PutMode::Create,
                ..PutOptions::default()
            };
            match r.block(r.store.put_opts(&key, PutPayload::from(text), create)) {
                Ok(_) => Ok(WriteLock {
                    inner: Inner::S3(std::sync::Arc::clone(r)),
                }),
                Err(object_store::Error::AlreadyExists { .. })
                | Err(object_store::Error::Precondition { .. }) => {
                    // Gone again already (its writer just finished) reads as no holder.
                    let held = r
                        .block(async { r.store.get(&key).await?.bytes().await })
                        .map(|b| b.to_vec())
                        .unwrap_or_default();
                    Err(locked(storage.location(LOCK), &held, true))
                }
                Err(e) => Err(LakeError::Store {
                    location: storage.location(LOCK),
                    message: crate::errors::describe(&e),
                }),
            }
        }
    }
}

/// The refusal: who holds the lock, and (on S3, where a killed writer leaves it) how
/// to remove a lock nobody holds any more.
fn locked(location: String, held: &[u8], remote: bool) -> LakeError {
    let holder = serde_json::from_slice::<Holder>(held)
        .map(|h| h.to_string())
        .unwrap_or_else(|_| "another tagtrail run".to_string());
    let mut message =
        format!("the lake is being written by {holder}; wait for it to finish and run this again");
    if remote {
        message.push_str(
            " (a run that was killed leaves this lock behind: if no tagtrail writes to this \
             lake, delete the lock object and run this again)",
        );
    }
    LakeError::Locked { location, message }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::lake::Lake;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    /// A second writer is refused with the first one's command and pid, and gets the
    /// lock once the first lets go.
    #[test]
    fn a_second_writer_is_refused_with_who_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path()).unwrap();
        let first = lake.lock("ingest").unwrap();
        let refused = lake.lock("compact").err().expect("the lake is locked");
        let text = refused.to_string();
        let pid = std::process::id();
        assert!(
            text.starts_with(&format!(
                "{}: the lake is being written by `tagtrail ingest` (pid {pid} on ",
                dir.path().join(LOCK).display()
            )),
            "{text}"
        );
        assert!(
            text.ends_with("; wait for it to finish and run this again"),
            "{text}"
        );
        assert!(matches!(refused, LakeError::Locked { .. }));
        drop(first);
        let again = lake.lock("compact").unwrap();
        let held: Holder =
            serde_json::from_slice(&std::fs::read(dir.path().join(LOCK)).unwrap()).unwrap();
        assert_eq!((held.command.as_str(), held.pid), ("compact", pid));
        drop(again);
    }

    /// The lock file, like the rest of the lake, is its owner's only.
    #[test]
    fn the_lock_is_private_to_the_owner() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("lake");
        let lake = Lake::open(&root).unwrap();
        let _lock = lake.lock("ingest").unwrap();
        assert_eq!(mode(&root.join(LOCK)), 0o600);
        assert_eq!(mode(&root.join("_tagtrail")), 0o700);
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&root.join("db_events")), 0o700);
    }
}
