//! The list of live data files, `_tagtrail/files.json`: what makes a set of Parquet
//! writes (an ingest run, a compaction) appear at once. Files not in the list are
//! invisible to every reader (a crashed run's leftovers, a compaction's inputs after the
//! swap), so replacing this one small object is the commit point on any storage.
//!
//! ```json
//! {"format": 1, "generation": 4,
//!  "files": [{"path": "db_events/date=2026-11-17/part-….parquet", "size": 81234}]}
//! ```
//!
//! `generation` counts the swaps; a compaction refuses to swap when another writer
//! swapped since it read the list. On S3 the list is replaced by a conditional PUT
//! (`If-Match` the ETag read), so a swap planned on a list that another writer has
//! replaced since is refused, even if the write lock failed to keep them apart. A lake
//! without the list (written before it existed) is read as "every `part-*.parquet` is
//! live", and the next ingest or compaction writes the list.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::store::{Listed, ReplaceError, Seen, Storage};
use super::{ALL_TABLES, LakeError};

/// Where the list lives, relative to the lake root.
pub const FILE_LIST: &str = "_tagtrail/files.json";
const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileList {
    pub format: u32,
    pub generation: u64,
    pub files: Vec<FileEntry>,
}

/// One data file: its path relative to the lake root and its size in bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
}

impl FileList {
    pub fn parse(bytes: &[u8], location: &str) -> Result<FileList, LakeError> {
        let bad = |message: String| LakeError::FileList {
            location: location.to_string(),
            message,
        };
        let list: FileList = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if list.format != FORMAT {
            return Err(bad(format!(
                "format {} is not {FORMAT}: written by another tagtrail version",
                list.format
            )));
        }
        for f in &list.files {
            if data_file(&f.path).is_none() {
                return Err(bad(format!(
                    "`{}` is not <table>/date=YYYY-MM-DD/part-….parquet",
                    f.path
                )));
            }
        }
        Ok(list)
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut files = self.files.clone();
        files.sort();
        let sorted = FileList {
            files,
            ..self.clone()
        };
        let mut out = serde_json::to_vec_pretty(&sorted).expect("serializable");
        out.push(b'\n');
        out
    }
}

/// A live data file as the storage lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFile {
    pub size: u64,
    pub last_modified: DateTime<Utc>,
}

/// The lake's data files as of one read of the list.
#[derive(Debug, Clone, Default)]
pub struct LiveFiles {
    /// `None`: no list yet (a lake from before it), every data file is live.
    pub generation: Option<u64>,
    /// Live files by path relative to the root.
    pub files: BTreeMap<String, LiveFile>,
    /// Data files and temporary files tagtrail wrote that are not live: leftovers of an
    /// interrupted run, removed by the next compaction.
    pub orphans: Vec<String>,
}

impl LiveFiles {
    /// The live files of `table`, optionally of one `date=` partition, in path order.
    pub fn of(&self, table: &str, date: Option<&str>) -> Vec<(&str, &LiveFile)> {
        let prefix = match date {
            Some(d) => format!("{table}/date={d}/"),
            None => format!("{table}/"),
        };
        self.files
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(p, f)| (p.as_str(), f))
            .collect()
    }

    /// The `date=` partitions of `table` that hold a live file, in order.
    pub fn dates(&self, table: &str) -> std::collections::BTreeSet<&str> {
        self.of(table, None)
            .into_iter()
            .filter_map(|(path, _)| data_file(path).map(|(_, date)| date))
            .collect()
    }

    pub fn entries(&self) -> Vec<FileEntry> {
        self.files
            .iter()
            .map(|(path, f)| FileEntry {
                path: path.clone(),
                size: f.size,
            })
            .collect()
    }
}

/// `(table, date)` of a data file path `<table>/date=<date>/part-….parquet`.
pub fn data_file(path: &str) -> Option<(&str, &str)> {
    let mut parts = path.split('/');
    let (table, partition, name) = (parts.next()?, parts.next()?, parts.next()?);
    let date = partition.strip_prefix("date=")?;
    let ours = ALL_TABLES.iter().any(|t| t.name == table)
        && name.starts_with("part-")
        && name.ends_with(".parquet")
        && parts.next().is_none();
    ours.then_some((table, date))
}

/// A temporary file of an interrupted write (`.<name>.<id>.tmp` under a table).
fn temporary(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let table = path.split('/').next().unwrap_or("");
    name.starts_with('.') && name.ends_with(".tmp") && ALL_TABLES.iter().any(|t| t.name == table)
}

/// Reads the list and checks it against what the storage holds: a listed file that is
/// gone, or has another size, is an error (the lake lost data).
pub fn resolve(storage: &Storage) -> Result<LiveFiles, LakeError> {
    let list = read_list(storage)?;
    let listed = storage.list()?;
    resolve_with(storage, list.as_ref(), listed)
}

pub fn read_list(storage: &Storage) -> Result<Option<FileList>, LakeError> {
    Ok(read_list_seen(storage)?.0)
}

fn read_list_seen(storage: &Storage) -> Result<(Option<FileList>, Seen), LakeError> {
    let (bytes, seen) = storage.read_seen(FILE_LIST)?;
    let list = bytes
        .map(|b| FileList::parse(&b, &storage.location(FILE_LIST)))
        .transpose()?;
    Ok((list, seen))
}

/// Writes `list` over the one read as `seen`, unless another writer replaced it since.
fn replace_list(storage: &Storage, list: &FileList, seen: &Seen) -> Result<(), LakeError> {
    storage
        .replace(FILE_LIST, list.to_json(), seen)
        .map_err(|e| match e {
            ReplaceError::Changed => {
                changed(storage, "another writer replaced it after this run read it")
            }
            ReplaceError::Lake(e) => e,
        })
}

fn changed(storage: &Storage, how: &str) -> LakeError {
    LakeError::FileList {
        location: storage.location(FILE_LIST),
        message: format!(
            "changed while this run worked ({how}): another ingest or compaction ran; run again"
        ),
    }
}

/// Gives a lake that holds no part yet an empty list (generation 0) before its first
/// ingest publishes anything. Without it, the parts of a first ingest killed before its
/// commit would be read as live by the rule for lakes older than the list, and the
/// rerun would add them again. A lake with parts and no list is such an older lake and
/// is left to that rule.
pub fn start_list(storage: &Storage) -> Result<(), LakeError> {
    let (list, seen) = read_list_seen(storage)?;
    if list.is_some() {
        return Ok(());
    }
    if storage.list()?.iter().any(|l| data_file(&l.path).is_some()) {
        return Ok(());
    }
    let list = FileList {
        format: FORMAT,
        generation: 0,
        files: Vec::new(),
    };
    replace_list(storage, &list, &seen)
}

fn resolve_with(
    storage: &Storage,
    list: Option<&FileList>,
    listed: Vec<Listed>,
) -> Result<LiveFiles, LakeError> {
    let present: BTreeMap<String, Listed> =
        listed.into_iter().map(|l| (l.path.clone(), l)).collect();
    let mut live = LiveFiles {
        generation: list.map(|l| l.generation),
        ..LiveFiles::default()
    };
    match list {
        Some(list) => {
            for entry in &list.files {
                let Some(found) = present.get(&entry.path) else {
                    return Err(LakeError::FileList {
                        location: storage.location(FILE_LIST),
                        message: format!("lists {} but it is gone", storage.location(&entry.path)),
                    });
                };
                if found.size != entry.size {
                    return Err(LakeError::FileList {
                        location: storage.location(FILE_LIST),
                        message: format!(
                            "lists {} with {} bytes but it has {}",
                            storage.location(&entry.path),
                            entry.size,
                            found.size
                        ),
                    });
                }
                live.files.insert(entry.path.clone(), live_file(found));
            }
        }
        None => {
            for (path, found) in &present {
                if data_file(path).is_some() {
                    live.files.insert(path.clone(), live_file(found));
                }
            }
        }
    }
    live.orphans = present
        .keys()
        .filter(|p| !live.files.contains_key(*p) && (data_file(p).is_some() || temporary(p)))
        .cloned()
        .collect();
    Ok(live)
}

fn live_file(l: &Listed) -> LiveFile {
    LiveFile {
        size: l.size,
        last_modified: l.last_modified,
    }
}

/// Writes a new list: the live files minus `remove` plus `add`, one generation on.
/// `expected` is the generation the caller planned with; a different one means another
/// writer swapped in between, and nothing is written.
pub fn swap(
    storage: &Storage,
    expected: Option<Option<u64>>,
    remove: &[String],
    add: &[FileEntry],
) -> Result<u64, LakeError> {
    let (list, seen) = read_list_seen(storage)?;
    let current = resolve_with(storage, list.as_ref(), storage.list()?)?;
    if let Some(expected) = expected
        && expected != current.generation
    {
        return Err(changed(
            storage,
            &format!(
                "generation {:?}, expected {:?}",
                current.generation, expected
            ),
        ));
    }
    let mut files: BTreeMap<String, FileEntry> = current
        .entries()
        .into_iter()
        .map(|e| (e.path.clone(), e))
        .collect();
    for path in remove {
        files.remove(path);
    }
    for entry in add {
        files.insert(entry.path.clone(), entry.clone());
    }
    let generation = current.generation.map_or(1, |g| g + 1);
    let list = FileList {
        format: FORMAT,
        generation,
        files: files.into_values().collect(),
    };
    replace_list(storage, &list, &seen)?;
    Ok(generation)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PART: &str = "db_events/date=2026-11-17/part-a.parquet";

    fn local() -> (tempfile::TempDir, Storage) {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::Local(dir.path().to_path_buf());
        (dir, storage)
    }

    fn put(dir: &tempfile::TempDir, rel: &str, bytes: &[u8]) {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn parse_reads_the_documented_format_and_rejects_others() {
        let json =
            format!(r#"{{"format":1,"generation":4,"files":[{{"path":"{PART}","size":7}}]}}"#);
        let list = FileList::parse(json.as_bytes(), "x").unwrap();
        assert_eq!(list.generation, 4);
        assert_eq!(
            list.files,
            [FileEntry {
                path: PART.into(),
                size: 7
            }]
        );
        assert_eq!(FileList::parse(&list.to_json(), "x").unwrap(), list);

        let err = |text: &str| {
            FileList::parse(text.as_bytes(), "s3://b/lake/_tagtrail/files.json")
                .unwrap_err()
                .to_string()
        };
        assert!(err(r#"{"format":2,"generation":1,"files":[]}"#).contains("format 2 is not 1"));
        assert!(
            err(r#"{"format":1,"generation":1,"files":[{"path":"db_events/x.parquet","size":1}]}"#)
                .contains("`db_events/x.parquet` is not <table>/date=")
        );
        let e = err(r#"{"format":1,"files":[]}"#);
        assert!(
            e.starts_with("s3://b/lake/_tagtrail/files.json: ") && e.contains("generation"),
            "{e}"
        );
    }

    #[test]
    fn a_lake_without_a_list_has_every_part_live_and_the_first_swap_writes_generation_1() {
        let (dir, storage) = local();
        put(&dir, PART, b"1234");
        put(
            &dir,
            "db_events/date=2026-11-17/.part-b.parquet.x.tmp",
            b"half",
        );
        put(&dir, "db_events/notes.txt", b"user file");
        let live = resolve(&storage).unwrap();
        assert_eq!(live.generation, None);
        assert_eq!(live.files.keys().collect::<Vec<_>>(), [PART]);
        assert_eq!(
            live.orphans,
            ["db_events/date=2026-11-17/.part-b.parquet.x.tmp"]
        );

        let g = swap(&storage, Some(None), &[], &[]).unwrap();
        assert_eq!(g, 1);
        let list = read_list(&storage).unwrap().unwrap();
        assert_eq!(
            list.files,
            [FileEntry {
                path: PART.into(),
                size: 4
            }]
        );
        assert!(
            !std::fs::read_dir(dir.path().join("_tagtrail"))
                .unwrap()
                .any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".tmp")),
            "the temporary list was renamed"
        );
    }

    /// Regression: a first ingest killed after publishing parts and before its commit
    /// left a lake without a list, whose parts the older-lake rule read as live.
    #[test]
    fn a_new_lake_gets_an_empty_list_so_a_killed_first_ingest_leaves_only_orphans() {
        let (dir, storage) = local();
        start_list(&storage).unwrap();
        let list = read_list(&storage).unwrap().unwrap();
        assert_eq!((list.generation, list.files.len()), (0, 0));
        put(&dir, PART, b"1234");
        start_list(&storage).unwrap();
        let live = resolve(&storage).unwrap();
        assert_eq!(live.generation, Some(0));
        assert!(live.files.is_empty());
        assert_eq!(live.orphans, [PART]);
        assert_eq!(swap(&storage, Some(Some(0)), &[], &[]).unwrap(), 1);

        // A lake that already holds parts without a list is an older lake: untouched.
        let (older, storage) = local();
        put(&older, PART, b"1234");
        start_list(&storage).unwrap();
        assert!(read_list(&storage).unwrap().is_none());
        assert_eq!(resolve(&storage).unwrap().files.len(), 1);
    }

    #[test]
    fn swap_replaces_files_and_unlisted_files_are_orphans() {
        let (dir, storage) = local();
        put(&dir, PART, b"1234");
        swap(&storage, None, &[], &[]).unwrap();
        let merged = "db_events/date=2026-11-17/part-m.parquet";
        put(&dir, merged, b"123456");
        // Written but not swapped in: invisible, an orphan.
        let before = resolve(&storage).unwrap();
        assert_eq!(before.files.keys().collect::<Vec<_>>(), [PART]);
        assert_eq!(before.orphans, [merged]);

        let add = [FileEntry {
            path: merged.into(),
            size: 6,
        }];
        let stale = swap(&storage, Some(Some(7)), &[PART.into()], &add).unwrap_err();
        assert!(
            stale
                .to_string()
                .contains("another ingest or compaction ran"),
            "{stale}"
        );
        assert_eq!(
            swap(&storage, Some(Some(1)), &[PART.into()], &add).unwrap(),
            2
        );
        let after = resolve(&storage).unwrap();
        assert_eq!(after.generation, Some(2));
        assert_eq!(after.files.keys().collect::<Vec<_>>(), [merged]);
        assert_eq!(after.orphans, [PART]);
    }

    /// Two writers read the same list (say the S3 write lock was deleted under a
    /// running one): the first to swap wins, and the other's swap, planned on the list
    /// it read, is refused instead of writing a list without the first one's files.
    /// On S3 the swap is a conditional PUT; object_store's in-memory store keeps ETags
    /// and honours the conditions as S3 does (the moto tests in tests/it/lake_s3.rs
    /// swap through the real S3 API).
    #[test]
    fn on_s3_a_list_replaced_after_it_was_read_is_not_overwritten() {
        let url = crate::fetch::s3::S3Url::parse("s3://lake-bucket/evidence").unwrap();
        let store = std::sync::Arc::new(object_store::memory::InMemory::new());
        let remote = super::super::store::Remote::new(url, store).unwrap();
        let storage = Storage::S3(std::sync::Arc::new(remote));
        let file = |path: &str, size: usize| {
            storage.write_atomic(path, vec![b'x'; size]).unwrap();
            FileEntry {
                path: path.into(),
                size: size as u64,
            }
        };
        start_list(&storage).unwrap();
        let (_, seen_by_late) = read_list_seen(&storage).unwrap();
        let first = file(PART, 4);
        assert_eq!(
            swap(&storage, None, &[], std::slice::from_ref(&first)).unwrap(),
            1
        );

        let late = FileList {
            format: FORMAT,
            generation: 1,
            files: vec![file("db_events/date=2026-11-18/part-b.parquet", 6)],
        };
        let refused = replace_list(&storage, &late, &seen_by_late).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "s3://lake-bucket/evidence/_tagtrail/files.json: changed while this run worked \
             (another writer replaced it after this run read it): another ingest or \
             compaction ran; run again"
        );
        let (Some(kept), seen) = read_list_seen(&storage).unwrap() else {
            panic!("no list")
        };
        assert_eq!((kept.generation, kept.files), (1, vec![first]));

        // A list that appeared after a writer found none is not overwritten either.
        assert!(replace_list(&storage, &late, &Seen::Absent).is_err());
        // Read again, the late writer's swap goes through.
        replace_list(&storage, &late, &seen).unwrap();
        assert_eq!(read_list(&storage).unwrap(), Some(late));
    }

    #[test]
    fn a_listed_file_that_is_gone_or_changed_is_an_error() {
        let (dir, storage) = local();
        put(&dir, PART, b"1234");
        swap(&storage, None, &[], &[]).unwrap();
        std::fs::write(dir.path().join(PART), b"12345").unwrap();
        let changed = resolve(&storage).unwrap_err().to_string();
        assert!(changed.contains("with 4 bytes but it has 5"), "{changed}");
        std::fs::remove_file(dir.path().join(PART)).unwrap();
        let gone = resolve(&storage).unwrap_err().to_string();
        assert!(
            gone.contains("files.json: lists ") && gone.contains("part-a.parquet but it is gone"),
            "{gone}"
        );
    }
}
